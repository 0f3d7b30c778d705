"""The index on PostgreSQL: a ``tsvector`` of pre-cut terms per article, under GIN.

``article_search(article_id, paper_id, recency, terms)``: ``terms`` is built here, not by a
text search configuration (PostgreSQL has no Chinese parser without extensions), as a
``tsvector`` literal of the terms of :mod:`.terms` with their positions (title terms weighted
A, so ``ts_rank`` prefers them). GIN answers "which articles have these terms", the btree on
``recency`` walks them newest first. Rows go with their article (``ON DELETE CASCADE``).
``toast_tuple_target`` is low so the vectors live out of line and a bitmap scan over matches
reads narrow rows. They are stored ``EXTERNAL``, uncompressed: pglz never shrank one (a vector
of bigrams is not 25 % compressible, its threshold; none of 200 generated articles), so bytes
per article do not change (migration 0010 sets it on an existing table).

Each vector also holds its edition's *day lexeme* (``'#738000'``, the date's ordinal, no
position; no term can start with ``#``). A search over a slice of days adds "one of these
days" to its ``tsquery``, so GIN itself narrows a common phrase to that week's articles and
only those are rechecked for positions (read from TOAST). Without it the planner, which
believes a phrase of common bigrams rare, rechecked every candidate of the archive before
the date filter: 160 ms instead of 14-16 ms for "新质生产力" in a week of 20,000 articles,
5.4 s at 100,000 (migration 0009 adds the lexeme to an existing index).

A vector has limits a long article passes: PostgreSQL keeps a lexeme's first 256 positions,
clamps positions past 16383 and refuses a vector whose lexemes pass 1 MiB. Such an article's
vector carries the *long lexeme* (``'#long'``) and a phrase matches it when all its terms are
there, wherever they are (a phrase past those limits was missed: 高质量发展 at the end of a
speech saying 发展 300 times); past 1 MiB its last new lexemes are left out rather than the
edition refused (only an article of about 90,000 characters, nearly twice the default
``[limits] article_chars``, gets there). Migration 0012 marks the long vectors already stored.

The separators of :mod:`.terms` (line breaks, before each run's tail) are not stored: their
positions are left empty, which is all a phrase needs (``<->`` asks for the next position),
and one position is left empty between the title and the text, which SQLite keeps in two
columns (migration 0013 rebuilds the vectors stored before).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import text

from bot.storage.fulltext.index import ID_SPAN, Executor, Filters, IndexEntry, arm_time_limit
from bot.storage.fulltext.query import Phrase, SearchQuery
from bot.storage.fulltext.terms import MAX_TERM_CHARS, SEPARATOR

__all__ = [
    "CREATE",
    "DROP",
    "LONG",
    "STORAGE",
    "PostgresSearch",
    "day_lexeme",
    "tsquery",
    "tsvector",
]

STORAGE = "ALTER TABLE article_search ALTER COLUMN terms SET STORAGE EXTERNAL"
"""Vectors out of line and uncompressed: pglz never shrank one (see above) but tried each time:
storing 500 articles without GIN took 2.73 → 2.26 ms each (measured, same run)."""
CLEANUP_MEMORY = "SET LOCAL work_mem = '16MB'"
"""An insert that finds GIN's pending list past ``gin_pending_list_limit`` (4 MB) moves it into
the index within ``work_mem``; at the default 4 MB that takes several passes, each inserting
its keys again. In one pass, storing a vector with GIN (the pending list left at the end
included) took 5.2 → 4.3 ms per article (500 articles in editions of 100; 64 MB measured the
same). The memory is held only during that move, and reads are unchanged (same list limit)."""
CREATE = (
    "CREATE TABLE article_search ("
    " article_id integer PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,"
    " paper_id integer NOT NULL,"
    " recency bigint NOT NULL,"
    " terms tsvector NOT NULL"
    ") WITH (toast_tuple_target = 128)",
    STORAGE,
)
INDEXES = (
    "CREATE INDEX ix_article_search_terms ON article_search USING gin (terms)",
    "CREATE UNIQUE INDEX ix_article_search_recency ON article_search (recency)",
)
DROP = "DROP TABLE IF EXISTS article_search"
INSERT = (
    "INSERT INTO article_search (article_id, paper_id, recency, terms)"
    " VALUES (:article_id, :paper_id, :key, CAST(:terms AS tsvector))"
)
MAX_POSITION = 16383  # tsvector positions stop here; the server clamps later ones to it
MAX_OCCURRENCES = 256  # positions the server keeps of one lexeme
MAX_LEXEME_BYTES = 1_000_000
"""What an article's lexemes may take with their positions (:func:`_stored_bytes`): the server
refuses a vector past 1 MiB (``string is too long for tsvector``), and with it the whole
edition's insert."""
LONG = "'#long'"
"""The lexeme of a vector past the server's limits: its phrases match by their terms alone."""
MAX_DAYS = 8
"""Only slices of up to this many days (the first, the newest week) ask for day lexemes: with
a 64- or 512-day list the planner walked the recency btree for a rare word (1.6 s p50 at
100,000 articles, measured), and the GIN alone finds those quickly."""


