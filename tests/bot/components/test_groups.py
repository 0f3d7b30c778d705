"""Groups and channels over the real bot stack against the local Bot API server, on both
databases: in a group only its admins change the subscription, and the throttle counts each
member's commands to this bot (one member's flood, or commands to other bots, silence no one);
``/channel @name`` binds a channel only when the bot (and the sender) administer it, and the
digest is then posted there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.localapi.server import LocalGroup, LocalUser
from tests.bot.running_bot import DIGEST_TIME, PAPER, RunningBot, eventually, start_bot, stop_bot

pytestmark = pytest.mark.timeout(120)

DAY = dt.date(2024, 7, 1)  # the seed edition's date
GROUP = -1001600000001
CHANNEL = -1001700000002
REFUSED = "在群里，只有群管理员可以订阅、退订、修改设置或关注话题。"
NO_EDITION = "还没有可看的报纸，新一期入库后就能看到了。"
SECOND_TITLE = "徐留平在浙江江苏调研工会工作时指出 强化工会数智化建设 做好新就业形态劳动者工会工作"
"""The seed's article 2 (its card starts with it)."""


def start_link(bot: RunningBot, edition_id: int, number: int) -> str:
    """The start parameter of the link that opens article ``number`` of the edition."""
    article = bot.store.editions.article(edition_id, number)
    assert article is not None
    return f"b_{edition_id}_{number}_{article.mark}"


def reading_group(bot: RunningBot) -> tuple[LocalGroup, LocalUser, LocalUser]:
    """A supergroup with its owner (2001) and a plain member (2002)."""
    return bot.group_of_two(GROUP, "读报会")


async def digest_day(bot: RunningBot, seed: Path) -> int:
    """The seed edition arrives at 06:00 and the 07:30 digest goes out; its id."""
    bot.set_clock(DAY, dt.time(6, 0))
    bot.drop_edition(seed, DAY)
    await bot.poll_now()
    edition = await eventually(lambda: bot.store.editions.on(DAY, PAPER))
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    return edition.id


# --------------------------------------------------------------------------- groups


async def test_in_a_group_a_members_subscribe_is_refused(bot: RunningBot) -> None:
    group, _, member = reading_group(bot)
    await group.send(member, "/subscribe@baozhai_bot")
    [answer] = await group.wait_for_messages(1)
    assert answer.text == REFUSED
    assert bot.store.subscribers.get(GROUP) is None


async def test_in_a_group_an_admins_subscribe_subscribes_the_group(bot: RunningBot) -> None:
    group, owner, _ = reading_group(bot)
    await group.send(owner, "/subscribe")
    [answer] = await group.wait_for_messages(1)
    assert "订阅成功" in answer.text
    record = bot.store.subscribers.get(GROUP)
    assert record is not None and record.active and record.papers == (PAPER,)


async def test_in_a_group_a_member_cannot_unsubscribe_it(bot: RunningBot) -> None:
    group, owner, member = reading_group(bot)
    await group.send(owner, "/subscribe")
    await group.wait_for_messages(1)
    await group.send(member, "/unsubscribe")
    [answer] = await group.wait_for_messages(1)
    assert answer.text == REFUSED
    assert bot.store.subscribers.get(GROUP).active


async def test_in_a_group_a_members_paper_toggle_is_refused(bot: RunningBot) -> None:
    group, owner, member = reading_group(bot)
    await group.send(owner, "/papers")
    [papers] = await group.wait_for_messages(1)
    query = await group.press(member, papers, papers.buttons[0][0]["text"])
    await member.wait_for_answer(query)
    assert query.answer_text == REFUSED
    assert bot.store.subscribers.get(GROUP) is None


async def test_in_a_group_a_members_settings_change_is_refused(bot: RunningBot) -> None:
    group, owner, member = reading_group(bot)
    await group.send(owner, "/subscribe")
    await group.wait_for_messages(1)
    await group.send(member, "/settings 06:00")
    [answer] = await group.wait_for_messages(1)
    assert answer.text == REFUSED
    assert bot.store.subscribers.get(GROUP).digest_time is None


