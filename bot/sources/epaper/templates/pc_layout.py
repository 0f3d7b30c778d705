"""People's Daily ``pc/layout`` e-paper: 人民日报 since 2024-12, 新华日报, 辽宁日报, 中国法治报 …

Layout (``../shared/docs/epaper.md``): ``pc/layout/index.html`` meta-refreshes to the newest
first page ``pc/layout/YYYYMM/DD/node_01.html``; pages list ``node_NN.html`` in ``#list`` or
``div.swiper-slide`` (``a#pageLink``), articles ``pc/content/YYYYMM/DD/content_N.html`` in
``ul.news-list``. Quirks handled:

* articles are those of the page's own site and date (their folder is ``pc/content/``, the
  page's ``pc/layout/``): a link of that date elsewhere is no article of this edition;
* the 本版责编 entry of each page's article list links a content page too: skipped, also when
  the image map links it again;
* page labels ``01版：要闻``, ``第01版：要闻`` and ``01： 要闻`` (:func:`dom.page_label`);
* article: ``.article`` box with ``h3``/``h1``/``h2``; byline in ``.sec`` next to the date
  (``.date``/``.newstime``, ``YYYY年MM月DD日``), which is taken out of it; body ``#ozoom p``
  or between ``<!--enpcontent-->`` markers.

Backfill assumption (:func:`edition_url`): the first page of a date is ``node_01.html`` (or
the file name of ``like``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final
from urllib.parse import urljoin

from bot.sources.epaper.dom import (
    date_from_text,
    date_from_url,
    parse_html,
    refresh_target,
    text_of,
)
from bot.sources.epaper.headed import headed_article
from bot.sources.epaper.listing import first_page_name, read_listing, same_site, title_paper
from bot.sources.epaper.model import ArticlePage, PageListing, Template
from summarizer.rejoin import normalize_ws

NAME: Final = "pc_layout"
PAGE_FILE: Final = re.compile(r"node_\d+\.html?")
ARTICLE_FILE: Final = re.compile(r"content_\d+(?:_\d+)*\.html?")
DEFAULT_FIRST_PAGE: Final = "node_01.html"
EDITOR_NOTE: Final = "本版责编"


def entry_url(base_url: str) -> str:
    """``pc/layout/index.html`` under the paper's root."""
    return urljoin(base_url, "pc/layout/index.html")


def edition_url(base_url: str, date: dt.date, like: str | None = None) -> str:
    """``pc/layout/YYYYMM/DD/node_01.html`` (or ``like``'s file name)."""
    name = first_page_name(like, PAGE_FILE, DEFAULT_FIRST_PAGE)
    return urljoin(base_url, f"pc/layout/{date:%Y%m}/{date:%d}/{name}")


def parse_page(text: str, url: str) -> PageListing:
    """A page (版面): the edition's page list, this page's articles, paper and date."""
    tree = parse_html(text, url, template=NAME)
    date = date_from_url(url)
    return read_listing(
        tree,
        url,
        template=NAME,
        page_file=PAGE_FILE,
        article_file=ARTICLE_FILE,
        belongs=lambda link: same_site(link, url) and date_from_url(link) == date,
        skip_title=lambda title: title.startswith(EDITOR_NOTE),
        paper=title_paper(tree),
        date=date,
    )


def parse_article(text: str, url: str) -> ArticlePage:
    """An article page: 引题/标题/副题, byline, paragraphs, captions and date."""
    tree = parse_html(text, url, template=NAME)
    date_node = tree.css_first(".article .date, .article .newstime")
    date_text = text_of(date_node) if date_node is not None else ""
    sec = tree.css_first(".article > .sec")
    byline = text_of(sec) if sec is not None else ""
    if date_text:
        byline = normalize_ws(byline.replace(date_text, " "))
    article = headed_article(tree, url, template=NAME, box=".article", byline=byline or None)
    date = date_from_url(url) or date_from_text(date_text)
    return ArticlePage(url=url, article=article, paper=title_paper(tree), date=date)


TEMPLATE: Final = Template(
    name=NAME,
    entry_url=entry_url,
    edition_url=edition_url,
    parse_entry=refresh_target,
    parse_page=parse_page,
    parse_article=parse_article,
    article_file=ARTICLE_FILE,
)
