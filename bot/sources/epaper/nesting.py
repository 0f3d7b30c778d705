"""How deep a document's elements nest, estimated in one linear pass before it is parsed.

Why: lexbor's tree builder walks the stack of open elements for many start tags (closing a
``<p>`` "in button scope", ``<li>``, ``<h1>`` …), so a page nesting D elements deep costs
D steps per such tag: ``<div>`` × 100,000 (0.5 MB) took 14 s, 1 MB 139 s, and the parser
cannot be stopped from outside (a deadline abandons the await, the thread keeps parsing and
every other paper's pages wait for it). Real pages nest a few dozen deep (人民日报's page in
``../shared/data/epaper/``: 22 inside ``<body>``); browsers build no deeper than 512
(Blink's limit), so a page estimated deeper is refused before lexbor sees it
(:data:`MAX_DEPTH`), and so is one of more tags than any page has (:data:`MAX_TAGS`), whose
estimate alone would hold the parse pool for seconds.

The estimate replays the HTML tree-building rules that decide depth, and where it
simplifies, it errs high (a page refused wrongly is one logged error; one let through
wrongly is minutes of parsing): void elements, raw text (``<script>``, ``<textarea>`` …),
comments; end tags closing their element only where a parser would (``</span>`` not through
a ``<div>``, ``</div>`` not out of a table cell, no stray ``</tr>``); implied end tags and
elements (``<p>``, ``<li>``, ``<dd>``/``<dt>``, table cells, rows and sections,
``<option>``, ``<tbody>``); a ``<form>`` while the last one is unclosed (dropped);
``<svg>``/``<math>`` content (self-closing tags, no raw text, HTML tags breaking out, but
not out of an element whose content is HTML: ``<foreignObject>``, ``<mtext>``,
``<annotation-xml encoding="text/html">`` …); formatting elements (``<b>``, ``<font>`` …) an
end tag closed from outside, which the parser opens again at the next text or tag (three per
tag and attributes, the "Noah's Ark" rule); and those an end tag finds a block inside
(``<b><p></b>``: the "adoption agency" moves the block out of the ``<b>``, which is then
closed, and a clone of it inside the block).
``<html>`` and ``<body>`` are not counted. Tokens follow the HTML tokenizer (a quoted
attribute value may hold ``>``), and no pattern backtracks across the document: the pass is
linear in its length (1–2 µs a tag).
"""

from __future__ import annotations

import bisect
import html
import re
from typing import Final

__all__ = ["MAX_DEPTH", "MAX_TAGS", "TooManyTagsError", "nesting_depth"]

MAX_DEPTH: Final = 512
"""Deepest nesting parsed: Blink's limit, 20 times a real page's; a 5 MB page of ``<li>``s at
this depth parses in about 2 s (0.3 s flat), at 1,000 in 3.7 s."""

MAX_TAGS: Final = 200_000
"""Most tags (and comments) read: 150 times a real page's (人民日报's has 1,330 in 49 KB). The
estimate costs 1-6 µs a tag in Python, lexbor's parse a fraction of that: 5 MB of
``<table><td>…`` (1.3 million tags) took the estimate 8 s; 200,000 take about 1 s."""

_WS: Final = r"\t\n\f\r "


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


_TOKEN: Final = re.compile(
    rf"""<(?:
        (?P<comment>!--)
      | (?P<bogus>[!?]|/(?![A-Za-z]))
      | (?P<close>/?)(?P<name>[A-Za-z][^{_WS}/>]*)
        (?P<attrs>(?:
            (?:[{_WS}]|/(?!>))+
          | [^{_WS}/>][^{_WS}/=>]*
            (?:[{_WS}]*=[{_WS}]*(?:"[^"]*"|'[^']*'|[^{_WS}>]*))?
        )*+)
        (?P<self_closing>/)?(?:>|\Z)
    )""",
    re.VERBOSE,
)
"""A comment, a bogus comment or doctype (to its ``>``), or a tag with its attributes (a
``/`` in an unquoted value, ``<a href=x/>``, does not make it self-closing)."""
_COMMENT_END: Final = re.compile(r"--!?>")
_BOGUS_END: Final = re.compile(">")
_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_FONT_BREAKS_OUT: Final = re.compile(rf"(?:^|[{_WS}/])(?:color|face|size)(?:[{_WS}/=]|$)", re.I)

