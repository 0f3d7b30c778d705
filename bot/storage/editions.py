"""Editions and their articles: the archive the digests, /today, /article and /search read.

One aggregate: an edition's articles are only ever written together with it (added with it,
replaced with it when a late page arrives), so both live behind :class:`Editions`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Select, delete, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.errors import EditionChangedError, SearchTooLongError
from bot.storage import fulltext
from bot.storage.engine import allow_long_pauses
from bot.storage.fulltext import Filters, SearchBackend, SearchOrder, SearchQuery
from bot.storage.fulltext.index import ID_SPAN, TIME_LIMIT, article_of, day_keys
from bot.storage.models import ArticleRow, Edition, Paper
from bot.storage.papers import paper_row
from bot.storage.records import ArticleRecord, EditionRecord, SearchHit, SearchPage
from bot.storage.transactions import Transactions
from summarizer.edition import Edition as ParsedEdition
from summarizer.edition import Summary

__all__ = ["Editions"]

log = logging.getLogger(__name__)

_NEWEST = (Edition.date.desc(), Edition.id.desc())

COUNT_CAP = 200
"""Matches are counted up to here ("200+"): the count comes from the same walk as the ranking
pool, and on PostgreSQL each match of a phrase costs a read of its ``tsvector`` from TOAST
(~10-40 µs), so counting to 1,000 alone would cost more than the 50 ms budget."""
RANK_POOL = 200
"""Relevance ranks the newest this many matches (every match of a rare word); results past
them follow newest first. Ranking reads each pooled article (SQLite counts the words in its
text, :mod:`bot.storage.fulltext.rank`; PostgreSQL reads its ``tsvector``), so the pool is
what bounds a search's cost, not the archive."""
SEARCH_SECONDS = 2.0
"""A search's time limit, enforced by the database (PostgreSQL's ``statement_timeout``,
SQLite's progress handler): typical searches take milliseconds at 1,000,000 articles, but
words matching nearly every article, many at once (``的 是 在 了 -和 -有``), took 4-12 s at
100,000, each holding one of the few search threads and a core."""
DAY_CAP = 1000
"""A day the walk cut (its first pages not reached) is read to its start for "newest first",
up to this many more matches: five papers of 150 articles a day are 750 articles."""
WINDOW_DAYS = (8, 64, 512)
"""The slices of edition days, back from the newest, that a search walks before the rest
(see :func:`_newest_keys`)."""


