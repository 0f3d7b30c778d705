"""Which articles of an edition match which followed topics: word-aware, and fast at scale.

A reader who follows 工会 wants 全国总工会 and 工会 but not 分工会议 (分工 + 会议: the two
characters straddle two words). So matching uses the summarizer's own segmentation
(:mod:`summarizer.segment`) in search mode, which yields every word of the precise cut plus
the dictionary words inside the long ones (全国总工会 → 全国, 工会, 总工会, 全国总工会):

* a term that is one word (its own segmentation is one token) matches an article that has it
  among its search-mode tokens — a word, or a word inside a compound;
* a phrase (several tokens of its own: 乡村振兴 → 乡村 振兴, ``xi jinping``) matches where
  the article has its tokens consecutively: the article has every one of them, the phrase's
  text occurs, and that occurrence starts and ends on token boundaries.

Latin words come out of the segmenter as whole alphanumeric runs, so ``apple`` matches
"Apple" but not "pineapple". Both sides are NFKC-normalised and case-folded, whitespace runs
read as one space. Titles, keywords and body all count; the alert quotes the first body
sentence with the term (none when only the title or a keyword has it).

Why it is fast: the edition is segmented once (one call per article) and inverted into
word → bitmask of articles; each *distinct* term is then a dictionary probe (a phrase: a
few, ANDed, and a check in the few articles left) — 10,000 readers with 20 follows each
share most of their terms. A reader's articles are the OR of their terms' masks; only the
few an alert lists are looked at further. ``bench/follows.py`` measures it.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

from bot.storage.fulltext.terms import HAN_CLASS
from bot.storage.records import ArticleRecord
from summarizer.segment import Segmenter, make_segmenter
from summarizer.sentences import split_sentences

__all__ = [
    "MAX_FOLLOW_CHARS",
    "AlertItem",
    "EditionIndex",
    "ReaderMatch",
    "match_readers",
    "normalize_term",
    "split_topics",
]

MAX_FOLLOW_CHARS = 30  # a topic, not a sentence: longer would never match anyway
_BLOCK = 1024  # readers matched at once: a block's table is readers × terms × articles bytes
_SPACE = re.compile(r"\s+")
_WORD_CHAR = re.compile(r"\w")
_WRAPPING = frozenset(("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "So", "Sk"))
_PERCENT = frozenset("%‰‱")  # after NFKC: ％ and ﹪ are %
_HAN_SPACE = re.compile(f"(?<=[{HAN_CLASS}]) (?=[{HAN_CLASS}])")
# What separates the items of a typed list; a comma between digits is a number's (1,000).
_LIST_SEPARATOR = re.compile(r"[，、;；]|(?<!\d),|,(?!\d)")


def _normalize(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold())


def normalize_term(text: str) -> str:
    """A followed term as it is stored and looked up: NFKC, case-folded, one space between
    words, no space at the ends. Empty when nothing word-like is left.

    What a reader wraps a topic in is no part of it: quotes, book-title marks, a hashtag's #,
    an emoji or a full stop at either end are dropped (“工会”, 《工会》, #工会 and 工会。 all
    follow 工会), but not a number's per cent or per mille sign (5.2% is a word of the text,
    5.2 there is not); and so is a space between two Han characters (乡村 振兴 is 乡村振兴: Chinese
    text has no spaces, so the spaced phrase could never occur)."""
    folded = _normalize(text).strip()
    start, end = 0, len(folded)
    while start < end and _wraps(folded[start]):
        start += 1
    while end > start and _wraps(folded[end - 1]) and not _percent_at(folded, end - 1):
        end -= 1
    folded = _HAN_SPACE.sub("", folded[start:end])
    return folded if _WORD_CHAR.search(folded) else ""


def split_topics(text: str) -> list[str]:
    """The topics in what a reader typed: a list (工会，驿站; also , 、 ; ；) is one topic
    each, as the list itself could never match (no article has the two words with the comma
    between). The parts as typed, not normalised; blank ones left out."""
    return [part.strip() for part in _LIST_SEPARATOR.split(text) if part.strip()]


def _percent_at(text: str, at: int) -> bool:
    """Whether ``text[at]`` is a per cent or per mille sign after a digit: the number's."""
    return text[at] in _PERCENT and at > 0 and text[at - 1].isdigit()