GIN_DAYS = 64
"""Slices of up to this many days name their days in what GIN alone answers (the candidates
of :data:`_FROM_GIN`): GIN then gives the slice's candidates, not the whole archive's. (The
planner's walk never sees them: see MAX_DAYS.)"""


def _escaped(term: str) -> str:
    return term.replace("\\", "\\\\").replace("'", "''")


def _lexeme(term: str) -> str:
    return "'" + _escaped(term) + "'"


def day_lexeme(day: int) -> str:
    """The lexeme of an edition day (a date's ordinal), quoted."""
    return f"'#{day}'"


def tsvector(title: Sequence[str], body: Sequence[str], day: int) -> str:
    """The ``tsvector`` literal of an article: title terms (weight A) first, then the body,
    then the day lexeme of its edition (``day``: the date's ordinal), and the long lexeme
    where the server would cut the vector (:data:`LONG`).

    One entry per term occurrence, in order (``'工会':3A '会议':4 …``): PostgreSQL's input
    merges repeated lexemes, sorts their positions, keeps a lexeme's first 256 and clamps
    positions past :data:`MAX_POSITION`, so grouping them here (as before) gave the same
    vector at 9 times the Python time: 4.1 → 0.45 ms for an article of 1,900 terms, while
    the server's input takes ~0.5 ms longer (1.7 → 2.2 ms per row stored, measured). Terms
    hold no quote or backslash (:mod:`.terms` cuts only letters, digits, Han and kana); one
    scan of the joined text checks that before quoting without escapes.
    """
    long, kept = _limits(title, body)
    if kept is not None:
        return _grouped(title, body, day, kept)
    joined = "".join(title) + "".join(body)
    if "'" in joined or "\\" in joined:
        title, body = [_escaped(t) for t in title], [_escaped(t) for t in body]
    start = len(title) + 2  # a free position: no phrase spans the title's end and the text
    parts = [f"'{t}':{i}A" for i, t in enumerate(title, 1) if t != SEPARATOR]
    parts += [f"'{t}':{i}" for i, t in enumerate(body, start) if t != SEPARATOR]
    parts.append(day_lexeme(day))
    if long:
        parts.append(LONG)
    return " ".join(parts)


def _grouped(title: Sequence[str], body: Sequence[str], day: int, kept: set[str]) -> str:
    """The literal of an article past the byte budget: each kept lexeme once, with the
    positions the server would keep (its first 256, clamped), then the day and long lexemes.
    The server counts every occurrence's bytes of a literal before merging them, so one
    entry per occurrence would pass 1 MiB long before the vector does (200,000 terms of
    2,000 bigrams); slower than that form, and only for an article of ~90,000 characters."""
    positions: dict[str, list[str]] = {}
    for position, (term, weight) in enumerate(
        [*((t, "A") for t in title), (SEPARATOR, ""), *((t, "") for t in body)], 1
    ):
        if term in kept:
            held = positions.setdefault(term, [])
            if len(held) < MAX_OCCURRENCES:
                held.append(f"{min(position, MAX_POSITION)}{weight}")
    parts = [f"{_lexeme(t)}:{','.join(p)}" for t, p in positions.items()]
    return " ".join([*parts, day_lexeme(day), LONG])


def _stored_bytes(term: str, occurrences: int) -> int:
    """What a lexeme takes of the vector's 1 MiB: its bytes, padded to even, and its count
    and positions (two bytes each, at most 256)."""
    size = len(term.encode())
    return size + size % 2 + 2 + 2 * min(occurrences, MAX_OCCURRENCES)


