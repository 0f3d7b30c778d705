"""The index on SQLite: a contentless FTS5 table over pre-cut terms.

``article_fts(title, body, paper)``, ``content=''`` (the text is in ``articles`` already;
the index keeps only terms, positions and lengths), ``tokenize='ascii'`` (splits on ASCII
spaces and symbols only, so each term of :mod:`.terms` arrives as one token, untouched).
The rowid is the recency key (:func:`.index.recency`): newest-first is a backward walk of
the doclist and a date filter a rowid range. ``paper`` holds one token per article (``p7``)
so the reader's papers filter inside the index. Contentless FTS5 on SQLite 3.40 deletes by
the ``'delete'`` command with the terms that were indexed: :meth:`remove` re-cuts them from
the stored article, which :mod:`.terms` (no dictionary) reproduces exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text

from bot.storage.fulltext.index import Executor, Filters, IndexEntry
from bot.storage.fulltext.pool import rank_pool
from bot.storage.fulltext.query import Phrase, SearchQuery

__all__ = ["CREATE", "DROP", "SqliteSearch", "match_expression"]

CREATE = (
    "CREATE VIRTUAL TABLE article_fts USING fts5("
    "title, body, paper, content='', tokenize='ascii', detail=full, prefix='1')"
)
"""``prefix='1'``: an index of every term's first character, so a single Han character (a
prefix query, ``"的" *``) reads one doclist instead of merging those of every term it starts.
That merge ran inside one step of SQLite's virtual machine, where the progress handler (the
search's time limit) never looked: ``的 是 在 了 和 有 人 中`` ran 0.91 s under a 0.05 s limit
(1.28 s → 0.02 s for the statement at 30,000 articles with the prefix index; migration 0013)."""
# FTS5 flushes its pending terms to a new segment whenever they pass "hashsize" (1 MB by
# default, about six articles of bigrams): 64 MB lets an edition go in as one segment, and
# bulk inserts run 2.7x faster (3.6 -> 1.3 ms per article, measured). Stored in the table.
HASHSIZE = "INSERT INTO article_fts(article_fts, rank) VALUES ('hashsize', 67108864)"
AUTOMERGE = "INSERT INTO article_fts(article_fts, rank) VALUES ('automerge', 8)"
"""Merge segments eight at a time, not four (FTS5's default): each edition's commit writes a
segment, and an article's terms are rewritten once per merge level they pass through, so
fewer, wider merges cost less per article stored (20 editions: 0.85 -> 0.74 ms per article
stored with the index), while a search reads a few more segments (100,000 articles built
alike: 7 segments instead of 5, query mix p50 3.2 -> 3.5 ms). Stored in the table."""
DROP = "DROP TABLE IF EXISTS article_fts"
INSERT = "INSERT INTO article_fts(rowid, title, body, paper) VALUES (:key, :title, :body, :paper)"
DELETE = (
    "INSERT INTO article_fts(article_fts, rowid, title, body, paper)"
    " VALUES ('delete', :key, :title, :body, :paper)"
)


def _phrase(phrase: Phrase) -> str:
    # Terms are letters, digits and Han only (see .terms): nothing to escape inside quotes.
    quoted = '"' + " ".join(phrase.terms) + '"'
    return quoted + " *" if phrase.prefix else quoted


def match_expression(query: SearchQuery, paper_ids: Sequence[int] = ()) -> str:
    """The FTS5 MATCH string: every found phrase, none of the excluded, in the papers."""
    found = " AND ".join(_phrase(p) for p in query.include)
    expression = "{title body} : (" + found + ")"
    if paper_ids:
        expression = "{paper} : (" + " OR ".join(f"p{i}" for i in paper_ids) + ") AND " + expression
    for phrase in query.exclude:
        expression = f"({expression}) NOT {{title body}} : {_phrase(phrase)}"
    return expression


def _where(where: Filters) -> str:
    clauses = ["article_fts MATCH :match"]
    if where.low is not None:
        clauses.append("rowid >= :low")
    if where.high is not None:
        clauses.append("rowid <= :high")
    return " AND ".join(clauses)


def _params(query: SearchQuery, where: Filters) -> dict[str, object]:
    return {"match": match_expression(query, where.paper_ids), "low": where.low, "high": where.high}


def _row(entry: IndexEntry) -> dict[str, object]:
    return {
        "key": entry.key,
        "title": entry.title,
        "body": entry.body,
        "paper": f"p{entry.paper_id}",
    }


class SqliteSearch:
    """:class:`~bot.storage.fulltext.index.SearchBackend` on FTS5."""

    def add(self, session: Executor, entries: Sequence[IndexEntry]) -> None:
        if entries:
            session.execute(text(INSERT), [_row(e) for e in entries])

    def remove(self, session: Executor, entries: Sequence[IndexEntry]) -> None:
        if entries:
            session.execute(text(DELETE), [_row(e) for e in entries])

    def newest(
        self, session: Executor, query: SearchQuery, where: Filters, offset: int, limit: int
    ) -> list[int]:
        sql = (
            f"SELECT rowid FROM article_fts WHERE {_where(where)}"
            " ORDER BY rowid DESC LIMIT :limit OFFSET :offset"
        )
        params = {**_params(query, where), "limit": limit, "offset": offset}
        return list(session.scalars(text(sql), params))

    def ranked(
        self, session: Executor, query: SearchQuery, where: Filters, pool: Sequence[int]
    ) -> list[tuple[int, float]]:
        """Our own bm25 over the pool (:mod:`.pool`), never FTS5's ``bm25()``, whose IDF
        runs every word over the whole table."""
        return rank_pool(session, query, where, pool, self.count)

    def count(self, session: Executor, query: SearchQuery, where: Filters) -> int:
        """How many articles in ``where`` match ``query``."""
        sql = f"SELECT count(*) FROM article_fts WHERE {_where(where)}"
        return int(session.scalar(text(sql), _params(query, where)) or 0)
