"""Pacing of sends to Telegram: a global token bucket plus a minimum gap per chat.

Telegram allows about 30 messages/s overall, about 1/s per private chat and 20/min per group
or channel; exceeding either gives 429 ``RetryAfter``. Groups and channels are told apart by
their negative chat ids (a channel bound by ``@name`` is stored under the id ``getChat`` gave).
PTB's ``AIORateLimiter`` does not enforce the per-chat limit, so :class:`Pacer` does both,
measuring the gap from the *end* of the previous send to that chat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

__all__ = ["FloodPaused", "Pacer"]

log = logging.getLogger(__name__)

_PRUNE_AT = 4096  # chats remembered by a Pacer before expired ones are dropped


class FloodPaused(Exception):
    """Every send is paused (a 429) for longer than the caller is willing to wait."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"all sends paused for {seconds:g}s")
        self.seconds = seconds


class Pacer:
    """Rate limits for sending: a global token bucket and a minimum interval per chat.

    ``rate`` messages per second overall (bucket of ``burst`` tokens); per chat at least
    ``chat_interval`` seconds between the end of one send and the start of the next
    (``group_interval`` for groups, whose ids are negative: 20/min). :meth:`pause` stops *all*
    sending for a while (after a 429) and empties the bucket so the restart is gentle; the
    pause is kept until it is over, so a pacer shared by the runs of a process (``Services``)
    holds back every later run too (:meth:`paused_for`).

    Use it as ``async with pacer.slot(chat_id): await bot.send_message(...)``. One pacer may be
    shared by concurrent fan-outs (they then share the budget, as they share the bot token).
    ``clock`` and ``sleep`` are the time it keeps (tests pass a simulated one).
    """

    def __init__(
        self,
        rate: float = 30.0,
        *,
        burst: int = 5,
        chat_interval: float = 1.05,
        group_interval: float = 3.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1 or chat_interval < 0 or group_interval < 0:
            raise ValueError("rate and burst must be positive, intervals non-negative")
        self.rate = rate
        self.burst = burst
        self.chat_interval = chat_interval
        self.group_interval = group_interval
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._paused_until = 0.0
        self._chat_ready: dict[int, float] = {}
        self._lock = asyncio.Lock()

    def interval_for(self, chat_id: int) -> float:
        """Minimum spacing for one chat: groups and channels (negative ids) are stricter."""
        return self.group_interval if chat_id < 0 else self.chat_interval

    def pause(self, seconds: float) -> None:
        """Stop all sending for ``seconds`` (a 429 applies to the bot, not to one chat)."""
        now = self._clock()
        self._paused_until = max(self._paused_until, now + max(0.0, seconds))
        self._tokens = 0.0
        self._updated = max(self._updated, self._paused_until)

    def paused_for(self) -> float:
        """How long every send is still paused (0: not paused)."""
        return max(0.0, self._paused_until - self._clock())

    async def _wait_for_chat(self, chat_id: int) -> None:
        while (wait := self._chat_ready.get(chat_id, 0.0) - self._clock()) > 0:
            await self._sleep(wait)

    async def _take_token(self, within: float | None) -> None:
        # The lock makes waiters for a token queue in arrival order (asyncio.Lock is FIFO). A
        # pause is waited out outside it: one sender sleeping through a long pause must not
        # keep another, less patient one (``within``: a reply) from giving up at once.
        while True:
            pause = self._paused_until - self._clock()
            if pause > 0:
                if within is not None and pause > within:
                    raise FloodPaused(pause)
                await self._sleep(pause)
                continue
            async with self._lock:
                if await self._token_unless_paused():
                    return

    async def _token_unless_paused(self) -> bool:
        """Take a token, waiting for it (under the lock); False if a pause began first."""
        while True:
            now = self._clock()
            if now < self._paused_until:
                return False
            if now > self._updated:
                self._tokens = min(
                    float(self.burst), self._tokens + (now - self._updated) * self.rate
                )
                self._updated = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            await self._sleep((1.0 - self._tokens) / self.rate)

    async def acquire(self, chat_id: int, *, within: float | None = None) -> None:
        """Wait until one message may be sent to ``chat_id``; reserves the chat until release.

        ``within``: raise :class:`FloodPaused` instead of waiting out a pause longer than that
        (also one that begins while this waits)."""
        await self._wait_for_chat(chat_id)
        await self._take_token(within)
        # Waiting for the token may have crossed a pause: check the chat again.
        await self._wait_for_chat(chat_id)
        # Provisional: a concurrent sender to the same chat waits a full interval.
        self._chat_ready[chat_id] = self._clock() + self.interval_for(chat_id)

    def release(self, chat_id: int) -> None:
        """The send to ``chat_id`` finished: the next one may start an interval from now.

        Counting from the end (not the start) keeps the gap between the server's receipts of
        two messages at least one interval, whatever the network latency was.
        """
        ready = self._clock() + self.interval_for(chat_id)
        self._chat_ready[chat_id] = max(self._chat_ready.get(chat_id, 0.0), ready)
        if len(self._chat_ready) > _PRUNE_AT:
            self._prune()

    def _prune(self) -> None:
        """Forget chats whose interval is over, so a long-lived pacer stays small."""
        now = self._clock()
        for chat_id in [c for c, ready in self._chat_ready.items() if ready <= now]:
            del self._chat_ready[chat_id]

    @asynccontextmanager
    async def slot(self, chat_id: int, *, within: float | None = None) -> AsyncIterator[None]:
        """``acquire`` on entry, ``release`` on exit (also when the send raised)."""
        await self.acquire(chat_id, within=within)
        try:
            yield
        finally:
            self.release(chat_id)
