"""Per-chat throttle: a chat that sends commands faster than a person reads is told once to
slow down, then ignored until its window passes.

Why: every command costs a reply, and replies to one chat are paced at about one a second
(Telegram's limit), so 200 commands in 10 ms would queue 200 replies for minutes, and the
database work behind them would slow everyone else. The gate runs before every handler (a
``TypeHandler`` in group -1) and stops a throttled update there
(``ApplicationHandlerStop``): no database, no reply, no log line beyond one WARNING per chat
(in a group, per member) and window. Other chats are not touched.

The window is fixed: it opens at a chat's first counted update and lasts ``window`` seconds;
within it ``limit`` updates pass, the next one gets the "slow down" reply, the rest nothing.
Memory is bounded: a chat (or group member) whose window has passed is forgotten (swept
when the table grows).
Counted: messages in private chats and commands to this bot anywhere (what it answers), and
button presses. A press under a channel's digest counts for the one who pressed (the card goes
to them privately), and their "slow down" is the press's answer, never a post in the channel.

In a group only commands to this bot count (``/today``, ``/today@this_bot``; not
``/start@another_bot``: the group's other bots' business, which this bot never answers), and
each member has a budget of their own: one member's flood does not silence the group. Who sent
it as a chat (an anonymous admin writes as the group, a member may write as a channel) is
counted as that chat.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.components.replies import language, reply
from bot.render.i18n import t, t_plain

__all__ = ["ChatThrottle", "Verdict", "counts", "install", "key_of"]

log = logging.getLogger(__name__)

_SWEEP_AT = 1024  # keys remembered before those whose window has passed are dropped


class Verdict(enum.StrEnum):
    """What to do with one update from a chat."""

    ADMIT = "admit"
    WARN = "warn"  # the first one over the limit: say "slow down" once
    DROP = "drop"


@dataclass(slots=True)
class _Window:
    opened: float
    count: int = 0


class ChatThrottle:
    """At most ``limit`` updates per key in a fixed window of ``window`` seconds.

    A key is whatever :func:`key_of` makes of an update: a private chat, a member of a group.
    """

    def __init__(
        self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._chats: dict[Hashable, _Window] = {}

    def check(self, key: Hashable) -> Verdict:
        """Count one update from ``key`` and say what to do with it."""
        now = self._clock()
        current = self._chats.get(key)
        if current is None or now - current.opened >= self.window:
            if len(self._chats) >= _SWEEP_AT:
                self._sweep(now)
            current = self._chats[key] = _Window(opened=now)
        current.count += 1
        if current.count <= self.limit:
            return Verdict.ADMIT
        return Verdict.WARN if current.count == self.limit + 1 else Verdict.DROP

    def remaining(self, key: Hashable) -> float:
        """Seconds until ``key``'s window passes (0 if it has none)."""
        current = self._chats.get(key)
        return max(0.0, current.opened + self.window - self._clock()) if current else 0.0

    def __len__(self) -> int:
        return len(self._chats)

    def _sweep(self, now: float) -> None:
        for key in [k for k, w in self._chats.items() if now - w.opened >= self.window]:
            del self._chats[key]


def counts(update: Update, username: str) -> bool:
    """Whether ``update`` is one the throttle counts (see the module docstring); ``username``
    is this bot's."""
    if update.callback_query is not None:
        return True
    message = update.message
    if message is None or update.effective_chat is None:
        return False
    if update.effective_chat.type == ChatType.PRIVATE:
        return True
    text = message.text or ""
    if not text.startswith("/"):
        return False
    _, at, addressee = text.split(maxsplit=1)[0].partition("@")
    return not at or addressee.casefold() == username.casefold()


Key = int | tuple[int, int]  # a chat or user id; in a group, (the group, its sender)


def key_of(update: Update) -> Key:
    """What ``update`` is counted against: a private chat's id; the one who pressed a button
    under a channel's digest; in a group, (the group, its sender: the chat it was sent as, else
    the member)."""
    chat = update.effective_chat
    if chat is None:
        raise LookupError(f"update {update.update_id} has no chat")
    press = update.callback_query
    if chat.type == ChatType.PRIVATE:
        return chat.id
    if chat.type == ChatType.CHANNEL and press is not None:
        return press.from_user.id
    message = update.message
    if press is not None:
        sender = press.from_user.id
    elif message is not None and message.sender_chat is not None:
        sender = message.sender_chat.id  # an anonymous admin (the group), or a channel
    elif message is not None and message.from_user is not None:
        sender = message.from_user.id
    else:
        sender = chat.id
    return (chat.id, sender)


def _who(key: Key) -> str:
    return f"chat {key[0]} sender {key[1]}" if isinstance(key, tuple) else f"chat {key}"


def install(application: Application, *, limit: int, window: float) -> ChatThrottle:
    """Put the gate in front of every handler of ``application``; returns its throttle."""
    throttle = ChatThrottle(limit, window)

    async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None or not counts(update, context.bot.username):
            return
        press = update.callback_query if chat.type == ChatType.CHANNEL else None
        key = key_of(update)
        verdict = throttle.check(key)
        if verdict is Verdict.ADMIT:
            return
        if verdict is Verdict.WARN:
            seconds = max(1, round(throttle.remaining(key)))
            log.warning(
                "%s sent more than %d commands in %g s; ignoring it for %d s",
                _who(key),
                limit,
                window,
                seconds,
            )
            lang = language(update)
            try:
                if press is not None:
                    await press.answer(t_plain(lang, "slow_down", seconds=seconds), show_alert=True)
                else:
                    await reply(update, t(lang, "slow_down", seconds=seconds))
            except TelegramError as exc:  # blocked, or a flood wait that outlasted the reply
                log.info("%s: the slow-down reply was not sent: %s", _who(key), exc)
        raise ApplicationHandlerStop

    application.add_handler(TypeHandler(Update, gate), group=-1)
    return throttle
