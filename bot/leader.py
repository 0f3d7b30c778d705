"""One leader per database: the ``baozhai run`` that polls Telegram and runs the scheduler.

Why a lease and not "refuse to start twice": a second process on the same database should be
a hot standby that takes over when the leader dies, not a crash loop. The leader lease is a row
with an expiry (:mod:`bot.storage.leases`); the leader renews it every third of
``[service] lease_seconds``, a standby tries to take it every third as well, so a SIGKILLed
leader is replaced within TTL + TTL/3 < 2 × TTL.

Fencing. A leader that was paused (SIGSTOP, a frozen VM) past its expiry must not act on
anything once it runs again: its Bot API requests go through :class:`FencedRequest`, which
refuses every request (getUpdates included) unless the lease is valid by the local clock, and
its digest sends are fenced again in the database (``put_on_wire``). On waking, its keeper
finds the lease expired, marks it lost and the process stops with a non-zero exit code, so
systemd's ``Restart=on-failure`` brings it back as a standby.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from telegram.error import NetworkError

from bot.delivery.lease import LeaseKeeper
from bot.storage.leases import LEADER
from bot.transport import AiohttpRequest

__all__ = ["LEADER", "FencedRequest", "NotLeader", "wait_for_leadership"]

log = logging.getLogger(__name__)


class NotLeader(NetworkError):
    """A request refused before it left: this process does not (surely) hold the lease."""


class FencedRequest(AiohttpRequest):
    """The Bot API transport, first asking ``fence()`` whether this process may act."""

    def __init__(self, fence: Callable[[], bool], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._fence = fence

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if not self._fence():
            raise NotLeader("not the leader (lease expired or lost): request not sent")
        return await super().do_request(*args, **kwargs)


def wait_for_leadership(keeper: LeaseKeeper, sleep: Callable[[float], None] = time.sleep) -> None:
    """Block until ``keeper`` holds the leader lease: a hot standby, checking every TTL/3."""
    announced: str | None = None
    while not keeper.try_acquire():
        current = keeper.store.leases.get(LEADER)
        if current is not None and current.holder != announced:
            log.info(
                "standby: %s is the leader (lease until %s); waiting to take over",
                current.holder,
                f"{current.expires_at:%H:%M:%S}",
            )
            announced = current.holder
        sleep(keeper.ttl.total_seconds() / 3)
    assert keeper.lease is not None
    log.info("this process is the leader now (fencing token %d)", keeper.lease.token)
