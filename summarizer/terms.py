"""The terms of an article's sentences as integer arrays: what both TextRank graphs are built
from, handed from :mod:`summarizer.tokens` to :mod:`summarizer.textrank`.

Why arrays rather than a list of word lists per sentence: every later step (shared words
between sentences, sentence lengths, the keyword co-occurrence window) is then a handful of
numpy operations on a few hundred integers instead of Python loops over strings, which is most
of what summarizing an article cost once segmentation itself became fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class SentenceTerms:
    """Term occurrences of ``count`` sentences, in document order.

    Occurrence ``k`` is term ``vocabulary[ids[k]]`` in sentence ``sentence[k]``
    (non-decreasing). Terms are numbered in order of first occurrence, and every term of
    ``vocabulary`` occurs. A sentence may hold no term at all.
    """

    vocabulary: tuple[str, ...]
    ids: IntArray
    sentence: IntArray
    count: int

    @classmethod
    def from_lists(cls, sentences: Sequence[Sequence[str]]) -> SentenceTerms:
        """From one list of terms per sentence."""
        index: dict[str, int] = {}
        ids = [index.setdefault(word, len(index)) for words in sentences for word in words]
        lengths = np.fromiter(map(len, sentences), dtype=np.intp, count=len(sentences))
        return cls(
            vocabulary=tuple(index),
            ids=np.asarray(ids, dtype=np.intp),
            sentence=np.repeat(np.arange(len(sentences), dtype=np.intp), lengths),
            count=len(sentences),
        )

    @classmethod
    def compact(
        cls, vocabulary: Sequence[str], ids: IntArray, sentence: IntArray, count: int
    ) -> SentenceTerms:
        """Renumber terms by first occurrence in ``ids``, dropping vocabulary that is unused."""
        if len(ids) == 0:
            return cls((), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), count)
        used, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty(len(used), dtype=np.intp)
        rank[order] = np.arange(len(used), dtype=np.intp)
        words = tuple([vocabulary[word] for word in used[order].tolist()])
        return cls(words, rank[inverse].astype(np.intp), sentence.astype(np.intp), count)

    def lists(self) -> list[list[str]]:
        """One list of terms per sentence (what :meth:`from_lists` takes)."""
        result: list[list[str]] = [[] for _ in range(self.count)]
        for row, word in zip(self.sentence.tolist(), self.ids.tolist(), strict=True):
            result[row].append(self.vocabulary[word])
        return result

    def lengths(self) -> IntArray:
        """Terms per sentence, repeats counted."""
        return np.bincount(self.sentence, minlength=self.count).astype(np.intp)

    def head(self, limit: int) -> SentenceTerms:
        """The first ``limit`` occurrences (sentences after them stay, empty)."""
        if limit >= len(self.ids):
            return self
        return SentenceTerms.compact(
            self.vocabulary, self.ids[:limit], self.sentence[:limit], self.count
        )