async def test_in_a_group_a_member_may_see_what_a_bare_settings_subcommand_shows(
    bot: RunningBot,
) -> None:
    group, owner, member = reading_group(bot)
    await group.send(owner, "/subscribe")
    await group.wait_for_messages(1)
    await group.send(member, "/settings quiet")
    [shown] = await group.wait_for_messages(1)
    assert "免打扰现在是：22:00–07:00" in shown.text
    assert bot.store.subscribers.get(GROUP).quiet_hours is None


async def test_start_in_a_group_greets_the_group_not_the_member_who_typed_it(
    bot: RunningBot,
) -> None:
    group, _, member = reading_group(bot)
    await group.send(member, "/start")
    [welcome] = await group.wait_for_messages(1)
    assert welcome.text.startswith("👋 大家好！我是报摘。")
    assert "发到本群" in welcome.text and "群友" not in welcome.text


async def test_in_a_group_a_members_press_on_starts_subscribe_button_is_refused_to_them_alone(
    bot: RunningBot,
) -> None:
    group, _, member = reading_group(bot)
    await group.send(member, "/start")
    [welcome] = await group.wait_for_messages(1)
    query = await group.press(member, welcome, welcome.buttons[0][0]["text"])
    await member.wait_for_answer(query)
    assert query.answer_text == REFUSED
    assert group.new_messages() == []
    assert bot.store.subscribers.get(GROUP) is None


async def test_in_a_group_a_member_cannot_change_its_topics(bot: RunningBot) -> None:
    # Alerts are posted to the whole group: what it follows is its admins' choice.
    group, owner, member = reading_group(bot)
    for command in ("/subscribe", "/follow 工会"):
        await group.send(owner, command)
        await group.wait_for_messages(1)
    assert bot.store.follows.of(GROUP) == ["工会"]
    await group.send(member, "/unfollow 工会")
    await group.send(member, "/follow 广告")
    assert [m.text for m in await group.wait_for_messages(2)] == [REFUSED, REFUSED]
    assert bot.store.follows.of(GROUP) == ["工会"]


async def test_in_a_group_an_admin_changes_its_topics(bot: RunningBot) -> None:
    group, owner, _ = reading_group(bot)
    for command in ("/subscribe", "/follow 工会", "/unfollow 工会"):
        await group.send(owner, command)
        [answer] = await group.wait_for_messages(1)
    assert "工会" in answer.text and bot.store.follows.of(GROUP) == []


async def test_a_command_in_a_forum_topic_is_answered_in_that_topic(bot: RunningBot) -> None:
    group, owner, _ = reading_group(bot)
    await group.send(owner, "/help", topic=7)
    [answer] = await group.wait_for_messages(1)
    assert answer.params.get("message_thread_id") == "7"
    await group.send(owner, "/help")
    [general] = await group.wait_for_messages(1)
    assert "message_thread_id" not in general.params


async def test_a_press_answered_too_late_still_opens_the_article(
    bot: RunningBot, seed_path: Path
) -> None:
    # Queued while the bot was down: Telegram refuses the answer, the reader still gets the card.
    group, owner, _ = reading_group(bot)
    await group.send(owner, "/subscribe")
    await group.wait_for_messages(1)
    await digest_day(bot, seed_path)
    [digest] = await group.wait_for_messages(1)
    await group.press(owner, digest, "2", too_old=True)
    [card] = await group.wait_for_messages(1)
    assert card.text.startswith("徐留平在浙江江苏调研工会工作时指出")


async def test_a_subscribed_group_gets_the_digest(bot: RunningBot, seed_path: Path) -> None:
    group, owner, _ = reading_group(bot)
    await group.send(owner, "/subscribe")
    await group.wait_for_messages(1)
    edition_id = await digest_day(bot, seed_path)
    [digest] = await group.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}")
    await eventually(lambda: bot.store.deliveries.was_sent(edition_id, GROUP))


