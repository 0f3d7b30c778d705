"""Inbox ingest: turn new edition pages (text dumps) into stored, summarized editions.

One scan of one source: find the editions that are ready (:meth:`bot.sources.Source.poll`),
skip those already stored, parse each page, join the pages of a date (``merge_pages``: 下转 /
上接), summarize every article and store the edition, then tell the source to settle the pages
(the inbox moves them to ``done/YYYY-MM-DD/`` or ``failed/``).

An edition is one paper and one date. When pages arrive for a date that already has a stored
edition (a late page), they are not a second edition: the pages that edition was made from are
read back from the source (:meth:`~bot.sources.Source.settled_pages`; for the inbox,
``done/YYYY-MM-DD/``), merged with the new ones (so a 下转 on an old page and its 上接 on the
new one are joined), summarized, and the stored edition's articles are replaced in place
(:meth:`bot.storage.Editions.replace`). Its id stays, and with it the deliveries recorded
for it: nobody gets that day's digest twice, and whoever reads it later gets all of it. Its
content hash becomes that of all its pages; a page dropped again is still a no-op (one of
the pages it is made of). A page stored on another date (the same full-page advert printed
twice) is a new page of this one. The report lists such editions under ``extended``, not
``new``. Pages the
stored edition is already made of, by that hash, are only settled: a scan that died after
storing an edition and before moving its pages leaves them in the inbox for the next one, and
a page of that date that came in meanwhile extends the edition as a late page.

Failure policy, and why:

* A broken page (:class:`~summarizer.errors.EditionError`) fails its whole batch: every page
  of that date in this scan goes to ``failed/`` with a reason, and a stored edition of that
  date stays exactly as it was. Storing the rest would send a digest with a page missing; with
  the whole batch set aside, the operator fixes one file and moves the lot back into the inbox.
* The same goes when the stored pages of that date cannot be read back, or are no longer the
  ones the stored edition was made from (moved or edited in ``done/``), or when a new file
  is a page the edition already has with other content: replacing a stored page is not
  supported, and keeping both would print it twice.
* A page beyond ``[limits]`` (:mod:`summarizer.limits`) is a broken page like any other: a
  file too large is refused by its size before it is read, a page with too many headings or
  too long an article while it is scanned, an edition with too many articles before any of
  it is summarized.
* A blank page (whitespace only once decoded, full-width spaces too: an image-only page's dump)
  has no articles and breaks nothing; an edition of nothing else has "no articles found", and
  late blank pages leave the stored edition as it was. A 0-byte file is broken.
* Pages whose every article continues one on a page not here yet (``（上接第1版）…`` before
  page 1 arrived) are not broken: they stay in the inbox until that page comes, for
  :data:`HEAD_WAIT`, then go to ``failed/`` saying so.
* Editions of other dates keep flowing: one bad file never aborts the scan.
* Only expected errors are caught (EditionError here; OSError on moves, in the source). Any
  other exception is a bug and propagates, so that it is seen rather than logged away.

Everything here is synchronous (parsing, summarizing and the database are CPU- or
I/O-bound); the bot calls :func:`ingest_inbox` through ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bot.errors import EditionChangedError, InboxError
from bot.ingest.report import Failure, IngestReport, Skipped
from bot.sources import EditionBatch, Page, Source, content_hash
from bot.sources.inbox import DEFAULT_GRACE, InboxSource, unlisted_inbox
from bot.storage.records import EditionRecord, FileStatus
from summarizer.edition import Edition, merge_pages
from summarizer.errors import BlankPageError, EditionError
from summarizer.limits import (
    DEFAULT_LIMITS,
    LimitError,
    Limits,
    check_article_count,
    summarizer_for,
)

if TYPE_CHECKING:
    from bot.config import PaperConfig
    from bot.storage.store import Store

__all__ = ["ingest", "ingest_inbox"]

log = logging.getLogger(__name__)


def ingest_inbox(
    store: Store,
    paper: PaperConfig,
    *,
    sentences: int,
    now: dt.datetime,
    grace: dt.timedelta = DEFAULT_GRACE,
    limits: Limits = DEFAULT_LIMITS,
) -> IngestReport:
    """Scan the paper's inbox once (creating it if missing) and ingest every ready edition.

    ``now`` must be timezone-aware, in the configured timezone: it decides which files are
    old enough to be complete (``grace``) and the date of files whose name has none.
    """
    source = InboxSource(paper.name, paper.inbox_dir, grace=grace, limits=limits)
    with _inbox_lock(paper.name, paper.inbox_dir) as held:
        if not held:
            log.info(
                "%s: another process is ingesting %s; skipped this time",
                paper.name,
                paper.inbox_dir,
            )
            return IngestReport(paper=paper.name, busy=True)
        report = ingest(store, source, sentences=sentences, now=now, limits=limits)
    report.pending = list(source.pending)
    return report


LOCK_NAME: Final = ".baozhai-ingest.lock"
"""The file in an inbox that the process ingesting it holds locked (``flock``). Hidden, so the
scan never takes it for a page; it stays there between scans."""


@contextlib.contextmanager
def _inbox_lock(paper: str, inbox: Path) -> Iterator[bool]:
    """Hold the inbox's lock for a whole ingest: True, or False at once (never waiting) while
    another process holds it: the bot and a ``baozhai ingest`` beside it, or two of either.

    Without it, one process could find the pages another has just stored but not yet moved,
    and store them again. The lock dies with its process (a crash leaves no stale lock), and
    the inbox is created first if missing. Where no lock can be taken (a read-only inbox, a
    share without locks) the scan goes ahead without one, with a warning.
    """
    try:
        inbox.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file in its place, or a folder above it not ours
        raise InboxError(f"cannot make the inbox {inbox}: {exc.strerror or exc}") from exc
    path = inbox / LOCK_NAME
    fd: int | None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        try:  # a folder that cannot be listed either is one error, not a warning then one
            next(iter(inbox.iterdir()), None)
        except OSError as listing:
            raise unlisted_inbox(inbox, listing) from listing
        log.warning("%s: cannot open %s (%s); scanning without the lock", paper, path, exc)
        fd = None
    if fd is None:
        yield True
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = True
        except BlockingIOError:
            held = False
        except OSError as exc:
            log.warning("%s: cannot lock %s (%s); scanning without the lock", paper, path, exc)
            held = True
        yield held
    finally:
        os.close(fd)  # releases the lock


def ingest(
    store: Store,
    source: Source,
    *,
    sentences: int,
    now: dt.datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> IngestReport:
    """One scan of any :class:`~bot.sources.Source`; see the module docstring for the policy."""
    report = IngestReport(paper=source.paper)
    for batch in source.poll(now):
        if batch.date > now.date() + DAYS_AHEAD:
            _reject(store, source, batch, _too_far_ahead(batch, now), report)
            continue
        _ingest_batch(
            store, source, batch, sentences=sentences, limits=limits, report=report, now=now
        )
    if report.changed:
        log.info(
            "%s: %d new edition(s), %d extended, %d already stored, %d file(s) failed",
            source.paper,
            len(report.new),
            len(report.extended),
            len(report.skipped),
            len(report.failures),
        )
    return report


DAYS_AHEAD = dt.timedelta(days=1)
"""How far ahead of today an edition's date may be: tomorrow's paper may land the evening
before. A file dated later is a typo (2025 for 2024) or a wrong clock, and stored it would
be the paper's newest edition until that day: every digest and alert meanwhile would wait
for it."""


def _too_far_ahead(batch: EditionBatch, now: dt.datetime) -> dict[str, str]:
    """The reason for every page of a batch dated past :data:`DAYS_AHEAD`."""
    source = "its file time" if batch.date_from_arrival else "its name"
    reason = (
        f"dated {batch.date} by {source}, after tomorrow ({now.date() + DAYS_AHEAD}):"
        " correct the date and drop it in again"
    )
    return {page.name: reason for page in batch.pages}


def _ingest_batch(
    store: Store,
    source: Source,
    batch: EditionBatch,
    *,
    sentences: int,
    limits: Limits,
    report: IngestReport,
    now: dt.datetime,
) -> None:
    refused = {page.name: page.refused for page in batch.pages if page.refused}
    if refused:
        _reject(store, source, batch, refused, report)
        return
    pages = _unique(batch.pages)
    seen = [page for page in pages if store.files.seen(page.sha256)]
    if batch.date_from_arrival and len(seen) == len(pages):
        # Pages without a date in their name, all stored before (under the day they first
        # arrived): dropped again. A date guessed from the arrival time cannot tell them apart
        # from pages of another date, as a date in the name can (see _stored_from).
        _settle_stored(store, source, batch, report, record=None)
        return

    # A stored edition of this date is extended: its pages are read back and merged too.
    stored = store.editions.on(batch.date, batch.paper)
    earlier: list[Page] = []
    parsed: dict[str, Edition] = {}  # new pages parsed already (by name)
    if stored is not None:
        try:
            settled = _unique(source.settled_pages(batch.date))
        except EditionError as exc:
            reason = f"the stored pages of {batch.date} cannot be read back: {exc}"
            broken = {page.name: reason for page in pages if page not in seen}
            if broken:
                _reject(store, source, batch, broken, report)
            else:
                _settle_stored(store, source, batch, report, record=None)
            return
        made_of = _stored_from(stored.content_hash, settled, pages, seen)
        if made_of is None:
            _settle_stored(store, source, batch, report, record=None)
            return
        earlier = made_of
        known = {page.sha256 for page in earlier}
        pages = [page for page in pages if page.sha256 not in known]
        if all(_blank(source, batch, page, parsed) for page in pages):
            # (Late blank pages add nothing: the stored edition stays the version its
            # digests were begun from, rather than be replaced by the same articles.)
            _settle_stored(store, source, batch, report, record=None)
            return

    merged, broken = _merge(source, batch, earlier, pages, limits, parsed)
    if merged is None and not broken:
        _wait_for_head(store, source, batch, report, now)
        return
    if merged is None:
        _reject(store, source, batch, broken, report)
        return

    if merged.date is None:
        merged.date = batch.date
    if batch.date_from_arrival:
        log.info("%s: edition stored under its arrival date %s", batch.paper, batch.date)
    summarizer = summarizer_for(limits)
    summaries = [summarizer.summarize(article, k=sentences) for article in merged.articles]
    if stored is None:
        record = store.editions.add(batch.paper, merged, summaries, batch.content_hash)
        _settle_stored(store, source, batch, report, record=record)
        return
    try:
        record = store.editions.replace(
            stored.id,
            merged,
            summaries,
            content_hash([*earlier, *pages]),
            previous_hash=content_hash(earlier),
        )
    except EditionChangedError:
        reason = (
            f"the stored edition of {batch.date} was not made from the pages stored for it"
            f" ({', '.join(page.name for page in earlier) or 'none'}): moved or edited?"
        )
        _reject(store, source, batch, {page.name: reason for page in pages}, report)
        return
    _settle_stored(store, source, batch, report, record=record, added=pages)


def _stored_from(
    stored_hash: str, settled: list[Page], pages: list[Page], seen: list[Page]
) -> list[Page] | None:
    """The pages the stored edition of the batch's date was made from, as its hash tells:
    those the source settled for that date, else those plus the pages of the batch ingested
    before (a re-drop, or a page whose move to ``done/`` failed). None when it is made of the
    settled pages and every page of the batch: nothing is new, the pages only need settling
    (also after a scan that died between storing the edition and moving its pages).

    A page counts as stored only as one of this date's: the same bytes stored on another date
    (a full-page advert printed twice) are a new page of this one. When the hash matches
    none of these, nor the settled pages with some of the batch's (:func:`_stored_with_some`:
    a scan died before settling, and a new page came in since), the settled and the seen pages
    are returned, and the replace that follows refuses them (:class:`EditionChangedError`)
    unless no page is left to add.
    """
    if content_hash([*settled, *pages]) == stored_hash:
        return None
    with_seen = _unique((*settled, *seen))
    for candidate in (settled, with_seen):
        if content_hash(candidate) == stored_hash:
            return candidate
    return _stored_with_some(stored_hash, settled, pages) or with_seen


MAX_UNSETTLED_SEARCH = 10
"""Pages of a batch, at most, among which :func:`_stored_with_some` looks for those a scan
stored and died before settling: it hashes up to 2^n pages' bytes (1,024 at 10)."""


