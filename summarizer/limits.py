"""How much text one input may make the summarizer work on: limits, checked early and cheaply.

A page dump is tens of kilobytes with a dozen articles; an edition is a few hundred articles
at most. Input far beyond that is a mistake or an attack (a database dump dropped in the
inbox, a page of 200,000 headings, one line of two million characters), and parsing it
"correctly" costs gigabytes and minutes and ends as a digest nobody can read. So each limit
is checked where it costs least, before the work it bounds: the file's size before it is
read, the headings and characters of a page while it is scanned (the scan stops at the
first one too many), the articles of an edition before they are summarized. Beyond a limit
the input is refused with a reason naming the limit (:class:`LimitError`), like any broken
file; a run-on "sentence" is the one exception: it is split at clause punctuation, or never
chosen as a key sentence (:mod:`summarizer.sentences`).

The defaults leave real papers several times the room they need; ``[limits]`` in
``config.toml`` changes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from summarizer.errors import EditionError
from summarizer.sentences import MAX_SENTENCE_CHARS

if TYPE_CHECKING:  # kept light: the bot's configuration imports this module
    from summarizer.edition import Article
    from summarizer.summary import Summarizer

__all__ = [
    "DEFAULT_LIMITS",
    "LimitError",
    "Limits",
    "article_chars",
    "check_article_count",
    "summarizer_for",
]


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds of one input; see the module docstring for where each is checked."""

    file_bytes: int = 2 * 1024 * 1024
    """Largest edition file: a page dump is 10-50 KB, a whole edition in one file ~500 KB."""
    articles_per_page: int = 100
    """Headings on one page: a dense page has 20-30."""
    articles_per_edition: int = 500
    """Articles of one edition (all pages): 人民日报 on a 24-page day has about 200."""
    pages_per_edition: int = 200
    """Pages of one edition: 人民日报 prints 8-24, a thick weekend paper about 100. Checked
    as the crawl finds them, before they are fetched (a site may list pages without end), and
    on the files of one date in an inbox, before they are read."""
    article_chars: int = 50_000
    """Characters of one article: a party-congress report printed whole is about 32,000."""
    sentence_chars: int = MAX_SENTENCE_CHARS
    """Characters of one key sentence: real news sentences stay under 300 (median 44)."""

    def __post_init__(self) -> None:
        for name in self.__slots__:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")


DEFAULT_LIMITS = Limits()


class LimitError(EditionError):
    """An input beyond one of the :class:`Limits`; the reason names the limit and its key."""

    def __init__(self, source: str, what: str, limit: int, key: str, unit: str = "") -> None:
        self.limit = limit
        self.key = key
        bound = f"{limit:,} {unit}".rstrip()
        super().__init__(source, f"{what} (limit {bound}: [limits] {key})")


def article_chars(article: Article) -> int:
    """The characters an article holds (title, byline and body), as the limit counts them."""
    parts = (article.byline or "", *article.paragraphs, *article.captions, *article.markers)
    return len(article.title) + sum(len(part) for part in parts)


def check_article_count(count: int, limits: Limits, source: str) -> None:
    """Refuse an edition (all its pages, or their listings) with more articles than allowed."""
    if count > limits.articles_per_edition:
        what = f"too many articles in one edition ({count:,})"
        raise LimitError(source, what, limits.articles_per_edition, "articles_per_edition")


@cache
def summarizer_for(limits: Limits) -> Summarizer:
    """The default summarizer with ``limits.sentence_chars`` (one per distinct limits)."""
    from summarizer.summary import Summarizer, SummarizerConfig  # numpy and jieba: on use

    return Summarizer(config=SummarizerConfig(max_sentence_chars=limits.sentence_chars))
