"""The sentence of a search hit that matched, with the found words in bold.

Pure text work on what the store returns: the index says *which* articles match; this finds
*where*, the way a reader would (NFKC and case-insensitive, spaces inside a Chinese phrase
ignored), so a hit shows why it was found instead of its first summary sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

from bot.render.text import ELLIPSIS, escape, utf16_len
from bot.storage.fulltext.terms import HAN_CLASS
from summarizer.sentences import split_sentences

__all__ = ["highlight", "matching_sentence"]

_HAN_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_HAN = re.compile(f"[{HAN_CLASS}]")
_FOLD_CACHE_LIMIT = 1 << 16


class _FoldTable(dict[int, str]):
    """Each character's NFKC-casefolded form, for ``str.translate``: filled as characters
    are met (a Chinese article has a few hundred distinct ones), so folding runs in C instead
    of a Python step per character. ``uneven`` collects the characters that fold to other
    than one character (ﬁ → fi): text holding none keeps its offsets."""

    def __init__(self) -> None:
        super().__init__()
        self.uneven: set[str] = set()

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char).casefold()
        if len(folded) != 1:
            self.uneven.add(char)
        if len(self) < _FOLD_CACHE_LIMIT:
            self[code] = folded
        return folded


_FOLD = _FoldTable()


def _normalized(text: str) -> tuple[str, Sequence[int]]:
    """``text`` NFKC-casefolded character by character, and for each of its characters the
    index it came from."""
    folded = text.translate(_FOLD)
    if _FOLD.uneven.isdisjoint(text):
        return folded, range(len(text))
    origin: list[int] = []
    for index, char in enumerate(text):
        origin.extend([index] * len(_FOLD[ord(char)]))
    return folded, origin


def _needles(words: Sequence[str]) -> list[str]:
    """What to look for: each word (a Chinese phrase without its spaces) and its parts."""
    found: list[str] = []
    for word in words:
        for needle in (_HAN_SPACE.sub("", word), *word.split()):
            folded = unicodedata.normalize("NFKC", needle).casefold()
            if folded and folded not in found:
                found.append(folded)
    return sorted(found, key=len, reverse=True)


def _word_char(char: str) -> bool:
    """A letter or digit of a script the index keeps in whole words (not Han or kana)."""
    return char.isalnum() and _HAN.match(char) is None


def _finds(folded: str, needle: str) -> Iterator[int]:
    """Where ``needle`` occurs in ``folded``, as the index finds it: Chinese anywhere (it is
    cut into bigrams), a Latin word or number only whole (its edges not inside a longer
    run of letters and digits), so "apple" is found in "Apple's" but not in "pineapple"."""
    whole_start, whole_end = _word_char(needle[0]), _word_char(needle[-1])
    start = folded.find(needle)
    while start >= 0:
        end = start + len(needle)
        if not (whole_start and start > 0 and _word_char(folded[start - 1])) and not (
            whole_end and end < len(folded) and _word_char(folded[end])
        ):
            yield start
        start = folded.find(needle, start + 1)


def _spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of ``text`` where the words occur, merged, in order."""
    folded, origin = _normalized(text)
    spans: list[tuple[int, int]] = []
    for needle in _needles(words):
        for start in _finds(folded, needle):
            end = start + len(needle)
            spans.append((origin[start], origin[end - 1] + 1))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def matching_sentence(paragraphs: Sequence[str], words: Sequence[str]) -> str | None:
    """The first sentence with the most of ``words`` in it; None when none has any."""
    wanted = [_needles([word]) for word in words]
    everything = [needle for needles in wanted for needle in needles]
    best: tuple[int, str] | None = None
    for paragraph in paragraphs:
        folded = _normalized(paragraph)[0]
        if not any(needle in folded for needle in everything):
            continue  # its sentences are substrings of it, folded alike: none has a word
        for sentence in split_sentences(paragraph, min_chars=1):
            folded = _normalized(sentence)[0]
            hits = sum(
                1 for needles in wanted if any(next(_finds(folded, n), -1) >= 0 for n in needles)
            )
            if hits and (best is None or hits > best[0]):
                best = (hits, sentence)
                if hits == len(words):
                    return sentence
    return best[1] if best else None


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _fitting_from(text: str, start: int, budget: int) -> int:
    """The end of the longest run of ``text`` from ``start`` within ``budget`` UTF-16 units."""
    end = start
    while end < len(text) and _units(text[end]) <= budget:
        budget -= _units(text[end])
        end += 1
    return end


def _fitting_from_end(text: str, budget: int) -> int:
    """The start of the longest run ending at the end of ``text`` within ``budget`` units."""
    start = len(text)
    while start > 0 and _units(text[start - 1]) <= budget:
        budget -= _units(text[start - 1])
        start -= 1
    return start


def highlight(text: str, words: Sequence[str], max_units: int) -> str:
    """``text`` as Telegram HTML, the words in ``<b>``, cut to ``max_units`` visible UTF-16
    units around the first match (with "…" where it was cut)."""
    spans = _spans(text, words)
    start, end = 0, len(text)
    if utf16_len(text) > max_units:
        first = spans[0][0] if spans else 0
        mark = utf16_len(ELLIPSIS)
        # The window starts a quarter before the first match, but no later than where one
        # ending at the text's end (after a leading "…") would: a match in the last few
        # characters stays whole (counted in UTF-16 units, as the window is filled).
        start = max(0, min(first - max_units // 4, _fitting_from_end(text, max_units - mark)))
        end = _fitting_from(text, start, max_units - (mark if start > 0 else 0))
        if end < len(text):  # cut at the end too: room for its "…"
            end = _fitting_from(text, start, max_units - (mark if start > 0 else 0) - mark)
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
