"""The Store: every query the bot makes, each one short transaction, returning plain records.

Why synchronous: SQLAlchemy's sync API is the mature one for both SQLite and PostgreSQL, and
each call is a few milliseconds; the bot runs them with ``asyncio.to_thread``. The engine is
thread-safe and every method opens its own session, so calls from several threads are fine.

Why records: callers get frozen dataclasses from :mod:`bot.storage.records`, never ORM
objects, so no session, lazy load or stale state leaks out of this module.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TypeVar

from sqlalchemy import Engine, Select, delete, func, or_, select, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import EditionChangedError
from bot.storage import engine as db
from bot.storage.models import (
    ArticleRow,
    Delivery,
    Edition,
    IngestedFile,
    Paper,
    Subscriber,
    utcnow,
)
from bot.storage.records import (
    ArticleRecord,
    DeliveryRecord,
    EditionRecord,
    Stats,
    SubscriberRecord,
)
from summarizer.edition import Edition as ParsedEdition
from summarizer.edition import Summary

__all__ = ["EditionChangedError", "Store"]

log = logging.getLogger(__name__)

T = TypeVar("T")

TOP_KEYWORDS = 10
_ERROR_MAX = 2000  # keep stored error texts bounded; a traceback is for the log


class Store:
    """The bot's archive and bookkeeping on top of one database URL.

    ``migrate=True`` (the default) upgrades the schema to the newest revision on open, so a
    fresh SQLite file just works; pass False where migrations are run as a separate step.
    """

    def __init__(self, url: str | URL, *, migrate: bool = True) -> None:
        self._engine = db.make_engine(url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        # An in-memory SQLite database is one connection: transactions from several threads
        # would interleave on it, so they take turns. Files and servers need no lock.
        self._serial: AbstractContextManager[object] = (
            threading.RLock() if db.is_memory_sqlite(self._engine) else nullcontext()
        )
        if migrate:
            db.upgrade(self._engine)

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The underlying engine (tests and maintenance only; the bot uses the methods)."""
        return self._engine

    def close(self) -> None:
        """Release all pooled connections (on shutdown; the store is unusable afterwards)."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._serial, self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._serial, self._sessions() as session, session.begin():
            # On SQLite this makes the transaction BEGIN IMMEDIATE: take the write lock up
            # front so concurrent writers wait instead of deadlocking on lock upgrade.
            session.connection(execution_options=db.WRITE_OPTIONS)
            yield session

    def _write_retrying(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a write transaction; once more if it lost an insert race.

        For get-or-create and upserts: a concurrent transaction may insert the same unique
        key between our SELECT and INSERT; the second try then finds the row.
        """
        try:
            with self._write() as session:
                return work(session)
        except IntegrityError:
            log.debug("insert race lost; retrying once", exc_info=True)
            with self._write() as session:
                return work(session)

    # -- editions ----------------------------------------------------------------------------

    def add_edition(
        self,
        paper: str,
        edition: ParsedEdition,
        summaries: Sequence[Summary],
        content_hash: str,
    ) -> EditionRecord | None:
        """Store an edition with its articles (numbered 1..n in edition order) and summaries.

        Returns None when this paper already has an edition of that date with that content hash:
        the watcher may see the same file twice (restart, re-drop, copy) and must not create a
        second edition, which would send a second digest. ``paper`` is the configured name
        (``edition.paper`` as printed may differ). ``summaries[i]`` belongs to article i.
        A date that already has an edition is extended with :meth:`replace_edition` instead.
        """
        date = _checked_date(edition, summaries)

        def work(session: Session) -> EditionRecord | None:
            paper_row = self._paper(session, paper)
            exists = session.scalar(
                select(Edition.id).where(
                    Edition.paper_id == paper_row.id,
                    Edition.date == date,
                    Edition.content_hash == content_hash,
                )
            )
            if exists is not None:
                return None
            row = Edition(
                paper=paper_row,
                date=date,
                content_hash=content_hash,
                article_count=len(edition.articles),
            )
            session.add(row)
            session.flush()
            _add_articles(session, row.id, edition, summaries)
            return _edition_record(row)

        record = self._write_retrying(work)
        if record is None:
            log.info("edition %s %s (%s) already stored", paper, date, content_hash[:12])
        else:
            log.info(
                "stored edition %s %s: %d articles (id %d)",
                paper,
                date,
                record.article_count,
                record.id,
            )
        return record

    def replace_edition(
        self,
        edition_id: int,
        edition: ParsedEdition,
        summaries: Sequence[Summary],
        content_hash: str,
        *,
        previous_hash: str | None = None,
    ) -> EditionRecord:
        """Replace a stored edition's articles in place: the same edition, now with more pages.

        For a page that arrives after its edition was stored: the caller merges the stored
        pages with the new ones and passes the whole edition here. In one transaction the old
        articles are deleted, the new ones inserted (numbered 1..n in edition order), and the
        edition's ``content_hash`` (now that of all its pages) and ``article_count`` updated.
        The id, and with it every delivery recorded for the edition, stays: whoever had the
        digest does not get it again, and whoever reads the edition later sees all of it.
        ``ingested_at`` keeps the time of the first ingest.

        ``previous_hash``, if given, is the content hash the caller merged from (that of the
        pages it re-read): when the stored edition has another one (changed meanwhile, or the
        caller's pages are not the ones it was made from), :class:`EditionChangedError` is
        raised and nothing changes. Raises LookupError for an unknown id and ValueError when
        ``edition`` is of another date.
        """
        date = _checked_date(edition, summaries)
        with self._write() as session:
            # Lock the row (PostgreSQL; SQLite's write transaction is already exclusive): a
            # concurrent replace waits, then finds the hash changed. Only the editions row:
            # the eagerly joined paper is on the nullable side of an outer join.
            row = session.get(Edition, edition_id, with_for_update={"of": Edition})
            if row is None:
                raise LookupError(f"no edition with id {edition_id}")
            if row.date != date:
                raise ValueError(f"edition {edition_id} is of {row.date}, not of {date}")
            if previous_hash is not None and row.content_hash != previous_hash:
                raise EditionChangedError(
                    f"edition {edition_id} ({row.date}) was not made from the pages given"
                    f" (stored {row.content_hash[:12]}, given {previous_hash[:12]})"
                )
            session.execute(delete(ArticleRow).where(ArticleRow.edition_id == edition_id))
            _add_articles(session, edition_id, edition, summaries)
            row.content_hash = content_hash
            row.article_count = len(edition.articles)
            session.flush()
            record = _edition_record(row)
        log.info(
            "replaced edition %s %s: %d articles (id %d)",
            record.paper,
            record.date,
            record.article_count,
            record.id,
        )
        return record

    @staticmethod
    def _paper(session: Session, name: str) -> Paper:
        row = session.scalar(select(Paper).where(Paper.name == name))
        if row is None:
            row = Paper(name=name)
            session.add(row)
            session.flush()  # IntegrityError here = a concurrent insert; caller retries
        return row

    def latest_edition(self, paper: str | None = None) -> EditionRecord | None:
        """The newest edition (by date, then by ingestion), of one paper or of any."""
        with self._read() as session:
            row = session.scalar(_editions(paper).order_by(*_NEWEST).limit(1))
            return _edition_record(row) if row is not None else None

    def edition_on(self, date: dt.date, paper: str | None = None) -> EditionRecord | None:
        """The edition of ``date`` (the latest ingested one if re-issued), e.g. for /date."""
        with self._read() as session:
            query = _editions(paper).where(Edition.date == date).order_by(*_NEWEST).limit(1)
            row = session.scalar(query)
            return _edition_record(row) if row is not None else None

    def edition(self, edition_id: int) -> EditionRecord | None:
        """An edition by id (for links and callbacks that carry the id)."""
        with self._read() as session:
            row = session.get(Edition, edition_id)
            return _edition_record(row) if row is not None else None

    def articles(self, edition_id: int) -> list[ArticleRecord]:
        """All articles of an edition in edition order (the digest)."""
        with self._read() as session:
            rows = session.scalars(
                select(ArticleRow)
                .where(ArticleRow.edition_id == edition_id)
                .order_by(ArticleRow.number)
            )
            return [_article_record(r) for r in rows]

    def article(self, edition_id: int, number: int) -> ArticleRecord | None:
        """Article ``number`` (1-based, as shown in the digest) of an edition, e.g. for /read 3."""
        with self._read() as session:
            row = session.scalar(
                select(ArticleRow).where(
                    ArticleRow.edition_id == edition_id, ArticleRow.number == number
                )
            )
            return _article_record(row) if row is not None else None

    def find_articles_by_title(self, edition_id: int, words: str) -> list[ArticleRecord]:
        """Articles of one edition whose title contains every whitespace-separated word.

        For "/read 工会" where the user names an article instead of numbering it. Matching is
        case-insensitive for Latin letters; ``%`` and ``_`` match literally.
        """
        terms = words.split()
        if not terms:
            return []
        with self._read() as session:
            rows = session.scalars(
                select(ArticleRow)
                .where(
                    ArticleRow.edition_id == edition_id,
                    *(ArticleRow.title.icontains(t, autoescape=True) for t in terms),
                )
                .order_by(ArticleRow.number)
            )
            return [_article_record(r) for r in rows]

    def search(self, query: str, *, offset: int, limit: int) -> tuple[list[ArticleRecord], int]:
        """Archive search: articles whose title or body contains every word of ``query``.

        Newest editions first (articles in edition order within one), one page of ``limit``
        from ``offset``, plus the total number of matches for the pager. The query is user
        input: it only ever travels as a bound parameter, with LIKE wildcards escaped, so
        "50%" finds "50%" and not everything starting with "50".
        """
        if offset < 0 or limit < 1:
            raise ValueError(f"bad page: offset={offset}, limit={limit}")
        terms = query.split()
        if not terms:
            return [], 0
        where = [
            or_(
                ArticleRow.title.icontains(t, autoescape=True),
                ArticleRow.body.icontains(t, autoescape=True),
            )
            for t in terms
        ]
        with self._read() as session:
            total = session.scalar(select(func.count(ArticleRow.id)).where(*where)) or 0
            if offset >= total:
                return [], total
            rows = session.scalars(
                select(ArticleRow)
                .join(Edition, Edition.id == ArticleRow.edition_id)
                .where(*where)
                .order_by(Edition.date.desc(), Edition.id.desc(), ArticleRow.number)
                .offset(offset)
                .limit(limit)
            )
            return [_article_record(r) for r in rows], total

    # -- ingested files ----------------------------------------------------------------------

    def record_file(self, path: str, content_hash: str, status: str, reason: str | None) -> None:
        """Remember that a file with this content was processed, and how it went.

        Keyed by content hash: the same bytes under another name are the same file. Recording
        the same hash again overwrites the previous outcome (a failed file re-dropped after a
        parser fix and now ``ok``).
        """
        if status not in ("ok", "failed"):
            raise ValueError(f"file status must be 'ok' or 'failed', got {status!r}")

        def work(session: Session) -> None:
            row = session.scalar(
                select(IngestedFile).where(IngestedFile.content_hash == content_hash)
            )
            if row is None:
                row = IngestedFile(content_hash=content_hash, path=path, status=status)
                session.add(row)
            row.path, row.status, row.reason = path, status, reason
            session.flush()

        self._write_retrying(work)

    def file_seen(self, content_hash: str) -> bool:
        """True if a file with this content was ingested successfully: skip it.

        Failed files do not count: they were moved to ``failed/``, and an operator who drops
        one back in (typically after a fix) wants it tried again.
        """
        with self._read() as session:
            found = session.scalar(
                select(IngestedFile.id).where(
                    IngestedFile.content_hash == content_hash, IngestedFile.status == "ok"
                )
            )
            return found is not None

    # -- subscribers -------------------------------------------------------------------------

    def subscribe(self, chat_id: int, language: str) -> bool:
        """Make the chat an active subscriber; True if it was not active before (/start).

        A returning chat keeps its stored language and digest time (its earlier choices);
        ``language`` applies to new chats only; use :meth:`set_language` to change it.
        """

        def work(session: Session) -> bool:
            row = _subscriber(session, chat_id)
            if row is None:
                session.add(
                    Subscriber(chat_id=chat_id, language=language, active=True, digest_time=None)
                )
                session.flush()
                return True
            if row.active:
                return False
            row.active, row.inactive_reason = True, None
            return True

        changed = self._write_retrying(work)
        if changed:
            log.info("chat %d subscribed", chat_id)
        return changed

    def unsubscribe(self, chat_id: int) -> bool:
        """Stop digests at the chat's request (/stop); True if it was active. Row is kept."""
        return self._deactivate(chat_id, "unsubscribed")

    def deactivate(self, chat_id: int) -> None:
        """Stop digests because Telegram refused delivery (403: blocked, kicked, deleted).

        Unlike deleting, this keeps the chat's settings and delivery history, and a later
        /start simply reactivates it.
        """
        self._deactivate(chat_id, "blocked")

    def _deactivate(self, chat_id: int, reason: str) -> bool:
        with self._write() as session:
            row = _subscriber(session, chat_id)
            if row is None or not row.active:
                return False
            row.active, row.inactive_reason = False, reason
        log.info("chat %d deactivated (%s)", chat_id, reason)
        return True

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """Follow a group that became a supergroup (Telegram gives it a new chat id).

        The subscription and its delivery history move to ``new_id``, so the new chat neither
        loses its subscription nor gets a digest the old one already had. If ``new_id`` already
        has a row (it talked to the bot first), the two are merged and the old row is kept
        inactive with reason "migrated".
        """
        if old_id == new_id:
            return
        with self._write() as session:
            old = _subscriber(session, old_id)
            if old is None:
                return
            new = _subscriber(session, new_id)
            if new is None:
                old.chat_id = new_id
            else:
                new.active = new.active or old.active
                new.digest_time = new.digest_time or old.digest_time
                new.inactive_reason = None if new.active else new.inactive_reason
                old.active, old.inactive_reason = False, "migrated"
            already = select(Delivery.edition_id).where(Delivery.chat_id == new_id)
            session.execute(
                update(Delivery)
                .where(Delivery.chat_id == old_id, Delivery.edition_id.not_in(already))
                .values(chat_id=new_id)
                .execution_options(synchronize_session=False)
            )
        log.info("chat %d migrated to %d", old_id, new_id)

    def set_digest_time(self, chat_id: int, time: dt.time | None) -> bool:
        """Set the chat's own digest time (None: back to the configured default).

        Returns False if the chat is unknown (it must /start first).
        """
        if time is not None and time.tzinfo is not None:
            raise ValueError("digest time is a wall-clock time in the configured timezone")
        with self._write() as session:
            row = _subscriber(session, chat_id)
            if row is None:
                return False
            row.digest_time = time
            return True

    def set_language(self, chat_id: int, language: str) -> bool:
        """Set the chat's language; False if the chat is unknown."""
        with self._write() as session:
            row = _subscriber(session, chat_id)
            if row is None:
                return False
            row.language = language
            return True

    def subscriber(self, chat_id: int) -> SubscriberRecord | None:
        """The chat's subscription, active or not; None if it never subscribed."""
        with self._read() as session:
            row = _subscriber(session, chat_id)
            return _subscriber_record(row) if row is not None else None

    def active_subscribers(self) -> list[SubscriberRecord]:
        """Every chat that currently receives digests, by chat id."""
        with self._read() as session:
            rows = session.scalars(
                select(Subscriber).where(Subscriber.active.is_(True)).order_by(Subscriber.chat_id)
            )
            return [_subscriber_record(r) for r in rows]

    # -- deliveries --------------------------------------------------------------------------

    def claim_delivery(self, edition_id: int, chat_id: int) -> bool:
        """Claim the right to send this edition's digest to this chat; True if we got it.

        The claim is a row under UNIQUE(edition_id, chat_id), inserted *before* sending. A
        second claim, from this process after a restart or from a concurrent sender, hits the
        constraint and gets False: a digest is sent at most once. The price is that a sender
        dying mid-send leaves the row ``pending`` and that chat misses this edition; a
        duplicate morning digest is the worse failure. A row left in ``retry`` by
        :meth:`mark_failed` is taken over by a conditional UPDATE, atomic on both backends.
        An unknown ``edition_id`` cannot be claimed (False; the foreign key refuses it).
        """
        try:
            with self._write() as session:
                session.add(
                    Delivery(edition_id=edition_id, chat_id=chat_id, status="pending", attempts=1)
                )
                session.flush()
            return True
        except IntegrityError:
            pass
        with self._write() as session:
            result = session.execute(
                update(Delivery)
                .where(
                    Delivery.edition_id == edition_id,
                    Delivery.chat_id == chat_id,
                    Delivery.status == "retry",
                )
                .values(
                    status="pending",
                    attempts=Delivery.attempts + 1,
                    claimed_at=utcnow(),
                    updated_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    def mark_delivered(self, edition_id: int, chat_id: int) -> None:
        """Record a successful send. Without a prior claim the row is created anyway: the
        message is out, and recording that is what keeps it from going out twice."""

        def work(session: Session) -> None:
            row = _delivery(session, edition_id, chat_id)
            if row is None:
                log.warning("delivery %d -> %d marked sent without a claim", edition_id, chat_id)
                row = Delivery(edition_id=edition_id, chat_id=chat_id, attempts=1)
                session.add(row)
            row.status, row.sent_at, row.error = "sent", utcnow(), None
            session.flush()

        self._write_retrying(work)

    def mark_failed(self, edition_id: int, chat_id: int, error: str, retryable: bool) -> None:
        """Record a failed send.

        ``retryable`` (network error, flood wait, server error) frees the claim: the row goes
        to ``retry`` and a later run's :meth:`claim_delivery` may take it. Otherwise (bad
        request, blocked) the claim is kept as ``failed`` and nobody tries again. Either way
        the error text is kept for /stats and debugging. A ``sent`` row is never downgraded.
        """
        status = "retry" if retryable else "failed"
        error = error[:_ERROR_MAX]

        def work(session: Session) -> None:
            row = _delivery(session, edition_id, chat_id)
            if row is None:
                row = Delivery(edition_id=edition_id, chat_id=chat_id, attempts=1)
                session.add(row)
            elif row.status == "sent":
                log.warning("delivery %d -> %d already sent; failure ignored", edition_id, chat_id)
                return
            row.status, row.error = status, error
            session.flush()

        self._write_retrying(work)

    def delivered(self, edition_id: int, chat_id: int) -> bool:
        """True if this edition's digest was sent to this chat."""
        with self._read() as session:
            row = _delivery(session, edition_id, chat_id)
            return row is not None and row.status == "sent"

    def delivery(self, edition_id: int, chat_id: int) -> DeliveryRecord | None:
        """The delivery row of this edition and chat (status, attempts, last error)."""
        with self._read() as session:
            row = _delivery(session, edition_id, chat_id)
            return _delivery_record(row) if row is not None else None

    def pending_chats(self, edition_id: int) -> list[SubscriberRecord]:
        """Active subscribers that still need this edition's digest, by chat id.

        That is: no delivery row at all, or one freed for retry. Chats whose digest is sent,
        being sent (``pending``) or given up (``failed``) are left out, since a claim for
        them would fail anyway.
        """
        taken = select(Delivery.chat_id).where(
            Delivery.edition_id == edition_id, Delivery.status != "retry"
        )
        with self._read() as session:
            rows = session.scalars(
                select(Subscriber)
                .where(Subscriber.active.is_(True), Subscriber.chat_id.not_in(taken))
                .order_by(Subscriber.chat_id)
            )
            return [_subscriber_record(r) for r in rows]

    # -- stats -------------------------------------------------------------------------------

    def stats(self, today: dt.date, days: int = 14) -> Stats:
        """The numbers behind /stats.

        Totals over the whole archive; ``top_keywords``: the most frequent keywords of the
        week ending ``today`` (edition dates today-6 .. today; an article counts once per
        keyword; ties by keyword); ``daily``: for each of the last ``days`` dates, oldest
        first and including empty days, the number of articles and of distinct keywords.
        ``today`` is passed in because "today" depends on the configured timezone.
        """
        if days < 1:
            raise ValueError(f"days must be >= 1, got {days}")
        week_start = today - dt.timedelta(days=6)
        first = min(week_start, today - dt.timedelta(days=days - 1))
        with self._read() as session:
            editions = session.scalar(select(func.count(Edition.id))) or 0
            articles = session.scalar(select(func.count(ArticleRow.id))) or 0
            subscribers = (
                session.scalar(select(func.count(Subscriber.id)).where(Subscriber.active.is_(True)))
                or 0
            )
            delivered = (
                session.scalar(select(func.count(Delivery.id)).where(Delivery.status == "sent"))
                or 0
            )
            rows = session.execute(
                select(Edition.date, ArticleRow.keywords)
                .join(Edition, Edition.id == ArticleRow.edition_id)
                .where(Edition.date >= first, Edition.date <= today)
            ).all()

        week: Counter[str] = Counter()
        per_day: dict[dt.date, tuple[int, set[str]]] = {}
        for date, keywords in rows:
            unique = set(keywords or ())
            if date >= week_start:
                week.update(unique)
            count, seen = per_day.get(date, (0, set()))
            per_day[date] = (count + 1, seen | unique)
        top = sorted(week.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_KEYWORDS]
        daily = []
        for offset in range(days - 1, -1, -1):
            date = today - dt.timedelta(days=offset)
            count, seen = per_day.get(date, (0, set()))
            daily.append((date, count, len(seen)))
        return Stats(
            editions=editions,
            articles=articles,
            subscribers=subscribers,
            digests_delivered=delivered,
            top_keywords=tuple(top),
            daily=tuple(daily),
        )


# ---------------------------------------------------------------------------------------------
# helpers

_NEWEST = (Edition.date.desc(), Edition.id.desc())


def _editions(paper: str | None) -> Select[tuple[Edition]]:
    query = select(Edition)
    if paper is not None:
        query = query.join(Paper, Paper.id == Edition.paper_id).where(Paper.name == paper)
    return query


def _checked_date(edition: ParsedEdition, summaries: Sequence[Summary]) -> dt.date:
    """The edition's date, after checking it has one and one summary per article."""
    if edition.date is None:
        raise ValueError("edition has no date; cannot store it")
    if len(summaries) != len(edition.articles):
        raise ValueError(f"{len(summaries)} summaries for {len(edition.articles)} articles")
    return edition.date


def _add_articles(
    session: Session, edition_id: int, edition: ParsedEdition, summaries: Sequence[Summary]
) -> None:
    """Insert the edition's articles, numbered 1..n in edition order, with their summaries."""
    for number, (article, summary) in enumerate(
        zip(edition.articles, summaries, strict=True), start=1
    ):
        session.add(
            ArticleRow(
                edition_id=edition_id,
                number=number,
                page=article.page if article.page is not None else edition.page,
                title=article.title,
                byline=article.byline,
                paragraphs=list(article.paragraphs),
                captions=list(article.captions),
                summary=list(summary.sentences),
                keywords=list(summary.keywords),
                continued_on=article.continued_on,
                body=article.text,
            )
        )
    session.flush()


def _subscriber(session: Session, chat_id: int) -> Subscriber | None:
    return session.scalar(select(Subscriber).where(Subscriber.chat_id == chat_id))


def _delivery(session: Session, edition_id: int, chat_id: int) -> Delivery | None:
    return session.scalar(
        select(Delivery).where(Delivery.edition_id == edition_id, Delivery.chat_id == chat_id)
    )


def _edition_record(row: Edition) -> EditionRecord:
    return EditionRecord(
        id=row.id,
        paper=row.paper.name,
        date=row.date,
        article_count=row.article_count,
        ingested_at=row.ingested_at,
    )


def _article_record(row: ArticleRow) -> ArticleRecord:
    return ArticleRecord(
        id=row.id,
        edition_id=row.edition_id,
        number=row.number,
        page=row.page,
        title=row.title,
        byline=row.byline,
        paragraphs=tuple(row.paragraphs),
        captions=tuple(row.captions),
        summary=tuple(row.summary),
        keywords=tuple(row.keywords),
        continued_on=row.continued_on,
    )


def _subscriber_record(row: Subscriber) -> SubscriberRecord:
    return SubscriberRecord(
        chat_id=row.chat_id,
        language=row.language,
        active=row.active,
        digest_time=row.digest_time,
    )


def _delivery_record(row: Delivery) -> DeliveryRecord:
    return DeliveryRecord(
        edition_id=row.edition_id,
        chat_id=row.chat_id,
        status=row.status,
        attempts=row.attempts,
        error=row.error,
        claimed_at=row.claimed_at,
        sent_at=row.sent_at,
    )
