"""Specifications of the combined digest's fan-out (``deliver_combined``): one message for a
reader's papers, through the same ledger as single digests, against the local Bot API server
on SQLite and PostgreSQL.

Two papers of 2024-07-01: the seed (浙江工人日报) and a hand-made 海南日报 page that reprints
the seed's Xinhua wire under another headline (``tests/bot/delivery/editions.py``).
"""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
import telegram

from bot.delivery import DeliveryPolicy, Pacer, deliver_combined, deliver_edition
from bot.localapi.server import LocalBotApi
from bot.render import build_digest
from bot.render.combined import Section, build_combined_digest
from bot.storage.leases import sender_lease_name
from bot.storage.records import DeliveryStatus, DigestMode, InDoubt, MessageState
from bot.storage.store import Store
from tests.bot.delivery.editions import (
    PAPER,
    REPRINT_TITLE,
    SECOND_PAPER,
    add_long_edition,
    add_reprint_edition,
    add_seed_edition,
)
from tests.bot.delivery.test_delivery import migrating_api  # noqa: F401  (fixture)
from tests.bot.fixtures_local_api import (
    api_bot,
    local_api,  # noqa: F401  (fixture)
    local_api_bot,  # noqa: F401  (fixture)
    local_api_factory,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)

FAST = DeliveryPolicy(backoff=0.01, max_backoff=0.05)
ORDER = [PAPER, SECOND_PAPER]


def reader(server: LocalBotApi, store: Store, chat_id: int, mode: DigestMode):
    user = server.user(chat_id, f"读者{chat_id}")
    store.subscribers.subscribe(chat_id, "zh", ORDER)
    store.subscribers.set_digest_mode(chat_id, mode)
    return user


