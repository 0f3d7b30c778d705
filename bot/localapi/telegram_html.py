"""Telegram's HTML parse mode: plain text and message entities, exactly as the Bot API sees them.

Why a hand-written parser: Telegram accepts a tiny HTML subset and rejects everything else with
400 ``can't parse entities: ...`` — the whole message is lost. The standard library's
``html.parser`` cannot tell us that: it happily accepts ``<div>``, a bare ``<`` or ``&``, unclosed
tags and every named entity in HTML5. So this module ports the tokenizer Telegram itself runs
(tdlib's ``parse_html`` in ``td/telegram/MessageEntity.cpp``): same tag set, same attribute
rules, same error texts with UTF-8 byte offsets, entity offsets and lengths in UTF-16 code units.

Two modes:

* ``strict=True`` (the default) additionally enforces Telegram's *documented* contract: every
  ``&`` must start one of ``&lt; &gt; &amp; &quot;`` or a numeric reference, terminated by ``;``,
  and ``>`` outside a tag must be written ``&gt;``. tdlib itself tolerates a bare ``&`` or ``>``
  (they pass through as text), but code that relies on that is one refactor away from emitting
  ``a<b`` — so tests and the local Bot API server run strict and fail early.
* ``strict=False`` behaves like tdlib, byte for byte where it matters.

Entities come back the way tdlib's parser produces them (sorted by offset, longer first). What
the server does afterwards is not reproduced: its nesting clean-up (e.g. formatting inside
``code``/``pre``), trimming of surrounding whitespace, and auto-detected URLs, hashtags and bot
commands in outgoing messages.

Used by the local Bot API server (:mod:`bot.localapi.server`), by the tests that check every
message the bot renders, and by the terminal demo's renderer (:func:`to_html`).
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

__all__ = [
    "Entity",
    "ParsedHtml",
    "TelegramHtmlError",
    "entity_text",
    "parse_html",
    "to_html",
    "utf16_len",
    "utf16_slice",
]


class TelegramHtmlError(ValueError):
    """The text is not valid Telegram HTML; ``reason`` is what Telegram would say.

    The Bot API reports it as ``400 Bad Request: can't parse entities: <reason>``.
    ``byte_offset`` is the UTF-8 byte offset Telegram puts in the reason (None if it has none).
    """

    def __init__(self, reason: str, byte_offset: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.byte_offset = byte_offset


@dataclass(frozen=True, slots=True)
class Entity:
    """A Bot API ``MessageEntity``. ``offset`` and ``length`` are in UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None

    @property
    def end(self) -> int:
        return self.offset + self.length

    def to_api(self) -> dict[str, object]:
        """The JSON object the Bot API returns for this entity."""
        data: dict[str, object] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        if self.custom_emoji_id is not None:
            data["custom_emoji_id"] = self.custom_emoji_id
        return data

    @classmethod
    def from_api(cls, data: dict[str, object]) -> Entity:
        """Build from a Bot API ``MessageEntity`` dict (unknown keys are ignored)."""

        def opt(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        return cls(
            type=str(data["type"]),
            offset=int(data["offset"]),  # type: ignore[call-overload]
            length=int(data["length"]),  # type: ignore[call-overload]
            url=opt("url"),
            language=opt("language"),
            custom_emoji_id=opt("custom_emoji_id"),
        )


class ParsedHtml(NamedTuple):
    """Result of :func:`parse_html`; unpacks as ``text, entities``."""

    text: str
    entities: tuple[Entity, ...]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram entity offset."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _utf16_index(text: str, offset: int) -> int:
    """The ``str`` index at UTF-16 ``offset`` (ValueError inside a surrogate pair or past end)."""
    if offset == 0:
        return 0
    units = 0
    for index, ch in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > offset:
            raise ValueError(f"UTF-16 offset {offset} splits a surrogate pair")
    if units == offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {offset} is past the end of the text ({units})")


def utf16_slice(text: str, offset: int, length: int) -> str:
    """``text`` cut by UTF-16 ``offset``/``length``, the way entities address it."""
    start = _utf16_index(text, offset)
    stop = start + _utf16_index(text[start:], length)
    return text[start:stop]


def entity_text(text: str, entity: Entity) -> str:
    """The part of ``text`` an entity covers."""
    return utf16_slice(text, entity.offset, entity.length)


# --- parsing -------------------------------------------------------------------------------------

_SUPPORTED_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins"}
    | {"tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote"}
)
_SPACE = " \t\r\n\v\0"  # tdlib's is_space(); "\0" doubles as the end-of-text sentinel
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
# tdlib's MessageEntity::get_type_priority: ties on (offset, length) sort by it.
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_SPECIAL_STRICT = re.compile(r"[<>&]")
_SPECIAL_LENIENT = re.compile(r"[<&]")
_INT64 = re.compile(r"-?[0-9]+")
_NAMED_REFERENCE = re.compile(r"&([A-Za-z]+);")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    utf16_offset: int
    out_index: int  # index into the output character list (for <a> without href)


