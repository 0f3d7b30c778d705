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
    columns[:3, 2:5] = np.eye(3)[:size]  # first, second, third
    columns[:, 5] = np.log1p(position)
    columns[:, 6] = position / max(size - 1, 1)
    paragraph = np.asarray(graph.paragraphs)
    columns[1:, 7] = paragraph[1:] != paragraph[:-1]
    columns[0, 7] = 1.0
    words = _Occurrences.of(terms.ids, terms.sentence, size, len(terms.vocabulary))
    columns[:, 8] = words.cosine_to_total()
    vertices = max(int(np.count_nonzero(graph.keyword_scores)), 1)
    columns[:, 9] = words.distinct_sum(graph.keyword_scores) * vertices
    chars = np.fromiter(map(len, graph.texts), dtype=np.float64, count=size)
    columns[:, 10] = np.log(np.maximum(chars, 1.0))
    columns[:, 11] = np.count_nonzero(graph.similarity, axis=1) / max(size - 1, 1)
    columns[:, 12] = is_question
    codes = _CodePoints.of(graph.texts)
    per_class = codes.per_row(size)
    columns[:, 13] = per_class[:, _QUOTE:].sum(axis=1) > 0
    letters, digits = per_class[:, _LETTER::2].sum(axis=1), per_class[:, _LETTER | _DIGIT]
    columns[:, 14] = np.divide(digits, letters, out=np.zeros(size), where=letters > 0)
    bigrams = _bigrams(codes, size)
    columns[:, 15] = bigrams.cosine_to_total()
    columns[:, 16:18] = _top_bigram_match(bigrams).T
    if len(terms.ids):
        columns[:, 18] = words.occurrence_sum(np.log(words.totals())) / np.maximum(
            words.lengths(), 1
        )
    columns[:, 19] = graph.similarity[:, 0]
    columns[:, 20] = columns[:, 2] * columns[:, 10]
    columns[:, 21] = chars / 100.0
    columns[:, 22] = columns[:, 10] ** 2
    columns[:, 23] = columns[:, 2] * columns[:, 15]
    return columns


DENSE_CELLS = 1 << 14
"""Up to this many rows x items, occurrences are counted in a dense matrix (128 KiB at most;
measured: past about this size, the passes over a mostly empty matrix cost more than the
sparse layout's sorting)."""


@dataclass(frozen=True, slots=True)
class _Occurrences:
    """Occurrences of items (terms or bigrams) in rows (sentences), counted once and shared
    by the features that need them.

    Why two layouts: a typical article is 20 sentences by 300 words, where a dense count
    matrix makes each feature one array operation (numpy's per-call overhead, not arithmetic,
    is what such small arrays cost); a long article's matrix would be large and mostly zeros,
    so past :data:`DENSE_CELLS` the distinct (row, item) pairs are kept instead. Both give
    the same numbers (``tests/summarizer/test_features.py``).
    """

    ids: NDArray[np.intp]
    rows: NDArray[np.intp]
    size: int
    items: int
    counts: Matrix | None  # dense: counts[row, item]; None in the sparse layout
    row: NDArray[np.intp]  # sparse: distinct (row, item) pairs: the row
    word: NDArray[np.intp]  # ... the item
    count: NDArray[np.intp]  # ... how often

    @classmethod
    def of(
        cls,
        ids: NDArray[np.intp],
        rows: NDArray[np.intp],
        size: int,
        items: int,
    ) -> _Occurrences:
        if size * items <= DENSE_CELLS:
            flat = np.bincount(rows * items + ids, minlength=size * items)
            empty = np.zeros(0, dtype=np.intp)
            counts = flat.reshape(size, items).astype(np.float64)
            return cls(ids, rows, size, items, counts, empty, empty, empty)
        items = max(items, 1)
        pairs, count = np.unique(rows * items + ids, return_counts=True)
        row, word = np.divmod(pairs, items)
        return cls(ids, rows, size, items, None, row, word, count)

    def totals(self) -> Vector:
        """Occurrences of each item over all rows."""
        if self.counts is not None:
            return self.counts.sum(axis=0)
        return np.bincount(self.ids, minlength=self.items).astype(np.float64)

    def lengths(self) -> Vector:
        """Occurrences in each row, repeats counted."""
        if self.counts is not None:
            return self.counts.sum(axis=1)
        return np.bincount(self.rows, minlength=self.size).astype(np.float64)

    def occurrence_sum(self, per_item: Vector) -> Vector:
        """Per row, ``per_item`` summed over its occurrences (repeats counted)."""
        if self.counts is not None:
            return np.einsum("ij,j->i", self.counts, per_item)  # no BLAS threads
        sums = np.bincount(self.rows, weights=per_item[self.ids], minlength=self.size)
        return sums.astype(np.float64, copy=False)

    def distinct_sum(self, per_item: Vector) -> Vector:
        """Per row, ``per_item`` summed over its distinct items."""
        if self.counts is not None:
            return np.einsum("ij,j->i", self.counts > 0, per_item)
        sums = np.bincount(self.row, weights=per_item[self.word], minlength=self.size)
        return sums.astype(np.float64, copy=False)

    def spread(self) -> NDArray[np.intp]:
        """In how many rows each item occurs."""
        if self.counts is not None:
            return np.count_nonzero(self.counts, axis=0)
        return np.bincount(self.word, minlength=self.items)

    def distinct(self) -> Vector:
        """Distinct items of each row."""
        if self.counts is not None:
            return np.count_nonzero(self.counts, axis=1).astype(np.float64)
        return np.bincount(self.row, minlength=self.size).astype(np.float64)

    def cosine_to_total(self) -> Vector:
        """Cosine between each row's item counts and the counts over all rows."""
        if len(self.ids) == 0:
            return np.zeros(self.size)
        document = self.totals()
        dot = self.occurrence_sum(document)
        if self.counts is not None:
            squares = np.einsum("ij,ij->i", self.counts, self.counts)
        else:
            squares = np.bincount(self.row, weights=self.count**2.0, minlength=self.size)
        denominator = np.sqrt(squares) * np.sqrt(float(document @ document))
        return np.divide(dot, denominator, out=np.zeros(self.size), where=denominator > 0)


