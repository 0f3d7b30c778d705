"""Plain records and statuses that cross module lines on the bot side.

The store returns these (never ORM objects), so handlers, the digest and delivery code work on
immutable data and never touch a database session. The statuses are string enums:
their values are exactly the strings in the database's ``status`` columns (and their CHECK
constraints), so the schema stays plain ``VARCHAR`` and the store converts at the boundary.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class DeliveryStatus(enum.StrEnum):
    """Where one digest to one chat stands (``deliveries.status``)."""

    PENDING = "pending"  # claimed, being sent (or the sender died mid-send: never resent)
    SENT = "sent"
    FAILED = "failed"  # given up: nobody tries again
    RETRY = "retry"  # failed transiently: the next run may claim it again


class DigestMode(enum.StrEnum):
    """How a reader with several papers gets the day's digests (``subscribers.digest_mode``)."""

    PER_PAPER = "per_paper"  # one digest per paper, each when its edition is due
    COMBINED = "combined"  # one message for all the reader's papers of the day


class FileStatus(enum.StrEnum):
    """How ingesting one edition file went (``ingested_files.status``)."""

    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class EditionRecord:
    """A stored edition: one paper, one date (all its pages)."""

    id: int
    paper: str
    date: dt.date
    article_count: int
    ingested_at: dt.datetime
    backfilled: bool = False
    """Stored by a backfill: archive only, never pushed as a digest."""
    content_hash: str = ""
    """What the edition was made from (its pages' bytes, or an e-paper crawl's fingerprint)."""


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """A stored article with its summary. ``number`` is its 1-based place in the edition."""

    id: int
    edition_id: int
    number: int
    page: str | None
    title: str
    byline: str | None
    paragraphs: tuple[str, ...]
    captions: tuple[str, ...]
    summary: tuple[str, ...]
    keywords: tuple[str, ...]
    continued_on: int | None = None


@dataclass(frozen=True, slots=True)
class SubscriberRecord:
    """A chat that talked to the bot. ``digest_time`` None means the configured default."""

    chat_id: int
    language: str
    active: bool
    digest_time: dt.time | None
    papers: tuple[str, ...] = ()
    """The papers the chat subscribed to, by name (in the order it chose them)."""
    digest_mode: DigestMode = DigestMode.PER_PAPER


@dataclass(frozen=True, slots=True)
class Stats:
    """What /stats shows."""

    editions: int
    articles: int
    subscribers: int
    digests_delivered: int
    top_keywords: tuple[tuple[str, int], ...]
    # (date, articles that day, distinct keywords that day), oldest first
    daily: tuple[tuple[dt.date, int, int], ...]


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One edition's digest to one chat.

    ``status``: see :class:`DeliveryStatus`. ``attempts`` counts claims.
    """

    edition_id: int
    chat_id: int
    status: DeliveryStatus
    attempts: int
    error: str | None
    claimed_at: dt.datetime
    sent_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: the article and the edition it appeared in."""

    article: ArticleRecord
    edition: EditionRecord


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of search results and how many there are in all.

    ``total`` counts at most a cap (``store.editions.COUNT_CAP``); ``exact`` is False when
    there are more matches than that.
    """

    hits: tuple[SearchHit, ...]
    total: int
    exact: bool = True
