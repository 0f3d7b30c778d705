"""Photo captions: text that belongs beside a picture, never inside the article's prose.

In the dump a caption sits between chunks, typically after three or more blank lines (a
paragraph break is one), sometimes in the middle of a broken sentence. Independently of
layout, photo credits give a caption away: ``新华社记者 X 摄``, ``张三/摄``, ``图为…``,
``（图片由…提供）``, ``供图``. The gap rule itself is applied by the parser, which knows
the state of the paragraph being built.
"""

from __future__ import annotations

import re

CAPTION_GAP = 3
"""Blank lines before a chunk that mark it as standing apart (a caption, or a heading)."""

CAPTION_MAX_CHARS = 150
"""A chunk standing apart but longer than this is taken for prose, not a caption."""

CREDIT_MAX_CHARS = 200
"""A photo-credit form longer than this is prose that happens to end like one."""

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NAME = rf"[{_CJK}·]{{2,4}}"
_NAMES = rf"{_NAME}(?:[\s、]+{_NAME}){{0,8}}"
_ROLE = r"(?:记者|通讯员|实习生|特约摄影师?|摄影记者|摄影)"
_CREDIT = re.compile(
    rf"(?:{_ROLE}\s*{_NAMES}\s*[/／]?\s*摄影?"  # 新华社记者 李学仁 摄 / 本报记者张三摄
    rf"|(?:^|[\s（(]){_NAMES}(?:\s+|\s*[/／]\s*)摄影?"  # 张三 摄 / 张三/摄
    r"|图片由[^，。！？\n]{1,30}提供|[^\s，。]{0,12}供图"  # （图片由…提供） / 视觉中国供图
    r"|资料图片?|新华社发)[）)]?$"
)
_PICTURE_LEAD = re.compile(r"^[（(]?(?:图为|[上下左右中]图[：:为]|图[①②③④⑤⑥⑦⑧⑨\d]+[：:\s])")


def is_photo_credit(text: str) -> bool:
    """True when ``text`` carries a photo credit or opens like a caption (``图为…``)."""
    if len(text) > CREDIT_MAX_CHARS:
        return False
    return bool(_PICTURE_LEAD.match(text) or _CREDIT.search(text))
