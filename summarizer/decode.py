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
    return text


def _decode(data: bytes, source: str) -> str:
    """Pick the codec (BOM, else UTF-8, else GB18030) and decode strictly."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", source)
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8", source)
    if b"\x00" in data:
        raise EditionError(source, "binary data, not text (contains NUL bytes)")
    try:
        return _strict(data, "utf-8", source)
    except EditionError as utf8_error:
        try:
            text = _strict(data, "gb18030", source)
        except EditionError:
            raise EditionError(source, f"not UTF-8 or GB18030 text ({utf8_error.reason})") from None
        log.debug("%s: decoded as GB18030", source)
        return text


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
