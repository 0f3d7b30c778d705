"""What every handler and job needs, built once at start-up and kept in ``bot_data``.

Handlers reach it through :func:`services` so they never import globals, and tests can build
an application around a store of their own. Code that holds only a Telegram object (a reply
sent from a chat) reaches the same services through the bot that object came with
(:func:`services_of_bot`): every update PTB hands out carries the application's bot.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.ext import Application, CallbackContext

from bot.cache import ARCHIVE_STATS_TTL_SECONDS, CachedPhoto, TtlCache
from bot.config import Config
from bot.delivery import DeliveryPolicy, LeaseKeeper, Pacer
from bot.render.chart_worker import ChartWorker
from bot.render.digest import DigestMessage
from bot.storage.records import Stats
from bot.storage.store import Store

_KEY = "baozhai.services"
SEARCH_WORKERS = 2  # searches at once; more would only queue in the database on 2 cores
# By the bot object's identity (bots with one token compare equal); dropped with the bot.
_BY_BOT: dict[int, Services] = {}


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
    stats_cache: TtlCache[tuple[Stats, CachedPhoto]] = field(
        default_factory=lambda: TtlCache(ttl=ARCHIVE_STATS_TTL_SECONDS)
    )
    """/stats numbers and chart by (date, language, papers, their newest editions): made again
    for a new or replaced edition, else after ten minutes. The chart keeps its Telegram
    ``file_id`` once sent, so later replies do not upload it again."""
    audience_cache: TtlCache[tuple[int, int]] = field(default_factory=TtlCache)
    """/stats' subscriber and delivered-digest counts, a minute at most."""
    search_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(SEARCH_WORKERS, thread_name_prefix="search")
    )
    """The threads /search queries run in: a search of a large archive takes tens to hundreds
    of milliseconds, and in the shared default pool a few of them at once made every other
    reader's quick lookups (/today, /article, /stats) queue behind them."""
    charts: ChartWorker = field(default_factory=ChartWorker)
    """Draws /stats charts in a process of its own, off the GIL of every other reply."""
    digest_cache: TtlCache[list[DigestMessage]] = field(default_factory=TtlCache)
    """/today's digest messages by (edition, its content hash, language)."""
    lease: LeaseKeeper | None = None
    """The leader lease this process holds (``baozhai run``); None: every fan-out keeps a
    sender lease of its own."""
    stop_reason: str | None = None
    """Set when the service had to stop (lost the lease, 409 without one): exit non-zero."""
    poll_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    """One lock per paper: a scheduled poll and an admin's /ingest never read a source at once."""
    broadcasts_sending: set[int] = field(default_factory=set)
    """Broadcasts this process is sending now (a resume leaves them to that run)."""

    def poll_lock(self, paper: str) -> asyncio.Lock:
        """The lock held while ``paper``'s source is read."""
        return self.poll_locks.setdefault(paper, asyncio.Lock())

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
    bot = application.bot
    _BY_BOT[id(bot)] = svc
    weakref.finalize(bot, _BY_BOT.pop, id(bot), None)


def services_of_bot(bot: Bot) -> Services:
    """The :class:`Services` of the application ``bot`` belongs to."""
    try:
        return _BY_BOT[id(bot)]
    except KeyError:
        raise LookupError("this bot belongs to no Baozhai application") from None


def services(context: CallbackContext | Application) -> Services:
    """The :class:`Services` of the running application."""
    data = context.bot_data
    return data[_KEY]
