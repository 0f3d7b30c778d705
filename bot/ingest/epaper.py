"""E-paper ingest: poll a paper's own website and store each new edition, whole or late.

One poll of one site: crawl the newest edition (or a given date's, for a backfill) through
:class:`~bot.sources.epaper.EditionCrawler`, then settle it against the store:

* **Complete** (every listed article fetched): summarize and store it, or, when that date is
  stored already with other content (pages added after the first poll, a missing article
  found), replace the stored edition's articles in place: same id, so nobody gets the day's
  digest twice.
* **Incomplete** (an article answered 404, timed out, did not parse): wait, storing nothing,
  until the paper's ``complete_within_minutes`` after the edition was first seen; then store
  what there is and report the missing articles once (the job tells the admins). Later polls
  ask for the missing ones again (older dates too, while they are remembered) and extend the
  stored edition when they arrive. A stored edition never shrinks: a crawl that sees fewer
  articles than were stored (a page gone 404 later) changes nothing.
* **Unchanged** (same fingerprint as stored): nothing; with the crawl cache in the database,
  such a poll costs only conditional requests (304), also after a restart.

A page that matches no template expectation raises :class:`~bot.errors.TemplateError` in
the crawler: it is reported (:attr:`IngestReport.template_error`), never stored as an empty
edition; so is any other :class:`~bot.errors.SourceError` that asking again will not mend (an
entry page redirecting off the site, one larger than ``max_response_bytes``). A fetch that
fails even after the fetcher's retries (:class:`~bot.errors.FetchError`) propagates: the next
poll tries again; so does a first page saying there is no edition there
(:class:`~bot.errors.NoEditionError`: a 404, the site's "not found" page served with HTTP 200,
another date's edition), which a backfill counts as that date's "no edition".

The crawl is async (HTTP); summarizing and the database run in a worker thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import replace
from typing import Any

from bot.config import Config, PaperConfig, SourcesConfig
from bot.errors import FetchError, RetryLater, SourceError
from bot.ingest.report import IngestReport, Missing
from bot.sources.epaper import CrawlCache, CrawlResult, EditionCrawler, Fetcher, FetchLimits
from bot.storage.store import Store
from summarizer.limits import DEFAULT_LIMITS, Limits, summarizer_for

__all__ = ["CACHE_KEY", "MISSING_PREFIX", "fetch_limits", "poll_epaper", "read_site"]

log = logging.getLogger(__name__)

CACHE_KEY = "crawl-cache"
MISSING_PREFIX = "missing:"  # + ISO date: what that edition still lacks, and since when
REMEMBER_MISSING_DAYS = 3  # older editions' missing articles are not asked for again
FETCH_SHARE = 0.9
"""Of a poll's deadline, the share fetching may use; the rest parses and settles what came
(one page of megabytes takes seconds to parse), so the deadline keeps what was fetched."""


def fetch_limits(sources: SourcesConfig) -> FetchLimits:
    """The fetcher's limits from ``[sources]`` (the rest keep the fetcher's defaults)."""
    return FetchLimits(
        timeout=sources.timeout_seconds,
        attempts=sources.attempts,
        per_site=sources.requests_per_site,
        max_bytes=sources.max_response_bytes,
        allow_addresses=frozenset(sources.allow_addresses),
    )


async def read_site(
    store: Store,
    config: Config,
    paper: PaperConfig,
    *,
    now: dt.datetime,
    date: dt.date | None = None,
    backfill: bool = False,
) -> IngestReport:
    """:func:`poll_epaper` with a fetcher made from ``[sources]`` (and closed afterwards)."""
    sources = config.sources
    async with Fetcher(fetch_limits(sources), contact=sources.contact or None) as fetcher:
        return await poll_epaper(
            store,
            paper,
            fetcher,
            sentences=config.summary.sentences,
            now=now,
            date=date,
            backfill=backfill,
            limits=config.limits.text,
            deadline=sources.poll_seconds,
        )


async def poll_epaper(
    store: Store,
    paper: PaperConfig,
    fetcher: Fetcher,
    *,
    sentences: int,
    now: dt.datetime,
    date: dt.date | None = None,
    backfill: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    deadline: float | None = None,
) -> IngestReport:
    """One poll of ``paper``'s site: its newest edition (or ``date``'s), settled as above.

    ``backfill``: an old date for the archive: stored with what there is (no waiting) and
    marked so it is never pushed as a digest. ``now`` is aware, in the configured timezone.
    ``deadline``: seconds the crawl may take in all. Fetching stops at
    :data:`FETCH_SHARE` of it: what was not fetched by then is missing, as an article that
    failed is (the edition waits for it, then is stored without it); past the whole of it
    (parsing what came took the rest), :class:`FetchError`, what was fetched kept in the
    cache for the next poll.
    """
    if paper.epaper is None or paper.template is None:
        raise ValueError(f"paper {paper.name!r} has no e-paper site")
    report = IngestReport(paper=paper.name)
    cached = await asyncio.to_thread(store.state.get, paper.name, CACHE_KEY)
    cache = CrawlCache.from_json(cached) if isinstance(cached, dict) else CrawlCache()
    fetch_until = None
    if deadline is not None:
        fetch_until = asyncio.get_running_loop().time() + deadline * FETCH_SHARE
    crawler = EditionCrawler(
        fetcher,
        paper.epaper,
        paper.template,
        cache=cache,
        paper=paper.name,
        limits=limits,
        fetch_until=fetch_until,
    )
    timer = asyncio.timeout(deadline)
    try:
        async with timer:
            results = await _crawl(store, paper, crawler, cache, date, now)
    except TimeoutError:
        if not timer.expired():
            raise
        reason = f"the poll took longer than {deadline:g} s ([sources] poll_seconds)"
        raise FetchError(paper.epaper, reason) from None
    except SourceError as exc:
        if isinstance(exc, RetryLater):
            raise  # a FetchError: the next poll tries again
        # The layout changed, an edition beyond [limits], an entry page that leads off the
        # site or is larger than max_response_bytes: a person has to look, every poll is
        # refused the same way until then.
        report.template_error = str(exc)
        log.warning("%s: %s", paper.name, exc)
        return report
    finally:
        await asyncio.to_thread(store.state.put, paper.name, CACHE_KEY, cache.to_json())
    for result in results:
        await asyncio.to_thread(
            _settle,
            store,
            paper,
            result,
            now=now,
            sentences=sentences,
            backfill=backfill,
            limits=limits,
            report=report,
        )
    return report


async def _crawl(
    store: Store,
    paper: PaperConfig,
    crawler: EditionCrawler,
    cache: CrawlCache,
    date: dt.date | None,
    now: dt.datetime,
) -> list[CrawlResult]:
    """The newest edition (or ``date``'s), and the recent ones still missing articles."""
    held = cache.urls()
    if date is not None and crawler.entry_url not in cache:
        # A date's first page is named like the newest one's (Founder's node_N.htm):
        # learn that name from the entry page first.
        await crawler.first_page_url()
    results = [await crawler.crawl(date)]
    if date is not None:
        # A past date is crawled once (a backfill): keeping its pages would grow the cache,
        # read and written whole, by a date each (21 MB after 60 dates of 200 articles,
        # each date slower than the last), while the polls' own entries stay.
        cache.prune([crawler.entry_url, *held])
    else:
        results += await _retry_missing(store, paper, crawler, results[0], now)
        # What no poll asks for again goes, or the cache (read and written whole each
        # poll) would grow by an edition a day for as long as the bot runs.
        cache.prune([crawler.entry_url, *(url for r in results for url in r.urls)])
    return results


async def _retry_missing(
    store: Store, paper: PaperConfig, crawler: EditionCrawler, newest: CrawlResult, now: dt.datetime
) -> list[CrawlResult]:
    """Crawl again the recent dates whose stored edition still lacks articles."""
    keys = await asyncio.to_thread(store.state.keys, paper.name, MISSING_PREFIX)
    results = []
    for key in keys:
        day = dt.date.fromisoformat(key.removeprefix(MISSING_PREFIX))
        if day == newest.edition.date:
            continue
        if (now.date() - day).days > REMEMBER_MISSING_DAYS:
            await asyncio.to_thread(store.state.drop, paper.name, key)
            continue
        try:
            results.append(await crawler.crawl(day))
        except SourceError as exc:
            # That date's pages gone or changed must not cost the newest edition, crawled
            # already: its missing articles are asked for again next poll, until too old.
            log.warning("%s %s: asking again for missing articles failed: %s", paper.name, day, exc)
    return results


def _settle(
    store: Store,
    paper: PaperConfig,
    result: CrawlResult,
    *,
    now: dt.datetime,
    sentences: int,
    backfill: bool,
    limits: Limits,
    report: IngestReport,
) -> None:
    """Store, extend, wait for or skip one crawled edition (see the module docstring)."""
    edition = replace(result.edition, paper=paper.name)
    date = edition.date or now.date()
    edition.date = date
    key = f"{MISSING_PREFIX}{date.isoformat()}"
    stored = store.editions.on(date, paper.name)
    seen: dict[str, Any] = store.state.get(paper.name, key) or {"first_seen": now.isoformat()}

    if stored is not None and stored.content_hash == result.fingerprint:
        if result.complete:
            store.state.drop(paper.name, key)
        return  # unchanged since the last poll
    if stored is not None and len(edition.articles) < stored.article_count:
        log.info("%s %s: crawl has fewer articles than stored; kept as it is", paper.name, date)
        return
    if not result.complete and stored is None and not backfill:
        first_seen = dt.datetime.fromisoformat(seen["first_seen"])
        deadline = first_seen + dt.timedelta(minutes=paper.complete_within_minutes)
        if now < deadline:
            store.state.put(paper.name, key, seen)
            report.missing.append(_missing(result, date, stored=False, tell=False))
            log.info(
                "%s %s: %d article(s) missing; waiting until %s",
                paper.name,
                date,
                len(result.missing),
                deadline.isoformat(timespec="minutes"),
            )
            return

    if stored is None and not edition.articles:
        # Not one article came (each failed, or the poll's time ran out first): an empty
        # edition must not become the newest, nor a backfill's "stored" that no run fills in.
        # The date stays missing; the next poll (or backfill run) asks again. Said once (a
        # WARNING and the admins told, past the wait), then quietly: polls come every few
        # minutes until the site mends.
        first = not seen.get("told_unfetched", False)
        tell = first and not backfill
        store.state.put(paper.name, key, {**seen, "told_unfetched": True} if tell else seen)
        report.missing.append(_missing(result, date, stored=False, tell=tell))
        log.log(
            logging.WARNING if first else logging.INFO,
            "%s %s: none of its %d article(s) could be fetched; nothing stored",
            paper.name,
            date,
            len(result.missing),
        )
        return

    summarizer = summarizer_for(limits)
    summaries = [summarizer.summarize(article, k=sentences) for article in edition.articles]
    if stored is None:
        record = store.editions.add(
            paper.name,
            edition,
            summaries,
            result.fingerprint,
            backfilled=backfill,
            first_of_its_date=True,
        )
        if record is None:  # another process's poll of the site stored the date meanwhile
            log.info("%s %s: stored meanwhile by another poll; kept as it is", paper.name, date)
            return
        report.new.append(record)
        log.info("%s: ingested edition %s (%d articles)", paper.name, date, len(summaries))
    else:
        record = store.editions.replace(stored.id, edition, summaries, result.fingerprint)
        report.extended.append(record)
        log.info("%s: edition %s extended (now %d articles)", paper.name, date, len(summaries))

    if result.complete:
        store.state.drop(paper.name, key)
        return
    tell = not seen.get("told", False)
    store.state.put(paper.name, key, {**seen, "told": True})
    report.missing.append(_missing(result, date, stored=True, tell=tell))


def _missing(result: CrawlResult, date: dt.date, *, stored: bool, tell: bool) -> Missing:
    return Missing(
        date=date,
        urls=tuple(m.url for m in result.missing),
        reasons=tuple(m.reason for m in result.missing),
        stored=stored,
        tell=tell,
    )