def _stored_with_some(
    stored_hash: str, settled: list[Page], pages: list[Page]
) -> list[Page] | None:
    """The settled pages and the subset of ``pages`` the stored edition was made of, if its
    hash is theirs: a scan that stored an edition died before settling its pages, and a new
    page of that date came in before the next scan (the stored ones are neither settled nor
    recorded yet, so only their bytes tell them from the new one). None if no subset matches,
    or if the batch has more than :data:`MAX_UNSETTLED_SEARCH` candidate pages.

    One walk over the pages in :func:`~bot.sources.content_hash`'s order, each optional page
    taken and left out in turn, the hash carried along (``sha256.copy``): each node hashes
    one page's bytes, not the whole subset again."""
    required = {page.sha256 for page in settled}
    optional = {p.sha256: p for p in pages if p.sha256 not in required}
    if not optional or len(optional) > MAX_UNSETTLED_SEARCH:
        return None
    entries = sorted(
        [(page.sha256, page, True) for page in _unique(tuple(settled))]
        + [(sha, page, False) for sha, page in optional.items()],
        key=lambda entry: entry[0],
    )

    def walk(index: int, digest: Any, chosen: list[Page]) -> list[Page] | None:
        if index == len(entries):
            return chosen if digest.hexdigest() == stored_hash else None
        _, page, needed = entries[index]
        taken = digest.copy()
        taken.update(page.data)
        found = walk(index + 1, taken, [*chosen, page])
        if found is not None or needed:
            return found
        return walk(index + 1, digest, chosen)

    return walk(0, hashlib.sha256(), [])


