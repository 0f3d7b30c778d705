"""A local Telegram Bot API server for tests and the terminal demo.

Why: the bot's failure modes live at the HTTP boundary — a stray ``<`` kills a whole digest
with 400 ``can't parse entities``, a 4097th character is rejected, a 65-byte ``callback_data``
fails, a user who blocked the bot answers 403, a fan-out that is too fast gets 429. Mocking
``telegram.Bot`` hides all of that. This module runs a real aiohttp server on 127.0.0.1 that
python-telegram-bot talks to over real HTTP (``ApplicationBuilder().base_url(server.base_url)``)
and that applies Telegram's own checks with Telegram's own error texts, so PTB raises the same
``BadRequest``, ``Forbidden``, ``RetryAfter``, ``InvalidToken`` and ``Conflict`` it raises in
production.

It also has a small in-process client API that acts as users::

    async with LocalBotApi(token="123:ABC") as server:
        user = server.user(chat_id=1001, first_name="李雷", language_code="zh-hans")
        await user.send("/start")                 # queues a Message update (with bot_command)
        [reply] = await user.wait_for_messages(1, timeout=10)
        await user.press(reply, "订阅")            # queues a CallbackQuery update
        user.block()                              # sends now answer 403

Scope and deliberate differences from Telegram (see also ``bot.localapi.telegram_html``):

* Private chats are users registered with :meth:`LocalBotApi.user`; groups, supergroups and
  channels (:meth:`LocalBotApi.group`, :meth:`LocalBotApi.channel`) have members with a status
  each, the bot's among them: ``getChatMember`` and ``getChatAdministrators`` answer from it,
  a channel is writable only with ``can_post_messages``, its member list only for its
  administrators, and ``@username`` resolves channels and public supergroups. Channel posts by
  people are not modelled; an anonymous admin's message is (:meth:`LocalGroup.send_as_group`),
  and so is a group's migration to a supergroup (:meth:`LocalGroup.upgrade`).
* Text length is checked with ``len()`` of the parsed text (code points), as
  ``shared/docs/telegram.md`` states the limit in characters; Telegram may count UTF-16 units,
  which differs only for characters outside the BMP (emoji), never for CJK text.
* HTML is parsed strictly by default (a bare ``&`` or ``>`` is an error; tdlib lets them through).
* Rate limits are token buckets (default: per private chat 3 burst + 1/s, overall 30 burst +
  30/s) and, for groups and channels, 20 messages in any 60 seconds; only sends
  (``sendMessage``, ``sendPhoto``) count; ``retry_after`` is the whole number of seconds until
  a send would be accepted (at least 1). Telegram's real numbers are fuzzier. A send with
  ``allow_paid_broadcast`` draws on a bucket of its own (default 1000 burst + 1000/s: the
  paid-broadcast ceiling) instead of the overall one; the chat's own limit still applies.
  :attr:`LocalBotApi.flood_refusals` counts the 429s answered.
* A photo is stored once per upload and answered with one PhotoSize (the image as sent; Telegram
  adds smaller re-encoded sizes). Its ``file_id`` sends it again without the bytes, as on
  Telegram; :meth:`LocalBotApi.expire_file` makes one stop working, as Telegram's ids may, and
  :attr:`SentMessage.photo_uploaded` tells a test whether a send carried the bytes.
* ``setWebhook`` refuses what Telegram cannot post to, in its words: a URL that is not https,
  a host under ``.invalid`` (a name that never resolves, RFC 6761: Telegram's DNS failure
  without asking DNS) and an IP address that is not global (private, loopback, reserved).
* Not implemented methods answer 404 ``Not Found`` (what Telegram says for unknown methods) and
  are logged as warnings, so a missing method is visible rather than silently faked.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import json
import logging
import math
import re
import socket
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aiohttp import web

from bot.localapi.telegram_html import Entity, TelegramHtmlError, parse_html, utf16_len

__all__ = [
    "ApiCall",
    "ApiError",
    "CallbackQuery",
    "LocalBotApi",
    "LocalChat",
    "LocalGroup",
    "LocalUser",
    "SentMessage",
    "Update",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100  # on one inline keyboard; and at most 8 in a row (measured by
MAX_INLINE_ROW = 8  # users, github.com/tginfo/Telegram-Limits: the Bot API docs are silent)
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_COMMANDS = 100
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_TOKEN_SHAPE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
# tdlib's match_bot_commands(): '/' not after a word char or / < >, name 1-64, optional @bot.
_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])")
_DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(
        self,
        status: int,
        description: str,
        retry_after: int | None = None,
        *,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": self.migrate_to_chat_id}
        return body


def _bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def _check_webhook_host(host: str) -> None:
    """Refuse a webhook host Telegram could not post to (see the module docstring)."""
    if host == "invalid" or host.endswith(".invalid"):
        raise _bad_request("bad webhook: Failed to resolve host: Name or service not known")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return  # a name: taken as resolving to a public address
    if not address.is_global:
        raise _bad_request(f"bad webhook: IP address {host} is reserved")


# --- records -------------------------------------------------------------------------------------


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent, as the chat shows it now (edits are applied in place).

    ``text`` is the plain text after entity parsing — the caption for a photo ("" if none);
    ``html`` is the raw text/caption exactly as the bot sent it. ``photo`` holds the photo's
    bytes, ``photo_uploaded`` whether the request carried them (a multipart upload) rather than
    a ``file_id`` of an earlier photo. ``params`` are the request's raw parameters (for
    asserting on e.g. ``disable_notification``).
    """

    chat_id: int
    message_id: int
    date: int
    kind: str  # "text" or "photo"
    text: str
    html: str | None
    parse_mode: str | None
    entities: tuple[Entity, ...]
    reply_markup: dict[str, Any] | None
    photo: bytes | None = None
    photo_file_id: str | None = None
    photo_size: tuple[int, int] | None = None
    photo_uploaded: bool = False
    link_preview_options: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    edit_date: int | None = None
    edit_count: int = 0
    deleted: bool = False

    @property
    def caption(self) -> str | None:
        return self.text if self.kind == "photo" else None

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard rows (empty if there is none)."""
        if not self.reply_markup:
            return []
        return [list(row) for row in self.reply_markup.get("inline_keyboard", [])]

    def button(self, label: str) -> dict[str, Any]:
        """The inline button whose text, or else whose callback_data, is ``label``."""
        flat = [b for row in self.buttons for b in row]
        for key in ("text", "callback_data"):
            for candidate in flat:
                if candidate.get(key) == label:
                    return candidate
        labels = [b.get("text") for b in flat]
        raise LookupError(f"no button {label!r} on message {self.message_id}; buttons: {labels}")


@dataclass(frozen=True, slots=True)
class Update:
    """A queued update: ``kind`` is the Update field name (message, callback_query, ...)."""

    update_id: int
    kind: str
    payload: dict[str, Any]

    def to_api(self) -> dict[str, Any]:
        return {"update_id": self.update_id, self.kind: self.payload}


@dataclass(eq=False)
class CallbackQuery:
    """A button press by a user, and the bot's answer once it arrives."""

    id: str
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False
    answer_url: str | None = None
    too_old: bool = False  # Telegram no longer takes an answer (e.g. queued while bot was down)


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One HTTP request the server answered (files are replaced by their size)."""

    method: str
    params: dict[str, Any]
    status: int
    description: str | None = None
    client: str = ""
    """The path prefix the request came by (``/<client>/bot<token>/...``; "" without one), so a
    test running several bot processes against one server can tell whose request it was."""
    at: float = 0.0
    """When it was answered (``time.monotonic()``)."""


# --- internals -----------------------------------------------------------------------------------


class _Signal:
    """Wake every waiter on any state change, without busy-waiting.

    An ``asyncio.Condition`` needs its lock held to notify, which sync mutators such as
    :meth:`LocalUser.block` can't do; swapping a fresh ``Event`` per change needs no lock.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], T], timeout: float | None) -> T:
        async with asyncio.timeout(timeout):
            while not (result := predicate()):
                await self._event.wait()
            return result


