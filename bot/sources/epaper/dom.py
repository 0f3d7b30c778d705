"""HTML helpers every template shares: text of a node, links, redirects, Founder comment fields.

The parser is selectolax's Lexbor engine: a maintained, spec-conformant HTML5 parser, so the
tag soup of 2005-era e-paper templates (``<P><p>``, unclosed ``<td>``, upper-case ``<Area>``,
custom ``<founder-title>`` elements) becomes the same tree a browser builds; it takes ``str``
(we decode ourselves, GB18030 included), keeps comments as nodes (Founder hides its metadata in
them) and is several times faster than lxml, whose libxml2 HTML parser is HTML4-era and refuses
``str`` input that carries an XML encoding declaration.

Regular expressions are used only on text that is not HTML: link text (``第A02版：要闻``), the
fields inside Founder's ``<!--enpproperty …-->`` comment, a ``document.write(view("…"))``
script's string, URL paths and dates.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.errors import TemplateError
from bot.sources.epaper.nesting import MAX_DEPTH, TooManyTagsError, nesting_depth
from summarizer.decode import strip_invisible
from summarizer.edition import normalize_page
from summarizer.rejoin import normalize_ws

__all__ = [
    "BUILT_DEPTH_LIMIT",
    "Link",
    "block_texts",
    "built_depth",
    "check_built_depth",
    "comment_fields",
    "date_from_text",
    "date_from_url",
    "fragment_text",
    "links",
    "meta_refresh",
    "page_label",
    "parse_html",
    "refresh_target",
    "resolve",
    "script_title",
    "site_of",
    "text_of",
]

_SKIP: Final = frozenset({"script", "style", "noscript", "template", "-comment"})
_BLOCK: Final = frozenset(
    {"p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "section"}
)


def parse_html(text: str, url: str = "", *, template: str = "") -> LexborHTMLParser:
    """Parse a whole document (NUL characters, which no page needs, are dropped first).

    A :class:`TemplateError` naming ``url`` and ``template`` when it has more tags than
    :data:`~bot.sources.epaper.nesting.MAX_TAGS` or its elements nest deeper than
    :data:`~bot.sources.epaper.nesting.MAX_DEPTH`, before lexbor, whose time grows with
    the nesting times the tags, ever sees it (:mod:`bot.sources.epaper.nesting`); and, should
    that estimate ever fall short of what lexbor built, before any selector runs on the tree
    (:func:`check_built_depth`).
    """
    text = text.replace("\x00", "")
    try:
        too_deep = nesting_depth(text) > MAX_DEPTH
    except TooManyTagsError as error:
        raise TemplateError(url, f"{error} (no page has)", template=template) from None
    if too_deep:
        reason = f"markup nested more than {MAX_DEPTH} elements deep (no page is)"
        raise TemplateError(url, reason, template=template)
    tree = LexborHTMLParser(text)
    check_built_depth(tree, url, template=template)
    return tree


BUILT_DEPTH_LIMIT: Final = MAX_DEPTH + 3
"""The deepest a parsed tree's elements may lie, ``<html>`` being 1: the estimate's limit,
plus ``<html>`` and ``<body>`` (which it does not count) and a leaf (a void or raw text
element, ``<br>`` or ``<script>``, which it leaves out)."""


def built_depth(tree: LexborHTMLParser, limit: int = BUILT_DEPTH_LIMIT) -> int:
    """How deep ``tree``'s elements lie, ``<html>`` being 1, counted no further than
    ``limit + 1``. A walk by first child, next sibling and parent: no recursion, no stack
    (a tree 60,000 deep must cost what a flat one does), linear in the nodes."""
    node = tree.root
    if node is None:
        return 0
    depth = deepest = 1
    while True:
        child = node.child
        if child is not None:
            node, depth = child, depth + 1
        else:  # on to the next sibling of the nearest ancestor-or-self below the root
            while True:
                sibling = node.next if depth > 1 else None
                if sibling is not None:
                    node = sibling
                    break
                parent = node.parent
                if parent is None or depth == 1:
                    return deepest
                node, depth = parent, depth - 1
        if depth > deepest and node.is_element_node:
            deepest = depth
            if deepest > limit:
                return deepest


def check_built_depth(tree: LexborHTMLParser, url: str = "", *, template: str = "") -> None:
    """A :class:`TemplateError` when ``tree``'s elements lie deeper than
    :data:`BUILT_DEPTH_LIMIT`: a selector then walks every element's ancestors (a tree 62,751
    deep, which an estimate blind to ``<annotation-xml encoding=text/html>`` let through,
    took 30 s for one ``.article .date``, minutes for a page's selectors)."""
    if built_depth(tree) > BUILT_DEPTH_LIMIT:
        reason = f"markup nested more than {MAX_DEPTH} elements deep once parsed (no page is)"
        raise TemplateError(url, reason, template=template)


def _walk(node: LexborNode) -> Iterator[LexborNode]:
    """Descendants in document order, without script/style subtrees; no recursion, so that
    absurdly deep markup cannot exhaust the stack."""
    stack = [iter(node.iter(include_text=True))]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        yield child
        if child.tag not in _SKIP and child.is_element_node:
            stack.append(iter(child.iter(include_text=True)))


