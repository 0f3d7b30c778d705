"""Chinese sentence splitting for news prose.

A summary is made of whole sentences copied verbatim, so the splitter returns substrings of
the paragraph and never rewrites a character. The rules are the ones a Chinese reader expects
and that a naive ``re.split("[。！？]")`` (what textrank4zh does) gets wrong:

* ``。！？!?`` end a sentence, together with whatever closes right after them: further
  terminators (``？！``) and closing quotes or brackets (``”’）」』》``), so ``…落地开花。”``
  is one sentence and the next one does not start with a stray ``”``.
* Nothing inside a matched ``《…》`` or ``（…）`` / ``(…)`` is a boundary: titles such as
  ``《你好！中国》`` and asides stay whole. Inside quotes we do split; reported speech in news
  often runs to several sentences, and keeping it whole would produce paragraph-sized "sentences".
* The ASCII ``.`` (``9918.5``, ``U.S.``), ``；`` and ``……`` are not boundaries: in Chinese news
  they are decimals, clause separators and elided lists far more often than sentence ends.
* A line break is a hard boundary (a paragraph should hold none, but the input is not ours).
* A fragment with fewer than :data:`MIN_SENTENCE_CHARS` letters or digits is merged into a
  neighbour: the previous sentence (``…。”他说。``), or the next one when it opens the paragraph.
* A run-on "sentence" longer than ``max_chars`` (:data:`MAX_SENTENCE_CHARS`; a list, a table
  flattened into prose, or no punctuation at all) is cut after clause punctuation (``，；、：``)
  into pieces within the limit. A piece that still runs over (no clause mark in reach) stays
  whole; the summarizer never chooses it. Splitting is linear in the paragraph's length.
"""

from __future__ import annotations

import re
from functools import lru_cache

MIN_SENTENCE_CHARS = 6
"""Fragments with fewer letters/digits than this are merged into a neighbour."""
MAX_SENTENCE_CHARS = 500
"""Longer "sentences" are cut at clause punctuation (``[limits] sentence_chars``)."""

TERMINATORS = frozenset("。！？!?")
CLOSERS = frozenset("”’）」』》)】〕〗〉\"'")
_PROTECTED_PAIRS = {"《": "》", "（": "）", "(": ")"}
_OPENER_OF = {closer: opener for opener, closer in _PROTECTED_PAIRS.items()}
_HARD_BREAKS = "\n\r\u2028\u2029"

# A boundary: a hard break, or a terminator with the terminators and closers that follow it.
_BOUNDARY = re.compile(
    f"[{_HARD_BREAKS}]|[{re.escape(''.join(sorted(TERMINATORS)))}]"
    f"[{re.escape(''.join(sorted(TERMINATORS | CLOSERS)))}]*"
)
_BRACKETS = re.compile(
    f"[{re.escape(''.join(_PROTECTED_PAIRS) + ''.join(_PROTECTED_PAIRS.values()))}]"
)
_CLAUSE = re.compile(r"[，；、：,;:]")
_SPACE = re.compile(r"\s")  # what str.isspace() is true for


def split_sentences(
    paragraph: str, *, min_chars: int = MIN_SENTENCE_CHARS, max_chars: int = MAX_SENTENCE_CHARS
) -> list[str]:
    """Split ``paragraph`` into sentences, each a verbatim substring of it, in order.

    Concatenated, the sentences give the paragraph minus the whitespace between them (leading
    and trailing whitespace of each sentence is not part of it). A paragraph that is all
    whitespace gives ``[]``; one shorter than ``min_chars`` gives itself.
    """
    spans = sentence_spans(paragraph, min_chars=min_chars, max_chars=max_chars)
    return [paragraph[start:end] for start, end in spans]


def sentence_spans(
    paragraph: str, *, min_chars: int = MIN_SENTENCE_CHARS, max_chars: int = MAX_SENTENCE_CHARS
) -> list[tuple[int, int]]:
    """Like :func:`split_sentences` but return ``(start, end)`` offsets into ``paragraph``."""
    raw = _raw_spans(paragraph)
    if _SPACE.search(paragraph):  # most Chinese paragraphs hold none: nothing to strip
        raw = [_strip_span(paragraph, s, e) for s, e in raw]
    spans = _merge_short(paragraph, [span for span in raw if span[0] < span[1]], min_chars)
    if all(end - start <= max_chars for start, end in spans):
        return spans
    cut = [_strip_span(paragraph, s, e) for s, e in _cut_run_ons(paragraph, spans, max_chars)]
    return _merge_short(paragraph, [span for span in cut if span[0] < span[1]], min_chars)


