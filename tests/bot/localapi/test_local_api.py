"""The local Bot API server, driven by a real python-telegram-bot over real HTTP."""

# The fixtures are imported by name and then requested as parameters, which pyflakes reads as
# redefinitions; that is how pytest fixtures from a shared module work.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
)

from bot.localapi.server import LocalBotApi, LocalUser
from bot.localapi.telegram_html import Entity
from tests.bot.fixtures_local_api import (
    TEST_TOKEN,
    jpeg_bytes,
    local_api,  # noqa: F401  (fixture)
    local_api_bot,  # noqa: F401  (fixture)
    local_api_factory,  # noqa: F401  (fixture)
    local_api_user,  # noqa: F401  (fixture)
    png_bytes,
    retry_after_seconds,
)

# PTB 22 warns about RetryAfter.retry_after becoming a timedelta whenever it builds one.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)

Factory = Callable[..., Awaitable[LocalBotApi]]


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in buttons]])


class FakeClock:
    """Moves only when told to: rate-limit tests without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- identity, tokens, routing -------------------------------------------------------------------


async def test_get_me(local_api_bot: telegram.Bot, local_api: LocalBotApi) -> None:
    me = await local_api_bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == local_api.bot_username
    assert local_api.base_url == f"http://127.0.0.1:{local_api.port}/bot"


async def test_wrong_token_is_invalid_token(local_api: LocalBotApi) -> None:
    with pytest.raises(InvalidToken):
        await telegram.Bot("123456:WRONG-TOKEN", base_url=local_api.base_url).get_me()
    with pytest.raises(InvalidToken):  # what Application.initialize() runs into
        await telegram.Bot("999:OTHER", base_url=local_api.base_url).initialize()


async def test_unknown_method_is_404(local_api_bot: telegram.Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await local_api_bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})


async def test_plain_http_json_body_and_bad_paths(local_api: LocalBotApi) -> None:
    local_api.user(7)
    async with httpx.AsyncClient(base_url=local_api.url) as client:
        sent = await client.post(
            f"/bot{TEST_TOKEN}/sendMessage", json={"chat_id": 7, "text": "<b>hi</b>"}
        )
        assert sent.json()["result"]["text"] == "<b>hi</b>"  # no parse_mode: literal
        by_get = await client.get(f"/bot{TEST_TOKEN}/getMe")
        assert by_get.json()["ok"] is True
        assert (await client.get("/favicon.ico")).status_code == 404
        assert (await client.get("/botnot-a-token/getMe")).status_code == 404
        wrong = await client.get("/bot1:abc/getMe")
        assert wrong.status_code == 401
        assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert [c.method for c in local_api.calls] == ["sendMessage", "getMe"]


# --- sendMessage: text, HTML, limits -------------------------------------------------------------


async def test_html_round_trips_text_and_entities(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    html_text = (
        '<b>今日要闻</b> 😀 <i>浙江</i> &amp; <a href="https://example.com/a">原文</a>\n'
        '<pre><code class="language-python">x = 1</code></pre>'
    )
    message = await local_api_bot.send_message(1001, html_text, parse_mode="HTML")
    assert message.text == "今日要闻 😀 浙江 & 原文\nx = 1"
    assert [(e.type, message.parse_entity(e)) for e in message.entities] == [
        ("bold", "今日要闻"),
        ("italic", "浙江"),
        ("text_link", "原文"),
        ("pre", "x = 1"),
    ]
    assert message.entities[2].url == "https://example.com/a"
    assert message.entities[3].language == "python"

    [recorded] = local_api_user.history
    assert recorded.html == html_text
    assert recorded.text == message.text
    assert recorded.entities[1] == Entity("italic", 8, 2)  # 😀 counts 2 UTF-16 units
    assert recorded.message_id == message.message_id


@pytest.mark.parametrize(
    "bad",
    [
        "<div>正文</div>",
        "AT&T 收购",
        "<b>没有关上",
        "多余</b>",
        "1 < 2",
        "<b>交叉<i>标签</b></i>",
    ],
)
async def test_bad_html_is_cant_parse_entities(
    local_api_bot: telegram.Bot, local_api_user: LocalUser, bad: str
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await local_api_bot.send_message(1001, bad, parse_mode="HTML")
    assert local_api_user.history == []


async def test_lenient_server_accepts_a_bare_ampersand(local_api_factory: Factory) -> None:
    server = await local_api_factory(strict_html=False)
    server.user(1)
    async with telegram.Bot(TEST_TOKEN, base_url=server.base_url) as bot:
        message = await bot.send_message(1, "AT&T", parse_mode="HTML")
    assert message.text == "AT&T"


async def test_length_counts_text_after_parsing(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    tagged = "<b>报</b>" * 4096  # 4096 characters, 32768 with the tags
    message = await local_api_bot.send_message(1001, tagged, parse_mode="HTML")
    assert len(message.text) == 4096
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await local_api_bot.send_message(1001, "报" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await local_api_bot.send_message(1001, tagged + "&amp;", parse_mode="HTML")


async def test_empty_text_after_parsing(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await local_api_bot.send_message(1001, "<b></b> ", parse_mode="HTML")


async def test_unsupported_parse_mode_is_reported(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)not supported"):
        await local_api_bot.send_message(1001, "*x*", parse_mode="MarkdownV2")


async def test_link_preview_and_reply_are_recorded(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    incoming = await local_api_user.send("你好")
    message = await local_api_bot.send_message(
        1001,
        "见 https://example.com",
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_to_message_id=incoming["message_id"],
        disable_notification=True,
    )
    assert message.reply_to_message is not None
    assert message.reply_to_message.text == "你好"
    [recorded] = local_api_user.history
    assert recorded.link_preview_options == {"is_disabled": True}
    assert recorded.params["disable_notification"] == "true"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await local_api_bot.send_message(1001, "x", reply_to_message_id=999)


# --- inline keyboards ----------------------------------------------------------------------------


async def test_callback_data_limit_is_64_utf8_bytes(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    await local_api_bot.send_message(1001, "ok", reply_markup=keyboard(("a", "x" * 64)))
    await local_api_bot.send_message(1001, "ok", reply_markup=keyboard(("a", "订" * 21)))  # 63 B
    for data in ("x" * 65, "订" * 22):  # 65 and 66 bytes
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await local_api_bot.send_message(1001, "no", reply_markup=keyboard(("a", data)))
    assert len(local_api_user.history) == 2


async def test_buttons_need_text_and_an_action(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
        await local_api_bot.send_message(
            1001, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("只是文字")]])
        )
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_TEXT_INVALID"):
        await local_api_bot.send_message(1001, "x", reply_markup=keyboard(("", "d")))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_URL_INVALID"):
        await local_api_bot.send_message(
            1001,
            "x",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("链接", url="ftp://x")]]),
        )


async def test_an_inline_keyboard_holds_at_most_100_buttons_8_to_a_row(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    def grid(rows: int, per_row: int) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("b", callback_data=f"{r}:{c}") for c in range(per_row)]
                for r in range(rows)
            ]
        )

    await local_api_bot.send_message(1001, "ok", reply_markup=grid(100, 1))
    await local_api_bot.send_message(1001, "ok", reply_markup=grid(12, 8))
    for too_many in (grid(101, 1), grid(13, 8), grid(1, 9)):
        with pytest.raises(BadRequest, match=r"(?i)REPLY_MARKUP_TOO_LONG"):
            await local_api_bot.send_message(1001, "no", reply_markup=too_many)
    assert len(local_api_user.history) == 2


# --- who can be written to -----------------------------------------------------------------------


async def test_unknown_chat_is_chat_not_found(local_api_bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await local_api_bot.send_message(424242, "hello")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await local_api_bot.get_chat(424242)


async def test_get_chat(local_api_bot: telegram.Bot, local_api_user: LocalUser) -> None:
    chat = await local_api_bot.get_chat(1001)
    assert (chat.id, chat.type, chat.first_name) == (1001, "private", "李雷")


async def test_blocked_user_is_forbidden_and_reported(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    local_api_user.block()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await local_api_bot.send_message(1001, "早安")
    with pytest.raises(Forbidden):
        await local_api_bot.send_photo(1001, png_bytes())
    with pytest.raises(RuntimeError):
        await local_api_user.send("/start")

    local_api_user.unblock()
    await local_api_bot.send_message(1001, "欢迎回来")
    updates = await local_api_bot.get_updates()
    statuses = [u.my_chat_member.new_chat_member.status for u in updates]
    assert statuses == ["kicked", "member"]
    assert [m.text for m in local_api_user.history] == ["欢迎回来"]


async def test_user_who_never_started_the_bot(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    stranger = local_api.user(2002, "韩梅梅", started=False)
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await local_api_bot.send_message(2002, "hi")
    await stranger.send("/start")
    await local_api_bot.send_message(2002, "hi")


async def test_deactivated_user(local_api_bot: telegram.Bot, local_api_user: LocalUser) -> None:
    local_api_user.deactivate()
    with pytest.raises(Forbidden, match=r"(?i)user is deactivated"):
        await local_api_bot.send_message(1001, "hi")


# --- flood limits --------------------------------------------------------------------------------


async def test_forced_retry_after(local_api: LocalBotApi, local_api_bot: telegram.Bot) -> None:
    user = local_api.user(1001)
    user.force_retry_after(times=2, retry_after=3)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await local_api_bot.send_message(1001, "第一条")
        assert retry_after_seconds(caught.value) == 3
    await local_api_bot.send_message(1001, "第一条")
    assert [m.text for m in user.history] == ["第一条"]
    assert [c.status for c in local_api.calls] == [200, 429, 429, 200]  # getMe first


async def test_forced_retry_after_for_any_chat(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    local_api.user(1)
    local_api.user(2)
    local_api.force_retry_after(times=1, retry_after=5)
    with pytest.raises(RetryAfter):
        await local_api_bot.send_message(2, "x")
    await local_api_bot.send_message(1, "x")


async def test_per_chat_token_bucket(local_api_factory: Factory) -> None:
    clock = FakeClock()
    server = await local_api_factory(per_chat_rate=1.0, per_chat_burst=2, clock=clock)
    server.user(1)
    server.user(2)
    async with telegram.Bot(TEST_TOKEN, base_url=server.base_url) as bot:
        await bot.send_message(1, "a")
        await bot.send_message(1, "b")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1, "c")
        assert retry_after_seconds(caught.value) == 1
        await bot.send_message(2, "other chats are not affected")
        clock.now += 1.0
        await bot.send_message(1, "c")
        with pytest.raises(RetryAfter):
            await bot.send_message(1, "d")


async def test_global_token_bucket(local_api_factory: Factory) -> None:
    clock = FakeClock()
    server = await local_api_factory(
        per_chat_rate=None, global_rate=30.0, global_burst=3, clock=clock
    )
    for chat_id in range(1, 5):
        server.user(chat_id)
    async with telegram.Bot(TEST_TOKEN, base_url=server.base_url) as bot:
        for chat_id in (1, 2, 3):
            await bot.send_message(chat_id, "x")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(4, "x")
        assert retry_after_seconds(caught.value) >= 1
        clock.now += 0.05  # refilled at 30/s
        await bot.send_message(4, "x")


async def test_paid_broadcasts_have_a_bucket_of_their_own(local_api_factory: Factory) -> None:
    server = await local_api_factory(
        per_chat_rate=None, global_rate=30.0, global_burst=1, paid_rate=1000.0, clock=FakeClock()
    )
    for chat_id in range(1, 5):
        server.user(chat_id)
    async with telegram.Bot(TEST_TOKEN, base_url=server.base_url) as bot:
        await bot.send_message(1, "x")
        with pytest.raises(RetryAfter):
            await bot.send_message(2, "x")  # the overall bucket is empty …
        for chat_id in (2, 3, 4):  # … paid broadcasts draw on their own (1000/s)
            await bot.send_message(chat_id, "x", allow_paid_broadcast=True)
    assert server.flood_refusals == 1


async def test_a_paid_broadcast_still_keeps_to_the_chats_own_limit(
    local_api_factory: Factory,
) -> None:
    server = await local_api_factory(per_chat_rate=1.0, per_chat_burst=1, clock=FakeClock())
    server.user(1)
    async with telegram.Bot(TEST_TOKEN, base_url=server.base_url) as bot:
        await bot.send_message(1, "a", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):
            await bot.send_message(1, "b", allow_paid_broadcast=True)
    assert server.flood_refusals == 1


async def test_rejected_sends_do_not_use_the_budget(local_api_factory: Factory) -> None:
    server = await local_api_factory(per_chat_burst=1, clock=FakeClock())
    server.user(1)
    async with telegram.Bot(TEST_TOKEN, base_url=server.base_url) as bot:
        with pytest.raises(BadRequest):
            await bot.send_message(1, "<p>", parse_mode="HTML")
        await bot.send_message(1, "ok")


# --- getUpdates ----------------------------------------------------------------------------------


async def test_long_polling_returns_when_a_user_writes(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    poll = asyncio.create_task(local_api_bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    started = time.monotonic()
    await local_api_user.send("/start@baozhai_bot 你好")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1
    [update] = updates
    assert isinstance(update, Update)
    message = update.message
    assert message is not None
    assert message.text == "/start@baozhai_bot 你好"
    assert message.chat.type == "private"
    assert message.from_user is not None
    assert message.from_user.language_code == "zh-hans"
    assert message.from_user.first_name == "李雷"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bot_command", 0, 18)]


async def test_offset_confirms_and_limit_caps(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    for text in ("一", "二", "三"):
        await local_api_user.send(text)
    first_two = await local_api_bot.get_updates(limit=2)
    assert [u.message.text for u in first_two] == ["一", "二"]
    again = await local_api_bot.get_updates()  # nothing confirmed yet
    assert [u.message.text for u in again] == ["一", "二", "三"]
    rest = await local_api_bot.get_updates(offset=first_two[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["三"]
    assert len(local_api.pending_updates) == 1
    assert await local_api_bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == ()


async def test_negative_offset_keeps_the_last_updates(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    for text in ("一", "二", "三"):
        await local_api_user.send(text)
    assert [u.message.text for u in await local_api_bot.get_updates(offset=-1)] == ["三"]


async def test_allowed_updates_filters(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    sent = await local_api_bot.send_message(1001, "选", reply_markup=keyboard(("好", "ok")))
    await local_api_user.press(sent, "好")
    await local_api_user.send("文字")
    updates = await local_api_bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in updates] == ["文字"]


async def test_second_poller_is_a_conflict(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    first = asyncio.create_task(local_api_bot.get_updates(timeout=5))
    await local_api.wait_for(lambda: local_api.polls_begun == 1, 10)  # pending, not just sent
    async with telegram.Bot(TEST_TOKEN, base_url=local_api.base_url) as other:
        await other.get_updates(timeout=0)
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)


async def test_delete_webhook_can_drop_pending_updates(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    await local_api_user.send("旧消息")
    assert await local_api_bot.delete_webhook(drop_pending_updates=True)
    assert local_api.pending_updates == []
    assert await local_api_bot.log_out()


async def test_a_message_that_is_not_valid_unicode_is_refused_and_others_still_flow(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    with pytest.raises(ValueError, match="valid Unicode"):
        await local_api_user.send("/search \udcff")  # a terminal's undecodable byte
    await local_api_user.send("/help")
    [update] = await local_api_bot.get_updates(timeout=0)
    assert update.message is not None and update.message.text == "/help"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://bot.example.org/hook", "An HTTPS URL must be provided"),
        ("https://bot.invalid/hook", "Failed to resolve host"),
        ("https://10.1.2.3/hook", "IP address 10.1.2.3 is reserved"),
        ("https://127.0.0.1:8443/hook", "IP address 127.0.0.1 is reserved"),
    ],
)
async def test_set_webhook_refuses_a_url_telegram_cannot_post_to(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, url: str, said: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i)bad webhook: {said}"):
        await local_api_bot.set_webhook(url)
    assert local_api.webhook_url == ""


async def test_set_webhook_takes_a_public_https_url(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    assert await local_api_bot.set_webhook("https://bot.example.org/hook")
    assert local_api.webhook_url == "https://bot.example.org/hook"


async def test_stop_releases_a_pending_long_poll(local_api_factory: Factory) -> None:
    server = await local_api_factory()
    async with telegram.Bot(TEST_TOKEN, base_url=server.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        # Pending at the server, not merely sent: a loaded machine took longer than a fixed
        # 50 ms to get it there, and the stop then cut a connection instead of a poll.
        await server.wait_for(lambda: server.polls_begun == 1, 10)
        started = time.monotonic()
        await server.stop()
        assert await asyncio.wait_for(poll, 2) == ()
        assert time.monotonic() - started < 2


# --- commands ------------------------------------------------------------------------------------


async def test_set_my_commands_per_language_and_scope(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    await local_api_bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await local_api_bot.set_my_commands(
        [BotCommand("start", "开始"), BotCommand("today", "今日摘要")], language_code="zh"
    )
    assert local_api.commands() == [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    assert [c["command"] for c in local_api.commands("zh") or []] == ["start", "today"]
    read_back = await local_api_bot.get_my_commands(language_code="zh")
    assert [(c.command, c.description) for c in read_back] == [
        ("start", "开始"),
        ("today", "今日摘要"),
    ]
    assert local_api_user.visible_commands()[1]["description"] == "今日摘要"  # zh-hans → zh
    await local_api_bot.set_my_commands(
        [BotCommand("admin", "管理")], scope=BotCommandScopeChat(1001)
    )
    assert [c["command"] for c in local_api_user.visible_commands()] == ["admin"]
    await local_api_bot.delete_my_commands(language_code="zh")
    assert local_api.commands("zh") is None


@pytest.mark.parametrize(
    ("commands", "error"),
    [
        ([BotCommand("Start", "大写")], "BOT_COMMAND_INVALID"),
        ([BotCommand("/start", "斜杠")], "BOT_COMMAND_INVALID"),
        ([BotCommand("a" * 33, "太长")], "BOT_COMMAND_INVALID"),
        ([BotCommand("今日", "中文名")], "BOT_COMMAND_INVALID"),
        ([BotCommand("start", "")], "BOT_COMMAND_DESCRIPTION_INVALID"),
        ([BotCommand("start", "x" * 257)], "BOT_COMMAND_DESCRIPTION_INVALID"),
        ([BotCommand(f"c{i}", "d") for i in range(101)], "BOT_COMMANDS_TOO_MUCH"),
    ],
)
async def test_set_my_commands_validation(
    local_api: LocalBotApi,
    local_api_bot: telegram.Bot,
    commands: list[BotCommand],
    error: str,
) -> None:
    with pytest.raises(BadRequest, match=rf"(?i){error}"):
        await local_api_bot.set_my_commands(commands)
    assert local_api.commands() is None


async def test_set_my_commands_limits_are_inclusive(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    commands = [BotCommand(f"c{i}", "d" * 256) for i in range(99)] + [BotCommand("a" * 32, "d")]
    await local_api_bot.set_my_commands(commands)
    assert len(local_api.commands() or []) == 100


async def test_language_code_must_be_two_letters(local_api_bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)language code"):
        await local_api_bot.set_my_commands([BotCommand("start", "开始")], language_code="zh-hans")


# --- photos --------------------------------------------------------------------------------------


async def test_send_photo_records_bytes_and_caption(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    image = png_bytes(40, 30)
    message = await local_api_bot.send_photo(
        1001, image, caption="<b>统计</b> 本周", parse_mode="HTML"
    )
    assert message.caption == "统计 本周"
    assert message.caption_entities[0].type == "bold"
    assert (message.photo[-1].width, message.photo[-1].height) == (40, 30)
    [recorded] = local_api_user.history
    assert recorded.kind == "photo"
    assert recorded.photo == image
    assert recorded.caption == "统计 本周"

    again = await local_api_bot.send_photo(1001, message.photo[-1].file_id)
    assert local_api_user.history[-1].photo == image
    assert again.photo[-1].file_id == message.photo[-1].file_id


async def test_send_photo_tells_an_upload_from_a_file_id(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    message = await local_api_bot.send_photo(1001, png_bytes(40, 30))
    await local_api_bot.send_photo(1001, message.photo[-1].file_id)
    assert [m.photo_uploaded for m in local_api_user.history] == [True, False]


async def test_an_expired_file_id_is_refused_and_an_upload_gives_a_new_one(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    image = png_bytes(40, 30)
    first = await local_api_bot.send_photo(1001, image)
    local_api.expire_file(first.photo[-1].file_id)
    with pytest.raises(BadRequest, match=r"(?i)^wrong file identifier/HTTP URL specified$"):
        await local_api_bot.send_photo(1001, first.photo[-1].file_id)
    second = await local_api_bot.send_photo(1001, image)
    assert second.photo[-1].file_id != first.photo[-1].file_id
    await local_api_bot.send_photo(1001, second.photo[-1].file_id)
    assert len(local_api_user.history) == 3


async def test_send_photo_accepts_jpeg(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    message = await local_api_bot.send_photo(1001, jpeg_bytes(8, 6))
    assert (message.photo[-1].width, message.photo[-1].height) == (8, 6)


async def test_send_photo_checks(local_api_bot: telegram.Bot, local_api_user: LocalUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await local_api_bot.send_photo(1001, b"GIF89a not a png or jpeg")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await local_api_bot.send_photo(1001, png_bytes(), caption="图" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await local_api_bot.send_photo(1001, png_bytes(), caption="<b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await local_api_bot.send_photo(1001, "https://example.com/chart.png")
    await local_api_bot.send_photo(1001, png_bytes(), caption="图" * 1024)
    assert len(local_api_user.history) == 1


# --- edits, deletes, callback queries, chat actions ----------------------------------------------


async def test_edit_message_text_applies_in_place(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    sent = await local_api_bot.send_message(1001, "旧", reply_markup=keyboard(("按", "p")))
    [record] = await local_api_user.wait_for_messages(1, timeout=1)
    edited = await local_api_bot.edit_message_text(
        "<i>新</i>", chat_id=1001, message_id=sent.message_id, parse_mode="HTML"
    )
    assert edited.text == "新"
    assert edited.edit_date is not None
    assert (record.text, record.html, record.edit_count) == ("新", "<i>新</i>", 1)
    assert record.reply_markup is None  # an edit without reply_markup drops the keyboard
    assert local_api_user.history == [record]

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await local_api_bot.edit_message_text(
            "<i>新</i>", chat_id=1001, message_id=sent.message_id, parse_mode="HTML"
        )
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await local_api_bot.edit_message_text("x", chat_id=1001, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await local_api_bot.edit_message_text(
            "<p>", chat_id=1001, message_id=sent.message_id, parse_mode="HTML"
        )


async def test_edit_reply_markup(local_api_bot: telegram.Bot, local_api_user: LocalUser) -> None:
    sent = await local_api_bot.send_message(1001, "选", reply_markup=keyboard(("一", "1")))
    await local_api_bot.edit_message_reply_markup(
        chat_id=1001, message_id=sent.message_id, reply_markup=keyboard(("二", "2"))
    )
    assert local_api_user.history[0].buttons[0][0]["text"] == "二"
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await local_api_bot.edit_message_reply_markup(
            chat_id=1001, message_id=sent.message_id, reply_markup=keyboard(("二", "2"))
        )


async def test_delete_message(local_api_bot: telegram.Bot, local_api_user: LocalUser) -> None:
    sent = await local_api_bot.send_message(1001, "删")
    assert await local_api_bot.delete_message(1001, sent.message_id)
    assert local_api_user.history[0].deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await local_api_bot.delete_message(1001, sent.message_id)


async def test_press_and_answer_callback_query(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    sent = await local_api_bot.send_message(
        1001, "订阅？", reply_markup=keyboard(("订阅", "sub:daily"), ("取消", "unsub"))
    )
    query = await local_api_user.press(sent, "订阅")
    assert query.data == "sub:daily"
    [update] = await local_api_bot.get_updates()
    callback = update.callback_query
    assert callback is not None
    assert callback.data == "sub:daily"
    assert callback.message is not None
    assert callback.message.message_id == sent.message_id
    assert callback.from_user.id == 1001

    await callback.answer("已订阅", show_alert=True)
    answered = await local_api_user.wait_for_answer(query, timeout=1)
    assert (answered.answer_text, answered.show_alert) == ("已订阅", True)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await callback.answer("again")

    by_data = await local_api_user.press(sent.message_id, "unsub")
    assert by_data.data == "unsub"
    with pytest.raises(LookupError):
        await local_api_user.press(sent, "不存在")


async def test_chat_action(local_api_bot: telegram.Bot, local_api_user: LocalUser) -> None:
    await local_api_bot.send_chat_action(1001, "typing")
    assert local_api_user.chat_actions == ["typing"]
    with pytest.raises(BadRequest):
        await local_api_bot.send_chat_action(1001, "dancing")


# --- the user-side API ---------------------------------------------------------------------------


async def test_wait_for_messages_returns_exactly_n_and_times_out_helpfully(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    for text in ("一", "二", "三"):
        await local_api_bot.send_message(1001, text)
    assert [m.text for m in await local_api_user.wait_for_messages(2, timeout=1)] == ["一", "二"]
    assert [m.text for m in local_api_user.new_messages()] == ["三"]
    with pytest.raises(TimeoutError, match="expected 1 new message"):
        await local_api_user.wait_for_messages(1, timeout=0.05)


async def test_wait_for_messages_wakes_on_send(
    local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    waiter = asyncio.create_task(local_api_user.wait_for_messages(1, timeout=2))
    await asyncio.sleep(0.01)
    await local_api_bot.send_message(1001, "到了")
    [message] = await waiter
    assert message.text == "到了"


async def test_listeners_see_sends_edits_and_deletes(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    events: list[tuple[str, str]] = []
    local_api.add_listener(lambda event, message: events.append((event, message.text)))

    def broken(event: str, message: object) -> None:
        raise RuntimeError("a broken renderer must not fail the send")

    local_api.add_listener(broken)
    sent = await local_api_bot.send_message(1001, "一")
    await local_api_bot.edit_message_text("二", chat_id=1001, message_id=sent.message_id)
    await local_api_bot.delete_message(1001, sent.message_id)
    assert events == [("sent", "一"), ("edited", "二"), ("deleted", "二")]


async def test_listeners_keep_listening_after_delete_webhook(
    local_api: LocalBotApi, local_api_bot: telegram.Bot, local_api_user: LocalUser
) -> None:
    """PTB's run_polling calls deleteWebhook first: a listener added before must still hear
    the replies (the load benchmark times them with one)."""
    events: list[str] = []
    local_api.add_listener(lambda event, message: events.append(message.text))
    assert await local_api_bot.delete_webhook()
    await local_api_bot.send_message(1001, "还在")
    assert events == ["还在"]


def test_user_is_created_once(local_api: LocalBotApi) -> None:
    first = local_api.user(5, "甲")
    assert local_api.user(5, "乙") is first
    assert first.first_name == "甲"


# --- a whole PTB Application over long polling ---------------------------------------------------


async def test_application_end_to_end(local_api: LocalBotApi) -> None:
    blocked: list[int] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_html("<b>欢迎</b>", reply_markup=keyboard(("订阅", "sub")))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("已订阅")
        await query.edit_message_text("已订阅 ✅")

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        if update.my_chat_member.new_chat_member.status == "kicked":
            blocked.append(update.my_chat_member.chat.id)

    app = ApplicationBuilder().token(TEST_TOKEN).base_url(local_api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    user = local_api.user(1001, "李雷")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            await user.send("/start")
            [welcome] = await user.wait_for_messages(1, timeout=5)
            assert welcome.text == "欢迎"
            query = await user.press(welcome, "订阅")
            assert (await user.wait_for_answer(query, timeout=5)).answer_text == "已订阅"
            await local_api.wait_for(lambda: welcome.edit_count == 1, timeout=5)
            assert welcome.text == "已订阅 ✅"
            user.block()
            await local_api.wait_for(lambda: blocked, timeout=5)
            assert blocked == [1001]
        finally:
            await app.updater.stop()
            await app.stop()
