"""The sentence of a search hit that matched, with the found words in bold.

Pure text work on what the store returns: the index says *which* articles match; this finds
*where*, the way a reader would (NFKC and case-insensitive, spaces inside a Chinese phrase
ignored), so a hit shows why it was found instead of its first summary sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bot.render.text import ELLIPSIS, escape, utf16_len
from summarizer.sentences import split_sentences

__all__ = ["highlight", "matching_sentence"]

_HAN_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def _normalized(text: str) -> tuple[str, list[int]]:
    """``text`` NFKC-casefolded, and for each of its characters the index it came from."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).casefold()
        chars.append(folded)
        origin.extend([index] * len(folded))
    return "".join(chars), origin


def _needles(words: Sequence[str]) -> list[str]:
    """What to look for: each word (a Chinese phrase without its spaces) and its parts."""
    found: list[str] = []
    for word in words:
        for needle in (_HAN_SPACE.sub("", word), *word.split()):
            folded = unicodedata.normalize("NFKC", needle).casefold()
            if folded and folded not in found:
                found.append(folded)
    return sorted(found, key=len, reverse=True)


def _spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of ``text`` where the words occur, merged, in order."""
    folded, origin = _normalized(text)
    spans: list[tuple[int, int]] = []
    for needle in _needles(words):
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle)
            spans.append((origin[start], origin[end - 1] + 1))
            start = folded.find(needle, end)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def matching_sentence(paragraphs: Sequence[str], words: Sequence[str]) -> str | None:
    """The first sentence with the most of ``words`` in it; None when none has any."""
    best: tuple[int, str] | None = None
    for paragraph in paragraphs:
        for sentence in split_sentences(paragraph, min_chars=1):
            hits = sum(1 for word in words if _spans(sentence, [word]))
            if hits and (best is None or hits > best[0]):
                best = (hits, sentence)
                if hits == len(words):
                    return sentence
    return best[1] if best else None


def highlight(text: str, words: Sequence[str], max_units: int) -> str:
    """``text`` as Telegram HTML, the words in ``<b>``, cut to ``max_units`` visible UTF-16
    units around the first match (with "…" where it was cut)."""
    spans = _spans(text, words)
    start, end = 0, len(text)
    if utf16_len(text) > max_units:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - max_units // 4, len(text) - max_units))
        end = start
        budget = max_units - (utf16_len(ELLIPSIS) if start > 0 else 0) - utf16_len(ELLIPSIS)
        while end < len(text) and utf16_len(text[start : end + 1]) <= budget:
            end += 1
    pieces = [ELLIPSIS] if start > 0 else []
    cursor = start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start >= span_end:
            continue
        pieces.append(escape(text[cursor:span_start]))
        pieces.append(f"<b>{escape(text[span_start:span_end])}</b>")
        cursor = span_end
    pieces.append(escape(text[cursor:end]))
    if end < len(text):
        pieces.append(ELLIPSIS)
    return "".join(pieces)