@dataclass(slots=True)
class _Raw:
    type: str
    offset: int
    length: int
    argument: str = ""


class _Parser:
    """One parse of one text; a class only to share state between the small steps."""

    def __init__(self, source: str, strict: bool) -> None:
        self.source = source
        self.s = source + "\0"  # tdlib reads a NUL-terminated string; so do we
        self.n = len(source)
        self.strict = strict
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_Open] = []
        self.entities: list[_Raw] = []

    def error(self, reason: str, index: int | None = None) -> TelegramHtmlError:
        if index is None:
            return TelegramHtmlError(reason)
        offset = _byte_offset(self.source, index)
        return TelegramHtmlError(f"{reason} at byte offset {offset}", offset)

    # tdlib's decode_html_entity(): (code point, index after it), code 0 if not an entity.
    def decode_entity(self, i: int) -> tuple[int, int]:
        s = self.s
        end = i + 1
        code = 0
        if s[end] == "#":
            end += 1
            if s[end] == "x":
                end += 1
                start = end
                while s[end] in "0123456789abcdefABCDEF" and s[end] != "\0":
                    end += 1
                digits = s[start:end]
                code = int(digits, 16) if digits and len(digits) < 8 else 0
            else:
                start = end
                while s[end].isascii() and s[end].isdigit():
                    end += 1
                digits = s[start:end]
                code = int(digits) if digits and len(digits) < 9 else 0
            if code == 0 or code >= 0x10FFFF or end - i >= 10:
                return 0, i
        else:
            while s[end].isascii() and s[end].isalpha():
                end += 1
            name = s[i + 1 : end]
            if name not in _NAMED_ENTITIES:
                return 0, i
            code = ord(_NAMED_ENTITIES[name])
        if s[end] == ";":
            return code, end + 1
        if self.strict:  # documented form always ends with ";"
            return 0, i
        return code, end

    def entity_or_error(self, i: int) -> tuple[str | None, int]:
        """Decode ``&...`` at ``i``: (character, next index), or (None, i) for a literal ``&``."""
        code, end = self.decode_entity(i)
        if code == 0:
            if not self.strict:
                return None, i
            m = _NAMED_REFERENCE.match(self.s, i)
            if m and m.group(1) not in _NAMED_ENTITIES:
                raise self.error(f'Unsupported HTML entity "{m.group(0)}"', i)
            raise self.error('Unescaped "&" (write it as "&amp;")', i)
        if 0xD800 <= code <= 0xDFFF:
            raise self.error(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        return chr(code), end

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)

    def parse(self) -> ParsedHtml:
        special = _SPECIAL_STRICT if self.strict else _SPECIAL_LENIENT
        i = 0
        while i < self.n:
            m = special.search(self.source, i)
            j = m.start() if m else self.n
            if j > i:
                self.emit(self.source[i:j])
                i = j
                continue
            c = self.source[i]
            if c == "&":
                ch, end = self.entity_or_error(i)
                if ch is None:
                    self.emit("&")
                    i += 1
                else:
                    self.emit(ch)
                    i = end
            elif c == ">":  # strict only
                raise self.error('Unescaped ">" (write it as "&gt;")', i)
            elif self.s[i + 1] == "/":
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.stack:
            raise self.error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        return ParsedHtml("".join(self.out), _finish(self.entities))

    def skip_space(self, i: int) -> int:
        while self.s[i] != "\0" and self.s[i] in _SPACE:
            i += 1
        return i

    def start_tag(self, begin: int) -> int:
        s = self.s
        i = begin + 1
        while s[i] not in _SPACE and s[i] != ">":
            i += 1
        if s[i] == "\0":
            raise self.error("Unclosed start tag", begin)
        tag = s[begin + 1 : i].lower()
        if tag not in _SUPPORTED_TAGS:
            raise self.error(f'Unsupported start tag "{tag}"', begin)

        argument = ""
        while s[i] != ">":
            i = self.skip_space(i)
            if s[i] == ">":
                break
            name_begin = i
            while s[i] not in _SPACE and s[i] not in "=>/\"'":
                i += 1
            name = s[name_begin:i]
            if not name:
                raise self.error(f'Empty attribute name in the tag "{tag}"', begin)
            i = self.skip_space(i)
            if s[i] != "=":
                if s[i] == "\0":
                    raise self.error(f'Unclosed start tag "{tag}"', begin)
                if tag == "blockquote" and name == "expandable":
                    argument = "1"
                continue
            i = self.skip_space(i + 1)
            if s[i] == "\0":
                raise self.error(f'Unclosed start tag "{tag}"', begin)
            if s[i] not in "\"'":
                # A name token: letters, digits, periods or hyphens; case-insensitive.
                token_begin = i
                while s[i].isascii() and (s[i].isalnum() or s[i] in ".-"):
                    i += 1
                value = s[token_begin:i].lower()
                if s[i] not in _SPACE and s[i] != ">":
                    raise self.error("Unexpected end of name token", token_begin)
            else:
                quote = s[i]
                i += 1
                chars: list[str] = []
                while s[i] != quote and s[i] != "\0":
                    if s[i] == "&":
                        ch, end = self.entity_or_error(i)
                        if ch is not None:
                            chars.append(ch)
                            i = end
                            continue
                    chars.append(s[i])
                    i += 1
                if s[i] == quote:
                    i += 1
                value = "".join(chars)
            if s[i] == "\0":
                raise self.error("Unclosed start tag", begin)

            if tag == "a" and name == "href":
                argument = value
            elif tag == "code" and name == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and name == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif tag == "tg-emoji" and name == "emoji-id":
                argument = value
            elif tag == "blockquote" and name == "expandable":
                argument = "1"

        if tag == "span" and argument != "spoiler":
            raise self.error('Tag "span" must have class "tg-spoiler"', begin)
        self.stack.append(_Open(tag, argument, self.utf16, len(self.out)))
        return i + 1

    def end_tag(self, begin: int) -> int:
        s = self.s
        if not self.stack:
            raise self.error("Unexpected end tag", begin)
        i = begin + 2
        while s[i] not in _SPACE and s[i] != ">":
            i += 1
        end_name = s[begin + 2 : i]  # as written: Telegram lower-cases start tags only
        while s[i] in _SPACE and s[i] != "\0":
            i += 1
        if s[i] != ">":
            raise self.error("Unclosed end tag", begin)
        top = self.stack[-1]
        if end_name and end_name != top.tag:
            offset = _byte_offset(self.source, begin)
            raise TelegramHtmlError(
                f"Unmatched end tag at byte offset {offset}, "
                f'expected "</{top.tag}>", found "</{end_name}>"',
                offset,
            )
        self.stack.pop()
        if self.utf16 > top.utf16_offset:
            self.close(top)
        return i + 1

    def close(self, top: _Open) -> None:
        offset = top.utf16_offset
        length = self.utf16 - offset
        tag = top.tag
        entities = self.entities
        last = entities[-1] if entities else None
        same_range = last is not None and last.offset == offset and last.length == length
        if tag in _SIMPLE_TYPES:
            entities.append(_Raw(_SIMPLE_TYPES[tag], offset, length))
        elif tag == "tg-emoji":
            arg = top.argument
            if not _INT64.fullmatch(arg) or not -(2**63) <= int(arg) < 2**63 or int(arg) == 0:
                raise self.error("Invalid custom emoji identifier specified")
            entities.append(_Raw("custom_emoji", offset, length, str(int(arg))))
        elif tag == "a":
            url = top.argument or "".join(self.out[top.out_index :])
            checked = _checked_link(url)
            if checked is not None:
                entities.append(_Raw("text_link", offset, length, checked))
        elif tag == "pre":
            if same_range and last is not None and last.type == "code" and last.argument:
                last.type = "pre"  # <code class="language-x"> directly inside <pre>
            else:
                entities.append(_Raw("pre", offset, length))
        elif tag == "code":
            if same_range and last is not None and last.type == "pre" and top.argument:
                last.argument = top.argument  # <pre> directly inside <code class=...>
            else:
                entities.append(_Raw("code", offset, length, top.argument))
        elif tag == "blockquote":
            kind = "expandable_blockquote" if top.argument else "blockquote"
            entities.append(_Raw(kind, offset, length))
        else:  # pragma: no cover - _SUPPORTED_TAGS and this chain list the same tags
            raise AssertionError(tag)


