"""Which articles of an edition match which followed topics: word-aware, and fast at scale.

A reader who follows 工会 wants 全国总工会 and 工会 but not 分工会议 (分工 + 会议: the two
characters straddle two words). So matching uses the summarizer's own segmentation
(:mod:`summarizer.segment`) in search mode, which yields every word of the precise cut plus
the dictionary words inside the long ones (全国总工会 → 全国, 工会, 总工会, 全国总工会), each
with its character span. A followed term matches where its text starts at a token that is a
prefix of it and ends at the end of a token: a single word, a word inside a compound, or a
phrase of consecutive tokens (乡村振兴 over 乡村 + 振兴). Latin words come out of the
segmenter as whole alphanumeric runs, so ``apple`` matches "Apple" but not "pineapple".
Both sides are NFKC-normalised and case-folded, with whitespace runs as one space.

Why it is fast: the edition is indexed once (token → where it starts), then each *distinct*
term is looked up — 10,000 readers with 20 follows each share most of their terms, and a
lookup is a handful of dictionary probes, not a scan of the edition. ``bench/follows.py``
measures it against scanning every article for every reader's terms.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.storage.records import ArticleRecord
from summarizer.segment import Segmenter, make_segmenter
from summarizer.sentences import split_sentences

__all__ = [
    "MAX_FOLLOW_CHARS",
    "AlertItem",
    "EditionIndex",
    "Hit",
    "match_readers",
    "normalize_term",
]

MAX_FOLLOW_CHARS = 30  # a topic, not a sentence: longer would never match anyway
_SPACE = re.compile(r"\s+")
_WORD_CHAR = re.compile(r"\w")


def normalize_term(text: str) -> str:
    """A followed term as it is stored and looked up: NFKC, case-folded, one space between
    words, no space at the ends. Empty when nothing word-like is left."""
    folded = _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
    return folded if _WORD_CHAR.search(folded) else ""


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a term matched in one article: the first body sentence with it, else the title
    or keyword it is in (``kind`` says which), as printed."""

    article: int  # index into the edition's articles
    kind: str  # "title", "keyword" or "body"
    text: str  # the title, the keyword or the body sentence, as printed


@dataclass(frozen=True, slots=True)
class AlertItem:
    """One article of a reader's alert: its number, the term that matched, where it did."""

    number: int
    term: str
    sentence: str  # the body sentence it is in; "" when only the title or a keyword has it


class EditionIndex:
    """The search-mode tokens of one edition's titles, keywords and body sentences.

    Built once per edition (the cost is the segmentation); :meth:`find` then answers any
    term with a few dictionary probes.
    """

    def __init__(
        self, articles: Sequence[ArticleRecord], segmenter: Segmenter | None = None
    ) -> None:
        self.articles = tuple(articles)
        seg = segmenter or make_segmenter("auto")
        self._units: list[str] = []  # normalised texts
        self._origin: list[tuple[int, str, str]] = []  # (article index, kind, printed text)
        self._ends: list[frozenset[int]] = []
        self._starts: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, article in enumerate(self.articles):
            self._add(seg, index, "title", article.title)
            for keyword in article.keywords:
                self._add(seg, index, "keyword", keyword)
            for paragraph in article.paragraphs:
                for sentence in split_sentences(paragraph, min_chars=1):
                    self._add(seg, index, "body", sentence)

    def _add(self, seg: Segmenter, article: int, kind: str, text: str) -> None:
        unit = _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
        if not unit:
            return
        number = len(self._units)
        ends: set[int] = set()
        for word, start, end in seg.search_tokens(unit):
            self._starts[word].append((number, start))
            ends.add(end)
        self._units.append(unit)
        self._origin.append((article, kind, " ".join(text.split())))
        self._ends.append(frozenset(ends))

    def find(self, term: str) -> list[Hit]:
        """The first hit of a normalised ``term`` in each article it matches, by article."""
        # article → (not in the body, unit): a body sentence is what an alert quotes, so the
        # first body hit wins over a title or keyword hit
        first: dict[int, tuple[bool, int]] = {}
        size = len(term)
        for cut in range(1, size + 1):
            for unit, start in self._starts.get(term[:cut], ()):
                end = start + size
                if end in self._ends[unit] and self._units[unit].startswith(term, start):
                    article, kind, _ = self._origin[unit]
                    rank = (kind != "body", unit)
                    if article not in first or rank < first[article]:
                        first[article] = rank
        hits = []
        for article in sorted(first):
            _, kind, text = self._origin[first[article][1]]
            hits.append(Hit(article, kind, text))
        return hits


def match_readers(
    index: EditionIndex, follows: Iterable[tuple[int, str]]
) -> dict[int, list[AlertItem]]:
    """Each reader's matching articles (by number) from ``(chat_id, term)`` pairs.

    Each distinct term is looked up once; a reader's article is listed once, with the first
    of the reader's terms (in the order given) that matched it. Readers without a match are
    left out.
    """
    by_term: dict[str, list[Hit]] = {}
    found: dict[int, dict[int, AlertItem]] = defaultdict(dict)
    for chat_id, term in follows:
        hits = by_term.get(term)
        if hits is None:
            hits = by_term[term] = index.find(term)
        if not hits:
            continue
        items = found[chat_id]
        for hit in hits:
            if hit.article not in items:
                number = index.articles[hit.article].number
                sentence = hit.text if hit.kind == "body" else ""
                items[hit.article] = AlertItem(number, term, sentence)
    return {chat: sorted(items.values(), key=lambda i: i.number) for chat, items in found.items()}