_VOID: Final = _names(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta param"
    " source track wbr html head body frameset"
)  # html, head, body: never a new element; frameset: dropped in a body (a frameset page
# nests framesets only, which parse fast)
_RAW: Final = _names("script style xmp iframe noembed noframes textarea title")
_HEAD: Final = _names(
    "html head base basefont bgsound link meta title noframes style script template"
)
_RAW_END: Final = {name: re.compile(rf"</{name}[{_WS}/>]", re.I) for name in _RAW}
_FORMATTING: Final = _names("a b big code em font i nobr s small strike strong tt u")
_MARKERS: Final = _names("applet marquee object template td th caption")
_HEADINGS: Final = ("h1", "h2", "h3", "h4", "h5", "h6")
_TABLE_PARTS: Final = _names("caption colgroup tbody thead tfoot tr td th")
"""Dropped outside a table: only inside one may they be open (and close what is above)."""
_CLOSES_P: Final = _names(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption"
    " figure footer header hgroup main menu nav ol p search section summary ul pre listing"
    " form li dd dt h1 h2 h3 h4 h5 h6"
)
_IMPLIES_ENDS: Final = _CLOSES_P | _names(
    "td th tr tbody thead tfoot caption colgroup table select option optgroup a nobr button"
    " rb rp rt rtc"
)
_NO_RECONSTRUCT: Final = (
    _CLOSES_P
    | _TABLE_PARTS
    | _HEAD
    | _names("table hr param source track textarea iframe noembed noscript plaintext frameset")
    | _names("rb rp rt rtc")
)
"""Start tags before which a parser does not reopen the formatting elements closed from
outside (block and table elements, …): those reopen inside them, at the next text or inline
tag. Reopened before them, they would sit below the block, and the rules that look at the
current node (``<h2>`` on an open heading closes it) would read the wrong one."""
_IMPLIED_ENDS: Final = _names("dd dt li optgroup option p rb rp rt rtc")
"""What a parser closes when "generating implied end tags" (for ``<rt>`` in a ``<ruby>``)."""
_SAME_AGAIN: Final = _names("p li dd dt option")
_SCOPE_END: Final = _names(
    "address article aside blockquote button center details dialog dir div dl fieldset"
    " figcaption figure footer header hgroup listing main menu nav ol pre search section"
    " summary ul applet marquee object dd dt"
)
_FOREIGN: Final = ("svg", "math")
_INTEGRATION: Final = _names(
    "svg:foreignobject svg:desc svg:title math:mi math:mo math:mn math:ms math:mtext"
)
"""In ``<svg>``/``<math>``, the elements whose content is HTML again. (An element of their
content is named with its space, ``svg:title``: no HTML end tag closes it.) So is a
``<math><annotation-xml>`` whose ``encoding`` is HTML's (:data:`_HTML_ENCODINGS`): it is
pushed with that in its attrs (:meth:`_Stack.in_foreign`)."""
_TEXT_INTEGRATION: Final = _names("math:mi math:mo math:mn math:ms math:mtext")
_MATH_GLYPHS: Final = _names("mglyph malignmark")
"""Start tags that stay MathML content in a MathML text integration point."""
_HTML_ENCODINGS: Final = frozenset({"text/html", "application/xhtml+xml"})
_ATTRIBUTE: Final = re.compile(
    rf"""(?P<name>[^{_WS}/>][^{_WS}/=>]*)
        (?:[{_WS}]*=[{_WS}]*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^{_WS}>]*)))?""",
    re.VERBOSE,
)
"""One attribute of a tag's attributes (as :data:`_TOKEN` reads them), its value unquoted."""
_BREAKOUT: Final = _names(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i"
    " img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt"
    " u ul var"
)
"""HTML tags that end ``<svg>``/``<math>`` content (and ``<font color|face|size>``)."""

