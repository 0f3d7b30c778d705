"""One edition of one e-paper site: index → pages → articles, fetched concurrently.

The crawl never loses what it got because of what it did not: an article that answers 404,
times out or does not parse is listed in :attr:`CrawlResult.missing` with the reason, and the
rest of the edition is there. Whether to wait for completeness (or a deadline) is the
caller's decision; :meth:`EditionCrawler.refetch_missing` asks for just the missing URLs again.

Cost of polling (all via :class:`~bot.sources.epaper.cache.CrawlCache`):

* the entry page and every page are conditional requests; a 304 reuses the parsed listing;
* an article listed by a page that answered 304 is reused without any request (articles do
  not change while their page does not); one listed by a changed page is asked again
  conditionally, and a new one in full.

So the second poll of an unchanged site is only 304s; an edition that grows (pages added
after the first poll) costs the changed pages and the new articles.

Only the paper's own site is read (the host and port of ``base_url``,
:func:`~bot.sources.epaper.fetch.same_site`): a page or article link elsewhere is not followed,
an entry page pointing elsewhere is an :class:`UnsupportedURLError`, and a redirect elsewhere
is the fetcher's :class:`UnsupportedURLError` (that page or article is missing).

What raises instead of reporting: the entry page or the first page failing to fetch
(:class:`FetchError`: nothing to report yet, poll again later), a first page that says there
is no edition there (:class:`NoEditionError`, a FetchError: a 404, the site's own "not found"
page served with HTTP 200 (:func:`~bot.sources.epaper.listing.not_found_notice`), or, for a
date, another date's edition), and a first page or a whole edition the template does not
understand (:class:`TemplateError`: the layout changed). An edition beyond ``[limits]``
(:mod:`summarizer.limits`) is a :class:`TemplateError` too, naming the limit: too many
articles on the first page or in the edition (checked on the listings, before a single
article is fetched). Another page listing too many, or too long an article,
costs only that page or article (missing, with the limit named).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Final, TypeVar

from bot.errors import (
    FetchError,
    NoEditionError,
    SourceError,
    TemplateError,
    UnsupportedURLError,
)
from bot.sources.epaper.cache import CrawlCache
from bot.sources.epaper.fetch import Fetched, Fetcher, same_site
from bot.sources.epaper.listing import not_found_notice
from bot.sources.epaper.model import (
    ArticlePage,
    ArticleRef,
    PageListing,
    PageRef,
    Template,
    article_page_from_json,
    article_page_to_json,
    listing_from_json,
    listing_to_json,
)
from bot.sources.epaper.templates import get_template
from summarizer.edition import Article, Edition
from summarizer.limits import DEFAULT_LIMITS, LimitError, Limits, article_chars, check_article_count

__all__ = [
    "CrawlResult",
    "CrawlStats",
    "EditionCrawler",
    "Missing",
    "Part",
    "check_article",
    "check_listing",
    "guarded_parse",
]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Part(enum.StrEnum):
    """Which part of an edition is missing."""

    PAGE = "page"
    ARTICLE = "article"


@dataclass(frozen=True, slots=True)
class Missing:
    """A page or article the crawl could not get, and why."""

    part: Part
    url: str
    page: str | None
    """The page number (of the page itself, or of the page listing the article)."""
    reason: str
    status: int | None = None
    """The HTTP status, when the server gave one (404 …)."""
    error: str = ""
    """The error's class name (``FetchError``, ``TemplateError`` …), for grouping in logs."""


@dataclass(slots=True)
class CrawlStats:
    """What one crawl cost: responses with a body, 304s, and parts reused without asking."""

    fetched: int = 0
    not_modified: int = 0
    reused: int = 0


@dataclass(frozen=True, slots=True)
class CrawlResult:
    """An edition as far as the site served it, and what is missing from it."""

    edition: Edition
    """The articles fetched, in page order (page list order, then each page's order)."""
    first_page: str
    pages: tuple[PageRef, ...]
    """The edition's pages as the site lists them."""
    articles: tuple[ArticleRef, ...]
    """Every article the fetched pages list, in order, fetched or not."""
    missing: tuple[Missing, ...]
    fingerprint: str
    """sha256 of the edition's content and what is missing: equal fingerprints, same result."""
    stats: CrawlStats = field(default_factory=CrawlStats)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def urls(self) -> tuple[str, ...]:
        """Every URL this result was built from (to :meth:`CrawlCache.prune` the rest)."""
        return (self.first_page, *(p.url for p in self.pages), *(a.url for a in self.articles))


