"""The language a chat's daily digest is written in: a private reader's follows their
Telegram language; a group's is chosen by its admins with ``/settings lang``, never changed
by whoever happened to write. Over real HTTP against the local Bot API server, both
databases."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.localapi.telegram_html import parse_html
from tests.bot.running_bot import RunningBot, eventually

pytestmark = pytest.mark.timeout(120)

DAY = dt.date(2024, 7, 1)  # the seed edition's date
GROUP = -1001700000001


async def answer(chat, command: str, sender=None) -> str:
    if sender is None:
        await chat.send(command)
    else:
        await chat.send(sender, command)
    [reply] = await chat.wait_for_messages(1)
    parse_html(reply.html)  # valid Telegram HTML
    return str(reply.text)


def stored_language(bot: RunningBot, chat_id: int) -> str:
    record = bot.store.subscribers.get(chat_id)
    assert record is not None
    return record.language


async def test_a_reader_who_switched_telegram_to_english_gets_the_next_digest_in_english(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = bot.user(8801, language="zh-hans")
    await answer(reader, "/subscribe")
    reader.language_code = "en"

    assert "Settings" in await answer(reader, "/settings")
    await eventually(lambda: stored_language(bot, 8801) == "en")
    bot.set_clock(DAY, dt.time(6, 0))
    bot.drop_edition(seed_path, DAY)
    await bot.poll_now()
    bot.set_clock(DAY, dt.time(7, 30))
    await bot.digest_now()

    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith("📰 浙江工人日报\n2024-07-01 · ")


async def test_a_client_that_sends_no_language_leaves_the_stored_one(bot: RunningBot) -> None:
    reader = bot.user(8802, "Jim", language="en")
    await answer(reader, "/subscribe")
    reader.language_code = None

    await answer(reader, "/help")
    await asyncio.sleep(0.3)  # the follow-up after the reply has run by now

    assert stored_language(bot, 8802) == "en"


async def test_an_admin_with_an_english_client_does_not_switch_the_groups_digest(
    bot: RunningBot,
) -> None:
    group = bot.server.group(GROUP, "读报会")
    owner = group.add(bot.user(2101, "群主"), "creator")
    admin = group.add(bot.server.user(2102, "Bob", language_code="en"), "administrator")
    await answer(group, "/subscribe", owner)

    assert "already" in await answer(group, "/subscribe", admin)
    await asyncio.sleep(0.3)

    assert stored_language(bot, GROUP) == "zh"


async def test_a_group_admin_chooses_the_digest_language_with_settings_lang(
    bot: RunningBot,
) -> None:
    group = bot.server.group(GROUP, "读报会")
    owner = group.add(bot.user(2101, "群主"), "creator")
    await answer(group, "/subscribe", owner)

    saved = await answer(group, "/settings lang en", owner)

    assert saved == "✅ 这里的每日摘要今后用英文。"
    assert stored_language(bot, GROUP) == "en"
    assert await answer(group, "/settings lang 中文", owner) == "✅ 这里的每日摘要今后用中文。"
    assert stored_language(bot, GROUP) == "zh"


async def test_settings_lang_without_a_known_language_says_how_and_what_it_is_now(
    bot: RunningBot,
) -> None:
    group = bot.server.group(GROUP, "读报会")
    owner = group.add(bot.user(2101, "群主"), "creator")
    await answer(group, "/subscribe", owner)

    shown = await answer(group, "/settings lang klingon", owner)

    assert "/settings lang en" in shown and "现在：中文" in shown
    assert stored_language(bot, GROUP) == "zh"


async def test_a_plain_member_cannot_change_the_groups_digest_language(bot: RunningBot) -> None:
    group, owner, member = bot.group_of_two(GROUP, "读报会")
    await answer(group, "/subscribe", owner)

    refused = await answer(group, "/settings lang en", member)

    assert "只有群管理员" in refused
    assert stored_language(bot, GROUP) == "zh"


async def test_in_a_private_chat_settings_lang_says_the_digest_follows_telegram(
    bot: RunningBot,
) -> None:
    reader = bot.user(8803, "Jim", language="en")
    await answer(reader, "/subscribe")

    shown = await answer(reader, "/settings lang zh")

    assert "follows your Telegram language (now English)" in shown
    assert stored_language(bot, 8803) == "en"


async def test_a_groups_settings_say_which_language_its_digest_is_in(bot: RunningBot) -> None:
    group = bot.server.group(GROUP, "读报会")
    owner = group.add(bot.user(2101, "群主"), "creator")
    await answer(group, "/subscribe", owner)
    await answer(group, "/settings lang en", owner)

    shown = await answer(group, "/settings", owner)

    assert "本群每日摘要的语言：英文（修改：/settings lang zh 或 /settings lang en）" in shown


async def test_a_private_readers_settings_say_nothing_of_a_digest_language(
    bot: RunningBot,
) -> None:
    reader = bot.user(8804)
    await answer(reader, "/subscribe")

    assert "语言" not in await answer(reader, "/settings")


async def test_a_database_failure_gets_one_apology_not_a_second_for_the_language(
    bot: RunningBot,
) -> None:
    reader = bot.user(8805)
    with bot.store.engine.begin() as conn:  # the subscribers table vanishes under the bot
        conn.execute(text("ALTER TABLE subscribers RENAME TO subscribers_gone"))
    try:
        assert (await answer(reader, "/subscribe")).startswith("抱歉")
        with pytest.raises(TimeoutError):  # (a second message to the chat waits ~1 s: pacing)
            await reader.wait_for_messages(1, timeout=2.5)
    finally:
        with bot.store.engine.begin() as conn:
            conn.execute(text("ALTER TABLE subscribers_gone RENAME TO subscribers"))