# Barriers: elements beyond which an end tag or an implied end does not reach. Each is a
# superset of the HTML standard's set (more barriers: fewer closes, a higher estimate).
_SCOPE: Final = (
    _names("applet caption html table td th marquee object template select math:annotation-xml")
    | _INTEGRATION
)  # (select: lexbor keeps a <p>, <li> … inside one, as the customizable <select> does)
_SPECIAL: Final = _SCOPE | _names(
    "address area article aside base basefont bgsound blockquote body br button center col"
    " colgroup dd details dialog dir div dl dt embed fieldset figcaption figure footer form"
    " frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr iframe img input keygen li link"
    " listing main menu meta nav noembed noframes noscript ol p param plaintext pre script"
    " search section source style summary tbody textarea tfoot thead tr track ul wbr xmp"
)
_BARRIERS: Final = {
    "special": _SPECIAL,
    "scope": _SCOPE,
    "button": _SCOPE | {"button"},
    "list": _SCOPE | {"ol", "ul"},
    "table": frozenset({"html", "table", "template"}),
    "item": _SPECIAL - {"address", "div", "p"},  # what stops <li>, <dd>, <dt> closing theirs
    # Not barriers: the topmost of these names, kept as barriers are (O(1) for table tags,
    # which looked up each name of these, 14 lookups a <td>)
    "cell": _names("td th caption"),
    "section": _names("tbody thead tfoot"),
    "inner": _names("td th caption template select"),  # (see _table_mode)
    "heading": frozenset(_HEADINGS),
}
_KINDS: Final = {
    name: tuple(kind for kind, names in _BARRIERS.items() if name in names) for name in _SPECIAL
}


_GHOST: Final = ""
_STAYS: Final = "-"


