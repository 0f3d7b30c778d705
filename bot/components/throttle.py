"""Per-chat throttle: a chat that sends commands faster than a person reads is told once to
slow down, then ignored until its window passes.

Why: every command costs a reply, and replies to one chat are paced at about one a second
(Telegram's limit), so 200 commands in 10 ms would queue 200 replies for minutes, and the
database work behind them would slow everyone else. The gate runs before every handler (a
``TypeHandler`` in group -1) and stops a throttled update there
(``ApplicationHandlerStop``): no database, no reply, no log line beyond one WARNING per chat
and window. Other chats are not touched.

The window is fixed: it opens at a chat's first counted update and lasts ``window`` seconds;
within it ``limit`` updates pass, the next one gets the "slow down" reply, the rest nothing.
Memory is bounded: a chat whose window has passed is forgotten (swept when the table grows).
Counted: messages in private chats and commands anywhere (what the bot answers), and button
presses. A press under a channel's digest counts for the one who pressed (the card goes to
them privately), and their "slow down" is the press's answer, never a post in the channel.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.components.replies import language, reply
from bot.render.i18n import t, t_plain

__all__ = ["ChatThrottle", "Verdict", "install"]

log = logging.getLogger(__name__)

_SWEEP_AT = 1024  # chats remembered before those whose window has passed are dropped


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
    """At most ``limit`` updates per chat in a fixed window of ``window`` seconds."""

    def __init__(
        self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._chats: dict[int, _Window] = {}

    def check(self, chat_id: int) -> Verdict:
        """Count one update from ``chat_id`` and say what to do with it."""
        now = self._clock()
        current = self._chats.get(chat_id)
        if current is None or now - current.opened >= self.window:
            if len(self._chats) >= _SWEEP_AT:
                self._sweep(now)
            current = self._chats[chat_id] = _Window(opened=now)
        current.count += 1
        if current.count <= self.limit:
            return Verdict.ADMIT
        return Verdict.WARN if current.count == self.limit + 1 else Verdict.DROP

    def remaining(self, chat_id: int) -> float:
        """Seconds until ``chat_id``'s window passes (0 if it has none)."""
        current = self._chats.get(chat_id)
        return max(0.0, current.opened + self.window - self._clock()) if current else 0.0

    def __len__(self) -> int:
        return len(self._chats)

    def _sweep(self, now: float) -> None:
        for chat_id in [c for c, w in self._chats.items() if now - w.opened >= self.window]:
            del self._chats[chat_id]


def counts(update: Update) -> bool:
    """Whether ``update`` is one the throttle counts (see the module docstring)."""
    if update.callback_query is not None:
        return True
    message = update.message
    if message is None or update.effective_chat is None:
        return False
    private = update.effective_chat.type == ChatType.PRIVATE
    return private or (message.text or "").startswith("/")


def install(application: Application, *, limit: int, window: float) -> ChatThrottle:
    """Put the gate in front of every handler of ``application``; returns its throttle."""
    throttle = ChatThrottle(limit, window)

    async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None or not counts(update):
            return
        press = update.callback_query if chat.type == ChatType.CHANNEL else None
        key = press.from_user.id if press is not None else chat.id
        verdict = throttle.check(key)
        if verdict is Verdict.ADMIT:
            return
        if verdict is Verdict.WARN:
            seconds = max(1, round(throttle.remaining(key)))
            log.warning(
                "chat %s sent more than %d commands in %g s; ignoring it for %d s",
                key,
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
                log.info("chat %s: the slow-down reply was not sent: %s", key, exc)
        raise ApplicationHandlerStop

    application.add_handler(TypeHandler(Update, gate), group=-1)
    return throttle
