"""End to end, the reader's own settings: topics to follow (and what a bad one gets), a
timezone of their own (typed or from a button) with the digest at their local time, and
quiet hours — over real HTTP against the local Bot API server, on both databases."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.follows import normalize_term
from bot.localapi.telegram_html import parse_html
from tests.bot.running_bot import PAPER, RunningBot, eventually

pytestmark = pytest.mark.timeout(120)

DAY = dt.date(2024, 7, 1)  # the seed edition's date
BERLIN = ZoneInfo("Europe/Berlin")


async def subscribed(bot: RunningBot, chat_id: int, language: str = "zh-hans"):
    reader = bot.user(chat_id, language=language)
    await reader.send("/subscribe")
    await reader.wait_for_messages(1)
    return reader


async def answer(reader, command: str) -> str:
    await reader.send(command)
    [reply] = await reader.wait_for_messages(1)
    parse_html(reply.html)  # valid Telegram HTML
    return str(reply.text)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/follow", "用法：/follow 话题"),
        ("/follow " + "工" * 31, "话题太长了（31 个字符），请控制在 30 个字符以内"),
        ("/follow " + "工" * 5000, "话题太长了（200+ 个字符）"),
        ("/follow " + "ﷺ" * 2, "话题太长了（36 个字符）"),  # as NFKC stores it: 18 each
        ("/follow ？！…", "这里没有可以匹配的文字"),
        ("/unfollow 火星", "你没有关注“火星”"),
        ("/following", "你还没有关注任何话题"),
        ("/settings tz Mars/Phobos", "“Mars/Phobos”不是可用的时区。请用 IANA 时区名"),
        ("/settings tz ../../etc/passwd", "不是可用的时区"),
        ("/settings tz UTC+99", "“UTC+99”不是有效的 UTC 偏移：偏移在 UTC−12 到 UTC+14 之间"),
        ("/settings UTC+99", "“UTC+99”不是有效的 UTC 偏移"),
        ("/settings tz gmt-5:75", "“gmt-5:75”不是有效的 UTC 偏移"),
        ("/settings tz UTC+7:15", "“UTC+7:15”不是可用的时区"),  # no place keeps that time
        ("/settings quiet 25:00-07:00", "“25:00-07:00”不是有效的时段"),
        ("/settings 7点半", "“7点半”不是有效的时间"),
    ],
)
async def test_bad_reader_input_gets_a_clear_message(
    bot: RunningBot, command: str, expected: str
) -> None:
    reader = await subscribed(bot, 8001)
    assert expected in await answer(reader, command)


async def test_a_topic_stored_longer_than_the_limit_can_still_be_unfollowed(
    bot: RunningBot,
) -> None:
    reader = await subscribed(bot, 8202)
    bot.store.follows.add(8202, normalize_term("ﷺ ﷺ"), cap=20)  # 37 characters as stored
    assert "已取消关注" in await answer(reader, "/unfollow ﷺ ﷺ")
    assert bot.store.follows.count(8202) == 0


async def test_following_unfollowing_and_the_cap(bot: RunningBot) -> None:
    reader = await subscribed(bot, 8101)
    assert "已关注“apple”" in await answer(reader, "/follow ＡＰＰＬＥ")
    assert "你已经关注了“apple”" in await answer(reader, "/follow Apple")
    for n in range(19):  # up to the cap, as /follow would (the chat's rate limit aside)
        bot.store.follows.add(8101, f"话题{n}", cap=20)
    assert "最多可以关注 20 个话题" in await answer(reader, "/follow 工会")
    listing = await answer(reader, "/following")
    assert listing.startswith("🔔 你关注的话题（20/20）") and "• apple" in listing
    assert "已取消关注“apple”" in await answer(reader, "/unfollow APPLE")
    assert bot.store.follows.count(8101) == 19


async def test_a_non_subscriber_is_told_to_subscribe_before_following(bot: RunningBot) -> None:
    stranger = bot.user(8201)
    assert "你还没有订阅" in await answer(stranger, "/follow 工会")


async def test_trying_times_and_zones_one_after_another_leaves_one_digest_job_per_choice_in_use(
    bot: RunningBot,
) -> None:
    def digest_jobs() -> set[str]:
        jobs = bot.application.job_queue.scheduler.get_jobs()
        return {job.id for job in jobs if job.id.startswith("digest-at-")}

    reader = await subscribed(bot, 8251)
    neighbour = await subscribed(bot, 8252)
    await answer(neighbour, "/settings 06:15")
    for command in ("/settings 00:01", "/settings 00:02", "/settings tz Asia/Tokyo"):
        await answer(reader, command)
    assert digest_jobs() == {"digest-at-07:30", "digest-at-06:15", "digest-at-00:02@Asia/Tokyo"}
    await answer(reader, "/settings default")
    await answer(reader, "/settings tz default")
    assert digest_jobs() == {"digest-at-07:30", "digest-at-06:15"}  # the neighbour's stays
    await answer(neighbour, "/unsubscribe")
    await answer(reader, "/settings 06:00")  # the neighbour's time is nobody's now
    assert digest_jobs() == {"digest-at-07:30", "digest-at-06:00"}
    await answer(neighbour, "/subscribe")  # back, with their time
    assert digest_jobs() == {"digest-at-07:30", "digest-at-06:00", "digest-at-06:15"}


async def test_a_time_moved_later_after_todays_digest_went_says_the_next_is_tomorrow(
    bot: RunningBot, seed_path: Path
) -> None:
    # Today's edition is had: nothing comes at 20:00 today, and /settings must not say so.
    reader = await subscribed(bot, 8310)
    bot.set_clock(DAY, dt.time(6, 0))
    bot.drop_edition(seed_path, DAY)
    await bot.poll_now()
    await eventually(lambda: bot.store.editions.on(DAY, PAPER))
    bot.set_clock(DAY, dt.time(7, 30))
    await bot.digest_now()
    await reader.wait_for_messages(1)
    bot.set_clock(DAY, dt.time(10, 0))
    await answer(reader, "/settings 20:00")

    shown = await answer(reader, "/settings")

    assert "下一期摘要：2024年7月2日 20:00（北京时间）" in shown


async def todays_edition_in_at_six(bot: RunningBot, seed_path: Path) -> None:
    bot.set_clock(DAY, dt.time(6, 0))
    bot.drop_edition(seed_path, DAY)
    await bot.poll_to_end()


async def test_a_time_moved_earlier_than_now_says_todays_digest_comes_with_the_next_poll(
    bot: RunningBot, seed_path: Path
) -> None:
    # Today's edition is in, the reader's 20:00 is still to come; at 10:00 they choose 08:00:
    # today's digest is due at once and goes with the next poll, not "tomorrow at 08:00".
    reader = await subscribed(bot, 8312)
    await answer(reader, "/settings 20:00")
    await todays_edition_in_at_six(bot, seed_path)
    assert reader.new_messages() == []
    bot.set_clock(DAY, dt.time(10, 0))

    saved = await answer(reader, "/settings 08:00")
    shown = await answer(reader, "/settings")

    assert "下一期：60 分钟内（下次检查时送出）" in saved
    assert "下一期摘要：60 分钟内（下次检查时送出）" in shown
    await bot.poll_to_end()
    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}")


async def test_a_zone_moved_east_past_the_digest_time_says_it_comes_with_the_next_poll(
    bot: RunningBot, seed_path: Path
) -> None:
    # 10:00 in Beijing is 04:00 in Berlin (digest at 07:30 there, to come) and 11:00 in Tokyo
    # (07:30 there has passed): moving to Tokyo makes today's edition due now.
    reader = await subscribed(bot, 8313, language="en")
    await answer(reader, "/settings tz Europe/Berlin")
    await todays_edition_in_at_six(bot, seed_path)
    bot.set_clock(DAY, dt.time(10, 0))

    saved = await answer(reader, "/settings tz Asia/Tokyo")

    assert "next: within 60 minutes (with the next check)" in saved
    await bot.poll_to_end()
    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}")


async def test_a_reader_west_of_the_paper_moving_earlier_is_told_the_older_edition_comes_now(
    bot: RunningBot, seed_path: Path
) -> None:
    # In Los Angeles at 21:00: the 07-01 edition is due at 21:00 on 07-01 there, after the
    # 07-02 edition landed (15:00 LA). At 20:30 LA they choose 20:00: the 07-01 edition is
    # due already and the next poll sends it, not "2024-07-02 20:00".
    reader = await subscribed(bot, 8319, language="en")
    the_next_day = DAY + dt.timedelta(days=1)
    bot.set_clock(DAY, dt.time(6, 0))
    await answer(reader, "/settings tz America/Los_Angeles")
    await answer(reader, "/settings 21:00")
    bot.drop_edition(seed_path, DAY)
    await bot.poll_to_end()
    bot.set_clock(the_next_day, dt.time(6, 0))  # 15:00 on 07-01 in Los Angeles
    bot.drop_edition(seed_path, the_next_day)
    await bot.poll_to_end()
    assert reader.new_messages() == []
    bot.set_clock(the_next_day, dt.time(11, 30))  # 20:30 on 07-01 in Los Angeles

    saved = await answer(reader, "/settings 20:00")
    shown = await answer(reader, "/settings")

    assert "Next: within 60 minutes (with the next check)." in saved
    assert "Next digest: within 60 minutes (with the next check)" in shown
    await bot.poll_to_end()
    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}\n2024-07-01")


async def test_a_digest_held_by_quiet_hours_is_said_to_come_when_they_end(
    bot: RunningBot, seed_path: Path
) -> None:
    # At 23:00 the reader moves their time from 23:30 to 08:00: today's digest is a catch-up
    # now, inside the default quiet hours (22:00–07:00), so it waits for 07:00.
    reader = await subscribed(bot, 8314)
    await answer(reader, "/settings 23:30")
    await todays_edition_in_at_six(bot, seed_path)
    bot.set_clock(DAY, dt.time(23, 0))

    saved = await answer(reader, "/settings 08:00")

    assert "下一期：2024年7月2日 07:00（北京时间）" in saved
    bot.set_clock(DAY + dt.timedelta(days=1), dt.time(6, 59))
    await bot.poll_to_end()
    assert reader.new_messages() == []
    bot.set_clock(DAY + dt.timedelta(days=1), dt.time(7, 0))
    await bot.poll_to_end()
    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}")


async def test_past_the_digest_time_before_todays_paper_is_in_the_next_is_today_when_it_arrives(
    bot: RunningBot, seed_path: Path
) -> None:
    # 06:30, the reader's 06:00 has passed and today's paper is not in yet: today's digest
    # goes as soon as it lands (at 09:00 here), not tomorrow at 06:00.
    reader = await subscribed(bot, 8317)
    bot.set_clock(DAY, dt.time(6, 30))

    saved = await answer(reader, "/settings 06:00")
    shown = await answer(reader, "/settings")

    assert "下一期：今天，报纸一到就送出" in saved
    assert "下一期摘要：今天，报纸一到就送出" in shown
    bot.set_clock(DAY, dt.time(9, 0))
    bot.drop_edition(seed_path, DAY)
    await bot.poll_to_end()
    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}")


async def test_past_the_digest_time_before_todays_paper_is_in_says_so_in_english(
    bot: RunningBot,
) -> None:
    reader = await subscribed(bot, 8318, language="en")
    bot.set_clock(DAY, dt.time(6, 30))

    shown = await answer(reader, "/settings 06:00")

    assert "Next: today, as soon as today's paper arrives." in shown


async def test_a_chat_that_never_subscribed_is_told_no_digest_comes(bot: RunningBot) -> None:
    stranger = bot.user(8315, language="en")

    shown = await answer(stranger, "/settings")

    assert "Next digest: none (not subscribed: send /subscribe)" in shown


async def test_a_reader_who_unsubscribed_is_told_no_digest_comes(bot: RunningBot) -> None:
    reader = await subscribed(bot, 8316)
    await answer(reader, "/unsubscribe")

    shown = await answer(reader, "/settings")

    assert "下一期摘要：无（还没有订阅，发送 /subscribe 订阅）" in shown


async def test_before_todays_digest_the_next_is_today(bot: RunningBot) -> None:
    reader = await subscribed(bot, 8311)
    bot.set_clock(DAY, dt.time(10, 0))
    await answer(reader, "/settings 20:00")

    shown = await answer(reader, "/settings")

    assert "下一期摘要：2024年7月1日 20:00（北京时间）" in shown


async def test_a_reader_in_berlin_gets_the_digest_at_their_local_time(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = await subscribed(bot, 8301)
    bot.set_clock(DAY, dt.time(6, 0))  # 00:00 in Berlin (summer time)
    saved = await answer(reader, "/settings tz europe/berlin")
    assert "时区已设为 Europe/Berlin（UTC+2）。" in saved  # its offset now: summer time
    assert "下一期：2024年7月1日 07:30（Europe/Berlin）" in saved
    shown = await answer(reader, "/settings")
    assert "07:30（默认）\n时区：Europe/Berlin（UTC+2）" in shown
    assert "下一期摘要：2024年7月1日 07:30（Europe/Berlin）" in shown

    job = bot.application.job_queue.scheduler.get_job("digest-at-07:30@Europe/Berlin")
    assert job is not None
    # Its trigger keeps 07:30 in Berlin across the spring-forward night.
    fire = job.trigger.get_next_fire_time(None, dt.datetime(2026, 3, 28, 8, 0, tzinfo=BERLIN))
    assert fire.astimezone(dt.UTC) == dt.datetime(2026, 3, 29, 5, 30, tzinfo=dt.UTC)

    bot.drop_edition(seed_path, DAY)
    await bot.poll_now()  # 06:00 Beijing: ingested; 07:30 Beijing would be the default
    bot.set_clock(DAY, dt.time(13, 29))  # 07:29 in Berlin
    await bot.poll_now()
    await bot.run_job_now("digest-at-07:30")
    assert reader.new_messages() == []
    bot.set_clock(DAY, dt.time(13, 30))  # 07:30 in Berlin
    await bot.run_job_now("digest-at-07:30@Europe/Berlin")
    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}")


async def test_a_typed_utc_offset_sets_the_fixed_offset_zone_and_says_it_keeps_no_dst(
    bot: RunningBot,
) -> None:
    reader = await subscribed(bot, 8311)
    bot.set_clock(DAY, dt.time(6, 0))
    saved = await answer(reader, "/settings tz UTC+8")
    assert "时区已设为 UTC+8。" in saved
    assert "UTC+8 是固定偏移，不随夏令时变化" in saved
    assert bot.store.subscribers.get(8311).timezone == "Etc/GMT-8"
    job = bot.application.job_queue.scheduler.get_job("digest-at-07:30@Etc/GMT-8")
    assert job is not None
    assert "时区：UTC+8\n" in await answer(reader, "/settings")


@pytest.mark.parametrize(
    ("command", "stored", "said"),
    [
        ("/settings utc-5", "Etc/GMT+5", "Time zone set to UTC−5."),
        ("/settings GMT+08:00", "Etc/GMT-8", "Time zone set to UTC+8."),
        ("/settings -03:00", "Etc/GMT+3", "Time zone set to UTC−3."),
        ("/settings UTC", "UTC", "Time zone set to UTC."),
        ("/settings asia/tokyo", "Asia/Tokyo", "Time zone set to Asia/Tokyo (UTC+9)."),
    ],
)
async def test_a_zone_typed_after_settings_alone_sets_the_zone(
    bot: RunningBot, command: str, stored: str, said: str
) -> None:
    reader = await subscribed(bot, 8312, language="en")
    bot.set_clock(DAY, dt.time(6, 0))
    assert said in await answer(reader, command)
    assert bot.store.subscribers.get(8312).timezone == stored
    shown = await answer(reader, "/settings")
    assert f"Time zone: {said.removeprefix('Time zone set to ').removesuffix('.')}\n" in shown


@pytest.mark.parametrize(
    ("language", "command", "expected"),
    [
        (
            "zh-hans",
            "/settings tz UTC+5:30",
            "UTC+5:30 不是整点的偏移，这样的时区我只能按地名记下。请用所在城市的时区，例如 "
            "/settings tz Asia/Kolkata（现在是 UTC+5:30）。时区没有改动。",
        ),
        (
            "en",
            "/settings +05:45",
            "UTC+5:45 is not a whole number of hours: such a zone I can only keep by its place. "
            "Send your city's zone, e.g. /settings tz Asia/Kathmandu (UTC+5:45 now). "
            "Your time zone is unchanged.",
        ),
    ],
)
async def test_an_offset_of_not_whole_hours_names_a_place_to_use_and_changes_nothing(
    bot: RunningBot, language: str, command: str, expected: str
) -> None:
    reader = await subscribed(bot, 8313, language=language)
    bot.set_clock(DAY, dt.time(6, 0))
    assert expected in await answer(reader, command)
    assert bot.store.subscribers.get(8313).timezone is None


async def test_a_zone_button_sets_the_zone_and_the_settings_message_shows_it(
    bot: RunningBot,
) -> None:
    reader = await subscribed(bot, 8401, language="en")
    bot.set_clock(DAY, dt.time(10, 0))  # summer: New York is four hours behind UTC
    await reader.send("/settings")
    [settings] = await reader.wait_for_messages(1)
    assert "Next digest:" in settings.text
    assert "Quiet hours (topic alerts, late digests): 22:00–07:00" in settings.text
    query = await reader.press(settings, "America/New_York")
    answered = await reader.wait_for_answer(query)
    assert answered.answer_text == "Time zone: America/New_York (UTC−4)"
    await eventually(lambda: settings.edit_count == 1)
    assert bot.store.subscribers.get(8401).timezone == "America/New_York"
    assert (
        "Daily digest time: 07:30 (default)\nTime zone: America/New_York (UTC−4)" in settings.text
    )
    marked = [b["text"] for row in settings.buttons for b in row if "/" in b["text"]]
    assert [zone for zone in marked if zone.startswith("✅")] == ["✅ America/New_York"]
    parse_html(settings.html)
    assert reader.new_messages() == []  # the /settings message changed; nothing new came


async def test_the_configured_zone_is_marked_for_a_reader_who_chose_none(
    bot: RunningBot,
) -> None:
    reader = await subscribed(bot, 8404)

    def marked(message) -> list[str]:
        zones = [b for row in message.buttons for b in row if b["callback_data"][:3] == "tz:"]
        return [b["text"] for b in zones if b["text"].startswith("✅")]

    await reader.send("/settings")
    [settings] = await reader.wait_for_messages(1)
    assert marked(settings) == ["✅ 北京时间"]
    query = await reader.press(settings, "Asia/Tokyo")
    await reader.wait_for_answer(query)
    await eventually(lambda: settings.edit_count == 1)
    assert marked(settings) == ["✅ Asia/Tokyo"]
    await answer(reader, "/settings tz default")
    await reader.send("/settings")
    [again] = await reader.wait_for_messages(1)
    assert marked(again) == ["✅ 北京时间"]


async def test_pressing_the_same_zone_twice_changes_the_settings_message_once(
    bot: RunningBot,
) -> None:
    reader = await subscribed(bot, 8402, language="en")
    await reader.send("/settings")
    [settings] = await reader.wait_for_messages(1)
    for _ in range(2):
        query = await reader.press(settings, "Asia/Tokyo")
        await reader.wait_for_answer(query)
    await asyncio.sleep(0.2)
    assert settings.edit_count == 1 and reader.new_messages() == []


async def test_with_quiet_hours_off_a_new_topic_is_said_to_alert_at_once(bot: RunningBot) -> None:
    reader = await subscribed(bot, 8403)
    await answer(reader, "/settings quiet off")

    followed = await answer(reader, "/follow 工会")

    assert followed == "✅ 已关注“工会”（1/20）。新一期报纸提到它时我会随即提醒你。"


async def test_a_topic_typed_in_quotes_is_followed_without_them(bot: RunningBot) -> None:
    reader = await subscribed(bot, 8404)

    assert "已关注“乡村振兴”" in await answer(reader, "/follow 《乡村 振兴》")
    assert bot.store.follows.of(8404) == ["乡村振兴"]


@pytest.mark.parametrize(
    "typed", ["工会，驿站", "工会,驿站", "工会、驿站", "工会;驿站", "“工会”；《驿站》"]
)
async def test_a_list_of_topics_is_followed_as_one_topic_each(bot: RunningBot, typed: str) -> None:
    reader = await subscribed(bot, 8405)

    followed = await answer(reader, f"/follow {typed}")

    assert followed.startswith("✅ 已关注“工会”、“驿站”（2/20）。新一期报纸提到它们时")
    assert bot.store.follows.of(8405) == ["工会", "驿站"]


async def test_a_list_of_topics_is_followed_in_english_too(bot: RunningBot) -> None:
    reader = await subscribed(bot, 8406, language="en")

    followed = await answer(reader, "/follow apple, huawei")

    assert followed.startswith(
        "✅ Following “apple”, “huawei” (2/20). A new edition that mentions them"
    )


async def test_a_list_says_what_was_followed_what_was_already_and_what_the_cap_left_out(
    bot: RunningBot,
) -> None:
    reader = await subscribed(bot, 8407)
    bot.store.follows.add(8407, "工会", cap=20)
    for n in range(18):
        bot.store.follows.add(8407, f"话题{n}", cap=20)

    followed = await answer(reader, "/follow 驿站，工会，电梯")

    assert "✅ 已关注“驿站”（20/20）。新一期报纸提到它时" in followed
    assert "你已经关注了“工会”" in followed
    assert "没有关注“电梯”" in followed
    assert bot.store.follows.count(8407) == 20


async def test_a_number_with_a_thousands_comma_stays_one_topic(bot: RunningBot) -> None:
    reader = await subscribed(bot, 8408)

    assert "已关注“1,000”" in await answer(reader, "/follow 1,000")


async def test_a_list_of_topics_is_unfollowed_as_one_topic_each(bot: RunningBot) -> None:
    reader = await subscribed(bot, 8409)
    await answer(reader, "/follow 工会、驿站、电梯")

    unfollowed = await answer(reader, "/unfollow 工会，驿站")

    assert unfollowed == "已取消关注“工会”、“驿站”。"
    assert bot.store.follows.of(8409) == ["电梯"]


async def test_a_list_an_earlier_release_stored_as_one_topic_is_unfollowed_whole(
    bot: RunningBot,
) -> None:
    reader = await subscribed(bot, 8410)
    bot.store.follows.add(8410, "工会,驿站", cap=20)

    assert "已取消关注“工会,驿站”" in await answer(reader, "/unfollow 工会,驿站")
    assert bot.store.follows.count(8410) == 0


async def test_quiet_hours_are_set_switched_off_and_reset(bot: RunningBot) -> None:
    reader = await subscribed(bot, 8501)
    assert "免打扰：23:00–06:30（北京时间）" in await answer(reader, "/settings quiet 23:00-06:30")
    assert bot.store.subscribers.get(8501).quiet_hours == (dt.time(23, 0), dt.time(6, 30))
    assert "已关闭免打扰" in await answer(reader, "/settings quiet off")
    assert "免打扰（话题提醒、迟到的摘要）：不设" in await answer(reader, "/settings")
    assert "免打扰已恢复默认：22:00–07:00" in await answer(reader, "/settings quiet default")


@pytest.mark.parametrize(
    ("language", "command", "expected"),
    [
        (
            "zh-hans",
            "/settings quiet 23:00-06:30",
            "这段时间里的话题提醒会在结束后再发；报纸来晚了的摘要也是"
            "（除非你的推送时间就在这段时间里）。",
        ),
        ("zh-hans", "/settings quiet off", "话题提醒随到随发，报纸来晚了摘要也随到随发。"),
        ("zh-hans", "/settings quiet", "这段时间里的话题提醒和报纸来晚了的摘要会在结束后再发"),
        ("zh-hans", "/settings", "免打扰（话题提醒、迟到的摘要）：22:00–07:00"),
        (
            "en",
            "/settings quiet 23:00-06:30",
            "Topic alerts due meanwhile arrive when they end, and so does a digest whose paper "
            "came late (unless your digest time is inside them).",
        ),
        (
            "en",
            "/settings quiet off",
            "topic alerts, and a digest whose paper came late, arrive as soon as they are due",
        ),
        (
            "en",
            "/settings quiet",
            "topic alerts, and a digest whose paper came late, wait for their end",
        ),
        ("en", "/settings", "Quiet hours (topic alerts, late digests): 22:00–07:00"),
    ],
    ids=[
        "zh-set",
        "zh-off",
        "zh-shown",
        "zh-settings",
        "en-set",
        "en-off",
        "en-shown",
        "en-settings",
    ],
)
async def test_quiet_hours_are_said_to_hold_a_late_digest_too(
    bot: RunningBot, language: str, command: str, expected: str
) -> None:
    reader = await subscribed(bot, 8504, language=language)

    assert expected in await answer(reader, command)


async def test_quiet_hours_with_equal_ends_are_told_as_none(bot: RunningBot) -> None:
    reader = await subscribed(bot, 8502)

    assert "已关闭免打扰" in await answer(reader, "/settings quiet 23:00-23:00")
    assert "免打扰（话题提醒、迟到的摘要）：不设" in await answer(reader, "/settings")


async def test_bare_settings_quiet_shows_the_window_and_how_to_set_it(bot: RunningBot) -> None:
    reader = await subscribed(bot, 8503)

    shown = await answer(reader, "/settings quiet")

    assert "免打扰现在是：22:00–07:00（北京时间）" in shown
    assert "/settings quiet off" in shown
    assert bot.store.subscribers.get(8503).quiet_hours is None