async def test_a_combined_reader_gets_one_message_and_a_per_paper_reader_two(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    seed, seed_articles = add_seed_edition(store)
    second, _ = add_reprint_edition(store)
    combined = reader(local_api, store, 11, DigestMode.COMBINED)
    per_paper = reader(local_api, store, 12, DigestMode.PER_PAPER)

    for edition in (seed, second):
        await deliver_edition(local_api_bot, store, edition, policy=FAST)
    report = await deliver_combined(
        local_api_bot, store, [second, seed], policy=FAST, paper_order=ORDER
    )

    assert [m.text.splitlines()[0] for m in per_paper.history] == [
        f"📰 {PAPER}",
        f"📰 {SECOND_PAPER}",
    ]
    [message] = combined.history
    assert message.text.startswith("📰 今日报摘\n2024年7月1日 · 2 份报纸")
    assert message.text.index(PAPER) < message.text.index(SECOND_PAPER)
    assert REPRINT_TITLE not in message.text and "也见于：海南日报" in message.text
    assert len(message.text.split("\n\n")) == 1 + len(seed_articles) + 1 + 1  # + own story
    assert store.deliveries.was_sent(seed.id, 11) and store.deliveries.was_sent(second.id, 11)
    assert (report.sent, report.messages) == (1, 1)


async def test_a_second_combined_run_sends_nothing(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    seed, _ = add_seed_edition(store)
    second, _ = add_reprint_edition(store)
    user = reader(local_api, store, 21, DigestMode.COMBINED)
    await deliver_combined(local_api_bot, store, [seed, second], policy=FAST)

    again = await deliver_combined(local_api_bot, store, [seed, second], policy=FAST)
    per_edition = await deliver_edition(local_api_bot, store, second, policy=FAST)

    assert len(user.history) == 1
    assert (again.sent, again.messages, per_edition.sent) == (0, 0, 0)


async def test_an_edition_after_the_combined_digest_reaches_the_reader_once_on_its_own(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    seed, _ = add_seed_edition(store)
    user = reader(local_api, store, 31, DigestMode.COMBINED)
    await deliver_combined(local_api_bot, store, [seed], policy=FAST)
    second, second_articles = add_reprint_edition(store)  # the other paper comes out later

    await deliver_combined(local_api_bot, store, [seed, second], policy=FAST)
    await deliver_combined(local_api_bot, store, [seed, second], policy=FAST)

    first, late = user.history
    assert first.text.startswith(f"📰 {PAPER}")
    [reprint] = [a for a in second_articles if a.title == REPRINT_TITLE]
    note = "<i>已见于今日摘要：浙江工人日报</i>"
    expected = build_digest(second, second_articles, "zh", notes={reprint.number: note})
    assert late.html == expected[0].text  # the wire the reader had at breakfast is marked


async def test_a_per_paper_readers_later_paper_marks_nothing(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    seed, _ = add_seed_edition(store)
    user = reader(local_api, store, 32, DigestMode.PER_PAPER)
    await deliver_edition(local_api_bot, store, seed, policy=FAST)
    second, second_articles = add_reprint_edition(store)

    await deliver_edition(local_api_bot, store, second, policy=FAST)

    _, late = user.history
    assert late.html == build_digest(second, second_articles, "zh")[0].text


async def test_the_scheduler_may_name_the_editions_due_per_chat(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    seed, _ = add_seed_edition(store)
    second, _ = add_reprint_edition(store)
    early = reader(local_api, store, 41, DigestMode.COMBINED)
    late = reader(local_api, store, 42, DigestMode.COMBINED)

    await deliver_combined(
        local_api_bot, store, [seed, second], {early.chat_id: [seed.id, second.id]}, policy=FAST
    )

    assert len(early.history) == 1 and late.history == []


def dead_sender(store: Store, holder: str = "crashed") -> str:
    store.leases.acquire(sender_lease_name(holder), holder, dt.timedelta(seconds=-1))
    return holder


async def test_a_crashed_combined_digest_is_resumed_with_only_the_missing_messages(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    long, long_articles = add_long_edition(store)
    second, second_articles = add_reprint_edition(store)
    user = reader(local_api, store, 51, DigestMode.COMBINED)
    sections = [Section(long, long_articles), Section(second, second_articles)]
    expected = build_combined_digest(sections, "zh")
    assert len(expected) >= 3
    crashed = dead_sender(store)
    claim = store.deliveries.claim_bundle([long.id, second.id], user.chat_id, crashed)
    assert claim is not None
    store.deliveries.confirm(
        claim.delivery_id, 0, message_id=999, rendered_from=claim.rendered_from
    )  # it got one out

    report = await deliver_combined(
        local_api_bot, store, [long, second], policy=FAST, pacer=Pacer(chat_interval=0.01)
    )

    assert [m.html for m in user.history] == [m.text for m in expected[1:]]
    assert (report.sent, report.resumed) == (1, 1)
    assert store.deliveries.was_sent(long.id, 51) and store.deliveries.was_sent(second.id, 51)


@pytest.mark.parametrize("policy", [InDoubt.RESEND, InDoubt.SKIP])
async def test_a_combined_message_in_doubt_follows_the_policy_for_every_edition(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store, policy: InDoubt
) -> None:
    seed, _ = add_seed_edition(store)
    second, _ = add_reprint_edition(store)
    user = reader(local_api, store, 61, DigestMode.COMBINED)
    crashed = "crashed-on-the-wire"
    store.leases.acquire(sender_lease_name(crashed), crashed, dt.timedelta(seconds=60))
    claim = store.deliveries.claim_bundle([seed.id, second.id], user.chat_id, crashed)
    assert claim is not None
    assert store.deliveries.put_on_wire(claim.delivery_id, 0, crashed)
    store.leases.release(sender_lease_name(crashed), crashed)  # killed mid-request

    await deliver_combined(
        local_api_bot,
        store,
        [seed, second],
        policy=DeliveryPolicy(backoff=0.01, max_backoff=0.05, in_doubt=policy),
    )

    status = DeliveryStatus.SENT if policy is InDoubt.RESEND else DeliveryStatus.IN_DOUBT
    for edition in (seed, second):
        record = store.deliveries.get(edition.id, user.chat_id)
        assert record is not None and record.status == status
    assert len(user.history) == (1 if policy is InDoubt.RESEND else 0)
    state = MessageState.CONFIRMED if policy is InDoubt.RESEND else MessageState.SKIPPED
    assert store.deliveries.parts(seed.id, user.chat_id) == {0: state}


async def test_a_per_paper_run_resumes_a_crashed_combined_digest_whole(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    """A reader who switched back to per-paper after a crash gets the combined message the
    ledger began, once, not the editions again one by one."""
    seed, _ = add_seed_edition(store)
    second, _ = add_reprint_edition(store)
    user = reader(local_api, store, 71, DigestMode.COMBINED)
    assert store.deliveries.claim_bundle([seed.id, second.id], 71, dead_sender(store))
    store.subscribers.set_digest_mode(71, DigestMode.PER_PAPER)

    await deliver_edition(local_api_bot, store, second, policy=FAST)
    await deliver_edition(local_api_bot, store, seed, policy=FAST)

    [message] = user.history
    assert message.text.startswith("📰 今日报摘")


async def test_a_migrated_group_gets_its_combined_digest_once_at_the_new_id(
    migrating_api: tuple[str, list[int]], store: Store
) -> None:
    base_url, delivered = migrating_api
    seed, _ = add_seed_edition(store)
    second, _ = add_reprint_edition(store)
    store.subscribers.subscribe(-100, "zh", ORDER)
    store.subscribers.set_digest_mode(-100, DigestMode.COMBINED)
    bot = api_bot(base_url)
    pacer = Pacer(group_interval=0.01)
    try:
        report = await deliver_combined(bot, store, [seed, second], pacer=pacer, policy=FAST)
        again = await deliver_combined(bot, store, [seed, second], pacer=pacer, policy=FAST)
    finally:
        await bot.request.shutdown()  # the fake server answers sendMessage only, not getMe

    assert delivered == [-1001000]
    assert (report.sent, report.migrated, again.sent) == (1, 1, 0)
    assert store.deliveries.was_sent(seed.id, -1001000)
    assert store.deliveries.was_sent(second.id, -1001000)
