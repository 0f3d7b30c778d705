"""The ``callback_data`` codec of inline buttons: ``kind:part:part``, at most 64 bytes.

Built and checked by :func:`encode_callback`; read back defensively by
:func:`decode_callback`, since a client can forge any callback: malformed data yields None,
never an exception.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "ARTICLE",
    "CALLBACK_DATA_MAX_BYTES",
    "MAX_ROW_ID",
    "SEARCH_PAGE",
    "SUBSCRIBE",
    "ArticleRef",
    "article_from_start_payload",
    "article_start_payload",
    "decode_article_callback",
    "decode_callback",
    "encode_callback",
    "register_callback",
]

CALLBACK_DATA_MAX_BYTES = 64

# Database ids and article numbers are 32-bit integers; a larger one in callback_data is forged
# and would make PostgreSQL raise "integer out of range".
MAX_ROW_ID = 2**31 - 1

ARTICLE = "a"  # open article: a:{edition_id}:{number}
SUBSCRIBE = "sub"  # the /start "subscribe" button
SEARCH_PAGE = "s"  # search results page: s:{page}


class ArticleRef(NamedTuple):
    """What an "open article" button points at."""

    edition_id: int
    number: int


# --------------------------------------------------------------------------- callback data

_KIND = re.compile(r"[A-Za-z0-9_-]{1,16}")
_INT = re.compile(r"-?[0-9]{1,19}")  # ASCII only: int() would also take "١٢", " 7", "1_0"
_INT64 = range(-(2**63), 2**63)  # ids are 64-bit everywhere in the Bot API
_CALLBACKS: dict[str, tuple[type, ...]] = {
    ARTICLE: (int, int),
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
    """The article an ``a:{edition_id}:{number}`` button opens, or None (ids out of range too)."""
    decoded = decode_callback(data)
    if decoded is None or decoded[0] != ARTICLE:
        return None
    edition_id, number = decoded[1], decoded[2]
    assert isinstance(edition_id, int) and isinstance(number, int)
    if not (0 < edition_id <= MAX_ROW_ID and 0 < number <= MAX_ROW_ID):
        return None
    return ArticleRef(edition_id, number)


# --------------------------------------------------------------------------- start links


def article_start_payload(ref: ArticleRef) -> str:
    """The ``/start`` parameter of a link that opens this article in the bot's private chat
    (``a_{edition_id}_{number}``: a start parameter allows only ``A-Za-z0-9_-``, 64 at most)."""
    return f"{ARTICLE}_{ref.edition_id}_{ref.number}"


def article_from_start_payload(payload: object) -> ArticleRef | None:
    """The article of :func:`article_start_payload`, or None for anything else (it is typed or
    forged as freely as callback data, and checked the same way)."""
    if not isinstance(payload, str) or ":" in payload:
        return None
    return decode_article_callback(payload.replace("_", ":"))
