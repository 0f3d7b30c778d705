"""Specification of the PostgreSQL vector literal (``postgres.tsvector``): one entry per term
occurrence, which the server must read as exactly the vector of the grouped literal it
replaced (each lexeme once with its first 256 positions, title weighted A, positions clamped
at 16383, the day lexeme last, and the long lexeme where the server cut positions), compared as
the server prints both."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import URL

from bot.storage.fulltext.postgres import LONG, MAX_POSITION, day_lexeme, tsvector
from bot.storage.fulltext.terms import SEPARATOR, document_terms
from summarizer.parser import read_page

DAY = 739068  # 2024-07-01


def grouped(title: Sequence[str], body: Sequence[str], day: int) -> str:
    """The literal as built before: each lexeme once, its positions in order, at most 256;
    separators and the position between title and text left free."""
    positions: defaultdict[str, list[str]] = defaultdict(list)
    position = 0
    for weight, terms in (("A", title), ("", [SEPARATOR, *body])):
        for term in terms:
            position = min(position + 1, MAX_POSITION)
            if term != SEPARATOR:
                positions[term].append(f"{position}{weight}")
    quoted = {t: "'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in positions}
    found = " ".join(f"{quoted[t]}:{','.join(p[:256])}" for t, p in positions.items())
    cut = len(title) + 1 + len(body) > MAX_POSITION or any(len(p) > 256 for p in positions.values())
    marks = f"{day_lexeme(day)} {LONG}" if cut else day_lexeme(day)  # the server cut it
    return f"{found} {marks}" if found else marks


@pytest.fixture
def pg(pg_url: URL) -> Iterator[sa.Connection]:
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def read_both(
    conn: sa.Connection, articles: Sequence[tuple[Sequence[str], Sequence[str]]]
) -> tuple[list[str], list[str]]:
    """(as the server reads the new literal, as it reads the grouped one) per article."""
    rows = conn.execute(
        sa.text(
            "SELECT CAST(n AS tsvector)::text, CAST(o AS tsvector)::text"
            " FROM unnest(CAST(:new AS text[]), CAST(:old AS text[])) AS x(n, o)"
        ),
        {
            "new": [tsvector(t, b, DAY) for t, b in articles],
            "old": [grouped(t, b, DAY) for t, b in articles],
        },
    ).all()
    return [r[0] for r in rows], [r[1] for r in rows]


def test_the_seed_edition_gives_the_vectors_of_the_grouped_literal(
    pg: sa.Connection, seed_path: Path
) -> None:
    page = read_page(seed_path)
    articles = [(document_terms([a.title]), document_terms(a.paragraphs)) for a in page.articles]
    new, old = read_both(pg, articles)
    assert len(new) == len(page.articles) > 0
    assert new == old


def test_a_term_past_256_occurrences_keeps_its_first_256_positions(pg: sa.Connection) -> None:
    body = ["工会", "会议"] * 300
    new, old = read_both(pg, [(["工会"], body)])
    assert new == old
    assert new[0].count(",") > 500  # both lexemes hold 256 positions


def test_positions_past_the_limit_are_clamped_alike(pg: sa.Connection) -> None:
    body = [f"w{i % 500}" for i in range(MAX_POSITION + 700)] + ["尾巴", "尾巴"]
    new, old = read_both(pg, [(["标题"] * 3, body)])
    assert new == old
    assert f"'尾巴':{MAX_POSITION}" in new[0]


def test_separators_and_the_step_from_title_to_text_are_free_positions(pg: sa.Connection) -> None:
    literal = tsvector(["标题"], ["正文", SEPARATOR, "尾"], DAY)
    stored = pg.execute(sa.text("SELECT CAST(:v AS tsvector)::text"), {"v": literal}).scalar()
    assert stored == f"'#{DAY}' '尾':5 '标题':1A '正文':3"


def test_an_article_without_terms_holds_its_day_alone(pg: sa.Connection) -> None:
    assert read_both(pg, [([], [])]) == ([f"'#{DAY}'"], [f"'#{DAY}'"])


def test_quotes_and_backslashes_would_be_escaped(pg: sa.Connection) -> None:
    """Terms never hold them today (test_search_terms), but a literal must not break if so."""
    new, old = read_both(pg, [(["it's", "a\\b"], ["'", "x"])])
    assert new == old


TEXT = st.text(
    alphabet="总工会组织全国人议の・ーカタ゠ヽ〇㐀𠀀aZ5５Ｇß"  # Han, kana and its ・, letters
    " ，。、《》\"'\\%_:!&|-\u0301\u00a0\u3000",  # what separates them
    max_size=80,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.one_of(TEXT, st.text(max_size=40)),
            st.lists(st.one_of(TEXT, st.text(max_size=200)), max_size=4),
        ),
        min_size=1,
        max_size=5,
    )
)
@example([("アジア・太平洋", ["カタカナ・ひらがな・漢字、ー長音。", "５Ｇ网络ß"])])
def test_any_text_gives_the_vector_of_the_grouped_literal(
    pg: sa.Connection, texts: list[tuple[str, list[str]]]
) -> None:
    articles = [(document_terms([t]), document_terms(ps)) for t, ps in texts]
    new, old = read_both(pg, articles)
    assert new == old
