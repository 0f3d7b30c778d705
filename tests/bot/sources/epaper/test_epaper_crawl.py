"""Crawling whole editions from fixture sites on a real local server."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from bot.errors import FetchError, NoEditionError, TemplateError, UnsupportedURLError
from bot.sources.epaper import ArticlePage, CrawlCache, EditionCrawler, Fetcher, Part, Template
from bot.sources.epaper.templates import get_template
from summarizer.limits import Limits
from tests.bot.sources.epaper.conftest import FAST
from tests.bot.sources.epaper.server import LAST_MODIFIED, SiteServer
from tests.bot.sources.epaper.sites import (
    Quirks,
    Resource,
    Sheet,
    Story,
    founder_site,
    nbs_article_file,
    nbs_site,
    pc_site,
)

DATE = dt.date(2024, 7, 1)
T = TypeVar("T")
PAPER = "浙江工人日报"
ALL_QUIRKS = Quirks(
    menu_twice=True,
    dot_slash=True,
    image_map=True,
    div_variants=True,
    page_property=True,
    paper_title_first=True,
    enpcontent=True,
    title_br=True,
    byline_in_body=True,
)


def sheets(pages: int = 3, per_page: int = 2) -> list[Sheet]:
    return [
        Sheet(
            f"{p + 1:02d}",
            f"版{p + 1}",
            tuple(
                Story(
                    title=f"第{p + 1}版 第{k + 1}篇",
                    byline="■ 本报记者 李艳玫",
                    paragraphs=(f"第{p + 1}版第{k + 1}篇的正文。", "第二段。"),
                )
                for k in range(per_page)
            ),
            node=58464 + 7 * p,
        )
        for p in range(pages)
    ]


def founder_crawler(
    server: SiteServer, fetcher: Fetcher, cache: CrawlCache | None = None
) -> EditionCrawler:
    return EditionCrawler(fetcher, server.url("/"), "founder", cache=cache)


async def test_founder_edition_with_every_quirk_is_crawled_whole_in_page_order(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site.update(founder_site(PAPER, DATE, sheets(), ALL_QUIRKS))
    result = await founder_crawler(server, fetcher).crawl()
    assert result.complete
    assert (result.edition.paper, result.edition.date) == (PAPER, DATE)
    assert [a.title for a in result.edition.articles] == [
        f"第{p}版 第{k}篇" for p in (1, 2, 3) for k in (1, 2)
    ]
    first = result.edition.articles[0]
    assert (first.page, first.byline, first.paragraphs) == (
        "1",
        "■ 本报记者 李艳玫",
        ["第1版第1篇的正文。", "第二段。"],
    )
    assert [(p.number, p.name) for p in result.pages] == [("1", "版1"), ("2", "版2"), ("3", "版3")]


async def test_each_url_of_an_edition_is_requested_once(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site.update(founder_site(PAPER, DATE, sheets(), ALL_QUIRKS))
    await founder_crawler(server, fetcher).crawl()
    paths = [hit.path for hit in server.hits]
    assert len(paths) == len(set(paths)) == 1 + 3 + 6


async def test_pc_layout_edition_is_crawled_without_editor_entries(
    server: SiteServer, fetcher: Fetcher
) -> None:
    q = Quirks(editor_note=True, image_map=True, label="{number}版：{name}")
    server.site.update(pc_site("人民日报", dt.date(2024, 12, 1), sheets(2, 2), q, root="/rmrb/"))
    result = await EditionCrawler(fetcher, server.url("/rmrb/"), "pc_layout").crawl()
    assert result.complete
    assert [a.title for a in result.edition.articles] == [
        "第1版 第1篇",
        "第1版 第2篇",
        "第2版 第1篇",
        "第2版 第2篇",
    ]
    assert result.edition.date == dt.date(2024, 12, 1)


REAL_PAGE = (
    Path(__file__).parents[4].parent / "shared/data/epaper/rmrb-2017-10-18-nbs.D110000renmrb_07.htm"
)


async def test_rmrb_nbs_edition_with_the_real_page_07_is_crawled(
    server: SiteServer, fetcher: Fetcher
) -> None:
    if not REAL_PAGE.is_file():
        pytest.skip(f"{REAL_PAGE} not found")
    date = dt.date(2017, 10, 18)
    titles = ["回应人民新期待", "栋梁之材涌出来", "就业好了一切好"]
    built = [Sheet(f"{n:02d}", "要闻", (Story(f"{n}版头条", ("正文。",)),)) for n in range(1, 25)]
    built[6] = Sheet("07", "特别报道", tuple(Story(t, ("正文。",)) for t in titles))
    server.site.update(nbs_site(date, built))
    folder = "/rmrb/html/2017-10/18/"
    server.site[folder + "nbs.D110000renmrb_07.htm"] = Resource(REAL_PAGE.read_bytes())
    for k in range(3, 9):  # the real page lists nine articles; six of them answer 404
        server.site.pop(folder + nbs_article_file(date, 7, k), None)
    result = await EditionCrawler(fetcher, server.url("/rmrb/"), "rmrb_nbs").crawl()
    page7 = [a for a in result.edition.articles if a.page == "7"]
    assert [a.title for a in page7] == titles
    assert len(result.edition.articles) == 23 + 3
    assert [(m.part, m.page, m.status) for m in result.missing] == [(Part.ARTICLE, "7", 404)] * 6


async def test_a_missing_article_does_not_lose_the_rest_and_is_fetched_later(
    server: SiteServer, fetcher: Fetcher
) -> None:
    site = founder_site(PAPER, DATE, sheets())
    gone = next(path for path in site if path.endswith("content_58471_1001.htm"))
    server.site.update({path: r for path, r in site.items() if path != gone})
    crawler = founder_crawler(server, fetcher)
    first = await crawler.crawl()
    assert len(first.edition.articles) == 5
    assert [(m.url, m.status, m.error) for m in first.missing] == [
        (server.url(gone), 404, "FetchError")
    ]

    server.site[gone] = site[gone]
    server.reset()
    second = await crawler.refetch_missing(first)
    assert second.complete and len(second.edition.articles) == 6
    assert [a.title for a in second.edition.articles][3] == "第2版 第2篇"
    assert [hit.path for hit in server.hits] == [gone]


async def test_an_article_that_no_longer_parses_is_missing_as_a_template_error(
    server: SiteServer, fetcher: Fetcher
) -> None:
    site = founder_site(PAPER, DATE, sheets(1, 2))
    broken = next(path for path in site if path.endswith("_1001.htm"))
    site[broken] = Resource(b"<html><body>503 Service Temporarily Unavailable</body></html>")
    server.site.update(site)
    result = await founder_crawler(server, fetcher).crawl()
    assert [a.title for a in result.edition.articles] == ["第1版 第1篇"]
    assert [m.error for m in result.missing] == ["TemplateError"]


async def test_an_article_nested_past_the_limit_is_missing_and_the_rest_is_read(
    server: SiteServer, fetcher: Fetcher
) -> None:
    site = founder_site(PAPER, DATE, sheets(1, 2))
    deep = next(path for path in site if path.endswith("_1001.htm"))
    site[deep] = Resource(b"<div>" * 2000 + site[deep].body)
    server.site.update(site)
    result = await founder_crawler(server, fetcher).crawl()
    assert [a.title for a in result.edition.articles] == ["第1版 第1篇"]
    assert [(m.error, "nested" in m.reason) for m in result.missing] == [("TemplateError", True)]


def failing_on(path: str, error: Exception) -> Template:
    """The founder template as a parser with a bug would be: ``error`` on one article."""
    founder = get_template("founder")

    def parse_article(text: str, url: str) -> ArticlePage:
        if url.endswith(path):
            raise error
        return founder.parse_article(text, url)

    return dataclasses.replace(founder, parse_article=parse_article)


@pytest.mark.parametrize("error", [ValueError("invalid literal"), RecursionError("too deep")])
async def test_an_article_the_parser_fails_on_unexpectedly_is_missing_and_the_rest_is_read(
    server: SiteServer, fetcher: Fetcher, error: Exception
) -> None:
    site = founder_site(PAPER, DATE, sheets(1, 2))
    broken = next(path for path in site if path.endswith("_1001.htm"))
    server.site.update(site)
    crawler = EditionCrawler(fetcher, server.url("/"), failing_on(broken, error))
    result = await crawler.crawl()
    assert [a.title for a in result.edition.articles] == ["第1版 第1篇"]
    [missing] = result.missing
    assert (missing.part, missing.error) == (Part.ARTICLE, "TemplateError")
    assert type(error).__name__ in missing.reason and str(error) in missing.reason


async def test_a_second_poll_of_an_unchanged_site_costs_only_304s(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site.update(founder_site(PAPER, DATE, sheets()))
    crawler = founder_crawler(server, fetcher)
    first = await crawler.crawl()
    server.reset()
    second = await crawler.crawl()
    assert server.statuses() == [304] * 4  # paperindex.htm and three pages; articles reused
    assert second.fingerprint == first.fingerprint
    assert second.edition == first.edition


async def test_validators_a_304_brings_are_kept_for_the_next_poll(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site.update(founder_site(PAPER, DATE, sheets()))
    crawler = founder_crawler(server, fetcher)
    await crawler.crawl()
    kept = crawler.cache.to_json()
    for entry in kept["entries"].values():  # as kept before the site sent Last-Modified
        entry["last_modified"] = None
    restarted = founder_crawler(server, fetcher, CrawlCache.from_json(kept))
    server.reset()
    await restarted.crawl()
    assert set(server.statuses()) == {304}
    entries = restarted.cache.to_json()["entries"]
    asked = [entries[server.url(hit.path)] for hit in server.hits]  # articles are reused unasked
    assert {entry["last_modified"] for entry in asked} == {LAST_MODIFIED}


async def test_an_entry_that_is_the_first_page_itself_is_crawled_and_polled_again_with_304s(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site.update(founder_site(PAPER, DATE, sheets()))
    first_page = server.url(f"/html/{DATE:%Y-%m}/{DATE:%d}/node_58464.htm")
    crawler = EditionCrawler(fetcher, server.url("/"), "founder", entry_url=first_page)
    first = await crawler.crawl()
    server.reset()
    second = await crawler.crawl()
    assert len(first.edition.articles) == 6 and second.edition == first.edition
    assert set(server.statuses()) == {304}


async def test_the_cache_survives_json_so_a_restarted_crawler_polls_with_304s(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site.update(founder_site(PAPER, DATE, sheets()))
    crawler = founder_crawler(server, fetcher)
    first = await crawler.crawl()
    restored = CrawlCache.from_json(json.loads(json.dumps(crawler.cache.to_json())))
    server.reset()
    again = await founder_crawler(server, fetcher, restored).crawl()
    assert set(server.statuses()) == {304}
    assert again.fingerprint == first.fingerprint


async def test_an_edition_published_in_two_halves_is_whole_after_the_second_poll(
    server: SiteServer, fetcher: Fetcher
) -> None:
    full = sheets(4, 2)
    server.site.update(founder_site(PAPER, DATE, full[:2]))
    crawler = founder_crawler(server, fetcher)
    first = await crawler.crawl()
    assert len(first.pages) == 2 and first.complete

    server.site.update(founder_site(PAPER, DATE, full))
    server.reset()
    second = await crawler.crawl()
    assert [p.number for p in second.pages] == ["1", "2", "3", "4"]
    assert len(second.edition.articles) == 8
    assert second.fingerprint != first.fingerprint
    new_articles = [h for h in server.hits if "content_" in h.path and h.status == 200]
    assert len(new_articles) == 4  # only pages 3 and 4's articles in full; the rest 304


async def test_a_site_whose_layout_changed_raises_a_template_error(
    server: SiteServer, fetcher: Fetcher
) -> None:
    site = founder_site(PAPER, DATE, sheets(1, 1))
    first_page = next(path for path in site if path.endswith("node_58464.htm"))
    site[first_page] = Resource("<html><body><div id=app>新版数字报</div></body></html>".encode())
    server.site.update(site)
    with pytest.raises(TemplateError) as caught:
        await founder_crawler(server, fetcher).crawl()
    assert caught.value.url == server.url(first_page)
    assert caught.value.template == "founder"


NOT_FOUND = "<html><head><title>404 页面不存在</title></head><body>对不起，页面不存在</body></html>"
"""A site's own "not found" page, as it answers a missing page with HTTP 200."""