def _limits(title: Sequence[str], body: Sequence[str]) -> tuple[bool, set[str] | None]:
    """Whether the article passes a vector's limits (positions, occurrences, bytes), and,
    when one entry per occurrence might pass :data:`MAX_LEXEME_BYTES`, the lexemes the
    grouped literal keeps (None: the literal of one entry per occurrence is fine).

    Two budgets: the literal's lexemes as written (the server counts each occurrence before
    merging) and the vector's (each lexeme once, with its positions: :func:`_stored_bytes`).
    Cheap where it can be: no lexeme passes 256 occurrences in fewer terms, and both fit
    while the joined terms' bytes plus five per occurrence do: an article of ~90,000
    characters."""
    count = len(title) + 1 + len(body)  # positions, with the one between title and text
    if count <= MAX_OCCURRENCES:
        return False, None
    terms = [t for t in (*title, *body) if t != SEPARATOR]
    occurrences = Counter(terms)
    most = occurrences.most_common(1)[0][1] if occurrences else 0
    long = count > MAX_POSITION or most > MAX_OCCURRENCES
    if count * (4 * MAX_TERM_CHARS + 5) <= MAX_LEXEME_BYTES:
        return long, None
    if len("".join(terms).encode()) + 5 * count <= MAX_LEXEME_BYTES:
        return long, None
    kept: set[str] = set()
    size = 0
    for term, n in occurrences.items():  # first occurrence first: the title, then the text
        size += _stored_bytes(term, n)
        if size > MAX_LEXEME_BYTES:
            break
        kept.add(term)
    return True, kept


def _phrase(phrase: Phrase, *, in_long: bool = False) -> str:
    """The phrase's ``tsquery``; ``in_long``: or, in a long vector (:data:`LONG`), its terms
    anywhere (positions past the limits are lost there)."""
    if phrase.prefix:
        return _lexeme(phrase.terms[0]) + ":*"
    exact = "(" + " <-> ".join(_lexeme(t) for t in phrase.terms) + ")"
    if not in_long or len(phrase.terms) == 1:
        return exact
    return f"({exact} | ({LONG} & " + " & ".join(_lexeme(t) for t in phrase.terms) + "))"


def tsquery(query: SearchQuery) -> str:
    """The ``tsquery`` text: every found phrase (in a long vector: its terms) and none of the
    excluded (in a long vector only where the phrase itself is found: what the server cannot
    tell is kept rather than hidden)."""
    parts = [_phrase(p, in_long=True) for p in query.include]
    parts += ["!" + _phrase(p) for p in query.exclude]
    return " & ".join(parts)


def _where(where: Filters, words: str = "q", *, days_in_words: bool = False) -> str:
    """The slice's conditions, the words' ``tsquery`` taken from the parameter ``words``.

    ``days_in_words``: the words name the slice's days (:func:`_days`), so GIN itself narrows
    to the slice and the key range only trims it (``recency + 0``: a filter, not a way in).
    Offered the recency btree, the planner took it on a small archive, where each day
    lexeme is common and GIN's estimate high: the slice's every article then had its vector
    read from TOAST and tested (70 ms for 发展 in the newest week of 20,000 articles, the
    vectors being out of line, which the planner does not cost)."""
    clauses = [f"terms @@ CAST(:{words} AS tsquery)"]
    if where.paper_ids:
        clauses.append("paper_id = ANY(:papers)")
    key = "(recency + 0)" if days_in_words else "recency"
    if where.low is not None:
        clauses.append(f"{key} >= :low")
    if where.high is not None:
        clauses.append(f"{key} <= :high")
    return " AND ".join(clauses)


def _custom_plans(session: Executor) -> None:
    """Plan each search for its own words. The driver prepares a statement run five times
    and PostgreSQL may then keep one generic plan, blind to the words; the cheapest plan for
    "newest 200 of a common word" (walk the recency btree, test each row) is a full scan for
    a word no article has (measured: 0.5 s instead of 1 ms at 20,000 articles)."""
    session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _days(where: Filters, most: int = MAX_DAYS) -> str:
    """The ``tsquery`` clause "on one of the slice's days"; empty for an open slice or one of
    more than ``most`` days."""
    if where.low is None or where.high is None:
        return ""
    first, last = where.low // ID_SPAN, where.high // ID_SPAN
    if last - first >= most:
        return ""
    return " & (" + " | ".join(day_lexeme(d) for d in range(first, last + 1)) + ")"