def _merge(
    source: Source,
    batch: EditionBatch,
    earlier: list[Page],
    pages: list[Page],
    limits: Limits,
    parsed: dict[str, Edition],
) -> tuple[Edition | None, dict[str, str]]:
    """Parse ``earlier`` (already stored) and ``pages`` (new; those in ``parsed`` are parsed
    already, by name) and join them into one edition.

    On failure returns None and the reason for each new page at fault (the pages of the batch
    not named are held back with it); ``earlier`` pages are never blamed, only read. None
    and no reason: every article continues one on a page not here yet (``（上接第1版）…``).
    """
    editions: list[Edition] = []
    broken: dict[str, str] = {}
    for page in earlier:
        try:
            editions.append(_read(source, batch, page))
        except EditionError as exc:
            reason = f"{page.name}, already stored, cannot be read again: {exc.reason}"
            return None, {new.name: reason for new in pages}
    holder = {  # page label -> the file that has it
        edition.page: page.name
        for page, edition in zip(earlier, editions, strict=True)
        if edition.page is not None
    }
    for page in pages:
        try:
            edition = parsed[page.name] if page.name in parsed else _read(source, batch, page)
        except EditionError as exc:
            broken[page.name] = exc.reason
            continue
        editions.append(edition)
        if edition.page is None:
            if earlier:  # e.g. 2024-07-01.txt again, corrected: its articles would be twice
                broken[page.name] = _unnumbered_late_page(batch, earlier)
            continue
        if edition.page in holder:
            broken[page.name] = (
                f"page {edition.page} of {batch.date} is already in {holder[edition.page]},"
                " with other content; a page is not replaced"
            )
        else:
            holder[edition.page] = page.name
    if broken:
        return None, broken
    try:
        merged = merge_pages(editions)
    except EditionError as exc:
        reason = f"pages of {batch.date} cannot be joined: {exc.reason}"
        return None, {page.name: reason for page in pages}
    if not merged.articles:
        if any(edition.articles for edition in editions):  # all continue a page not here
            return None, {}
        return None, {page.name: "no articles found" for page in pages}
    try:
        check_article_count(len(merged.articles), limits, str(batch.date))
    except LimitError as exc:
        return None, {page.name: exc.reason for page in pages}
    return merged, {}


