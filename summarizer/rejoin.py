"""Where a paragraph really ends: rejoining chunks that a PDF column break cut apart.

The text dump cuts the page into chunks wherever a column broke, often mid-sentence or
mid-word (``就业创`` + ``业``). A chunk that does not end a sentence therefore continues in
the next body chunk, unless it is an in-text subheading (小标题): short, no clause
punctuation, not ending in a word that cannot end a heading, and standing after a finished
sentence (or another 小标题). The last *word* decides, not the last character: ``陈列馆和``
and ``…”的`` dangle, ``回望伟大成就`` and ``有所作为`` do not (jieba segments the short
line; it is called for short lines ending in a function character only). A 小标题 may take
a second short line with a comma inside (``费用破局`` / ``零关税落地，特药险“兜底”``).

A short chunk is only *provisionally* a 小标题: :func:`seam_is_broken` looks at the next
chunk and rejoins the two when the seam cuts a number or word (``党员总数为9918.`` +
``5万名。``, ``…江苏工`` + ``会工作…``), or the next chunk opens with punctuation that
cannot start a paragraph (``，``, ``％``, ``）``).

A sentence ends with ``。！？…`` (ASCII ``!?`` too), optionally followed by closing quotes
or brackets, or by one bracketed aside (``…。（本报记者 李四）``); the ASCII ``.`` does not
count (``9918.`` + ``5万名`` is a decimal cut apart).

Joining inserts nothing between letters, digits or CJK characters: a column break cuts
words (``Chinago`` + ``ods``), numbers (``14,`` + ``000``, ``19:`` + ``30``) and tokens
(``5`` + ``G基站``, ``C`` + ``919``) far more often than it falls between two Latin words,
and the dump cannot tell the cases apart. One space is inserted only after ASCII
``,;:!?`` before an ASCII letter (``Hello,`` + ``world``), where English prose has one.
The price: two English words cut exactly at a space come out glued (``Hello`` +
``world`` → ``Helloworld``).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba

SUBHEADING_MAX_CHARS = 20
"""A 小标题 is at most this long; longer unfinished chunks are broken sentences."""

_SENTENCE_END = re.compile(r"(?:[。！？!?…])[”’）」』》)\"'】〕]*$")
# A finished sentence followed by one bracketed aside: …。（本报记者 李四）
_SENTENCE_THEN_ASIDE = re.compile(r"[。！？!?…][”’」』》\"']*[（(][^（）()\n]{1,60}[）)]$")
_ASIDE_TAIL_CHARS = 80
_OPENERS = frozenset("（(【〔")
_CLOSERS = frozenset("）)】〕")
_TAIL_CHARS = 32
_ASIDE_MAX_CHARS = 200
_CLAUSE_PUNCT = re.compile(r"[，、；,;]")
# A heading's own number, whose 、 is not clause punctuation: 一、 十二、 1、 第一、 (but 1、2月
# and 一、二季度 list numbers). Not 第一，: that opens a sentence in running prose far more
# often (第一，要坚持… cut by a column break would become a heading).
_ENUMERATOR = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}、(?![一二三四五六七八九十])|\d{1,2}、(?!\d)"
    r"|第[一二三四五六七八九十]{1,3}、)"
)
_COLON = re.compile(r"[：:]")
# Function characters that cannot end a heading when they stand as a word of their own
# (``陈列馆和``), though they can end a longer word (``成就``, ``作为``, ``目的``).
_DANGLING = frozenset("的和与及或并在对把被从向为将而但且就也都还让使给于之其该这那")
# Function words that cannot end a heading whatever jieba makes of them.
_DANGLING_WORDS = ("以及", "并且", "对于", "关于", "根据", "按照", "随着", "围绕", "由于")
# Characters that cannot open a paragraph: the chunk before them was cut mid-sentence.
_CANNOT_OPEN = frozenset("％%，、。；：）》”’」』】〕,.;:)!?！？…．·")
_NUMBER_TAIL = frozenset("万亿年月日个名次岁")
_SEAM_CHARS = 6
_WHITESPACE = re.compile(r"\s+")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_ALNUM = _ASCII_LETTERS | frozenset("0123456789")
_ASCII_PUNCT = frozenset(",;:!?")


def normalize_ws(text: str) -> str:
    """Collapse whitespace runs (incl. U+3000 and NBSP) to one space and strip the ends.

    Full-width spaces indent paragraphs and pad bylines; they are layout, not content.
    """
    return _WHITESPACE.sub(" ", text).strip()


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends a sentence (``。！？…``, closers allowed) or is one aside.

    A chunk that is wholly bracketed (``（新华社北京7月7日电）``, ``（作者系…）``) is a
    complete unit even without a full stop.
    """
    # Only the tail can end a sentence: looking there keeps long paragraphs cheap.
    return bool(
        _SENTENCE_END.search(text[-_TAIL_CHARS:])
        or _is_one_aside(text)
        or (text[-1:] in _CLOSERS and _SENTENCE_THEN_ASIDE.search(text[-_ASIDE_TAIL_CHARS:]))
    )


