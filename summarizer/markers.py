"""Jump markers: ``(下转第4版)`` sends the rest of an article to page 4, ``（上接第1版）`` opens it.

Markers leave the text (they are not prose) but are kept verbatim on the article, so no
character of the input is lost, and their page numbers (and section letters) drive
:func:`merge_pages`.
Round, lenticular and tortoise-shell brackets (``（）()【】〔〕``), ``下接`` for ``下转``,
Arabic or Chinese numerals (``第四版``) and a section letter (``A4版``) are accepted; a bare
``下转第4版``, also after an arrow or dash (``▲下转第4版``, ``——下转第4版``), counts only
when it is a whole chunk.
A marker inside a line leaves nothing behind, except a space between two ASCII letters or
digits (``Hello(下转第2版)world``), which would otherwise run together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FORWARD_KINDS = ("下转", "下接", "转至", "转")
_KINDS = "|".join((*_FORWARD_KINDS, "上接", "紧接", "接", "续"))  # longest spelling first
_PAGES = r"(?:[A-Za-z]\s*)?\d{1,3}|[一二三四五六七八九十百〇零两]{1,4}"
r"""A page: ``4``, ``A4``, ``A 4``, ``四``. The space after a letter only: two ``\s*`` side by side
(``下转\s*`` then ``\s*4``) made a heading with a long run of spaces after 下转 take minutes."""
_OPENERS, _CLOSERS = "（(【〔", "）)】〕"
_LEAD = r"(?:[▲△▼▽►▶→◆●■]|[—－-]{1,2})"  # what may stand before a bare marker


def _core(kinds: str, *, named: bool) -> str:
    """``kind`` (page number) ``版``; ``named``: with the groups :func:`_jump` reads."""
    group = "(?P<{}>" if named else "(?:"
    kind, page = group.format("kind") + kinds + ")", group.format("page") + _PAGES + ")"
    return rf"{kind}\s*(?:第\s*)?{page}\s*[版页]"


def _bracketed(core: str) -> str:
    return rf"[{_OPENERS}]\s*{core}[^{_OPENERS}{_CLOSERS}\n]{{0,6}}?\s*[{_CLOSERS}]"


# The grammar as patterns, so the parser and the summarizer know the same markers. Without
# named groups: a caller may use one several times in a pattern of its own.
BRACKETED_JUMP = _bracketed(_core(_KINDS, named=False))
"""A bracketed jump marker: ``(下转第4版)``, ``【上接A3版】``, ``（转第四页）``."""
BARE_JUMP = rf"(?:{_LEAD}\s*)?{_core(_KINDS, named=False)}"
"""An unbracketed marker (a whole chunk, when the parser reads it): ``▲下转第4版``."""
FORWARD_JUMP = _core("|".join(_FORWARD_KINDS), named=False)
"""A marker that sends the rest of the text on (``下转第4版``, ``转A3版``), unbracketed."""
BRACKETED_FORWARD_JUMP = _bracketed(FORWARD_JUMP)
"""The same in brackets: ``(下转第4版)``."""

_BRACKETED = re.compile(_bracketed(_core(_KINDS, named=True)))
_BARE = re.compile(rf"^\s*(?:{_LEAD}\s*)?{_core(_KINDS, named=True)}\s*$")

_FORWARD = frozenset(_FORWARD_KINDS)
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True, slots=True)
class Jump:
    """One marker as it stood, which way it points and to which page: its number and the
    section letter it names (``下转A4版`` → 4, ``"A"``; None when it names none)."""

    raw: str
    forward: bool
    page: int | None
    section: str | None = None


def chinese_number(text: str) -> int | None:
    """``四`` → 4, ``十二`` → 12, ``二十`` → 20, ``一百零三`` → 103; None when not a number."""
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    total += current
    return total or None


def _page_number(text: str) -> int | None:
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else chinese_number(text)


def _section(text: str) -> str | None:
    """The section letter of a marker's page (``A4`` → ``"A"``), so A4 is not taken for B4."""
    return text[0].upper() if text[0].isascii() and text[0].isalpha() else None


def _jump(match: re.Match[str]) -> Jump:
    page = match["page"]
    forward = match["kind"] in _FORWARD
    return Jump(match.group(0).strip(), forward, _page_number(page), _section(page))


def take_jumps(text: str) -> tuple[str, list[Jump]]:
    """Remove the jump markers from ``text``; return what is left and the markers, in order."""
    if "版" not in text and "页" not in text:  # fast path: nearly every chunk
        return text, []
    bare = _BARE.match(text)
    if bare:
        return "", [_jump(bare)]
    jumps = [_jump(m) for m in _BRACKETED.finditer(text)]
    if not jumps:
        return text, []
    return _BRACKETED.sub(_gap_left_by, text), jumps


def _gap_left_by(match: re.Match[str]) -> str:
    """What replaces a marker: nothing, or a space when it stood between two ASCII words."""
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return (
        " " if before.isascii() and before.isalnum() and after.isascii() and after.isalnum() else ""
    )
