"""Response bytes → text, by the charset the server or the page declares.

Order (the HTML standard's, minus its sniffing): a byte-order mark, then the HTTP
``Content-Type`` charset, then the document's own ``<meta charset>`` / ``<meta http-equiv=
Content-Type>`` (or an XML declaration, for ``period.xml``) in its first bytes, then UTF-8.
Three declarations that would decode any bytes, so that no fallback ever catches them, are
weighed against the bytes first (:func:`_weigh`):

* a document declaring UTF-16 or UTF-32 about itself is read as UTF-8, as the standard says
  (a ``<meta>`` readable as ASCII is no UTF-16), and a header declaring them on bytes without
  a NUL is ignored (ASCII markup in UTF-16 or UTF-32 is half or three quarters NULs);
* a header declaring ISO-8859-1 or windows-1252 gives way to the document's own charset when
  the bytes fit it, to UTF-8 when they are UTF-8 with other than ASCII in them, and to GB18030
  when they read as mostly common Chinese in it (:func:`_common_share`). Browsers
  follow the header, but ``ISO-8859-1`` is what a server says when nobody told it (Tomcat's
  and old Apache's default), while the page's ``<meta charset=gb2312>`` is what its author
  wrote; a Chinese paper is never Latin-1, and followed, the header turns every character
  into two or three of mojibake, silently (Latin-1 decodes any bytes).

GB2312 and GBK declarations are decoded as GB18030, their superset: Chinese sites declare
``gb2312`` while serving GBK or GB18030 characters (``镕``, ``堃`` …), which a strict GB2312
decoder would turn into errors; and they give way to UTF-8 when the bytes read as common
Chinese in it (a site re-saved as UTF-8 under its old declaration). Nothing declared and
not UTF-8 → GB18030, a guess: when the text it gives is not mostly common Chinese
(:func:`_common_share`: Big5 read as GBK is 15 % common characters, a real page 99 %) it is
marked :attr:`Decoded.doubtful` and logged; so is Latin-1 a header alone declared that gives
C1 control characters. (No detector library
is a dependency: httpx 0.28 no longer brings charset-normalizer.) Bytes that fit no candidate
are decoded with replacement characters rather than lost: one bad byte must not cost an
article.
"""

from __future__ import annotations

import codecs
import functools
import logging
import re
from dataclasses import dataclass
from typing import Final

from bot.errors import TemplateError
from bot.sources.epaper.dom import parse_html

__all__ = [
    "Decoded",
    "charset_in_document",
    "charset_of_content_type",
    "decode_document",
    "normalize_charset",
]

log = logging.getLogger(__name__)

PRESCAN_BYTES: Final = 4096
"""How far into the document a ``<meta charset>`` is looked for (the standard says 1024)."""

_GB_FAMILY: Final = frozenset({"gb2312", "gbk", "gb18030", "hz", "euc_cn"})
_GB_LABELS: Final = frozenset(
    {"x-gbk", "cp936", "ms936", "windows-936", "csgb2312", "gb_2312-80", "x-euc-cn", "chinese"}
)
_XML_DECLARATION: Final = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text and how it was obtained (for logs and tests)."""

    text: str
    encoding: str
    """The Python codec that decoded it."""
    declared: str | None
    """The charset the response or document declared, as written; None when none did."""
    lossy: bool = False
    """True when some bytes fit no candidate and became U+FFFD."""
    doubtful: bool = False
    """True when the text is likely garbled: nothing declared its charset and GB18030 gave
    uncommon characters, or only a Latin-1 header did and it gave C1 controls."""


def normalize_charset(label: str | None) -> str | None:
    """A declared charset label → the Python codec to use (GB family → ``gb18030``); None
    for an empty or unknown label."""
    if not label:
        return None
    label = label.strip().strip("'\"").lower()
    if label in _GB_LABELS:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in _GB_FAMILY or name.startswith("gb"):
        return "gb18030"
    return name if _decodes_text(name) else None


_NOT_WEB_CHARSETS: Final = frozenset({"unicode-escape", "raw-unicode-escape"})


@functools.lru_cache(maxsize=64)
def _decodes_text(codec: str) -> bool:
    """Whether ``codec`` turns any bytes into text with replacements: Python also knows
    ``rot13``, ``base64`` or ``idna`` by name, which a page may declare and which then raise
    where a charset cannot (LookupError, UnicodeError), or read backslashes as escapes."""
    if codec in _NOT_WEB_CHARSETS:
        return False
    try:
        b"\x80\xff\x00abc".decode(codec, errors="replace")
    except (LookupError, UnicodeError):
        return False
    return True


MAX_CHARSET_CHARS: Final = 40
"""Longer is no charset label (the longest known has 24 characters); it is logged as unknown,
so a header of 100 KB must not be."""


def charset_of_content_type(content_type: str | None) -> str | None:
    """The ``charset=`` parameter of a ``Content-Type`` header, as written (at most
    :data:`MAX_CHARSET_CHARS` of it)."""
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("'\"")[:MAX_CHARSET_CHARS]
    return None


def charset_in_document(data: bytes) -> str | None:
    """The charset the document's first bytes declare (meta tags or an XML declaration)."""
    head = data[:PRESCAN_BYTES]
    xml = _XML_DECLARATION.match(head)
    if xml is not None:
        return xml.group(1).decode("ascii")
    try:
        tree = parse_html(head.decode("latin-1"))
    except TemplateError:  # (nested past any page: the page is refused when it is parsed)
        return None
    for meta in tree.css("meta"):
        attributes = meta.attributes
        if attributes.get("charset"):
            return attributes["charset"]
        if (attributes.get("http-equiv") or "").strip().lower() == "content-type":
            found = charset_of_content_type(attributes.get("content"))
            if found:
                return found
    return None


