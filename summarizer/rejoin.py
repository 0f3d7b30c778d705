"""Where a paragraph really ends: rejoining chunks that a PDF column break cut apart.

The text dump cuts the page into chunks wherever a column broke, often mid-sentence or
mid-word (``就业创`` + ``业``). A chunk that does not end a sentence therefore continues in
the next body chunk, unless it is an in-text subheading (小标题): short, no clause
punctuation, not ending in a word that cannot end a heading (``和``, ``的``), and standing
after a finished sentence (or another 小标题). A 小标题 may take a second short line with a
comma inside (``费用破局`` / ``零关税落地，特药险“兜底”``): a chunk that short after a
finished 小标题 is rarely a column fragment, while two-line 小标题 are common in web text.

A sentence ends with ``。！？…`` (ASCII ``!?`` too), optionally followed by closing quotes
or brackets; the ASCII ``.`` does not count (``9918.`` + ``5万名`` is a decimal cut apart).

Joining inserts nothing between CJK characters. Between two ASCII letters (``Hello`` +
``world``), or after ASCII ``,;:!?`` before a letter or digit, it inserts one space: the
dump drops the space that stood at the line end. Two digits are joined directly (a number
cut by the column, ``123`` + ``51``).
"""

from __future__ import annotations

import re

SUBHEADING_MAX_CHARS = 20
"""A 小标题 is at most this long; longer unfinished chunks are broken sentences."""

_SENTENCE_END = re.compile(r"(?:[。！？!?…])[”’）」』》)\"'】〕]*$")
_OPENERS = frozenset("（(【〔")
_CLOSERS = frozenset("）)】〕")
_TAIL_CHARS = 32
_ASIDE_MAX_CHARS = 200
_CLAUSE_PUNCT = re.compile(r"[，、；,;]")
_COLON = re.compile(r"[：:]")
_DANGLING = frozenset("的和与及或并在对把被从向为将而但且就也都还让使给于之其该这那")
_WHITESPACE = re.compile(r"\s+")
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
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
    return bool(_SENTENCE_END.search(text[-_TAIL_CHARS:]) or _is_one_aside(text))


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
    The caller also checks that the previous paragraph ended a sentence.
    """
    if not text or len(text) > SUBHEADING_MAX_CHARS or ends_sentence(text):
        return False
    if _CLAUSE_PUNCT.search(text) or text[-1] in _DANGLING:
        return False
    return not _COLON.search(text[:-1])


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
    last, first = head[-1], tail[0]
    if first in _ASCII_ALNUM and (
        (last in _ASCII_ALNUM and not (last.isdigit() and first.isdigit())) or last in _ASCII_PUNCT
    ):
        return f"{head} {tail}"
    return head + tail
