"""Specification of sending topic alerts (bot.delivery.alerts) against the local Bot API
server: once per edition and reader, never inside quiet hours (deferred, not dropped), and
crash-safe through the alert ledger, on both databases."""

# ruff: noqa: F811

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import telegram

from bot.delivery import DeliveryPolicy, Pacer
from bot.delivery.alerts import AlertReport, send_alerts
from bot.ingest.alerts import decide_alerts
from bot.localapi.server import LocalBotApi
from bot.render import ArticleRef, decode_article_callback
from bot.render.alerts import build_alert
from bot.storage.records import AlertStatus, InDoubt
from bot.storage.store import Store
from summarizer.edition import Article, Summary
from summarizer.parser import read_page
from tests.bot.delivery.editions import PAPER, SEED, add_seed_edition
from tests.bot.delivery.test_delivery import (
    HeldReplies,
    held_replies,  # noqa: F401  (fixture)
)
from tests.bot.fixtures_local_api import (
    api_bot,
    local_api,  # noqa: F401  (fixture)
    local_api_bot,  # noqa: F401  (fixture)
    local_api_factory,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUIET = (dt.time(22, 0), dt.time(7, 0))
NOON = dt.datetime(2024, 7, 1, 12, 0, tzinfo=SHANGHAI)
NIGHT = dt.datetime(2024, 7, 1, 2, 0, tzinfo=SHANGHAI)
FAST = DeliveryPolicy(backoff=0.01, max_backoff=0.05)
SKIP_IN_DOUBT = DeliveryPolicy(backoff=0.01, max_backoff=0.05, in_doubt=InDoubt.SKIP)


def follower(store: Store, chat_id: int, *terms: str, language: str = "zh") -> None:
    store.subscribers.subscribe(chat_id, language, [PAPER])
    for term in terms:
        store.follows.add(chat_id, term, cap=20)


def seed_with_follows(store: Store, *readers: tuple[int, tuple[str, ...]]):
    """Followers first, then the edition (topics count when followed before it arrived)."""
    for chat_id, terms in readers:
        follower(store, chat_id, *terms)
    edition, articles = add_seed_edition(store)
    return edition, articles


async def send(bot: telegram.Bot, store: Store, now: dt.datetime, **kw: object):
    return await send_alerts(
        bot,
        store,
        now=now,
        zone=SHANGHAI,
        quiet_hours=QUIET,
        pacer=Pacer(chat_interval=0.01),
        policy=kw.pop("policy", FAST),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


async def test_a_reader_gets_one_alert_listing_the_matching_articles(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    user = local_api.user(301, "韩梅梅")
    edition, articles = seed_with_follows(store, (301, ("驿站", "电梯")))
    assert decide_alerts(store, edition) == 1

    report = await send(local_api_bot, store, NOON)

    [message] = user.history
    alert = store.alerts.get(edition.id, 301)
    assert alert is not None and alert.status is AlertStatus.SENT
    assert message.html == build_alert(edition, articles, alert.items, "zh").text
    assert "驿站" in message.text and "电梯" in message.text
    assert report.sent == 1


async def test_an_alert_lists_its_article_under_its_new_number_after_a_late_page(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    user = local_api.user(303, "韩梅梅")
    edition, articles = seed_with_follows(store, (303, ("驿站",)))
    decide_alerts(store, edition)
    [(number, *_)] = store.alerts.get(edition.id, 303).items  # type: ignore[union-attr]
    station = articles[number - 1]
    # Before the alert goes out, a page with two articles is merged in ahead of this one.
    parsed = read_page(SEED, paper=PAPER, date=edition.date)
    early = [
        Article(title=f"早到的文章{n}", paragraphs=[f"本报讯 第{n}篇的正文。"], page="1")
        for n in (1, 2)
    ]
    merged = dataclasses.replace(parsed, articles=[*early, *parsed.articles])
    store.editions.replace(
        edition.id, merged, [Summary((), ()) for _ in merged.articles], "merged-hash"
    )

    await send(local_api_bot, store, NOON)

    [message] = user.history
    assert f"{number + 2}. {station.title[:20]}" in message.text
    [[button]] = message.buttons
    assert button["text"] == str(number + 2)
    assert decode_article_callback(button["callback_data"]) == ArticleRef(
        edition.id, number + 2, station.mark
    )


async def test_an_alert_is_never_sent_twice(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    user = local_api.user(302, "李雷")
    edition, _ = seed_with_follows(store, (302, ("工会",)))
    decide_alerts(store, edition)
    await send(local_api_bot, store, NOON)
    decide_alerts(store, edition)  # a restart decides again
    report = await send(local_api_bot, store, NOON)
    assert len(user.history) == 1
    assert report.sent == 0


async def test_a_reader_without_a_match_gets_nothing(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    user = local_api.user(303, "无关")
    edition, _ = seed_with_follows(store, (303, ("分工会", "火星")))
    assert decide_alerts(store, edition) == 0
    await send(local_api_bot, store, NOON)
    assert user.history == []


async def test_a_topic_followed_after_the_edition_arrived_waits_for_the_next(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    local_api.user(304, "晚到")
    edition, _ = add_seed_edition(store)
    follower(store, 304, "工会")
    assert decide_alerts(store, edition) == 0


async def test_inside_quiet_hours_the_alert_waits_and_goes_out_after(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    user = local_api.user(305, "夜猫子")
    edition, _ = seed_with_follows(store, (305, ("工会",)))
    decide_alerts(store, edition)

    night = await send(local_api_bot, store, NIGHT)
    assert user.history == [] and night.quiet == 1

    morning = await send(local_api_bot, store, NIGHT.replace(hour=7))
    assert len(user.history) == 1 and morning.sent == 1


async def test_an_alert_held_by_quiet_hours_is_not_sent_after_the_reader_dropped_its_paper(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    user = local_api.user(306, "夜猫子")
    store.subscribers.subscribe(306, "zh", [PAPER, "海南日报"])
    store.follows.add(306, "工会", cap=20)
    edition, _ = add_seed_edition(store)
    decide_alerts(store, edition)
    await send(local_api_bot, store, NIGHT)

    assert store.subscribers.remove_paper(306, PAPER)
    morning = await send(local_api_bot, store, NIGHT.replace(hour=7))

    assert user.history == [] and morning.sent == 0


async def test_an_alert_held_by_quiet_hours_is_not_sent_to_a_reader_who_left_and_came_back(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    user = local_api.user(307, "夜猫子")
    edition, _ = seed_with_follows(store, (307, ("工会",)))
    decide_alerts(store, edition)
    await send(local_api_bot, store, NIGHT)

    store.subscribers.unsubscribe(307)
    store.subscribers.subscribe(307, "zh", [PAPER])  # back, weeks later
    later = await send(local_api_bot, store, NOON + dt.timedelta(days=30))

    assert user.history == [] and later.sent == 0


async def test_an_alert_held_by_quiet_hours_lists_only_the_topics_the_reader_still_follows(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    user = local_api.user(322, "夜猫子")
    edition, _ = seed_with_follows(store, (322, ("驿站", "电梯")))
    decide_alerts(store, edition)
    await send(local_api_bot, store, NIGHT)

    assert store.follows.remove(322, "电梯")
    morning = await send(local_api_bot, store, NIGHT.replace(hour=7))

    [message] = user.history
    assert "关注：驿站" in message.text and "电梯" not in message.text
    assert "相关 1 篇" in message.text
    assert morning.sent == 1


async def test_an_alert_held_by_quiet_hours_is_dropped_once_its_every_topic_is_unfollowed(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    user = local_api.user(323, "夜猫子")
    edition, _ = seed_with_follows(store, (323, ("驿站",)))
    decide_alerts(store, edition)
    await send(local_api_bot, store, NIGHT)

    assert store.follows.remove(323, "驿站")
    morning = await send(local_api_bot, store, NIGHT.replace(hour=7))

    assert user.history == [] and morning.sent == 0
    assert store.alerts.due() == []  # finished, not left waiting for every later poll


async def test_quiet_hours_are_the_readers_own_in_their_own_zone(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    berlin = local_api.user(306, "Hans")
    no_quiet = local_api.user(307, "醒着")
    edition, _ = seed_with_follows(store, (306, ("工会",)), (307, ("工会",)))
    store.subscribers.set_timezone(306, "Europe/Berlin")
    store.subscribers.set_quiet_hours(307, (dt.time(0, 0), dt.time(0, 0)))
    decide_alerts(store, edition)
    # 02:00 in Beijing is 20:00 the evening before in Berlin: outside both readers' quiet.
    await send(local_api_bot, store, NIGHT)
    assert len(berlin.history) == 1 and len(no_quiet.history) == 1


async def test_an_alert_in_doubt_is_resent_by_default_and_skipped_on_request(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    resent, skipped = local_api.user(308, "甲"), local_api.user(309, "乙")
    edition, _ = seed_with_follows(store, (308, ("工会",)), (309, ("工会",)))
    decide_alerts(store, edition)
    for chat in (308, 309):  # a sender put both on the wire, then died
        alert = store.alerts.get(edition.id, chat)
        assert alert is not None
        store.leases.acquire("sender:crashed", "crashed", dt.timedelta(minutes=5))
        store.alerts.claim(alert.id, "crashed")
        assert store.alerts.put_on_wire(alert.id, "crashed")
    store.leases.release("sender:crashed", "crashed")

    around_noon = (dt.time(11, 0), dt.time(13, 0))  # each run holds one reader back
    store.subscribers.set_quiet_hours(309, around_noon)
    await send(local_api_bot, store, NOON)
    store.subscribers.set_quiet_hours(309, None)
    store.subscribers.set_quiet_hours(308, around_noon)
    await send(local_api_bot, store, NOON, policy=DeliveryPolicy(in_doubt=InDoubt.SKIP))

    assert len(resent.history) == 1
    assert skipped.history == []
    assert store.alerts.get(edition.id, 309).status is AlertStatus.IN_DOUBT  # type: ignore[union-attr]


async def test_a_reader_who_blocked_the_bot_is_deactivated_and_not_retried(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    user = local_api.user(310, "走了")
    edition, _ = seed_with_follows(store, (310, ("工会",)))
    decide_alerts(store, edition)
    user.block()
    report = await send(local_api_bot, store, NOON)
    assert report.failed == 1 and report.retryable == 0
    assert not store.subscribers.get(310).active  # type: ignore[union-attr]
    assert store.alerts.get(edition.id, 310).status is AlertStatus.FAILED  # type: ignore[union-attr]


async def test_each_reader_gets_the_alert_in_their_language(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    english = local_api.user(311, "Jim", language_code="en")
    store.subscribers.subscribe(311, "en", [PAPER])
    store.follows.add(311, "工会", cap=20)
    edition, _ = add_seed_edition(store)
    decide_alerts(store, edition)
    await send(local_api_bot, store, NOON)
    [message] = english.history
    assert message.text.startswith("🔔 Your topics are in the paper")


async def test_a_429_longer_than_max_retry_after_stops_the_alerts_and_holds_back_later_polls(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    users = [local_api.user(chat_id) for chat_id in (312, 313)]
    edition, _ = seed_with_follows(store, (312, ("工会",)), (313, ("工会",)))
    decide_alerts(store, edition)
    local_api.force_retry_after(times=1, retry_after=3600)
    now = [0.0]
    pacer = Pacer(chat_interval=0.01, clock=lambda: now[0])  # shared, as by the polls
    one_by_one = DeliveryPolicy(concurrency=1)

    async def poll() -> AlertReport:
        return await send_alerts(
            local_api_bot,
            store,
            now=NOON,
            zone=SHANGHAI,
            quiet_hours=QUIET,
            pacer=pacer,
            policy=one_by_one,
        )

    first = await poll()
    held = await poll()
    now[0] += 3601
    after = await poll()

    assert (first.flood_stops, first.sent, first.retryable) == (1, 0, 1)
    assert local_api.flood_refusals == 1
    assert (held.sent, held.paused) == (0, 3600)
    assert after.sent == 2 and all(len(user.history) == 1 for user in users)


LEADER = "alerts-test-leader"


def live_leader(store: Store) -> str:
    """A leader whose lease outlives the test: its claims are never taken over."""
    assert store.leases.acquire("leader", LEADER, dt.timedelta(minutes=10)) is not None
    return LEADER


def refuse_alert_updates(store: Store, chat_id: int) -> None:
    """Make the database itself fail any change of ``chat_id``'s alert (a trigger)."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_alert BEFORE UPDATE ON alerts"
                f" WHEN OLD.chat_id = {chat_id} BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_alert() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'refused'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_alert BEFORE UPDATE ON alerts FOR EACH ROW"
                f" WHEN (OLD.chat_id = {chat_id}) EXECUTE FUNCTION refuse_alert()"
            )


async def test_a_database_error_on_one_alert_stops_no_other_alert(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    users = [local_api.user(chat_id) for chat_id in range(314, 320)]
    edition, _ = seed_with_follows(store, *((user.chat_id, ("工会",)) for user in users))
    decide_alerts(store, edition)
    refuse_alert_updates(store, 314)  # its claim fails

    report = await send(local_api_bot, store, NOON, owner=live_leader(store))

    assert all(len(user.history) == 1 for user in users[1:])
    assert (report.sent, report.failed, report.retryable) == (5, 1, 1)
    assert [alert.chat_id for alert, _ in store.alerts.due()] == [314]


async def test_an_alert_cancelled_before_it_went_out_is_due_at_the_next_poll(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, store: Store
) -> None:
    user = local_api.user(320)
    edition, _ = seed_with_follows(store, (320, ("工会",)))
    decide_alerts(store, edition)
    pacer = Pacer()
    pacer.pause(60)  # the alert waits in the pacer, claimed
    owner = live_leader(store)
    run = asyncio.create_task(
        send_alerts(
            local_api_bot,
            store,
            now=NOON,
            zone=SHANGHAI,
            quiet_hours=QUIET,
            pacer=pacer,
            owner=owner,
        )
    )
    while store.alerts.get(edition.id, 320).claimed_by != owner:  # type: ignore[union-attr]
        await asyncio.sleep(0.01)

    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run

    assert [alert.chat_id for alert, _ in store.alerts.due()] == [320]
    report = await send(local_api_bot, store, NOON, owner=owner)
    assert report.sent == 1 and len(user.history) == 1


async def test_an_alert_cancelled_on_the_wire_is_in_doubt_at_the_next_poll(
    local_api: LocalBotApi, held_replies: HeldReplies, store: Store
) -> None:
    user = local_api.user(321)
    edition, _ = seed_with_follows(store, (321, ("工会",)))
    decide_alerts(store, edition)
    held_replies.hold = {1}  # the message arrives; its answer is held back
    owner = live_leader(store)
    async with api_bot(held_replies.base_url) as bot:
        run = asyncio.create_task(send(bot, store, NOON, owner=owner))
        await user.wait_for_messages(1)

        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run

        report = await send(bot, store, NOON, owner=owner, policy=SKIP_IN_DOUBT)

    assert len(user.history) == 1  # not resent: the policy said skip
    assert report.skipped == 1
    assert store.alerts.get(edition.id, 321).status is AlertStatus.IN_DOUBT  # type: ignore[union-attr]
