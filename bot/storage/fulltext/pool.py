"""Relevance of the ranking pool on SQLite: bm25 (:mod:`.rank`) over the pooled articles'
stored text, with each word's IDF from its share of the newest articles.

Why not FTS5's ``bm25()``: it runs every word over the whole table for its IDF (138-573 ms a
query at 1,000,000 articles, growing with the archive); reading the pool's text is one
primary-key lookup per article. (PostgreSQL keeps ``ts_rank``: there the pool's text costs
more to read than its vectors, see :mod:`.postgres`.)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence

from sqlalchemy import Date, bindparam, text

from bot.storage.fulltext.index import ID_SPAN, Executor, Filters, article_of
from bot.storage.fulltext.query import SearchQuery
from bot.storage.fulltext.rank import PoolArticle, bm25, idf

__all__ = ["IDF_DAYS", "IDF_SAMPLE", "Count", "rank_pool"]

IDF_SAMPLE = 1000
"""Articles (whole days, newest first) in which each word's share is counted for its IDF."""
IDF_DAYS = 64
"""At most this many days of articles are counted for :data:`IDF_SAMPLE` (a sparse paper)."""

_POOL = text("SELECT id, title, paragraphs FROM articles WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


Count = Callable[[Executor, SearchQuery, Filters], int]
"""How many articles in a key range match a query (the index's own count)."""


def rank_pool(
    session: Executor,
    query: SearchQuery,
    where: Filters,
    pool: Sequence[int],
    count: Count,
) -> list[tuple[int, float]]:
    """(recency key, score) of the articles of ``pool`` (keys, newest first) for ``query``;
    higher is better. ``count`` counts a word's matches for its IDF."""
    ids = [article_of(key) for key in pool]
    by_id = {int(i): (title, paras) for i, title, paras in session.execute(_POOL, {"ids": ids})}
    articles = [
        PoolArticle(key, by_id[i][0], _paragraphs(by_id[i][1]))
        for key, i in zip(pool, ids, strict=True)
        if i in by_id
    ]
    return bm25(articles, query.include, _idfs(session, query, where, pool, count))


def _paragraphs(stored: str) -> list[str]:
    """The JSON column as SQLite returns it to a text query."""
    return list(json.loads(stored))


def _idfs(
    session: Executor,
    query: SearchQuery,
    where: Filters,
    pool: Sequence[int],
    count: Count,
) -> list[float]:
    """Each found word's IDF, from its share of the newest :data:`IDF_SAMPLE` articles of
    the pool's days (in the query's papers). With one word: 1, it would change no order."""
    if len(query.include) < 2 or not pool:
        return [1.0] * len(query.include)
    first, last = pool[-1] // ID_SPAN, pool[0] // ID_SPAN
    papers = " AND paper_id IN :papers" if where.paper_ids else ""
    days = text(  # every edition's articles are indexed, re-issues too
        "SELECT date, sum(article_count) FROM editions"
        f" WHERE date BETWEEN :first AND :last{papers}"
        " GROUP BY date ORDER BY date DESC LIMIT :limit"
    ).bindparams(bindparam("first", type_=Date), bindparam("last", type_=Date))
    if where.paper_ids:
        days = days.bindparams(bindparam("papers", expanding=True))
    params: dict[str, object] = {
        "first": dt.date.fromordinal(first),
        "last": dt.date.fromordinal(last),
        "limit": IDF_DAYS,
        "papers": list(where.paper_ids),
    }
    articles, oldest = 0, last
    for day, on_day in session.execute(days, params).all():
        articles += int(on_day)
        oldest = dt.date.fromisoformat(str(day)).toordinal()
        if articles >= IDF_SAMPLE:
            break
    sample = Filters(where.paper_ids, oldest * ID_SPAN, (last + 1) * ID_SPAN - 1)
    return [
        idf(count(session, SearchQuery(include=(phrase,)), sample), articles)
        for phrase in query.include
    ]
