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
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from itertools import repeat
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from summarizer.segment import BackendName, Segmenter, make_segmenter
from summarizer.terms import SentenceTerms

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
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


def half_width(text: str) -> str:
    """Full-width ASCII (U+FF01..U+FF5E) and the ideographic space made half-width, one
    character for one, so offsets hold.

    Chinese news is full of full-width commas and brackets, and ``str.translate`` looks every
    character up in a dict; doing it on the code points as a numpy array costs a tenth.
    """
    if not _FULL_WIDTH.search(text):
        return text
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    codes[(codes >= 0xFF01) & (codes <= 0xFF5E)] -= 0xFEE0
    codes[codes == 0x3000] = 0x20
    return codes.tobytes().decode("utf-32-le")


_SURROGATE = re.compile("[\ud800-\udfff]")


def segmentable(text: str) -> str:
    """``text`` as the segmenters read it, one character for one so offsets hold: full-width
    ASCII made half-width (:func:`half_width`) and lone surrogates made U+FFFD.

    A ``str`` can hold a lone surrogate (JSON's ``"\\ud800"``, a ``surrogateescape``
    decode) that no UTF encoding takes: rjieba and the code-point arrays would raise
    ``UnicodeEncodeError``. The summary still quotes the paragraphs, surrogate and all.
    """
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return half_width(text)


_QUANTITY = re.compile(
    r"[零〇一二两三四五六七八九十百千万亿几多每半数余]+"
    r"(?:[个名位次件项种条家批台套元吨人户岁年月日天期级倍成份处所座辆只张场支轮届]"
    r"|人次|平方米|平方公里|公里|千米|米|公顷|亩|万元|亿元)"
    r"|[十百千万亿]+余|个?百分点"
)


@lru_cache(maxsize=1 << 16)
def is_quantity(word: str) -> bool:
    """True for numeral + measure-word compounds (万名, 两个, 每平方米): amounts, not topics.

    jieba cuts ``9918.5万名`` into ``9918.5`` + ``万名``; the number is dropped as numeric,
    and this drops the rest from keywords. 余 (more than) and 人次 (person-times) belong to
    amounts too (``5万余人次`` gives ``万余人次``, ``120万余户`` gives ``万余户``), and so does
    a bare ``万余`` or ``百分点``. ``十五五`` or ``三农`` are not caught.
    """
    return _QUANTITY.fullmatch(word) is not None


class _TermTable:
    """Token -> term id memo and the id -> term vocabulary of one tokenizer.

    Id 0 means "not a term"; ids count up from 1 in order of first sight. Reads are
    lock-free (a dict lookup; an id is published only after its term is in the vocabulary);
    new tokens are added under a lock. Both tables stop growing at
    :data:`_TERM_CACHE_LIMIT` entries: past it, new tokens are numbered per call instead
    (:meth:`ids`), so memory stays bounded however long the process runs.
    """

    def __init__(self, is_term: Callable[[str], bool]) -> None:
        self._is_term = is_term
        self._memo: dict[str, int] = {}
        self._id_of: dict[str, int] = {"": 0}
        self.vocabulary: list[str] = [""]
        self._lock = threading.Lock()

    def term(self, token: str) -> str | None:
        """The normalised term ``token`` stands for, or ``None``."""
        known = self._memo.get(token)
        if known is not None:
            return self.vocabulary[known] if known else None
        word = normalize(token.strip())
        return word if self._is_term(word) else None

    def ids(self, tokens: Sequence[str]) -> tuple[NDArray[np.intp], list[str]]:
        """Term id of every token (0: not a term) and the vocabulary to read them with."""
        found = np.fromiter(
            map(self._memo.get, tokens, repeat(-1)), dtype=np.intp, count=len(tokens)
        )
        missing = np.flatnonzero(found < 0)
        if len(missing) == 0:
            return found, self.vocabulary
        extra: dict[str, int] = {}
        with self._lock:
            for position in missing.tolist():
                token = tokens[position]
                known = self._memo.get(token)
                if known is None:
                    term = self.term(token)
                    known = 0 if term is None else self._number(term, extra)
                    if known < len(self.vocabulary) and len(self._memo) < _TERM_CACHE_LIMIT:
                        self._memo[token] = known
                found[position] = known
            vocabulary = self.vocabulary if not extra else [*self.vocabulary, *extra]
        return found, vocabulary

    def _number(self, term: str, extra: dict[str, int]) -> int:
        known = self._id_of.get(term)
        if known is not None:
            return known
        if len(self.vocabulary) < _TERM_CACHE_LIMIT:
            self.vocabulary.append(term)
            self._id_of[term] = len(self.vocabulary) - 1
            return len(self.vocabulary) - 1
        return extra.setdefault(term, _TERM_CACHE_LIMIT + len(extra))