def text_of(node: LexborNode) -> str:
    """The visible text of ``node`` on one line, whitespace-normalised; ``<br>`` is a space
    (a title broken over two lines is one title)."""
    parts: list[str] = []
    for child in _walk(node):
        if child.is_text_node:
            parts.append(child.text_content or "")
        elif child.tag == "br":
            parts.append(" ")
    return normalize_ws(strip_invisible("".join(parts)))


def fragment_text(html: str) -> str:
    """The text of an HTML fragment (a comment field, a script's string), on one line; none
    for one nested too deep to parse (no title or field is: see :func:`parse_html`)."""
    try:
        body = parse_html(html).body
    except TemplateError:
        return ""
    return text_of(body) if body is not None else ""


def block_texts(node: LexborNode) -> list[str]:
    """The paragraphs of ``node``: block elements and ``<br>`` break lines; empty ones dropped."""
    parts: list[str] = []
    for child in _walk(node):
        if child.is_text_node:
            parts.append(child.text_content or "")
        elif child.tag in _BLOCK:
            parts.append("\n")
    lines = strip_invisible("".join(parts)).split("\n")
    return [line for line in (normalize_ws(x) for x in lines) if line]


@dataclass(frozen=True, slots=True)
class Link:
    """An ``<a href>`` or ``<area href>`` resolved against its page."""

    url: str
    text: str
    tag: str
    node: LexborNode


def resolve(base_url: str, href: str | None) -> str | None:
    """``href`` made absolute against ``base_url``, without query and fragment; None unless
    it is http(s). Dropping the query merges ``content_1.htm?div=-1`` with ``content_1.htm``."""
    if not href:
        return None
    try:
        parts = urlsplit(urljoin(base_url, href.strip()))
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def site_of(url: str) -> tuple[str, int | None] | None:
    """The host (lower-cased) and port (None for its scheme's default) that ``url`` names,
    whatever the scheme: ``http://EPAPER.example.com:80/`` and ``https://epaper.example.com/``
    are one site. None without a host or with a port no URL can have."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname, None if port == _DEFAULT_PORTS.get(parts.scheme) else port


def links(
    tree: LexborHTMLParser, base_url: str, selector: str = "a[href], area[href]"
) -> list[Link]:
    """All links ``selector`` matches, in document order, resolved (unusable hrefs dropped).

    A link to the page's own site written another way (``http://`` on a page served over
    https, as sites that moved keep in hard-coded links; the host in capitals; ``:443``) gets
    the page's own scheme and host: it is then the same URL as a relative link to that file,
    and it is fetched the way the page was.
    """
    base = urlsplit(base_url)
    home = site_of(base_url)
    found: list[Link] = []
    for node in tree.css(selector):
        url = resolve(base_url, node.attributes.get("href"))
        if url is None:
            continue
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) and site_of(url) == home:
            url = urlunsplit((base.scheme, base.netloc, parts.path, "", ""))
        found.append(Link(url=url, text=text_of(node), tag=node.tag or "", node=node))
    return found


def meta_refresh(tree: LexborHTMLParser, base_url: str) -> str | None:
    """The target of ``<meta http-equiv=REFRESH content="0; URL=…">``, absolute, if any."""
    for node in tree.css("meta"):
        if (node.attributes.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        content = node.attributes.get("content") or ""
        _, _, rest = content.partition(";")
        key, _, target = rest.strip().partition("=")
        if key.strip().lower() == "url":
            resolved = resolve(base_url, target.strip().strip("'\""))
            if resolved:
                return resolved
    return None


def refresh_target(text: str, url: str) -> str | None:
    """A template's ``parse_entry`` for entry pages that only meta-refresh to the newest
    edition (``paperindex.htm``, ``pc/layout/index.html``); None when the page does not."""
    return meta_refresh(parse_html(text, url), url)


_FIELD_TAG: Final = re.compile(r"<(?P<close>/?)(?P<name>[a-z][a-z0-9_-]*)>", re.I)


def _fields(content: str) -> Iterator[tuple[str, str]]:
    """``(name, value)`` of each ``<name>value</name>``, left to right, the value ending at the
    first ``</name>`` after it (a field without its closing tag is no field).

    What ``<(name)>(.*?)</(?P=name)>`` finds, in linear time: that regex scanned to the end of
    the comment from every unclosed tag, so a hostile comment of 20,000 ``<a>`` took 16 s on
    the event loop."""
    opens: list[re.Match[str]] = []
    closes: dict[str, list[int]] = {}  # lower-cased name → start offsets of its closing tags
    for tag in _FIELD_TAG.finditer(content):
        if tag["close"]:
            closes.setdefault(tag["name"].lower(), []).append(tag.start())
        else:
            opens.append(tag)
    position = 0
    for tag in opens:
        if tag.start() < position:
            continue
        ends = closes.get(tag["name"].lower(), [])
        at = bisect.bisect_left(ends, tag.end())
        if at == len(ends):
            continue
        yield tag["name"], content[tag.end() : ends[at]]
        position = ends[at] + len(tag["name"]) + 3


def comment_fields(tree: LexborHTMLParser) -> list[dict[str, str]]:
    """The fields of each ``<!--enpproperty …/enpproperty-->`` comment, in document order.

    ``founder-title`` and ``title`` are both stored as ``title`` (sites use either spelling);
    values are whitespace-normalised text.
    """
    found: list[dict[str, str]] = []
    for node in _walk(tree.root) if tree.root is not None else ():
        if not node.is_comment_node:
            continue
        content = (node.comment_content or "").strip()
        if not content.lower().startswith("enpproperty"):
            continue
        fields: dict[str, str] = {}
        for tag, raw in _fields(content):
            name = tag.lower().removeprefix("founder-")
            fields.setdefault(name, fragment_text(raw))
        found.append(fields)
    return found


def between_comments(tree: LexborHTMLParser, start: str, end: str) -> list[LexborNode]:
    """Top-most elements lying between ``<!--start-->`` and ``<!--end-->`` (Founder's
    ``enpcontent`` markers), in document order; empty when the markers are absent."""
    if tree.root is None:
        return []
    inside = False
    taken: list[LexborNode] = []
    taken_ids: set[int] = set()
    for node in _walk(tree.root):
        if node.is_comment_node:
            marker = (node.comment_content or "").strip().lower()
            if marker == start:
                inside = True
            elif marker == end and inside:
                break
            continue
        if inside and node.is_element_node:
            parent = node.parent
            if parent is None or parent.mem_id not in taken_ids:
                taken.append(node)
            taken_ids.add(node.mem_id)
    return taken


_VIEW_CALL: Final = re.compile(
    r"""view\(\s*(?:"(?P<d>(?:\\.|[^"\\])*)"|'(?P<s>(?:\\.|[^'\\])*)')""", re.S
)
"""``view("…")`` or ``view('…')``: an escape or any other character than the quote and the
backslash, so a run of backslashes has one reading (``(?!quote).`` matched a backslash too, and
a script of ``view("`` and 36 backslashes took 7 s, doubling with every two more)."""


