"""Turn new edition pages into stored, summarized editions.

One scan of one source: find the editions that are ready (:meth:`bot.sources.Source.poll`),
skip those already stored, parse each page, join the pages of a date (``merge_pages``: 下转 /
上接), summarize every article and store the edition, then tell the source to settle the pages
(the inbox moves them to ``done/YYYY-MM-DD/`` or ``failed/``).

Failure policy, and why:

* A broken page (:class:`~summarizer.errors.EditionError`) fails its whole edition: every page
  of that date goes to ``failed/`` with a reason. Storing the rest would send a digest with a
  page missing, and the repaired page dropped later would become a second edition of that day
  and so a second digest. With the whole date set aside, the operator fixes one file and
  moves the lot back into the inbox.
* Editions of other dates keep flowing: one bad file never aborts the scan.
* Only expected errors are caught (EditionError here; OSError on moves, in the source). Any
  other exception is a bug and propagates, so that it is seen rather than logged away.

Everything here is synchronous (parsing, summarizing and the database are CPU- or
I/O-bound); the bot calls :func:`ingest_inbox` through ``asyncio.to_thread``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.records import EditionRecord
from bot.sources import EditionBatch, Page, Source
from bot.sources.inbox import DEFAULT_GRACE, InboxSource
from summarizer.edition import Edition, merge_pages
from summarizer.errors import EditionError
from summarizer.summary import summarize

if TYPE_CHECKING:
    from bot.config import PaperConfig
    from bot.store import Store

__all__ = ["Failure", "IngestReport", "Skipped", "ingest", "ingest_inbox"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Failure:
    """A page that could not be ingested, for the admins' report."""

    file: str
    """The page as it was named in the inbox (relative path), or its URL."""
    reason: str
    moved_to: str
    """Where the page is now (``failed/…``; its old place if it could not be moved)."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """An edition whose exact content is already stored: re-dropped, copied, or a restart."""

    date: dt.date
    files: tuple[str, ...]
    reason: str


@dataclass(slots=True)
class IngestReport:
    """What one scan did. ``new`` are the editions to announce; ``failures`` go to admins."""

    paper: str
    new: list[EditionRecord] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    """Files left for a later scan because they (or pages of their date) are still arriving."""

    @property
    def changed(self) -> bool:
        """True if the scan stored or set aside anything (worth a log line or a message)."""
        return bool(self.new or self.skipped or self.failures)


def ingest_inbox(
    store: Store,
    paper: PaperConfig,
    *,
    sentences: int,
    now: dt.datetime,
    grace: dt.timedelta = DEFAULT_GRACE,
) -> IngestReport:
    """Scan ``paper.inbox`` once (creating it if missing) and ingest every ready edition.

    ``now`` must be timezone-aware, in the configured timezone: it decides which files are
    old enough to be complete (``grace``) and the date of files whose name has none.
    """
    source = InboxSource(paper.name, paper.inbox, grace=grace)
    report = ingest(store, source, sentences=sentences, now=now)
    report.pending = list(source.pending)
    return report


def ingest(store: Store, source: Source, *, sentences: int, now: dt.datetime) -> IngestReport:
    """One scan of any :class:`~bot.sources.Source`; see the module docstring for the policy."""
    report = IngestReport(paper=source.paper)
    for batch in source.poll(now):
        _ingest_batch(store, source, batch, sentences=sentences, report=report)
    if report.changed:
        log.info(
            "%s: %d new edition(s), %d already stored, %d file(s) failed",
            source.paper,
            len(report.new),
            len(report.skipped),
            len(report.failures),
        )
    return report


def _ingest_batch(
    store: Store,
    source: Source,
    batch: EditionBatch,
    *,
    sentences: int,
    report: IngestReport,
) -> None:
    pages = _unique(batch.pages)
    if all(store.file_seen(page.sha256) for page in pages):
        _settle_stored(store, source, batch, report, record=None)
        return

    editions: list[Edition] = []
    broken: dict[str, str] = {}
    for page in pages:
        try:
            editions.append(source.read(batch, page))
        except EditionError as exc:
            broken[page.name] = exc.reason
    merged: Edition | None = None
    if not broken:
        try:
            merged = merge_pages(editions)
        except EditionError as exc:
            broken = {
                page.name: f"pages of {batch.date} cannot be joined: {exc.reason}" for page in pages
            }
    if merged is not None and not merged.articles:
        broken = {page.name: "no articles found" for page in pages}
    if merged is None or broken:
        _reject(store, source, batch, broken, report)
        return

    if merged.date is None:
        merged.date = batch.date
    if batch.date_from_arrival:
        log.info("%s: edition stored under its arrival date %s", batch.paper, batch.date)
    summaries = [summarize(article, k=sentences) for article in merged.articles]
    record = store.add_edition(batch.paper, merged, summaries, batch.content_hash)
    _settle_stored(store, source, batch, report, record=record)


def _settle_stored(
    store: Store,
    source: Source,
    batch: EditionBatch,
    report: IngestReport,
    *,
    record: EditionRecord | None,
) -> None:
    """The batch's content is in the store (just now, or ``record`` None: from before)."""
    locations = source.accept(batch)
    for page in _unique(batch.pages):
        store.record_file(locations.get(page.name, page.name), page.sha256, "ok", None)
    names = tuple(page.name for page in batch.pages)
    if record is not None:
        report.new.append(record)
        log.info(
            "%s: ingested edition %s (%d articles) from %s",
            batch.paper,
            batch.date,
            record.article_count,
            ", ".join(names),
        )
    else:
        reason = "this edition is already stored"
        report.skipped.append(Skipped(date=batch.date, files=names, reason=reason))
        log.info("%s: %s: %s; skipped %s", batch.paper, batch.date, reason, ", ".join(names))


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
        if page.name in broken:
            # Only the broken files are recorded as failed: a held-back page may well be
            # recorded ``ok`` from an earlier edition, and that must stay true.
            store.record_file(moved_to, page.sha256, "failed", reason)
            log.warning("%s: %s failed: %s (moved to %s)", batch.paper, page.name, reason, moved_to)
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
