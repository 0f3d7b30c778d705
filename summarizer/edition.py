"""The data that crosses module lines: an edition of a paper and its articles.

Everything downstream (summaries, storage, the digest) reads these dataclasses, so they
hold clean text only: no heading marks, no jump markers, no captions inside paragraphs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(slots=True)
class Article:
    """One article as printed: title, byline, body paragraphs and what was set apart.

    ``markers`` keeps the raw jump markers ("(下转第4版)", "（上接第1版）") exactly as they
    stood, so that no character of the input is lost; ``continued_on`` / ``continued_from``
    hold their page numbers.
    """

    title: str
    byline: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    page: str | None = None
    continued_on: int | None = None
    continued_from: int | None = None
    markers: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The body as one string, paragraphs separated by newlines."""
        return "\n".join(self.paragraphs)


@dataclass(slots=True)
class Edition:
    """One edition (or one page of it) of one paper.

    ``page`` is set when the edition holds a single page; each article carries its own page.
    """

    paper: str | None
    date: dt.date | None
    page: str | None
    articles: list[Article] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Summary:
    """An article's key sentences (document order, verbatim from its paragraphs) and keywords."""

    sentences: tuple[str, ...]
    keywords: tuple[str, ...]