_NOT_IN_TIME: Final = "not fetched within the poll's time ([sources] poll_seconds)"

_PARSERS: Final = ThreadPoolExecutor(max_workers=2, thread_name_prefix="epaper-parse")
"""Where pages are parsed: apart from the default pool, which readers' commands use. Every
site's crawler shares it, one parse at a time each (:meth:`EditionCrawler._parse`)."""


class _Mode(enum.Enum):
    POLL = "poll"  # conditional requests for entry and pages
    MISSING_ONLY = "missing-only"  # no request for anything cached


@dataclass(slots=True)
class _Page:
    url: str
    listing: PageListing | None = None
    unchanged: bool = False
    failure: Missing | None = None


class EditionCrawler:
    """Crawls one site (base URL + template). Keep one per site: its cache makes polls cheap.

    ``entry_url`` overrides the template's entry page (e.g. a Founder site's
    ``html/2024-07/period.xml``); ``paper`` names the paper instead of what the site says.
    ``fetch_until`` (the event loop's time): no fetch goes on after it; one still waiting is
    cut and, like one not begun, costs its page or article only (missing, asked again by the
    next poll), so a poll's deadline keeps what was fetched instead of losing the edition.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        base_url: str,
        template: Template | str,
        *,
        cache: CrawlCache | None = None,
        entry_url: str | None = None,
        paper: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
        fetch_until: float | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.fetch_until = fetch_until
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.template = get_template(template) if isinstance(template, str) else template
        self.cache = cache if cache is not None else CrawlCache()
        self.entry_url = entry_url or self.template.entry_url(self.base_url)
        self.paper = paper
        self.limits = limits
        self._parse_turn = asyncio.Semaphore(1)

    # ---------------------------------------------------------------------------------------
    # Public surface

    async def crawl(self, date: dt.date | None = None) -> CrawlResult:
        """The newest edition, or the edition of ``date`` (see the module docstring)."""
        stats = CrawlStats()
        first = await self.first_page_url(date, stats)
        return await self._crawl(first, date, _Mode.POLL, stats)

    async def refetch_missing(self, result: CrawlResult) -> CrawlResult:
        """``result`` again, asking only for its missing pages and articles."""
        return await self._crawl(
            result.first_page, result.edition.date, _Mode.MISSING_ONLY, CrawlStats()
        )

    async def first_page_url(
        self, date: dt.date | None = None, stats: CrawlStats | None = None
    ) -> str:
        """The URL of the newest edition's first page (from the entry page), or of ``date``'s
        (:attr:`Template.edition_url`, modelled on the newest first page when one is known)."""
        if date is not None:
            known = self.cache.get(self.entry_url)
            like = known.parsed.get("target") if known else None
            return self.template.edition_url(self.base_url, date, like)
        stats = stats or CrawlStats()
        cached = self.cache.get(self.entry_url)
        with_target = cached is not None and "target" in cached.parsed
        fetched = await self._get(self.entry_url, stats, conditional=with_target)
        if fetched.not_modified and cached is not None:
            return str(cached.parsed["target"])
        assert fetched.text is not None
        target = await self._parse(self.template.parse_entry, fetched)
        if target is not None and not same_site(target, self.base_url):
            raise UnsupportedURLError(target, f"the entry page points off the site {self.base_url}")
        record: dict[str, Any] = {}
        if target is None:  # the entry is the first page itself: one record, read as both
            listing = await self._parse(self.template.parse_page, fetched)
            check_listing(fetched.final_url, listing, self.limits)
            record = listing_to_json(listing)
            target = fetched.final_url
        self.cache.put(self.entry_url, fetched.validators, {**record, "target": target})
        return target

    # ---------------------------------------------------------------------------------------
    # The crawl

    async def _crawl(
        self, first: str, date: dt.date | None, mode: _Mode, stats: CrawlStats
    ) -> CrawlResult:
        head = await self._page(first, mode, stats)
        if head.listing is None:
            failure = head.failure
            assert failure is not None
            if failure.status == 404 or failure.error == NoEditionError.__name__:
                raise NoEditionError(first, failure.reason, status=failure.status)
            if failure.error == TemplateError.__name__:
                raise TemplateError(first, failure.reason, template=self.template.name)
            raise FetchError(first, failure.reason, status=failure.status)
        if date is not None and head.listing.date not in (None, date):
            shown = f"no edition of {date} (the site shows {head.listing.date})"
            raise NoEditionError(first, shown)
        pages = await self._all_pages(head, mode, stats)
        refs = _article_refs(pages)
        allowed = [ref for ref in refs if same_site(ref.url, self.base_url)]
        if len(allowed) < len(refs):
            # A paper's articles are on its own site: a link elsewhere is not followed.
            log.warning(
                "%s: %d article link(s) off the site, not followed",
                first,
                len(refs) - len(allowed),
            )
            refs = allowed
        if not refs:
            raise TemplateError(first, "the edition lists no articles", template=self.template.name)
        self._check_listings(first, refs)
        unchanged = {ref.url for p in pages if p.unchanged for ref in _refs_of(p)}
        outcomes = await asyncio.gather(
            *(self._article(ref, mode, ref.url in unchanged, stats) for ref in refs)
        )
        articles = [o for o in outcomes if isinstance(o, ArticlePage)]
        missing = [p.failure for p in pages if p.failure is not None]
        missing += [o for o in outcomes if isinstance(o, Missing)]
        listing = head.listing
        edition = Edition(
            paper=self.paper or listing.paper or next((a.paper for a in articles if a.paper), None),
            date=date or listing.date or next((a.date for a in articles if a.date), None),
            page=None,
            articles=[a.article for a in articles],
        )
        page_refs = _page_refs(pages)
        result = CrawlResult(
            edition=edition,
            first_page=first,
            pages=page_refs,
            articles=tuple(refs),
            missing=tuple(missing),
            fingerprint=_fingerprint(edition, missing),
            stats=stats,
        )
        log.info(
            "%s %s: %d pages, %d articles, %d missing (%d fetched, %d not modified, %d reused)",
            edition.paper or self.base_url,
            edition.date,
            len(page_refs),
            len(edition.articles),
            len(missing),
            stats.fetched,
            stats.not_modified,
            stats.reused,
        )
        return result

    def _check_listings(self, first: str, refs: list[ArticleRef]) -> None:
        """Refuse an edition listing more articles than the limits allow, before fetching any."""
        try:
            check_article_count(len(refs), self.limits, first)
        except LimitError as exc:
            raise TemplateError(first, exc.reason) from None

    async def _all_pages(self, head: _Page, mode: _Mode, stats: CrawlStats) -> list[_Page]:
        """The first page and every page any fetched page lists, in page-list order."""
        pages: dict[str, _Page] = {head.url: head}
        frontier = [head]
        while frontier:
            wanted = [
                ref.url
                for page in frontier
                if page.listing is not None
                for ref in page.listing.pages
                if ref.url not in pages and same_site(ref.url, self.base_url)
            ]
            wanted = list(dict.fromkeys(wanted))
            found, most = len(pages) + len(wanted), self.limits.pages_per_edition
            if found > most:
                # Before fetching them: a site (or a trap) may list pages without end.
                what = f"too many pages in one edition ({found:,} found)"
                limit = LimitError(head.url, what, most, "pages_per_edition")
                raise TemplateError(head.url, limit.reason)
            for url in wanted:
                pages[url] = _Page(url)
            frontier = await asyncio.gather(*(self._page(url, mode, stats) for url in wanted))
            for page in frontier:
                pages[page.url] = page
        order = {ref.url: i for i, ref in enumerate(_listed(pages.values()))}
        return sorted(pages.values(), key=lambda p: order.get(p.url, -1))

    async def _page(self, url: str, mode: _Mode, stats: CrawlStats) -> _Page:
        """One page's listing: from the cache when the site says it is unchanged (or only
        missing parts are asked for), else fetched and parsed; checked against the limits
        either way (a listing cached before a limit was lowered, or by an older release)."""
        cached = self.cache.get(url)
        fetched: Fetched | None = None
        try:
            if mode is _Mode.MISSING_ONLY and cached is not None:
                stats.reused += 1
                listing = listing_from_json(cached.parsed)
            else:
                fetched = await self._get(url, stats, conditional=True)
                if fetched.not_modified and cached is not None:
                    listing = listing_from_json(cached.parsed)
                else:
                    listing = await self._parse(self.template.parse_page, fetched)
            check_listing(url, listing, self.limits)
        except SourceError as exc:
            if isinstance(exc, TemplateError) and fetched is not None and fetched.text:
                # The site's own "not found" page, served with HTTP 200: as a 404 is.
                notice = None
                with contextlib.suppress(SourceError):
                    notice = await self._parse(not_found_notice, fetched)
                if notice is not None:
                    exc = NoEditionError(url, f"the site's page says {notice!r} (HTTP 200)")
            return _Page(url, failure=_missing(Part.PAGE, url, None, exc))
        if fetched is None or (fetched.not_modified and cached is not None):
            return _Page(url, listing, unchanged=True)
        record = listing_to_json(listing)
        if cached is not None and "target" in cached.parsed:  # the entry page is this page
            record["target"] = cached.parsed["target"]
        self.cache.put(url, fetched.validators, record)
        return _Page(url, listing)

    async def _article(
        self, ref: ArticleRef, mode: _Mode, page_unchanged: bool, stats: CrawlStats
    ) -> ArticlePage | Missing:
        cached = self.cache.get(ref.url)
        if cached is not None and (page_unchanged or mode is _Mode.MISSING_ONLY):
            stats.reused += 1
            return _placed(article_page_from_json(cached.parsed), ref)
        try:
            fetched = await self._get(ref.url, stats, conditional=True)
            if fetched.not_modified and cached is not None:
                return _placed(article_page_from_json(cached.parsed), ref)
            page = await self._parse(self.template.parse_article, fetched)
            check_article(ref.url, page, self.limits)
        except SourceError as exc:
            # Quietly: a half-published edition misses dozens, again at every poll until
            # they come; the crawl's summary line counts them, the result lists them.
            log.debug("article missing: %s", exc)
            return _missing(Part.ARTICLE, ref.url, ref.page, exc)
        self.cache.put(ref.url, fetched.validators, article_page_to_json(page))
        return _placed(page, ref)

    async def _get(self, url: str, stats: CrawlStats, *, conditional: bool) -> Fetched:
        """Fetch from the paper's site only, conditionally when validators are known (a 304
        then comes with a cached entry; one to a request that asked for none is the fetcher's
        :class:`FetchError`, and loses that page or article only)."""
        cached = self.cache.get(url) if conditional else None
        validators = cached.validators if cached else None
        timer = asyncio.timeout_at(self.fetch_until)
        try:
            async with timer:
                fetched = await self.fetcher.get(url, validators, within=self.base_url)
        except TimeoutError:
            if not timer.expired():
                raise
            raise FetchError(url, _NOT_IN_TIME) from None
        if fetched.not_modified:
            stats.not_modified += 1
            if cached is not None and fetched.validators != cached.validators:
                self.cache.put(url, fetched.validators, cached.parsed)  # the 304's are newer
        else:
            stats.fetched += 1
        return fetched

    async def _parse(self, parse: Callable[[str, str], T], fetched: Fetched) -> T:
        """Off the event loop: a page of megabytes takes its time, and the bot's readers
        must not wait for it (nor for a thread of the pool their own commands use).

        One parse at a time per crawler: the pool's queue is first come, first served, so a
        site whose pages each take seconds (90,000 links a page) would otherwise queue them
        all ahead of every other paper's. Taking turns, it holds one thread and another site
        finds the other free (selectolax holds the GIL, so two threads on one site gained
        next to nothing)."""
        assert fetched.text is not None
        loop = asyncio.get_running_loop()
        async with self._parse_turn:
            return await loop.run_in_executor(
                _PARSERS, guarded_parse, self.template, parse, fetched.text, fetched.final_url
            )


def guarded_parse(template: Template, parse: Callable[[str, str], T], text: str, url: str) -> T:
    """``parse(text, url)``, where a parser's unexpected error (a bug, or a page it chokes on:
    ``int("②")``'s ValueError, a RecursionError) is that page's :class:`TemplateError`, as a
    page the template does not understand is: it costs that page or article (missing, with
    the error named), not the edition, nor ``baozhai parse`` a traceback."""
    try:
        return parse(text, url)
    except SourceError:
        raise
    except Exception as exc:
        log.debug("%s: the %s template failed on it", url, template.name, exc_info=True)
        what = f"{type(exc).__name__}: {exc}"
        reason = f"the template failed on it ({what[:200]})"
        raise TemplateError(url, reason, template=template.name) from exc


def check_listing(url: str, listing: PageListing, limits: Limits) -> None:
    """Refuse a page listing more articles than ``articles_per_page``, as soon as it is parsed
    (a crawl: before the other pages are, and before it is cached; a page of 90,000 links made
    2 GB and a 178 MB cache over 20 such pages, rewritten at every poll). In a crawl the first
    page's refusal refuses the edition; another's sets that page aside as missing."""
    most = limits.articles_per_page
    if len(listing.articles) > most:
        what = f"too many articles on one page ({len(listing.articles):,})"
        raise TemplateError(url, LimitError(url, what, most, "articles_per_page").reason)


def check_article(url: str, page: ArticlePage, limits: Limits) -> None:
    """Refuse an article beyond ``article_chars`` as soon as it is parsed (a crawl: before it
    is cached): that article only, missing with the reason, not the edition (its other
    articles are stored); ``baozhai parse`` of its address says so instead of summarizing it."""
    chars = article_chars(page.article)
    if chars > limits.article_chars:
        what = f"too long an article ({chars:,} characters)"
        limit = LimitError(url, what, limits.article_chars, "article_chars")
        raise TemplateError(url, limit.reason)


def _placed(page: ArticlePage, ref: ArticleRef) -> ArticlePage:
    """The article with the listing's page number (and its title, if the page had none)."""
    article: Article = page.article
    article.page = ref.page or article.page
    if not article.title and ref.title:
        article.title = ref.title
    return page