class Editions:
    """Store and read editions with their articles and summaries (``store.editions``)."""

    def __init__(self, tx: Transactions, index: SearchBackend) -> None:
        self._tx = tx
        self._index = index

    def add(
        self,
        paper: str,
        edition: ParsedEdition,
        summaries: Sequence[Summary],
        content_hash: str,
        *,
        backfilled: bool = False,
        first_of_its_date: bool = False,
    ) -> EditionRecord | None:
        """Store an edition with its articles (numbered 1..n in edition order) and summaries.

        Returns None when this paper already has an edition of that date with that content hash:
        the watcher may see the same file twice (restart, re-drop, copy) and must not create a
        second edition, which would send a second digest. ``paper`` is the configured name
        (``edition.paper`` as printed may differ). ``summaries[i]`` belongs to article i.
        A date that already has an edition is extended with :meth:`replace` instead.

        ``first_of_its_date``: None as well when the paper has any edition of that date (the
        paper's row locked meanwhile): a site poll that found none stored, racing another
        process's poll of the same site, must not store a second edition of the day.
        """
        date = _checked_date(edition, summaries)

        def work(session: Session) -> EditionRecord | None:
            allow_long_pauses(session)  # the articles are indexed in Python between statements
            paper_of = paper_row(session, paper)
            same = [Edition.paper_id == paper_of.id, Edition.date == date]
            if first_of_its_date:
                session.refresh(paper_of, with_for_update=True)
            else:
                same.append(Edition.content_hash == content_hash)
            if session.scalar(select(Edition.id).where(*same).limit(1)) is not None:
                return None
            row = Edition(
                paper=paper_of,
                date=date,
                content_hash=content_hash,
                article_count=len(edition.articles),
                backfilled=backfilled,
            )
            session.add(row)
            session.flush()
            _add_articles(session, self._index, row, edition, summaries)
            return _edition_record(row)

        record = self._tx.write_retrying(work)
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

    def replace(
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
        with self._tx.write() as session:
            allow_long_pauses(session)  # the articles are indexed in Python between statements
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
            old = session.scalars(select(ArticleRow).where(ArticleRow.edition_id == edition_id))
            self._index.remove(session, [_entry(a, row) for a in old])
            session.execute(delete(ArticleRow).where(ArticleRow.edition_id == edition_id))
            _add_articles(session, self._index, row, edition, summaries)
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

    def latest(self, paper: str | None = None) -> EditionRecord | None:
        """The newest edition (by date, then by ingestion), of one paper or of any."""
        with self._tx.read() as session:
            row = session.scalar(_editions(paper).order_by(*_NEWEST).limit(1))
            return _edition_record(row) if row is not None else None

    def recent(self, paper: str, since: dt.date) -> list[EditionRecord]:
        """The editions of ``paper`` dated ``since`` or later, newest first; of a date issued
        more than once, the latest ingested (as :meth:`on`)."""
        with self._tx.read() as session:
            query = _editions(paper).where(Edition.date >= since).order_by(*_NEWEST)
            newest: dict[dt.date, EditionRecord] = {}
            for row in session.scalars(query):
                newest.setdefault(row.date, _edition_record(row))
            return list(newest.values())

    def on(self, date: dt.date, paper: str | None = None) -> EditionRecord | None:
        """The edition of ``date`` (the latest ingested one if re-issued), e.g. for /date."""
        with self._tx.read() as session:
            query = _editions(paper).where(Edition.date == date).order_by(*_NEWEST).limit(1)
            row = session.scalar(query)
            return _edition_record(row) if row is not None else None

    def get(self, edition_id: int) -> EditionRecord | None:
        """An edition by id (for links and callbacks that carry the id)."""
        with self._tx.read() as session:
            row = session.get(Edition, edition_id)
            return _edition_record(row) if row is not None else None

    def articles(self, edition_id: int) -> list[ArticleRecord]:
        """All articles of an edition in edition order (the digest)."""
        with self._tx.read() as session:
            rows = session.scalars(
                select(ArticleRow)
                .where(ArticleRow.edition_id == edition_id)
                .order_by(ArticleRow.number)
            )
            return [_article_record(r) for r in rows]

    def article(self, edition_id: int, number: int) -> ArticleRecord | None:
        """Article ``number`` (1-based, as shown in the digest) of an edition, e.g. for /read 3."""
        with self._tx.read() as session:
            row = session.scalar(
                select(ArticleRow).where(
                    ArticleRow.edition_id == edition_id, ArticleRow.number == number
                )
            )
            return _article_record(row) if row is not None else None

    def articles_by_title(self, edition_id: int, words: str) -> list[ArticleRecord]:
        """Articles of one edition whose title contains every whitespace-separated word.

        For "/read 工会" where the user names an article instead of numbering it. Matching is
        case-insensitive for Latin letters; ``%`` and ``_`` match literally.
        """
        terms = words.split()
        if not terms:
            return []
        with self._tx.read() as session:
            rows = session.scalars(
                select(ArticleRow)
                .where(
                    ArticleRow.edition_id == edition_id,
                    *(ArticleRow.title.icontains(t, autoescape=True) for t in terms),
                )
                .order_by(ArticleRow.number)
            )
            return [_article_record(r) for r in rows]

    def search(
        self, query: SearchQuery, *, offset: int, limit: int, seconds: float = SEARCH_SECONDS
    ) -> SearchPage:
        """Archive search: one page of the articles that match ``query`` (title or text).

        Most relevant first (bm25 over the pool on SQLite, ``ts_rank`` on PostgreSQL; among
        equals the newer, then the earlier in print), ranking the newest :data:`RANK_POOL`
        matches; or newest first when the query says so, each day in print order
        (:func:`in_print_order`). ``query.papers`` limits it to those papers (names; unknown
        ones match nothing), ``since``/``until`` to those edition dates. ``limit`` hits from
        ``offset`` and the number of matches, counted up to :data:`COUNT_CAP`. Build
        ``query`` with :func:`bot.storage.fulltext.parse_query`: user text only ever reaches
        the database as quoted index terms in a bound parameter. Past ``seconds`` the
        database stops it: :class:`~bot.errors.SearchTooLongError`.
        """
        if offset < 0 or limit < 1:
            raise ValueError(f"bad page: offset={offset}, limit={limit}")
        if query.empty:
            return SearchPage((), 0)
        with self._tx.read() as session, _time_limit(session, seconds) as deadline:
            deadline.arm()
            where = _filters(session, query)
            if where is None:
                return SearchPage((), 0)
            keys, total, exact = self._page(session, query, where, offset, limit, deadline)
            deadline.arm()
            return SearchPage(_hits(session, keys), total, exact)

    def _page(
        self,
        session: Session,
        query: SearchQuery,
        where: Filters,
        offset: int,
        limit: int,
        deadline: _Deadline,
    ) -> tuple[list[int], int, bool]:
        """Recency keys of the page, the total and whether it is exact.

        One walk gives all three: the newest ``COUNT_CAP + 1`` matches (or up to the page's
        end, further on) are the count, the ranking pool and the newest-first pages.
        """
        need = max(COUNT_CAP + 1, offset + limit + 1)  # + 1: whether a page follows this one
        newest = _newest_keys(self._index, session, query, where, need, deadline)
        exact = len(newest) <= COUNT_CAP
        # Past the cap the total is a lower bound: at least what the walk saw up to one past
        # this page, so a next page is offered exactly when there is one.
        total = len(newest) if exact else min(len(newest), max(COUNT_CAP, offset + limit + 1))
        if query.order is SearchOrder.NEWEST:
            if len(newest) >= need:  # the walk stopped inside its last day
                newest += self._rest_of_day(session, query, where, newest[-1], deadline)
            return in_print_order(newest)[offset : offset + limit], total, exact
        if offset >= RANK_POOL:
            return newest[offset : offset + limit], total, exact
        pool = newest[:RANK_POOL]
        if not pool:
            return [], total, exact
        deadline.arm()
        scored = self._index.ranked(session, query, where, pool)
        best = [key for key, _ in sorted(scored, key=lambda ks: (-ks[1], *_printed(ks[0])))]
        keys = best[offset : offset + limit]
        if len(keys) < limit:
            keys += newest[len(pool) : len(pool) + limit - len(keys)]
        return keys, total, exact

    def _rest_of_day(
        self, session: Session, query: SearchQuery, where: Filters, last: int, deadline: _Deadline
    ) -> list[int]:
        """The matches of ``last``'s day stored before it (newest first, at most
        :data:`DAY_CAP`), so the day can be listed from its first page."""
        low = last // ID_SPAN * ID_SPAN
        if where.low is not None:
            low = max(low, where.low)
        if low >= last:
            return []
        deadline.arm()
        day = Filters(where.paper_ids, low, last - 1)
        return self._index.newest(session, query, day, 0, DAY_CAP)


def _printed(key: int) -> tuple[int, int]:
    """The order of print for a recency key: the newer day first, then a day's articles as
    the papers printed them (stored in page order: the smaller id first)."""
    return -(key // ID_SPAN), key


def in_print_order(keys: Sequence[int]) -> list[int]:
    """Recency keys newest day first, each day in print order (:func:`_printed`): what a
    reader means by "newest first" (the index walks each day backwards, last page first)."""
    return sorted(keys, key=_printed)


class _Deadline:
    """The time a search has left, handed to the database before each statement.

    PostgreSQL: ``statement_timeout`` set to what is left when each statement starts, so
    several cannot add up (a backend running more than one statement for a call re-arms
    through ``session.info``: :func:`~bot.storage.fulltext.index.arm_time_limit`). SQLite: a
    progress handler that interrupts the running statement
    once the time is up (checked every :data:`_SQLITE_STEPS` virtual machine steps)."""

    def __init__(self, session: Session, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self._session = session
        connection = session.connection()
        self._sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection
        assert raw is not None  # a connection in use has its driver's
        self._raw = raw
        if self._sqlite:
            self._raw.set_progress_handler(self.passed, _SQLITE_STEPS)
        session.info[TIME_LIMIT] = self.arm  # for a backend's further statements

    def passed(self) -> bool:
        return time.monotonic() > self.at

    def arm(self) -> None:
        """Before a statement: stop if the time is up (on PostgreSQL: if less than
        :data:`_LEAST_MS` is left), else give the database what is left."""
        if self.passed():
            raise SearchTooLongError(f"search stopped after {self.seconds:g} s")
        if not self._sqlite:
            left = int((self.at - time.monotonic()) * 1000)
            if left < _LEAST_MS:
                raise SearchTooLongError(f"search stopped after {self.seconds:g} s")
            self._session.execute(text(f"SET LOCAL statement_timeout = {left}"))

    def close(self) -> None:
        """The search is over: the transaction's COMMIT or ROLLBACK has all the time it needs
        (a timeout of a few milliseconds left set cancelled a ROLLBACK under load, and the
        search failed with that error instead of "too long")."""
        self._session.info.pop(TIME_LIMIT, None)
        if self._sqlite:
            self._raw.set_progress_handler(None, 0)
        elif getattr(self._raw.info.transaction_status, "name", "") == "INTRANS":
            # (A statement it cancelled has ended the transaction's use: nothing to lift.)
            self._session.execute(text("SET LOCAL statement_timeout = 0"))


_SQLITE_STEPS = 10_000  # about a millisecond of SQLite's work between looks at the clock
_LEAST_MS = 20
"""The least time a PostgreSQL statement of a search is given: with less left the search
stops before it (the timeout also bounds the statements that end the transaction)."""


@contextmanager
def _time_limit(session: Session, seconds: float) -> Iterator[_Deadline]:
    """A :class:`_Deadline` for the search in ``session``; the database stopping a statement
    for it becomes :class:`~bot.errors.SearchTooLongError`."""
    deadline = _Deadline(session, seconds)
    try:
        yield deadline
    except OperationalError as exc:
        if deadline.passed() or _cancelled(exc):
            raise SearchTooLongError(f"search stopped after {seconds:g} s") from exc
        raise
    finally:
        deadline.close()


def _cancelled(exc: OperationalError) -> bool:
    """The database stopped the statement (PostgreSQL's query_canceled, SQLite's interrupt)."""
    return getattr(exc.orig, "sqlstate", None) == "57014" or "interrupted" in str(exc.orig)


def _newest_keys(
    index: SearchBackend,
    session: Session,
    query: SearchQuery,
    where: Filters,
    need: int,
    deadline: _Deadline,
) -> list[int]:
    """Recency keys of the newest ``need`` matches, newest first, found window by window.

    Walks back from the newest edition in slices of :data:`WINDOW_DAYS`, then the rest, and
    stops as soon as it has ``need``: a common word (发展, in 88 % of the benchmark's
    articles) is found in the last week and never makes an index read all its matches, and
    a rare one costs a few cheap probes more. Each slice is a key range both indexes seek
    to (FTS5 rowids, the recency btree). No slice is asked past the oldest edition: a young
    archive is one or two slices.
    """
    oldest_day, newest_day = session.execute(
        select(func.min(Edition.date), func.max(Edition.date))
    ).one()
    if newest_day is None:
        return []
    top = (newest_day.toordinal() + 1) * ID_SPAN - 1  # the last key of the newest day
    bottom = oldest_day.toordinal() * ID_SPAN  # the first key of the oldest day
    high = top if where.high is None else min(top, where.high)
    found: list[int] = []
    for days in (*WINDOW_DAYS, None):
        if where.low is not None and high < where.low:
            break
        low = where.low
        if days is not None:
            start = (high // ID_SPAN - days + 1) * ID_SPAN  # the first key, days back
            low = start if low is None else max(low, start)
        window = Filters(where.paper_ids, low, high)
        deadline.arm()
        found += index.newest(session, query, window, 0, need - len(found))
        if len(found) >= need or low is None or low <= bottom or low == where.low:
            break
        high = low - 1
    return found


def _filters(session: Session, query: SearchQuery) -> Filters | None:
    """The query's papers (less those left out) as ids and dates as a key range; None when
    no paper is left."""
    paper_ids: tuple[int, ...] = ()
    if query.papers or query.not_papers:
        chosen = select(Paper.id).order_by(Paper.id)
        if query.papers:
            chosen = chosen.where(Paper.name.in_(query.papers))
        if query.not_papers:
            chosen = chosen.where(Paper.name.not_in(query.not_papers))
        paper_ids = tuple(session.scalars(chosen))
        if not paper_ids:
            return None
    low, high = day_keys(query.since, query.until)
    return Filters(paper_ids, low, high)


def _hits(session: Session, keys: Sequence[int]) -> tuple[SearchHit, ...]:
    """The articles behind recency keys, in the keys' order, each with its edition."""
    ids = [article_of(key) for key in keys]
    if not ids:
        return ()
    rows = session.execute(
        select(ArticleRow, Edition)
        .join(Edition, Edition.id == ArticleRow.edition_id)
        .where(ArticleRow.id.in_(ids))
    ).all()
    found = {a.id: SearchHit(_article_record(a), _edition_record(e)) for a, e in rows}
    return tuple(found[i] for i in ids if i in found)


def _editions(paper: str | None) -> Select[Edition]:
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


def _entry(article: ArticleRow, edition: Edition) -> fulltext.IndexEntry:
    return fulltext.entry(
        article.id, edition.paper_id, edition.date, article.title, article.paragraphs
    )


def _add_articles(
    session: Session,
    index: SearchBackend,
    edition_row: Edition,
    edition: ParsedEdition,
    summaries: Sequence[Summary],
) -> None:
    """Insert the edition's articles, numbered 1..n in edition order, with their summaries,
    and index them."""
    rows = []
    for number, (article, summary) in enumerate(
        zip(edition.articles, summaries, strict=True), start=1
    ):
        rows.append(
            ArticleRow(
                edition_id=edition_row.id,
                number=number,
                page=article.page if article.page is not None else edition.page,
                title=article.heading,  # with its kicker and subtitle, if apart
                byline=article.byline,
                paragraphs=list(article.paragraphs),
                captions=list(article.captions),
                summary=list(summary.sentences),
                keywords=list(summary.keywords),
                continued_on=article.continued_on,
            )
        )
    session.add_all(rows)
    session.flush()
    index.add(session, [_entry(row, edition_row) for row in rows])


def _edition_record(row: Edition) -> EditionRecord:
    return EditionRecord(
        id=row.id,
        paper=row.paper.name,
        date=row.date,
        article_count=row.article_count,
        ingested_at=row.ingested_at,
        backfilled=row.backfilled,
        content_hash=row.content_hash,
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
