"""Response bytes → text, by the charset the server or the page declares.

Order (the HTML standard's, minus its sniffing): a byte-order mark, then the HTTP
``Content-Type`` charset, then the document's own ``<meta charset>`` / ``<meta http-equiv=
Content-Type>`` (or an XML declaration, for ``period.xml``) in its first bytes, then UTF-8.

GB2312 and GBK declarations are decoded as GB18030, their superset: Chinese sites declare
``gb2312`` while serving GBK or GB18030 characters (``镕``, ``堃`` …), which a strict GB2312
decoder would turn into errors. Nothing declared and not UTF-8 → GB18030. Bytes that fit no
candidate are decoded with replacement characters rather than lost: one bad byte must not cost
an article.
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


def decode_document(data: bytes, content_type: str | None = None) -> Decoded:
    """Decode a response body (see the module docstring for the order of evidence)."""
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            return Decoded(data.decode(bom_codec, errors="replace"), bom_codec, declared=None)
    declared = charset_of_content_type(content_type) or charset_in_document(data)
    candidates: list[str] = []
    codec = normalize_charset(declared)
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
        return Decoded(text, candidate, declared=declared)
    fallback = candidates[0]
    log.warning(
        "bytes fit no charset (declared %r); decoding %s with replacements", declared, fallback
    )
    return Decoded(data.decode(fallback, errors="replace"), fallback, declared=declared, lossy=True)
