"""Where editions come from: the contract between "finding new pages" and "ingesting them".

Today the only source is an inbox folder the operator (or a cron job) drops text dumps into
(:mod:`bot.sources.inbox`). The paper's own e-paper website is planned as a second source. Both
answer the same questions, so :mod:`bot.ingest` can drive either without knowing which:

* which editions are complete and ready now (:meth:`Source.poll` → :class:`EditionBatch`),
* how to turn one page into an :class:`~summarizer.edition.Edition` (:meth:`Source.read`),
* what to do with pages once the ingest is settled (:meth:`Source.accept`, :meth:`Source.reject`):
  the inbox moves files to ``done/`` or ``failed/``; a web source would remember the URLs,
* which pages of a date it has already accepted (:meth:`Source.settled_pages`): an edition is
  one paper and one date, so when a page arrives after its edition was stored, the ingest
  re-reads the accepted pages and stores the edition again, whole, under the same id.

Deduplication is not the source's job: the ingest checks the pages' hashes and the batch's
``content_hash`` against the store, so a source may offer the same edition twice without harm.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from summarizer.edition import Edition

__all__ = ["EditionBatch", "Page", "Source", "content_hash"]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of an edition as the source delivered it.

    ``data`` is kept so the hash is computed from exactly the bytes that were checked for
    completeness (pages are tens of kilobytes; holding a day's worth is cheap). A page the
    source would not even read (beyond ``[limits] file_bytes``) has no data and says why in
    ``refused``: the ingest sets it aside with its edition, like a page that did not parse.
    """

    name: str
    """How logs, records and admins name the page: a path for files, a URL for the web."""
    location: Path
    """Where the page is now (for the inbox: the file)."""
    data: bytes
    refused: str | None = None
    changed: dt.datetime | None = None
    """When the source last saw the page change (the inbox: its file's modification or, when
    later, status change: a copy keeping an old time is new here); None if it cannot tell."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True, slots=True)
class EditionBatch:
    """All pages of one paper's edition of one date that are ready to ingest together."""

    paper: str
    date: dt.date
    pages: tuple[Page, ...]
    """In a stable order (see :func:`content_hash`)."""
    content_hash: str
    date_from_arrival: bool = False
    """True when no page named its date and the arrival time (mtime) was used instead."""


def content_hash(pages: Iterable[Page]) -> str:
    """The sha256 of all distinct pages' bytes, concatenated in order of their own hashes.

    Ordering by content rather than by name makes the hash independent of how the files were
    named or listed, so re-dropping an edition under other names is still recognised; a page
    present twice (the same bytes under two names) counts once, so the hash describes the set
    of pages an edition is made of. For a single page it is simply the file's sha256 (what
    ``sha256sum`` prints).
    """
    digest = hashlib.sha256()
    distinct = {page.sha256: page for page in pages}
    for sha in sorted(distinct):
        digest.update(distinct[sha].data)
    return digest.hexdigest()


class Source(Protocol):
    """A place new editions of one paper appear in. Synchronous: the bot runs it in a thread."""

    @property
    def paper(self) -> str:
        """The configured name of the paper this source delivers."""
        ...

    def poll(self, now: dt.datetime) -> Sequence[EditionBatch]:
        """The editions that are complete and ready at ``now`` (aware, configured timezone).

        Pages still arriving must be left out (and their whole edition with them), so that an
        edition is never ingested half.
        """
        ...

    def read(self, batch: EditionBatch, page: Page) -> Edition:
        """Parse one page; raises :class:`summarizer.errors.EditionError` if it is broken."""
        ...

    def accept(self, batch: EditionBatch) -> dict[str, str]:
        """The batch is stored (or was already): never offer its pages again.

        Returns where each page now is, keyed by :attr:`Page.name` (for records and logs).
        """
        ...

    def reject(self, page: Page, reason: str) -> str:
        """The page cannot be ingested: set it aside for an operator; returns where it is now."""
        ...

    def settled_pages(self, date: dt.date) -> tuple[Page, ...]:
        """The pages of ``date`` this source has accepted before, in a stable order.

        What the stored edition of that date was made from (plus harmless re-drops: the ingest
        drops pages with identical content). :meth:`read` must accept them with a batch of
        that date. Raises :class:`summarizer.errors.EditionError` if they cannot be read back.
        """
        ...