@dataclass(slots=True)
class _TokenBucket:
    """``capacity`` sends at once, refilled at ``rate`` per second."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class _Params:
    """Request parameters from the query string, a form, multipart or a JSON body.

    PTB sends form fields as strings and nested objects (``reply_markup``, ``commands``) as
    JSON strings; a JSON body carries real objects. These getters accept both.
    """

    def __init__(self, values: dict[str, Any], files: dict[str, bytes]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        return name in self.values or name in self.files

    def get_str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad_request(f'field "{name}" must be of type Integer') from None

    def get_float(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _bad_request(f'field "{name}" must be of type Number') from None

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise _bad_request(f"can't parse {name} JSON object") from None

    def get_file(self, name: str) -> bytes | None:
        return self.files.get(name)

    def loggable(self) -> dict[str, Any]:
        shown = dict(self.values)
        shown.update({name: f"<{len(data)} bytes>" for name, data in self.files.items()})
        return shown


def _image_size(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) of a PNG or JPEG, from its header; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data.startswith(b"\xff\xd8\xff"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            (segment,) = struct.unpack(">H", data[i + 2 : i + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return "jpeg", width, height
            i += 2 + segment
        return "jpeg", 0, 0
    return None


def _check_button_url(url: object) -> None:
    if not isinstance(url, str) or not re.match(r"(?i)(https?|tg)://\S+$", url):
        raise _bad_request("BUTTON_URL_INVALID")


def _validate_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Telegram's checks on ``reply_markup``; returns the markup to store."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup  # reply keyboards, ReplyKeyboardRemove, ForceReply: stored as sent
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request(
            'can\'t parse reply keyboard markup JSON object: field "inline_keyboard"'
        )
    if sum(map(len, rows)) > MAX_INLINE_BUTTONS or any(len(row) > MAX_INLINE_ROW for row in rows):
        raise _bad_request("REPLY_MARKUP_TOO_LONG")
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise _bad_request("can't parse inline keyboard button: Object expected")
            if "text" not in button:
                raise _bad_request("can't parse inline keyboard button: Can't find field \"text\"")
            text = button["text"]
            if not isinstance(text, str) or not text.strip():
                raise _bad_request("BUTTON_TEXT_INVALID")
            actions = [
                key
                for key in _BUTTON_ACTIONS
                if key in button and button[key] not in (None, "", False)
            ]
            if not actions:
                raise _bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in actions:
                data = button["callback_data"]
                if not isinstance(data, str) or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                    raise _bad_request("BUTTON_DATA_INVALID")
            if "url" in actions:
                _check_button_url(button["url"])
    return markup


_ScopeKey = tuple[str, int | None, int | None]  # (scope type, chat_id, user_id)


def _scope_key(scope: Any) -> _ScopeKey:
    if scope is None:
        return ("default", None, None)
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
        raise _bad_request("can't parse BotCommandScope: unsupported scope type")
    kind = scope["type"]
    chat_id = scope.get("chat_id")
    user_id = scope.get("user_id")
    if kind in ("chat", "chat_administrators", "chat_member") and chat_id is None:
        raise _bad_request("can't parse BotCommandScope: Can't find field \"chat_id\"")
    if kind == "chat_member" and user_id is None:
        raise _bad_request("can't parse BotCommandScope: Can't find field \"user_id\"")
    return (
        kind,
        int(chat_id) if chat_id is not None else None,
        int(user_id) if user_id is not None else None,
    )


def _language_code(params: _Params) -> str:
    code = params.get_str("language_code") or ""
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise _bad_request("invalid language code specified")
    return code


# --- users ---------------------------------------------------------------------------------------


class LocalChat:
    """A chat as the bot's messages land in it: what the private chats of :class:`LocalUser`
    and the groups and channels of :class:`LocalGroup` have in common."""

    def __init__(self, server: LocalBotApi, chat_id: int) -> None:
        self.server = server
        self.chat_id = chat_id
        self.history: list[SentMessage] = []
        """Every message the bot sent to this chat, oldest first; edits are applied in place."""
        self.sent: list[dict[str, Any]] = []
        """Every message people sent to this chat (Bot API Message objects)."""
        self.deleted_incoming: set[int] = set()
        """Ids of people's messages that the bot deleted."""
        self.chat_actions: list[str] = []
        """sendChatAction actions, in order."""
        self._seen = 0
        self._forced_429: deque[int] = deque()
        self._bucket: _TokenBucket | None = None

    @property
    def id(self) -> int:
        return self.chat_id

    def to_chat_api(self) -> dict[str, Any]:
        raise NotImplementedError

    def force_retry_after(self, times: int = 1, retry_after: int = 1) -> None:
        """Make the next ``times`` sends to this chat answer 429 with ``retry_after``."""
        self._forced_429.extend([retry_after] * times)

    def new_messages(self) -> list[SentMessage]:
        """Messages sent since the last check (this or :meth:`wait_for_messages`), no waiting."""
        fresh = self.history[self._seen :]
        self._seen = len(self.history)
        return fresh

    async def wait_for_messages(self, n: int = 1, timeout: float = 10.0) -> list[SentMessage]:
        """Wait for the next ``n`` messages the bot sends to this chat, and return exactly them.

        Raises ``TimeoutError`` listing what did arrive.
        """
        try:
            await self.server.wait_for(lambda: len(self.history) - self._seen >= n, timeout)
        except TimeoutError:
            got = [m.text[:80] for m in self.history[self._seen :]]
            raise TimeoutError(
                f"chat {self.chat_id}: expected {n} new message(s) within {timeout}s, "
                f"got {len(got)}: {got}"
            ) from None
        fresh = self.history[self._seen : self._seen + n]
        self._seen += n
        return fresh

    def _message(self, message: SentMessage | int | Any) -> SentMessage:
        """Accept our record, a message id, or anything with ``message_id`` (a PTB Message)."""
        if isinstance(message, SentMessage):
            return message
        message_id = message if isinstance(message, int) else int(message.message_id)
        for candidate in self.history:
            if candidate.message_id == message_id:
                return candidate
        raise LookupError(f"chat {self.chat_id} has no bot message {message_id}")