def _all_terms(query: SearchQuery) -> str:
    """Every term of the found words, positions aside: a query GIN answers without a recheck."""
    return " & ".join(
        _lexeme(t) + (":*" if p.prefix else "") for p in query.include for t in p.terms
    )


FEW_CANDIDATES = 300
"""A newest-week slice whose words' terms (positions aside) are on fewer articles than this
is answered from GIN alone; more, and the recency btree is walked until enough match."""


def _gin_cap(session: Executor, query: SearchQuery, where: Filters, need: int) -> int | None:
    """How many candidates GIN may give the slice ``where`` before walking the recency btree
    and testing each row is the better way; None: GIN, whatever it finds.

    The planner picks the walk when it believes the words common in the slice, and where they
    are rare it is wrong: it tests every article of the slice, each read from TOAST (47-62 ms
    for a rare word in the newest week at 100,000 articles, against 1 ms from GIN; at
    1,000,000, 2.9 and 7.8 s for the 512-day slice and the rest with 龘靐 发展, an absent term
    beside a common one, and 3.3 s for a phrase in one paper's 64 days). So GIN is asked
    first for the slice's articles that hold all the words' terms (positions aside), at most
    :data:`FEW_CANDIDATES` in the newest week and past it ``sqrt(need x articles in the
    slice)``, where rechecking every candidate costs what walking to ``need`` matches does:
    fewer, and they are the answer's candidates; as many, and the walk stops sooner (10 ms
    against 41 for 高质量发展 in a week). A word of one term in the newest week (its day
    lexemes narrow GIN to the week) needs no cap: GIN is exact there.
    """
    week = bool(_days(where))
    if week and _exact_in_gin(query):
        return None
    if week:
        return FEW_CANDIDATES
    return max(FEW_CANDIDATES, math.isqrt(need * _slice_articles(session, where)))


def _exact_in_gin(query: SearchQuery) -> bool:
    """Whether GIN alone answers the query: words of one term each, nothing excluded."""
    return all(len(p.terms) == 1 for p in query.include) and not query.exclude


