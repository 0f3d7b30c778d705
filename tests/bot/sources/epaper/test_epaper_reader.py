"""Reading one address a person names (``baozhai parse URL``) from fixture sites on a real
local server: an index gives the edition, a page its articles, an article itself."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.errors import TemplateError, UnsupportedURLError
from bot.sources.epaper import ArticlePage, Fetcher, UrlKind, get_template, read_url
from tests.bot.sources.epaper.server import SiteServer
from tests.bot.sources.epaper.sites import Resource, Sheet, Story, founder_site, pc_site

DATE = dt.date(2024, 7, 1)
PAPER = "浙江工人日报"
FOLDER = "/html/2024-07/01/"


def sheets() -> list[Sheet]:
    return [
        Sheet(
            f"A0{p}",
            f"版{p}",
            tuple(Story(f"第{p}版 第{k}篇", (f"第{p}版第{k}篇的正文。",)) for k in (1, 2, 3)),
            node=186 + p,
        )
        for p in (1, 2)
    ]


@pytest.mark.parametrize(
    ("template", "index", "first_page"),
    [
        ("founder", "/paperindex.htm", FOLDER + "node_187.htm"),
        ("pc_layout", "/rmrb/pc/layout/index.html", "/rmrb/pc/layout/202407/01/node_01.html"),
    ],
)
async def test_an_index_answering_with_a_redirect_is_read_as_the_whole_edition(
    server: SiteServer, fetcher: Fetcher, template: str, index: str, first_page: str
) -> None:
    if template == "founder":
        server.site.update(founder_site(PAPER, DATE, sheets()))
    else:
        server.site.update(pc_site(PAPER, DATE, sheets(), root="/rmrb/"))
    server.site[index] = Resource(status=302, headers={"Location": first_page})

    reading = await read_url(fetcher, server.url(index), template)

    assert reading.kind is UrlKind.EDITION
    assert [a.title for a in reading.edition.articles] == [
        f"第{p}版 第{k}篇" for p in (1, 2) for k in (1, 2, 3)
    ]


async def test_an_article_page_linking_its_neighbours_is_read_as_that_article(
    server: SiteServer, fetcher: Fetcher
) -> None:
    site = founder_site(PAPER, DATE, sheets())
    article = FOLDER + "content_187_1001.htm"
    neighbours = "<a href=content_187_1000.htm>上一篇</a> <a href=content_187_1002.htm>下一篇</a>"
    site[article] = Resource(
        site[article].body.replace(b"</body>", neighbours.encode() + b"</body>")
    )
    server.site.update(site)

    reading = await read_url(fetcher, server.url(article), "founder")

    assert reading.kind is UrlKind.ARTICLE
    assert [a.title for a in reading.edition.articles] == ["第1版 第2篇"]


async def test_a_page_read_by_url_fetches_no_article_of_another_site(
    server: SiteServer, elsewhere: SiteServer, fetcher: Fetcher
) -> None:
    day = dt.date(2024, 12, 1)
    site = pc_site(PAPER, day, sheets())
    page = "/pc/layout/202412/01/node_01.html"
    article = "/pc/content/202412/01/content_30000.html"
    elsewhere.site[article] = site[article]
    link = f'<ul class="news-list"><li><a href="{elsewhere.url(article)}">外链</a></li>'
    site[page] = Resource(site[page].body.decode().replace('<ul class="news-list">', link).encode())
    server.site.update(site)

    reading = await read_url(fetcher, server.url(page), "pc_layout")

    assert reading.kind is UrlKind.PAGE
    assert [a.title for a in reading.edition.articles] == [
        "第1版 第1篇",
        "第1版 第2篇",
        "第1版 第3篇",
    ]
    assert elsewhere.hits == []


async def test_an_address_redirecting_to_another_site_is_refused(
    server: SiteServer, elsewhere: SiteServer, fetcher: Fetcher
) -> None:
    elsewhere.site.update(founder_site(PAPER, DATE, sheets()))
    first_page = elsewhere.url(FOLDER + "node_187.htm")
    server.site["/paperindex.htm"] = Resource(status=302, headers={"Location": first_page})

    with pytest.raises(UnsupportedURLError, match="off the site"):
        await read_url(fetcher, server.url("/paperindex.htm"), "founder")
    assert elsewhere.hits == []


async def test_an_article_of_a_page_the_parser_fails_on_unexpectedly_is_not_read_alone(
    server: SiteServer, fetcher: Fetcher
) -> None:
    site = founder_site(PAPER, DATE, sheets())
    broken = FOLDER + "content_187_1001.htm"
    server.site.update(site)
    founder = get_template("founder")

    def parse_article(text: str, url: str) -> ArticlePage:
        if url.endswith(broken):
            raise ValueError("invalid literal for int() with base 10: '②'")
        return founder.parse_article(text, url)

    template = dataclasses.replace(founder, parse_article=parse_article)

    reading = await read_url(fetcher, server.url(FOLDER + "node_187.htm"), template)

    assert [a.title for a in reading.edition.articles] == ["第1版 第1篇", "第1版 第3篇"]
    [(url, reason)] = reading.missing
    assert url == server.url(broken) and "ValueError" in reason
    with pytest.raises(TemplateError, match="ValueError"):
        await read_url(fetcher, server.url(broken), template)
