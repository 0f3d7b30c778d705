"""Storage: the archive and the bot's bookkeeping, on SQLite or PostgreSQL.

Holds the engine (:mod:`.engine`), the ORM tables (:mod:`.models`), the Alembic migrations
(``migrations/``), the plain records handed to the rest of the bot (:mod:`.records`) and the
:class:`Store` facade. Callers get records, never ORM rows or sessions.

May import: SQLAlchemy, Alembic, :mod:`summarizer` (the parsed editions it stores) and
:mod:`bot.errors`. Nothing else of the bot.
"""

from bot.storage.records import (
    ArticleRecord,
    DeliveryRecord,
    EditionRecord,
    Stats,
    SubscriberRecord,
)
from bot.storage.store import Store

__all__ = [
    "ArticleRecord",
    "DeliveryRecord",
    "EditionRecord",
    "Stats",
    "Store",
    "SubscriberRecord",
]