def _slice_articles(session: Executor, where: Filters) -> int:
    """How many articles the slice holds in all papers (the walk passes every one), from the
    editions' counts."""
    clauses, params = [], {}
    if where.low is not None:
        clauses.append("date >= :first")
        params["first"] = dt.date.fromordinal(where.low // ID_SPAN)
    if where.high is not None:
        clauses.append("date <= :last")
        params["last"] = dt.date.fromordinal(where.high // ID_SPAN)
    sql = "SELECT coalesce(sum(article_count), 0) FROM editions"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    return int(session.scalar(text(sql), params) or 0)


_FROM_GIN = (
    "WITH candidates AS MATERIALIZED ("
    " SELECT recency, terms FROM article_search WHERE {where} LIMIT :cap),"
    " found AS (SELECT recency FROM"
    " (SELECT recency, terms FROM candidates ORDER BY recency DESC OFFSET 0) AS newest"
    " WHERE (SELECT count(*) FROM candidates) < :cap{test} LIMIT :limit OFFSET :offset)"
    " SELECT (SELECT count(*) FROM candidates), ARRAY(SELECT recency FROM found)"
)
"""The slice's candidates from GIN (all the words' terms, positions aside, which GIN answers
exactly, so no vector is read; the slice's papers and days), at most ``cap`` of them; and
when there are fewer, the page of matches, newest first, phrases and exclusions tested
(``{test}``) in that order, so only the vectors of candidates up to the page's end are read
from TOAST. One scan of GIN for both: asking it first how many, then again for the page,
cost a phrase in one paper's 64 days two scans of 17 ms, and testing every candidate before
sorting them read 1,057 vectors for 201 matches (a search of 74 ms, p99 109 ms, at
1,000,000 articles). Left to itself the planner tested positions on every article of the
archive that holds the terms, before the days (``OFFSET 0`` keeps the inner queries apart)."""


_GIN_ONLY = (
    "SELECT set_config('enable_indexscan', 'off', true), set_config('enable_seqscan', 'off', true)"
)
"""GIN's bitmap, neither a walk of the recency btree nor a scan of the table. The planner
costs ``@@`` on a row as an operator call, not as reading the vector from TOAST, which it
is: on a small archive, where a day lexeme is common and GIN's estimate of 64 of them high,
it scanned the table for a rare word, reading every vector (390 ms at 20,000 articles,
against about 1 ms from GIN)."""
_ANY_SCAN = (
    "SELECT set_config('enable_indexscan', 'on', true), set_config('enable_seqscan', 'on', true)"
)


def _params(query: SearchQuery, where: Filters) -> dict[str, object]:
    return {
        "q": "(" + tsquery(query) + ")" + _days(where),
        "papers": list(where.paper_ids),
        "low": where.low,
        "high": where.high,
    }


class PostgresSearch:
    """:class:`~bot.storage.fulltext.index.SearchBackend` on ``tsvector`` and GIN."""

    def add(self, session: Executor, entries: Sequence[IndexEntry]) -> None:
        if entries:
            rows = [
                {
                    "article_id": e.article_id,
                    "paper_id": e.paper_id,
                    "key": e.key,
                    "terms": tsvector(e.title.split(), e.body.split(), e.key // ID_SPAN),
                }
                for e in entries
            ]
            session.execute(text(CLEANUP_MEMORY))
            session.execute(text(INSERT), rows)

    def remove(self, session: Executor, entries: Sequence[IndexEntry]) -> None:
        if entries:
            session.execute(
                text("DELETE FROM article_search WHERE article_id = ANY(:ids)"),
                {"ids": [e.article_id for e in entries]},
            )

    def newest(
        self, session: Executor, query: SearchQuery, where: Filters, offset: int, limit: int
    ) -> list[int]:
        walk = (
            f"SELECT recency FROM article_search WHERE {_where(where)}"
            " ORDER BY recency DESC LIMIT :limit OFFSET :offset"
        )
        params = {**_params(query, where), "limit": limit, "offset": offset}
        _custom_plans(session)
        session.execute(text(_GIN_ONLY))
        return self._newest(session, query, where, walk, params, offset + limit)

    def _newest(
        self,
        session: Executor,
        query: SearchQuery,
        where: Filters,
        walk: str,
        params: dict[str, object],
        need: int,
    ) -> list[int]:
        """The newest ``need`` matches' keys: from GIN when it has few candidates, else by
        walking the recency btree (``walk``, the statement to do so, with ``params``). The
        walk after GIN's answer gets only the time left (:func:`.index.arm_time_limit`): the
        two statements must not each have the search's whole time limit.

        Index scans are off on entry and back on when this returns (on success only: after
        an error, such as a search stopped by its time limit, the transaction is over, and
        a statement in it would hide that error behind its own)."""
        cap = _gin_cap(session, query, where, need)
        if cap is None:  # GIN is exact, and narrowed to the week by its days
            sql = (
                f"SELECT recency FROM article_search WHERE {_where(where, days_in_words=True)}"
                " ORDER BY recency DESC LIMIT :limit OFFSET :offset"
            )
            keys = [int(k) for k in session.scalars(text(sql), params)]
        else:
            test = "" if _exact_in_gin(query) else " AND terms @@ CAST(:q AS tsquery)"
            days = _days(where, GIN_DAYS)
            sql = _FROM_GIN.format(
                where=_where(where, words="all", days_in_words=bool(days)), test=test
            )
            params["all"] = f"({_all_terms(query)}){days}"
            found, keys = session.execute(text(sql), {**params, "cap": cap}).one()
            keys = [int(k) for k in keys]
        session.execute(text(_ANY_SCAN))
        if cap is not None and found >= cap:  # GIN holds too many: walk the recency btree
            arm_time_limit(session)
            keys = [int(k) for k in session.scalars(text(walk), params)]
        return keys

    def ranked(
        self, session: Executor, query: SearchQuery, where: Filters, pool: Sequence[int]
    ) -> list[tuple[int, float]]:
        """``ts_rank`` of the pooled articles, fetched by their keys: they are known to match,
        so the words are not tested again (a phrase's test reads each vector's positions, as
        ``ts_rank`` does once more). (Reading the pooled articles' text for our own bm25, as
        SQLite does, cost more here: 16 ms to fetch 200 articles' paragraphs from TOAST and
        decode them, against 9 ms for ``ts_rank`` of a common word.)"""
        if not pool:
            return []
        sql = (
            "SELECT recency, ts_rank(terms, CAST(:rank AS tsquery), 1) FROM article_search"
            " WHERE recency = ANY(:pool)"
        )
        params = {"rank": tsquery(query), "pool": list(pool)}  # the words alone rank
        return [(int(k), float(s)) for k, s in session.execute(text(sql), params)]