_WIDE: Final = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
_LATIN: Final = frozenset({"iso8859-1", "cp1252", "ascii"})
"""What a header saying ISO-8859-1, Latin-1, windows-1252 or ASCII is decoded with (the
standard reads all of them as windows-1252)."""
_C1: Final = re.compile("[\x80-\x9f]")
"""C1 control characters: what GBK or UTF-8 read as ISO-8859-1 gives, and no text has."""
COMMON_SHARE: Final = 0.8
"""Below this share of common characters among the non-ASCII ones, GB18030 guessed wrong."""
_SAMPLE: Final = 4000


def _common_share(text: str) -> float | None:
    """Of the first non-ASCII, non-space characters of ``text`` (at most 4,000), the share
    of common Chinese ones: GB2312's punctuation, full-width forms and first level of 3,755
    hanzi (rows A1, A3, B0–D7), which hold some 99 % of what a Chinese paper prints. None
    under 5 such characters (too few to tell)."""
    seen = common = 0
    for char in text:
        if char.isascii() or char.isspace():
            continue
        seen += 1
        try:
            lead = char.encode("gb2312")[0]
        except UnicodeEncodeError:
            lead = 0
        common += lead in (0xA1, 0xA3) or 0xB0 <= lead <= 0xD7
        if seen == _SAMPLE:
            break
    return common / seen if seen >= 5 else None


def _fits(data: bytes, codec: str | None) -> bool:
    if codec is None:
        return False
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _weigh(data: bytes, header: str | None) -> tuple[str | None, str | None]:
    """The charset label to follow (as written) and its codec, the header's or the
    document's: see the module docstring for the declarations that are weighed."""
    codec = normalize_charset(header)
    if codec in _WIDE and b"\x00" not in data[:PRESCAN_BYTES]:
        log.warning("header charset %r ignored: the bytes have no NUL, as markup in it has", header)
        codec = None
    if codec is not None and codec not in _LATIN:
        return header, _utf8_over_gb(data, header, codec)
    document = charset_in_document(data)
    document_codec = normalize_charset(document)
    if document_codec in _WIDE:  # (the HTML standard's rule for a <meta> saying UTF-16)
        log.warning(
            "document charset %r read as UTF-8: a <meta> read as ASCII is no UTF-16", document
        )
        document_codec = "utf-8"
    if codec is None:  # (none, unknown, or a wide one that is not: the document's if any)
        if document_codec is None:
            return header or document, None
        return document, _utf8_over_gb(data, document, document_codec)
    if document_codec not in (None, codec) and _fits(data, document_codec):
        log.warning("header charset %r gives way to the document's %r", header, document)
        return document, document_codec
    if not data.isascii() and _fits(data, "utf-8"):
        log.warning("header charset %r gives way to UTF-8, which the bytes are", header)
        return header, "utf-8"
    if not data.isascii() and _reads_as_chinese(data, "gb18030"):
        log.warning("header charset %r gives way to GB18030, which the bytes read as", header)
        return header, "gb18030"
    return header, codec


def _utf8_over_gb(data: bytes, label: str | None, codec: str) -> str:
    """``codec``, unless it is the GB family's and the bytes read as UTF-8 into mostly common
    Chinese: a page saved as UTF-8 under an old ``gbk`` declaration decodes as GB18030 too
    (into mojibake, silently) whenever its runs of Chinese have an even number of bytes. (A
    few GBK characters can be valid UTF-8 — 一 reads as Cyrillic һ — but never five and
    more that read as common Chinese.)"""
    if codec != "gb18030" or data.isascii() or not _reads_as_chinese(data, "utf-8"):
        return codec
    log.warning("charset %r gives way to UTF-8, which the bytes are", label)
    return "utf-8"


def _reads_as_chinese(data: bytes, codec: str) -> bool:
    """Whether ``data`` decodes in ``codec`` into mostly common Chinese (five characters at
    least). GB18030: GBK served under a default Latin-1 header with no ``<meta>`` (common
    hanzi never give the C1 characters that would mark the Latin-1 reading doubtful), not
    Latin-1 text, which GB18030 refuses or reads as rare characters."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return False
    share = _common_share(text)
    return share is not None and share >= COMMON_SHARE


def decode_document(data: bytes, content_type: str | None = None) -> Decoded:
    """Decode a response body (see the module docstring for the order of evidence)."""
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            return Decoded(data.decode(bom_codec, errors="replace"), bom_codec, declared=None)
    declared, codec = _weigh(data, charset_of_content_type(content_type))
    candidates: list[str] = []
    if codec is not None:
        candidates.append(codec)
    elif declared:
        log.warning("unknown charset %r declared; trying UTF-8 and GB18030", declared)
    candidates.extend(c for c in ("utf-8", "gb18030") if c not in candidates)
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        if codec is not None and candidate != codec:
            log.warning(
                "declared charset %r does not fit the bytes; decoded as %s", declared, candidate
            )
        if codec is None and candidate == "gb18030":
            share = _common_share(text)
            doubtful = share is not None and share < COMMON_SHARE
        else:
            doubtful = codec in _LATIN and candidate == codec and bool(_C1.search(text))
        if doubtful:
            log.warning(
                "charset %s (declared %r) gives characters a Chinese page hardly has: the text"
                " is likely garbled (Big5? another undeclared charset?)",
                candidate,
                declared,
            )
        return Decoded(text, candidate, declared=declared, doubtful=doubtful)
    fallback = candidates[0]
    log.warning(
        "bytes fit no charset (declared %r); decoding %s with replacements", declared, fallback
    )
    return Decoded(data.decode(fallback, errors="replace"), fallback, declared=declared, lossy=True)