async def test_a_dates_first_page_saying_not_found_is_no_edition_not_a_changed_layout(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site.update(founder_site(PAPER, DATE, sheets(1, 1)))
    later = "/html/2024-07/02/node_58464.htm"
    server.site[later] = Resource(NOT_FOUND.encode())
    crawler = founder_crawler(server, fetcher)
    await crawler.first_page_url()
    with pytest.raises(NoEditionError, match="404 页面不存在") as caught:
        await crawler.crawl(DATE + dt.timedelta(days=1))
    assert caught.value.url == server.url(later)


async def test_a_page_saying_not_found_is_missing_and_the_rest_of_the_edition_kept(
    server: SiteServer, fetcher: Fetcher
) -> None:
    site = founder_site(PAPER, DATE, sheets(2, 1))
    second = next(path for path in site if path.endswith("node_58471.htm"))
    server.site.update({**site, second: Resource(NOT_FOUND.encode())})
    result = await founder_crawler(server, fetcher).crawl()
    assert [a.title for a in result.edition.articles] == ["第1版 第1篇"]
    [missing] = result.missing
    assert (missing.url, missing.error) == (server.url(second), "NoEditionError")
    assert "404 页面不存在" in missing.reason


async def test_a_long_page_without_links_is_a_changed_layout_whatever_words_it_holds(
    server: SiteServer, fetcher: Fetcher
) -> None:
    site = founder_site(PAPER, DATE, sheets(1, 1))
    first_page = next(path for path in site if path.endswith("node_58464.htm"))
    story = "<p>今日要闻：某地治理河道，找不到污染源的问题已经解决。</p>" * 60  # > NOTICE_CHARS
    site[first_page] = Resource(f"<html><body><div id=app>{story}</div></body></html>".encode())
    server.site.update(site)
    with pytest.raises(TemplateError) as caught:
        await founder_crawler(server, fetcher).crawl()
    assert not isinstance(caught.value, NoEditionError)
    assert caught.value.template == "founder"


async def test_an_edition_whose_pages_list_no_articles_is_a_template_error(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site.update(founder_site(PAPER, DATE, [Sheet("01", "广告", ())]))
    with pytest.raises(TemplateError, match="lists no articles"):
        await founder_crawler(server, fetcher).crawl()


async def test_an_unreachable_entry_page_is_a_fetch_error(
    server: SiteServer, fetcher: Fetcher
) -> None:
    with pytest.raises(FetchError) as caught:
        await founder_crawler(server, fetcher).crawl()
    assert caught.value.status == 404


async def test_a_dated_crawl_follows_the_newest_first_pages_file_name(
    server: SiteServer, fetcher: Fetcher
) -> None:
    older = dt.date(2024, 6, 30)
    server.site.update(founder_site(PAPER, older, sheets(1, 1)))
    newest = founder_site(PAPER, DATE, sheets(1, 1))
    server.site.update(newest)  # paperindex.htm now points at DATE
    crawler = founder_crawler(server, fetcher)
    await crawler.crawl()
    result = await crawler.crawl(older)
    assert result.edition.date == older
    assert result.first_page == server.url("/html/2024-06/30/node_58464.htm")


async def test_a_gbk_site_declaring_gb2312_keeps_characters_outside_gb2312(
    server: SiteServer, fetcher: Fetcher
) -> None:
    story = Story(title="朱镕基的堃字", paragraphs=("镕字不在GB2312里。",))
    q = Quirks(charset="gb18030", declared="gb2312")
    server.site.update(founder_site(PAPER, DATE, [Sheet("01", "要闻", (story,))], q))
    result = await founder_crawler(server, fetcher).crawl()
    assert result.edition.articles[0].title == "朱镕基的堃字"
    assert result.edition.articles[0].paragraphs == ["镕字不在GB2312里。"]


async def test_a_slow_article_times_out_and_is_missing(server: SiteServer) -> None:
    site = founder_site(PAPER, DATE, sheets(1, 2))
    slow = next(path for path in site if path.endswith("_1001.htm"))
    site[slow] = dataclasses.replace(site[slow], delay=3.0)
    server.site.update(site)
    async with Fetcher(dataclasses.replace(FAST, attempts=1)) as fetcher:
        result = await founder_crawler(server, fetcher).crawl()
    assert len(result.edition.articles) == 1
    assert "timed out" in result.missing[0].reason


async def test_an_article_link_to_another_host_that_is_not_public_is_not_followed(
    server: SiteServer, fetcher: Fetcher
) -> None:
    # pc_layout takes any link of the edition's date as an article: one on localhost (the same
    # server, named otherwise) must not be fetched from a site elsewhere.
    date = dt.date(2024, 12, 1)
    site = pc_site("人民日报", date, sheets(1, 2))
    first = "/pc/layout/202412/01/node_01.html"
    article = "/pc/content/202412/01/content_30001.html"
    elsewhere = server.url(article).replace("127.0.0.1", "localhost")
    page = site[first].body.decode().replace(f"../../..{article.removeprefix('/pc')}", elsewhere)
    assert elsewhere in page
    site[first] = Resource(page.encode())
    server.site.update(site)

    result = await EditionCrawler(fetcher, server.url("/"), "pc_layout").crawl()

    assert [a.title for a in result.edition.articles] == ["第1版 第1篇"]
    assert article not in [hit.path for hit in server.hits]


async def test_links_naming_the_sites_own_host_with_another_scheme_are_fetched_as_the_page_was(
    server: SiteServer, fetcher: Fetcher
) -> None:
    # Sites that moved to https keep hard-coded http:// links; the server here speaks http
    # only, so its pages link https:// to its own host and port: the mirror image.
    site = founder_site(PAPER, DATE, sheets(2, 2))
    folder = server.url("/html/2024-07/01/").replace("http://", "https://")
    for path, resource in site.items():
        if "/node_" in path:
            page = resource.body.decode().replace("href=", f"href={folder}")
            site[path] = Resource(page.encode())
    server.site.update(site)

    result = await founder_crawler(server, fetcher).crawl()

    assert result.complete and len(result.edition.articles) == 4
    assert {url.split(":")[0] for url in result.urls} == {"http"}


@pytest.mark.parametrize("where", ["metadata", "elsewhere"])
async def test_an_entry_page_pointing_off_the_site_is_refused(
    server: SiteServer, elsewhere: SiteServer, fetcher: Fetcher, where: str
) -> None:
    # A site must not send the bot to a cloud's metadata address, nor to another paper's
    # site, and have the answer published as this paper's.
    elsewhere.site.update(founder_site(PAPER, DATE, sheets(1, 1)))
    target = {
        "metadata": "http://169.254.169.254/html/node_1.htm",
        "elsewhere": elsewhere.url("/html/2024-07/01/node_58464.htm"),
    }[where]
    server.site["/paperindex.htm"] = Resource(
        f'<meta http-equiv=REFRESH content="0; URL={target}">'.encode()
    )
    with pytest.raises(UnsupportedURLError, match="off the site"):
        await founder_crawler(server, fetcher).crawl()
    assert elsewhere.hits == []


def pc_with_article_link(server: SiteServer, link: str) -> None:
    """A pc_layout edition on ``server`` whose first page also lists ``link``, an article
    URL with the edition's date in it (the template's own test of an article link)."""
    site = pc_site("人民日报", dt.date(2024, 12, 1), sheets(1, 2))
    first = "/pc/layout/202412/01/node_01.html"
    page = site[first].body.decode()
    extra = f'<ul class="news-list"><li><a href="{link}">外链</a></li>'
    site[first] = Resource(page.replace('<ul class="news-list">', extra, 1).encode())
    server.site.update(site)


async def test_an_article_link_to_another_site_is_not_followed(
    server: SiteServer, elsewhere: SiteServer, fetcher: Fetcher
) -> None:
    article = "/anything/202412/01/content_666.html"
    elsewhere.site.update(pc_site("别的报", dt.date(2024, 12, 1), sheets(1, 1)))
    elsewhere.site[article] = elsewhere.site["/pc/content/202412/01/content_30000.html"]
    pc_with_article_link(server, elsewhere.url(article))

    result = await EditionCrawler(fetcher, server.url("/"), "pc_layout").crawl()

    assert result.complete
    assert [a.title for a in result.edition.articles] == ["第1版 第1篇", "第1版 第2篇"]
    assert elsewhere.hits == []


async def test_an_article_link_to_a_private_address_in_ideographic_full_stops_is_not_followed(
    server: SiteServer, inside: SiteServer, fetcher: Fetcher
) -> None:
    link = inside.url("/latest/meta-data/202412/01/content_1.html")
    pc_with_article_link(server, link.replace("127.0.0.2", "127。0。0。2"))

    result = await EditionCrawler(fetcher, server.url("/"), "pc_layout").crawl()

    assert result.complete and len(result.edition.articles) == 2
    assert inside.hits == []


async def test_an_article_redirecting_off_the_site_is_missing_and_the_rest_is_there(
    server: SiteServer, elsewhere: SiteServer, fetcher: Fetcher
) -> None:
    site = founder_site(PAPER, DATE, sheets(1, 2))
    moved = next(path for path in site if path.endswith("_1001.htm"))
    elsewhere.site[moved] = site[moved]
    site[moved] = Resource(status=302, headers={"Location": elsewhere.url(moved)})
    server.site.update(site)

    result = await founder_crawler(server, fetcher).crawl()

    assert [a.title for a in result.edition.articles] == ["第1版 第1篇"]
    assert [(m.url, m.error) for m in result.missing] == [
        (server.url(moved), "UnsupportedURLError")
    ]
    assert elsewhere.hits == []


async def test_an_article_answering_304_unasked_is_missing_and_the_rest_is_there(
    server: SiteServer, fetcher: Fetcher
) -> None:
    site = founder_site(PAPER, DATE, sheets(1, 2))
    odd = next(path for path in site if path.endswith("_1001.htm"))
    site[odd] = Resource(status=304, validators=False)
    server.site.update(site)

    result = await founder_crawler(server, fetcher).crawl()

    assert [a.title for a in result.edition.articles] == ["第1版 第1篇"]
    assert [(m.url, m.status, m.reason) for m in result.missing] == [
        (server.url(odd), 304, "304 to an unconditional request")
    ]


async def test_a_site_answering_429_is_asked_nothing_more_until_its_retry_after(
    server: SiteServer,
) -> None:
    site = founder_site(PAPER, DATE, sheets(1, 12))
    for path in site:
        if "content_" in path:
            site[path] = Resource(b"slow down", status=429, headers={"Retry-After": "1"})
    server.site.update(site)
    limits = dataclasses.replace(FAST, attempts=3, retry_budget=1.5, backoff_max=5.0)

    async with Fetcher(limits) as fetcher:
        result = await founder_crawler(server, fetcher).crawl()

    assert len(result.missing) == 12 and {m.status for m in result.missing} == {429}
    asked = [hit.at for hit in server.hits if "content_" in hit.path]
    first = asked[0]
    # per_site at a time, once a second: the first four, then (after the Retry-After, within
    # every request's retry budget) four more; the rest fail unasked.
    assert len([at for at in asked if at - first < 0.9]) == limits.per_site
    assert len(asked) == 2 * limits.per_site


async def test_pages_are_parsed_off_the_event_loop(server: SiteServer, fetcher: Fetcher) -> None:
    # A page of megabytes takes its time to parse; the bot's readers must not wait for it.
    server.site.update(founder_site(PAPER, DATE, sheets(pages=1)))
    founder = get_template("founder")
    parsed_in: list[int] = []

    def recorded(parse: Callable[[str, str], T]) -> Callable[[str, str], T]:
        def run(text: str, url: str) -> T:
            parsed_in.append(threading.get_ident())
            return parse(text, url)

        return run

    template = dataclasses.replace(
        founder,
        parse_entry=recorded(founder.parse_entry),
        parse_page=recorded(founder.parse_page),
        parse_article=recorded(founder.parse_article),
    )
    result = await EditionCrawler(fetcher, server.url("/"), template).crawl()

    assert len(result.edition.articles) == 2
    assert len(parsed_in) == 1 + 1 + 2 and threading.get_ident() not in parsed_in


async def test_a_site_slow_to_parse_leaves_a_parse_thread_to_another_site(
    server: SiteServer, elsewhere: SiteServer, fetcher: Fetcher
) -> None:
    # A site whose pages each take seconds to parse must not queue them all ahead of
    # another paper's: it takes one parse at a time, so the other site finds a thread free.
    server.site.update(founder_site(PAPER, DATE, sheets(pages=1, per_page=4)))
    elsewhere.site.update(founder_site("海南日报", DATE, sheets(pages=1)))
    founder = get_template("founder")
    release, stuck_in = threading.Event(), threading.Event()

    def stuck(text: str, url: str) -> ArticlePage:
        stuck_in.set()
        release.wait(10)
        return founder.parse_article(text, url)

    slow = dataclasses.replace(founder, parse_article=stuck)
    slow_crawl = asyncio.create_task(EditionCrawler(fetcher, server.url("/"), slow).crawl())
    try:
        while not stuck_in.is_set() or sum("content_" in h.path for h in server.hits) < 4:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # every article fetched: their parses asked for
        other = await asyncio.wait_for(founder_crawler(elsewhere, fetcher).crawl(), timeout=5)
    finally:
        release.set()
    assert [a.title for a in other.edition.articles] == ["第1版 第1篇", "第1版 第2篇"]
    assert len((await slow_crawl).edition.articles) == 4


def serve_a_crowded_third_page(server: SiteServer) -> None:
    """Three pages of two articles, but the third lists four."""
    crowded = sheets(pages=3)
    crowded[2] = dataclasses.replace(crowded[2], stories=sheets(pages=3, per_page=4)[2].stories)
    server.site.update(founder_site(PAPER, DATE, crowded))


async def test_a_page_listing_more_articles_than_allowed_is_set_aside_uncached(
    server: SiteServer, fetcher: Fetcher
) -> None:
    serve_a_crowded_third_page(server)
    cache = CrawlCache()
    crawler = EditionCrawler(
        fetcher, server.url("/"), "founder", cache=cache, limits=Limits(articles_per_page=3)
    )

    result = await crawler.crawl()

    assert [a.title for a in result.edition.articles] == [
        f"第{p}版 第{k}篇" for p in (1, 2) for k in (1, 2)
    ]
    [missing] = result.missing
    assert missing.part is Part.PAGE and "node_58478" in missing.url
    assert "too many articles on one page (4)" in missing.reason
    assert "[limits] articles_per_page" in missing.reason
    assert cache.get(missing.url) is None


async def test_a_first_page_listing_more_articles_than_allowed_refuses_the_edition(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site.update(founder_site(PAPER, DATE, sheets(pages=2, per_page=4)))
    crawler = EditionCrawler(
        fetcher, server.url("/"), "founder", limits=Limits(articles_per_page=3)
    )
    with pytest.raises(TemplateError, match=r"too many articles on one page \(4\)"):
        await crawler.crawl()
    assert not any("content_" in hit.path for hit in server.hits)


async def test_a_cached_page_listing_more_articles_than_now_allowed_is_set_aside_too(
    server: SiteServer, fetcher: Fetcher
) -> None:
    serve_a_crowded_third_page(server)
    cache = CrawlCache()
    await EditionCrawler(fetcher, server.url("/"), "founder", cache=cache).crawl()  # cached

    stricter = Limits(articles_per_page=3)  # lowered since (or the cache is an older release's)
    crawler = EditionCrawler(fetcher, server.url("/"), "founder", cache=cache, limits=stricter)
    result = await crawler.crawl()

    assert len(result.edition.articles) == 4
    [missing] = result.missing
    assert "node_58478" in missing.url and "[limits] articles_per_page" in missing.reason
    assert any(hit.conditional for hit in server.hits if "node_58478" in hit.path)
