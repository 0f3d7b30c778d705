"""Photo captions: text that belongs beside a picture, never inside the article's prose.

In the dump a caption sits between chunks, typically after three or more blank lines (a
paragraph break is one), sometimes in the middle of a broken sentence. Independently of
layout, photo credits give a caption away: ``新华社记者 X 摄``, ``张三/摄``, ``图为…``,
``（图片由…提供）``, ``供图``. The gap rule itself is applied by the parser, which knows
the state of the paragraph being built.

The bare credit words (``供图``, ``新华社发``, ``资料图片``) also occur in prose that a
column break cuts (``…提供图`` + ``书借阅``, ``据新华社发`` + ``布的``), so they count only
as the whole chunk or after a space, bracket or slash, and only in a short chunk
(:data:`WEAK_CREDIT_MAX_CHARS`). The parser also never lifts a credit out of a sentence
that is still open unless it stands apart by the caption gap (``试`` + ``图为…``).
"""

from __future__ import annotations

import re

CAPTION_GAP = 3
"""Blank lines before a chunk that mark it as standing apart (a caption, or a heading)."""

CAPTION_MAX_CHARS = 150
"""A chunk standing apart but longer than this is taken for prose, not a caption."""

CREDIT_MAX_CHARS = 200
"""A photo-credit form longer than this is prose that happens to end like one."""

WEAK_CREDIT_MAX_CHARS = 60
"""A chunk whose only sign is a bare credit word (``供图``, ``新华社发``) is at most this long."""

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NAME = rf"[{_CJK}·]{{2,4}}"
_NAMES = rf"{_NAME}(?:[\s、]+{_NAME}){{0,8}}"
_ROLE = r"(?:记者|通讯员|实习生|特约摄影师?|摄影记者|摄影)"
_CREDIT = re.compile(
    rf"(?:{_ROLE}\s*{_NAMES}\s*[/／]?\s*摄影?"  # 新华社记者 李学仁 摄 / 本报记者张三摄
    rf"|(?:^|[\s（(]){_NAMES}(?:\s+|\s*[/／]\s*)摄影?"  # 张三 摄 / 张三/摄
    r")[）)]?$"
)
# Bare credit words: the whole chunk, or after a space, bracket or slash.
_WEAK_CREDIT = re.compile(
    r"(?:^|[\s（(/／])"
    r"(?:图片由[^，。！？\n]{1,30}提供"  # （图片由…提供）
    r"|[^\s，。、；：！？（(/／]{0,12}(?<!提)供图"  # 视觉中国供图 (not …提供图)
    r"|资料图片?|新华社发)[）)]?$"
)
_PICTURE_LEAD = re.compile(r"^[（(]?(?:图为|[上下左右中]图[：:为]|图[①②③④⑤⑥⑦⑧⑨\d]+[：:\s])")


def is_photo_credit(text: str) -> bool:
    """True when ``text`` carries a photo credit or opens like a caption (``图为…``)."""
    if len(text) > CREDIT_MAX_CHARS:
        return False
    if _PICTURE_LEAD.match(text) or _CREDIT.search(text):
        return True
    return len(text) <= WEAK_CREDIT_MAX_CHARS and bool(_WEAK_CREDIT.search(text))
