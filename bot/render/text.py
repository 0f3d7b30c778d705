"""HTML-safe rendering of records into Telegram messages.

Telegram rejects a whole message when one ``<``/``&`` is unescaped or a tag is unknown
(``400 can't parse entities``) and when the text left after entity parsing is longer than
4096 characters (1024 for a photo caption). Every function here therefore

* escapes every piece of record text (titles, summaries, bylines, user queries) with
  :func:`escape`, and only ever adds ``<b>``/``<i>`` tags of its own, and
* measures the *visible* length (:func:`visible_length`, in UTF-16 code units as Telegram
  counts, which is never less than the number of characters) and cuts text **before** escaping
  it, so a cut can never fall inside a tag or an entity.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence

from bot.render.i18n import Markup, t

__all__ = [
    "CAPTION_LIMIT",
    "ELLIPSIS",
    "TEXT_LIMIT",
    "clean",
    "escape",
    "format_date",
    "format_time",
    "messages_of",
    "page_label",
    "plain_text",
    "sendable",
    "truncate_text",
    "utf16_len",
    "visible_length",
]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"

# Sentence ends (Chinese and Western), optionally followed by closing quotes/brackets.
_SENTENCE_END = re.compile(r"[。！？!?；;…]+[”’」』）)\]】》]*")
_TAG = re.compile(r"<[^>]*>")


def escape(text: str) -> str:
    """Escape ``< > &`` — exactly what Telegram's HTML mode needs (quotes may stay)."""
    return html.escape(text, quote=False)


def clean(text: str) -> str:
    """Make record text sendable: lone surrogates (not encodable as UTF-8) become U+FFFD.

    Such characters can come out of a broken PDF dump; one of them would make the whole
    request fail to encode, so they are replaced rather than trusted.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units — how Telegram counts (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # in C; a lone surrogate is 1


def plain_text(html_text: str) -> str:
    """The text Telegram shows for HTML *we* produced: tags dropped, entities decoded.

    Only valid for our own output (all record text escaped), where a bare ``<`` never occurs.
    """
    return html.unescape(_TAG.sub("", html_text))


def visible_length(html_text: str) -> int:
    """Length after entity parsing, in UTF-16 units: what the 4096/1024 limits apply to."""
    return utf16_len(plain_text(html_text))


def truncate_text(text: str, max_units: int, *, ellipsis: str = ELLIPSIS) -> str:
    """``text`` cut to at most ``max_units`` UTF-16 units, ending in ``ellipsis`` if cut.

    Cuts at the last sentence end if that keeps at least half of the room, else at a character
    boundary (never inside a surrogate pair). Works on plain text: escape afterwards.
    """
    if utf16_len(text) <= max_units:
        return text
    room = max_units - utf16_len(ellipsis)
    if room <= 0:
        return ellipsis[: max(max_units, 0)]
    used = 0
    end = 0
    for index, ch in enumerate(text):
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > room:
            break
        used += width
        end = index + 1
    cut = text[:end]
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(cut)]
    if sentence_ends and sentence_ends[-1] >= len(cut) // 2:
        cut = cut[: sentence_ends[-1]]
    # Do not leave a dangling zero-width joiner / variation selector of a cut emoji sequence.
    cut = cut.rstrip().rstrip("\u200d\ufe0f").rstrip()
    return cut + ellipsis


def sendable(html_text: str, limit: int = TEXT_LIMIT) -> Markup:
    """``html_text`` if Telegram takes it, else its text cut to ``limit`` (tags dropped: a cut
    inside a tag or an entity would be refused). For messages built without a budget, such as
    an admin's notice listing a failed edition's files, which must not be lost to a 400."""
    if visible_length(html_text) <= limit:
        return Markup(html_text)
    return Markup(escape(truncate_text(plain_text(html_text), limit)))


def messages_of(blocks: Sequence[str], limit: int = TEXT_LIMIT) -> list[Markup]:
    """Whole HTML ``blocks`` (paragraphs) packed into as few messages as fit ``limit``, in
    order, a blank line between; a block too long alone is cut (:func:`sendable`)."""
    messages: list[Markup] = []
    current: list[str] = []
    used = 0
    for block in blocks:
        size = visible_length(block)
        if current and used + 2 + size > limit:
            messages.append(Markup("\n\n".join(current)))
            current, used = [], 0
        if size > limit:
            block, size = sendable(block, limit), limit
        used += size + (2 if current else 0)
        current.append(block)
    if current:
        messages.append(Markup("\n\n".join(current)))
    return messages


def format_date(date: dt.date, lang: str) -> str:
    """A date the way a reader of ``lang`` writes it (2024年7月1日 / 2024-07-01)."""
    return t(lang, "date", year=date.year, month=date.month, day=date.day)


def format_time(value: dt.time) -> str:
    """``07:30``."""
    return f"{value.hour:02d}:{value.minute:02d}"


MAX_PAGE_LABEL = 20
"""UTF-16 units of a page label shown (``第A12版``, ``要闻``: far less)."""


def page_label(page: str | None, lang: str) -> str | None:
    """``第1版`` / ``Page 1``, or None when the page is unknown. Returns escaped HTML."""
    if page is None or not page.strip():
        return None
    # Cut: a label is a few characters, but a broken source could hand over a paragraph, and
    # every digest and card line carries it whole.
    return t(lang, "page", page=clean(truncate_text(page.strip(), MAX_PAGE_LABEL)))
