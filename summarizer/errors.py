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
