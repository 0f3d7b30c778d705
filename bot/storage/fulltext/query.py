"""What a reader typed after /search → a :class:`SearchQuery`: pure, total, never raises.

Syntax (every part optional but one word to find)::

    工会 劳模            both words (in title or text)
    "习近平 新时代"      a phrase (quotes "…" or “…”; spaces between Chinese characters ignored)
    -美国  -"贸易战"     not this word / phrase
    2024-07  2024-07-01  2024年7月  2024年7月1日   only that month or day (two dates: the span;
                         2024-07-01~2024-07-03, 至 and 到 join them too)
    海南日报  -海南日报  a word that is exactly a configured paper's name: only / not that paper
    最新 / newest        newest first instead of most relevant first (alone: the word 最新)
    AND                  (in capitals) what two words mean anyway: ignored; OR and NOT are
                         not supported (:attr:`SearchQuery.operators`), -词 leaves a word out

Everything else is text: ``%``, ``_``, quotes without a partner, NUL and HTML are never
operators; symbols separate words (:mod:`.terms`). A word that yields no terms (only
symbols) is dropped; a query left without any word to find matches nothing. What cannot be
honoured is said, never quietly dropped: more than :data:`MAX_PHRASES` words
(:attr:`SearchQuery.too_many`) and a date that does not exist (:attr:`SearchQuery.bad_dates`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage.fulltext.terms import is_han, normalize, word_terms

__all__ = [
    "MAX_PHRASES",
    "Phrase",
    "SearchOrder",
    "SearchQuery",
    "parse_query",
    "without_order",
]

MAX_PHRASES = 8
"""Words (found plus excluded) one query may have: more only make it slower, not better."""
MAX_PHRASE_TERMS = 32

_NEWEST = frozenset({"最新", "newest", "latest"})
_AND = "AND"
_UNSUPPORTED = frozenset({"OR", "NOT"})
_DATE = re.compile(
    r"(?P<y>(?:19|20)\d\d)(?:[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?"
    r"|年(?P<m2>\d{1,2})月(?:(?P<d2>\d{1,2})[日号])?)"
)
_TOKEN = re.compile(r'(?P<neg>[-－])?(?:["“”](?P<quoted>[^"“”]*)["“”]|(?P<bare>[^\s"“”]+))')
"""A word, or a phrase between two quotes; a quote without a partner after it is skipped
(it would otherwise swallow the rest: ``"劳模 -美国`` would ask for 美国)."""
_DATE_RANGE = re.compile(rf"(?<=[\d日号月])\s*[~～至到]\s*(?={_DATE.pattern})")
"""Between two dates, ``~``, 至 and 到 join a span as a space does (2024-07-01~2024-07-03)."""
_LIST_COMMA = re.compile(r'(?<=[^\s"“”,，、;；]{2})[,，、;；]+(?=[^\s"“”,，、;；]{2})')
"""Commas between words of two characters or more separate them as spaces do: 工会，职工 and
工会、职工 are two words, as Chinese readers list them. Between single characters (中、美)
they stay a phrase: alone, each would match every word it starts."""
_NOT_WORD = re.compile(r"[^\w\s]+")


class SearchOrder(enum.StrEnum):
    """How hits are ordered."""

    RELEVANCE = "relevance"  # best match first (bm25 over the pool), newer first among equals
    NEWEST = "newest"  # newest edition first


@dataclass(frozen=True, slots=True)
class Phrase:
    """One word or quoted phrase: ``text`` as typed (normalised) and the terms it stands for.

    A single Han character (``prefix``) matches every term it starts (see :mod:`.terms`); a
    single letter or digit of any other script (``я``, ``é``, ``α``) is a word like any other.
    """

    text: str
    terms: tuple[str, ...]

    @property
    def prefix(self) -> bool:
        return len(self.terms) == 1 and len(self.terms[0]) == 1 and is_han(self.terms[0])


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed search: what must match, what must not, which papers and dates, what order."""

    include: tuple[Phrase, ...] = ()
    exclude: tuple[Phrase, ...] = ()
    papers: tuple[str, ...] = ()
    """Configured paper names to search in (empty: every paper)."""
    not_papers: tuple[str, ...] = ()
    """Configured paper names left out (``-海南日报``)."""
    since: dt.date | None = None
    until: dt.date | None = None
    order: SearchOrder = SearchOrder.RELEVANCE
    too_many: bool = False
    """More than :data:`MAX_PHRASES` words: the search is refused, not run on some of them."""
    bad_dates: tuple[str, ...] = ()
    """Dates as typed that do not exist (2024-02-30, 2024-13): said, not searched as words."""
    operators: tuple[str, ...] = ()
    """Search-engine operators typed that this search does not have (OR, NOT in capitals):
    said, not searched as words (an article rarely has "OR", so nothing would be found)."""

    @property
    def empty(self) -> bool:
        """Nothing to find: such a query matches no article."""
        return not self.include

    @property
    def filters_only(self) -> bool:
        """Papers or dates given, but no word to find (a search needs one)."""
        return self.empty and (bool(self.papers or self.not_papers) or self.since is not None)

    @property
    def nothing_typed(self) -> bool:
        """Nothing word-like at all (only symbols: ``"``, ``%``): not a search, a slip."""
        return self.empty and not (
            self.exclude
            or self.papers
            or self.not_papers
            or self.since
            or self.bad_dates
            or self.operators
        )

    @property
    def exclusions_only(self) -> bool:
        """Only words to leave out: there is nothing to find them among."""
        return self.empty and bool(self.exclude)

    @property
    def words(self) -> tuple[str, ...]:
        """The found words as typed (normalised), symbols read as the gaps they are in the
        index (50% is found as 50): what a snippet shows in bold."""
        spaced = (" ".join(_NOT_WORD.sub(" ", p.text).split()) for p in self.include)
        return tuple(word for word in spaced if word)


def _date_span(match: re.Match[str]) -> tuple[dt.date, dt.date] | None:
    year = int(match["y"])
    month_text, day_text = match["m"] or match["m2"], match["d"] or match["d2"]
    try:
        if month_text is None:
            return None
        month = int(month_text)
        if day_text is not None:
            day = dt.date(year, month, int(day_text))
            return day, day
        last = calendar.monthrange(year, month)[1]
        return dt.date(year, month, 1), dt.date(year, month, last)
    except ValueError:
        return None


def _phrase(text: str) -> Phrase | None:
    terms = word_terms(text)[:MAX_PHRASE_TERMS]
    if not terms:
        return None
    return Phrase(" ".join(normalize(text).split()), tuple(terms))


def parse_query(text: str, papers: Sequence[str] = ()) -> SearchQuery:
    """Parse ``text``; ``papers`` are the configured paper names a word may select."""
    by_name = {normalize(name).strip(): name for name in papers}
    include: list[Phrase] = []
    exclude: list[Phrase] = []
    chosen: list[str] = []
    left_out: list[str] = []
    bad_dates: list[str] = []
    operators: list[str] = []
    too_many = False
    spans: list[tuple[dt.date, dt.date]] = []
    order = SearchOrder.RELEVANCE
    newest: list[str] = []
    for match in _TOKEN.finditer(_spaced(text)):
        quoted, bare, negated = match["quoted"], match["bare"], bool(match["neg"])
        if bare is not None and negated and normalize(bare) in by_name:
            if by_name[normalize(bare)] not in left_out:
                left_out.append(by_name[normalize(bare)])
            continue
        if bare is not None and not negated and bare in _UNSUPPORTED | {_AND}:
            if bare != _AND and bare not in operators:
                operators.append(bare)
            continue
        if bare is not None and not negated:
            key = normalize(bare)
            if key in _NEWEST:
                order = SearchOrder.NEWEST
                newest.append(bare)
                continue
            if key in by_name:
                if by_name[key] not in chosen:
                    chosen.append(by_name[key])
                continue
            date = _DATE.fullmatch(key)
            span = _date_span(date) if date else None
            if span is not None:
                spans.append(span)
                continue
            if date is not None and (date["m"] or date["m2"]):  # a year alone is a word
                bad_dates.append(bare)
                continue
        phrase = _phrase(quoted if quoted is not None else bare or "")
        target = exclude if negated else include
        if phrase is None or phrase in target:
            continue
        if len(include) + len(exclude) >= MAX_PHRASES:
            too_many = True
            continue
        target.append(phrase)
    if newest and not include:  # 最新 alone (or with exclusions) is a word: a common one
        include = [p for p in dict.fromkeys(map(_phrase, newest)) if p is not None]
        order = SearchOrder.RELEVANCE
    return SearchQuery(
        include=tuple(include),
        exclude=tuple(exclude),
        papers=tuple(chosen),
        not_papers=tuple(left_out),
        since=min((s for s, _ in spans), default=None),
        until=max((u for _, u in spans), default=None),
        order=order,
        too_many=too_many,
        bad_dates=tuple(bad_dates),
        operators=tuple(operators),
    )


def _spaced(text: str) -> str:
    """``text`` with list commas and date-span joiners read as the spaces they stand for."""
    text = _LIST_COMMA.sub(" ", text.replace("\x00", " "))
    return _DATE_RANGE.sub(" ", text)


def without_order(text: str, query: SearchQuery) -> str:
    """``text`` (parsed as ``query``) without the words that asked for newest first, if they
    did: for the results' header, which names the order already (not "“工会 最新” …, newest
    first"). Otherwise as typed (最新 alone is the word searched for)."""
    if query.order is not SearchOrder.NEWEST:
        return text
    kept = [
        match.group()
        for match in _TOKEN.finditer(_spaced(text))
        if match["bare"] is None or match["neg"] or normalize(match["bare"]) not in _NEWEST
    ]
    return " ".join(kept)
