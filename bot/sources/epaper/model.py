"""What a template finds on a page, and the shape of a template: the data crossing module lines.

Templates are pure (HTML text and its URL in, these dataclasses out); the crawler strings them
together with the fetcher. Parsed results are also what the crawl cache keeps between polls, so
each has a plain-JSON form (:func:`listing_to_json` …) that survives a restart.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from summarizer.edition import Article

__all__ = [
    "ArticlePage",
    "ArticleRef",
    "PageListing",
    "PageRef",
    "Template",
    "article_page_from_json",
    "article_page_to_json",
    "listing_from_json",
    "listing_to_json",
]


@dataclass(frozen=True, slots=True)
class PageRef:
    """One page (版面) of an edition as the page list names it."""

    number: str
    """Normalised like the text parser's pages: ``"1"``, ``"A02"`` (from the link text)."""
    name: str
    """The page's name (``要闻``); may be empty."""
    url: str
    """Absolute, without query or fragment."""


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """One article as a page lists it."""

    url: str
    """Absolute, without query or fragment (``?div=-1`` variants are one article)."""
    page: str | None
    """The number of the page that lists it."""
    title: str | None = None
    """The title the listing shows, when it shows one (a hint: the article page wins)."""


@dataclass(frozen=True, slots=True)
class PageListing:
    """What one page says: which page it is, the edition's pages, and its own articles."""

    url: str
    page: PageRef | None
    """This page, when the template could tell (from the page list or the page's metadata)."""
    pages: tuple[PageRef, ...]
    """The edition's page list as this page shows it, in printed order, de-duplicated."""
    articles: tuple[ArticleRef, ...]
    """This page's articles in page order, de-duplicated."""
    paper: str | None
    date: dt.date | None


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """One parsed article page. ``article.page`` is what the article page itself says, if
    anything; the crawler sets it from the listing page."""

    url: str
    article: Article
    paper: str | None
    date: dt.date | None


@dataclass(frozen=True, slots=True)
class Template:
    """One e-paper template: pure functions from (HTML text, its URL) to the dataclasses above.

    Every ``parse_*`` function returns data or raises :class:`bot.errors.TemplateError` naming
    the URL and the template; it never returns an empty result for a page it does not
    understand.
    """

    name: str
    entry_url: Callable[[str], str]
    """base URL → the page to poll for the newest edition (``paperindex.htm`` …)."""
    edition_url: Callable[[str, dt.date, str | None], str]
    """(base URL, date, ``like``) → URL of that date's first page. ``like`` is a known first
    page of another date (e.g. the newest); templates whose first page's file name varies per
    site (Founder's ``node_N.htm``) reuse its file name."""
    parse_entry: Callable[[str, str], str | None]
    """(text, URL) → the URL the entry page leads to, or None when the entry is a page itself."""
    parse_page: Callable[[str, str], PageListing]
    parse_article: Callable[[str, str], ArticlePage]
    article_file: re.Pattern[str]
    """The file name of an article page (``content_1.htm``): an address a person names that
    ends so is read as an article first, even when the page links others (上一篇/下一篇)."""


# ---------------------------------------------------------------------------------------------
# Plain-JSON forms (for the crawl cache)


def listing_to_json(listing: PageListing) -> dict[str, Any]:
    """A JSON-ready dict of ``listing``."""
    data = asdict(listing)
    data["date"] = listing.date.isoformat() if listing.date else None
    return data


def listing_from_json(data: dict[str, Any]) -> PageListing:
    """The inverse of :func:`listing_to_json`; raises KeyError/TypeError/ValueError if broken."""
    page = data["page"]
    return PageListing(
        url=data["url"],
        page=PageRef(**page) if page is not None else None,
        pages=tuple(PageRef(**p) for p in data["pages"]),
        articles=tuple(ArticleRef(**a) for a in data["articles"]),
        paper=data["paper"],
        date=dt.date.fromisoformat(data["date"]) if data["date"] else None,
    )


def article_page_to_json(page: ArticlePage) -> dict[str, Any]:
    """A JSON-ready dict of ``page``."""
    return {
        "url": page.url,
        "article": asdict(page.article),
        "paper": page.paper,
        "date": page.date.isoformat() if page.date else None,
    }


def article_page_from_json(data: dict[str, Any]) -> ArticlePage:
    """The inverse of :func:`article_page_to_json`."""
    return ArticlePage(
        url=data["url"],
        article=Article(**data["article"]),
        paper=data["paper"],
        date=dt.date.fromisoformat(data["date"]) if data["date"] else None,
    )
