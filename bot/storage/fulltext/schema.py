"""The index's tables: create, drop, and build over an archive that has none (migration 0003).

They live outside the ORM models (an FTS5 virtual table with its shadow tables on SQLite,
a table with a ``tsvector`` column on PostgreSQL), so the migrations' comparison with the
models skips them by name (:func:`is_index_table`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
from collections.abc import Callable

from sqlalchemy import Connection, text

from bot.storage.fulltext import postgres, sqlite
from bot.storage.fulltext.index import ID_SPAN, IndexEntry, entry
from bot.storage.fulltext.postgres import PostgresSearch
from bot.storage.fulltext.sqlite import SqliteSearch
from bot.storage.fulltext.terms import SEPARATOR

__all__ = [
    "BATCH",
    "add_days",
    "build",
    "create",
    "drop",
    "is_index_table",
    "mark_long",
    "remove_days",
    "unmark_long",
]

log = logging.getLogger(__name__)

BATCH = 2000
"""Articles read, cut and indexed per step of :func:`build` (and per progress line)."""


def is_index_table(name: str) -> bool:
    """True for the index's own tables (not described by the ORM models)."""
    return name == "article_search" or name == "article_fts" or name.startswith("article_fts_")


def create(conn: Connection, *, indexes: bool = True, fts5: str = sqlite.CREATE) -> None:
    """Create the (empty) index; PostgreSQL's GIN and btree can wait for :func:`build`.
    ``fts5``: SQLite's ``CREATE VIRTUAL TABLE`` (an older one, for a downgrade)."""
    if conn.dialect.name == "sqlite":
        conn.execute(text(fts5))
        conn.execute(text(sqlite.HASHSIZE))
        conn.execute(text(sqlite.AUTOMERGE))
        return
    for statement in postgres.CREATE:
        conn.execute(text(statement))
    if indexes:
        create_indexes(conn)


def create_indexes(conn: Connection) -> None:
    """PostgreSQL's GIN over the terms and the recency btree (no-op on SQLite)."""
    if conn.dialect.name != "sqlite":
        for statement in postgres.INDEXES:
            conn.execute(text(statement))


def drop(conn: Connection) -> None:
    conn.execute(text(sqlite.DROP if conn.dialect.name == "sqlite" else postgres.DROP))


def build(
    conn: Connection,
    *,
    batch: int | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    separators: bool = True,
) -> int:
    """Index every stored article (the index must be empty); returns how many.
    ``separators=False``: without :data:`~.terms.SEPARATOR`, the terms as code before
    migration 0013 cut them (for its downgrade: SQLite deletes by re-sending them).

    Reads in id order, ``batch`` (default :data:`BATCH`) at a time, and reports
    ``progress(done, total, seconds)`` after each step (default: a log line), so building
    over a large archive shows how far it got. The caller creates PostgreSQL's indexes after
    the rows (:func:`create_indexes`): one sorted build, not a million inserts into a GIN.
    """
    backend = SqliteSearch() if conn.dialect.name == "sqlite" else PostgresSearch()
    total = int(conn.scalar(text("SELECT count(*) FROM articles")) or 0)
    started = time.monotonic()
    report = progress or _log_progress
    step = batch or BATCH
    done, last_id = 0, 0
    while True:
        rows = conn.execute(
            text(
                "SELECT a.id, e.paper_id, e.date, a.title, a.paragraphs FROM articles a"
                " JOIN editions e ON e.id = a.edition_id WHERE a.id > :last"
                " ORDER BY a.id LIMIT :batch"
            ),
            {"last": last_id, "batch": step},
        ).all()
        if not rows:
            break
        entries = [
            entry(article_id, paper_id, _date(day), title, _list(paragraphs))
            for article_id, paper_id, day, title, paragraphs in rows
        ]
        backend.add(conn, entries if separators else [_unseparated(e) for e in entries])
        done += len(rows)
        last_id = rows[-1][0]
        report(done, total, time.monotonic() - started)
    return done


def _unseparated(indexed: IndexEntry) -> IndexEntry:
    def terms(field: str) -> str:
        return " ".join(t for t in field.split(" ") if t != SEPARATOR)

    return dataclasses.replace(indexed, title=terms(indexed.title), body=terms(indexed.body))