def _code_classes() -> NDArray[np.uint8]:
    """Class bits of every BMP code point (:data:`_LETTER`, :data:`_DIGIT`, :data:`_QUOTE`):
    a 64 KiB table built once, so classifying an article's characters is one lookup."""
    codes = np.arange(0x10000, dtype=np.int64)
    folded = np.where((codes >= 0xFF10) & (codes <= 0xFF5A), codes - 0xFEE0, codes)
    digit = (folded >= 0x30) & (folded <= 0x39)
    letter = (
        ((codes >= 0x3400) & (codes <= 0x9FFF))
        | digit
        | ((folded >= 0x41) & (folded <= 0x5A))
        | ((folded >= 0x61) & (folded <= 0x7A))
    )
    quote = np.isin(codes, [ord(ch) for ch in _QUOTE_CHARS])
    table = letter * _LETTER | digit * _DIGIT | quote * _QUOTE
    return table.astype(np.uint8)


_LETTER, _DIGIT, _QUOTE = 1, 2, 4
_QUOTE_CHARS = '“”「」"'
_CLASSES = _code_classes()


@dataclass(frozen=True, slots=True)
class _CodePoints:
    """The candidates' code points, joined with NUL between them, and what each one is.

    Numpy on code points rather than ``str`` methods per character: a few array operations
    per article instead of a Python call per character (which cost more than all of TextRank).
    """

    codes: NDArray[np.int64]
    row: NDArray[np.intp]  # the candidate each code point belongs to (NULs: the next one)
    classes: NDArray[np.uint8]  # bits: _LETTER (CJK ideographs, ASCII and full-width letters
    # and digits), _DIGIT (ASCII and full-width digits), _QUOTE (quotation marks)

    @classmethod
    def of(cls, texts: Sequence[str]) -> _CodePoints:
        """The code points of ``texts``; a lone surrogate is one code point of no class.

        Text holding NUL itself is numbered by the texts' lengths, not by counting NULs
        (as :func:`summarizer.tokens._token_starts` does).
        """
        joined = "\x00".join(texts)
        encoded = joined.encode("utf-32-le", "surrogatepass")
        codes = np.frombuffer(encoded, dtype=np.uint32).astype(np.int64)
        classes = _CLASSES[np.minimum(codes, 0xFFFF)]  # U+FFFF and beyond: no class
        if joined.count("\x00") == len(texts) - 1 or not texts:  # NUL only between texts
            return cls(codes, np.cumsum(codes == 0), classes)
        lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
        lengths[1:] += 1  # the NUL before a text belongs to it
        return cls(codes, np.repeat(np.arange(len(texts)), lengths), classes)

    def per_row(self, size: int) -> Matrix:
        """``counts[row, bits]``: how many code points of each row have each set of class bits
        (8 columns: every combination of :data:`_LETTER`, :data:`_DIGIT`, :data:`_QUOTE`)."""
        flat = np.bincount(self.row * 8 + self.classes, minlength=size * 8)
        return flat[: size * 8].reshape(size, 8).astype(np.float64)


def _bigrams(points: _CodePoints, size: int) -> _Occurrences:
    """Character bigrams of each text (letters and digits only, the unit Chinese ROUGE
    counts; blind to where the segmenter cut names apart)."""
    kept = np.flatnonzero(points.classes & _LETTER)
    first, second = kept[:-1], kept[1:]
    same = points.row[first] == points.row[second]
    first = first[same]
    codes = points.codes[first] * (1 << 21) + points.codes[second[same]]
    vocabulary, ids = np.unique(codes, return_inverse=True)
    return _Occurrences.of(ids.astype(np.intp), points.row[first], size, len(vocabulary))


def _top_bigram_match(bigrams: _Occurrences) -> Matrix:
    """F1 and precision of each text's distinct bigrams against the article's
    :data:`TOP_BIGRAMS` bigrams found in the most texts: a headline-sized pseudo-reference."""
    size, words = bigrams.size, bigrams.items
    if len(bigrams.ids) == 0:
        return np.zeros((2, size))
    top = _top_items(bigrams.spread(), TOP_BIGRAMS)
    hits = bigrams.distinct_sum(top)
    distinct = bigrams.distinct()
    precision = np.divide(hits, distinct, out=np.zeros(size), where=distinct > 0)
    recall = hits / min(TOP_BIGRAMS, words)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(size), where=total > 0)
    return np.vstack([f1, precision])


def _top_items(values: NDArray[np.intp], count: int) -> Vector:
    """1.0 at the ``count`` items of largest value (ties: the lower index first), else 0.0.

    The same set as the first ``count`` of a stable descending sort, from one partial
    partition: a sort of every bigram cost more than the rest of the feature.
    """
    if len(values) <= count:
        return np.ones(len(values))
    threshold = np.partition(values, len(values) - count)[len(values) - count]
    top = (values > threshold).astype(np.float64)
    missing = count - int(np.count_nonzero(top))
    top[np.flatnonzero(values == threshold)[:missing]] = 1.0
    return top
