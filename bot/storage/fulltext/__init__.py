"""Full-text search of the archive, made for Chinese, on SQLite (FTS5) and PostgreSQL (GIN).

* :mod:`.terms`: text → index terms (Han bigrams, words), the same for both backends;
* :mod:`.query`: what a reader typed → :class:`SearchQuery` (pure; never raises);
* :mod:`.index`: index entries, the recency key, the :class:`SearchBackend` protocol;
* :mod:`.sqlite`, :mod:`.postgres`: the backends; :func:`backend_for` picks one;
* :mod:`.rank`, :mod:`.pool`: SQLite's relevance (bm25 over the ranking pool's text).

The store (:mod:`bot.storage.editions`) keeps the index in step with every write and runs
searches through it; the schema is made by migration 0003.
"""

from __future__ import annotations

from bot.storage.fulltext.index import Filters, IndexEntry, SearchBackend, entry, recency
from bot.storage.fulltext.postgres import PostgresSearch
from bot.storage.fulltext.query import (
    MAX_PHRASES,
    Phrase,
    SearchOrder,
    SearchQuery,
    parse_query,
    without_order,
)
from bot.storage.fulltext.sqlite import SqliteSearch

__all__ = [
    "MAX_PHRASES",
    "Filters",
    "IndexEntry",
    "Phrase",
    "SearchBackend",
    "SearchOrder",
    "SearchQuery",
    "backend_for",
    "entry",
    "parse_query",
    "recency",
    "without_order",
]


def backend_for(dialect: str) -> SearchBackend:
    """The index of a database kind, by SQLAlchemy dialect name."""
    return SqliteSearch() if dialect == "sqlite" else PostgresSearch()