def content_length(text: str) -> int:
    """Number of letters and digits (CJK ideographs count as letters) in ``text``."""
    return sum(1 for ch in text if ch.isalnum())


def has_content(text: str, minimum: int) -> bool:
    """Whether ``text`` holds at least ``minimum`` letters or digits (stops counting there)."""
    if minimum <= 0:
        return True
    if len(text) < minimum:
        return False
    return _at_least(minimum).match(text) is not None


@lru_cache(maxsize=16)
def _at_least(count: int) -> re.Pattern[str]:
    """Matches a text's start up to its ``count``-th letter or digit (one regex call, where
    counting matches one by one cost a Python step per character)."""
    return re.compile(rf"(?:[\W_]*[^\W_]){{{count}}}")


def _protected(paragraph: str) -> list[tuple[int, int]]:
    """``(open, close)`` index pairs of matched ``《》`` / ``（）`` / ``()`` brackets.

    Unmatched openers protect nothing: a stray ``《`` must not swallow the rest of the paragraph.
    """
    pairs: list[tuple[int, int]] = []
    stacks: dict[str, list[int]] = {opener: [] for opener in _PROTECTED_PAIRS}
    for match in _BRACKETS.finditer(paragraph):
        ch, index = match.group(), match.start()
        if ch in stacks:
            stacks[ch].append(index)
        elif stacks[_OPENER_OF[ch]]:
            pairs.append((stacks[_OPENER_OF[ch]].pop(), index))
    return pairs


def _raw_spans(paragraph: str) -> list[tuple[int, int]]:
    """Cut at every boundary, before merging short fragments.

    A terminator at ``index`` is protected when ``opened < index < closed`` for some matched
    pair. Boundaries come in order, so one sweep keeps the depth: the number of openers
    before ``index`` minus the closers at or before it (a pair counts 1 exactly when it
    encloses ``index``). Linear, where testing every pair at every boundary was quadratic.
    """
    protected = _protected(paragraph)
    spans: list[tuple[int, int]] = []
    start = 0
    if not protected:  # the common case: every boundary counts
        for match in _BOUNDARY.finditer(paragraph):
            index = match.start()
            spans.append((start, index if paragraph[index] in _HARD_BREAKS else match.end()))
            start = match.end()
        spans.append((start, len(paragraph)))
        return spans
    opens = sorted(opened for opened, _ in protected)
    closes = sorted(closed for _, closed in protected)
    next_open = next_close = depth = 0
    for match in _BOUNDARY.finditer(paragraph):
        index = match.start()
        if paragraph[index] in _HARD_BREAKS:
            spans.append((start, index))
            start = match.end()
            continue
        while next_open < len(opens) and opens[next_open] < index:
            depth += 1
            next_open += 1
        while next_close < len(closes) and closes[next_close] <= index:
            depth -= 1
            next_close += 1
        if depth == 0:
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(paragraph)))
    return spans


def _cut_run_ons(
    paragraph: str, spans: list[tuple[int, int]], max_chars: int
) -> list[tuple[int, int]]:
    """Cut each span longer than ``max_chars`` after the farthest clause mark in reach."""
    result: list[tuple[int, int]] = []
    for start, end in spans:
        if end - start <= max_chars:
            result.append((start, end))
            continue
        marks = [match.end() for match in _CLAUSE.finditer(paragraph, start, end)]
        piece, index = start, 0
        while end - piece > max_chars:
            best = None
            while index < len(marks) and marks[index] - piece <= max_chars:
                best, index = marks[index], index + 1
            if best is None and index < len(marks):  # no mark in reach: run over to the next
                best, index = marks[index], index + 1
            if best is None or best >= end:
                break
            result.append((piece, best))
            piece = best
        result.append((piece, end))
    return result


def _strip_span(paragraph: str, start: int, end: int) -> tuple[int, int]:
    while start < end and paragraph[start].isspace():
        start += 1
    while end > start and paragraph[end - 1].isspace():
        end -= 1
    return start, end


def _merge_short(
    paragraph: str, spans: list[tuple[int, int]], min_chars: int
) -> list[tuple[int, int]]:
    """Merge fragments under ``min_chars`` into the previous sentence, or the next at the start."""
    merged: list[tuple[int, int]] = []
    pending: int | None = None  # start of a run of short fragments opening the paragraph
    enough = _at_least(max(min_chars, 1)).match  # has_content, without slicing each span
    for start, end in spans:
        if pending is not None:
            start, pending = pending, None
        if min_chars <= 0 or (end - start >= min_chars and enough(paragraph, start, end)):
            merged.append((start, end))
        elif merged:
            merged[-1] = (merged[-1][0], end)
        else:
            pending = start
    if pending is not None:
        merged.append((pending, spans[-1][1]))
    return merged
