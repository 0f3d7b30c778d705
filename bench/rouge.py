"""Character-level ROUGE-1, ROUGE-2 and ROUGE-L F1, written out so that the unit is explicit.

Why characters: Chinese has no spaces, and word-level ROUGE would score the segmenter as
much as the summary (jieba cuts the headline and the sentence differently). Characters are
the usual unit for Chinese ROUGE (e.g. LCSTS, Hu et al. 2015).

Definition used here:

* the units are the letters and digits of the text (every CJK character is one), after NFKC
  and lower-casing; punctuation, symbols and whitespace are dropped *before* n-grams are
  formed, so a bigram may span a dropped comma;
* ROUGE-N: clipped n-gram overlap ``o``; recall ``o / ref``, precision ``o / cand``;
* ROUGE-L: ``LCS / ref`` and ``LCS / cand``;
* F1 = 2PR / (P + R) (0 when either is 0). Scores are returned in [0, 1].
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RougeScores:
    """F1 of ROUGE-1, ROUGE-2 and ROUGE-L for one candidate against one reference."""

    rouge1: float
    rouge2: float
    rouge_l: float


def units(text: str) -> list[str]:
    """The characters ROUGE counts: letters and digits, NFKC-normalised and lower-cased."""
    return [ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum()]


def _f1(overlap: int, candidate_total: int, reference_total: int) -> float:
    if overlap == 0 or candidate_total == 0 or reference_total == 0:
        return 0.0
    precision = overlap / candidate_total
    recall = overlap / reference_total
    return 2 * precision * recall / (precision + recall)


def rouge_n(candidate: list[str], reference: list[str], n: int) -> float:
    """ROUGE-N F1 over unit sequences."""
    cand = Counter(tuple(candidate[i : i + n]) for i in range(len(candidate) - n + 1))
    ref = Counter(tuple(reference[i : i + n]) for i in range(len(reference) - n + 1))
    overlap = sum((cand & ref).values())
    return _f1(overlap, sum(cand.values()), sum(ref.values()))


def lcs_length(first: list[str], second: list[str]) -> int:
    """Length of the longest common subsequence (O(len*len) time, O(len) memory)."""
    if len(first) < len(second):
        first, second = second, first
    previous = [0] * (len(second) + 1)
    for a in first:
        current = [0]
        for j, b in enumerate(second, start=1):
            current.append(previous[j - 1] + 1 if a == b else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(candidate: list[str], reference: list[str]) -> float:
    """ROUGE-L F1 over unit sequences."""
    return _f1(lcs_length(candidate, reference), len(candidate), len(reference))


def score(candidate: str, reference: str) -> RougeScores:
    """Character-level ROUGE-1/2/L F1 of ``candidate`` against ``reference``."""
    cand, ref = units(candidate), units(reference)
    return RougeScores(rouge_n(cand, ref, 1), rouge_n(cand, ref, 2), rouge_l(cand, ref))