def _blank(source: Source, batch: EditionBatch, page: Page, parsed: dict[str, Edition]) -> bool:
    """Whether the page is blank as the parser sees it (whitespace once decoded, full-width
    spaces too); a page that does not parse is not (the merge says why). A page that parses
    is kept in ``parsed`` by name, for the merge not to parse it again."""
    try:
        parsed[page.name] = source.read(batch, page)
    except BlankPageError:
        return True
    except EditionError:
        return False
    return False


def _read(source: Source, batch: EditionBatch, page: Page) -> Edition:
    """The page's articles; a blank page (an image-only page's empty dump) has none, and
    only breaks an edition that has nothing else (``no articles found``)."""
    try:
        return source.read(batch, page)
    except BlankPageError as exc:
        log.info("%s: %s has no text (an image-only page?): no articles", batch.paper, page.name)
        return Edition(paper=batch.paper, date=batch.date, page=exc.page, articles=[])


def _settle_stored(
    store: Store,
    source: Source,
    batch: EditionBatch,
    report: IngestReport,
    *,
    record: EditionRecord | None,
    added: list[Page] | None = None,
) -> None:
    """The batch's content is in the store: just now (``record``; ``added`` to a stored
    edition if given), or from before (``record`` None)."""
    locations = source.accept(batch)
    report.stuck += [p.name for p in batch.pages if locations.get(p.name) == str(p.location)]
    for page in _unique(batch.pages):
        store.files.record(locations.get(page.name, page.name), page.sha256, FileStatus.OK, None)
    names = tuple(page.name for page in batch.pages)
    if record is None:
        reason = "this edition is already stored"
        report.skipped.append(Skipped(date=batch.date, files=names, reason=reason))
        log.info("%s: %s: %s; skipped %s", batch.paper, batch.date, reason, ", ".join(names))
    elif added is not None:
        report.extended.append(record)
        log.info(
            "%s: edition %s extended with %s (now %d articles)",
            batch.paper,
            batch.date,
            ", ".join(page.name for page in added),
            record.article_count,
        )
    else:
        report.new.append(record)
        log.info(
            "%s: ingested edition %s (%d articles) from %s",
            batch.paper,
            batch.date,
            record.article_count,
            ", ".join(names),
        )