class LocalUser(LocalChat):
    """A Telegram user in a private chat with the bot; the test's or demo's hands and eyes.

    Create with :meth:`LocalBotApi.user`. ``chat_id`` equals the user id, as in Telegram.
    """

    def __init__(
        self,
        server: LocalBotApi,
        chat_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        started: bool,
    ) -> None:
        super().__init__(server, chat_id)
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.started = started
        self.blocked = False
        self.deactivated = False
        self.queries: list[CallbackQuery] = []
        """Every button press, with the bot's answer once it arrives."""

    def __repr__(self) -> str:
        return f"LocalUser(chat_id={self.chat_id}, first_name={self.first_name!r})"

    def to_user_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.chat_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def to_chat_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.chat_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    # -- acting -----------------------------------------------------------------------------

    async def send(self, text: str) -> dict[str, Any]:
        """Send a text message to the bot; returns the Bot API Message that was queued.

        ``/commands`` get ``bot_command`` entities like Telegram gives them, so PTB's
        ``CommandHandler`` matches. A user who blocked the bot must :meth:`unblock` first.
        """
        if self.blocked:
            raise RuntimeError(f"user {self.chat_id} blocked the bot; call unblock() first")
        if self.deactivated:
            raise RuntimeError(f"user {self.chat_id} is deactivated")
        self.started = True
        return await self.server._incoming(self, self, text)

    async def press(
        self,
        message: SentMessage | int | Any,
        button: str,
        *,
        forged: str | None = None,
        too_old: bool = False,
    ) -> CallbackQuery:
        """Press an inline button (by its text, or else its callback_data) on a bot message.

        ``message`` is a :class:`SentMessage`, a message id, or a PTB ``Message``. ``forged``:
        a modified client sends this callback_data instead of the button's. ``too_old``: the
        press reaches the bot after Telegram stopped taking answers for it.
        """
        if self.blocked:
            raise RuntimeError(f"user {self.chat_id} blocked the bot; call unblock() first")
        return await self.server._press(self, self, message, button, forged, too_old)

    def block(self) -> None:
        """Block the bot: sends answer 403; the bot gets a ``my_chat_member`` (kicked) update."""
        if not self.blocked:
            self.blocked = True
            self._member_update("member", "kicked")

    def unblock(self) -> None:
        """Unblock the bot (Telegram's "Restart"); the bot gets ``my_chat_member`` (member)."""
        if self.blocked:
            self.blocked = False
            self._member_update("kicked", "member")

    def deactivate(self) -> None:
        """Delete the account: sends answer 403 ``user is deactivated``."""
        self.deactivated = True
        self.server._changed.notify()

    # -- observing --------------------------------------------------------------------------

    async def wait_for_answer(self, query: CallbackQuery, timeout: float = 10.0) -> CallbackQuery:
        """Wait until the bot answers ``query`` (answerCallbackQuery)."""
        try:
            await self.server.wait_for(lambda: query.answered, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"chat {self.chat_id}: callback query {query.data!r} not answered in {timeout}s"
            ) from None
        return query

    def visible_commands(self) -> list[dict[str, str]]:
        """The command menu this user sees: Telegram's scope and language fallback order."""
        lang = (self.language_code or "")[:2].lower()
        scopes = [
            ("chat", self.chat_id, None),
            ("all_private_chats", None, None),
            ("default", None, None),
        ]
        for scope in scopes:
            for code in (lang, ""):
                commands = self.server.command_sets.get((scope, code))
                if commands:
                    return list(commands)
        return []

    def _member_update(self, old: str, new: str) -> None:
        bot_user = self.server.bot_user_api(short=True)
        new_member: dict[str, Any] = {"status": new, "user": bot_user}
        if new == "kicked":
            new_member["until_date"] = 0
        old_member: dict[str, Any] = {"status": old, "user": bot_user}
        if old == "kicked":
            old_member["until_date"] = 0
        self.server.push_update(
            "my_chat_member",
            {
                "chat": self.to_chat_api(),
                "from": self.to_user_api(),
                "date": int(time.time()),
                "old_chat_member": old_member,
                "new_chat_member": new_member,
            },
        )


_MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
# The rights of a ChatMemberAdministrator (Bot API 9): all of them are required fields.
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
_CHANNEL_RIGHTS = ("can_post_messages", "can_edit_messages")
_GROUP_RIGHTS = ("can_pin_messages",)


ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
"""What Telegram puts in ``from`` of a message an anonymous admin sends as the group."""


class LocalGroup(LocalChat):
    """A group, supergroup or channel, with its members and the bot's place in it.

    Create with :meth:`LocalBotApi.group` or :meth:`LocalBotApi.channel`. Chat ids are
    negative, as Telegram's are (supergroups and channels ``-100…``). ``members`` maps user ids
    to their status (``creator``, ``administrator``, ``member``, ``left``, ``kicked``);
    ``bot_status`` is the bot's, and ``bot_rights`` its administrator rights
    (``can_post_messages`` decides whether it may post in a channel).
    """

    def __init__(
        self,
        server: LocalBotApi,
        chat_id: int,
        kind: str,
        title: str,
        username: str | None,
        bot_status: str,
    ) -> None:
        if chat_id >= 0:
            raise ValueError("group and channel ids are negative")
        if kind not in ("group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {kind!r}")
        super().__init__(server, chat_id)
        self.kind = kind
        self.title = title
        self.username = username
        self.members: dict[int, str] = {}
        self.bot_status = bot_status
        self.bot_rights: set[str] = set(_ADMIN_RIGHTS + _CHANNEL_RIGHTS + _GROUP_RIGHTS)
        self.send_times: deque[float] = deque()
        """When each message the bot sent here was accepted (the 20-a-minute window)."""
        self.migrated_to: int | None = None
        """The supergroup this group became (:meth:`upgrade`): sends here are refused."""

    def __repr__(self) -> str:
        return f"LocalGroup(chat_id={self.chat_id}, type={self.kind!r}, title={self.title!r})"

    def to_chat_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.chat_id, "type": self.kind, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data

    # -- membership -------------------------------------------------------------------------

    def add(self, user: LocalUser, status: str = "member") -> LocalUser:
        """Make ``user`` a member (or ``administrator``, ``creator``) of this chat."""
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        self.members[user.chat_id] = status
        return user

    def set_bot_status(self, status: str, *, rights: set[str] | None = None) -> None:
        """Change the bot's membership (``administrator``, ``member``, ``left``, ``kicked``)
        or, as administrator, its ``rights``; the bot gets the ``my_chat_member`` update
        Telegram sends for either change."""
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        bot_id = self.server.bot_id
        before = self.server._member_api(self, bot_id, self.bot_status)
        self.bot_status = status
        if rights is not None:
            self.bot_rights = set(rights)
        after = self.server._member_api(self, bot_id, status)
        if before != after:
            admin = next((u for u, s in self.members.items() if s == "creator"), None)
            actor = self.server.users[admin].to_user_api() if admin in self.server.users else None
            payload: dict[str, Any] = {
                "chat": self.to_chat_api(),
                "from": actor or self.server.bot_user_api(short=True),
                "date": int(time.time()),
                "old_chat_member": before,
                "new_chat_member": after,
            }
            self.server.push_update("my_chat_member", payload)

    def upgrade(self, new_id: int, *, tell: bool = True) -> LocalGroup:
        """Telegram's group → supergroup migration: the supergroup ``new_id`` (same title,
        members and bot) takes this group's place; the bot gets the two service messages,
        ``migrate_to_chat_id`` here and ``migrate_from_chat_id`` there (not with ``tell=False``:
        a bot that was down longer than Telegram keeps updates), and a send to this id answers
        400 with ``migrate_to_chat_id``."""
        if self.kind != "group" or self.migrated_to is not None:
            raise RuntimeError(f"{self!r} is not a basic group that can be upgraded")
        new = self.server._group(new_id, "supergroup", self.title, self.username, self.bot_status)
        new.members = dict(self.members)
        new.bot_rights = set(self.bot_rights)
        self.migrated_to = new_id
        creator = next((u for u, s in self.members.items() if s == "creator"), None)
        actor = self.server.users.get(creator) if creator is not None else None
        for chat, key, other in (
            (self, "migrate_to_chat_id", new_id),
            (new, "migrate_from_chat_id", self.chat_id),
        ):
            message: dict[str, Any] = {
                "message_id": self.server._next_message_id(chat.chat_id),
                "from": actor.to_user_api() if actor else self.server.bot_user_api(short=True),
                "chat": chat.to_chat_api(),
                "date": int(time.time()),
                key: other,
            }
            chat.sent.append(message)
            if tell:
                self.server.push_update("message", message)
        return new

    def status_of(self, user_id: int) -> str:
        if user_id == self.server.bot_id:
            return self.bot_status
        return self.members.get(user_id, "left")

    # -- acting -----------------------------------------------------------------------------

    async def send(self, user: LocalUser, text: str, *, topic: int | None = None) -> dict[str, Any]:
        """``user`` writes ``text`` in this group (a channel has no such messages); ``topic``:
        in that forum topic (``message_thread_id``) of a forum supergroup."""
        if self.kind == "channel":
            raise RuntimeError("people do not write in channels; channel posts are not modelled")
        if self.migrated_to is not None:
            raise RuntimeError(f"{self.title!r} is supergroup {self.migrated_to} now")
        if self.members.get(user.chat_id, "left") in ("left", "kicked"):
            raise RuntimeError(f"user {user.chat_id} is not a member of {self.title!r}")
        return await self.server._incoming(self, user, text, topic)

    async def send_as_group(self, text: str) -> dict[str, Any]:
        """An anonymous admin writes ``text``: Telegram sends it with the group itself as
        ``sender_chat`` and the placeholder user GroupAnonymousBot as ``from``."""
        if self.kind == "channel" or self.migrated_to is not None:
            raise RuntimeError(f"nobody writes in {self.title!r} any more")
        return await self.server._incoming(self, None, text, sender_chat=self)

    async def press(
        self,
        user: LocalUser,
        message: SentMessage | int | Any,
        button: str,
        *,
        forged: str | None = None,
        too_old: bool = False,
    ) -> CallbackQuery:
        """``user`` presses an inline button on a bot message in this group (``forged`` and
        ``too_old`` as for :meth:`LocalUser.press`)."""
        return await self.server._press(self, user, message, button, forged, too_old)


