"""Okapi bm25 over the ranking pool, counted in the stored text (:mod:`.pool` reads the
pool; this module is pure).

* *term frequency*: each found phrase's occurrences in the article's normalised title
  (weighted :data:`TITLE_WEIGHT`) and text, counted by :func:`phrase_pattern`, which matches
  where the index matches (a Han word as a substring of a run of Han, a Latin word whole;
  never across a line break, where the index holds a separator);
* *length*: characters of title and text (the index's terms are bigrams, about one per
  character), against the pool's mean;
* *IDF*: with one found phrase it is the same for every article and so changes no order;
  with several, each phrase's share of the articles of the newest days of the pool
  (:func:`idf`, from counts :mod:`.pool` takes in that slice), not of the whole archive.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.storage.fulltext.query import Phrase
from bot.storage.fulltext.terms import HAN_CLASS, is_han, normalize

__all__ = [
    "K1",
    "PLAIN",
    "TITLE_WEIGHT",
    "B",
    "PoolArticle",
    "bm25",
    "idf",
    "phrase_pattern",
]

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0
"""A word in the title counts three times one in the text (as the FTS5 weights did)."""

_GAP = r"(?:[^\w\n]|_)+"  # what separates two runs: no term (see .terms), no line break
_GAP_OR_NONE = r"(?:[^\w\n]|_)*"  # between a Latin word and anything else
_WORD_CHAR = rf"[^\W_{HAN_CLASS}]"  # a letter or digit that is not Han


PLAIN = re.compile(
    "[\x00-\x7f\xa0-\u024f\u0370-\u0377\u037a-\u037f\u0384-\u038a\u038c\u038e-\u03a1"
    "\u03a3-\u0482\u048a-\u04ff\u200b-\u205e\u2102\u2104\u2107-\u2108\u210a-\u2115"
    "\u2117-\u211f\u2123-\u213a\u213c-\u218b\u2190-\u23ff\u2460-\u249b\u24ea-\u27bf"
    "\u3000-\u3029\u3030-\u3037\u303b-\u303f\u3041-\u3096\u309d-\u309e\u30a0-\u30fe"
    "\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]*"
)
"""Text made only of these characters (Latin, Greek, Cyrillic, punctuation, symbols, kana,
Han, full-width forms; generated from the conditions the test checks for every character)
reads the same to a pattern of Han words before and after :func:`.terms.normalize`: none of
them becomes or stops being Han, or a separator, and none composes with its neighbour. So
such articles are counted as stored, without the normalisation, which was ~75 % of the
ranking's time."""


@dataclass(frozen=True, slots=True)
class PoolArticle:
    """One article of the pool as stored: its recency key, title and paragraphs."""

    key: int
    title: str
    paragraphs: Sequence[str]


@lru_cache(maxsize=256)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """Consecutive terms, as the index sees them: the next bigram of a Han run (or the same
    bigram starting a new run), or a new run after a separator; a lone Han character is a
    whole run; Latin words are whole and may touch Han."""
    parts: list[str] = []
    previous = ""
    for term in terms:
        han = is_han(term[0])
        if not han:
            part = rf"(?<!{_WORD_CHAR}){re.escape(term)}(?!{_WORD_CHAR})"
        elif len(term) == 1:
            part = rf"(?<![{HAN_CLASS}]){re.escape(term)}(?![{HAN_CLASS}])"
        else:
            part = re.escape(term)
        if previous and is_han(previous[0]) and han:
            chained = len(previous) == 2 and len(term) == 2 and previous[1] == term[0]
            gap = _GAP + part
            part = f"(?:{re.escape(term[1])}|{gap})" if chained else gap
        elif previous:
            part = _GAP_OR_NONE + part
        parts.append(part)
        previous = term
    return re.compile("".join(parts))


def phrase_pattern(phrase: Phrase) -> re.Pattern[str]:
    """Where ``phrase`` occurs in normalised text (:func:`.terms.normalize`)."""
    if phrase.prefix:
        return re.compile(re.escape(phrase.terms[0]))
    return _pattern(phrase.terms)


def idf(matches: int, articles: int) -> float:
    """Okapi's inverse document frequency of a phrase found in ``matches`` of ``articles``
    (Lucene's form, never negative: a phrase in most articles still counts a little)."""
    articles = max(articles, matches)
    return math.log(1.0 + (articles - matches + 0.5) / (matches + 0.5))


def bm25(
    pool: Sequence[PoolArticle], phrases: Sequence[Phrase], idfs: Sequence[float]
) -> list[tuple[int, float]]:
    """(key, score) of every article of ``pool`` for the found ``phrases``, weighted by
    ``idfs`` (one per phrase); higher is better."""
    if not pool:
        return []
    patterns = [phrase_pattern(p) for p in phrases]
    han_only = all(is_han(term[0]) for p in phrases for term in p.terms)
    fold = _han_fold if han_only else normalize
    counted: list[tuple[int, int, list[float]]] = []
    for article in pool:
        title = fold(article.title)
        body = fold("\n".join(article.paragraphs))
        frequencies = [
            TITLE_WEIGHT * len(pattern.findall(title)) + len(pattern.findall(body))
            for pattern in patterns
        ]
        counted.append((article.key, len(title) + len(body), frequencies))
    mean_length = max(sum(length for _, length, _ in counted) / len(counted), 1.0)
    scores = []
    for key, length, frequencies in counted:
        norm = K1 * (1.0 - B + B * length / mean_length)
        score = sum(
            weight * tf * (K1 + 1.0) / (tf + norm)
            for weight, tf in zip(idfs, frequencies, strict=True)
        )
        scores.append((key, score))
    return scores


def _han_fold(text: str) -> str:
    """``text`` as a pattern of Han words sees it normalised (see :data:`PLAIN`)."""
    return text if PLAIN.fullmatch(text) else normalize(text)
