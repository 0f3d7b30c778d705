"""Keeping a lease alive from the event loop: the leader's, or a sender's heartbeat.

A :class:`LeaseKeeper` renews its lease every third of the TTL. Renewal fails once the lease
has expired (a paused or starved process) or changed hands; the keeper then marks itself lost
and calls ``on_lost``: that process must stop sending (the store's fence refuses its sends
anyway, see :meth:`bot.storage.Deliveries.put_on_wire`). :attr:`LeaseKeeper.valid` answers
"may I still send?" from the local clock alone, cheap enough to ask before every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.storage.leases import sender_lease_name
from bot.storage.models import utcnow

if TYPE_CHECKING:
    from bot.storage.records import Lease
    from bot.storage.store import Store

__all__ = ["DEAD_SENDER_AGE", "LeaseKeeper", "expire_dead_senders", "new_holder_id", "sender_lease"]

log = logging.getLogger(__name__)

_MARGIN = 0.1  # of the TTL: stop sending a little before the lease would expire
DEAD_SENDER_AGE = dt.timedelta(days=1)  # a sender lease expired this long ago is deleted


def new_holder_id() -> str:
    """A holder id unique to this process run: host, pid and a random tail (≤ 64 chars)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


class LeaseKeeper:
    """One lease, held and renewed by this process."""

    def __init__(
        self,
        store: Store,
        name: str,
        holder: str,
        ttl_seconds: float,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.name = name
        self.holder = holder
        self.ttl = dt.timedelta(seconds=ttl_seconds)
        self.on_lost = on_lost
        self.lost = False
        self.lease: Lease | None = None
        self._task: asyncio.Task[None] | None = None
        # Its own thread: a renewal must not queue behind a busy fan-out's database calls in
        # the shared default executor, or a healthy sender would lose its lease.
        self._thread: ThreadPoolExecutor | None = None

    @property
    def valid(self) -> bool:
        """True while the lease is held and safely short of its expiry (local clock)."""
        return self.seconds_left() > 0

    def seconds_left(self) -> float:
        """How long the lease stays :attr:`valid` (local clock; 0 or less: not now). What a
        request may spend getting a connection before its bytes leave (:mod:`bot.leader`)."""
        if self.lost or self.lease is None:
            return 0.0
        margin = self.ttl.total_seconds() * _MARGIN
        return self.lease.expires_at.timestamp() - margin - time.time()

    def try_acquire(self) -> bool:
        """Take the lease if it is free or expired (blocking; for start-up)."""
        self.lease = self.store.leases.acquire(self.name, self.holder, self.ttl)
        return self.lease is not None

    def renew(self) -> bool:
        """Extend the lease (blocking, any thread); False, and ``lost``, once it cannot be.

        ``on_lost`` is not called here but by the renewing task, on the event loop."""
        if self.lost:
            return False
        lease = self.store.leases.renew(self.name, self.holder, self.ttl)
        if lease is None:
            self.lost = True
            log.error("lease %r lost (expired or taken over); must stop sending", self.name)
            return False
        self.lease = lease
        return True

    async def _keep(self) -> None:
        period = self.ttl.total_seconds() / 3
        while not self.lost:
            await asyncio.sleep(period)
            # The database decides: a lease that expired while this process was paused (or
            # starved) cannot be renewed; one that its sends renewed meanwhile can.
            try:
                renewed = await asyncio.get_running_loop().run_in_executor(
                    self._thread, self.renew
                )
            except Exception:  # a database hiccup: try again next period, still valid till then
                log.warning("lease %r: renewal failed; retrying", self.name, exc_info=True)
                continue
            if not renewed and self.on_lost is not None:
                self.on_lost()

    def start(self) -> None:
        """Renew in the background from now on (the lease must be held)."""
        if self._task is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"lease-{self.name}")
            self._task = asyncio.get_running_loop().create_task(self._keep())

    async def stop(self, *, release: bool = True) -> None:
        """Stop renewing; ``release`` hands the lease over at once (clean shutdown)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._thread is not None:
            self._thread.shutdown(wait=False)
            self._thread = None
        if release and not self.lost and self.lease is not None:
            try:
                await asyncio.to_thread(self.store.leases.release, self.name, self.holder)
            except Exception:
                log.warning("lease %r: release failed; it expires by itself", self.name)


@asynccontextmanager
async def sender_lease(store: Store, ttl_seconds: float) -> AsyncIterator[LeaseKeeper]:
    """A fresh sender heartbeat for one fan-out by a process that is not the leader."""
    keeper = LeaseKeeper(store, "", new_holder_id(), ttl_seconds)
    keeper.name = sender_lease_name(keeper.holder)
    if not await asyncio.to_thread(keeper.try_acquire):  # a fresh name: always free
        raise RuntimeError(f"could not take lease {keeper.name!r}")
    keeper.start()
    try:
        yield keeper
    finally:
        await keeper.stop()


async def expire_dead_senders(store: Store) -> int:
    """Delete the heartbeat leases of senders that expired more than :data:`DEAD_SENDER_AGE`
    ago; how many. Every run leaves one behind (a fresh holder each), and each claim's check
    for a live holder reads them all. A deleted lease is as dead as an expired one: its
    claims are taken over just the same."""
    return await asyncio.to_thread(store.leases.expire_dead, utcnow() - DEAD_SENDER_AGE)
