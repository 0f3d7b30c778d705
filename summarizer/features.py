"""What the learned ranker (:mod:`summarizer.ranker`) knows about each candidate sentence.

Every feature is derived from what TextRank already builds for an article: the sentence
similarity graph and its PageRank (backward and undirected), the keyword co-occurrence graph's
PageRank, the sentences' terms and their place in the article. Nothing is looked up outside
the article, so the ranker needs no model download and no vocabulary of its own.

Why these: unsupervised variants (backward TextRank, centroid similarity, position priors)
each plateau near lead-1 on news, while the right one of the first few sentences is worth far
more (``bench/quality.py``'s oracle row). A small linear weighting of TextRank's own signals
with position, centrality and keyword coverage is how the ranker learns *when* the lead is the
point and when a later sentence states it better. Features are scale-free (TextRank scores
times the number of sentences, shares, logarithms), so articles of any length compare.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from summarizer.terms import SentenceTerms

Vector = NDArray[np.float64]
Matrix = NDArray[np.float64]

FEATURES: tuple[str, ...] = (
    "textrank_backward",
    "textrank_undirected",
    "first",
    "second",
    "third",
    "log_position",
    "relative_position",
    "paragraph_first",
    "centroid",
    "keyword_mass",
    "log_chars",
    "degree",
    "question",
    "quote",
    "digits",
    "bigram_centroid",
    "top_bigram_f1",
    "top_bigram_precision",
    "term_frequency",
    "lead_similarity",
    "first_log_chars",
    "chars",
    "log_chars_squared",
    "first_bigram_centroid",
)
"""Feature names, in the column order of :func:`sentence_features`."""

_QUOTES = np.array([ord(ch) for ch in '“”「」"'])
TOP_BIGRAMS = 20
"""Bigrams in the pseudo-reference of :func:`_top_bigram_match` (a headline's length)."""


@dataclass(frozen=True, slots=True)
class SentenceGraph:
    """TextRank's view of one article's candidates: what the features are computed from.

    ``similarity`` is the symmetric sentence similarity (zero diagonal); ``backward`` and
    ``undirected`` its PageRank scores (each summing to 1); ``keyword_scores`` the keyword
    PageRank score of every term of ``terms.vocabulary`` (0 for non-candidate words).
    """

    texts: tuple[str, ...]
    paragraphs: tuple[int, ...]
    terms: SentenceTerms
    similarity: Matrix
    backward: Vector
    undirected: Vector
    keyword_scores: Vector


def sentence_features(graph: SentenceGraph, is_question: Sequence[bool]) -> Matrix:
    """One row per candidate, one column per name in :data:`FEATURES`."""
    size = len(graph.texts)
    columns = np.zeros((size, len(FEATURES)))
    if size == 0:
        return columns
    position = np.arange(size, dtype=np.float64)
    terms = graph.terms
    columns[:, 0] = graph.backward * size
    columns[:, 1] = graph.undirected * size
    columns[:, 2] = position == 0
    columns[:, 3] = position == 1
    columns[:, 4] = position == 2
    columns[:, 5] = np.log1p(position)
    columns[:, 6] = position / max(size - 1, 1)
    paragraph = np.asarray(graph.paragraphs)
    columns[1:, 7] = paragraph[1:] != paragraph[:-1]
    columns[0, 7] = 1.0
    words = _Occurrences.of(terms.ids, terms.sentence, size, len(terms.vocabulary))
    columns[:, 8] = words.cosine_to_total()
    vertices = max(int(np.count_nonzero(graph.keyword_scores)), 1)
    keyword_weight = graph.keyword_scores[words.word]
    columns[:, 9] = np.bincount(words.row, weights=keyword_weight, minlength=size) * vertices
    chars = np.fromiter(map(len, graph.texts), dtype=np.float64, count=size)
    columns[:, 10] = np.log(np.maximum(chars, 1.0))
    columns[:, 11] = (graph.similarity > 0).sum(axis=1) / max(size - 1, 1)
    columns[:, 12] = np.asarray(is_question, dtype=np.float64)
    codes = _CodePoints.of(graph.texts)
    columns[:, 13] = (
        np.bincount(codes.row, weights=np.isin(codes.codes, _QUOTES), minlength=size) > 0
    )
    letters = np.bincount(codes.row, weights=codes.letter, minlength=size)
    digits = np.bincount(codes.row, weights=codes.digit, minlength=size)
    columns[:, 14] = np.divide(digits, letters, out=np.zeros(size), where=letters > 0)
    bigrams = _bigrams(codes, size)
    columns[:, 15] = bigrams.cosine_to_total()
    columns[:, 16:18] = _top_bigram_match(bigrams).T
    if len(terms.ids):
        document = np.bincount(terms.ids).astype(np.float64)
        log_tf = np.bincount(terms.sentence, weights=np.log(document[terms.ids]), minlength=size)
        columns[:, 18] = log_tf / np.maximum(terms.lengths(), 1)
    columns[:, 19] = graph.similarity[:, 0]
    columns[:, 20] = columns[:, 2] * columns[:, 10]
    columns[:, 21] = chars / 100.0
    columns[:, 22] = columns[:, 10] ** 2
    columns[:, 23] = columns[:, 2] * columns[:, 15]
    return columns


@dataclass(frozen=True, slots=True)
class _Occurrences:
    """Occurrences of items (terms or bigrams) in rows (sentences), and each row's distinct
    items with their counts (one ``np.unique`` shared by the features that need them)."""

    ids: NDArray[np.intp]
    rows: NDArray[np.intp]
    size: int
    items: int
    row: NDArray[np.intp]  # distinct (row, item) pairs: the row
    word: NDArray[np.intp]  # ... the item
    count: NDArray[np.intp]  # ... how often

    @classmethod
    def of(
        cls, ids: NDArray[np.intp], rows: NDArray[np.intp], size: int, items: int
    ) -> _Occurrences:
        items = max(items, 1)
        pairs, count = np.unique(rows * items + ids, return_counts=True)
        row, word = np.divmod(pairs, items)
        return cls(ids, rows, size, items, row, word, count)

    def cosine_to_total(self) -> Vector:
        """Cosine between each row's item counts and the counts over all rows."""
        if len(self.ids) == 0:
            return np.zeros(self.size)
        document = np.bincount(self.ids, minlength=self.items).astype(np.float64)
        dot = np.bincount(self.rows, weights=document[self.ids], minlength=self.size)
        norm = np.sqrt(np.bincount(self.row, weights=self.count**2.0, minlength=self.size))
        denominator = norm * np.sqrt(float(document @ document))
        return np.divide(dot, denominator, out=np.zeros(self.size), where=denominator > 0)


@dataclass(frozen=True, slots=True)
class _CodePoints:
    """The candidates' code points, joined with NUL between them, and what each one is.

    Numpy on code points rather than ``str`` methods per character: a few array operations
    per article instead of a Python call per character (which cost more than all of TextRank).
    """

    codes: NDArray[np.int64]
    row: NDArray[np.intp]  # the candidate each code point belongs to (NULs: the next one)
    letter: NDArray[np.bool_]  # CJK ideographs, ASCII and full-width letters and digits
    digit: NDArray[np.bool_]  # ASCII and full-width digits

    @classmethod
    def of(cls, texts: Sequence[str]) -> _CodePoints:
        joined = "\x00".join(texts)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        folded = np.where((codes >= 0xFF10) & (codes <= 0xFF5A), codes - 0xFEE0, codes)
        digit = (folded >= 0x30) & (folded <= 0x39)
        letter = (
            ((codes >= 0x3400) & (codes <= 0x9FFF))
            | digit
            | ((folded >= 0x41) & (folded <= 0x5A))
            | ((folded >= 0x61) & (folded <= 0x7A))
        )
        return cls(codes, np.cumsum(codes == 0).astype(np.intp), letter, digit)


def _bigrams(points: _CodePoints, size: int) -> _Occurrences:
    """Character bigrams of each text (letters and digits only, the unit Chinese ROUGE
    counts; blind to where the segmenter cut names apart)."""
    kept = np.flatnonzero(points.letter)
    first, second = kept[:-1], kept[1:]
    same = points.row[first] == points.row[second]
    codes = points.codes[first[same]] * (1 << 21) + points.codes[second[same]]
    vocabulary, ids = np.unique(codes, return_inverse=True)
    return _Occurrences.of(ids.astype(np.intp), points.row[first[same]], size, len(vocabulary))


def _top_bigram_match(bigrams: _Occurrences) -> Matrix:
    """F1 and precision of each text's distinct bigrams against the article's
    :data:`TOP_BIGRAMS` bigrams found in the most texts: a headline-sized pseudo-reference."""
    size, words, row, word = bigrams.size, bigrams.items, bigrams.row, bigrams.word
    if len(bigrams.ids) == 0:
        return np.zeros((2, size))
    spread = np.bincount(word, minlength=words)
    top = np.zeros(words, dtype=bool)
    top[np.argsort(-spread, kind="stable")[:TOP_BIGRAMS]] = True
    hits = np.bincount(row, weights=top[word], minlength=size)
    distinct = np.bincount(row, minlength=size).astype(np.float64)
    precision = np.divide(hits, distinct, out=np.zeros(size), where=distinct > 0)
    recall = hits / min(TOP_BIGRAMS, words)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(size), where=total > 0)
    return np.vstack([f1, precision])
