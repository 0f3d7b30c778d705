"""The Store: one database URL, opened once, with one attribute per aggregate.

``store.editions`` (editions and their articles, search), ``store.subscribers``,
``store.deliveries``, ``store.broadcasts`` (announcements and their ledger), ``store.channels``
(bound channels), ``store.files`` (ingested edition files), ``store.leases`` (leader and
sender leases), ``store.stats``, ``store.follows`` (followed topics) and ``store.alerts``
(topic alerts and their ledger). Each is a
small class over the shared :class:`~bot.storage.transactions.Transactions`; every call is one
short transaction returning plain records (:mod:`bot.storage.records`), never ORM objects, so
no session, lazy load or stale state leaks out of the package.

Why synchronous: SQLAlchemy's sync API is the mature one for both SQLite and PostgreSQL, and
each call is a few milliseconds; the bot runs them with ``asyncio.to_thread``. The engine is
thread-safe and every call opens its own session, so calls from several threads are fine.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from bot.storage import engine as db
from bot.storage import fulltext
from bot.storage.alerts import Alerts
from bot.storage.broadcasts import Broadcasts
from bot.storage.channels import Channels
from bot.storage.deliveries import Deliveries
from bot.storage.editions import Editions
from bot.storage.files import IngestedFiles
from bot.storage.follows import Follows
from bot.storage.leases import Leases
from bot.storage.state import SourceStates
from bot.storage.stats import ArchiveStats
from bot.storage.subscribers import Subscribers
from bot.storage.transactions import Transactions

__all__ = ["Store"]


class Store:
    """The bot's archive and bookkeeping on top of one database URL.

    ``migrate=True`` (the default) upgrades the schema to the newest revision on open, so a
    fresh SQLite file just works; pass False where migrations are run as a separate step.
    ``stuck_transaction_seconds``: see :func:`bot.storage.engine.make_engine` (PostgreSQL).
    """

    editions: Editions
    subscribers: Subscribers
    deliveries: Deliveries
    broadcasts: Broadcasts
    channels: Channels
    files: IngestedFiles
    leases: Leases
    stats: ArchiveStats
    state: SourceStates
    follows: Follows
    alerts: Alerts

    def __init__(
        self,
        url: str | URL,
        *,
        migrate: bool = True,
        stuck_transaction_seconds: float | None = None,
    ) -> None:
        self._engine = db.make_engine(url, stuck_transaction_seconds=stuck_transaction_seconds)
        if migrate:
            db.upgrade(self._engine)
        tx = Transactions(self._engine)
        self.editions = Editions(tx, fulltext.backend_for(self._engine.dialect.name))
        self.subscribers = Subscribers(tx)
        self.deliveries = Deliveries(tx)
        self.broadcasts = Broadcasts(tx)
        self.channels = Channels(tx, self.subscribers)
        self.files = IngestedFiles(tx)
        self.leases = Leases(tx)
        self.stats = ArchiveStats(tx)
        self.state = SourceStates(tx)
        self.follows = Follows(tx)
        self.alerts = Alerts(tx)

    @property
    def engine(self) -> Engine:
        """The underlying engine (tests and maintenance only; the bot uses the aggregates)."""
        return self._engine

    def close(self) -> None:
        """Release all pooled connections (on shutdown; the store is unusable afterwards)."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
