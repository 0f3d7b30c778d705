"""Specifications of bot.delivery: the digest fan-out against the local Bot API server.

Everything is real: ``telegram.Bot`` talks HTTP to ``bot.localapi.LocalBotApi`` (which applies
Telegram's checks, error texts and rate limits), and the ``Store`` runs on a SQLite file and
on PostgreSQL (the ``store`` fixture of ``tests/bot/conftest.py``).
"""

# Fixtures are imported by name and requested as parameters (pyflakes reads redefinitions).
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
import telegram
from aiohttp import web
from telegram.error import InvalidToken

from bot.app import make_services
from bot.config import load_config
from bot.delivery import (
    DeliveryPolicy,
    DeliveryReport,
    Pacer,
    deliver_broadcast,
    deliver_edition,
)
from bot.localapi.server import LocalBotApi, LocalUser
from bot.operations import send_until_done, without_recovered
from bot.render import build_digest
from bot.storage.leases import sender_lease_name
from bot.storage.records import (
    ArticleRecord,
    DeliveryStatus,
    EditionRecord,
    InDoubt,
    MessageState,
)
from bot.storage.store import Store
from tests.bot.delivery.editions import (
    PAPER,
    add_long_edition,
    add_reprint_edition,
    add_seed_edition,
    long_edition,
)
from tests.bot.fixtures_local_api import (
    TEST_TOKEN,
    api_bot,
    local_api,  # noqa: F401  (fixture)
    local_api_bot,  # noqa: F401  (fixture)
    local_api_factory,  # noqa: F401  (fixture)
    serving,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)

Factory = Callable[..., Awaitable[LocalBotApi]]
FAST = DeliveryPolicy(backoff=0.01, max_backoff=0.05)


def fast_pacer() -> Pacer:
    """Short per-chat spacing: for tests where retries, not rates, are the point."""
    return Pacer(chat_interval=0.01)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["product transport", "PTB's httpx"])
async def offline_bot(request: pytest.FixtureRequest) -> AsyncIterator[telegram.Bot]:
    """A bot whose Bot API server does not answer (connection refused), on our transport and
    on PTB's stock one (the fan-out takes any ``Bot``: both must read as "not sent")."""
    url = f"http://127.0.0.1:{closed_port()}/bot"
    bot = api_bot(url) if request.param == "product transport" else telegram.Bot(TEST_TOKEN, url)
    try:
        yield bot
    finally:
        await bot.request.shutdown()  # never initialised: its getMe would fail


def statuses(server: LocalBotApi) -> list[int]:
    return [call.status for call in server.calls if call.method.lower() == "sendmessage"]


# --------------------------------------------------------------------------- the fan-out


