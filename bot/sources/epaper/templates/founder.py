"""Classic Founder (方正) e-paper: 浙江工人日报, 海南日报, 江西日报, 劳动午报, 浙江日报 …

Layout (``../shared/docs/epaper.md``): ``paperindex.htm`` meta-refreshes to the newest first
page ``html/YYYY-MM/DD/node_N.htm`` (some sites keep ``html/YYYY-MM/period.xml`` instead);
pages link ``content_*.htm`` articles. Quirks handled:

* node numbers are not page numbers, and pages may skip: number and name come from the link
  text; the page list may appear twice with ``./node_1.htm`` and ``node_2.htm`` hrefs
  (:mod:`bot.sources.epaper.listing`);
* one article linked from the title list, the image map (``PagePicMap``/``pagepicmap``
  ``<Area>``) and with ``?div=0``/``?div=-1``: one article, in title-list order;
* the page's own ``enpproperty`` comment (``founder-type`` 2) may carry a ``founder-content``
  and ``founder-title`` of its own (the paper's name): on an article page only the type-1
  comment's fields count, and the body is read from the document, never from a comment;
* two ``<founder-title>``s, the first being the paper's name: titles equal to the paper's name
  are dropped and the last one left is the title; ``<br>`` inside a title is a space;
* the body in ``<founder-content>`` or between ``<!--enpcontent-->`` and
  ``<!--/enpcontent-->``, with doubled ``<P><p>``: every block is a paragraph, empty ones go;
* an empty ``<founder-author>``: the byline comes from the body (``■ 海南日报全媒体记者 李艳玫``,
  ``本报讯 记者X``, ``新华社北京6月30日电``), see :mod:`bot.sources.epaper.body`.

Backfill assumption (:func:`edition_url`): a site's first page keeps its node file name from
day to day (江西日报's A01 is ``node_187.htm`` every day), so a date's first page is the newest
edition's first-page file name under that date's folder; ``node_1.htm`` when none is known.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

from bot.errors import TemplateError
from bot.sources.epaper.body import build_article
from bot.sources.epaper.dom import (
    between_comments,
    block_texts,
    comment_fields,
    date_from_text,
    date_from_url,
    meta_refresh,
    parse_html,
    text_of,
)
from bot.sources.epaper.listing import first_page_name, read_listing, same_folder
from bot.sources.epaper.model import ArticlePage, PageListing, PageRef, Template
from summarizer.edition import normalize_page

NAME: Final = "founder"
PAGE_FILE: Final = re.compile(r"node_\d+\.htm")
ARTICLE_FILE: Final = re.compile(r"content_\d+(?:_\d+)*\.htm")
DEFAULT_FIRST_PAGE: Final = "node_1.htm"


def entry_url(base_url: str) -> str:
    """``paperindex.htm`` at the site's root."""
    return urljoin(base_url, "paperindex.htm")


def edition_url(base_url: str, date: dt.date, like: str | None = None) -> str:
    """``html/YYYY-MM/DD/<first page>``; see the module docstring for the assumption."""
    name = first_page_name(like, PAGE_FILE, DEFAULT_FIRST_PAGE)
    return urljoin(base_url, f"html/{date:%Y-%m}/{date:%d}/{name}")


def parse_entry(text: str, url: str) -> str | None:
    """The first page ``paperindex.htm`` refreshes to, or the newest date's first page in a
    ``period.xml`` calendar (its ``front_page``, else ``node_1.htm``); None when neither."""
    tree = parse_html(text, url, template=NAME)
    newest: tuple[dt.date, str] | None = None
    for period in tree.css("period"):
        date_node = period.css_first("period_date")
        date = date_from_text(text_of(date_node)) if date_node is not None else None
        if date is None:
            continue
        front = period.css_first("front_page")
        first = text_of(front) if front is not None else ""
        if not PAGE_FILE.fullmatch(first):
            first = DEFAULT_FIRST_PAGE
        if newest is None or date > newest[0]:
            newest = (date, first)
    if newest is not None:
        date, first = newest
        return urljoin(url, f"../{date:%Y-%m}/{date:%d}/{first}")
    return meta_refresh(tree, url)


def parse_page(text: str, url: str) -> PageListing:
    """A page (版面): the edition's page list, this page's articles, paper and date."""
    tree = parse_html(text, url, template=NAME)
    fields = _typed(comment_fields(tree), "2")
    number = normalize_page(fields.get("pagenum"))
    return read_listing(
        tree,
        url,
        template=NAME,
        page_file=PAGE_FILE,
        article_file=ARTICLE_FILE,
        belongs=lambda link: same_folder(link, url),
        fallback_page=PageRef(number=number, name="", url=url) if number else None,
        paper=fields.get("papername") or None,
        date=date_from_url(url) or date_from_text(fields.get("date", "")),
    )


def parse_article(text: str, url: str) -> ArticlePage:
    """An article page: 引题/标题/副题, byline, paragraphs, captions, page and date."""
    tree = parse_html(text, url, template=NAME)
    comments = comment_fields(tree)
    fields = _typed(comments, "1")
    paper = fields.get("papername") or _typed(comments, "2").get("papername") or None
    titles = [t for t in (text_of(n) for n in tree.css("founder-title")) if t and t != paper]
    title = titles[-1] if titles else fields.get("title", "")

    containers = tree.css("founder-content") or between_comments(tree, "enpcontent", "/enpcontent")
    paragraphs = [line for node in containers for line in block_texts(node)]
    if not containers:
        raise TemplateError(url, "no <founder-content> and no enpcontent body", template=NAME)
    if not title and not paragraphs:
        raise TemplateError(url, "an article page without title and text", template=NAME)
    author = tree.css_first("founder-author")
    pagenum = fields.get("pagenum") or fields.get("nodename")
    article = build_article(
        title or "",
        paragraphs,
        kicker=_first_text(tree, "founder-introtitle") or fields.get("introtitle"),
        subtitle=_first_text(tree, "founder-subtitle") or fields.get("subtitle"),
        byline=(text_of(author) if author is not None else "") or fields.get("author"),
        page=normalize_page(pagenum) if pagenum else None,
    )
    date = date_from_url(url) or date_from_text(fields.get("date", ""))
    return ArticlePage(url=url, article=article, paper=paper, date=date)


def _typed(comments: list[dict[str, str]], kind: str) -> dict[str, str]:
    """The first ``enpproperty`` comment of ``founder-type`` ``kind`` (1 article, 2 page);
    for articles, a comment without a type counts too (older sites omit it)."""
    for fields in comments:
        if fields.get("type", "1" if kind == "1" else "") == kind:
            return fields
    return {}


def _first_text(tree: LexborHTMLParser, selector: str) -> str | None:
    node = tree.css_first(selector)
    return text_of(node) or None if node is not None else None


TEMPLATE: Final = Template(
    name=NAME,
    entry_url=entry_url,
    edition_url=edition_url,
    parse_entry=parse_entry,
    parse_page=parse_page,
    parse_article=parse_article,
    article_file=ARTICLE_FILE,
)
