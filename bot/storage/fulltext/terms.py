"""Text → index terms, the same for both backends: Chinese as overlapping character bigrams.

Why bigrams and not jieba words: readers search Chinese by substring (工会 must find 全国总工会,
which jieba keeps as one word), and the index must be rebuilt exactly when an article is
removed (SQLite 3.40's contentless FTS5 deletes by re-sending the terms it indexed), which a
dictionary-driven segmenter cannot promise across versions and backends (jieba and rjieba
disagree on one article in 71). Bigrams need no dictionary: a query word of n ≥ 2 Han
characters is the phrase of its n-1 bigrams, which matches exactly where the word occurs as a
substring inside a run of Han characters. One character is a prefix query (every bigram it
starts) plus the run's last character, which is indexed once per run as a "tail" after all
positional terms, so it never sits between two terms of a phrase.

A phrase never spans a line break (between paragraphs, or inside one) or two tails: a
separator term (:data:`SEPARATOR`, a symbol, so no query word yields it) stands at each line
break and before each tail, so the tails of two runs ending in 中 and 美 never read as the
phrase 中、美.

Everything else is a word: letters and digits (any script but Han and kana) up to the next
symbol or space, lower-cased after NFKC ("５Ｇ" and "5g" are one term). Punctuation, symbols,
``%``, ``_``, quotes and NUL separate terms and are never terms themselves.

Changing what this module produces changes what the index holds: it needs a migration that
rebuilds the index (see migration 0003).
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

__all__ = [
    "HAN_CLASS",
    "MAX_TERM_CHARS",
    "SEPARATOR",
    "document_terms",
    "document_text",
    "is_han",
    "split_terms",
    "word_terms",
]

MAX_TERM_CHARS = 64
"""Longer letter/digit runs are cut (a pasted hash or URL is no word anyone searches for)."""

HAN_CLASS = (
    "\u3040-\u30ff"  # kana (Japanese names in the news read like Han here)
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
"""The characters cut into bigrams, as the inside of a regex class ``[...]``."""
_HAN_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
""":data:`HAN_CLASS` in the Basic Multilingual Plane, as code point ranges (inclusive)."""
_RUNS = re.compile(rf"(?P<han>[{HAN_CLASS}]+)|(?P<word>[^\W_{HAN_CLASS}]+)|(?P<line>\n)")

SEPARATOR = "\u00b6"
"""The term at each line break and before each tail (``¶``): a symbol, never a query's term,
so no phrase matches across it. One token to FTS5's ``ascii`` tokenizer (it splits on ASCII
only); PostgreSQL leaves it out of a vector but keeps its position free (:mod:`.postgres`)."""
_HAN_CHAR = re.compile(rf"[{HAN_CLASS}]")


# NFKC costs ~0.2 ms per 1,000 characters of Chinese and nearly all of it is for a few
# compatibility characters, so those are replaced by their decompositions first (the same
# NFKC result): the commonest by str.replace, the other full-width forms, Roman numerals and
# circled numbers by one regex; most text is then NFKC already and skips it.
_COMMON_COMPATIBLE = tuple(
    (wide, unicodedata.normalize("NFKD", wide)) for wide in "，：；（）！？％\u3000…"
)
_DECOMPOSED = {
    char: unicodedata.normalize("NFKD", char)
    for char in map(chr, (*range(0xFF01, 0xFF5F), *range(0x2160, 0x2180), *range(0x2460, 0x2474)))
    if unicodedata.normalize("NFKD", char) == unicodedata.normalize("NFKC", char) != char
}
_COMPATIBLE = re.compile("[" + "".join(_DECOMPOSED) + "]")


def _decompose(match: re.Match[str]) -> str:
    return _DECOMPOSED[match.group()]


def normalize(text: str) -> str:
    """NFKC and case-folded: the form both documents and queries are cut from."""
    for wide, narrow in _COMMON_COMPATIBLE:
        if wide in text:
            text = text.replace(wide, narrow)
    if not unicodedata.is_normalized("NFKC", text):
        text = _COMPATIBLE.sub(_decompose, text)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def is_han(char: str) -> bool:
    """True for a character that is cut into bigrams (Han or kana)."""
    return bool(_HAN_CHAR.fullmatch(char))


def _cut(text: str, *, lines: bool = True) -> tuple[list[str], list[str]]:
    """Positional terms of normalised ``text`` in order (with :data:`SEPARATOR` at each line
    break, when ``lines``), and the tails of its Han runs."""
    terms: list[str] = []
    tails: list[str] = []
    for match in _RUNS.finditer(text):
        run = match.group()
        if match.lastgroup == "line":
            if lines:
                terms.append(SEPARATOR)
        elif match.lastgroup == "word":
            terms.append(run[:MAX_TERM_CHARS])
        elif len(run) == 1:
            terms.append(run)
        else:
            terms.extend(map(operator.add, run[:-1], run[1:]))  # its bigrams, in C
            tails.append(run[-1])
    return terms, tails


def split_terms(text: str) -> tuple[list[str], list[str]]:
    """Positional terms and tails of one text (:func:`document_terms` of several texts is
    their positional terms, a separator between two texts, then all their tails, each after
    a separator)."""
    return _cut(normalize(text))


def _with_tails(terms: list[str], tails: list[str]) -> list[str]:
    for tail in tails:
        terms += (SEPARATOR, tail)
    return terms


def document_terms(texts: Iterable[str]) -> list[str]:
    """The terms to index for a field made of ``texts`` (a title, or the paragraphs), in order.

    Positional terms of every text first, :data:`SEPARATOR` between two texts (as at a line
    break), then the tails of all their Han runs, each after a separator.
    """
    positional, tails = _cut(normalize("\n".join(texts)))  # "\n" never composes
    return _with_tails(positional, tails)


VECTORISED_FROM = 200
"""Texts this long (characters, all texts of a field together) are cut by the vectorised
:func:`_joined_terms`; shorter ones (titles) are quicker by :func:`document_terms`."""
_SPACE, _LINE, _SEPARATOR = ord(" "), ord("\n"), ord(SEPARATOR)
_HAN, _WORD = 1, 2


@functools.cache
def _classes() -> npt.NDArray[np.uint8]:
    """Each BMP code point's class: :data:`_HAN`, :data:`_WORD` (a letter or digit of another
    script, as the regex ``[^\\W_]`` decides) or 0. Built once, ~10 ms."""
    table = np.array([chr(c).isalnum() for c in range(0x10000)], dtype=np.uint8) * _WORD
    for low, high in _HAN_RANGES:
        table[low : high + 1] = _HAN
    return table


def _joined_terms(text: str) -> str | None:
    """The terms of normalised ``text`` (texts joined by a line break), space-separated, cut with
    array operations instead of one string object per bigram (with normalising, 107 against
    398 us for an article of 2,176 characters). None where :func:`_cut` must decide (a
    character beyond the BMP, a word longer than :data:`MAX_TERM_CHARS`).

    Each character emits what starts at it: a bigram (itself, the next, a space), a
    one-character run (itself, a space), a word's character (itself; a space after the
    word's last), a line break (the separator, a space); then the tails of the Han runs, in
    order, each after a separator."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if not codes.size or int(codes.max()) > 0xFFFF:
        return None
    kind = np.zeros(codes.size + 2, dtype=np.uint8)  # a class-0 character at either end
    kind[1:-1] = _classes()[codes]
    is_han, is_word = kind == _HAN, kind == _WORD
    han, before, after = is_han[1:-1], is_han[:-2], is_han[2:]
    bigram = han & after
    end = han & ~after
    single, tail = end & ~before, end & before
    letter = is_word[1:-1]
    word_end = letter & ~is_word[2:]
    if word_end.any():
        word_start = letter & ~is_word[:-2]
        if (np.flatnonzero(word_end) - np.flatnonzero(word_start) >= MAX_TERM_CHARS).any():
            return None
    line = codes == _LINE
    count = 3 * bigram.astype(np.intp) + 2 * single + letter + word_end + 2 * line
    ends = np.cumsum(count)
    at = ends - count
    tails = np.flatnonzero(tail)
    out = np.full(int(ends[-1]) + 4 * tails.size, _SPACE, dtype=np.uint32)
    first = np.flatnonzero(bigram)
    out[at[first]] = codes[first]
    out[at[first] + 1] = codes[first + 1]
    alone = np.flatnonzero(single | letter)
    out[at[alone]] = codes[alone]
    out[at[line]] = _SEPARATOR
    tail_at = int(ends[-1]) + 4 * np.arange(tails.size)
    out[tail_at] = _SEPARATOR
    out[tail_at + 2] = codes[tails]
    return out[:-1].tobytes().decode("utf-32-le") if out.size else ""


def document_text(texts: Iterable[str]) -> str:
    """``" ".join(document_terms(texts))``, what the index stores for a field, made quickly.

    Texts are joined by a line break and cut in one pass, as :func:`document_terms` cuts
    them."""
    text = normalize("\n".join(texts))  # the same as each text's: "\n" never composes
    if len(text) >= VECTORISED_FROM and (joined := _joined_terms(text)) is not None:
        return joined
    positional, tails = _cut(text)
    return " ".join(_with_tails(positional, tails))


def word_terms(word: str) -> list[str]:
    """The phrase a query word stands for: its positional terms in order (no tails).

    Whitespace between two Han characters is dropped first, so "习近平 新时代" in quotes
    finds 习近平新时代 as printed; between Latin words it separates them ("new york"). A line
    break is a space here: a query never asks for :data:`SEPARATOR`.
    """
    text = normalize(word)
    text = re.sub(rf"(?<=[{HAN_CLASS}])\s+(?=[{HAN_CLASS}])", "", text)
    return _cut(text, lines=False)[0]
