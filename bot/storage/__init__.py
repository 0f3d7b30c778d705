"""Storage: the archive and the bot's bookkeeping, on SQLite or PostgreSQL.

Public surface (re-exported here): the :class:`Store` facade and its aggregates —
``store.editions`` (:class:`Editions`: editions, articles, search), ``store.subscribers``
(:class:`Subscribers`), ``store.deliveries`` (:class:`Deliveries`), ``store.files``
(:class:`IngestedFiles`) and ``store.stats`` (:class:`ArchiveStats`) — the plain records they
return and the status enums (:mod:`.records`). Callers get records, never ORM rows or sessions.

Inside, not for callers: the engine and migrations (:mod:`.engine`, ``migrations/``; the CLI's
``db upgrade`` and the config's URL resolution use :mod:`.engine` directly), the ORM tables
(:mod:`.models`) and the shared transaction helper (:mod:`.transactions`).

May import: SQLAlchemy, Alembic, :mod:`summarizer` (the parsed editions it stores) and
:mod:`bot.errors`. Nothing else of the bot.
"""

from bot.storage.broadcasts import Broadcasts
from bot.storage.channels import Channels
from bot.storage.deliveries import Deliveries
from bot.storage.editions import Editions
from bot.storage.files import IngestedFiles
from bot.storage.records import (
    ArticleRecord,
    BroadcastRecord,
    ChannelRecord,
    DeliveryRecord,
    DeliveryStatus,
    DigestMode,
    EditionRecord,
    FileStatus,
    PollOutcome,
    PollRecord,
    Stats,
    SubscriberRecord,
)
from bot.storage.state import SourceStates
from bot.storage.stats import ArchiveStats
from bot.storage.store import Store
from bot.storage.subscribers import Subscribers

__all__ = [
    "ArchiveStats",
    "ArticleRecord",
    "BroadcastRecord",
    "Broadcasts",
    "ChannelRecord",
    "Channels",
    "Deliveries",
    "DeliveryRecord",
    "DeliveryStatus",
    "DigestMode",
    "EditionRecord",
    "Editions",
    "FileStatus",
    "IngestedFiles",
    "PollOutcome",
    "PollRecord",
    "SourceStates",
    "Stats",
    "Store",
    "SubscriberRecord",
    "Subscribers",
]