def script_title(node: LexborNode) -> str | None:
    """The title a ``<script>document.write(view("…"))</script>`` inside ``node`` writes.

    人民日报's page template writes article titles this way, so a static reader sees an empty
    link. The string is a JavaScript literal: its escapes are undone, ``<br>`` becomes a space
    (as ``view()`` itself does).
    """
    for script in node.css("script"):
        match = _VIEW_CALL.search(script.text(deep=True) or "")
        if match is None:
            continue
        literal = match["d"] if match["d"] is not None else match["s"]
        title = fragment_text(_JS_ESCAPE.sub(_unescape, literal))
        if title:
            return title
    return None


_JS_ESCAPE: Final = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
_JS_SIMPLE: Final = {"n": "\n", "t": "\t", "r": "", "b": "", "f": "", "v": "", "0": ""}


def _unescape(match: re.Match[str]) -> str:
    """One JavaScript string escape (``\\"``, ``\\u4e2d``, ``\\n`` …) → its character."""
    code = match[1]
    if code[0] in "ux" and len(code) > 1:
        point = int(code[1:], 16)
        return "\ufffd" if 0xD800 <= point <= 0xDFFF else chr(point)
    return _JS_SIMPLE.get(code, code)


_PAGE_LABEL: Final = re.compile(
    r"^第?\s*(?P<number>[A-Za-z]{0,2}\s*\d{1,5})\s*(?:版\s*[：:]?|[：:])\s*(?P<name>.*)$"
)


def page_label(text: str) -> tuple[str, str] | None:
    """``第A02版：要闻`` / ``A02： 要闻`` / ``00001版:一版要闻`` → (``"A02"``, ``"要闻"``).

    The number is normalised as the text parser does (``00001`` → ``"1"``); None when the
    text is not a page label (``下一版``, ``PDF``).
    """
    match = _PAGE_LABEL.match(normalize_ws(text))
    if match is None:
        return None
    number = normalize_page(match["number"].replace(" ", ""))
    if number is None:
        return None
    return number, match["name"].strip()


_URL_DATE: Final = re.compile(r"/(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)/(?P<d>[0-3]\d)/")
_TEXT_DATE: Final = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[年-]\s*(?P<m>\d{1,2})\s*[月-]\s*(?P<d>\d{1,2})"
)


def date_from_url(url: str) -> dt.date | None:
    """The date in an e-paper path: ``html/2024-07/01/`` or ``layout/202412/01/``."""
    return _date(_URL_DATE.search(urlsplit(url).path))


def date_from_text(text: str) -> dt.date | None:
    """The first date written ``2024-07-01`` or ``2024年12月01日`` in ``text``."""
    return _date(_TEXT_DATE.search(text))


def _date(match: re.Match[str] | None) -> dt.date | None:
    if match is None:
        return None
    try:
        return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
