"""What both backends index and how a search asks them: entries, filters, the backend API.

An article is indexed under its *recency key*: the edition's date and, within a date, the
article's id, packed into one integer; descending, it puts the newest date first and, within
a date, the article stored last. Both backends order and slice by it, so "newest first" and
"the newest N matches" are index walks, never sorts of every match. Keys grow as an edition's
articles are stored (ids grow), which FTS5 needs to append to its doclists without a flush
per row (a descending rowid forces one: 20 times slower bulk inserts, measured).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bot.storage.fulltext.query import SearchQuery
from bot.storage.fulltext.terms import document_text

__all__ = [
    "ID_SPAN",
    "TIME_LIMIT",
    "Executor",
    "Filters",
    "IndexEntry",
    "SearchBackend",
    "arm_time_limit",
    "article_of",
    "day_keys",
    "entry",
    "recency",
]

Executor = Session | Connection
"""Where index statements run: the store's session, or the migration's connection."""

ID_SPAN = 2**31
"""Article ids are 32-bit: the low bits of a recency key."""

TIME_LIMIT = "search_time_limit"
"""The key of ``session.info`` under which a search keeps its time limit's ``arm`` (see
``bot.storage.editions``): a backend that runs several heavy statements for one call calls
:func:`arm_time_limit` before each after the first."""


def arm_time_limit(session: Executor) -> None:
    """Give the next statement only what is left of the search's time limit (or stop the
    search if none is left); nothing outside a search."""
    arm = session.info.get(TIME_LIMIT)
    if arm is not None:
        arm()


def recency(date: dt.date, article_id: int) -> int:
    """The key: larger is newer (by date, then by id)."""
    return date.toordinal() * ID_SPAN + article_id


def article_of(key: int) -> int:
    """The article id a recency key was made from."""
    return key % ID_SPAN


def day_keys(since: dt.date | None, until: dt.date | None) -> tuple[int | None, int | None]:
    """The recency keys bounding the dates ``since`` .. ``until`` (inclusive; None: open)."""
    low = since.toordinal() * ID_SPAN if since else None
    high = (until.toordinal() + 1) * ID_SPAN - 1 if until else None
    return low, high


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One article as the index sees it: its title's and its paragraphs' terms, each field
    one string of space-separated terms (:func:`~.terms.document_text`), as FTS5 takes it."""

    article_id: int
    key: int
    paper_id: int
    title: str
    body: str


def entry(
    article_id: int, paper_id: int, date: dt.date, title: str, paragraphs: Sequence[str]
) -> IndexEntry:
    """The index entry of a stored article (its title and paragraphs cut into terms)."""
    return IndexEntry(
        article_id=article_id,
        key=recency(date, article_id),
        paper_id=paper_id,
        title=document_text([title]),
        body=document_text(paragraphs),
    )


@dataclass(frozen=True, slots=True)
class Filters:
    """Where to search: paper ids (empty: all) and a recency-key range (None: open)."""

    paper_ids: tuple[int, ...] = ()
    low: int | None = None
    high: int | None = None


class SearchBackend(Protocol):
    """The full-text index of one database kind (:mod:`.sqlite`, :mod:`.postgres`)."""

    def add(self, session: Executor, entries: Sequence[IndexEntry]) -> None:
        """Index these articles (new ids)."""
        ...

    def remove(self, session: Executor, entries: Sequence[IndexEntry]) -> None:
        """Drop these articles from the index (as they were indexed)."""
        ...

    def newest(
        self, session: Executor, query: SearchQuery, where: Filters, offset: int, limit: int
    ) -> list[int]:
        """Recency keys of matches, newest first, ``limit`` from ``offset``."""
        ...

    def ranked(
        self, session: Executor, query: SearchQuery, where: Filters, pool: Sequence[int]
    ) -> list[tuple[int, float]]:
        """(recency key, score) of the matches in ``pool``: recency keys, newest first, of
        every match between the first and the last. Higher scores are better."""
        ...