async def test_a_search_pager_turned_by_another_member_keeps_the_searchers_language(
    bot: RunningBot, seed_path: Path
) -> None:
    # One message the whole group reads: a press must not switch it to the presser's language.
    group, owner, _ = reading_group(bot)
    guest = group.add(bot.user(2003, "Guest", "en"))
    bot.set_clock(DAY, dt.time(6, 0))
    bot.drop_edition(seed_path, DAY)
    await bot.poll_now()
    await eventually(lambda: bot.store.editions.on(DAY, PAPER))
    await group.send(owner, "/search 会")
    [results] = await group.wait_for_messages(1)

    query = await group.press(guest, results, "下一页 ▶")

    await guest.wait_for_answer(query)
    await eventually(lambda: results.edit_count == 1)
    assert "共 7 篇" in results.text.splitlines()[0]
    assert [b["text"] for b in results.buttons[-1]] == ["◀ 上一页"]


async def test_a_zone_pressed_by_another_admin_keeps_the_groups_settings_in_its_language(
    bot: RunningBot,
) -> None:
    # The /settings message the whole group reads, asked for in Chinese: an admin with an
    # English client sets the zone; the message shows it, still in Chinese.
    group, owner, _ = reading_group(bot)
    admin = group.add(bot.user(2003, "Admin", "en"), "administrator")
    await group.send(owner, "/subscribe")
    await group.wait_for_messages(1)
    await group.send(owner, "/settings")
    [shown] = await group.wait_for_messages(1)

    query = await group.press(admin, shown, "Asia/Tokyo")

    await admin.wait_for_answer(query)
    await eventually(lambda: shown.edit_count == 1)
    assert shown.text.startswith("⚙️ 推送设置")
    assert "07:30（默认）\n时区：Asia/Tokyo（UTC+9）" in shown.text
    labels = [button["text"] for row in shown.buttons for button in row]
    assert "北京时间" in labels


# --------------------------------------------------------------------------- migration

BASIC_GROUP, SUPERGROUP = -4001, -1004001


async def a_basic_group_following_a_topic(bot: RunningBot) -> tuple[LocalGroup, LocalUser]:
    """A basic group (the kind Telegram upgrades), subscribed and following 工会."""
    group = bot.server.group(BASIC_GROUP, "老读报会", supergroup=False)
    owner = group.add(bot.user(2001, "群主"), "creator")
    for command in ("/subscribe", "/follow 工会"):
        await group.send(owner, command)
        await group.wait_for_messages(1)
    return group, owner


async def test_a_group_that_becomes_a_supergroup_keeps_its_subscription_and_topics(
    bot: RunningBot,
) -> None:
    group, owner = await a_basic_group_following_a_topic(bot)

    supergroup = group.upgrade(SUPERGROUP)

    await eventually(lambda: bot.store.subscribers.get(SUPERGROUP) is not None)
    assert bot.store.subscribers.get(SUPERGROUP).active
    assert bot.store.subscribers.get(BASIC_GROUP) is None
    await supergroup.send(owner, "/following")
    [answer] = await supergroup.wait_for_messages(1)
    assert "工会" in answer.text


async def test_a_migrated_groups_digest_goes_to_the_supergroup_once(
    bot: RunningBot, seed_path: Path
) -> None:
    group, _ = await a_basic_group_following_a_topic(bot)
    supergroup = group.upgrade(SUPERGROUP)
    await eventually(lambda: bot.store.subscribers.get(SUPERGROUP) is not None)

    edition_id = await digest_day(bot, seed_path)

    [digest] = await supergroup.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}")
    await eventually(lambda: bot.store.deliveries.was_sent(edition_id, SUPERGROUP))
    assert [m for m in group.history if m.text.startswith("📰")] == []