def add_days(
    conn: Connection, *, progress: Callable[[int, int, float], None] | None = None
) -> int:
    """PostgreSQL: give every stored vector its day lexeme (migration 0009); returns how many.

    The GIN goes first and is built again at the end; rows change :data:`BATCH` at a time
    in article-id order, with ``progress(done, total, seconds)`` after each (default: a log
    line). Adding a lexeme a vector already holds changes nothing.
    """
    return _each_batch(conn, f"terms || array_to_tsvector(ARRAY[{_DAY}])", progress)


def remove_days(conn: Connection) -> int:
    """PostgreSQL: take the day lexemes out again (downgrade of 0009)."""
    return _each_batch(conn, f"ts_delete(terms, {_DAY})", None)


_DAY = f"'#' || (recency / {ID_SPAN})::text"

_PAST_LIMITS = (
    "EXISTS (SELECT 1 FROM unnest(terms) AS u"
    f" WHERE cardinality(u.positions) >= {postgres.MAX_OCCURRENCES}"
    f" OR u.positions[cardinality(u.positions)] = {postgres.MAX_POSITION})"
)
"""A stored vector the server cut: a lexeme with all the positions it keeps, or one clamped
to the last position (one that merely reached either limit is marked too: harmless, its
phrases are then matched by their terms)."""


def mark_long(
    conn: Connection, *, progress: Callable[[int, int, float], None] | None = None
) -> int:
    """PostgreSQL: give the vectors past the limits their long lexeme (migration 0012); returns
    how many were marked. Every vector is read once, :data:`BATCH` at a time in article-id
    order, with ``progress(done, total, seconds)`` after each step (default: a log line); the
    GIN stays (few rows change)."""
    total = int(conn.scalar(text("SELECT count(*) FROM article_search")) or 0)
    started = time.monotonic()
    report = progress or _log_long
    done, marked, last_id = 0, 0, 0
    while True:
        batch = conn.execute(
            text(
                "SELECT article_id FROM article_search WHERE article_id > :last"
                " ORDER BY article_id LIMIT :batch"
            ),
            {"last": last_id, "batch": BATCH},
        )
        ids = batch.scalars().all()
        if not ids:
            break
        marked += conn.execute(
            text(
                "UPDATE article_search SET terms = terms || CAST(:long AS tsvector)"
                f" WHERE article_id BETWEEN :first AND :last AND {_PAST_LIMITS}"
            ),
            {"long": postgres.LONG, "first": ids[0], "last": ids[-1]},
        ).rowcount
        done += len(ids)
        last_id = ids[-1]
        report(done, total, time.monotonic() - started)
    return marked


def unmark_long(conn: Connection) -> int:
    """PostgreSQL: take the long lexemes out again (downgrade of 0012)."""
    return conn.execute(
        text(
            "UPDATE article_search SET terms = ts_delete(terms, :lexeme)"
            " WHERE terms @@ CAST(:long AS tsquery)"
        ),
        {"lexeme": postgres.LONG.strip("'"), "long": postgres.LONG},
    ).rowcount


def _each_batch(
    conn: Connection, terms: str, progress: Callable[[int, int, float], None] | None
) -> int:
    conn.execute(text("DROP INDEX IF EXISTS ix_article_search_terms"))
    total = int(conn.scalar(text("SELECT count(*) FROM article_search")) or 0)
    started = time.monotonic()
    report = progress or _log_days
    done, last_id = 0, 0
    while True:
        changed = conn.execute(
            text(
                f"UPDATE article_search SET terms = {terms} WHERE article_id IN"
                " (SELECT article_id FROM article_search WHERE article_id > :last"
                " ORDER BY article_id LIMIT :batch) RETURNING article_id"
            ),
            {"last": last_id, "batch": BATCH},
        ).scalars().all()
        if not changed:
            break
        done += len(changed)
        last_id = max(changed)
        report(done, total, time.monotonic() - started)
    conn.execute(text(postgres.INDEXES[0]))
    return done


def _log_days(done: int, total: int, seconds: float) -> None:
    log.info("day lexemes: %d of %d articles (%.0f s)", done, total, seconds)


def _log_long(done: int, total: int, seconds: float) -> None:
    log.info("long vectors: %d of %d articles read (%.0f s)", done, total, seconds)


def _log_progress(done: int, total: int, seconds: float) -> None:
    log.info("search index: %d of %d articles (%.0f s)", done, total, seconds)


def _date(value: object) -> dt.date:
    """A DATE as the driver returns it (SQLite: ISO text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _list(value: object) -> list[str]:
    """A JSON list as the driver returns it (text without the ORM's JSON type)."""
    if isinstance(value, str):
        value = json.loads(value)
    return [str(p) for p in value] if isinstance(value, list) else []