def _checked_link(url: str) -> str | None:
    """A simplified ``LinkManager::get_checked_link``: None drops the link (as Telegram does).

    Telegram silently drops ``<a>`` whose href it can't use, keeping the text. Accepted here:
    http(s) with a host, and tg:// / ton:// links; a missing scheme means http://.
    """
    url = url.strip()
    if not url or any(ch in url for ch in " \t\r\n"):
        return None
    if "://" not in url:
        prefix = re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url)
        if prefix and not url[prefix.end() :].split("/", 1)[0].isdigit():
            return None  # javascript:, mailto:, data: ... (a digit run is host:port)
        url = "http://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in ("tg", "ton", "tonsite"):
        return url
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    if not parts.path and not parts.query and not parts.fragment:
        url += "/"
    return url


def _sort_key(entity: Entity) -> tuple[int, int, int, str, str, str, str]:
    """tdlib's order (offset, longer first, type priority), then a tie-break for determinism."""
    return (
        entity.offset,
        -entity.length,
        _PRIORITY.get(entity.type, 50),
        entity.type,
        entity.url or "",
        entity.language or "",
        entity.custom_emoji_id or "",
    )


def _finish(raw: list[_Raw]) -> tuple[Entity, ...]:
    entities = [
        Entity(
            type=e.type,
            offset=e.offset,
            length=e.length,
            url=e.argument if e.type == "text_link" else None,
            language=(e.argument or None) if e.type == "pre" else None,
            custom_emoji_id=e.argument if e.type == "custom_emoji" else None,
        )
        for e in raw
    ]
    return tuple(sorted(entities, key=_sort_key))


