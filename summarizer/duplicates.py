"""Near-duplicate articles: the same story printed by two papers (one Xinhua wire, lightly edited).

Why here: it is a text algorithm on article bodies and knows nothing of Telegram; the combined
digest (``bot.render.combined``) asks it which of a reader's articles of the day repeat one
another, and ``python -m bench dedup`` measures it.

How: each body becomes the set of its character k-grams ("shingles") after normalisation
(NFKC, only letters and digits kept: spacing, punctuation and paragraphing do not count). Two
bodies are the same story when the *overlap coefficient* of their sets,
``|A ∩ B| / min(|A|, |B|)``, reaches :data:`THRESHOLD`. Overlap rather than Jaccard because
papers cut wire stories: a paper that prints the first half of a dispatch shares nearly all its
shingles with the full text but only half of their union. A minimum size keeps a one-line brief
from being "contained" in anything.

Why exact sets and no MinHash/LSH (datasketch): the candidates are one reader's articles of one
day, tens to a few hundred, so comparing every pair exactly costs milliseconds and carries no
estimation error; LSH pays off at millions of documents. Work is bounded: only the first
:data:`MAX_CHARS` characters of a body are read.

Grouping is leader-based, not transitive: an article joins the first earlier *leader* it
repeats, and leaders are only compared with leaders, so A≈B and B≈C never chain A to an
unrelated C — precision matters more than recall (a false merge hides a story).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Sequence

__all__ = [
    "MAX_CHARS",
    "MIN_SHINGLES",
    "SHINGLE",
    "THRESHOLD",
    "find_repeats",
    "fingerprint",
    "overlap",
]

SHINGLE = 5  # characters per shingle: 2-3 Chinese words, rare enough to be telling
THRESHOLD = 0.7  # overlap coefficient from which two bodies are one story (bench/README.md)
MIN_SHINGLES = 40  # below this (~45 characters) a body is too short to judge: never a repeat
MAX_CHARS = 4000  # characters of a body read: bounds time and memory on hostile input
_NOT_ALNUM = re.compile(r"[\W_]+")  # \w is letters, digits (any script) and "_"
SKETCH_RATE = 8  # a pair's sketches (1 shingle in 8) rule out clearly different pairs quickly
SKETCH_MIN = 32
SKETCH_MARGIN = 0.3


def _normalise(text: str) -> str:
    """Letters and digits only, NFKC (full-width digits and Latin become ASCII)."""
    folded = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])
    return _NOT_ALNUM.sub("", folded)[:MAX_CHARS]


def fingerprint(text: str, k: int = SHINGLE) -> frozenset[str]:
    """The set of ``k``-character shingles of ``text`` after normalisation."""
    body = _normalise(text)
    return frozenset(body[i : i + k] for i in range(len(body) - k + 1))


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """``|a ∩ b| / min(|a|, |b|)``; 0.0 when either is below :data:`MIN_SHINGLES`."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if len(small) < MIN_SHINGLES:
        return 0.0
    return len(small & large) / len(small)


def _sketch(shingles: frozenset[str]) -> frozenset[str]:
    """One shingle in :data:`SKETCH_RATE`, chosen by hash: a sample that estimates overlap at
    an eighth of the cost (consistent within a process, which is all a comparison needs)."""
    return frozenset(s for s in shingles if hash(s) % SKETCH_RATE == 0)


def _clearly_apart(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """True when the sketches show the pair far below ``threshold`` (the exact overlap need not
    be computed). Only sketches of :data:`SKETCH_MIN` samples or more are trusted: the margin
    of :data:`SKETCH_MARGIN` is then over three standard deviations of the estimate."""
    small = min(len(a), len(b))
    if small < SKETCH_MIN:
        return False
    return len(a & b) / small < threshold - SKETCH_MARGIN


def find_repeats(
    texts: Sequence[str],
    groups: Sequence[Hashable] | None = None,
    *,
    threshold: float = THRESHOLD,
) -> list[int | None]:
    """For each text, the index of an earlier text it repeats (its leader), or None.

    ``groups`` (e.g. each article's edition) keeps texts of the same group apart: a paper does
    not print one story twice, and its articles continued on another page must stay listed.
    The first text of a story is its leader; see the module docstring for why nothing chains.
    """
    if groups is not None and len(groups) != len(texts):
        raise ValueError("texts and groups differ in length")
    prints = [fingerprint(text) for text in texts]
    sketches = [_sketch(shingles) for shingles in prints]
    leaders: list[int] = []
    repeats: list[int | None] = []
    for index, shingles in enumerate(prints):
        found: int | None = None
        if len(shingles) >= MIN_SHINGLES:
            for leader in leaders:
                if groups is not None and groups[leader] == groups[index]:
                    continue
                if _clearly_apart(sketches[leader], sketches[index], threshold):
                    continue
                if overlap(prints[leader], shingles) >= threshold:
                    found = leader
                    break
        repeats.append(found)
        if found is None:
            leaders.append(index)
    return repeats
