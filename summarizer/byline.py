"""Bylines and datelines: who wrote an article and where it was filed.

They open the body in a handful of shapes (see ``docs/epaper.md``):

* a dateline, optionally with reporters, followed by the first paragraph in the same chunk:
  ``本报讯 记者阮向民报道 全省…``, ``新华社北京6月30日电 7月1日…``,
  ``本报杭州7月1日讯（记者X 通讯员Y）…``, ``本报讯 （海南日报全媒体记者孙慧）…``,
  ``本报讯 本报记者 X …``, ``本报讯 文/X …``, ``本报讯 记者 X/文 …``, ``中新网…电（X）…``;
  a two-character name may be set with a space between its characters (``记者 王 静``);
* a lone byline paragraph: ``■ 本报记者 X``, ``■ 新华社记者``, ``浙江日报记者 X Y``,
  ``通讯员 X 记者 Y``;
* a closing dateline in brackets at the very end: ``…。（新华社北京7月7日电 记者X）``.

The byline is kept verbatim (a ``■`` included), only whitespace normalised, so that no
character of the input is lost.
"""

from __future__ import annotations

import re

from summarizer.rejoin import ends_sentence

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_DATE = rf"(?:{_NUM}月)?{_NUM}日"
_ORG = (
    r"(?:本报|新华社|中新社|中新网|新华网|人民网|央视网|央广网|光明网"
    rf"|[{_CJK}]{{2,6}}(?:日报|晚报|晨报|时报|商报|都市报)社?)"
)
_PLACE = rf"(?:(?!记者)[{_CJK}]){{0,8}}?"
# The dateline proper: 本报讯 / 新华社北京6月30日电 / 本报海口7月7日讯 (a separator must follow).
_DATELINE_CORE = rf"{_ORG}(?:{_PLACE}{_DATE}|{_PLACE})专?[讯电](?=[\s（(]|$)"
_ROLE = r"(?:全媒体记者|特约记者|特约通讯员|见习记者|记者|通讯员|实习生|特约撰稿人|评论员)"
# Words no name opens with, or holds: what follows 记者 in prose (记者从…获悉, 记者近日来到…,
# 本报记者走基层), so that a short line cut out of such a sentence is not taken for a byline.
_NOT_NAME_START = "从|在|走|来到|前往|深入|近日|日前|昨日|昨天|今日|今天|获悉|了解|采访"
_NOT_IN_NAME = "近日|日前|来到|获悉"
# A name: 王静, 欧阳明月, or one set with a space between its two characters (王 静).
_NAME = (
    rf"(?!{_NOT_NAME_START})"
    rf"(?:(?:(?!{_NOT_IN_NAME})[{_CJK}·]){{2,4}}|[{_CJK}]\s[{_CJK}])"
)
_NAMES = rf"{_NAME}(?:[\s、]+(?:[{_CJK}]{{0,10}}?{_ROLE}\s*)?{_NAME}){{0,8}}"
# Words that follow 记者 in column names (记者手记), not a reporter's name.
_NOT_A_NAME = r"(?!手记|观察|调查|走访|探访|直击|体验|连线|札记|感言|追踪|再访)"
# Who wrote or shot it, before a slash (文/王静) or after one (王静/文).
_CREDIT = r"(?:文|撰文|图|文图|图文)"
_SLASH_CREDIT = rf"(?:\s*[/／]\s*{_CREDIT})"
# What may follow the dateline before the text: （记者X 通讯员Y）, 记者X报道, 记者X Y,
# 本报记者 X (an organisation before the role: 昨日记者来到 is prose), 文/X, X/文.
_REPORTERS = (
    rf"(?:\s*[（(][^（）()\n]{{0,40}}?{_ROLE}[^（）()\n]{{0,40}}[）)]"
    rf"|\s+[^\s，。；：！？“”（）]{{0,12}}?{_ROLE}[^，。；：！？“”（）\n]{{0,40}}?报道"
    rf"|\s+(?:{_CREDIT}\s*[/／]\s*)?{_ORG}?{_ROLE}{_NOT_A_NAME}\s*{_NAMES}"
    rf"{_SLASH_CREDIT}?(?=\s)"
    rf"|\s+{_CREDIT}\s*[/／]\s*{_NAMES}(?=\s))"
)
# 中新网北京7月1日电（王静）: a name alone in brackets, only right after a 电 dateline
# (本报讯 （综合） is no byline).
_NAME_IN_BRACKETS = rf"(?<=电)\s*[（(]\s*{_NAMES}\s*[）)]"
_OPENING = re.compile(rf"^{_DATELINE_CORE}(?:{_REPORTERS}|{_NAME_IN_BRACKETS})?")