async def test_a_topic_alert_refused_by_the_old_group_reaches_the_supergroup(
    bot: RunningBot, seed_path: Path
) -> None:
    group, owner = await a_basic_group_following_a_topic(bot)
    await group.send(owner, "/settings 12:00")  # the alert goes out before the digest
    await group.wait_for_messages(1)
    supergroup = group.upgrade(SUPERGROUP, tell=False)  # the bot missed the service messages
    bot.set_clock(DAY, dt.time(9, 0))
    bot.drop_edition(seed_path, DAY)
    await bot.poll_to_end()  # sent to the old id: refused, the subscription moves

    await bot.poll_to_end()

    [alert] = await supergroup.wait_for_messages(1)
    assert "工会" in alert.text and not alert.text.startswith(f"📰 {PAPER}")


# --------------------------------------------------------------------------- the throttle


@pytest.fixture
async def strict_bot(tmp_path: Path, db: str) -> AsyncIterator[RunningBot]:
    """A bot that lets two commands per chat (per member in a group) a minute."""
    running = await start_bot(tmp_path, db, extra_config="[limits]\ncommands_per_chat = 2\n")
    try:
        yield running
    finally:
        await stop_bot(running)


async def test_in_a_group_commands_to_other_bots_are_not_counted(strict_bot: RunningBot) -> None:
    group, _, member = reading_group(strict_bot)
    for _ in range(5):
        await group.send(member, "/start@some_other_bot")
    await group.send(member, "/today")
    [answer] = await group.wait_for_messages(1)
    assert answer.text == NO_EDITION  # no "slow down" posted, and still heard
    await asyncio.sleep(0.5)
    assert group.new_messages() == []


async def test_in_a_group_commands_to_this_bot_by_name_are_counted(strict_bot: RunningBot) -> None:
    group, _, member = reading_group(strict_bot)
    for _ in range(3):
        await group.send(member, f"/today@{strict_bot.server.bot_username}")
    answers = [a.text for a in await group.wait_for_messages(3)]
    assert answers.count(NO_EDITION) == 2  # then "slow down" (replies may cross)
    assert sum("太快" in a for a in answers) == 1


async def test_in_a_group_one_members_flood_does_not_silence_the_others(
    strict_bot: RunningBot,
) -> None:
    group, owner, member = reading_group(strict_bot)
    for _ in range(4):
        await group.send(member, "/today")
    answers = [a.text for a in await group.wait_for_messages(3)]
    assert sum("太快" in a for a in answers) == 1
    await group.send(owner, "/today")
    [answer] = await group.wait_for_messages(1)
    assert answer.text == NO_EDITION


# --------------------------------------------------------------------------- channels


def news_channel(bot: RunningBot, *, bot_status: str = "administrator") -> LocalGroup:
    channel = bot.server.channel(CHANNEL, "早报频道", "morning_news", bot_status=bot_status)
    channel.add(bot.user(2001, "频道主"), "creator")
    return channel


async def test_channel_fails_clearly_when_the_bot_is_not_an_admin_there(bot: RunningBot) -> None:
    news_channel(bot, bot_status="member")
    owner = bot.user(2001, "频道主")
    await owner.send("/channel @morning_news")
    [answer] = await owner.wait_for_messages(1)
    assert answer.text == (
        "我还不是 @morning_news 的管理员，不能在那里发消息。请在频道设置里把 @baozhai_bot "
        "添加为管理员并允许发消息，然后再试一次。"
    )
    assert bot.store.channels.get(CHANNEL) is None
    assert bot.store.subscribers.get(CHANNEL) is None


async def test_channel_fails_when_the_sender_does_not_administer_it(bot: RunningBot) -> None:
    news_channel(bot)
    stranger = bot.user(2003, "路人")
    await stranger.send("/channel @morning_news")
    [answer] = await stranger.wait_for_messages(1)
    assert answer.text == "只有 @morning_news 的管理员才能把它绑定到报摘。"
    assert bot.store.subscribers.get(CHANNEL) is None


