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

_KIND = r"(?P<kind>下转|下接|上接|紧接|转至|转|接|续)"
_PAGE = r"(?P<page>[A-Za-z]?\s*\d{1,3}|[一二三四五六七八九十百〇零两]{1,4})"
_CORE = rf"{_KIND}\s*(?:第\s*)?{_PAGE}\s*[版页]"
_OPENERS, _CLOSERS = "（(【〔", "）)】〕"
_LEAD = r"(?:[▲△▼▽►▶→◆●■]|[—－-]{1,2})"  # what may stand before a bare marker

BRACKETED_JUMP = rf"[{_OPENERS}]\s*{_CORE}[^{_OPENERS}{_CLOSERS}\n]{{0,6}}?\s*[{_CLOSERS}]"
"""A bracketed jump marker, as a pattern: the parser and the summarizer know the same ones."""

_BRACKETED = re.compile(BRACKETED_JUMP)
_BARE = re.compile(rf"^\s*(?:{_LEAD}\s*)?{_CORE}\s*$")

_FORWARD = frozenset({"下转", "下接", "转至", "转"})
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