_BULLET_LINE = re.compile(r"^[■●◆]\s*[^，。！？；：,;!?]{1,40}$")
_ROLE_MARK = re.compile(r"^[□◎★☆▲]\s*")
"""Marks some papers print before a byline too (``□ 本报记者 X``), but also before a short
heading (``□ 专家观点``): after one of these only a line of roles and names is a byline."""
_ROLE_LINE = re.compile(
    rf"^(?:[{_CJK}]{{0,10}}?{_ROLE}{_NOT_A_NAME}(?:\s*{_NAMES})?"
    rf"(?:\s+[{_CJK}]{{0,10}}?{_ROLE}\s*{_NAMES}){{0,4}}"
    rf"|{_CREDIT}\s*[/／]\s*{_NAMES})$"
)
_LONE_MAX_CHARS = 60

_CLOSING = re.compile(
    rf"[（(]\s*{_ORG}(?:{_PLACE}{_DATE}|{_PLACE})专?[讯电](?:\s+[^（）()\n]{{0,60}})?\s*[）)]\s*$"
)


# An opening dateline inside running text: one with a date (本报海口7月7日讯) anywhere, or an
# undated one (本报讯, with the separator openings require) that no letter or digit precedes,
# so that 向新华社发来贺电（…） stays prose.
_DATED_DATELINE = re.compile(rf"{_ORG}{_PLACE}{_DATE}专?[讯电]")
_DATELINE_ANYWHERE = re.compile(_DATELINE_CORE)


# Every _ORG alternative holds one of these literals: a cheap test that rules datelines out.
_ORG_MARK = re.compile(
    "本报|新华社|中新社|中新网|新华网|人民网|央视网|央广网|光明网|日报|晚报|晨报|时报|商报|都市报"
)


def may_hold_dateline(text: str) -> bool:
    """False when no dateline can start anywhere in ``text`` (no news organisation named).

    A superset test for :func:`contains_dateline` and :func:`split_opening`, one literal scan
    per paragraph, so that the summarizer runs those regexes only where they can match.
    """
    return _ORG_MARK.search(text) is not None


def contains_dateline(text: str) -> bool:
    """True if an opening dateline stands anywhere in ``text``, not only at its start.

    The summarizer uses it to keep a sentence that swallowed a dateline (a 提要 line without
    final punctuation running into it) out of summaries.
    """
    if _DATED_DATELINE.search(text):
        return True
    return any(
        not text[match.start() - 1 : match.start()].isalnum()
        for match in _DATELINE_ANYWHERE.finditer(text)
    )


def split_opening(text: str) -> tuple[str, str] | None:
    """Split a leading dateline (with its reporters) from the text: ``(byline, rest)``."""
    match = _OPENING.match(text)
    if match is None:
        return None
    return match.group(0).strip(), text[match.end() :].strip()


def is_lone_byline(text: str) -> bool:
    """True when the whole chunk is a byline paragraph (``■ 本报记者 X``, ``通讯员 X 记者 Y``)."""
    if len(text) > _LONE_MAX_CHARS:
        return False
    unmarked = _ROLE_MARK.sub("", text, count=1)
    return bool(_BULLET_LINE.match(text) or _ROLE_LINE.match(unmarked))


def split_closing(text: str) -> tuple[str, str] | None:
    """Split a closing bracketed dateline off the end: ``(rest, byline)``.

    Only when what is left is empty or ends a sentence, so an aside inside a sentence stays.
    """
    match = _CLOSING.search(text)
    if match is None:
        return None
    rest = text[: match.start()].strip()
    if rest and not ends_sentence(rest):
        return None
    return rest, match.group(0).strip()
