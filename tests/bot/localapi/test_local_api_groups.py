"""Groups and channels in the local Bot API server, driven by python-telegram-bot over HTTP:
members and their status, the bot's rights, @username, and 20 messages a minute per chat."""

# ruff: noqa: F811  (fixtures imported by name)

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
import telegram
from telegram import ChatMember, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from bot.localapi.server import LocalBotApi
from tests.bot.fixtures_local_api import (
    TEST_TOKEN,
    local_api,  # noqa: F401  (fixture)
    local_api_bot,  # noqa: F401  (fixture)
    local_api_factory,  # noqa: F401  (fixture)
    retry_after_seconds,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)

Factory = Callable[..., Awaitable[LocalBotApi]]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_get_chat_member_gives_each_members_status(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    group = local_api.group(-1001, "读报会")
    group.add(local_api.user(1), "creator")
    group.add(local_api.user(2), "administrator")
    group.add(local_api.user(3))
    local_api.user(4)
    statuses = [(await local_api_bot.get_chat_member(-1001, u)).status for u in (1, 2, 3, 4)]
    assert statuses == [ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER, "left"]
    me = await local_api_bot.get_chat_member(-1001, local_api.bot_id)
    assert me.status == ChatMember.MEMBER


async def test_get_chat_administrators_lists_owner_and_admins(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    group = local_api.group(-1001, "读报会", bot_status="administrator")
    group.add(local_api.user(1), "creator")
    group.add(local_api.user(2), "administrator")
    group.add(local_api.user(3))
    admins = await local_api_bot.get_chat_administrators(-1001)
    assert sorted(a.user.id for a in admins) == sorted([1, 2, local_api.bot_id])


async def test_a_channel_resolves_by_its_username(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    local_api.channel(-1002, "早报频道", "morning_news")
    chat = await local_api_bot.get_chat("@Morning_News")
    assert (chat.id, chat.type, chat.title) == (-1002, "channel", "早报频道")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await local_api_bot.get_chat("@nobody_here")


async def test_a_channel_post_needs_the_bot_to_be_an_admin_there(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    channel = local_api.channel(-1002, "早报频道", "morning_news", bot_status="member")
    with pytest.raises(BadRequest, match=r"(?i)need administrator rights"):
        await local_api_bot.send_message("@morning_news", "早")
    with pytest.raises(BadRequest, match=r"(?i)member list is inaccessible"):
        await local_api_bot.get_chat_member(-1002, local_api.user(1).chat_id)
    channel.set_bot_status("administrator")
    posted = await local_api_bot.send_message("@morning_news", "早")
    assert posted.sender_chat is not None and posted.sender_chat.id == -1002
    assert [m.text for m in channel.history] == ["早"]


async def test_a_bot_that_left_a_group_is_forbidden_to_write_there(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    local_api.group(-1001, "读报会", bot_status="left")
    with pytest.raises(Forbidden, match=r"(?i)not a member of the group chat"):
        await local_api_bot.send_message(-1001, "x")


async def test_an_upgraded_group_answers_with_its_supergroups_id(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    group = local_api.group(-1001, "读报会", supergroup=False)
    group.add(local_api.user(1), "creator")
    supergroup = group.upgrade(-1001001)
    with pytest.raises(ChatMigrated) as caught:
        await local_api_bot.send_message(-1001, "x")
    assert caught.value.new_chat_id == -1001001
    await local_api_bot.send_message(-1001001, "y")
    assert [m.text for m in supergroup.history] == ["y"]
    assert supergroup.status_of(1) == "creator"


async def test_an_upgrade_tells_the_bot_in_both_chats(local_api: LocalBotApi) -> None:
    group = local_api.group(-1001, "读报会", supergroup=False)
    group.add(local_api.user(1), "creator")
    group.upgrade(-1001001)
    messages = [u.payload for u in local_api.pending_updates if u.kind == "message"]
    assert [(m["chat"]["id"], m["chat"]["type"]) for m in messages] == [
        (-1001, "group"),
        (-1001001, "supergroup"),
    ]
    assert (messages[0]["migrate_to_chat_id"], messages[1]["migrate_from_chat_id"]) == (
        -1001001,
        -1001,
    )


async def test_a_group_takes_20_messages_a_minute_then_answers_429(
    local_api_factory: Factory,
) -> None:
    clock = FakeClock()
    server = await local_api_factory(clock=clock, global_rate=None)
    server.group(-1001, "读报会")
    async with telegram.Bot(TEST_TOKEN, base_url=server.base_url) as bot:
        for n in range(20):
            await bot.send_message(-1001, f"{n}")
            clock.now += 1.0  # 20 in 20 s: far faster than 20 a minute
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(-1001, "21")
        assert retry_after_seconds(caught.value) == 40  # the first leaves the window at 60 s
        clock.now += 40.0
        await bot.send_message(-1001, "21")


async def test_a_member_writes_a_command_in_a_group(local_api: LocalBotApi) -> None:
    group = local_api.group(-1001, "读报会")
    member = group.add(local_api.user(7, "韩梅梅"))
    seen: list[tuple[int, int, str]] = []

    async def where(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat and update.effective_user
        seen.append(
            (update.effective_chat.id, update.effective_user.id, update.effective_chat.type)
        )
        await update.effective_chat.send_message("收到")

    app = ApplicationBuilder().token(TEST_TOKEN).base_url(local_api.base_url).build()
    app.add_handler(CommandHandler("where", where))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        await group.send(member, "/where@baozhai_bot")
        [answer] = await group.wait_for_messages(1)
        await app.updater.stop()
        await app.stop()
    assert seen == [(-1001, 7, "supergroup")]
    assert answer.text == "收到"
