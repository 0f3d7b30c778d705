"""Specification of the e-paper ingest: a site served on 127.0.0.1, a real store (SQLite and
PostgreSQL), and what ends up stored, waited for or reported."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest

from bot.config import PaperConfig
from bot.errors import FetchError
from bot.ingest import IngestReport, poll_epaper
from bot.ingest.epaper import CACHE_KEY
from bot.sources.epaper import CrawlCache, Fetcher, FetchLimits
from bot.storage.records import PollOutcome
from bot.storage.store import Store
from summarizer.limits import DEFAULT_LIMITS, Limits
from tests.bot.sources.epaper.server import LOCAL, SiteServer
from tests.bot.sources.epaper.sites import Resource, Sheet, Story, founder_site
from tests.bot.storage.helpers import interleave

ZONE = ZoneInfo("Asia/Shanghai")
DATE = dt.date(2024, 7, 1)
NOW = dt.datetime(2024, 7, 1, 5, 0, tzinfo=ZONE)
NAME = "浙江工人日报"
LIMITS = FetchLimits(
    timeout=2.0, attempts=1, backoff_initial=0.01, backoff_jitter=0.0, allow_addresses=LOCAL
)


def sheets(pages: int = 2, per_page: int = 2) -> list[Sheet]:
    return [
        Sheet(
            f"{p + 1:02d}",
            f"版{p + 1}",
            tuple(
                Story(
                    title=f"第{p + 1}版第{k + 1}篇",
                    byline="本报讯 记者 李雷",
                    paragraphs=(
                        f"第{p + 1}版第{k + 1}篇讲的是工会驿站的新做法。",
                        "职工们说，这里冬暖夏凉，还能歇脚喝水。",
                    ),
                )
                for k in range(per_page)
            ),
            node=187 + p,
        )
        for p in range(pages)
    ]


def paper_of(site: SiteServer, wait_minutes: int = 60) -> PaperConfig:
    return PaperConfig(
        name=NAME,
        epaper=site.url("/"),
        template="founder",
        complete_within_minutes=wait_minutes,
    )


async def poll(
    store: Store,
    paper: PaperConfig,
    now: dt.datetime = NOW,
    *,
    date: dt.date | None = None,
    backfill: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    deadline: float | None = None,
) -> IngestReport:
    async with Fetcher(LIMITS) as fetcher:
        return await poll_epaper(
            store,
            paper,
            fetcher,
            sentences=2,
            now=now,
            date=date,
            backfill=backfill,
            limits=limits,
            deadline=deadline,
        )


def serve_without_one_article(site: SiteServer) -> tuple[dict[str, Resource], str]:
    """Serve the edition of DATE but one article: the whole site and the path left out."""
    full = founder_site(NAME, DATE, sheets())
    gone = next(path for path in full if path.endswith("_1001.htm"))
    site.site.update({p: r for p, r in full.items() if p != gone})
    return full, gone


async def test_a_complete_edition_is_stored_with_summaries(site: SiteServer, store: Store) -> None:
    site.site.update(founder_site(NAME, DATE, sheets()))
    report = await poll(store, paper_of(site))
    [edition] = report.new
    assert (edition.paper, edition.date, edition.article_count) == (NAME, DATE, 4)
    articles = store.editions.articles(edition.id)
    assert [a.page for a in articles] == ["1", "1", "2", "2"]
    assert articles[0].title == "第1版第1篇" and articles[0].summary


async def test_an_unchanged_site_is_not_stored_twice_and_costs_only_304s(
    site: SiteServer, store: Store
) -> None:
    site.site.update(founder_site(NAME, DATE, sheets()))
    paper = paper_of(site)
    await poll(store, paper)
    site.reset()
    again = await poll(store, paper, NOW + dt.timedelta(minutes=10))
    assert not again.changed
    assert site.statuses() and set(site.statuses()) == {304}
    assert store.editions.on(DATE, NAME).article_count == 4


async def test_an_incomplete_edition_waits_then_is_stored_and_extended_when_it_is_whole(
    site: SiteServer, store: Store
) -> None:
    full, gone = serve_without_one_article(site)
    paper = paper_of(site, wait_minutes=30)

    waiting = await poll(store, paper)
    assert not waiting.new and [m.stored for m in waiting.missing] == [False]
    assert store.editions.on(DATE, NAME) is None

    late = await poll(store, paper, NOW + dt.timedelta(minutes=31))
    [stored] = late.new
    assert stored.article_count == 3
    [missing] = late.missing
    assert missing.stored and missing.tell and missing.urls == (site.url(gone),)

    still = await poll(store, paper, NOW + dt.timedelta(minutes=41))
    assert [m.tell for m in still.missing] == []  # unchanged: nothing to say twice

    site.site[gone] = full[gone]
    found = await poll(store, paper, NOW + dt.timedelta(minutes=51))
    [extended] = found.extended
    assert extended.id == stored.id and extended.article_count == 4
    assert store.state.keys(NAME, "missing:") == []


async def test_a_half_published_edition_is_one_summary_line_per_poll_not_a_warning_each(
    site: SiteServer, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    full = founder_site(NAME, DATE, sheets(pages=4, per_page=10))
    gone = [path for path in full if "content_" in path][10:]  # 30 of 40 not up yet: 404
    site.site.update({p: r for p, r in full.items() if p not in gone})
    paper = paper_of(site, wait_minutes=60)
    for minutes in (0, 10, 20):
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            report = await poll(store, paper, NOW + dt.timedelta(minutes=minutes))
        assert [len(m.urls) for m in report.missing] == [30]
        records = [r for r in caplog.records if r.name.startswith(("bot", "summarizer"))]
        assert [r.getMessage() for r in records if r.levelno >= logging.WARNING] == []
        [summary] = [r.getMessage() for r in records if "30 missing" in r.getMessage()]
        assert summary.startswith(f"{NAME} {DATE}: 4 pages, 10 articles, 30 missing")
        said = [r for r in records if "article missing" in r.getMessage()]
        assert {r.levelno for r in said} == {logging.DEBUG} and len(said) == len(gone)
        for path in gone:  # its address once
            [line] = [r.getMessage() for r in said if path in r.getMessage()]
            assert line.count(path) == 1 and line.endswith("HTTP 404")


async def test_an_older_edition_whose_pages_are_gone_does_not_hold_up_the_newest(
    site: SiteServer, store: Store
) -> None:
    serve_without_one_article(site)
    paper = paper_of(site, wait_minutes=0)
    first = await poll(store, paper)  # stored without one article, asked for again later
    assert [e.date for e in first.new] == [DATE] and first.missing
    site.site.clear()  # the next day the site holds only that day's edition
    tomorrow = DATE + dt.timedelta(days=1)
    site.site.update(founder_site(NAME, tomorrow, sheets()))

    report = await poll(store, paper, NOW + dt.timedelta(days=1))

    assert [e.date for e in report.new] == [tomorrow]
    assert store.state.keys(NAME, "missing:") == [f"missing:{DATE.isoformat()}"]


async def test_the_crawl_cache_keeps_only_what_the_next_poll_asks_for(
    site: SiteServer, store: Store
) -> None:
    site.site.update(founder_site(NAME, DATE, sheets()))
    paper = paper_of(site)
    await poll(store, paper)
    site.site.clear()
    tomorrow = DATE + dt.timedelta(days=1)
    site.site.update(founder_site(NAME, tomorrow, sheets()))

    await poll(store, paper, NOW + dt.timedelta(days=1))

    cache = CrawlCache.from_json(store.state.get(NAME, CACHE_KEY))
    urls = cache.to_json()["entries"].keys()
    assert len(cache) == 1 + 2 + 4  # the entry page, tomorrow's two pages and four articles
    assert not any(f"{DATE:%Y-%m}/{DATE:%d}/" in url for url in urls)


async def test_a_poll_whose_pages_outlast_its_deadline_fails_and_the_next_starts_over(
    site: SiteServer, store: Store
) -> None:
    full = founder_site(NAME, DATE, sheets())
    site.site.update(
        {p: dataclasses.replace(r, delay=1.5) if "node_" in p else r for p, r in full.items()}
    )
    with pytest.raises(FetchError, match="poll_seconds"):
        await poll(store, paper_of(site), deadline=0.5)
    assert store.editions.latest(NAME) is None

    site.site.update(full)
    report = await poll(store, paper_of(site))

    assert [e.article_count for e in report.new] == [4]


async def test_a_poll_at_its_deadline_keeps_what_it_fetched_and_waits_for_the_rest(
    site: SiteServer, store: Store
) -> None:
    # The slow article would arrive (1.5 s, within the fetch's 2 s), but after the poll's 1 s.
    full = founder_site(NAME, DATE, sheets())
    slow = next(path for path in full if path.endswith("_1001.htm"))
    site.site.update({**full, slow: dataclasses.replace(full[slow], delay=1.5)})
    paper = paper_of(site, wait_minutes=30)

    waiting = await poll(store, paper, deadline=1.0)

    [missing] = waiting.missing
    assert missing.urls == (site.url(slow),) and "poll_seconds" in missing.reasons[0]
    cache = CrawlCache.from_json(store.state.get(NAME, CACHE_KEY))
    assert len(cache) == 1 + 2 + 3  # the entry, the pages, the articles that came
    late = await poll(store, paper, NOW + dt.timedelta(hours=1), deadline=1.0)
    assert [e.article_count for e in late.new] == [3]


def serve_with_every_article_slow(site: SiteServer) -> None:
    """The edition of DATE, every article answering after 1.5 s (a deadline of 1 s cuts it)."""
    full = founder_site(NAME, DATE, sheets())
    site.site.update(
        {p: dataclasses.replace(r, delay=1.5) if "content_" in p else r for p, r in full.items()}
    )


async def test_an_edition_of_which_no_article_came_is_not_stored_even_after_the_wait(
    site: SiteServer, store: Store
) -> None:
    serve_with_every_article_slow(site)
    paper = paper_of(site, wait_minutes=30)
    await poll(store, paper, deadline=1.0)

    late = await poll(store, paper, NOW + dt.timedelta(hours=1), deadline=1.0)

    assert late.new == [] and store.editions.latest(NAME) is None
    [missing] = late.missing
    assert not missing.stored and len(missing.urls) == 4


async def test_an_edition_of_which_no_article_came_is_told_once_past_the_wait(
    site: SiteServer, store: Store
) -> None:
    serve_with_every_article_slow(site)
    paper = paper_of(site, wait_minutes=30)
    waiting = await poll(store, paper, deadline=1.0)
    told = await poll(store, paper, NOW + dt.timedelta(hours=1), deadline=1.0)
    again = await poll(store, paper, NOW + dt.timedelta(hours=2), deadline=1.0)

    assert [m.tell for m in waiting.missing] == [False]  # within the wait: not yet
    assert [m.tell for m in told.missing] == [True]
    assert [m.tell for m in again.missing] == [False]  # said once, not at every poll


async def test_a_backfilled_date_of_which_no_article_came_is_not_stored(
    site: SiteServer, store: Store
) -> None:
    serve_with_every_article_slow(site)
    later = NOW + dt.timedelta(days=30)

    report = await poll(store, paper_of(site), later, date=DATE, backfill=True, deadline=1.0)

    assert report.new == [] and store.editions.on(DATE, NAME) is None
    assert [m.stored for m in report.missing] == [False]


async def test_pages_added_after_the_first_poll_extend_the_same_edition(
    site: SiteServer, store: Store
) -> None:
    full = sheets(3)
    site.site.update(founder_site(NAME, DATE, full[:1]))
    paper = paper_of(site)
    [first] = (await poll(store, paper)).new
    site.site.update(founder_site(NAME, DATE, full))
    [grown] = (await poll(store, paper, NOW + dt.timedelta(minutes=10))).extended
    assert grown.id == first.id and grown.article_count == 6


async def test_two_polls_at_once_store_one_edition_of_a_date(
    site: SiteServer, store: Store
) -> None:
    # The bot's poll and a `baozhai ingest` beside it (another process): one finds no
    # edition of the date stored, the other stores one meanwhile (the site has added a page
    # since), then the first goes on. One edition of the date, or its readers get two digests.
    full = sheets(3)
    site.site.update(founder_site(NAME, DATE, full[:2]))
    paper = paper_of(site)
    reports: list[IngestReport] = []

    def first() -> None:
        reports.append(asyncio.run(poll(store, paper)))

    def other() -> None:
        site.site.update(founder_site(NAME, DATE, full))
        reports.append(asyncio.run(poll(store, paper)))

    await asyncio.to_thread(interleave, store, first, other, pause_after="FROM editions")

    assert [edition.article_count for report in reports for edition in report.new] == [6]
    assert store.editions.on(DATE, NAME).article_count == 6


async def test_a_stored_edition_never_shrinks_when_an_article_disappears(
    site: SiteServer, store: Store
) -> None:
    full = founder_site(NAME, DATE, sheets())
    site.site.update(full)
    paper = paper_of(site, wait_minutes=0)
    await poll(store, paper)
    gone = next(path for path in full if path.endswith("_1001.htm"))
    del site.site[gone]
    await poll(store, paper, NOW + dt.timedelta(minutes=10))
    assert store.editions.on(DATE, NAME).article_count == 4


async def test_a_changed_layout_is_reported_and_nothing_is_stored(
    site: SiteServer, store: Store
) -> None:
    site.site.update(founder_site(NAME, DATE, sheets()))
    for path, resource in list(site.site.items()):
        if "node_" in path:
            site.site[path] = type(resource)(b"<html><body><p>New look!</p></body></html>")
    report = await poll(store, paper_of(site))
    assert report.template_error and "founder" in report.template_error
    assert store.editions.latest(NAME) is None


async def test_a_newest_first_page_saying_not_found_is_no_edition_yet_not_a_changed_layout(
    site: SiteServer, store: Store
) -> None:
    site.site.update(founder_site(NAME, DATE, sheets()))
    not_found = "<html><head><title>404 页面不存在</title></head><body>页面不存在</body></html>"
    site.site["/html/2024-07/01/node_187.htm"] = Resource(not_found.encode())
    with pytest.raises(FetchError, match="页面不存在") as raised:  # the next poll asks again
        await poll(store, paper_of(site))
    assert type(raised.value).__name__ == "NoEditionError"
    assert store.editions.latest(NAME) is None


async def test_an_entry_page_redirecting_off_the_site_is_reported_not_raised(
    site: SiteServer, store: Store
) -> None:
    elsewhere = SiteServer()  # the same address, another port: another site
    await elsewhere.start()
    try:
        elsewhere.site.update(founder_site(NAME, DATE, sheets()))
        moved = elsewhere.url("/paperindex.htm")
        site.site["/paperindex.htm"] = Resource(status=301, headers={"Location": moved})
        report = await poll(store, paper_of(site))
    finally:
        await elsewhere.stop()
    assert report.template_error and moved in report.template_error
    assert report.outcome() == (PollOutcome.FAILED, report.template_error)
    assert store.editions.latest(NAME) is None and elsewhere.hits == []


async def test_an_entry_page_larger_than_max_response_bytes_is_reported_not_raised(
    site: SiteServer, store: Store
) -> None:
    site.site.update(founder_site(NAME, DATE, sheets()))
    site.site["/paperindex.htm"] = Resource(b"<html>" + b" " * 8192 + b"</html>")
    async with Fetcher(dataclasses.replace(LIMITS, max_bytes=4096)) as fetcher:
        report = await poll_epaper(store, paper_of(site), fetcher, sentences=2, now=NOW)
    assert report.template_error and "larger than 4096 bytes" in report.template_error
    assert store.editions.latest(NAME) is None


@pytest.mark.parametrize(
    ("pages", "per_page", "limits", "key", "pages_fetched"),
    [
        (2, 3, Limits(articles_per_edition=5), "articles_per_edition", 2),
        (4, 1, Limits(pages_per_edition=3), "pages_per_edition", 1),  # the first lists them
    ],
)
async def test_an_edition_listing_more_than_a_limit_allows_is_refused_unfetched(
    site: SiteServer,
    store: Store,
    pages: int,
    per_page: int,
    limits: Limits,
    key: str,
    pages_fetched: int,
) -> None:
    site.site.update(founder_site(NAME, DATE, sheets(pages=pages, per_page=per_page)))
    report = await poll(store, paper_of(site), limits=limits)
    assert report.template_error and f"[limits] {key}" in report.template_error
    assert store.editions.latest(NAME) is None
    assert len({hit.path for hit in site.hits if "node_" in hit.path}) == pages_fetched
    assert not any("content_" in hit.path for hit in site.hits)


async def test_an_edition_whose_first_page_lists_too_many_articles_is_refused_naming_it(
    site: SiteServer, store: Store
) -> None:
    site.site.update(founder_site(NAME, DATE, sheets(pages=1, per_page=4)))
    report = await poll(store, paper_of(site), limits=Limits(articles_per_page=3))
    assert report.template_error and "[limits] articles_per_page" in report.template_error
    assert store.editions.latest(NAME) is None


async def test_an_article_beyond_article_chars_is_missing_and_the_rest_stored(
    site: SiteServer, store: Store
) -> None:
    pages = sheets()
    story = pages[1].stories[1]
    long = dataclasses.replace(story, paragraphs=(*story.paragraphs, "很长的一段。" * 20))
    pages[1] = dataclasses.replace(pages[1], stories=(pages[1].stories[0], long))
    site.site.update(founder_site(NAME, DATE, pages))
    limits = Limits(article_chars=100)

    report = await poll(store, paper_of(site, wait_minutes=0), limits=limits)

    assert report.template_error is None
    [edition] = report.new
    assert edition.article_count == 3
    [missing] = report.missing
    assert "too long an article" in missing.reasons[0]
    assert "[limits] article_chars" in missing.reasons[0]


@pytest.mark.parametrize("number", ["②", "²", "０２"])
async def test_an_article_whose_page_number_is_an_odd_digit_is_stored_with_the_rest(
    site: SiteServer, store: Store, number: str
) -> None:
    # "②".isdigit() is true, but int("②") fails: the whole edition was lost, every poll.
    full = founder_site(NAME, DATE, sheets())
    odd = next(path for path in full if b"<founder-pagenum>02<" in full[path].body)
    body = full[odd].body.replace(b">02</founder-pagenum>", f">{number}</founder-pagenum>".encode())
    site.site.update({**full, odd: Resource(body)})

    report = await poll(store, paper_of(site))

    [edition] = report.new
    assert edition.article_count == 4 and not report.missing
    assert [a.page for a in store.editions.articles(edition.id)] == ["1", "1", "2", "2"]


async def test_a_backfilled_edition_is_stored_at_once_and_marked(
    site: SiteServer, store: Store
) -> None:
    serve_without_one_article(site)
    report = await poll(store, paper_of(site), date=DATE, backfill=True)
    [edition] = report.new
    assert edition.backfilled and edition.article_count == 3


async def test_a_backfilled_date_leaves_the_cache_as_the_polls_left_it(
    site: SiteServer, store: Store
) -> None:
    tomorrow = DATE + dt.timedelta(days=1)
    site.site.update(founder_site(NAME, DATE, sheets()))
    site.site.update(founder_site(NAME, tomorrow, sheets()))
    paper = paper_of(site)
    await poll(store, paper, NOW + dt.timedelta(days=1))  # the newest edition: tomorrow's
    polled = CrawlCache.from_json(store.state.get(NAME, CACHE_KEY)).to_json()["entries"].keys()

    report = await poll(store, paper, NOW + dt.timedelta(days=1), date=DATE, backfill=True)

    assert [e.date for e in report.new] == [DATE]
    cache = CrawlCache.from_json(store.state.get(NAME, CACHE_KEY))
    assert cache.to_json()["entries"].keys() == polled


async def test_the_crawl_cache_survives_a_restart_in_the_store(
    site: SiteServer, store: Store
) -> None:
    site.site.update(founder_site(NAME, DATE, sheets()))
    paper = paper_of(site)
    await poll(store, paper)
    site.reset()
    # A new poll, as from a new process: only what the database remembers.
    await poll(store, paper, NOW + dt.timedelta(minutes=10))
    assert set(site.statuses()) == {304}
