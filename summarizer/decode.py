"""Bytes of an edition file → text, or one clear :class:`EditionError` saying why not.

Real files arrive as UTF-8 (with or without BOM), as GB18030/GBK from older systems, with
Windows or old-Mac line ends, now and then as UTF-16 from Notepad, and sometimes as
something that is not text at all. Decisions:

* UTF-8 is tried strictly first, then GB18030 (a superset of GBK and GB2312) strictly; a
  UTF-8 or UTF-16 BOM decides the codec. No guessing beyond that: a file neither decodes
  is refused, naming the offset of the first bad byte.
* A file cut off inside its last multi-byte character (an interrupted download) decodes to
  everything before that character; the dropped tail is logged as a warning, because the
  rest of the page is still worth reading.
* Line ends become ``\\n`` (CRLF, CR, form feed, U+2028/2029). Full-width spaces and NBSP
  are left in place: they are whitespace to the parser, and no character is lost here.
* Empty files, NUL bytes, PDFs and text full of control characters are refused.
* Invisible characters have no place in an edition and are dropped (:func:`strip_invisible`):
  control characters other than the line break and tab, and format characters (Unicode
  category Cf: bidi overrides such as U+202E, zero-width spaces, soft hyphens, a stray BOM).
  They would hide inside titles and search terms and make equal words unequal.
"""

from __future__ import annotations

import codecs
import logging
import re

from summarizer.errors import EditionError

log = logging.getLogger(__name__)

CONTROL_CHAR_LIMIT = 0.02
"""Share of control characters above which decoded "text" is taken for binary data."""

_LINE_BREAKS = re.compile(r"\r\n?|[\f\v\u2028\u2029\x85]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# Cc but line break and tab; Cf (Unicode 15; a test checks it against unicodedata).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_TRUNCATED = frozenset({"unexpected end of data", "incomplete multibyte sequence"})
_MAX_CHAR_BYTES = 4


def decode_bytes(data: bytes, source: str) -> str:
    """Decode one edition file's bytes; raise :class:`EditionError` naming ``source``."""
    if not data:
        raise EditionError(source, "empty file (0 bytes)")
    if data.startswith(b"%PDF"):
        raise EditionError(source, "a PDF file, not a text dump of one")
    text = _decode(data, source)
    text = _LINE_BREAKS.sub("\n", text.removeprefix("\ufeff"))
    if not text:
        raise EditionError(source, "empty file (only a byte-order mark)")
    controls = len(_CONTROL.findall(text))
    if controls / len(text) > CONTROL_CHAR_LIMIT:
        raise EditionError(source, f"binary data, not text ({controls} control characters)")
    return strip_invisible(text)


def strip_invisible(text: str) -> str:
    """``text`` without control characters (but ``\\n`` and ``\\t``) and format characters (Cf)."""
    return _INVISIBLE.sub("", text)


def _decode(data: bytes, source: str) -> str:
    """Pick the codec (BOM, else UTF-8, else GB18030) and decode strictly."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", source)
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8", source)
    if b"\x00" in data:
        raise EditionError(source, _nul_reason(data))
    try:
        return _strict(data, "utf-8", source)
    except EditionError as utf8_error:
        try:
            text = _strict(data, "gb18030", source)
        except EditionError:
            raise EditionError(source, f"not UTF-8 or GB18030 text ({utf8_error.reason})") from None
        log.debug("%s: decoded as GB18030", source)
        return text


def _nul_reason(data: bytes) -> str:
    """Why bytes with NULs are refused, with what the operator can do about it: a text saved
    as UTF-16 without its byte-order mark has a NUL beside every ASCII character."""
    count, first = data.count(b"\x00"), data.index(b"\x00")
    where = f"{count:,} NUL bytes, the first at byte {first:,}"
    if len(data) % 2 == 0 and count * 8 >= len(data):
        halves = data[0::2].count(b"\x00"), data[1::2].count(b"\x00")
        if min(halves) == 0:  # all on one side: one per 16-bit unit
            return (
                f"binary data, not text ({where}); it looks like UTF-16 without a byte-order"
                " mark: save it as UTF-8 (or UTF-16 with the mark)"
            )
    return f"binary data, not text ({where})"


def _strict(data: bytes, encoding: str, source: str) -> str:
    """Decode strictly; a character cut off at the very end is dropped with a warning."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        cut_at_end = exc.reason in _TRUNCATED and len(data) - exc.start < _MAX_CHAR_BYTES
        if cut_at_end and exc.start > 0:
            try:
                text = data[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                pass
            else:
                log.warning(
                    "%s: truncated file: dropped %d byte(s) of an incomplete %s character "
                    "at the end",
                    source,
                    len(data) - exc.start,
                    encoding,
                )
                return text
        raise EditionError(source, f"invalid {encoding} at byte {exc.start}") from None