# --- the server ----------------------------------------------------------------------------------

Handler = Callable[[_Params], Awaitable[Any]]
Listener = Callable[[str, SentMessage], None]


class LocalBotApi:
    """The server. ``port=0`` picks a free port; ``base_url`` is what PTB needs.

    Rate limits: ``per_chat_rate``/``per_chat_burst``, ``global_rate``/``global_burst`` and
    ``paid_rate`` (sends with ``allow_paid_broadcast``, instead of the global one; its burst is
    one second's worth) are token buckets (None disables one). ``clock`` is injectable so tests
    can move time instead of sleeping. ``strict_html`` picks the HTML parser mode (see
    ``bot.localapi.telegram_html``).

    Everything runs on the event loop the server was started on; use the client API from that
    loop (from another thread: ``asyncio.run_coroutine_threadsafe`` / ``call_soon_threadsafe``).
    A renderer (the terminal demo) can :meth:`add_listener` instead of polling.
    """

    def __init__(
        self,
        token: str = "123456:LOCAL-TEST-TOKEN",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "baozhai_bot",
        bot_first_name: str = "报摘",
        per_chat_rate: float | None = 1.0,
        per_chat_burst: int = 3,
        per_group_per_minute: int | None = 20,
        global_rate: float | None = 30.0,
        global_burst: int = 30,
        paid_rate: float | None = 1000.0,
        strict_html: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not _TOKEN_SHAPE.fullmatch(token):
            raise ValueError("token must look like a Telegram token: '<digits>:<letters>'")
        self.token = token
        self.host = host
        self.port = port
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.per_chat_rate = per_chat_rate
        self.per_chat_burst = per_chat_burst
        self.per_group_per_minute = per_group_per_minute
        self.strict_html = strict_html
        self.clock = clock
        self._global_bucket = (
            _TokenBucket(global_rate, global_burst, global_burst, clock())
            if global_rate is not None
            else None
        )
        self._paid_bucket = (
            _TokenBucket(paid_rate, paid_rate, paid_rate, clock())
            if paid_rate is not None
            else None
        )
        self.flood_refusals = 0
        """How many sends were answered 429 (forced ones included)."""

        self.users: dict[int, LocalUser] = {}
        self.groups: dict[int, LocalGroup] = {}
        """Groups, supergroups and channels by (negative) chat id."""
        self.sent: list[SentMessage] = []
        """Every message the bot sent, in order, across chats."""
        self.calls: deque[ApiCall] = deque(maxlen=10_000)
        self.command_sets: dict[tuple[_ScopeKey, str], list[dict[str, str]]] = {}
        """setMyCommands results by ((scope type, chat_id, user_id), language_code)."""
        self.bot_settings: dict[str, dict[str, Any]] = {}
        """Last parameters of setMyDescription, setMyShortDescription, setMyName, ..."""
        self.webhook_url = ""
        self._listeners: list[Listener] = []

        self._updates: list[Update] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
        self._poll_generation = 0
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._queries: dict[str, CallbackQuery] = {}
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._files: dict[str, bytes] = {}
        self._expired_files: set[str] = set()
        self._file_ids = itertools.count(1)
        self._forced_429_any: deque[int] = deque()
        self._forced_errors: dict[str, deque[ApiError]] = {}
        self._changed = _Signal()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Handler] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._ok,
                "close": self._ok,
                "deleteWebhook": self._delete_webhook,
                "setWebhook": self._set_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "getUpdates": self._get_updates,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setMyDescription": self._setting("setMyDescription"),
                "setMyShortDescription": self._setting("setMyShortDescription"),
                "setMyName": self._setting("setMyName"),
                "setChatMenuButton": self._setting("setChatMenuButton"),
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "sendChatAction": self._send_chat_action,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
                "getChatMemberCount": self._get_chat_member_count,
            }.items()
        }

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def bot_id(self) -> int:
        return int(self.token.split(":", 1)[0])

    @property
    def url(self) -> str:
        """``http://host:port`` (after :meth:`start`)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``: PTB appends the
        token."""
        return f"{self.url}/bot"

    async def start(self) -> None:
        """Listen on ``host:port`` (``port=0``: a free port, then stored in ``self.port``)."""
        app = web.Application(client_max_size=4 * MAX_PHOTO_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self._closing = False
        logger.info("local Bot API listening on %s", self.url)

    async def stop(self) -> None:
        """Release pending long polls and stop listening."""
        self._closing = True
        self._changed.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        logger.info("local Bot API on %s stopped", self.url)

    async def __aenter__(self) -> LocalBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- client API -------------------------------------------------------------------------

    def user(
        self,
        chat_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        started: bool = True,
    ) -> LocalUser:
        """The user with this id, created on first use (later calls return the same object).

        ``started=False`` is a user who never opened the bot: sends answer 403 ``bot can't
        initiate conversation with a user`` until they send something.
        """
        existing = self.users.get(chat_id)
        if existing is not None:
            return existing
        created = LocalUser(
            self, chat_id, first_name, last_name, username, language_code, started=started
        )
        if self.per_chat_rate is not None:
            created._bucket = _TokenBucket(
                self.per_chat_rate, self.per_chat_burst, self.per_chat_burst, self.clock()
            )
        self.users[chat_id] = created
        return created

    def group(
        self,
        chat_id: int,
        title: str = "Test group",
        *,
        supergroup: bool = True,
        username: str | None = None,
        bot_status: str = "member",
    ) -> LocalGroup:
        """The group with this (negative) id, created on first use with the bot in it."""
        return self._group(
            chat_id, "supergroup" if supergroup else "group", title, username, bot_status
        )

    def channel(
        self, chat_id: int, title: str, username: str, *, bot_status: str = "administrator"
    ) -> LocalGroup:
        """The channel with this (negative) id and public ``@username``, created on first use;
        the bot is an administrator there unless ``bot_status`` says otherwise."""
        return self._group(chat_id, "channel", title, username, bot_status)

    def _group(
        self, chat_id: int, kind: str, title: str, username: str | None, bot_status: str
    ) -> LocalGroup:
        existing = self.groups.get(chat_id)
        if existing is not None:
            return existing
        if chat_id in self.users:
            raise ValueError(f"chat {chat_id} is a private chat")
        created = LocalGroup(self, chat_id, kind, title, username, bot_status)
        self.groups[chat_id] = created
        return created

    def chat(self, chat_id: int) -> LocalChat:
        """The private chat, group or channel with this id."""
        found = self.users.get(chat_id) or self.groups.get(chat_id)
        if found is None:
            raise KeyError(chat_id)
        return found

    def force_retry_after(
        self, chat_id: int | None = None, times: int = 1, retry_after: int = 1
    ) -> None:
        """Make the next ``times`` sends (to ``chat_id``, or to any chat) answer 429."""
        if chat_id is None:
            self._forced_429_any.extend([retry_after] * times)
        else:
            self.chat(chat_id).force_retry_after(times, retry_after)

    def force_error(
        self, method: str, status: int, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Make the next ``times`` calls of ``method`` (any case) answer ``status``: Telegram's
        429 with ``retry_after`` to a quick restart's ``setWebhook``, a 5xx in an outage."""
        reason = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway"}
        description = reason.get(status, f"Error {status}")
        if retry_after is not None:
            description = f"{description}: retry after {retry_after}"
        errors = self._forced_errors.setdefault(method.lower(), deque())
        errors.extend(ApiError(status, description, retry_after) for _ in range(times))

    def expire_file(self, file_id: str) -> None:
        """Make ``file_id`` stop working: a send by it answers 400, as Telegram does for an id
        it no longer honours ("wrong file identifier/HTTP URL specified"). Uploading the bytes
        again gives a new one."""
        if self._files.pop(file_id, None) is None:
            raise KeyError(file_id)
        self._expired_files.add(file_id)

    def commands(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[dict[str, str]] | None:
        """What setMyCommands stored for exactly this scope and language (None: never set)."""
        return self.command_sets.get((_scope_key(scope), language_code))

    @property
    def polls_begun(self) -> int:
        """How many getUpdates calls have reached the server (a test can wait for its long
        poll to be pending before acting on it)."""
        return self._poll_generation

    @property
    def pending_updates(self) -> list[Update]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    def push_update(self, kind: str, payload: dict[str, Any]) -> Update:
        """Queue any update (``kind`` is the Update field, e.g. "message")."""
        update = Update(next(self._update_ids), kind, payload)
        self._updates.append(update)
        self._changed.notify()
        return update

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event, message)`` whenever the bot's messages change.

        ``event`` is "sent", "edited" or "deleted"; the message is the live record. A listener
        that raises is logged and otherwise ignored, so a broken renderer can't fail a send.
        """
        self._listeners.append(listener)

    async def _incoming(
        self,
        chat: LocalChat,
        user: LocalUser | None,
        text: str,
        topic: int | None = None,
        *,
        sender_chat: LocalChat | None = None,
    ) -> dict[str, Any]:
        """Queue the Message update of ``user`` writing ``text`` in ``chat`` (in forum topic
        ``topic``), with the ``bot_command`` entities Telegram gives ``/commands`` (so PTB's
        CommandHandler matches). Text that is not valid Unicode (a lone surrogate) is refused
        here: no Telegram client can send it, and queued it would fail every getUpdates."""
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a message's text must be valid Unicode (no lone surrogate)") from None
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat.chat_id),
            "from": user.to_user_api() if user is not None else ANONYMOUS_ADMIN,
            "chat": chat.to_chat_api(),
            "date": int(time.time()),
            "text": text,
        }
        if sender_chat is not None:
            message["sender_chat"] = sender_chat.to_chat_api()
        if topic is not None:
            message |= {"message_thread_id": topic, "is_topic_message": True}
        entities = [
            {
                "type": "bot_command",
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group(0)),
            }
            for m in _BOT_COMMAND.finditer(text)
        ]
        if entities:
            message["entities"] = entities
        chat.sent.append(message)
        self.push_update("message", message)
        await asyncio.sleep(0)
        return message

    async def _press(
        self,
        chat: LocalChat,
        user: LocalUser,
        message: SentMessage | int | Any,
        button: str,
        forged: str | None = None,
        too_old: bool = False,
    ) -> CallbackQuery:
        msg = chat._message(message)
        if msg.deleted:
            raise LookupError(f"message {msg.message_id} was deleted")
        data = forged if forged is not None else msg.button(button).get("callback_data")
        if not data:
            raise ValueError(f"button {button!r} has no callback_data; nothing reaches the bot")
        query = CallbackQuery(
            id=str(next(self._query_ids)),
            chat_id=chat.chat_id,
            message_id=msg.message_id,
            data=data,
            too_old=too_old,
        )
        user.queries.append(query)
        self._queries[query.id] = query
        self.push_update(
            "callback_query",
            {
                "id": query.id,
                "from": user.to_user_api(),
                "message": self._message_api(msg),
                "chat_instance": str(abs(hash((self.bot_id, chat.chat_id)))),
                "data": data,
            },
        )
        await asyncio.sleep(0)
        return query

    def _member_api(self, chat: LocalGroup, user_id: int, status: str) -> dict[str, Any]:
        """A ChatMember object as Telegram gives it for ``status``."""
        if user_id == self.bot_id:
            user = self.bot_user_api(short=True)
        elif user_id in self.users:
            user = self.users[user_id].to_user_api()
        else:
            raise _bad_request("user not found")
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            rights = chat.bot_rights if user_id == self.bot_id else set(_ADMIN_RIGHTS)
            names = _ADMIN_RIGHTS + (_CHANNEL_RIGHTS if chat.kind == "channel" else _GROUP_RIGHTS)
            member.update(can_be_edited=False, is_anonymous=False)
            member.update({name: name in rights for name in names})
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _emit(self, event: str, message: SentMessage) -> None:
        for listener in self._listeners:
            try:
                listener(event, message)
            except Exception:
                logger.exception("local Bot API: listener %r failed on %s", listener, event)

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every state change)."""
        return await self._changed.wait_for(predicate, timeout)

    def bot_user_api(self, *, short: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }
        if not short:
            data.update(
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=False,
                can_connect_to_business=False,
                has_main_web_app=False,
            )
        return data

    # -- HTTP -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        match = re.fullmatch(r"(?:([^/]+)/)?bot([^/]*)/([^/]+)", request.match_info["tail"])
        if match is None:
            return self._respond(ApiError(404, "Not Found").to_api(), 404)
        client, token, method = match.groups()
        client = client or ""
        if token != self.token:
            status = 401 if _TOKEN_SHAPE.fullmatch(token) else 404
            error = ApiError(status, "Unauthorized" if status == 401 else "Not Found")
            return self._respond(error.to_api(), status)
        handler = self._methods.get(method.lower())
        if handler is None:
            logger.warning("local Bot API: method %s is not implemented; answered 404", method)
            self.calls.append(ApiCall(method, {}, 404, "Not Found", client, time.monotonic()))
            return self._respond(ApiError(404, "Not Found").to_api(), 404)

        params = _Params({}, {})
        try:
            params = await self._read_params(request)
            forced = self._forced_errors.get(method.lower())
            if forced:
                raise forced.popleft()
            result = await handler(params)
        except ApiError as error:
            logger.debug("local Bot API %s -> %s %s", method, error.status, error.description)
            self.calls.append(
                ApiCall(
                    method,
                    params.loggable(),
                    error.status,
                    error.description,
                    client,
                    time.monotonic(),
                )
            )
            return self._respond(error.to_api(), error.status)
        except Exception:
            logger.exception("local Bot API: %s failed", method)
            self.calls.append(
                ApiCall(
                    method,
                    params.loggable(),
                    500,
                    "Internal Server Error",
                    client,
                    time.monotonic(),
                )
            )
            return self._respond(ApiError(500, "Internal Server Error").to_api(), 500)
        self.calls.append(ApiCall(method, params.loggable(), 200, None, client, time.monotonic()))
        return self._respond({"ok": True, "result": result}, 200)

    @staticmethod
    def _respond(body: dict[str, Any], status: int) -> web.Response:
        return web.Response(
            status=status,
            text=json.dumps(body, ensure_ascii=False),
            content_type="application/json",
        )

    @staticmethod
    async def _read_params(request: web.Request) -> _Params:
        values: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad_request("can't parse JSON encoded request body") from None
                if isinstance(body, dict):
                    values.update(body)
            else:
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        files[name] = value.file.read()
                    else:
                        values[name] = value
        return _Params(values, files)

    # -- shared checks ----------------------------------------------------------------------

    def _chat(self, params: _Params) -> LocalChat:
        """The chat ``chat_id`` names: a number, or ``@username`` of a channel or a public
        supergroup (Telegram resolves no private chat by username)."""
        raw = params.get_str("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        if raw.startswith("@"):
            wanted = raw[1:].lower()
            for group in self.groups.values():
                if group.username and group.username.lower() == wanted:
                    return group
            raise _bad_request("chat not found")
        try:
            chat_id = int(raw)
        except ValueError:
            raise _bad_request("chat not found") from None
        chat = self.users.get(chat_id) or self.groups.get(chat_id)
        if chat is None:
            raise _bad_request("chat not found")
        return chat

    def _group_chat(self, params: _Params) -> LocalGroup:
        chat = self._chat(params)
        if not isinstance(chat, LocalGroup):
            raise _bad_request("there are no administrators in the private chat")
        return chat

    def _writable_chat(self, params: _Params) -> LocalChat:
        chat = self._chat(params)
        if isinstance(chat, LocalGroup):
            if chat.migrated_to is not None:
                raise ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    migrate_to_chat_id=chat.migrated_to,
                )
            where = "channel" if chat.kind == "channel" else "group"
            if chat.bot_status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {where} chat")
            if chat.bot_status == "left":
                raise ApiError(403, f"Forbidden: bot is not a member of the {where} chat")
            if chat.kind == "channel" and not (
                chat.bot_status == "administrator" and "can_post_messages" in chat.bot_rights
            ):
                raise _bad_request("need administrator rights in the channel chat")
            return chat
        assert isinstance(chat, LocalUser)
        if chat.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not chat.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _check_flood(self, chat: LocalChat, params: _Params) -> None:
        """Forced 429s first, then the chat's limit and the overall bucket; a send counts
        only when it is accepted. Groups and channels allow ``per_group_per_minute`` messages
        in any 60 seconds; private chats have a token bucket. A paid broadcast
        (``allow_paid_broadcast``) is held to the paid bucket instead of the overall one."""
        forced = chat._forced_429 or self._forced_429_any
        if forced:
            raise self._too_many(forced.popleft())
        now = self.clock()
        overall = (
            self._paid_bucket if params.get_bool("allow_paid_broadcast") else self._global_bucket
        )
        buckets = [b for b in (chat._bucket, overall) if b is not None]
        wait = max((b.wait_time(now) for b in buckets), default=0.0)
        window = chat.send_times if isinstance(chat, LocalGroup) else None
        limit = self.per_group_per_minute
        if window is not None and limit is not None:
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= limit:
                wait = max(wait, window[len(window) - limit] + 60.0 - now)
        if wait > 0:
            raise self._too_many(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take()
        if window is not None:
            window.append(now)

    def _too_many(self, retry_after: int) -> ApiError:
        self.flood_refusals += 1
        return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def _formatted(
        self, params: _Params, text_field: str, entities_field: str, *, caption: bool
    ) -> tuple[str, str | None, str | None, tuple[Entity, ...]]:
        """(plain text, raw text, parse_mode, entities) after Telegram's parsing and limits."""
        raw = params.get_str(text_field)
        parse_mode = params.get_str("parse_mode") or None
        if raw is None or raw == "":
            if caption:
                return "", raw, parse_mode, ()
            raise _bad_request("message text is empty")
        if parse_mode is not None:
            mode = parse_mode.lower()
            if mode == "html":
                try:
                    plain, entities = parse_html(raw, strict=self.strict_html)
                except TelegramHtmlError as error:
                    raise _bad_request(f"can't parse entities: {error.reason}") from None
            elif mode in ("markdown", "markdownv2"):
                raise _bad_request(
                    f"can't parse entities: parse_mode {parse_mode} is not supported by the "
                    "local Bot API (Baozhai uses HTML)"
                )
            else:
                raise _bad_request("unsupported parse_mode")
        else:
            plain = raw
            given = params.get_json(entities_field) or []
            try:
                entities = tuple(Entity.from_api(e) for e in given)
            except (KeyError, TypeError, ValueError):
                raise _bad_request(f"can't parse entities: bad {entities_field}") from None
            total = utf16_len(plain)
            if any(e.offset < 0 or e.length < 0 or e.end > total for e in entities):
                raise _bad_request("can't parse entities: entity is out of the text bounds")
        limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
        if not plain.strip():
            if caption:
                return "", raw, parse_mode, ()
            raise _bad_request("message text is empty")
        if len(plain) > limit:
            raise _bad_request("message caption is too long" if caption else "message is too long")
        return plain, raw, parse_mode, entities

    def _reply_to(self, user: LocalChat, params: _Params) -> int | None:
        reply = params.get_json("reply_parameters")
        message_id = (
            reply.get("message_id")
            if isinstance(reply, dict)
            else params.get_int("reply_to_message_id")
        )
        if message_id is None:
            return None
        exists = any(m.message_id == message_id and not m.deleted for m in user.history) or any(
            m["message_id"] == message_id for m in user.sent
        )
        allow = isinstance(reply, dict) and reply.get("allow_sending_without_reply")
        if not exists and not (allow or params.get_bool("allow_sending_without_reply")):
            raise _bad_request("message to be replied not found")
        return int(message_id) if exists else None

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _record(self, message: SentMessage) -> SentMessage:
        self.chat(message.chat_id).history.append(message)
        self.sent.append(message)
        self._changed.notify()
        self._emit("sent", message)
        logger.debug(
            "local Bot API: %s %s to chat %s: %.60r",
            message.kind,
            message.message_id,
            message.chat_id,
            message.text,
        )
        return message

    def _message_api(self, message: SentMessage) -> dict[str, Any]:
        """The Bot API Message object for a bot message."""
        user = self.chat(message.chat_id)
        data: dict[str, Any] = {"message_id": message.message_id}
        if isinstance(user, LocalGroup) and user.kind == "channel":
            data["sender_chat"] = user.to_chat_api()  # a channel post has no "from"
        else:
            data["from"] = self.bot_user_api(short=True)
        data.update(chat=user.to_chat_api(), date=message.date)
        entities = [e.to_api() for e in message.entities]
        if message.kind == "photo":
            width, height = message.photo_size or (0, 0)
            data["photo"] = [
                {
                    "file_id": message.photo_file_id,
                    "file_unique_id": f"U{message.photo_file_id}",
                    "width": width,
                    "height": height,
                    "file_size": len(message.photo or b""),
                }
            ]
            if message.text:
                data["caption"] = message.text
                if entities:
                    data["caption_entities"] = entities
        else:
            data["text"] = message.text
            if entities:
                data["entities"] = entities
            if message.link_preview_options:
                data["link_preview_options"] = message.link_preview_options
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.reply_to_message_id is not None:
            replied = next(
                (m for m in user.history if m.message_id == message.reply_to_message_id), None
            )
            if replied is not None:
                data["reply_to_message"] = self._message_api(replied)
            else:
                data["reply_to_message"] = next(
                    m for m in user.sent if m["message_id"] == message.reply_to_message_id
                )
        return data

    def _link_preview_options(self, params: _Params) -> dict[str, Any] | None:
        options = params.get_json("link_preview_options")
        if options is not None and not isinstance(options, dict):
            raise _bad_request("can't parse link preview options JSON object")
        if options is None and params.get_bool("disable_web_page_preview"):
            options = {"is_disabled": True}
        return options

    def _editable(self, params: _Params) -> tuple[LocalChat, SentMessage]:
        if params.has("inline_message_id"):
            raise _bad_request("inline messages are not supported by the local Bot API")
        user = self._chat(params)
        if isinstance(user, LocalUser) and user.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if isinstance(user, LocalUser) and user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        message_id = params.get_int("message_id")
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        for message in user.history:
            if message.message_id == message_id and not message.deleted:
                return user, message
        if any(m["message_id"] == message_id for m in user.sent):
            raise _bad_request("message can't be edited")
        raise _bad_request("message to edit not found")

    def _apply_edit(self, message: SentMessage) -> dict[str, Any]:
        message.edit_date = int(time.time())
        message.edit_count += 1
        self._changed.notify()
        self._emit("edited", message)
        return self._message_api(message)

    # -- methods ----------------------------------------------------------------------------

    async def _ok(self, params: _Params) -> bool:
        return True

    def _setting(self, name: str) -> Handler:
        async def store(params: _Params) -> bool:
            self.bot_settings[name] = dict(params.values)
            return True

        return store

    async def _get_me(self, params: _Params) -> dict[str, Any]:
        return self.bot_user_api()

    async def _delete_webhook(self, params: _Params) -> bool:
        self.webhook_url = ""
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: _Params) -> bool:
        url = params.get_str("url") or ""
        if url and not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if url:
            _check_webhook_host(urlsplit(url).hostname or "")
        self.webhook_url = url
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: _Params) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _deliverable(self) -> list[Update]:
        self._updates = [u for u in self._updates if u.kind in self._allowed_updates]
        return self._updates

    async def _get_updates(self, params: _Params) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        timeout = max(params.get_float("timeout") or 0.0, 0.0)
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_UPDATE_TYPES
        if offset is not None:
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u.update_id >= offset]

        self._poll_generation += 1
        generation = self._poll_generation
        self._changed.notify()  # an older poll still waiting now ends with 409
        with contextlib.suppress(TimeoutError):
            await self.wait_for(
                lambda: self._deliverable() or self._closing or self._poll_generation != generation,
                timeout,
            )
        if self._poll_generation != generation:
            raise ApiError(409, _CONFLICT_POLL)
        return [u.to_api() for u in self._deliverable()[:limit]]

    async def _set_my_commands(self, params: _Params) -> bool:
        commands = params.get_json("commands")
        if commands is None:
            raise _bad_request('parameter "commands" is required')
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise _bad_request("BOT_COMMANDS_TOO_MUCH")
        stored: list[dict[str, str]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand: Object expected")
            for field_name in ("command", "description"):
                if field_name not in command:
                    raise _bad_request(f"can't parse BotCommand: Can't find field \"{field_name}\"")
            name, description = command["command"], command["description"]
            if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            if len(description) > 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": name, "description": description})
        key = (_scope_key(params.get_json("scope")), _language_code(params))
        if stored:
            self.command_sets[key] = stored
        else:
            self.command_sets.pop(key, None)
        self._changed.notify()
        return True

    async def _get_my_commands(self, params: _Params) -> list[dict[str, str]]:
        key = (_scope_key(params.get_json("scope")), _language_code(params))
        return list(self.command_sets.get(key, []))

    async def _delete_my_commands(self, params: _Params) -> bool:
        key = (_scope_key(params.get_json("scope")), _language_code(params))
        self.command_sets.pop(key, None)
        self._changed.notify()
        return True

    async def _send_message(self, params: _Params) -> dict[str, Any]:
        user = self._writable_chat(params)
        plain, raw, parse_mode, entities = self._formatted(
            params, "text", "entities", caption=False
        )
        markup = _validate_reply_markup(params.get_json("reply_markup"))
        preview = self._link_preview_options(params)
        reply_to = self._reply_to(user, params)
        self._check_flood(user, params)
        message = SentMessage(
            chat_id=user.chat_id,
            message_id=self._next_message_id(user.chat_id),
            date=int(time.time()),
            kind="text",
            text=plain,
            html=raw,
            parse_mode=parse_mode,
            entities=entities,
            reply_markup=markup,
            link_preview_options=preview,
            reply_to_message_id=reply_to,
            params=params.loggable(),
        )
        return self._message_api(self._record(message))

    def _photo_bytes(self, params: _Params) -> tuple[bytes, str | None]:
        """(bytes, file_id if the photo was sent by file_id) of the ``photo`` parameter."""
        data = params.get_file("photo")
        if data is not None:
            return data, None
        ref = params.get_str("photo")
        if not ref:
            raise _bad_request("there is no photo in the request")
        if ref.startswith("attach://"):
            attached = params.get_file(ref[len("attach://") :])
            if attached is None:
                raise _bad_request("wrong remote file identifier specified: can't find attach")
            return attached, None
        if ref in self._files:
            return self._files[ref], ref
        if ref in self._expired_files:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        if re.match(r"(?i)https?://", ref):
            raise _bad_request(
                "wrong file identifier/HTTP URL specified "
                "(the local Bot API can't fetch URLs; upload the bytes)"
            )
        raise _bad_request("wrong remote file identifier specified: Wrong string length")

    async def _send_photo(self, params: _Params) -> dict[str, Any]:
        user = self._writable_chat(params)
        data, file_id = self._photo_bytes(params)
        if not data:
            raise _bad_request("file must be non-empty")
        if len(data) > MAX_PHOTO_BYTES:
            raise _bad_request("file is too big")
        image = _image_size(data)
        if image is None:
            raise _bad_request("IMAGE_PROCESS_FAILED")
        _, width, height = image
        if (
            width
            and height
            and (width + height > 10_000 or max(width, height) > 20 * min(width, height))
        ):
            raise _bad_request("PHOTO_INVALID_DIMENSIONS")
        plain, raw, parse_mode, entities = self._formatted(
            params, "caption", "caption_entities", caption=True
        )
        markup = _validate_reply_markup(params.get_json("reply_markup"))
        reply_to = self._reply_to(user, params)
        self._check_flood(user, params)
        uploaded = file_id is None
        if file_id is None:
            file_id = f"AgACAgLocal{next(self._file_ids):06d}"
            self._files[file_id] = data
        message = SentMessage(
            chat_id=user.chat_id,
            message_id=self._next_message_id(user.chat_id),
            date=int(time.time()),
            kind="photo",
            text=plain,
            html=raw,
            parse_mode=parse_mode,
            entities=entities,
            reply_markup=markup,
            photo=data,
            photo_file_id=file_id,
            photo_size=(width, height),
            photo_uploaded=uploaded,
            reply_to_message_id=reply_to,
            params=params.loggable(),
        )
        return self._message_api(self._record(message))

    async def _edit_message_text(self, params: _Params) -> dict[str, Any]:
        _, message = self._editable(params)
        if message.kind != "text":
            raise _bad_request("there is no text in the message to edit")
        plain, raw, parse_mode, entities = self._formatted(
            params, "text", "entities", caption=False
        )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = _validate_reply_markup(params.get_json("reply_markup"))
        preview = self._link_preview_options(params)
        if (plain, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise _bad_request(_NOT_MODIFIED)
        message.text, message.html, message.parse_mode = plain, raw, parse_mode
        message.entities, message.reply_markup = entities, markup
        message.link_preview_options = preview
        return self._apply_edit(message)

    async def _edit_message_caption(self, params: _Params) -> dict[str, Any]:
        _, message = self._editable(params)
        if message.kind != "photo":
            raise _bad_request("there is no caption in the message to edit")
        plain, raw, parse_mode, entities = self._formatted(
            params, "caption", "caption_entities", caption=True
        )
        markup = _validate_reply_markup(params.get_json("reply_markup"))
        if (plain, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise _bad_request(_NOT_MODIFIED)
        message.text, message.html, message.parse_mode = plain, raw, parse_mode
        message.entities, message.reply_markup = entities, markup
        return self._apply_edit(message)

    async def _edit_message_reply_markup(self, params: _Params) -> dict[str, Any]:
        _, message = self._editable(params)
        markup = _validate_reply_markup(params.get_json("reply_markup"))
        if markup == message.reply_markup:
            raise _bad_request(_NOT_MODIFIED)
        message.reply_markup = markup
        return self._apply_edit(message)

    async def _delete_message(self, params: _Params) -> bool:
        user = self._chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        for message in user.history:
            if message.message_id == message_id and not message.deleted:
                message.deleted = True
                self._changed.notify()
                self._emit("deleted", message)
                return True
        for sent in user.sent:
            if sent["message_id"] == message_id and message_id not in user.deleted_incoming:
                user.deleted_incoming.add(message_id)
                self._changed.notify()
                return True
        raise _bad_request("message to delete not found")

    async def _answer_callback_query(self, params: _Params) -> bool:
        query = self._queries.get(params.get_str("callback_query_id") or "")
        if query is None or query.answered or query.too_old:
            raise _bad_request(_QUERY_INVALID)
        text = params.get_str("text")
        if text is not None and len(text) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer_text = text
        query.show_alert = params.get_bool("show_alert")
        query.answer_url = params.get_str("url")
        self._changed.notify()
        return True

    async def _send_chat_action(self, params: _Params) -> bool:
        user = self._writable_chat(params)
        action = params.get_str("action")
        if action not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        user.chat_actions.append(action)
        self._changed.notify()
        return True

    async def _get_chat(self, params: _Params) -> dict[str, Any]:
        chat = self._chat(params)
        extra: dict[str, Any] = {}
        if isinstance(chat, LocalGroup) and chat.kind != "channel":
            extra["permissions"] = {"can_send_messages": True}
        return {
            **chat.to_chat_api(),
            **extra,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member_list(self, chat: LocalGroup) -> None:
        """In a channel only its administrators may see who else is in it."""
        if chat.kind == "channel" and chat.bot_status != "administrator":
            raise _bad_request("member list is inaccessible")

    async def _get_chat_member(self, params: _Params) -> dict[str, Any]:
        chat = self._chat(params)
        user_id = params.get_int("user_id")
        if user_id is None:
            raise _bad_request(
                "user_id is empty" if not params.has("user_id") else "invalid user_id specified"
            )
        if not isinstance(chat, LocalGroup):
            if user_id not in (chat.chat_id, self.bot_id):
                raise _bad_request("user not found")
            status = "member" if user_id == self.bot_id else "creator"
            if user_id == self.bot_id:
                return {"status": status, "user": self.bot_user_api(short=True)}
            assert isinstance(chat, LocalUser)
            return {"status": status, "user": chat.to_user_api(), "is_anonymous": False}
        if user_id != self.bot_id:
            self._member_list(chat)
        return self._member_api(chat, user_id, chat.status_of(user_id))

    async def _get_chat_administrators(self, params: _Params) -> list[dict[str, Any]]:
        chat = self._group_chat(params)
        self._member_list(chat)
        found = [
            self._member_api(chat, user_id, status)
            for user_id, status in chat.members.items()
            if status in ("creator", "administrator")
        ]
        if chat.bot_status == "administrator":
            found.append(self._member_api(chat, self.bot_id, "administrator"))
        return found

    async def _get_chat_member_count(self, params: _Params) -> int:
        chat = self._chat(params)
        if not isinstance(chat, LocalGroup):
            return 2
        present = [s for s in chat.members.values() if s not in ("left", "kicked")]
        return len(present) + (chat.bot_status not in ("left", "kicked"))
