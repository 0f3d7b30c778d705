"""One leader per database: the ``baozhai run`` that polls Telegram and runs the scheduler.

Why a lease and not "refuse to start twice": a second process on the same database should be
a hot standby that takes over when the leader dies, not a crash loop. The leader lease is a row
with an expiry (:mod:`bot.storage.leases`); the leader renews it every third of
``[service] lease_seconds``, a standby tries to take it every third as well, so a SIGKILLed
leader is replaced within TTL + TTL/3 < 2 × TTL.

Fencing. A leader that was paused (SIGSTOP, a frozen VM) past its expiry must not act on
anything once it runs again: its Bot API requests go through :class:`FencedRequest`, which
refuses every request (getUpdates included) unless the lease is valid by the local clock, and
gives up one that gets no connection before the lease would stop being valid; and
its digest sends are fenced again in the database (``put_on_wire``). Paused inside its long
poll, it finds Telegram's answer waiting when it wakes: the fence is asked again once a
getUpdates answer is in, and updates that arrive without a valid lease are dropped unconfirmed
(the new leader gets them again). A webhook request queued while it was paused is refused
with 503, for Telegram to send again (:class:`bot.webhook.LeaderQueue`); updates that still
reach the handlers meet :func:`install_leader_gate` first, and each scheduled job
asks the lease before it starts. On waking, its keeper finds the lease expired, marks it lost
and the process stops with a non-zero exit code, so systemd's ``Restart=on-failure`` brings it
back as a standby.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.delivery.lease import LeaseKeeper
from bot.storage.engine import driver_message
from bot.storage.leases import LEADER
from bot.transport import NOT_SENT, AiohttpRequest

__all__ = [
    "LEADER",
    "FencedRequest",
    "NotLeader",
    "TokenRejected",
    "install_leader_gate",
    "wait_for_leadership",
]

log = logging.getLogger(__name__)


class NotLeader(NetworkError):
    """A request refused before it left: this process does not (surely) hold the lease."""


class TokenRejected(NetworkError):
    """getUpdates answered 401 or 404: the token was revoked or changed while running.

    PTB would raise ``InvalidToken``, which ends its polling loop without a word to the
    application: the process would keep its lease and stay deaf. As a ``NetworkError`` it
    reaches the error handler instead, which stops the process (:mod:`bot.components.errors`).
    """


_TOKEN_REJECTED = frozenset({401, 404})  # what PTB turns into InvalidToken


class FencedRequest(AiohttpRequest):
    """The Bot API transport, first asking ``fence()`` how long this process may still act
    (seconds; 0 or less: not at all).

    A request may wait for a free connection and then for a new one to connect (the pool and
    connect timeouts: up to 6 s by default) before its bytes leave, longer than the lease's
    safety margin. So the wait is bounded by what the fence allows: a request that gets no
    connection while the lease is valid is never sent (:class:`NotLeader`)."""

    def __init__(self, fence: Callable[[], float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._fence = fence

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        left = self._fence()
        if left <= 0:
            raise NotLeader("not the leader (lease expired or lost): request not sent")
        try:
            status, payload = await super().do_request(url, *args, connect_within=left, **kwargs)
        except TimedOut as exc:
            if isinstance(exc.__cause__, NOT_SENT) and self._fence() <= 0:
                raise NotLeader(
                    "not the leader (the lease ran out while waiting for a connection): "
                    "request not sent"
                ) from exc
            raise
        if _is_get_updates(url):
            if self._fence() <= 0:
                # The long poll outlived the lease (this process was paused in it): the updates
                # in this answer are not ours to handle. Unconfirmed, the leader gets them again.
                raise NotLeader(
                    "not the leader (lease lost while polling): updates left unconfirmed"
                )
            if status in _TOKEN_REJECTED:
                raise TokenRejected(f"Telegram rejected the bot token (HTTP {status})")
        return status, payload


def _is_get_updates(url: str) -> bool:
    return url.rsplit("/", 1)[-1].lower() == "getupdates"


LEADER_GATE_GROUP = -2
"""Before every other group, the throttle's gate (-1) included: a handler group runs only its
first matching handler, so the gate needs a group of its own."""


def install_leader_gate(application: Application, lease: LeaseKeeper) -> None:
    """Drop every update that arrives while ``lease`` is not valid: a webhook request queued
    while this process was paused, or an update fetched just before the lease ran out, must
    not be handled by a process that may no longer be the leader (its replies would be
    refused by the fence anyway, after its database writes)."""

    async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not lease.valid:
            log.warning("update %d not handled: the leader lease is not valid", update.update_id)
            raise ApplicationHandlerStop

    application.add_handler(TypeHandler(Update, gate), group=LEADER_GATE_GROUP)


def wait_for_leadership(keeper: LeaseKeeper, sleep: Callable[[float], None] = time.sleep) -> None:
    """Block until ``keeper`` holds the leader lease: a hot standby, checking every TTL/3.

    The database may be away for a while (a restart, a network hiccup): a standby keeps
    waiting through that, with one warning line when it starts failing (and one a minute
    while it goes on), not one per attempt, and one line when it is back.
    """
    period = keeper.ttl.total_seconds() / 3
    announced: str | None = None
    warned_at: float | None = None  # while the database fails: when we last said so
    while True:
        try:
            acquired = keeper.try_acquire()
            current = None if acquired else keeper.store.leases.get(LEADER)
        except SQLAlchemyError as exc:
            if warned_at is None or time.monotonic() - warned_at >= DATABASE_WARNING_INTERVAL:
                log.warning(
                    "standby: cannot reach the database (%s); retrying every %gs",
                    driver_message(exc),
                    period,
                )
                warned_at = time.monotonic()
            sleep(period)
            continue
        if warned_at is not None:
            log.info("standby: the database answers again")
            warned_at = None
        if acquired:
            break
        if current is not None and current.holder != announced:
            log.info(
                "standby: %s is the leader (lease until %s); waiting to take over",
                current.holder,
                f"{current.expires_at:%H:%M:%S}",
            )
            announced = current.holder
        sleep(period)
    assert keeper.lease is not None
    log.info("this process is the leader now (fencing token %d)", keeper.lease.token)


DATABASE_WARNING_INTERVAL = 60.0
"""Seconds between a standby's warnings while the database keeps failing."""