async def test_channel_of_an_unknown_name_says_so(bot: RunningBot) -> None:
    reader = bot.user(2001)
    await reader.send("/channel @no_such_channel")
    [answer] = await reader.wait_for_messages(1)
    assert answer.text == "找不到频道 @no_such_channel：请确认它是公开频道，用户名没有拼错。"


async def test_channel_binds_and_the_digest_is_then_posted_there(
    bot: RunningBot, seed_path: Path
) -> None:
    channel = news_channel(bot)
    owner = bot.user(2001, "频道主")
    await owner.send("/channel @morning_news")
    [answer] = await owner.wait_for_messages(1)
    assert answer.text == f"✅ 每天 07:30 会把 {PAPER} 的摘要用中文发到 @morning_news。"
    bound = bot.store.channels.get(CHANNEL)
    assert bound is not None and (bound.username, bound.bound_by) == ("morning_news", 2001)
    edition_id = await digest_day(bot, seed_path)
    [digest] = await channel.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}")
    await eventually(lambda: bot.store.deliveries.was_sent(edition_id, CHANNEL))


async def test_an_anonymous_admin_binding_a_channel_is_told_to_write_as_themselves(
    bot: RunningBot,
) -> None:
    # Telegram shows the group, not the admin, as the sender: who it is cannot be checked
    # against the channel's admins, and "only an admin of @morning_news" would be wrong.
    news_channel(bot)
    group, _, _ = reading_group(bot)

    await group.send_as_group("/channel @morning_news")

    [answer] = await group.wait_for_messages(1)
    assert answer.text == (
        "你现在以匿名管理员身份发言，我无法核实你是不是 @morning_news 的管理员。"
        "请关闭匿名后再发送一次。"
    )
    assert bot.store.channels.get(CHANNEL) is None


async def test_channel_off_without_a_name_lists_the_bound_channels_and_how_to_stop_one(
    bot: RunningBot,
) -> None:
    news_channel(bot)
    owner = bot.user(2001, "频道主")
    await owner.send("/channel @morning_news")
    await owner.wait_for_messages(1)

    await owner.send("/channel off")

    [answer] = await owner.wait_for_messages(1)
    assert answer.text.startswith("已绑定的频道：@morning_news\n\n用法：")
    assert "/channel off @频道名" in answer.text
    assert bot.store.channels.get(CHANNEL) is not None


async def test_a_channel_bound_again_by_an_english_admin_is_posted_in_english(
    bot: RunningBot, seed_path: Path
) -> None:
    # A channel has no /settings: binding is how its admins choose, the first binder's
    # client language must not stick for good.
    channel = news_channel(bot)
    owner = bot.user(2001, "频道主")
    editor = channel.add(bot.user(2007, "Editor", "en"), "administrator")
    await owner.send("/channel @morning_news")
    await owner.wait_for_messages(1)
    await owner.send("/channel off @morning_news")
    await owner.wait_for_messages(1)

    await editor.send("/channel @morning_news")

    [answer] = await editor.wait_for_messages(1)
    assert answer.text == (
        f"✅ The digest of {PAPER} will be posted to @morning_news in English every day at 07:30."
    )
    await digest_day(bot, seed_path)
    [digest] = await channel.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}\n2024-07-01 · 7 articles")


async def bound_channel_with_digest(bot: RunningBot, seed: Path) -> tuple[LocalGroup, int]:
    """The channel bound by its owner, and today's digest posted there; its edition id."""
    channel = news_channel(bot)
    owner = bot.user(2001, "频道主")
    await owner.send("/channel @morning_news")
    await owner.wait_for_messages(1)
    edition_id = await digest_day(bot, seed)
    await channel.wait_for_messages(1)
    return channel, edition_id


async def test_an_article_pressed_under_a_channels_digest_goes_to_the_reader_privately(
    bot: RunningBot, seed_path: Path
) -> None:
    channel, _ = await bound_channel_with_digest(bot, seed_path)
    viewer = channel.add(bot.user(2005, "读者"))  # a subscriber of the channel, no admin
    query = await channel.press(viewer, channel.history[-1], "2")
    await viewer.wait_for_answer(query)
    [card] = await viewer.wait_for_messages(1)
    assert card.text.startswith("徐留平在浙江江苏调研工会工作时指出")
    assert query.answer_text == "已私信发给你。"
    await asyncio.sleep(0.5)
    assert channel.new_messages() == []  # nothing posted for every subscriber to see