@dataclass(frozen=True, slots=True)
class Tokenizer:
    """Segmentation plus the stopword filter; immutable, so one instance serves all threads.

    ``backend`` names the segmenter (:mod:`summarizer.segment`; ``"auto"``: rjieba, else
    jieba) and ``user_dict`` an optional jieba-format dictionary that every backend honours.
    ``hmm`` is jieba's HMM for words missing from its dictionary (names, new terms); it costs
    little and keeps names such as 徐留平 in one piece, which matters for keywords.
    The token -> term id memo is an optimisation only (normalising and filtering each token
    costs about what rjieba's segmentation does); it is bounded and thread-safe.
    """

    stopwords: frozenset[str]
    hmm: bool = True
    backend: BackendName = "auto"
    user_dict: Path | None = None
    _table: _TermTable = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", _TermTable(self.is_term))

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
        return self._table.term(token)

    def terms(self, text: str) -> list[str]:
        """The normalised content terms of ``text``, in order, duplicates kept."""
        tokens = self.cut(segmentable(text))
        return [term for term in map(self.term, tokens) if term is not None]

    def terms_by_span(self, text: str, spans: Sequence[tuple[int, int]]) -> list[list[str]]:
        """Like :meth:`term_ids_by_span`, as one list of terms per span."""
        return self.term_ids_by_span(text, spans).lists()

    def term_ids_by_span(self, text: str, spans: Sequence[tuple[int, int]]) -> SentenceTerms:
        """Segment ``text`` once and hand each ``(start, end)`` span the terms that start in it.

        Spans must be sorted and disjoint. One ``cut`` over a whole article instead of one per
        sentence gives the same tokens (jieba cuts at punctuation anyway) for one call's overhead.
        Full-width ASCII is made half-width first (one character for one, so offsets hold):
        jieba would otherwise cut ``ＡＰＰ`` letter by letter (:func:`segmentable`).
        """
        count = len(spans)
        if not spans:
            return SentenceTerms.from_lists([])
        tokens = self.cut(segmentable(text))
        numbered, vocabulary = self._table.ids(tokens)
        starts = _token_starts(tokens, text)
        is_term = numbered > 0
        ids, starts = numbered[is_term], starts[is_term]
        bounds = np.asarray(spans, dtype=np.intp)
        row = np.searchsorted(bounds[:, 1], starts, side="right")  # first span ending after
        inside = row < count
        inside[inside] = starts[inside] >= bounds[row[inside], 0]
        return SentenceTerms.compact(vocabulary, ids[inside], row[inside], count)


def _token_starts(tokens: Sequence[str], text: str) -> NDArray[np.intp]:
    """Where each token starts in ``text`` (which they concatenate to).

    Joined with NUL between them, token ``i`` starts ``i`` characters before its place in the
    joined string: one join and one array scan instead of a Python ``len`` per token, which
    cost a quarter of all the segmentation work. Text holding NUL itself is measured per token.
    """
    if "\x00" in text:
        lengths = np.fromiter(map(len, tokens), dtype=np.intp, count=len(tokens))
        return np.cumsum(lengths) - lengths
    joined = np.frombuffer("\x00".join(["", *tokens]).encode("utf-32-le"), dtype=np.uint32)
    return np.flatnonzero(joined == 0) - np.arange(len(tokens), dtype=np.intp)


@cache
def default_tokenizer() -> Tokenizer:
    """The tokenizer with the packaged stopword list (built once per process)."""
    return Tokenizer(stopwords=load_stopwords())
