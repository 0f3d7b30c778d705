"""What one poll of one source did: the report jobs, the CLI and the admins read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.storage.records import EditionRecord, PollOutcome

__all__ = ["STUCK", "Failure", "IngestReport", "Missing", "Skipped"]


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


@dataclass(frozen=True, slots=True)
class Missing:
    """Articles an e-paper edition still lacks (404, timeout, a page that did not parse)."""

    date: dt.date
    urls: tuple[str, ...]
    reasons: tuple[str, ...]
    stored: bool
    """True once the edition was stored without them (the deadline passed)."""
    tell: bool = False
    """True the first time the edition is stored without them: the admins should hear."""


STUCK = (
    "cannot be moved out of the inbox (the error is above); every poll reads it again until it can"
)
"""What is said of a page in :attr:`IngestReport.stuck`."""


@dataclass(slots=True)
class IngestReport:
    """What one scan did. ``new`` are the editions to announce; ``failures`` go to admins."""

    paper: str
    new: list[EditionRecord] = field(default_factory=list)
    extended: list[EditionRecord] = field(default_factory=list)
    """Stored editions that late pages were added to (same id, so no second digest)."""
    skipped: list[Skipped] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    """Files left for a later scan because they (or pages of their date) are still arriving."""
    waiting: list[str] = field(default_factory=list)
    """Files left in the inbox for the page their text continues from (``（上接第1版）…``)."""
    missing: list[Missing] = field(default_factory=list)
    """E-paper editions with articles still missing: waiting, or stored without them."""
    template_error: str | None = None
    """The site cannot be read as configured until a person looks: its pages no longer match
    the template (the layout changed), an edition beyond ``[limits]``, an entry page leading
    off the site (it moved) or larger than ``max_response_bytes``. Tell the admins."""
    busy: bool = False
    """The inbox was not scanned: another process was ingesting it (it reports its own)."""
    stuck: list[str] = field(default_factory=list)
    """Pages that could not be moved out of the inbox (to ``done/`` or ``failed/``; the log
    says why): every scan reads them again until an operator fixes the folder."""

    def outcome(self) -> tuple[PollOutcome, str]:
        """How the poll went, for the last-poll record /status shows: failed (with why) when
        a file was set aside or the layout no longer matches, else new or nothing new."""
        if self.template_error:
            return PollOutcome.FAILED, self.template_error
        if self.failures:
            first = self.failures[0]
            more = f" (+{len(self.failures) - 1})" if len(self.failures) > 1 else ""
            return PollOutcome.FAILED, f"{first.file}: {first.reason}{more}"
        if self.stuck:
            more = f" (+{len(self.stuck) - 1})" if len(self.stuck) > 1 else ""
            return PollOutcome.FAILED, f"{self.stuck[0]}: {STUCK}{more}"
        if self.new or self.extended:
            return PollOutcome.NEW, ""
        if self.busy:
            return PollOutcome.NOTHING_NEW, "another process is ingesting this inbox"
        return PollOutcome.NOTHING_NEW, ""

    @property
    def changed(self) -> bool:
        """True if the scan stored or set aside anything (worth a log line or a message)."""
        return bool(
            self.new
            or self.extended
            or self.skipped
            or self.failures
            or self.stuck
            or self.template_error
        )