HEAD_WAIT = dt.timedelta(days=1)
"""How long pages whose every article continues one on a page not here yet (``（上接第1版）…``
arriving before page 1) wait in the inbox for it, from their last change; then they are set
aside like a broken page, saying which page they wait for. A paper's pages come within hours."""
_TOLD_WAITING: dict[str, None] = {}
"""Batches (content hashes) whose waiting was logged: one line each, not one per scan."""
_TOLD_MAX = 1024


def _wait_for_head(
    store: Store, source: Source, batch: EditionBatch, report: IngestReport, now: dt.datetime
) -> None:
    """Leave the batch in the inbox for the page its text continues from (the next scan
    merges them, as ``merge_pages`` joins a continuation to its head), for :data:`HEAD_WAIT`."""
    changed = [now if page.changed is None else page.changed for page in batch.pages]
    if now - max(changed) < HEAD_WAIT:
        report.waiting.extend(page.name for page in batch.pages)
        if batch.content_hash not in _TOLD_WAITING:
            if len(_TOLD_WAITING) >= _TOLD_MAX:
                _TOLD_WAITING.pop(next(iter(_TOLD_WAITING)))
            _TOLD_WAITING[batch.content_hash] = None
            log.info(
                "%s: %s of %s: only text continued from a page not here yet; waiting for it",
                batch.paper,
                ", ".join(page.name for page in batch.pages),
                batch.date,
            )
        return
    hours = HEAD_WAIT.total_seconds() / 3600
    reason = (
        f"its text continues an article on a page of {batch.date} that did not arrive within"
        f" {hours:g} h: drop that page in together with this one"
    )
    _reject(store, source, batch, {page.name: reason for page in batch.pages}, report)


def _unnumbered_late_page(batch: EditionBatch, earlier: list[Page]) -> str:
    """Why a file naming no page is refused for a date stored already: it cannot be told
    from a corrected copy of what is stored (a whole-edition file dropped again), whose
    articles would be added a second time."""
    stored = ", ".join(page.name for page in earlier[:3]) + (" …" if len(earlier) > 3 else "")
    return (
        f"{batch.date} is stored already (from {stored}) and this file names no page, so it"
        " cannot be told from a corrected copy of those, and a page is not replaced; to add a"
        " page, name it (…-p05.txt)"
    )


def _reject(
    store: Store,
    source: Source,
    batch: EditionBatch,
    broken: dict[str, str],
    report: IngestReport,
) -> None:
    """Set every page of the batch aside: the broken ones with their reason, the rest with
    the reason they were held back (an edition is stored whole or not at all)."""
    held = f"not ingested: {', '.join(sorted(broken))} of the same edition ({batch.date}) failed"
    for page in batch.pages:
        reason = broken.get(page.name, held)
        moved_to = source.reject(page, reason)
        stuck = moved_to == str(page.location)
        if stuck:
            report.stuck.append(page.name)
        if page.name in broken:
            # Only the broken files are recorded as failed: a held-back page may well be
            # recorded ``ok`` from an earlier edition, and that must stay true. A page
            # refused unread has no content to record.
            if page.refused is None:
                store.files.record(moved_to, page.sha256, FileStatus.FAILED, reason)
            where = "left in the inbox: it cannot be moved" if stuck else f"moved to {moved_to}"
            log.warning("%s: %s failed: %s (%s)", batch.paper, page.name, reason, where)
        else:
            log.warning("%s: %s held back: %s", batch.paper, page.name, held)
        report.failures.append(Failure(file=page.name, reason=reason, moved_to=moved_to))


def _unique(pages: tuple[Page, ...]) -> list[Page]:
    """The pages with identical content only once (one page dropped under two names)."""
    seen: set[str] = set()
    unique: list[Page] = []
    for page in pages:
        if page.sha256 not in seen:
            seen.add(page.sha256)
            unique.append(page)
    return unique