def _is_one_aside(text: str) -> bool:
    """True when the bracket opening ``text`` closes at its end: ``（…）``, not ``（…）…（…）``."""
    if len(text) > _ASIDE_MAX_CHARS or text[:1] not in _OPENERS or text[-1:] not in _CLOSERS:
        return False
    depth = 0
    for index, char in enumerate(text):
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
            if depth == 0:
                return index == len(text) - 1
    return False


def is_subheading_shape(text: str) -> bool:
    """True when ``text`` could be a 小标题: short, unfinished, no clause punctuation.

    ``核心阅读`` and ``领航定向：`` qualify; ``…、安吉县中国`` (a broken sentence) does not,
    nor does a chunk ending in a word that cannot end a heading (``陈列馆和``, ``…的``).
    A numbered heading's own 、 (``一、加强组织领导``, ``1、…``) is part of its number, not
    clause punctuation. The caller also checks that the previous
    paragraph ended a sentence.
    """
    if not text or len(text) > SUBHEADING_MAX_CHARS or ends_sentence(text):
        return False
    numbered = _ENUMERATOR.match(text)
    words = text[numbered.end() :] if numbered else text
    if not words or _CLAUSE_PUNCT.search(words) or _COLON.search(words[:-1]):
        return False
    return not is_dangling(text)


def is_dangling(text: str) -> bool:
    """True when ``text`` ends in a function word, so it cannot end a heading or a sentence.

    ``陈列馆和``, ``“…”的``, ``…对于`` dangle; ``回望伟大成就``, ``有所作为`` do not: jieba's
    last token decides when the last character is a function character.
    """
    if text.endswith(_DANGLING_WORDS):
        return True
    if not text or text[-1] not in _DANGLING:
        return False
    return _segment(text[-SUBHEADING_MAX_CHARS:])[-1] in _DANGLING


def seam_is_broken(head: str, tail: str) -> bool:
    """True when ``head`` + ``tail`` reads as one piece cut by a column break.

    ``9918.`` + ``5万名`` (a number goes on), ``…江苏工`` + ``会工作…`` (jieba finds a word
    across the seam), ``…`` + ``，…`` (punctuation that cannot open a paragraph). Meant for
    a short ``head`` that could be a 小标题; jieba sees only a few characters each side.
    """
    if not head or not tail:
        return False
    last, first = head[-1], tail[0]
    if first in _CANNOT_OPEN:
        return True
    if first in _ASCII_ALNUM and (last in _ASCII_ALNUM or last in ".．"):
        return True
    if last.isdigit() and first in _NUMBER_TAIL:
        return True
    if not (_is_cjk(last) and _is_cjk(first)):
        return False
    left = head[-_SEAM_CHARS:]
    offset = 0
    for token in _segment(left + tail[:_SEAM_CHARS]):
        if offset < len(left) < offset + len(token):
            return True
        offset += len(token)
    return False


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


@lru_cache(maxsize=4096)
def _segment(text: str) -> tuple[str, ...]:
    """jieba's tokens of a short string (its dictionary loads on first use, about a second)."""
    jieba.setLogLevel(logging.WARNING)
    return tuple(jieba.lcut(text))


def is_subheading_second_line(text: str) -> bool:
    """True when ``text`` can be the second line of a two-line 小标题 (``费用破局`` /
    ``零关税落地，特药险“兜底”``): short and unfinished, a comma inside allowed but not
    one at the end (that would be a sentence running on).
    """
    if not text or len(text) > SUBHEADING_MAX_CHARS or ends_sentence(text):
        return False
    return not _CLAUSE_PUNCT.match(text[-1])


def join_chunks(head: str, tail: str) -> str:
    """Rejoin two halves of a sentence cut by a column break (see the module docstring)."""
    if not head or not tail:
        return head or tail
    if head[-1] in _ASCII_PUNCT and tail[0] in _ASCII_LETTERS:
        return f"{head} {tail}"
    return head + tail
