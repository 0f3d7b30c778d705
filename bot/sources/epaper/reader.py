"""Reading one e-paper address a person names: an index, a page or an article.

For ``baozhai parse URL``: an index (the template's entry page, or one that leads to the
newest edition) gives the whole edition, a page (版面) that page's articles, an article page
that article. Which template: the caller's choice, else guessed from the address's shape
(:func:`guess_template`). Only the address's own site is read, as the crawler reads only the
paper's (:func:`~bot.sources.epaper.fetch.same_site`): a redirect elsewhere is refused, an
article link elsewhere not followed.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import re
import urllib.parse
from dataclasses import dataclass

from bot.errors import SourceError, TemplateError
from bot.sources.epaper.crawl import EditionCrawler, check_article, check_listing, guarded_parse
from bot.sources.epaper.fetch import Fetcher, same_site
from bot.sources.epaper.model import ArticlePage, ArticleRef, PageListing, Template
from bot.sources.epaper.templates import get_template
from summarizer.edition import Article, Edition
from summarizer.limits import DEFAULT_LIMITS, Limits

__all__ = ["UrlKind", "UrlReading", "guess_template", "read_url"]

_FOUNDER = re.compile(r"(?:node_\d+|content_[\d_]+)\.htm|paperindex\.htm|period\.xml", re.I)


class UrlKind(enum.StrEnum):
    """What an address turned out to be."""

    EDITION = "edition"
    PAGE = "page"
    ARTICLE = "article"


@dataclass(frozen=True, slots=True)
class UrlReading:
    """What one address held, and which of its articles could not be read (url, reason)."""

    kind: UrlKind
    edition: Edition
    missing: tuple[tuple[str, str], ...] = ()


def guess_template(url: str) -> str | None:
    """The template an address's shape suggests, or None (then the caller must name one)."""
    path = urllib.parse.urlsplit(url).path
    if "/pc/layout/" in path or "/pc/content/" in path:
        return "pc_layout"
    if "D110000renmrb" in path:
        return "rmrb_nbs"
    if _FOUNDER.search(path):
        return "founder"
    return None


async def read_url(
    fetcher: Fetcher, url: str, template: Template | str, limits: Limits = DEFAULT_LIMITS
) -> UrlReading:
    """Fetch ``url`` and read it as an index, a page or an article of ``template``.

    Raises :class:`~bot.errors.TemplateError` when it is none of them or lists more than
    ``limits`` allow (before its articles are fetched), and the fetcher's errors when it
    cannot be fetched. Articles of a page that fail are listed in ``missing``.
    """
    chosen = get_template(template) if isinstance(template, str) else template
    fetched = await fetcher.get(url, within=url)
    text, where = fetched.text or "", fetched.final_url
    # The address asked for, not only where it led: an index may answer with an HTTP
    # redirect to the newest first page (which is no index itself).
    base = _entry_base(chosen, url) or _entry_base(chosen, where)
    if base is not None or guarded_parse(chosen, chosen.parse_entry, text, where) is not None:
        base = base or _folder(where)
        crawler = EditionCrawler(fetcher, base, chosen, entry_url=url, limits=limits)
        result = await crawler.crawl()
        missing = tuple((m.url, m.reason) for m in result.missing)
        return UrlReading(UrlKind.EDITION, result.edition, missing)
    if any(chosen.article_file.fullmatch(_file_name(u)) for u in (url, where)):
        # An article page may link others (上一篇/下一篇, the page's title list): it is
        # read as the article it is named for, and as a page only if it is none.
        article = None
        with contextlib.suppress(TemplateError):
            article = guarded_parse(chosen, chosen.parse_article, text, where)
        if article is not None:
            return _article(article, limits)
    try:
        listing = guarded_parse(chosen, chosen.parse_page, text, where)
    except TemplateError:
        listing = None
    if listing is not None and listing.articles:
        check_listing(where, listing, limits)
        return await _page(fetcher, chosen, listing, url, limits)
    return _article(guarded_parse(chosen, chosen.parse_article, text, where), limits)


def _folder(url: str) -> str:
    return urllib.parse.urljoin(url, "./")


def _entry_base(template: Template, url: str) -> str | None:
    """The site folder whose entry page ``url`` is (``…/rmrb/`` for
    ``…/rmrb/pc/layout/index.html``), or None when it is no template's entry page."""
    folder = _folder(url)
    while template.entry_url(folder) != url:
        parent = urllib.parse.urljoin(folder, "../")
        if parent == folder:
            return None
        folder = parent
    return folder


def _file_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]


def _article(page: ArticlePage, limits: Limits) -> UrlReading:
    """One article page's reading: an edition of that article alone (refused beyond
    ``article_chars``, as the crawler refuses it)."""
    check_article(page.url, page, limits)
    edition = Edition(
        paper=page.paper, date=page.date, page=page.article.page, articles=[page.article]
    )
    return UrlReading(UrlKind.ARTICLE, edition)


async def _page(
    fetcher: Fetcher, template: Template, listing: PageListing, url: str, limits: Limits
) -> UrlReading:
    """The articles on ``url``'s site that the page lists, fetched concurrently (within the
    fetcher's per-site limit); one beyond ``article_chars`` is not read, with the reason."""

    async def one(ref: ArticleRef) -> Article | tuple[str, str]:
        try:
            fetched = await fetcher.get(ref.url, within=url)
            page = guarded_parse(
                template, template.parse_article, fetched.text or "", fetched.final_url
            )
            check_article(ref.url, page, limits)
        except SourceError as exc:
            return (ref.url, str(exc))
        if page.article.page is None and listing.page is not None:
            page.article.page = listing.page.number
        return page.article

    refs = [ref for ref in listing.articles if same_site(ref.url, url)]
    outcomes = await asyncio.gather(*(one(ref) for ref in refs))
    articles = [a for a in outcomes if isinstance(a, Article)]
    missing = tuple(m for m in outcomes if isinstance(m, tuple))
    number = listing.page.number if listing.page is not None else None
    edition = Edition(paper=listing.paper, date=listing.date, page=number, articles=articles)
    return UrlReading(UrlKind.PAGE, edition, missing)