def parse_html(text: str, *, strict: bool = True) -> ParsedHtml:
    """Parse Telegram HTML into ``(plain_text, entities)`` or raise :class:`TelegramHtmlError`.

    ``strict`` (default) also rejects a bare ``&`` / ``>`` that tdlib would let through; see the
    module docstring.
    """
    return _Parser(text, strict).parse()


# --- rendering -----------------------------------------------------------------------------------


def _open_tag(entity: Entity) -> tuple[str, str] | None:
    kind = entity.type
    simple = {
        "bold": "b",
        "italic": "i",
        "underline": "u",
        "strikethrough": "s",
        "spoiler": "tg-spoiler",
        "code": "code",
        "blockquote": "blockquote",
    }
    if kind in simple:
        return f"<{simple[kind]}>", f"</{simple[kind]}>"
    if kind == "expandable_blockquote":
        return "<blockquote expandable>", "</blockquote>"
    if kind == "pre":
        if entity.language:
            lang = _html.escape(entity.language, quote=True)
            return f'<pre><code class="language-{lang}">', "</code></pre>"
        return "<pre>", "</pre>"
    if kind == "text_link" and entity.url is not None:
        return f'<a href="{_html.escape(entity.url, quote=True)}">', "</a>"
    if kind == "custom_emoji" and entity.custom_emoji_id is not None:
        return f'<tg-emoji emoji-id="{entity.custom_emoji_id}">', "</tg-emoji>"
    return None  # url, mention, bot_command, ...: plain text in HTML


def to_html(text: str, entities: tuple[Entity, ...] | list[Entity] = ()) -> str:
    """Render plain text and entities back to Telegram HTML (the inverse of :func:`parse_html`).

    Entities that cross each other are closed and re-opened around the crossing point, so the
    output always nests properly; entity types without an HTML tag are rendered as plain text.
    """
    usable = [(e, tags) for e in entities if e.length > 0 and (tags := _open_tag(e)) is not None]
    usable.sort(key=lambda pair: _sort_key(pair[0]))
    bounds = sorted(
        {0, utf16_len(text)} | {e.offset for e, _ in usable} | {e.end for e, _ in usable}
    )
    index_of: dict[int, int] = {}
    units = 0
    want = iter(bounds)
    target: int | None = next(want)
    for index, ch in enumerate(text + "\0"):
        while target is not None and units >= target:
            if units != target:
                raise ValueError(f"entity boundary {target} splits a surrogate pair")
            index_of[target] = index
            target = next(want, None)
        units += 2 if ord(ch) > 0xFFFF else 1
    if target is not None:
        raise ValueError(f"entity boundary {target} is past the end of the text")

    out: list[str] = []
    stack: list[tuple[Entity, tuple[str, str]]] = []
    pending = 0
    for pos_index, pos in enumerate(bounds):
        if pos_index:
            prev = bounds[pos_index - 1]
            out.append(_html.escape(text[index_of[prev] : index_of[pos]], quote=False))
        # close what ends here; anything above it on the stack is closed and re-opened
        reopen: list[tuple[Entity, tuple[str, str]]] = []
        while any(e.end == pos for e, _ in stack):
            entity, tags = stack.pop()
            out.append(tags[1])
            if entity.end != pos:
                reopen.append((entity, tags))
        for entity, tags in reversed(reopen):
            out.append(tags[0])
            stack.append((entity, tags))
        while pending < len(usable) and usable[pending][0].offset == pos:
            entity, tags = usable[pending]
            out.append(tags[0])
            stack.append((entity, tags))
            pending += 1
    return "".join(out)
