"""The ``callback_data`` codec of inline buttons: ``kind:part:part``, at most 64 bytes.

Built and checked by :func:`encode_callback`; read back defensively by
:func:`decode_callback`, since a client can forge any callback: malformed data yields None,
never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from bot.storage.records import ArticleRecord

__all__ = [
    "ARTICLE",
    "ARTICLE_KINDS",
    "CALLBACK_DATA_MAX_BYTES",
    "MAX_ROW_ID",
    "SEARCH_PAGE",
    "SUBSCRIBE",
    "UNMARKED_ARTICLE",
    "ArticleRef",
    "article_callback",
    "article_from_start_payload",
    "article_ref",
    "article_start_payload",
    "decode_article_callback",
    "decode_callback",
    "encode_callback",
    "find_article",
    "register_callback",
]

CALLBACK_DATA_MAX_BYTES = 64

# Database ids and article numbers are 32-bit integers; a larger one in callback_data is forged
# and would make PostgreSQL raise "integer out of range".
MAX_ROW_ID = 2**31 - 1

ARTICLE = "b"  # open article: b:{edition_id}:{number}:{mark}
UNMARKED_ARTICLE = "a"  # a:{edition_id}:{number}, on buttons sent before marks (opened by number)
ARTICLE_KINDS = frozenset({ARTICLE, UNMARKED_ARTICLE})
SUBSCRIBE = "sub"  # the /start "subscribe" button
SEARCH_PAGE = "s"  # search results page: s:{page}


class ArticleRef(NamedTuple):
    """What an "open article" button points at.

    ``mark`` (:attr:`~bot.storage.records.ArticleRecord.mark`) finds the article again when
    a late page has renumbered its edition since the button was sent; empty on older buttons.
    """

    edition_id: int
    number: int
    mark: str = ""


def find_article(articles: Iterable[ArticleRecord], ref: ArticleRef) -> ArticleRecord | None:
    """The article ``ref`` points at among its edition's ``articles``: the one of its number
    if the mark agrees (or the ref has none), else the one with its mark nearest its old number
    after it (pages merged in before an article only move it forward); None when no article of
    the edition has the mark any more."""
    numbered = next((a for a in articles if a.number == ref.number), None)
    if not ref.mark or (numbered is not None and numbered.mark == ref.mark):
        return numbered
    same = [a for a in articles if a.mark == ref.mark]
    if not same:
        return None
    return min(same, key=lambda a: (a.number < ref.number, abs(a.number - ref.number)))


def article_ref(article: ArticleRecord) -> ArticleRef:
    """The button target of a stored article, with its mark."""
    return ArticleRef(article.edition_id, article.number, article.mark)


# --------------------------------------------------------------------------- callback data

_KIND = re.compile(r"[A-Za-z0-9_-]{1,16}")
_INT = re.compile(r"-?[0-9]{1,19}")  # ASCII only: int() would also take "١٢", " 7", "1_0"
_INT64 = range(-(2**63), 2**63)  # ids are 64-bit everywhere in the Bot API
_MARK = re.compile(r"[0-9a-f]{8}")
_CALLBACKS: dict[str, tuple[type, ...]] = {
    ARTICLE: (int, int, str),
    UNMARKED_ARTICLE: (int, int),
    SUBSCRIBE: (),
    SEARCH_PAGE: (int,),
}


def register_callback(kind: str, *types: type) -> None:
    """Declare a callback kind and the types of its parts (``int`` or ``str``).

    :func:`decode_callback` only accepts declared kinds with the declared number of parts, so
    handlers never see a shape they did not ask for.
    """
    if not _KIND.fullmatch(kind):
        raise ValueError(f"callback kind {kind!r} must match {_KIND.pattern}")
    if any(tp not in (int, str) for tp in types):
        raise ValueError(f"callback parts must be int or str, got {types!r}")
    _CALLBACKS[kind] = tuple(types)


def encode_callback(kind: str, *parts: int | str) -> str:
    """``kind:part:part`` for an inline button; raises ValueError when Telegram would refuse it.

    Telegram accepts 1–64 bytes of UTF-8 (one CJK character is 3 bytes), so a too-long value is
    a bug here and now rather than a 400 for every recipient of the digest. The kind must be
    registered and the parts must match its declared types, so whatever is encoded decodes.
    """
    types = _CALLBACKS.get(kind)
    if types is None:
        raise ValueError(f"unknown callback kind {kind!r}; register_callback() it first")
    if len(parts) != len(types):
        raise ValueError(f"callback {kind!r} takes {len(types)} parts, got {len(parts)}")
    pieces = [kind]
    for part, tp in zip(parts, types, strict=True):
        if tp is int and (isinstance(part, bool) or not isinstance(part, int)):
            raise ValueError(f"callback {kind!r} part {part!r} must be an int")
        if tp is int and part not in _INT64:
            raise ValueError(f"callback {kind!r} part {part!r} is not a 64-bit integer")
        piece = str(part)
        if ":" in piece:
            raise ValueError(f"callback part {piece!r} must not contain ':'")
        pieces.append(piece)
    data = ":".join(pieces)
    size = len(data.encode("utf-8"))
    if size > CALLBACK_DATA_MAX_BYTES:
        raise ValueError(
            f"callback_data {data[:20]!r}… is {size} bytes; Telegram allows at most "
            f"{CALLBACK_DATA_MAX_BYTES} bytes (UTF-8)"
        )
    return data


def article_callback(ref: ArticleRef) -> str:
    """The callback_data of a button that opens ``ref`` (marked when the ref has a mark)."""
    if ref.mark:
        return encode_callback(ARTICLE, ref.edition_id, ref.number, ref.mark)
    return encode_callback(UNMARKED_ARTICLE, ref.edition_id, ref.number)


def decode_callback(data: object) -> tuple[str | int, ...] | None:
    """``(kind, *parts)`` with int parts converted, or None for anything malformed.

    The data comes from a client and can be forged: wrong type, unknown kind, wrong number of
    parts, non-ASCII digits, oversized — all give None, nothing raises.
    """
    if not isinstance(data, str) or not data:
        return None
    try:
        if len(data.encode("utf-8")) > CALLBACK_DATA_MAX_BYTES:
            return None
    except UnicodeEncodeError:
        return None
    kind, *parts = data.split(":")
    types = _CALLBACKS.get(kind)
    if types is None or len(parts) != len(types):
        return None
    decoded: list[str | int] = [kind]
    for part, tp in zip(parts, types, strict=True):
        if tp is int:
            if not _INT.fullmatch(part) or (value := int(part)) not in _INT64:
                return None
            decoded.append(value)
        else:
            decoded.append(part)
    return tuple(decoded)


def decode_article_callback(data: object) -> ArticleRef | None:
    """The article a ``b:{edition_id}:{number}:{mark}`` (or older ``a:{edition_id}:{number}``)
    button opens, or None (ids out of range, a mark that is not eight hex digits: forged)."""
    decoded = decode_callback(data)
    if decoded is None or decoded[0] not in ARTICLE_KINDS:
        return None
    edition_id, number, *marked = decoded[1:]
    mark = marked[0] if marked else ""
    assert isinstance(edition_id, int) and isinstance(number, int) and isinstance(mark, str)
    if not (0 < edition_id <= MAX_ROW_ID and 0 < number <= MAX_ROW_ID):
        return None
    if marked and not _MARK.fullmatch(mark):
        return None
    return ArticleRef(edition_id, number, mark)


# --------------------------------------------------------------------------- start links


def article_start_payload(ref: ArticleRef) -> str:
    """The ``/start`` parameter of a link that opens this article in the bot's private chat
    (``b_{edition_id}_{number}_{mark}``: a start parameter allows only ``A-Za-z0-9_-``, 64 at
    most; ``a_{edition_id}_{number}`` without a mark)."""
    if not ref.mark:
        return f"{UNMARKED_ARTICLE}_{ref.edition_id}_{ref.number}"
    return f"{ARTICLE}_{ref.edition_id}_{ref.number}_{ref.mark}"


def article_from_start_payload(payload: object) -> ArticleRef | None:
    """The article of :func:`article_start_payload`, or None for anything else (it is typed or
    forged as freely as callback data, and checked the same way)."""
    if not isinstance(payload, str) or ":" in payload:
        return None
    return decode_article_callback(payload.replace("_", ":"))
