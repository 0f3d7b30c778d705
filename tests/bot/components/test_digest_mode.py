"""The /settings digest-mode buttons (one digest per paper, or one combined message), pressed
by a reader of the real bot over real HTTP against the local Bot API server, on both
databases. They are one row of the /settings keyboard (beside the time-zone buttons); in a
group only its admins press them."""

from __future__ import annotations

import pytest

from bot.components.digest_mode import DIGEST_MODE
from bot.storage.records import DigestMode
from tests.bot.running_bot import RunningBot, eventually

pytestmark = pytest.mark.timeout(120)


async def settings_of(bot: RunningBot, chat_id: int, language: str = "zh-hans"):
    reader = bot.user(chat_id, language=language)
    await reader.send("/subscribe")
    await reader.wait_for_messages(1)
    await reader.send("/settings")
    [shown] = await reader.wait_for_messages(1)
    return reader, shown


def labels(message) -> list[str]:
    """The labels of the digest-mode buttons (the other /settings buttons left out)."""
    return [
        button["text"]
        for row in message.buttons
        for button in row
        if button["callback_data"].startswith(f"{DIGEST_MODE}:")
    ]


def all_labels(message) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


async def test_settings_shows_the_digest_mode_with_the_current_one_marked(bot: RunningBot) -> None:
    _, shown = await settings_of(bot, 9101)
    assert "摘要方式" in shown.text
    assert labels(shown) == ["✅ 每份报纸一条", "合并成一条"]
    assert all(len(b["callback_data"].encode()) <= 64 for row in shown.buttons for b in row)


async def test_pressing_combined_switches_the_mode_and_marks_it(bot: RunningBot) -> None:
    reader, shown = await settings_of(bot, 9102)
    query = await reader.press(shown, "合并成一条")
    await reader.wait_for_answer(query)
    assert query.answer_text == "好的，以后你的报纸合并成一条摘要"
    assert bot.store.subscribers.get(9102).digest_mode is DigestMode.COMBINED
    assert labels(shown) == ["每份报纸一条", "✅ 合并成一条"]  # the same message, edited
    assert len(all_labels(shown)) > 2  # the time-zone buttons are still there

    back = await reader.press(shown, "每份报纸一条")
    await reader.wait_for_answer(back)
    assert bot.store.subscribers.get(9102).digest_mode is DigestMode.PER_PAPER
    assert labels(shown) == ["✅ 每份报纸一条", "合并成一条"]


async def test_the_digest_mode_buttons_speak_english_to_english_readers(bot: RunningBot) -> None:
    reader, shown = await settings_of(bot, 9103, language="en")
    assert labels(shown) == ["✅ One per paper", "All in one"]
    query = await reader.press(shown, "All in one")
    await reader.wait_for_answer(query)
    assert query.answer_text == "Done: all your papers in one digest"


async def test_pressing_the_current_mode_again_is_harmless(bot: RunningBot) -> None:
    reader, shown = await settings_of(bot, 9104)
    for _ in range(2):
        query = await reader.press(shown, "✅ 每份报纸一条")
        await reader.wait_for_answer(query)
    assert bot.store.subscribers.get(9104).digest_mode is DigestMode.PER_PAPER
    assert reader.new_messages() == []


async def test_a_non_subscriber_sees_no_mode_buttons(bot: RunningBot) -> None:
    reader = bot.user(9105)
    await reader.send("/settings")
    [shown] = await reader.wait_for_messages(1)
    assert labels(shown) == []
    assert "摘要方式" not in shown.text


async def test_in_a_group_a_members_mode_press_is_refused(bot: RunningBot) -> None:
    group = bot.server.group(-1001600000009, "读报会")
    owner = group.add(bot.user(2001, "群主"), "creator")
    member = group.add(bot.user(2002, "群友"))
    await group.send(owner, "/subscribe")
    await group.wait_for_messages(1)
    await group.send(owner, "/settings")
    [shown] = await group.wait_for_messages(1)
    query = await group.press(member, shown, "合并成一条")
    await member.wait_for_answer(query)
    assert query.answer_text == "在群里，只有群管理员可以订阅、退订、修改设置或关注话题。"
    assert bot.store.subscribers.get(-1001600000009).digest_mode is DigestMode.PER_PAPER

    query = await group.press(owner, shown, "合并成一条")
    await owner.wait_for_answer(query)
    assert bot.store.subscribers.get(-1001600000009).digest_mode is DigestMode.COMBINED


async def test_a_forged_mode_button_gets_the_expired_answer(bot: RunningBot) -> None:
    reader, shown = await settings_of(bot, 9106)
    shown.reply_markup = {"inline_keyboard": [[{"text": "x", "callback_data": "dm:zz"}]]}
    query = await reader.press(shown, "x")
    await reader.wait_for_answer(query)
    assert bot.store.subscribers.get(9106).digest_mode is DigestMode.PER_PAPER
    assert query.answer_text == "这个按钮已失效，请重新发送命令。"


async def test_a_mode_press_under_an_older_settings_message_shows_the_settings_as_they_are_now(
    bot: RunningBot,
) -> None:
    reader, shown = await settings_of(bot, 9107, language="en")
    for command in ("/settings 20:00", "/settings tz Asia/Tokyo"):
        await reader.send(command)
        await reader.wait_for_messages(1)

    query = await reader.press(shown, "All in one")
    await reader.wait_for_answer(query)

    await eventually(lambda: shown.edit_count == 1)
    assert "Daily digest time: 20:00 (your choice)\nTime zone: Asia/Tokyo (UTC+9)" in shown.text
    assert "07:30" not in shown.text.split("Change the time")[0]
    assert labels(shown) == ["One per paper", "✅ All in one"]
    assert reader.new_messages() == []
