"""Group commit of a fan-out's ledger writes: one transaction for what all workers wait on.

Why: each message needs the ledger written before its request (``on_wire``, the fence) and
after it (``confirmed``), and each chat a claim and an outcome. One transaction per write made
the database, not Telegram, the bottleneck at paid-broadcast rates (SQLAlchemy's per-statement
cost and a commit each, about four per chat). Here every worker still waits until *its* write
is committed before it acts — sends, or moves on — so the crash guarantees are unchanged: a
message is ``on_wire`` in the database before its request leaves, and a worker frees its slot
only once its confirmation is stored, so at most one message per worker is ever in doubt. What
changes is that writes arriving while a transaction runs are collected and committed together
by :meth:`bot.storage.Deliveries.write` in the next one (no timer: an idle ledger commits at
once, a busy one in batches as large as the workers make them).

Two writes need no wait of their own, so a worker waits for two commits per message: claims
are taken :data:`CLAIM_AHEAD` chats at a time (claimed but unsent is a safe state, and
:meth:`LedgerWriter.close` frees what the run did not reach), and the outcome (``sent``) is
written behind (it records what the committed ledger already proves).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.storage.records import Claim, DeliveryStatus, LedgerWrites, LedgerWritten

if TYPE_CHECKING:
    from bot.storage.deliveries import Deliveries

__all__ = ["LedgerWriter"]

log = logging.getLogger(__name__)

MAX_BATCH = 256  # writes per transaction: bounded statements (SQLite's variable limit)
CLAIM_AHEAD = 32  # chats claimed in one go when a claim has to go to the database
RENEW_EVERY = 1.0  # seconds: a sender making progress extends its lease at most this often


@dataclass(slots=True)
class _Write:
    """One worker's write and the future it waits on."""

    kind: str  # "claim", "on_wire", "confirm" or "finish"
    key: tuple[Any, ...]
    done: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class LedgerWriter:
    """The ledger writes of one sender (``owner``), committed in shared transactions.

    The methods mean what their namesakes in :class:`bot.storage.Deliveries` mean and return
    once the write is committed; a failed transaction is retried write by write, so one bad
    write fails only its own caller.
    """

    def __init__(
        self, deliveries: Deliveries, owner: str, renew: dt.timedelta | None = None
    ) -> None:
        self._deliveries = deliveries
        self._owner = owner
        self._renew = renew
        self._pending: list[_Write] = []
        self._flushers: set[asyncio.Task[None]] = set()
        self._concurrency = max(1, deliveries.write_concurrency)
        self._running = 0  # flushers started and not yet past their last look at the queue
        self._renewed = -math.inf  # time.monotonic() of the last lease renewal asked for
        self.transactions = 0  # committed (for tests and benchmarks)
        self._expected: dict[int, dict[int, int]] = {}  # edition → chat → position
        self._order: dict[int, list[int]] = {}
        self._ahead: dict[tuple[int, int], asyncio.Future[Any]] = {}  # claims taken ahead
        self._finishing: list[tuple[tuple[int, int, DeliveryStatus], asyncio.Future[Any]]] = []

    def expect(self, edition_id: int, chat_ids: Sequence[int]) -> None:
        """The chats this run will claim, in order: each claim that must go to the database
        takes the next :data:`CLAIM_AHEAD` of them along (claimed but unsent is a safe state:
        nothing is on the wire, and :meth:`close` frees what the run did not get to)."""
        self._expected[edition_id] = {chat: n for n, chat in enumerate(chat_ids)}
        self._order[edition_id] = list(chat_ids)

    async def claim(self, edition_id: int, chat_id: int) -> Claim | None:
        """:meth:`Deliveries.claim`: the right to send this digest to this chat, or None."""
        ahead = self._ahead.pop((edition_id, chat_id), None)
        if ahead is None:
            ahead = self._enqueue("claim", (edition_id, chat_id))
            position = self._expected.get(edition_id, {}).get(chat_id)
            if position is not None:
                order = self._order[edition_id]
                for chat in order[position + 1 : position + CLAIM_AHEAD]:
                    if (edition_id, chat) not in self._ahead:
                        self._ahead[(edition_id, chat)] = self._enqueue("claim", (edition_id, chat))
        result: Claim | None = await ahead
        return result

    async def put_on_wire(self, delivery_id: int, part: int) -> bool:
        """:meth:`Deliveries.put_on_wire` (with the lease renewal): False means stop sending."""
        result: bool = await self._submit("on_wire", (delivery_id, part))
        return result

    async def confirm(
        self, delivery_id: int, part: int, message_id: int, rendered_from: str | None
    ) -> None:
        """:meth:`Deliveries.confirm`: Telegram answered with ``message_id`` (recorded for
        the version ``rendered_from`` only)."""
        await self._submit("confirm", (delivery_id, part, message_id, rendered_from))

    def mark_sent(
        self, edition_id: int, chat_id: int, status: DeliveryStatus = DeliveryStatus.SENT
    ) -> None:
        """:meth:`Deliveries.mark_sent`, written behind: the caller does not wait for it.

        Safe because it only records what the ledger already proves (every message confirmed
        or skipped, committed before this is called): a crash before it is stored leaves a
        claim whose ledger is complete, and the run that takes it over sends nothing and marks
        it sent. :meth:`close` waits for it and writes a failed one again (a claim left
        pending under a live lease, the leader's, would otherwise wait for its next run).
        """
        key = (edition_id, chat_id, status)
        done = self._enqueue("finish", key)
        done.add_done_callback(_log_failure)
        self._finishing.append((key, done))

    async def close(self) -> None:
        """Wait for the last transactions, write again an outcome whose write behind failed,
        and free the claims taken ahead and never used.

        Freed as ``retry`` (what :meth:`Deliveries.mark_failed` does with a retryable failure):
        under a live lease — the leader's — they would otherwise be held until it dies."""
        unused = [(key, future) for key, future in self._ahead.items() if not future.cancelled()]
        self._ahead.clear()
        while self._flushers:
            await asyncio.gather(*self._flushers, return_exceptions=True)
        finishing, self._finishing = self._finishing, []
        for (edition_id, chat_id, status), future in finishing:
            if future.done() and not future.cancelled() and future.exception() is not None:
                try:
                    await asyncio.to_thread(self._deliveries.mark_sent, edition_id, chat_id, status)
                except Exception:
                    log.exception(
                        "edition %d chat %d: could not record the outcome", edition_id, chat_id
                    )
        for (edition_id, chat_id), future in unused:
            if future.done() and future.exception() is None and future.result() is not None:
                try:
                    await asyncio.to_thread(
                        self._deliveries.mark_failed,
                        edition_id,
                        chat_id,
                        "claimed ahead, not sent in this run",
                        True,
                        owner=self._owner,  # not one taken over while this sender stalled
                    )
                except Exception:
                    log.exception("edition %d chat %d: could not free claim", edition_id, chat_id)

    async def _submit(self, kind: str, key: tuple[Any, ...]) -> Any:
        return await self._enqueue(kind, key)

    def _enqueue(self, kind: str, key: tuple[Any, ...]) -> asyncio.Future[Any]:
        write = _Write(kind, key)
        self._pending.append(write)
        if self._running < self._concurrency:
            # Counted here and uncounted by the flusher itself in the same step as its last
            # look at the queue, so no write is ever left without a flusher.
            self._running += 1
            flusher = asyncio.get_running_loop().create_task(self._flush())
            self._flushers.add(flusher)
            flusher.add_done_callback(self._flushers.discard)
        return write.done

    async def _flush(self) -> None:
        """Commit what is pending, then what arrived meanwhile, until nothing is left."""
        try:
            await self._drain()
        finally:
            self._running -= 1

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                written = await asyncio.to_thread(self._deliveries.write, self._writes(batch))
            except Exception as exc:
                if len(batch) == 1:
                    _fail(batch[0], exc)
                    continue
                log.warning("ledger: a batch of %d writes failed; writing each alone", len(batch))
                for write in batch:
                    try:
                        one = await asyncio.to_thread(self._deliveries.write, self._writes([write]))
                    except Exception as alone:
                        _fail(write, alone)
                    else:
                        self.transactions += 1
                        _resolve(write, one)
                continue
            self.transactions += 1
            for write in batch:
                _resolve(write, written)

    def _writes(self, batch: list[_Write]) -> LedgerWrites:
        def of(kind: str) -> tuple[Any, ...]:
            return tuple(w.key for w in batch if w.kind == kind)

        on_wire = of("on_wire")
        renew = None
        now = time.monotonic()
        if on_wire and self._renew is not None and now - self._renewed >= RENEW_EVERY:
            renew, self._renewed = self._renew, now
        return LedgerWrites(
            owner=self._owner,
            claims=of("claim"),
            on_wire=on_wire,
            confirmed=of("confirm"),
            finished=of("finish"),
            renew=renew,
        )


def _resolve(write: _Write, written: LedgerWritten) -> None:
    if write.done.done():
        return
    if write.kind == "claim":
        write.done.set_result(written.claims.get((write.key[0], write.key[1])))
    elif write.kind == "on_wire":
        write.done.set_result((write.key[0], write.key[1]) in written.on_wire)
    else:
        write.done.set_result(None)


def _log_failure(done: asyncio.Future[Any]) -> None:
    if not done.cancelled() and (exc := done.exception()) is not None:
        log.warning("ledger: a write behind failed (a later run heals it): %s", exc)


def _fail(write: _Write, exc: Exception) -> None:
    """Hand the transaction's exception to the one writer whose write it was."""
    if not write.done.done():
        write.done.set_exception(exc)