class _Stack:
    """The stack of open elements as far as depth goes, with every lookup O(1)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.attrs: list[str] = []  # a formatting element's (its clones repeat them)
        self.marks: list[int] = []  # the marker level it opened in (its list entry's place)
        self.spaces: list[str] = []  # "svg" or "math" for an element of their content
        self.html: list[int] = []  # indices of HTML elements (not of svg/math content)
        self.at: dict[str, list[int]] = {}
        self.barriers: dict[str, list[int]] = {kind: [] for kind in _BARRIERS}
        self.kinds = {  # name → the barrier lists it is in
            name: tuple(self.barriers[kind] for kind in kinds) for name, kinds in _KINDS.items()
        }
        # Formatting elements closed from outside, between the parser's markers (a cell,
        # <object>, <template> … opens one; closing one by its end tag clears the last):
        # name → attrs → count, None while empty.
        self.levels: list[dict[str, dict[str, int]] | None] = [None]
        self.level_sizes: list[int] = [0]
        self.level_ids: list[int] = [0]  # ascending
        self.lingering = 0
        self.ghosts = 0  # entries of elements the adoption agency took out (see retire)

    def depth(self) -> int:
        return len(self.names) + self.lingering - self.ghosts

    def top(self, name: str) -> int:
        """Index of the topmost open ``name``, -1 when none is open."""
        at = self.at.get(name)
        return at[-1] if at else -1

    def barrier(self, kind: str) -> int:
        found = self.barriers[kind]
        return found[-1] if found else -1

    def in_foreign(self) -> str:
        """``"svg"`` or ``"math"`` when a start tag or text now is their content, else
        ``""`` (HTML)."""
        if not self.names or self.names[-1] in _INTEGRATION:
            return ""
        if self.names[-1] == "math:annotation-xml" and self.attrs[-1]:
            return ""  # (an HTML integration point: its encoding is HTML's)
        return self.spaces[-1]

    def break_out(self) -> None:
        """An HTML tag in ``<svg>``/``<math>`` content: their elements above it close."""
        while self.in_foreign():
            self.pop_to(len(self.names) - 1)

    def push(self, name: str, attrs: str = "", *, space: str = "") -> None:
        index = len(self.names)
        self.names.append(name)
        self.attrs.append(attrs)
        self.marks.append(self.level_ids[-1])
        self.spaces.append(space)
        if not space:
            self.html.append(index)
        self.at.setdefault(name, []).append(index)
        for found in self.kinds.get(name, ()):
            found.append(index)
        if name in _MARKERS and not space:
            self.levels.append(None)
            self.level_sizes.append(0)
            self.level_ids.append(self.level_ids[-1] + 1)

    def pop_to(self, index: int, *, closed: bool = False, cell: bool = False) -> None:
        """Pop the element at ``index`` and all above it; ``closed``: by its own end tag;
        ``cell``: a table cell among them is closed (which clears a marker). A ghost left
        on top goes too (for the parser the element below it is the current node)."""
        cells = False
        while len(self.names) > index or (self.names and self.names[-1] == _GHOST):
            name, attrs, space = self.names.pop(), self.attrs.pop(), self.spaces.pop()
            mark = self.marks.pop()
            at = self.at[name]
            at.pop()
            if not at:
                del self.at[name]  # (a page of a million names, each closed, keeps none)
            for found in self.kinds.get(name, ()):
                found.pop()
            if space:
                continue
            if not name:
                self.ghosts -= 1
            self.html.pop()
            if name in _FORMATTING and not (closed and len(self.names) == index):
                self._linger(name, attrs, mark)
            cells = cells or name in ("td", "th", "caption")
        if cell and cells:
            self.clear_marker()

    def clear_marker(self) -> None:
        """Forget the formatting elements closed since the last marker, and the marker."""
        if len(self.levels) > 1:
            self.lingering -= self.level_sizes.pop()
            self.levels.pop()
            self.level_ids.pop()

    def _linger(self, name: str, attrs: str, mark: int) -> None:
        """A formatting element closed from outside stays in the parser's list, in the
        level it opened in (unless that level was cleared since)."""
        at = bisect.bisect_left(self.level_ids, mark)
        if at == len(self.level_ids) or self.level_ids[at] != mark:
            return
        level = self.levels[at]
        if level is None:
            level = self.levels[at] = {}
        same = level.setdefault(name, {})
        if same.get(attrs, 0) < 3:
            same[attrs] = same.get(attrs, 0) + 1
            self.level_sizes[at] += 1
            self.lingering += 1

    def reopen(self) -> None:
        """Text or a start tag: the parser opens clones of the formatting elements closed
        from outside since the last table cell (and what opens next opens inside them)."""
        level = self.levels[-1]
        if level is None:
            return
        self.lingering -= self.level_sizes[-1]
        self.levels[-1], self.level_sizes[-1] = None, 0
        for name, same in level.items():
            for attrs, count in same.items():
                for _ in range(count):
                    self.push(name, attrs)

    def close_formatting(self, name: str) -> None:
        """``</b>`` (or ``<a>`` with an ``a`` open): a lingering one goes first (erring
        high); else the open one, unless a special element lies above it."""
        same = (self.levels[-1] or {}).get(name)
        if same:
            attrs, count = same.popitem()
            if count > 1:
                same[attrs] = count - 1
            self.level_sizes[-1] -= 1
            self.lingering -= 1
            return
        index, special = self.top(name), self.barrier("special")
        if index < 0 or index < self.barrier("scope"):
            return  # (none open, or out of scope: the end tag is ignored)
        if index > special:
            self.pop_to(index, closed=True)
            return
        # The adoption agency: the element leaves the stack, a clone of it goes under the
        # nearest special element above it, then, that clone being the one to close, under
        # the next, up to eight times; the last clone is closed with all above it.
        specials = self.barriers["special"]
        if len(specials) - bisect.bisect_right(specials, index) > 8:
            self.retire(index, _STAYS)  # (a clone stays open, above the eighth)
        else:
            self.retire(index, _GHOST)
            self.pop_to(special + 1)

    def retire(self, index: int, as_name: str) -> None:
        """The element at ``index`` is no longer what its end tag closes, and stays in the
        arrays (whose indices then hold) under a name no tag has: :data:`_GHOST`, not
        counted in the depth, or :data:`_STAYS` (for a clone of it), counted."""
        name = self.names[index]
        self.at[name].pop()  # (the topmost: the one its end tag found)
        if not self.at[name]:
            del self.at[name]
        self.names[index] = as_name
        bisect.insort(self.at.setdefault(as_name, []), index)
        if as_name == _GHOST:
            self.ghosts += 1

    def close_if_above(self, index: int, kind: str, *, cell: bool = False) -> bool:
        """Pop to ``index`` if it is open and no ``kind`` barrier lies above it."""
        if index >= 0 and index >= self.barrier(kind):
            self.pop_to(index, cell=cell)
            return True
        return False


class TooManyTagsError(ValueError):
    """A document of more than :data:`MAX_TAGS` tags: no page has so many, and its depth is
    not estimated (which would cost seconds of the parse pool)."""


def nesting_depth(text: str, limit: int = MAX_DEPTH, *, max_tags: int = MAX_TAGS) -> int:
    """The deepest ``text``'s elements nest, as an HTML parser would build them (see the
    module docstring), counted no further than ``limit + 1``; :class:`TooManyTagsError`
    past ``max_tags`` tags and comments."""
    stack = _Stack()
    names, attrs, marks, spaces, at = stack.names, stack.attrs, stack.marks, stack.spaces, stack.at
    deepest, position, length = 0, 0, len(text)
    tags_left = max_tags
    unsure = ""  # a raw text element a parser may have dropped, read on to its end tag
    in_body = False  # (before it, <noscript> is the <head>'s)
    form_open = False  # the parser's form pointer: a <form> while it is set is dropped
    while position < length:
        token = _TOKEN.search(text, position)
        if token is None:
            break
        tags_left -= 1
        if tags_left < 0:
            raise TooManyTagsError(f"more than {max_tags:,} tags")
        if token.start() > position:  # text before this token
            if stack.lingering and not stack.in_foreign():
                stack.reopen()
            if not in_body:
                in_body = bool(text[position : token.start()].strip(" \t\n\f\r"))
        position = token.end()
        comment, bogus, close, raw_name, raw_attrs = token.group(1, 2, 3, 4, 5)
        if unsure and (comment or bogus):
            position = token.start() + 2  # (maybe text: what follows may be markup)
            continue
        if comment or bogus:
            end = (_COMMENT_END if comment else _BOGUS_END).search(
                text, token.start() + 2 if comment else position
            )
            position = end.end() if end else length
            continue
        name = raw_name.translate(_LOWER)
        if unsure:  # text to a parser that took the tag, markup to one that dropped it:
            if close:  # count what opens, close nothing (high either way)
                unsure = "" if name == unsure else unsure
            elif name not in _VOID:
                stack.push(name)
                deepest = max(deepest, stack.depth())
                if deepest > limit:
                    break
            continue
        if close:
            in_body = in_body or name in ("head", "body", "html", "br")
            if name == "form" and "template" not in at:
                form_open = False
            if spaces and spaces[-1]:  # svg/math content: its own element by that name …
                if name in ("p", "br"):
                    stack.break_out()
                else:
                    index = max(stack.top("svg:" + name), stack.top("math:" + name))
                    if index > (stack.html[-1] if stack.html else -1):
                        stack.pop_to(index)
                        continue  # … else an HTML element's, as below
            if names and names[-1] == name and not (name in _FORMATTING and stack.levels[-1]):
                if name in _KINDS or name in _MARKERS:
                    stack.pop_to(len(names) - 1, closed=True)
                    if name in _MARKERS:
                        stack.clear_marker()
                else:  # the common case, inline: a plain element closed by its end tag
                    names.pop(), attrs.pop(), marks.pop(), spaces.pop(), stack.html.pop()
                    if len(at[name]) == 1:
                        del at[name]
                    else:
                        at[name].pop()
                    if names and names[-1] == _GHOST:
                        stack.pop_to(len(names))
            elif name in at or name in _HEADINGS or name in _FORMATTING:
                _end_tag(stack, name)
            continue
        if names and names[-1] == "colgroup" and name not in ("col", "template"):
            stack.pop_to(len(names) - 1)  # (a column group holds nothing else)
        if not in_body:
            if name == "noscript":
                continue  # in the <head>: it holds no element of the page's body
            in_body = name not in _HEAD
        foreign = stack.in_foreign()
        if name in _MATH_GLYPHS and names and names[-1] in _TEXT_INTEGRATION:
            foreign = "math"  # (MathML's own even in <mi> …, and what they hold is too)
        if foreign and (
            name in _BREAKOUT or (name == "font" and _FONT_BREAKS_OUT.search(raw_attrs))
        ):
            stack.break_out()
            foreign = ""
        if foreign or name in _FOREIGN:
            if token["self_closing"]:
                continue  # <path … />: opened and closed at once
            space = foreign or name
            point = space == "math" and name == "annotation-xml" and _encodes_html(raw_attrs)
            stack.push(f"{space}:{name}", "html" if point else "", space=space)
        else:
            if name == "form" and "template" not in at:
                if form_open:
                    continue  # a form in a form: no element at all
                form_open = True
            if name in ("hr", "xmp") and "p" in at:
                stack.close_if_above(stack.top("p"), "button")
            if (name in _RAW or name == "plaintext") and ("select" in at or "template" in at):
                unsure = name  # (a <select> drops a <style>, a <template> in a column group
                continue  # an <xmp> …, and then the tokenizer reads on as markup)
            if name in _RAW:
                end = _RAW_END[name].search(text, position)
                closing = _TOKEN.match(text, end.start()) if end else None
                position = closing.end() if closing else length  # (its end tag too)
                continue
            if name == "plaintext":
                return max(deepest, stack.depth() + 1)
            if stack.lingering and name not in _NO_RECONSTRUCT:
                stack.reopen()
            if name in _VOID or (name in _TABLE_PARTS and "table" not in at):
                continue
            if name in _IMPLIES_ENDS:
                again = bool(names) and names[-1] == name and name in _SAME_AGAIN
                if again and (name == "p" or "p" not in at):
                    continue  # <p> on an open <p>, <li> on <li> …: one closes, one opens
                if not _start_tag(stack, name):
                    continue
                if stack.lingering and name not in _NO_RECONSTRUCT:
                    stack.reopen()  # what the start tag closed is reconstructed under it
            if name in _KINDS or name in _MARKERS:
                stack.push(name)
            else:  # the common case, inline: a plain (or formatting) element opens
                at.setdefault(name, []).append(len(names))
                stack.html.append(len(names))
                names.append(name)
                attrs.append(raw_attrs if name in _FORMATTING else "")
                marks.append(stack.level_ids[-1])
                spaces.append("")
        if len(names) + stack.lingering - stack.ghosts > deepest:
            deepest = len(names) + stack.lingering - stack.ghosts
            if deepest > limit:
                break
    return deepest


def _encodes_html(attrs: str) -> bool:
    """Whether a tag's ``encoding`` attribute (the first, as a parser keeps) names HTML,
    ASCII case-insensitively, character references undone."""
    for attribute in _ATTRIBUTE.finditer(attrs):
        if attribute["name"].translate(_LOWER) == "encoding":
            value = attribute.group("double", "single", "bare")
            found = next((part for part in value if part is not None), "")
            return html.unescape(found).translate(_LOWER) in _HTML_ENCODINGS
    return False


def _start_tag(stack: _Stack, name: str) -> bool:
    """What a start tag closes before it opens (implied end tags) and the elements it
    implies; False when it opens nothing (a ``<select>`` in a select closes that one)."""
    if name in _TABLE_PARTS and "select" in stack.at:  # (a <table> nests in a cell's select)
        table, select = stack.top("table"), stack.top("select")
        if 0 <= table < select and not table < stack.top("template") < select:
            stack.pop_to(select)  # a select in a table: a table part ends it, then opens
    if name == "li":  # (before the <p>: a <p> open above the item hides it)
        stack.close_if_above(stack.top("li"), "item")
    elif name in ("dd", "dt"):
        stack.close_if_above(max(stack.top("dd"), stack.top("dt")), "item")
    if name in _CLOSES_P and "p" in stack.at:
        stack.close_if_above(stack.top("p"), "button")
    if name in _HEADINGS and stack.names and stack.names[-1] in _HEADINGS:
        stack.pop_to(len(stack.names) - 1)
    elif name in _TABLE_PARTS:
        _open_in_table(stack, name)
    elif name == "table":
        table = _table_mode(stack)
        if table >= 0:  # (in a table, not in its cell: that table ends)
            stack.pop_to(table, cell=True)
    elif name == "select" and "select" in stack.at:
        index = stack.top("select")
        if index >= stack.barrier("scope"):  # (a <p> or <div> in it does not keep it open)
            stack.pop_to(index)
            return False
    elif name in ("option", "optgroup") and 0 <= stack.top("select") == stack.barrier("scope"):
        # In a select: "generate implied end tags" (a <p> left open in it closes; an
        # <option> keeps its <optgroup>), then the new one opens.
        keep = "optgroup" if name == "option" else ""
        while stack.names and stack.names[-1] in _IMPLIED_ENDS and stack.names[-1] != keep:
            stack.pop_to(len(stack.names) - 1)
    elif name in ("option", "optgroup"):
        if stack.names and stack.names[-1] == "option":
            stack.pop_to(len(stack.names) - 1)
        in_select = "select" in stack.at  # (elsewhere an optgroup holds one)
        if name == "optgroup" and in_select and stack.names[-1:] == ["optgroup"]:
            stack.pop_to(len(stack.names) - 1)
    elif name in ("a", "nobr"):
        index, lingering = stack.top(name), (stack.levels[-1] or {}).get(name)
        if name == "a" and not lingering and 0 <= index < stack.barrier("scope"):
            if stack.marks[index] == stack.level_ids[-1]:  # (no marker since: in the list)
                # An <a> out of scope (in a <select> …) is not closed but taken off the
                # stack, its element still the ancestor of all open above it.
                stack.retire(index, _STAYS)
        else:
            stack.close_formatting(name)
        if stack.lingering:
            stack.reopen()  # the parser reconstructs before it inserts the new element
    elif name == "button":
        stack.close_if_above(stack.top("button"), "scope")
    elif name in ("rb", "rp", "rt", "rtc") and stack.top("ruby") > max(stack.barrier("scope"), -1):
        keep = "rtc" if name in ("rp", "rt") else ""
        while stack.names and stack.names[-1] in _IMPLIED_ENDS and stack.names[-1] != keep:
            stack.pop_to(len(stack.names) - 1)
    return True


def _table_mode(stack: _Stack) -> int:
    """The index of the table a parser reads in "table" mode (in the table, not in a cell,
    caption, template or select of it), else -1. What opens then (not a table part) opens
    before the table, yet stays open until a table part clears it away."""
    table = stack.top("table")
    if table < 0 or stack.barrier("inner") > table:
        return -1
    return table


def _open_in_table(stack: _Stack, name: str) -> None:
    """A cell, row, section or caption: the cell or caption open closes; then all above
    the row (for a cell), the section (for a row) or the table goes, and the section and
    row a parser implies open."""
    _close_in_table(stack, stack.barrier("cell"))
    table = _table_mode(stack)
    if table < 0:
        return
    context, implied = table, ""
    section = stack.barrier("section")
    if name in ("td", "th"):
        row = stack.top("tr")
        if row > table:
            context = row
        elif section > table:
            context, implied = section, "tr"
        else:
            implied = "tbody tr"
    elif name == "tr":
        if section > table:
            context = section
        else:
            implied = "tbody"
    stack.pop_to(context + 1)
    for part in implied.split():
        stack.push(part)


def _close_in_table(stack: _Stack, index: int) -> None:
    """A cell, row or section's end: only inside a table (one open elsewhere is no cell, so
    what lies above it stays open)."""
    table = stack.top("table")
    if 0 <= table < index:
        stack.close_if_above(index, "table", cell=True)


def _end_tag(stack: _Stack, name: str) -> None:
    """What an end tag closes: its element, and all above it, where a parser would."""
    if name == "p":
        stack.close_if_above(stack.top("p"), "button")
    elif name == "li":
        stack.close_if_above(stack.top("li"), "list")
    elif name in _HEADINGS:
        stack.close_if_above(stack.barrier("heading"), "scope")
    elif name in _SCOPE_END:
        if stack.close_if_above(stack.top(name), "scope") and name in _MARKERS:
            stack.clear_marker()
    elif name in _TABLE_PARTS:
        _close_in_table(stack, stack.top(name))
    elif name == "table":
        stack.close_if_above(stack.top(name), "table", cell=True)
    elif name == "template":
        if stack.close_if_above(stack.top(name), "table"):
            stack.clear_marker()
    elif name == "form":
        if stack.names and stack.names[-1] == "form":
            stack.pop_to(len(stack.names) - 1)
    elif name == "select":  # (what lies above it in it, a <p> or <div>, closes with it)
        stack.close_if_above(stack.top(name), "scope")
    elif name in _FORMATTING:
        stack.close_formatting(name)
    else:
        stack.close_if_above(stack.top(name), "special")
