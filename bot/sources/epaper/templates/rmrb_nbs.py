"""人民日报's e-paper before 2024-12: ``html/YYYY-MM/DD/nbs.D110000renmrb_NN.htm``.

Layout (``../shared/docs/epaper.md`` and the real page in ``../shared/data/epaper/``):
``paperindex.htm`` meta-refreshes to the newest first page; pages list
``nbs.D110000renmrb_NN.htm`` (``a#pageLink``, ``第02版：要闻``, one of them ``./``-prefixed);
articles ``nw.D110000renmrb_YYYYMMDD_K-NN.htm``. Quirks handled:

* the title list writes each title by script, ``<a><script>document.write(view("标题"))
  </script></a>``, so the link text is empty: the title is read from the script's string;
* each article is linked again by a video icon (an ``<a>`` with only an image), by the
  ``PagePicMap`` image map and by a hidden list (``<div id=mp_nw…>``): one article, in
  title-list order, with the first title found;
* article: ``div.text_c`` with ``h3`` 引题, ``h1`` 标题, ``h2`` 副题, byline in ``h4``; body
  ``#ozoom p``; page and date from the ``《 人民日报 》（ 2017年10月18日 07 版）`` line; photo
  captions in the picture table (``.text_c table td`` without the image) go to ``captions``.

Backfill assumption (:func:`edition_url`): page 1 of a date is ``nbs.D110000renmrb_01.htm``.
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
from bot.sources.epaper.listing import first_page_name, read_listing, same_folder, title_paper
from bot.sources.epaper.model import ArticlePage, PageListing, Template
from summarizer.edition import normalize_page

NAME: Final = "rmrb_nbs"
PAGE_FILE: Final = re.compile(r"nbs\.D\d+[a-z]+_\d+\.htm")
ARTICLE_FILE: Final = re.compile(r"nw\.D\d+[a-z]+_\d{8}_\d+-\d+\.htm")
FIRST_PAGE: Final = "nbs.D110000renmrb_01.htm"
_SOURCE_PAGE: Final = re.compile(r"(?P<page>[A-Za-z]?\d{1,3})\s*版")


def entry_url(base_url: str) -> str:
    """``paperindex.htm`` under the paper's root (``…/rmrb/``)."""
    return urljoin(base_url, "paperindex.htm")


def edition_url(base_url: str, date: dt.date, like: str | None = None) -> str:
    """``html/YYYY-MM/DD/nbs.D110000renmrb_01.htm`` (or ``like``'s file name)."""
    name = first_page_name(like, PAGE_FILE, FIRST_PAGE)
    return urljoin(base_url, f"html/{date:%Y-%m}/{date:%d}/{name}")


def parse_page(text: str, url: str) -> PageListing:
    """A page (版面): the edition's page list, this page's articles, paper and date."""
    tree = parse_html(text, url, template=NAME)
    channel = tree.css_first("input[name=channelname]")
    paper = (channel.attributes.get("value") if channel is not None else None) or title_paper(tree)
    return read_listing(
        tree,
        url,
        template=NAME,
        page_file=PAGE_FILE,
        article_file=ARTICLE_FILE,
        belongs=lambda link: same_folder(link, url),
        paper=paper,
        date=date_from_url(url),
    )


def parse_article(text: str, url: str) -> ArticlePage:
    """An article page: 引题/标题/副题, byline, paragraphs, captions, page and date."""
    tree = parse_html(text, url, template=NAME)
    h4 = tree.css_first(".text_c h4")
    source = tree.css_first(".text_c .lai, .text_c .sha_left")
    source_text = text_of(source) if source is not None else ""
    match = _SOURCE_PAGE.search(source_text)
    captions = [
        text_of(cell)
        for cell in tree.css(".text_c table td")
        if cell.css_first("img") is None and text_of(cell)
    ]
    article = headed_article(
        tree,
        url,
        template=NAME,
        box=".text_c",
        byline=(text_of(h4) if h4 is not None else None) or None,
        captions=captions,
        page=normalize_page(match["page"]) if match else None,
    )
    date = date_from_url(url) or date_from_text(source_text)
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
