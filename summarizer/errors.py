"""Error types of the summarizer package."""

from __future__ import annotations

from pathlib import Path


class SummarizerError(Exception):
    """Base class for everything this package raises on purpose."""


class EditionError(SummarizerError):
    """An edition file that cannot be parsed; the message names the file and the reason."""

    def __init__(self, source: str | Path, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")


class BlankPageError(EditionError):
    """A page with no text at all, only blank lines: alone it is nothing to ingest, but in an
    edition of several pages it is an image-only page (a full-page advert or photo) whose
    dump is empty, and no reason to refuse the others. ``page``: its page label, if known."""

    def __init__(self, source: str | Path, reason: str, page: str | None = None) -> None:
        super().__init__(source, reason)
        self.page = page