def _wraps(char: str) -> bool:
    """Spaces, punctuation and pictographs (emoji): what may wrap a topic, never part of it.
    Math and currency signs stay (c++, $100)."""
    return char.isspace() or unicodedata.category(char) in _WRAPPING


class AlertItem(NamedTuple):
    """One article of a reader's alert: its number, the term that matched, where it did
    (a named tuple: ten thousand readers make a hundred thousand of these per edition)."""

    number: int
    term: str
    sentence: str  # the body sentence it is in; "" when only the title or a keyword has it


class ReaderMatch(NamedTuple):
    """A reader's matches: the first ``limit`` articles (by number) and how many in all."""

    items: tuple[AlertItem, ...]
    total: int


class _Article:
    """One article, normalised and segmented: its text (title, keywords, then paragraphs,
    one per line), where each part starts, and the token boundaries."""

    __slots__ = (
        "_bounds",
        "body_from",
        "paragraphs",
        "part_starts",
        "sentences",
        "text",
        "tokens",
        "words",
    )

    def __init__(self, article: ArticleRecord, seg: Segmenter) -> None:
        parts = [article.title, *article.keywords]
        self.paragraphs = article.paragraphs
        offsets, texts, cursor = [], [], 0
        for index, part in enumerate((*parts, *article.paragraphs)):
            normalized = _normalize(part)
            if index < len(parts):
                # A title's space between Han characters is a printed line break (乡村 振兴):
                # gone, as from the topics. (Quotes come from paragraphs, whose offsets stay.)
                normalized = _HAN_SPACE.sub("", normalized)
            offsets.append(cursor)
            texts.append(normalized)
            cursor += len(normalized) + 1
        self.text = "\n".join(texts)
        self.part_starts = offsets
        self.body_from = len(parts)  # index of the first paragraph among the parts
        self.tokens = seg.search_tokens(self.text)
        self.words = frozenset([word for word, _, _ in self.tokens])
        self._bounds: tuple[frozenset[int], frozenset[int]] | None = None
        self.sentences: dict[int, list[tuple[int, int, str]]] = {}  # see _sentences

    def bounds(self) -> tuple[frozenset[int], frozenset[int]]:
        """Where tokens start and end (made when a phrase or a quote first needs them)."""
        if self._bounds is None:
            tokens = self.tokens
            self._bounds = (
                frozenset([start for _, start, _ in tokens]),
                frozenset([end for _, _, end in tokens]),
            )
        return self._bounds

    def occurrences(self, term: str) -> Iterable[int]:
        """Where ``term`` occurs on token boundaries (start offsets, in order)."""
        size = len(term)
        starts, ends = self.bounds()
        at = self.text.find(term)
        while at >= 0:
            if at in starts and at + size in ends:
                yield at
            at = self.text.find(term, at + 1)

    def quote(self, term: str) -> str:
        """The first body sentence with ``term`` on token boundaries, cut around it
        (:func:`_around`); "" if only the title or a keyword has it. The sentence is the one
        holding that occurrence, not the first with the characters anywhere (分工会议 holds
        工会's characters, not the word)."""
        for at in self.occurrences(term):
            part = bisect.bisect_right(self.part_starts, at) - 1
            if part >= self.body_from:
                number = part - self.body_from
                offset = at - self.part_starts[part]
                for start, end, printed in self._sentences(number):
                    if start <= offset < end:
                        base = self.part_starts[part]
                        normalized = self.text[base + start : base + end]
                        return _around(printed, normalized, offset - start, len(term))
                paragraph = self.paragraphs[number]
                normalized = _normalize(paragraph).strip()
                return _around(" ".join(paragraph.split()), normalized, offset, len(term))
        return ""

    def _sentences(self, number: int) -> list[tuple[int, int, str]]:
        """Paragraph ``number``'s sentences: where each lies in the normalised paragraph (as
        in :attr:`text`), and as printed; made once."""
        found = self.sentences.get(number)
        if found is None:
            paragraph = _normalize(self.paragraphs[number])
            found, cursor = [], 0
            for sentence in split_sentences(self.paragraphs[number], min_chars=1):
                normalized = _normalize(sentence).strip()
                start = paragraph.find(normalized, cursor) if normalized else -1
                if start >= 0:
                    cursor = start + len(normalized)
                    found.append((start, cursor, " ".join(sentence.split())))
            self.sentences[number] = found
        return found


