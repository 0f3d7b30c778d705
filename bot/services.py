"""What every handler and job needs, built once at start-up and kept in ``bot_data``.

Handlers reach it through :func:`services` so they never import globals, and tests can build
an application around a store of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from telegram.ext import Application, CallbackContext

from bot.config import Config
from bot.delivery import DeliveryPolicy, LeaseKeeper, Pacer
from bot.storage.store import Store

_KEY = "baozhai.services"


@dataclass(slots=True)
class Services:
    """Configuration, the archive, and the send pacer shared by all fan-outs.

    ``clock`` answers "what time is it" for every scheduling decision (None: the real clock),
    so tests can put the bot at a digest time instead of waiting for it.
    """

    config: Config
    store: Store
    pacer: Pacer
    policy: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    clock: Callable[[], dt.datetime] | None = None
    lease: LeaseKeeper | None = None
    """The leader lease this process holds (``baozhai run``); None: every fan-out keeps a
    sender lease of its own."""
    stop_reason: str | None = None
    """Set when the service had to stop (lost the lease, 409 without one): exit non-zero."""

    @property
    def owner(self) -> str | None:
        """The lease holder id deliveries are claimed for (None: a fresh one per fan-out)."""
        return self.lease.holder if self.lease is not None else None

    @property
    def tz(self) -> ZoneInfo:
        return self.config.schedule.timezone

    def now(self) -> dt.datetime:
        """Local time in the configured timezone (digest times are local)."""
        if self.clock is not None:
            return self.clock().astimezone(self.tz)
        return dt.datetime.now(self.tz)


def attach(application: Application, svc: Services) -> None:
    application.bot_data[_KEY] = svc


def services(context: CallbackContext | Application) -> Services:
    """The :class:`Services` of the running application."""
    data = context.bot_data
    return data[_KEY]
