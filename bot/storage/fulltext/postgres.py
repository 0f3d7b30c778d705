"""The index on PostgreSQL: a ``tsvector`` of pre-cut terms per article, under GIN.

``article_search(article_id, paper_id, recency, terms)``: ``terms`` is built here, not by a
text search configuration (PostgreSQL has no Chinese parser without extensions), as a
``tsvector`` literal of the terms of :mod:`.terms` with their positions, title terms weighted
A so ``ts_rank`` prefers them. GIN answers "which articles have these terms", the btree on
``recency`` walks them newest first. Rows go with their article (``ON DELETE CASCADE``).
``toast_tuple_target`` is low so the vectors live out of line and a bitmap scan over matches
reads narrow rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import text

from bot.storage.fulltext.index import Executor, Filters, IndexEntry
from bot.storage.fulltext.query import Phrase, SearchQuery

__all__ = ["CREATE", "DROP", "PostgresSearch", "tsquery", "tsvector"]

CREATE = (
    "CREATE TABLE article_search ("
    " article_id integer PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,"
    " paper_id integer NOT NULL,"
    " recency bigint NOT NULL,"
    " terms tsvector NOT NULL"
    ") WITH (toast_tuple_target = 128)",
)
INDEXES = (
    "CREATE INDEX ix_article_search_terms ON article_search USING gin (terms)",
    "CREATE UNIQUE INDEX ix_article_search_recency ON article_search (recency)",
)
DROP = "DROP TABLE IF EXISTS article_search"
INSERT = (
    "INSERT INTO article_search (article_id, paper_id, recency, terms)"
    " VALUES (:article_id, :paper_id, :key, CAST(:terms AS tsvector))"
)
MAX_POSITION = 16383  # tsvector positions stop here; later ones are clamped to it


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(title: Iterable[str], body: Iterable[str]) -> str:
    """The ``tsvector`` literal of an article: title terms (weight A) first, then the body."""
    positions: defaultdict[str, list[str]] = defaultdict(list)
    position = 0
    for weight, terms in (("A", title), ("", body)):
        for term in terms:
            position = min(position + 1, MAX_POSITION)
            positions[term].append(f"{position}{weight}")
    return " ".join(f"{_lexeme(t)}:{','.join(p[:256])}" for t, p in positions.items())


def _phrase(phrase: Phrase) -> str:
    if phrase.prefix:
        return _lexeme(phrase.terms[0]) + ":*"
    return "(" + " <-> ".join(_lexeme(t) for t in phrase.terms) + ")"


def tsquery(query: SearchQuery) -> str:
    """The ``tsquery`` text: every found phrase and none of the excluded."""
    parts = [_phrase(p) for p in query.include] + ["!" + _phrase(p) for p in query.exclude]
    return " & ".join(parts)


def _where(where: Filters) -> str:
    clauses = ["terms @@ CAST(:q AS tsquery)"]
    if where.paper_ids:
        clauses.append("paper_id = ANY(:papers)")
    if where.low is not None:
        clauses.append("recency >= :low")
    if where.high is not None:
        clauses.append("recency <= :high")
    return " AND ".join(clauses)


def _custom_plans(session: Executor) -> None:
    """Plan each search for its own words. The driver prepares a statement run five times
    and PostgreSQL may then keep one generic plan, blind to the words; the cheapest plan for
    "newest 200 of a common word" (walk the recency btree, test each row) is a full scan for
    a word no article has (measured: 0.5 s instead of 1 ms at 20,000 articles)."""
    session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _params(query: SearchQuery, where: Filters) -> dict[str, object]:
    return {
        "q": tsquery(query),
        "papers": list(where.paper_ids),
        "low": where.low,
        "high": where.high,
    }


class PostgresSearch:
    """:class:`~bot.storage.fulltext.index.SearchBackend` on ``tsvector`` and GIN."""

    def add(self, session: Executor, entries: Sequence[IndexEntry]) -> None:
        if entries:
            rows = [
                {
                    "article_id": e.article_id,
                    "paper_id": e.paper_id,
                    "key": e.key,
                    "terms": tsvector(e.title, e.body),
                }
                for e in entries
            ]
            session.execute(text(INSERT), rows)

    def remove(self, session: Executor, entries: Sequence[IndexEntry]) -> None:
        if entries:
            session.execute(
                text("DELETE FROM article_search WHERE article_id = ANY(:ids)"),
                {"ids": [e.article_id for e in entries]},
            )

    def newest(
        self, session: Executor, query: SearchQuery, where: Filters, offset: int, limit: int
    ) -> list[int]:
        sql = (
            f"SELECT recency FROM article_search WHERE {_where(where)}"
            " ORDER BY recency DESC LIMIT :limit OFFSET :offset"
        )
        params = {**_params(query, where), "limit": limit, "offset": offset}
        _custom_plans(session)
        return [int(k) for k in session.scalars(text(sql), params)]

    def ranked(
        self, session: Executor, query: SearchQuery, where: Filters, keys: tuple[int, int]
    ) -> list[tuple[int, float]]:
        bounded = Filters(where.paper_ids, keys[0], keys[1])
        sql = (
            "SELECT recency, ts_rank(terms, CAST(:q AS tsquery), 1) FROM article_search"
            f" WHERE {_where(bounded)}"
        )
        _custom_plans(session)
        return [(int(k), float(s)) for k, s in session.execute(text(sql), _params(query, bounded))]