QUOTE_CHARS = 280
"""At most this much of a sentence is kept around the term (a "…" at each end it was cut)."""
QUOTE_LEAD = 60
"""Characters kept before the term when a sentence is cut: its context, and room for the
message's shorter window (:func:`bot.render.snippet.highlight`) to centre on it."""


def _around(printed: str, normalized: str, at: int, size: int) -> str:
    """``printed`` (a sentence as printed) cut to :data:`QUOTE_CHARS` around the match at
    ``at`` of ``normalized`` (the same sentence normalised, offsets alike but for rare
    characters that fold to several), starting after any earlier occurrence of the term's
    characters that is not the word (分工会议 before 总工会): the message shows the quote
    around its first occurrence, which must be this one."""
    if len(printed) <= QUOTE_CHARS and normalized.rfind(normalized[at : at + size], 0, at) < 0:
        return printed
    start = max(0, at - QUOTE_LEAD)
    earlier = normalized.rfind(normalized[at : at + size], start, at + size - 1)
    if earlier >= 0:
        start = min(earlier + size, at)
    start = min(start, len(printed))
    end = min(len(printed), start + QUOTE_CHARS)
    return ("…" if start else "") + printed[start:end] + ("…" if end < len(printed) else "")


class EditionIndex:
    """One edition's articles, segmented once, inverted into word → bitmask of articles."""

    def __init__(
        self, articles: Sequence[ArticleRecord], segmenter: Segmenter | None = None
    ) -> None:
        self.articles = tuple(articles)
        self._seg = segmenter or make_segmenter("auto")
        self._parsed = [_Article(article, self._seg) for article in self.articles]
        masks: dict[str, int] = {}
        for index, parsed in enumerate(self._parsed):
            bit = 1 << index
            for word in parsed.words:
                masks[word] = masks.get(word, 0) | bit
        self._masks = masks
        self._terms: dict[str, int] = {}
        self._quotes: dict[tuple[str, int], str] = {}

    def mask(self, term: str) -> int:
        """The articles (bit i: article i) a normalised ``term`` matches; cached."""
        found = self._terms.get(term)
        if found is not None:
            return found
        found = self._masks.get(term, 0)  # articles with the term as one of their words
        own = [word for word in self._seg.cut(term) if word.strip()]
        if len(own) > 1 or " " in term:  # a phrase: its tokens, standing together
            candidates = ~found
            for word in own:
                candidates &= self._masks.get(word, 0)
                if not candidates:
                    break
            while candidates > 0:
                low = candidates & -candidates
                index = low.bit_length() - 1
                if next(iter(self._parsed[index].occurrences(term)), None) is not None:
                    found |= low
                candidates ^= low
        self._terms[term] = found
        return found

    def find(self, term: str) -> list[int]:
        """The indexes of the articles a normalised ``term`` matches, in order."""
        return _bits(self.mask(term))

    def quote(self, term: str, index: int) -> str:
        """The sentence an alert quotes for ``term`` in article ``index``; cached."""
        key = (term, index)
        if key not in self._quotes:
            self._quotes[key] = self._parsed[index].quote(term)
        return self._quotes[key]