async def test_every_active_subscriber_receives_the_digest_once(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    users = [local_api.user(chat_id, f"用户{chat_id}") for chat_id in (101, 102, 103, 104)]
    for user in users:
        store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    gone = local_api.user(105, "走了")
    store.subscribers.subscribe(gone.chat_id, "zh", [PAPER])
    store.subscribers.unsubscribe(gone.chat_id)

    report = await deliver_edition(local_api_bot, store, edition, articles)

    expected = build_digest(edition, articles, "zh")
    for user in users:
        assert [m.html for m in user.history] == [m.text for m in expected]
        assert store.deliveries.was_sent(edition.id, user.chat_id)
    assert gone.history == []
    assert (report.sent, report.skipped, report.failed, report.blocked) == (4, 0, 0, 0)
    assert report.messages == 4 * len(expected)


async def test_each_subscriber_gets_the_digest_in_their_language(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    chinese, english = local_api.user(201, "韩梅梅"), local_api.user(202, "Jim", language_code="en")
    store.subscribers.subscribe(chinese.chat_id, "zh", [PAPER])
    store.subscribers.subscribe(english.chat_id, "en", [PAPER])

    await deliver_edition(local_api_bot, store, edition, articles)

    assert chinese.history[0].text.startswith("📰 浙江工人日报\n2024年7月1日 · 共 ")
    assert english.history[0].text.startswith("📰 浙江工人日报\n2024-07-01 · ")
    mark = articles[0].mark
    assert english.history[0].buttons[0][0]["callback_data"] == f"b:{edition.id}:1:{mark}"


async def test_a_second_run_sends_nothing(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    for chat_id in (301, 302):
        local_api.user(chat_id)
        store.subscribers.subscribe(chat_id, "zh", [PAPER])
    await deliver_edition(local_api_bot, store, edition, articles)
    sent_before = len(local_api.sent)

    again = await deliver_edition(local_api_bot, store, edition, articles)

    assert len(local_api.sent) == sent_before
    assert (again.sent, again.messages) == (0, 0)


async def test_concurrent_runs_send_each_digest_once(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    users = [local_api.user(chat_id) for chat_id in range(401, 411)]
    for user in users:
        store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    pacer = Pacer()

    first, second = await asyncio.gather(
        deliver_edition(local_api_bot, store, edition, articles, pacer=pacer),
        deliver_edition(local_api_bot, store, edition, articles, pacer=pacer),
    )

    assert [len(u.history) for u in users] == [1] * len(users)
    assert first.sent + second.sent == len(users)


async def test_only_chats_restricts_the_run_to_those_chats(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    early, late = local_api.user(501), local_api.user(502)
    store.subscribers.subscribe(early.chat_id, "zh", [PAPER])
    store.subscribers.subscribe(late.chat_id, "zh", [PAPER])

    report = await deliver_edition(local_api_bot, store, edition, articles, only_chats={501})

    assert (len(early.history), len(late.history), report.sent) == (1, 0, 1)
    assert [s.chat_id for s in store.deliveries.pending_chats(edition.id)] == [502]


async def test_articles_default_to_the_stored_ones(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    user = local_api.user(601)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])

    await deliver_edition(local_api_bot, store, edition)

    assert [m.html for m in user.history] == [m.text for m in build_digest(edition, articles, "zh")]


# --------------------------------------------------------------------------- Telegram's errors


async def test_a_blocked_user_is_deactivated_and_the_others_still_get_theirs(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    users = [local_api.user(chat_id) for chat_id in (701, 702, 703)]
    for user in users:
        store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    users[1].block()

    report = await deliver_edition(local_api_bot, store, edition, articles)

    assert (len(users[0].history), len(users[1].history), len(users[2].history)) == (1, 0, 1)
    blocked = store.subscribers.get(702)
    assert blocked is not None and not blocked.active  # kept, not deleted
    delivery = store.deliveries.get(edition.id, 702)
    assert delivery is not None and delivery.status == DeliveryStatus.FAILED
    assert (report.sent, report.blocked) == (2, 1)


def refuse_to_deactivate(store: Store, chat_id: int) -> None:
    """Make the database itself fail any change of ``chat_id``'s subscriber row (a trigger):
    a real error on the way the fan-out records a blocked reader."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE UPDATE ON subscribers"
                f" WHEN OLD.chat_id = {chat_id} BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'refused'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE UPDATE ON subscribers FOR EACH ROW"
                f" WHEN (OLD.chat_id = {chat_id}) EXECUTE FUNCTION refuse()"
            )


async def test_a_database_error_recording_one_readers_outcome_stops_no_other_delivery(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    users = [local_api.user(chat_id) for chat_id in range(711, 741)]
    for user in users:
        store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    users[0].block()
    refuse_to_deactivate(store, users[0].chat_id)

    report = await deliver_edition(local_api_bot, store, edition, articles, pacer=fast_pacer())

    assert all(len(user.history) == 1 for user in users[1:])
    assert (report.sent, report.failed, report.failed_chats) == (29, 1, [users[0].chat_id])


async def test_a_forced_429_is_waited_out_and_the_message_arrives(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    user = local_api.user(801)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    user.force_retry_after(times=1, retry_after=1)

    started = time.monotonic()
    report = await deliver_edition(local_api_bot, store, edition, articles)

    assert time.monotonic() - started >= 1.0
    assert statuses(local_api) == [429, 200]
    assert len(user.history) == 1 and store.deliveries.was_sent(edition.id, 801)
    assert (report.flood_waits, report.sent) == (1, 1)


async def test_a_429_that_never_ends_leaves_the_chat_for_a_later_run(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    user = local_api.user(802)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    user.force_retry_after(times=3, retry_after=1)
    policy = DeliveryPolicy(max_flood_waits=1)

    report = await deliver_edition(local_api_bot, store, edition, articles, policy=policy)

    delivery = store.deliveries.get(edition.id, 802)
    assert delivery is not None and delivery.status == DeliveryStatus.RETRY
    assert (report.failed, report.retryable) == (1, 1)


async def test_a_429_longer_than_max_retry_after_pauses_every_send_and_stops_the_run(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    chats = list(range(811, 851))
    for chat_id in chats:
        local_api.user(chat_id)
    store.subscribers.subscribe_many(chats, "zh", [PAPER])
    local_api.force_retry_after(times=1000, retry_after=3600)  # Telegram: wait an hour
    pacer = Pacer()
    policy = DeliveryPolicy(concurrency=4)

    report = await deliver_edition(
        local_api_bot, store, edition, articles, pacer=pacer, policy=policy
    )

    # Only requests already past the pacer went out: at most one per worker.
    assert 1 <= local_api.flood_refusals <= policy.concurrency
    assert report.sent == 0 and report.flood_stops == local_api.flood_refusals
    assert report.paused > policy.max_retry_after and pacer.paused_for() > 3000
    left = [store.deliveries.get(edition.id, chat_id) for chat_id in chats]
    assert all(d is None or d.status == DeliveryStatus.RETRY for d in left)
    assert len(store.deliveries.pending_chats(edition.id)) == len(chats)


async def test_a_later_run_sharing_the_pacer_sends_nothing_until_a_long_429_is_over(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    users = [local_api.user(chat_id) for chat_id in (861, 862)]
    store.subscribers.subscribe_many([u.chat_id for u in users], "zh", [PAPER])
    local_api.force_retry_after(times=1, retry_after=3600)
    now = [0.0]
    pacer = Pacer(clock=lambda: now[0])  # the process's pacer; its clock moves when told
    policy = DeliveryPolicy(concurrency=1)
    first = await deliver_edition(
        local_api_bot, store, edition, articles, pacer=pacer, policy=policy
    )
    requests = len(statuses(local_api))

    paused = await deliver_edition(
        local_api_bot, store, edition, articles, pacer=pacer, policy=policy
    )
    now[0] += 3601
    after = await deliver_edition(
        local_api_bot, store, edition, articles, pacer=pacer, policy=policy
    )

    assert (first.flood_stops, first.sent) == (1, 0) and requests == 1
    assert (paused.chats, paused.paused) == (0, 3600)
    assert after.sent == 2 and all(len(user.history) == 1 for user in users)


async def test_a_broadcast_is_finished_once_only_readers_who_left_lack_it(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    users = [local_api.user(chat_id) for chat_id in (871, 872, 873)]
    store.subscribers.subscribe_many([u.chat_id for u in users], "zh", [PAPER])
    draft = store.broadcasts.create("明天停刊", author_chat_id=1)
    store.broadcasts.confirm(draft.id)
    broadcast = store.broadcasts.get(draft.id)
    assert broadcast is not None
    users[1].force_retry_after(times=1, retry_after=1)
    give_up_on_a_429 = DeliveryPolicy(max_flood_waits=0)
    first = await deliver_broadcast(
        local_api_bot, store, broadcast, pacer=fast_pacer(), policy=give_up_on_a_429
    )
    assert (first.sent, first.retryable) == (2, 1)
    store.subscribers.unsubscribe(872)  # the reader it missed leaves

    again = await deliver_broadcast(local_api_bot, store, broadcast, pacer=fast_pacer())

    assert again.chats == 0
    assert store.broadcasts.unfinished() == []
    assert users[1].history == []


LEADER = "delivery-test-leader"


def live_leader(store: Store) -> str:
    """A leader whose lease outlives the test: nobody else may take its claims."""
    assert store.leases.acquire("leader", LEADER, dt.timedelta(minutes=10)) is not None
    return LEADER


def refuse_to_mark_sent(store: Store, chat_id: int) -> None:
    """Make the database fail recording ``chat_id``'s digest as sent (a trigger)."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_sent BEFORE UPDATE ON deliveries"
                f" WHEN OLD.chat_id = {chat_id} AND NEW.status = 'sent'"
                " BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_sent() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'refused'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_sent BEFORE UPDATE ON deliveries FOR EACH ROW"
                f" WHEN (OLD.chat_id = {chat_id} AND NEW.status = 'sent')"
                " EXECUTE FUNCTION refuse_sent()"
            )


def allow_mark_sent(store: Store) -> None:
    with store.engine.begin() as conn:
        on = "" if store.engine.dialect.name == "sqlite" else " ON deliveries"
        conn.exec_driver_sql(f"DROP TRIGGER refuse_sent{on}")


async def test_a_leaders_digest_whose_outcome_could_not_be_written_is_settled_by_its_next_run(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    user = local_api.user(881)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    owner = live_leader(store)
    refuse_to_mark_sent(store, user.chat_id)
    first = await deliver_edition(
        local_api_bot, store, edition, articles, pacer=fast_pacer(), owner=owner
    )
    assert first.messages == 1 and len(user.history) == 1
    allow_mark_sent(store)

    again = await deliver_edition(
        local_api_bot, store, edition, articles, pacer=fast_pacer(), owner=owner
    )

    assert (again.sent, again.resumed, again.messages) == (1, 1, 0)
    assert len(user.history) == 1
    assert store.deliveries.was_sent(edition.id, user.chat_id)


async def test_a_leaders_own_claim_left_on_the_wire_is_in_doubt_for_its_next_run(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    user = local_api.user(882)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    owner = live_leader(store)
    claim = store.deliveries.claim(edition.id, user.chat_id, owner)  # a run whose release
    assert claim is not None  # failed after a timeout
    assert store.deliveries.put_on_wire(claim.delivery_id, 0, owner)

    report = await deliver_edition(
        local_api_bot,
        store,
        edition,
        articles,
        pacer=fast_pacer(),
        policy=SKIP_IN_DOUBT,
        owner=owner,
    )

    assert (report.sent, report.in_doubt) == (1, 1) and user.history == []
    delivery = store.deliveries.get(edition.id, user.chat_id)
    assert delivery is not None and delivery.status == DeliveryStatus.IN_DOUBT


async def test_a_run_overlapping_another_of_the_same_sender_leaves_its_claims_alone(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    user = local_api.user(883)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    owner = live_leader(store)
    now, go = [0.0], asyncio.Event()

    async def until_go(seconds: float) -> None:
        await go.wait()

    held = Pacer(clock=lambda: now[0], sleep=until_go)
    held.pause(30)  # the first run's send waits in the pacer, its chat claimed
    first = asyncio.create_task(
        deliver_edition(local_api_bot, store, edition, articles, pacer=held, owner=owner)
    )
    while store.deliveries.get(edition.id, user.chat_id) is None:
        await asyncio.sleep(0.01)

    second = await deliver_edition(
        local_api_bot, store, edition, articles, pacer=fast_pacer(), owner=owner
    )
    now[0] += 31
    go.set()

    assert second.chats == 0
    assert (await first).sent == 1 and len(user.history) == 1


async def test_an_unknown_chat_is_failed_for_good_and_others_still_get_theirs(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    user = local_api.user(901)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    # The server has no such chat: 400 "chat not found".
    store.subscribers.subscribe(999, "zh", [PAPER])

    report = await deliver_edition(local_api_bot, store, edition, articles)

    delivery = store.deliveries.get(edition.id, 999)
    assert delivery is not None and delivery.status == DeliveryStatus.FAILED
    assert delivery.error is not None and "chat not found" in delivery.error.lower()
    assert len(user.history) == 1
    assert (report.sent, report.failed, report.retryable) == (1, 1, 0)
    # never retried blindly
    assert [s.chat_id for s in store.deliveries.pending_chats(edition.id)] == []


async def test_a_chat_telegram_does_not_know_is_deactivated(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    # The server has no such chat: 400 "chat not found".
    store.subscribers.subscribe(999, "zh", [PAPER])
    await deliver_edition(local_api_bot, store, edition, articles)
    assert store.subscribers.get(999).active is False


async def test_a_network_failure_leaves_the_chat_for_a_later_run(
    offline_bot: telegram.Bot, local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    user = local_api.user(1001)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])

    report = await deliver_edition(
        offline_bot, store, edition, articles, policy=FAST, pacer=fast_pacer()
    )

    delivery = store.deliveries.get(edition.id, 1001)
    assert delivery is not None and delivery.status == DeliveryStatus.RETRY
    assert (report.failed, report.retryable) == (1, 1)

    later = await deliver_edition(local_api_bot, store, edition, articles)

    assert later.sent == 1 and len(user.history) == 1


async def test_a_rejected_token_stops_the_run_and_leaves_claims_retryable(
    local_api: LocalBotApi, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    for chat_id in range(1101, 1106):
        local_api.user(chat_id)
        store.subscribers.subscribe(chat_id, "zh", [PAPER])
    wrong = api_bot(local_api.base_url, token="654321:WRONG-TOKEN")

    with pytest.raises(InvalidToken):
        await deliver_edition(wrong, store, edition, articles)
    await wrong.request.shutdown()

    left = {store.deliveries.get(edition.id, c) for c in range(1101, 1106)} - {None}
    assert all(d is not None and d.status == DeliveryStatus.RETRY for d in left)
    assert len(store.deliveries.pending_chats(edition.id)) == 5
    await wrong.shutdown()


async def test_the_token_never_appears_in_delivery_logs(
    offline_bot: telegram.Bot,
    local_api: LocalBotApi,
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.delivery")
    edition, articles = add_seed_edition(store)
    local_api.user(1201)
    store.subscribers.subscribe(1201, "zh", [PAPER])

    await deliver_edition(offline_bot, store, edition, articles, policy=FAST, pacer=fast_pacer())

    records = [r for r in caplog.records if r.name.startswith("bot.delivery")]
    assert records and all(TEST_TOKEN not in r.getMessage() for r in records)
    delivery = store.deliveries.get(edition.id, 1201)
    assert delivery is not None and TEST_TOKEN not in (delivery.error or "")


async def test_a_second_pass_with_nobody_left_adds_no_report_line_to_the_log(
    local_api: LocalBotApi,
    local_api_bot: telegram.Bot,
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # `digest send` runs the fan-out again to take over a dead sender's claims: when nothing
    # is left, the operator's log keeps the one line of the run that sent.
    caplog.set_level(logging.INFO, logger="bot.delivery")
    edition, articles = add_seed_edition(store)
    local_api.user(1202)
    store.subscribers.subscribe(1202, "zh", [PAPER])

    for _ in range(2):
        await deliver_edition(local_api_bot, store, edition, articles)

    said = [r.getMessage() for r in caplog.records if r.name.startswith("bot.delivery")]
    assert [line for line in said if ": sent " in line] == [
        f"edition {edition.id}: sent 1 (resumed 0), in doubt 0, skipped 0, blocked 0, failed 0 "
        "(1 messages, 0 flood waits, 0 too long to wait)"
    ]


# --------------------------------------------------------------------------- pacing


async def test_a_multi_message_digest_never_trips_the_per_chat_limit(
    local_api_factory: Factory, store: Store
) -> None:
    server = await local_api_factory(per_chat_rate=1.0, per_chat_burst=1)
    edition, articles = add_long_edition(store)
    expected = build_digest(edition, articles, "zh")
    assert len(expected) >= 3
    users = [server.user(chat_id) for chat_id in (1301, 1302)]
    for user in users:
        store.subscribers.subscribe(user.chat_id, "zh", [PAPER])

    started = time.monotonic()
    async with api_bot(server.base_url) as bot:
        report = await deliver_edition(bot, store, edition, articles)

    assert 429 not in statuses(server)
    assert report.flood_waits == 0
    for user in users:
        assert [m.html for m in user.history] == [m.text for m in expected]  # all, in order
    # about one message per second per chat, the chats in parallel
    assert time.monotonic() - started >= len(expected) - 1


async def test_the_fanout_stays_under_the_global_rate(
    local_api_factory: Factory, store: Store
) -> None:
    server = await local_api_factory(global_rate=20.0, global_burst=5)
    edition, articles = add_seed_edition(store)
    users = [server.user(chat_id) for chat_id in range(1401, 1441)]
    for user in users:
        store.subscribers.subscribe(user.chat_id, "zh", [PAPER])

    async with api_bot(server.base_url) as bot:
        report = await deliver_edition(
            bot, store, edition, articles, pacer=Pacer(rate=18.0, burst=1)
        )

    assert 429 not in statuses(server)
    assert report.sent == len(users) and all(len(u.history) == 1 for u in users)


async def test_pacer_spaces_messages_to_one_chat() -> None:
    pacer = Pacer(rate=1000.0, chat_interval=0.2)
    stamps = []
    for _ in range(3):
        async with pacer.slot(42):
            stamps.append(time.monotonic())
    assert all(b - a >= 0.2 for a, b in itertools.pairwise(stamps))


async def test_pacer_spaces_groups_more_than_private_chats() -> None:
    pacer = Pacer(rate=1000.0, chat_interval=0.05, group_interval=0.3)
    stamps = []
    for _ in range(2):
        async with pacer.slot(-100123):
            stamps.append(time.monotonic())
    assert stamps[1] - stamps[0] >= 0.3


async def test_pacer_limits_the_overall_rate() -> None:
    pacer = Pacer(rate=50.0, burst=1, chat_interval=0.0)
    started = time.monotonic()
    for chat_id in range(11):
        await pacer.acquire(chat_id)
    assert time.monotonic() - started >= 10 / 50 * 0.95


async def test_pacer_pause_holds_back_every_chat() -> None:
    pacer = Pacer(rate=1000.0, chat_interval=0.0)
    started = time.monotonic()
    pacer.pause(0.3)
    await asyncio.gather(*(pacer.acquire(chat_id) for chat_id in range(5)))
    assert time.monotonic() - started >= 0.3


# --------------------------------------------------------------------------- group migration


@pytest.fixture
async def migrating_api() -> AsyncIterator[tuple[str, list[int]]]:
    """A minimal Bot API where group -100 has become supergroup -1001000 (the local server
    has private chats only). Yields its base_url and the chat ids messages were delivered to."""
    from aiohttp import web

    delivered: list[int] = []

    async def handle(request: web.Request) -> web.Response:
        if not request.path.lower().endswith("/sendmessage"):
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"})
        params = (
            dict(await request.post())
            if request.content_type != "application/json"
            else (await request.json())
        )
        chat_id = int(params["chat_id"])
        if chat_id == -100:
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: group chat was upgraded to a supergroup chat",
                    "parameters": {"migrate_to_chat_id": -1001000},
                },
                status=400,
            )
        delivered.append(chat_id)
        message = {
            "message_id": len(delivered),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup", "title": "报摘读者群"},
            "text": "ok",
        }
        return web.json_response({"ok": True, "result": message})

    async with serving(handle) as base_url:
        yield base_url, delivered


async def test_a_migrated_group_is_followed_and_gets_the_digest_once(
    migrating_api: tuple[str, list[int]], store: Store
) -> None:
    base_url, delivered = migrating_api
    edition, articles = add_seed_edition(store)
    store.subscribers.subscribe(-100, "zh", [PAPER])
    bot = api_bot(base_url)
    pacer = Pacer(group_interval=0.01)

    report = await deliver_edition(bot, store, edition, articles, pacer=pacer)
    again = await deliver_edition(bot, store, edition, articles, pacer=pacer)

    assert delivered == [-1001000]
    assert (report.sent, report.migrated, again.sent) == (1, 1, 0)
    assert store.deliveries.was_sent(edition.id, -1001000)
    moved = store.subscribers.get(-1001000)
    assert moved is not None and moved.active
    await bot.request.shutdown()  # the fake server answers sendMessage only, not getMe


# --------------------------------------------------------------------------- never twice

# Any 429 is "too long to wait out in this run": the chat is given up at once.
GIVE_UP_ON_429 = DeliveryPolicy(backoff=0.01, max_backoff=0.05, max_retry_after=0.5)
SKIP_IN_DOUBT = DeliveryPolicy(backoff=0.01, max_backoff=0.05, in_doubt=InDoubt.SKIP)


def add_three_message_edition(store: Store) -> tuple[EditionRecord, list[ArticleRecord]]:
    edition, articles = add_long_edition(store, count=60)
    assert len(build_digest(edition, articles, "zh")) == 3
    return edition, articles


def refuse_after(server: LocalBotApi, chat_id: int, delivered: int) -> None:
    """Once ``delivered`` messages have reached ``chat_id``, its next send answers 429 with a
    retry_after (1s) above ``GIVE_UP_ON_429.max_retry_after``; later sends succeed again."""
    user = server.users[chat_id]

    def on_message(event: str, message: object) -> None:
        if event == "sent" and len(user.history) == delivered:
            user.force_retry_after(times=1, retry_after=1)

    server.add_listener(on_message)


def begun_then_late_page(
    server: LocalBotApi, store: Store, chat_id: int
) -> tuple[EditionRecord, list[ArticleRecord], EditionRecord, list[ArticleRecord]]:
    """A three-message digest a sender began (its first message confirmed) and died, then a
    late page merged into the edition: the edition before and after, with their articles."""
    edition, articles = add_three_message_edition(store)
    store.subscribers.subscribe(server.user(chat_id).chat_id, "zh", [PAPER])
    crashed = "crashed-sender"
    store.leases.acquire(sender_lease_name(crashed), crashed, dt.timedelta(seconds=-1))
    claim = store.deliveries.claim(edition.id, chat_id, crashed)
    assert claim is not None
    store.deliveries.confirm(
        claim.delivery_id, 0, message_id=999, rendered_from=claim.rendered_from
    )
    grown, summaries = long_edition(90)  # every message of the digest changes
    replaced = store.editions.replace(edition.id, grown, summaries, "long-hash-with-page-2")
    assert replaced is not None
    return edition, articles, replaced, store.editions.articles(edition.id)


async def test_a_digest_half_sent_before_a_late_page_is_sent_again_whole_from_the_new_edition(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    _, _, replaced, articles = begun_then_late_page(local_api, store, 1531)

    report = await deliver_edition(
        local_api_bot, store, replaced, articles, policy=FAST, pacer=fast_pacer()
    )

    expected = build_digest(replaced, articles, "zh")
    assert [m.html for m in local_api.users[1531].history] == [m.text for m in expected]
    assert (report.sent, report.resumed, report.in_doubt) == (1, 1, 1)  # part 1 came twice


async def test_a_digest_half_sent_before_a_late_page_is_left_in_doubt_under_skip(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    _, _, replaced, articles = begun_then_late_page(local_api, store, 1532)

    report = await deliver_edition(
        local_api_bot, store, replaced, articles, policy=SKIP_IN_DOUBT, pacer=fast_pacer()
    )

    assert local_api.users[1532].history == []  # nothing that could come twice
    record = store.deliveries.get(replaced.id, 1532)
    assert record is not None and record.status == DeliveryStatus.IN_DOUBT
    assert (report.sent, report.in_doubt) == (1, 1)


async def test_a_run_that_read_the_edition_before_a_late_page_sends_the_new_version(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    before, before_articles, replaced, articles = begun_then_late_page(local_api, store, 1533)

    await deliver_edition(
        local_api_bot, store, before, before_articles, policy=FAST, pacer=fast_pacer()
    )

    expected = build_digest(replaced, articles, "zh")
    assert [m.html for m in local_api.users[1533].history] == [m.text for m in expected]


async def test_a_late_page_landing_mid_run_leaves_every_reader_one_whole_version(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_three_message_edition(store)
    # More readers than the run claims at first (16 workers, 32 ahead): some are claimed
    # after the page came in, the rest before it.
    readers = [local_api.user(chat_id) for chat_id in range(1600, 1664)]
    for reader in readers:
        store.subscribers.subscribe(reader.chat_id, "zh", [PAPER])
    old = [m.text for m in build_digest(edition, articles, "zh")]
    grown, summaries = long_edition(90)
    landed: list[EditionRecord] = []

    def late_page(event: str, message: object) -> None:
        if event == "sent" and not landed:  # the first message is out: a page comes in
            replaced = store.editions.replace(edition.id, grown, summaries, "long-hash-late")
            assert replaced is not None
            landed.append(replaced)

    local_api.add_listener(late_page)
    report = await deliver_edition(
        local_api_bot, store, edition, articles, policy=FAST, pacer=fast_pacer()
    )

    new = [m.text for m in build_digest(landed[0], store.editions.articles(edition.id), "zh")]
    for reader in readers:  # the version it was claimed with, whole: never a mix
        assert [m.html for m in reader.history] in (old, new), reader.chat_id
    assert (report.sent, report.failed) == (len(readers), 0)


async def test_digest_send_counts_a_chat_its_second_run_delivered_as_sent_not_failed(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_seed_edition(store)
    users = [local_api.user(chat_id) for chat_id in (1511, 1512, 1513)]
    for user in users:
        store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    users[1].force_retry_after(times=1, retry_after=1)  # the first run leaves it for later
    svc = make_services(load_config(None, env={}), store, GIVE_UP_ON_429)

    def send() -> Awaitable[DeliveryReport]:
        return deliver_edition(local_api_bot, store, edition, articles, policy=GIVE_UP_ON_429)

    report = await send_until_done(svc, [edition.id], send)

    assert all(len(user.history) == 1 for user in users)
    assert (report.sent, report.failed, report.retryable, report.failed_chats) == (3, 0, 0, [])


def test_digest_send_still_counts_a_combined_reader_failed_whose_other_paper_they_had(
    store: Store,
) -> None:
    first, _ = add_seed_edition(store)
    second, _ = add_reprint_edition(store)
    chat = 1521
    store.deliveries.mark_sent(first.id, chat)  # the scheduled push, earlier
    store.deliveries.mark_failed(second.id, chat, "timed out", retryable=True)  # this run
    report = DeliveryReport(edition_id=first.id, failed=1, retryable=1, failed_chats=[chat])
    svc = make_services(load_config(None, env={}), store, GIVE_UP_ON_429)

    settled = without_recovered(svc, [first.id, second.id], report)

    assert (settled.failed, settled.failed_chats) == (1, [chat])


async def test_a_digest_cut_short_by_a_429_leaves_the_rest_for_a_later_run(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_three_message_edition(store)
    user = local_api.user(1501)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    refuse_after(local_api, user.chat_id, delivered=1)

    report = await deliver_edition(
        local_api_bot, store, edition, articles, policy=GIVE_UP_ON_429, pacer=fast_pacer()
    )

    first = build_digest(edition, articles, "zh")[0]
    assert [m.html for m in user.history] == [first.text]  # message 1, once
    assert statuses(local_api) == [200, 429]  # message 2 refused, message 3 never tried
    delivery = store.deliveries.get(edition.id, user.chat_id)
    assert delivery is not None and delivery.status == DeliveryStatus.RETRY
    assert delivery.error is not None
    assert delivery.error.startswith("partial: 1 of 3 messages sent; flood control")
    assert store.deliveries.parts(edition.id, user.chat_id) == {0: MessageState.CONFIRMED}
    assert (report.sent, report.failed, report.retryable) == (0, 1, 1)


async def cut_short_after_one_message(
    server: LocalBotApi, bot: telegram.Bot, store: Store, chat_id: int
) -> tuple[EditionRecord, list[ArticleRecord], LocalUser]:
    """A three-message digest to a Chinese reader, cut short by a 429 after its first message
    (left for a later run)."""
    edition, articles = add_three_message_edition(store)
    user = server.user(chat_id)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    refuse_after(server, user.chat_id, delivered=1)
    await deliver_edition(bot, store, edition, articles, policy=GIVE_UP_ON_429, pacer=fast_pacer())
    return edition, articles, user


async def test_a_later_run_sends_only_the_messages_a_cut_short_digest_lacks(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles, user = await cut_short_after_one_message(
        local_api, local_api_bot, store, 1502
    )

    again = await deliver_edition(
        local_api_bot, store, edition, articles, policy=GIVE_UP_ON_429, pacer=fast_pacer()
    )

    expected = build_digest(edition, articles, "zh")
    assert [m.html for m in user.history] == [m.text for m in expected]  # each once
    assert (again.sent, again.resumed, again.messages) == (1, 1, 2)
    assert store.deliveries.was_sent(edition.id, user.chat_id)


async def test_a_cut_short_digest_is_finished_in_the_language_it_began_in(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    # The reader switched Telegram to English between the runs: the rest of the digest must
    # still continue the Chinese message that arrived, not mix two languages.
    edition, articles, user = await cut_short_after_one_message(
        local_api, local_api_bot, store, 1504
    )
    store.subscribers.set_language(user.chat_id, "en")

    again = await deliver_edition(
        local_api_bot, store, edition, articles, policy=GIVE_UP_ON_429, pacer=fast_pacer()
    )

    expected = build_digest(edition, articles, "zh")
    assert [m.html for m in user.history] == [m.text for m in expected]
    assert (again.sent, again.resumed, again.messages) == (1, 1, 2)


async def test_a_chat_whose_first_message_failed_gets_the_whole_digest_once_next_run(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    edition, articles = add_three_message_edition(store)
    user = local_api.user(1503)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    user.force_retry_after(times=1, retry_after=1)  # message 1: 429, nothing sent

    first = await deliver_edition(
        local_api_bot, store, edition, articles, policy=GIVE_UP_ON_429, pacer=fast_pacer()
    )
    delivery = store.deliveries.get(edition.id, user.chat_id)
    assert delivery is not None and delivery.status == DeliveryStatus.RETRY
    assert (first.failed, first.retryable, len(user.history)) == (1, 1, 0)

    later = await deliver_edition(
        local_api_bot, store, edition, articles, policy=GIVE_UP_ON_429, pacer=fast_pacer()
    )

    expected = build_digest(edition, articles, "zh")
    assert [m.html for m in user.history] == [m.text for m in expected]
    assert (later.sent, later.messages) == (1, 3)
    assert store.deliveries.was_sent(edition.id, user.chat_id)


async def test_a_partial_delivery_is_logged_as_a_warning_with_its_progress(
    local_api: LocalBotApi,
    local_api_bot: telegram.Bot,
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.delivery")
    edition, articles = add_three_message_edition(store)
    user = local_api.user(1504)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    refuse_after(local_api, user.chat_id, delivered=1)

    await deliver_edition(
        local_api_bot, store, edition, articles, policy=GIVE_UP_ON_429, pacer=fast_pacer()
    )

    [record] = [r for r in caplog.records if "partial" in r.getMessage()]
    assert record.levelno == logging.WARNING
    text = record.getMessage()
    assert f"edition {edition.id} chat 1504" in text
    assert "1 of 3 messages sent" in text and "a later run sends the rest" in text


class HeldReplies:
    """A proxy in front of the local Bot API that forwards every request at once (so the
    message is delivered) but holds back the reply to chosen sendMessage calls: the client
    times out not knowing that its message arrived."""

    def __init__(self, upstream: LocalBotApi) -> None:
        self.upstream = upstream
        self.hold: set[int] = set()  # 1-based numbers of the sendMessage calls to hold
        self.gateway: set[int] = set()  # ... to answer with a gateway's 504 page instead
        self.seconds = 2.5
        self.base_url = ""
        self._sends = 0

    async def handle(self, request: web.Request) -> web.Response:
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method,
                self.upstream.url + request.path_qs,
                data=await request.read(),
                headers={"Content-Type": request.headers.get("Content-Type", "")},
            ) as reply,
        ):
            body, status = await reply.read(), reply.status
        if request.path.lower().endswith("/sendmessage"):
            self._sends += 1
            if self._sends in self.hold:
                await asyncio.sleep(self.seconds)
            if self._sends in self.gateway:
                return web.Response(status=504, text="<html>504 Gateway Time-out</html>")
        return web.Response(status=status, body=body, content_type="application/json")


@pytest.fixture
async def held_replies(local_api: LocalBotApi) -> AsyncIterator[HeldReplies]:
    proxy = HeldReplies(local_api)
    async with serving(proxy.handle) as proxy.base_url:
        yield proxy


def impatient_bot(base_url: str) -> telegram.Bot:
    """Gives up waiting for a reply after 1 s (the proxy holds replies for 2.5 s): so long
    that no other reply, passing through the proxy in the test's own event loop, is late."""
    return api_bot(base_url, read_timeout=1.0)


async def test_a_message_in_doubt_is_resent_by_default(
    local_api: LocalBotApi, held_replies: HeldReplies, store: Store
) -> None:
    edition, articles = add_three_message_edition(store)
    user = local_api.user(1601)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    held_replies.hold = {2}  # message 2 arrives, but its answer comes too late

    async with impatient_bot(held_replies.base_url) as bot:
        report = await deliver_edition(
            bot, store, edition, articles, policy=FAST, pacer=fast_pacer()
        )

    one, two, three = (m.text for m in build_digest(edition, articles, "zh"))
    assert [m.html for m in user.history] == [one, two, two, three]  # the one duplicate
    assert (report.sent, report.in_doubt, report.messages) == (1, 1, 3)
    assert store.deliveries.was_sent(edition.id, user.chat_id)


async def test_a_message_in_doubt_is_not_resent_when_the_policy_says_skip(
    local_api: LocalBotApi, held_replies: HeldReplies, store: Store
) -> None:
    edition, articles = add_three_message_edition(store)
    user = local_api.user(1602)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    held_replies.hold = {2}

    async with impatient_bot(held_replies.base_url) as bot:
        report = await deliver_edition(
            bot, store, edition, articles, policy=SKIP_IN_DOUBT, pacer=fast_pacer()
        )

    expected = build_digest(edition, articles, "zh")
    assert [m.html for m in user.history] == [m.text for m in expected]  # each once
    delivery = store.deliveries.get(edition.id, user.chat_id)
    assert delivery is not None and delivery.status == DeliveryStatus.IN_DOUBT
    assert store.deliveries.parts(edition.id, user.chat_id)[1] == MessageState.SKIPPED
    assert (report.sent, report.in_doubt, report.messages) == (1, 1, 2)


async def test_a_gateways_504_after_forwarding_is_in_doubt_not_proof_of_failure(
    local_api: LocalBotApi, held_replies: HeldReplies, store: Store
) -> None:
    edition, articles = add_three_message_edition(store)
    user = local_api.user(1603)
    store.subscribers.subscribe(user.chat_id, "zh", [PAPER])
    held_replies.gateway = {2}  # message 2 arrives; the proxy in front answers 504

    async with api_bot(held_replies.base_url) as bot:
        report = await deliver_edition(
            bot, store, edition, articles, policy=SKIP_IN_DOUBT, pacer=fast_pacer()
        )

    expected = build_digest(edition, articles, "zh")
    assert [m.html for m in user.history] == [m.text for m in expected]  # none twice
    assert (report.in_doubt, report.messages) == (1, 2)
