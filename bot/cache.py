"""A short-lived async cache. /stats answers from one: its numbers scan the archive and its
chart takes matplotlib hundreds of milliseconds of CPU (holding the GIL: every other reader's
reply waits meanwhile), and neither changes until a new edition; /today's digests too.

One computation per key at a time: readers who ask while it runs wait for it and share it,
so a burst of /stats costs one archive scan, not one per reader. Keys do not wait for each
other: one reader's slow scan holds up only those who asked the same.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, TypeVar

__all__ = ["ARCHIVE_STATS_TTL_SECONDS", "STATS_TTL_SECONDS", "CachedPhoto", "TtlCache"]

STATS_TTL_SECONDS = 60.0
ARCHIVE_STATS_TTL_SECONDS = 600.0
"""For values keyed by the newest editions: only what no new edition announces (an old
edition backfilled) waits this long."""

V = TypeVar("V")


@dataclass
class TtlCache(Generic[V]):
    """Values by key, each kept ``ttl`` seconds after it was made (``clock``: monotonic)."""

    ttl: float = STATS_TTL_SECONDS
    clock: Callable[[], float] = time.monotonic
    max_entries: int = 64
    _entries: dict[Hashable, tuple[float, V]] = field(default_factory=dict)
    _making: dict[Hashable, asyncio.Future[V]] = field(default_factory=dict)

    async def get(self, key: Hashable, make: Callable[[], Awaitable[V]]) -> V:
        """The cached value of ``key``, or ``await make()`` (once, however many ask).

        The computation runs as a task of its own that the askers share: one of them giving
        up (a cancelled handler) does not cancel it for the others. A failure reaches every
        asker of that round and is not cached.
        """
        hit = self._fresh(key)
        if hit is not None:
            return hit[1]
        making = self._making.get(key)
        if making is None:
            making = asyncio.ensure_future(self._make(key, make))
            self._making[key] = making
            making.add_done_callback(partial(self._made, key))
        return await asyncio.shield(making)

    async def _make(self, key: Hashable, make: Callable[[], Awaitable[V]]) -> V:
        value = await make()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (self.clock(), value)
        return value

    def _made(self, key: Hashable, making: asyncio.Future[V]) -> None:
        if self._making.get(key) is making:
            del self._making[key]
        if not making.cancelled():
            making.exception()  # retrieved: every asker may have gone, it is not lost news

    def _fresh(self, key: Hashable) -> tuple[float, V] | None:
        entry = self._entries.get(key)
        if entry is not None and self.clock() - entry[0] < self.ttl:
            return entry
        return None


@dataclass(slots=True, eq=False)
class CachedPhoto:
    """A cached image, and the ``file_id`` Telegram gave it once it was first sent.

    A /stats chart is about 60 kB; uploading it for every reader made each reply wait for the
    upload. Sent once, the same photo goes to any chat of this bot by its ``file_id``
    (:func:`bot.components.replies.send_cached_photo`). The id lives as long as the cached
    entry holds this object: a new chart starts without one.
    """

    png: bytes
    file_id: str | None = None
    upload: asyncio.Event | None = field(default=None, repr=False)
    """While one reader's upload of the bytes is on its way, the event its end sets (None: no
    upload is): readers who ask meanwhile wait for its ``file_id`` instead of uploading the
    same bytes again."""