def _bits(mask: int, limit: int | None = None) -> list[int]:
    """The set bits of ``mask``, lowest first (at most ``limit``)."""
    found: list[int] = []
    while mask and (limit is None or len(found) < limit):
        low = mask & -mask
        found.append(low.bit_length() - 1)
        mask ^= low
    return found


def match_readers(
    index: EditionIndex, follows: Iterable[tuple[int, str]], *, limit: int = 10
) -> dict[int, ReaderMatch]:
    """Each reader's matching articles from ``(chat_id, term)`` pairs, grouped by reader.

    A reader's articles are listed by number, at most ``limit`` (``total`` counts all), each
    with the first of the reader's terms (in the order given) that matched it. Readers
    without a match are left out.

    Vectorised: each distinct term's articles become a row of a boolean table; a block of
    readers gathers its terms' rows (readers × terms × articles), and "any", "first term"
    and "the first ``limit``" are numpy reductions; Python only builds the listed items.
    """
    pairs = list(follows)
    if not pairs or not index.articles:
        return {}
    # Term ids (in first-seen order) and, per pair, its reader's row and place in the row.
    term_id: dict[str, int] = {}
    tids = np.fromiter(
        (term_id.setdefault(term, len(term_id)) for _, term in pairs), np.int32, len(pairs)
    )
    distinct = list(term_id)
    chat_ids = np.fromiter((chat for chat, _ in pairs), np.int64, len(pairs))
    order = np.argsort(chat_ids, kind="stable")  # each reader's terms in the order given
    chat_ids, tids = chat_ids[order], tids[order]
    readers, begins, counts = np.unique(chat_ids, return_index=True, return_counts=True)
    row_of = np.repeat(np.arange(len(readers)), counts)
    place = np.arange(len(pairs)) - np.repeat(begins, counts)
    ids = np.full((len(readers), int(counts.max())), len(distinct), dtype=np.int32)
    ids[row_of, place] = tids
    chats = readers.tolist()

    # Each distinct term's articles as a row of booleans (the last row: padding, no article).
    count = len(index.articles)
    size = (count + 7) // 8
    packed = b"".join(index.mask(term).to_bytes(size, "little") for term in distinct)
    table = np.zeros((len(distinct) + 1, count), dtype=bool)
    if packed:
        raw = np.frombuffer(packed, dtype=np.uint8).reshape(len(distinct), size)
        table[:-1] = np.unpackbits(raw, axis=1, bitorder="little")[:, :count].astype(bool)

    numbers = [article.number for article in index.articles]
    items_of: dict[int, AlertItem] = {}  # by term id × articles + article: shared by readers
    found: dict[int, ReaderMatch] = {}
    for start in range(0, len(chats), _BLOCK):
        block = table[ids[start : start + _BLOCK]]  # readers × terms × articles
        every = block.any(axis=1)
        totals = every.sum(axis=1).tolist()
        listed = every & (np.cumsum(every, axis=1) <= limit)
        rows, articles = np.nonzero(listed)  # by reader, then by article
        first = block.argmax(axis=1)[rows, articles]  # the reader's first term with it
        term_ids = ids[start + rows, first]
        current, items = -1, list[AlertItem]()
        for row, article, tid in zip(
            rows.tolist(), articles.tolist(), term_ids.tolist(), strict=True
        ):
            if row != current:
                if items:
                    found[chats[start + current]] = ReaderMatch(tuple(items), totals[current])
                current, items = row, list[AlertItem]()
            key = tid * count + article
            item = items_of.get(key)
            if item is None:
                quote = index.quote(distinct[tid], article)
                item = AlertItem(numbers[article], distinct[tid], quote)
                items_of[key] = item
            items.append(item)
        if items:
            found[chats[start + current]] = ReaderMatch(tuple(items), totals[current])
    return found
