"""The page-level work every template does the same way: the page list and the article list.

A template says which file names are pages and which are articles (a regular expression on the
URL's last path segment); this module finds them among the links:

* pages: links whose text is a page label (``第A02版：要闻``, ``A02： 要闻``,
  ``00001版:一版要闻``). Number and name come from the text, never from the node number; the
  list may appear twice (hover menu and list, ``./node_1.htm`` beside ``node_2.htm``): the
  first appearance of a URL wins.
* articles: ``<a>`` links first (the title list, in reading order), then image-map ``<area>``s
  not seen yet; ``?div=0``/``?div=-1`` variants are one article; a title found on any of the
  links (link text, ``<div id=mp…>``, ``document.write(view("…"))``) is kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Final
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from bot.errors import TemplateError
from bot.sources.epaper.dom import links, page_label, parse_html, script_title, site_of
from bot.sources.epaper.model import ArticleRef, PageListing, PageRef

__all__ = [
    "article_refs",
    "first_page_name",
    "not_found_notice",
    "own_page",
    "page_refs",
    "read_listing",
    "same_folder",
    "same_site",
    "title_paper",
]


def read_listing(
    tree: LexborHTMLParser,
    url: str,
    *,
    template: str,
    page_file: re.Pattern[str],
    article_file: re.Pattern[str],
    belongs: Callable[[str], bool],
    skip_title: Callable[[str], bool] = lambda title: False,
    fallback_page: PageRef | None = None,
    paper: str | None = None,
    date: dt.date | None = None,
) -> PageListing:
    """A page's listing, the same way for every template; TemplateError (naming ``url`` and
    ``template``) when the page has neither a page list nor article links.

    ``fallback_page`` is this page when the page list does not name it (from the page's own
    metadata).
    """
    pages = page_refs(tree, url, page_file)
    page = own_page(pages, url) or fallback_page
    number = page.number if page else None
    articles = article_refs(tree, url, article_file, number, belongs=belongs, skip_title=skip_title)
    if not pages and not articles:
        raise TemplateError(url, "no page list and no article links", template=template)
    return PageListing(url=url, page=page, pages=pages, articles=articles, paper=paper, date=date)


NOT_FOUND_WORDS: Final = re.compile(
    r"(?<!\d)404(?!\d)|not\s*found|不存在|找不到|未找到|没有找到|无法找到"
    r"|没有报纸|无报纸|没有出版|未出版|休刊|无此",
    re.IGNORECASE,
)
"""What a site's own "not found" page says (served with HTTP 200 instead of a 404), or its
"no edition on this date" page: 404 页面不存在, 该日期没有报纸 …"""
NOTICE_CHARS: Final = 1_000
"""The most visible text a "not found" page has: an edition's page that lost its links (a
changed layout) has more, and is a :class:`TemplateError`, whatever words it holds."""
_NOTICE_SOURCE_CHARS: Final = 256_000
_NOTICE_SHOWN: Final = 80
_UNSEEN: Final = ["script", "style", "noscript", "template"]


def not_found_notice(text: str, url: str = "") -> str | None:
    """What the page says when it is a site's "not found" or "no edition" page (its title,
    else its text: at most 80 characters, around the words), None when it is not. Such a page
    is short, at most :data:`NOTICE_CHARS` of visible text, and its title or text says so
    (:data:`NOT_FOUND_WORDS`).

    Asked only of a page the template could not read (no page list, no article links), so a
    page that reads as a page never is one, whatever it says.
    """
    if len(text) > _NOTICE_SOURCE_CHARS:
        return None
    try:
        tree = parse_html(text, url)
    except TemplateError:
        return None
    tree.strip_tags(_UNSEEN)
    title_node = tree.css_first("title")
    title = " ".join((title_node.text(deep=True) if title_node else "").split())
    body = " ".join((tree.body.text(deep=True) if tree.body else "").split())
    if len(body) > NOTICE_CHARS:
        return None
    for said in (title, body):
        found = NOT_FOUND_WORDS.search(said)
        if found is not None:  # up to 80 characters of it, the words found among them
            start = max(0, min(found.start() - 20, len(said) - _NOTICE_SHOWN))
            return said[start : start + _NOTICE_SHOWN]
    return None


def first_page_name(like: str | None, page_file: re.Pattern[str], default: str) -> str:
    """The file name of ``like`` (a known first page) if it is a page's, else ``default``."""
    name = like.rsplit("/", 1)[-1] if like else default
    return name if page_file.fullmatch(name) else default


def _file_name(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def same_site(left: str, right: str) -> bool:
    """True when both URLs are on one site, however each writes it (scheme, the host's
    capitals, a default port: :func:`~bot.sources.epaper.dom.site_of`)."""
    site = site_of(left)
    return site is not None and site == site_of(right)


def same_folder(left: str, right: str) -> bool:
    """True when both URLs lie in the same folder (one date's pages, not the calendar's) of
    one site (:func:`same_site`)."""
    return same_site(left, right) and _folder(left) == _folder(right)


def _folder(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[0]


def page_refs(tree: LexborHTMLParser, url: str, file_name: re.Pattern[str]) -> tuple[PageRef, ...]:
    """The edition's page list as this page shows it (see the module docstring)."""
    found: dict[str, PageRef] = {}
    for link in links(tree, url, "a[href]"):
        if link.url in found or not file_name.fullmatch(_file_name(link.url)):
            continue
        if not same_folder(link.url, url):
            continue
        label = page_label(link.text)
        if label is not None:
            found[link.url] = PageRef(number=label[0], name=label[1], url=link.url)
    return tuple(found.values())


def article_refs(
    tree: LexborHTMLParser,
    url: str,
    file_name: re.Pattern[str],
    page: str | None,
    *,
    belongs: Callable[[str], bool],
    skip_title: Callable[[str], bool] = lambda title: False,
) -> tuple[ArticleRef, ...]:
    """This page's articles in page order (see the module docstring).

    ``belongs`` tells whether an article URL is of this edition (same folder, same date);
    a link whose title ``skip_title`` rejects (``本版责编``) drops its article altogether.
    """
    titles: dict[str, str | None] = {}
    skipped: set[str] = set()
    candidates = [*links(tree, url, "a[href]"), *links(tree, url, "area[href]")]
    for link in candidates:
        if not file_name.fullmatch(_file_name(link.url)) or not belongs(link.url):
            continue
        title = link.text or script_title(link.node)
        if title and skip_title(title):
            skipped.add(link.url)
        elif titles.get(link.url) is None:
            titles[link.url] = title or None
    return tuple(
        ArticleRef(url=article, page=page, title=title)
        for article, title in titles.items()
        if article not in skipped
    )


def own_page(pages: tuple[PageRef, ...], url: str) -> PageRef | None:
    """This page in the page list, if it is there."""
    return next((page for page in pages if page.url == url), None)


def title_paper(tree: LexborHTMLParser) -> str | None:
    """The paper's name from ``<title>人民日报-人民网</title>``: the part before a separator."""
    node = tree.css_first("title")
    if node is None:
        return None
    text = (node.text(deep=True) or "").strip()
    separator = _TITLE_SEPARATOR.search(text)
    name = (text[: separator.start()] if separator else text).strip()
    return name or None


_TITLE_SEPARATOR = re.compile(r"[-_|—－｜]")
r"""(Not ``\s*[-_|—－｜]\s*``: with it a title of 20,000 spaces took 3 s, rescanned from each.)"""