async def test_a_channel_reader_who_never_opened_the_bot_gets_a_link_that_opens_the_article(
    bot: RunningBot, seed_path: Path
) -> None:
    channel, edition_id = await bound_channel_with_digest(bot, seed_path)
    stranger = channel.add(bot.server.user(2006, "路人", started=False))
    query = await channel.press(stranger, channel.history[-1], "2")
    await stranger.wait_for_answer(query)
    start = start_link(bot, edition_id, 2)
    assert query.answer_url == f"https://t.me/{bot.server.bot_username}?start={start}"
    await stranger.send(f"/start {start}")  # what following the link sends
    [card] = await stranger.wait_for_messages(1)
    assert card.text.startswith(SECOND_TITLE)
    assert channel.new_messages() == []


async def test_a_channel_reader_the_bot_may_not_write_to_now_gets_the_link_at_once(
    bot: RunningBot, seed_path: Path
) -> None:
    channel, edition_id = await bound_channel_with_digest(bot, seed_path)
    viewer = channel.add(bot.user(2008, "读者"))
    viewer.force_retry_after(times=1, retry_after=30)  # a flood wait on their private chat
    query = await channel.press(viewer, channel.history[-1], "2")
    await viewer.wait_for_answer(query, timeout=5)  # a press must be answered in seconds
    start = start_link(bot, edition_id, 2)
    assert query.answer_url == f"https://t.me/{bot.server.bot_username}?start={start}"


async def test_a_channel_reader_pressing_too_fast_is_told_in_the_press_not_in_the_channel(
    tmp_path: Path, db: str, seed_path: Path
) -> None:
    bot = await start_bot(tmp_path, db, extra_config="[limits]\ncommands_per_chat = 1\n")
    try:
        channel, _ = await bound_channel_with_digest(bot, seed_path)
        viewer = channel.add(bot.user(2007, "快手"))
        first = await channel.press(viewer, channel.history[-1], "1")
        await viewer.wait_for_answer(first)
        second = await channel.press(viewer, channel.history[-1], "2")
        await viewer.wait_for_answer(second)
        assert second.show_alert and "太快" in (second.answer_text or "")
        await asyncio.sleep(0.5)
        assert len(viewer.history) == 1 and channel.new_messages() == []
    finally:
        await stop_bot(bot)


@pytest.mark.parametrize("data", ["sub", "dm:c", "pp:0", "tz:0", "s:1", "bcs:1"])
async def test_a_forged_press_under_a_channels_post_posts_nothing_there(
    bot: RunningBot, seed_path: Path, data: str
) -> None:
    # Only article buttons stand under a channel's digest; any other kind's reply would be
    # posted for every subscriber (and let anyone make the bot post there).
    channel, _ = await bound_channel_with_digest(bot, seed_path)
    viewer = channel.add(bot.user(2009, "读者"))
    before = bot.store.subscribers.get(CHANNEL)
    query = await channel.press(viewer, channel.history[-1], "1", forged=data)
    await viewer.wait_for_answer(query)
    assert query.answer_text == "这个按钮已失效，请重新发送命令。"
    await asyncio.sleep(0.5)
    assert channel.new_messages() == [] and bot.store.subscribers.get(CHANNEL) == before