def _missing(part: Part, url: str, page: str | None, error: SourceError) -> Missing:
    reason = getattr(error, "reason", None) or str(error)
    status = getattr(error, "status", None)
    return Missing(part, url, page, str(reason), status, type(error).__name__)


def _listed(pages: Iterable[_Page]) -> list[PageRef]:
    """Every page any listing names, first appearance first, the first page's list leading."""
    seen: dict[str, PageRef] = {}
    for page in pages:
        if page.listing is None:
            continue
        own = page.listing.page or PageRef(number="", name="", url=page.url)
        for ref in (*page.listing.pages, own):
            seen.setdefault(ref.url, ref)
    return list(seen.values())


def _page_refs(pages: list[_Page]) -> tuple[PageRef, ...]:
    listed = {ref.url: ref for ref in _listed(pages)}
    return tuple(listed[p.url] for p in pages if p.url in listed)


def _refs_of(page: _Page) -> tuple[ArticleRef, ...]:
    return page.listing.articles if page.listing is not None else ()


def _article_refs(pages: list[_Page]) -> list[ArticleRef]:
    """All pages' articles in page order; an article two pages list counts once (the first)."""
    refs: dict[str, ArticleRef] = {}
    for page in pages:
        for ref in _refs_of(page):
            refs.setdefault(ref.url, ref)
    return list(refs.values())


def _fingerprint(edition: Edition, missing: list[Missing]) -> str:
    payload = {
        "paper": edition.paper,
        "date": edition.date.isoformat() if edition.date else None,
        "articles": [asdict(article) for article in edition.articles],
        "missing": sorted(m.url for m in missing),
    }
    return hashlib.sha256(
        json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()
