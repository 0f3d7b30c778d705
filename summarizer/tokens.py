"""Word segmentation and the term filter that TextRank's graphs are built from.

Segmentation itself sits behind :mod:`summarizer.segment` (rjieba when it imports, jieba as
the reference and fallback); this module turns tokens into terms, whichever backend cut them.

Why plain ``cut`` and a stopword list rather than ``jieba.posseg`` and a part-of-speech
filter (textrank4zh's way): ``jieba.posseg`` costs about 6.5x ``jieba.lcut`` on the same text
(``python -m bench`` measures it) and buys little for sentence similarity, where all that
matters is that function words and punctuation do not count as shared content.

A segmenter loads its dictionary when it is built (jieba: about a second; rjieba: 0.2 s).
:func:`ensure_loaded` builds the default one, under a lock, so that callers can warm up at
start and threads do not race; every call that segments does it first, so warming up is an
optimisation, not a duty.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from summarizer.segment import BackendName, Segmenter, make_segmenter

STOPWORD_SECTIONS = ("function", "register")
"""Sections of ``data/stopwords.txt``: grammatical function words, and the news register's
filler (reporting verbs, light verbs such as 进行/开展, time words, boilerplate adverbs)."""


def ensure_loaded(backend: BackendName = "auto") -> None:
    """Build the segmenter now, dictionary and all (once per process; thread-safe)."""
    make_segmenter(backend)


def load_stopwords(
    path: str | Path | None = None, *, sections: Iterable[str] = STOPWORD_SECTIONS
) -> frozenset[str]:
    """Read a stopword file: one word a line, ``#`` comments, ``#: name`` starts a section.

    Without ``path`` the packaged list is read. Words before the first section header belong
    to every selection. Words are normalised like terms (NFKC, lower case).
    """
    if path is None:
        text = resources.files("summarizer").joinpath("data/stopwords.txt").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    wanted = set(sections)
    words: set[str] = set()
    current: str | None = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#:"):
            current = line[2:].strip()
            continue
        if not line or line.startswith("#"):
            continue
        if current is None or current in wanted:
            words.add(normalize(line))
    return frozenset(words)


def normalize(word: str) -> str:
    """The identity of a term: NFKC (full-width digits and letters to ASCII) and lower case."""
    return unicodedata.normalize("NFKC", word).lower()


def is_symbolic(word: str) -> bool:
    """True for tokens made only of punctuation, symbols and whitespace."""
    return all(ch.isspace() or unicodedata.category(ch)[0] in "PSZC" for ch in word)


def is_numeric(word: str) -> bool:
    """True for numbers such as ``2024``, ``9918.5``, ``50%``: never content for TextRank."""
    return not any(ch.isalpha() for ch in word) and any(ch.isdigit() for ch in word)


_TERM_CACHE_LIMIT = 200_000
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


_QUANTITY = re.compile(
    r"[零〇一二两三四五六七八九十百千万亿几多每半数]+"
    r"(?:[个名位次件项种条家批台套元吨人户岁年月日天期级倍成份处所座辆只张场支轮届]"
    r"|平方米|平方公里|公里|千米|米|公顷|亩|万元|亿元)"
)


def is_quantity(word: str) -> bool:
    """True for numeral + measure-word compounds (万名, 两个, 每平方米): amounts, not topics.

    jieba cuts ``9918.5万名`` into ``9918.5`` + ``万名``; the number is dropped as numeric,
    and this drops the rest from keywords. ``十五五`` or ``三农`` are not caught.
    """
    return _QUANTITY.fullmatch(word) is not None


@dataclass(frozen=True, slots=True)
class Tokenizer:
    """Segmentation plus the stopword filter; immutable, so one instance serves all threads.

    ``backend`` names the segmenter (:mod:`summarizer.segment`; ``"auto"``: rjieba, else
    jieba) and ``user_dict`` an optional jieba-format dictionary that every backend honours.
    ``hmm`` is jieba's HMM for words missing from its dictionary (names, new terms); it costs
    little and keeps names such as 徐留平 in one piece, which matters for keywords.
    The token -> term memo is an optimisation only (normalising and filtering each token
    costs a quarter of segmentation); concurrent writers at worst compute a token twice.
    """

    stopwords: frozenset[str]
    hmm: bool = True
    backend: BackendName = "auto"
    user_dict: Path | None = None
    _memo: dict[str, str | None] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @property
    def segmenter(self) -> Segmenter:
        """The segmenter this tokenizer cuts with (built on first use, shared per process)."""
        return make_segmenter(self.backend, user_dict=self.user_dict)

    def cut(self, text: str) -> list[str]:
        """The segmenter's tokens; they concatenate back to ``text`` exactly."""
        return self.segmenter.cut(text, hmm=self.hmm)

    def is_term(self, word: str) -> bool:
        """Whether a normalised token counts as content: not punctuation, number or stopword."""
        return (
            bool(word)
            and word not in self.stopwords
            and not is_symbolic(word)
            and not is_numeric(word)
        )

    def term(self, token: str) -> str | None:
        """The normalised term a raw token stands for, or ``None`` if it is not content."""
        try:
            return self._memo[token]
        except KeyError:
            pass
        word = normalize(token.strip())
        result = word if self.is_term(word) else None
        if len(self._memo) < _TERM_CACHE_LIMIT:
            self._memo[token] = result
        return result

    def terms(self, text: str) -> list[str]:
        """The normalised content terms of ``text``, in order, duplicates kept."""
        tokens = self.cut(text.translate(_HALF_WIDTH))
        return [term for term in map(self.term, tokens) if term is not None]

    def terms_by_span(self, text: str, spans: Sequence[tuple[int, int]]) -> list[list[str]]:
        """Segment ``text`` once and hand each ``(start, end)`` span the terms that start in it.

        Spans must be sorted and disjoint. One ``lcut`` over a whole article instead of one per
        sentence gives the same tokens (jieba cuts at punctuation anyway) for one call's overhead.
        Full-width ASCII is made half-width first (one character for one, so offsets hold):
        jieba would otherwise cut ``ＡＰＰ`` letter by letter.
        """
        result: list[list[str]] = [[] for _ in spans]
        if not spans:
            return result
        memo, term_of = self._memo, self.term
        index, (start, end) = 0, spans[0]
        last = len(spans) - 1
        offset = 0
        for token in self.cut(text.translate(_HALF_WIDTH)):
            begin = offset
            offset += len(token)
            term = memo[token] if token in memo else term_of(token)
            if term is None:
                continue
            while begin >= end and index < last:  # tokens come in order: walk the spans along
                index += 1
                start, end = spans[index]
            if start <= begin < end:
                result[index].append(term)
        return result


@cache
def default_tokenizer() -> Tokenizer:
    """The tokenizer with the packaged stopword list (built once per process)."""
    return Tokenizer(stopwords=load_stopwords())