async def test_a_failed_press_under_a_channels_post_is_not_apologised_for_there(
    bot: RunningBot, seed_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    channel, _ = await bound_channel_with_digest(bot, seed_path)
    viewer = channel.add(bot.user(2010, "读者"))
    with bot.store.engine.begin() as connection:  # the press now fails inside the handler
        connection.execute(text("ALTER TABLE articles RENAME TO articles_gone"))
    await channel.press(viewer, channel.history[-1], "1")
    await eventually(lambda: "error while handling" in caplog.text)
    await asyncio.sleep(3.5)  # an apology would wait for the channel's pace (3.1 s a post)
    assert channel.new_messages() == [] and viewer.new_messages() == []


async def test_channel_off_stops_the_digest_there(bot: RunningBot, seed_path: Path) -> None:
    channel = news_channel(bot)
    owner = bot.user(2001, "频道主")
    await owner.send("/channel @morning_news")
    await owner.wait_for_messages(1)
    await owner.send("/channel off @morning_news")
    [answer] = await owner.wait_for_messages(1)
    assert answer.text == "已停止向 @morning_news 发送摘要。"
    await digest_day(bot, seed_path)
    await asyncio.sleep(1.0)
    assert channel.history == []


async def test_in_a_group_only_its_admins_bind_a_channel(bot: RunningBot) -> None:
    news_channel(bot)
    group, _, member = reading_group(bot)
    news_channel(bot).add(member, "administrator")  # a channel admin, but not a group admin
    await group.send(member, "/channel @morning_news")
    [answer] = await group.wait_for_messages(1)
    assert answer.text == REFUSED
    assert bot.store.subscribers.get(CHANNEL) is None


async def test_a_channel_that_takes_the_bots_admin_rights_stops_getting_digests(
    bot: RunningBot,
) -> None:
    channel = news_channel(bot)
    owner = bot.user(2001, "频道主")
    await owner.send("/channel @morning_news")
    await owner.wait_for_messages(1)
    channel.set_bot_status("member")
    await eventually(lambda: not bot.store.subscribers.get(CHANNEL).active)


async def a_bound_channel(bot: RunningBot) -> LocalGroup:
    channel = news_channel(bot)
    owner = bot.user(2001, "频道主")
    await owner.send("/channel @morning_news")
    await owner.wait_for_messages(1)
    return channel


async def test_a_channel_that_takes_only_the_bots_right_to_post_stops_getting_digests(
    bot: RunningBot,
) -> None:
    channel = await a_bound_channel(bot)
    channel.set_bot_status("administrator", rights={"can_edit_messages"})
    await eventually(lambda: not bot.store.subscribers.get(CHANNEL).active)


async def test_a_channel_that_took_the_bots_right_to_post_unseen_is_let_go_at_the_first_refusal(
    bot: RunningBot, seed_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    channel = await a_bound_channel(bot)
    channel.bot_rights.discard("can_post_messages")  # the update missed (the bot was down)

    with caplog.at_level(logging.INFO, logger="bot"):
        await digest_day(bot, seed_path)
        await eventually(lambda: not bot.store.subscribers.get(CHANNEL).active)

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_channel_lists_the_bound_channels_that_still_get_the_digest(
    bot: RunningBot,
) -> None:
    channel = await a_bound_channel(bot)
    owner = bot.user(2001, "频道主")
    await owner.send("/channel")
    [listed] = await owner.wait_for_messages(1)
    assert listed.text.startswith("已绑定的频道：@morning_news")

    channel.set_bot_status("left")
    await eventually(lambda: not bot.store.subscribers.get(CHANNEL).active)
    await owner.send("/channel")
    [after] = await owner.wait_for_messages(1)
    assert "@morning_news" not in after.text


async def test_a_channel_that_let_the_bot_go_is_bound_again_by_channel(bot: RunningBot) -> None:
    channel = await a_bound_channel(bot)
    channel.set_bot_status("left")
    await eventually(lambda: not bot.store.subscribers.get(CHANNEL).active)
    channel.set_bot_status("administrator")
    owner = bot.user(2001, "频道主")

    await owner.send("/channel @morning_news")

    await owner.wait_for_messages(1)
    assert bot.store.subscribers.get(CHANNEL).active
    await owner.send("/channel")
    [listed] = await owner.wait_for_messages(1)
    assert listed.text.startswith("已绑定的频道：@morning_news")
