"""A large archive made from real article text, for the search benchmarks.

Made by re-combining real sentences with a fixed seed: the 71 articles of
``news_headlines.jsonl`` and the seed edition are split into paragraphs and sentences; each
generated article takes a real article's paragraph count and fills each paragraph with 1-4
sentences drawn at random from the whole pool, under a real headline or the start of a real
sentence. Five papers print 100 articles a day each, so 1,000,000 articles span 2,000 days.
Controlled words make the query mix repeatable: :data:`RARE_WORDS` go into one article in
20,000 each (about 50 at a million) and :data:`ABSENT_WORD` into none.

Rows go in with bulk inserts (``executemany`` on SQLite, ``COPY`` on PostgreSQL) straight into
the schema the migrations made, with the index filled the way the store fills it
(:mod:`bot.storage.fulltext`). The result is cached: ``bench/cache/archive-N.sqlite`` (git
ignores it) and, on PostgreSQL, the database ``baozhai_bench_N``; a re-run with the same N
and version (:func:`version`) reuses them.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.common import DEFAULT_EDITION, REPO, load_headlines
from bot.storage import engine as db
from bot.storage.fulltext import postgres
from bot.storage.fulltext.index import recency
from bot.storage.fulltext.terms import document_terms, split_terms
from summarizer.parser import read_page
from summarizer.sentences import split_sentences

CACHE = REPO / "bench" / "cache"
VERSIONS = {"sqlite": 1, "postgres": 2}
"""What each backend's archive holds; a change makes new cache names. PostgreSQL 2: the
vectors hold day lexemes (migration 0009); SQLite's FTS5 index is unchanged since 1."""
SEED = 20240701
PAPERS = ("人民日报", "海南日报", "浙江工人日报", "光明日报", "经济日报")
PER_PAPER_PER_DAY = 100
FIRST_DAY = dt.date(2019, 1, 1)
RARE_WORDS = ("鲲鹏超算中心", "深海采矿船", "量子纠缠通信")
RARE_EVERY = 20_000
ABSENT_WORD = "龘靐齉"


@dataclass(frozen=True, slots=True)
class Corpus:
    """Real text to recombine: sentences, paragraph counts, titles."""

    sentences: tuple[str, ...]
    paragraph_counts: tuple[int, ...]
    titles: tuple[str, ...]


def load_corpus(headlines: Path, edition: Path = DEFAULT_EDITION) -> Corpus:
    """Sentences, paragraph counts and titles of the headline set (and the seed edition)."""
    sentences: list[str] = []
    counts: list[int] = []
    titles: list[str] = []
    texts: list[tuple[str, list[str]]] = [
        (row.headline, [p for p in row.text.split("\n") if p.strip()])
        for row in load_headlines(headlines)
    ]
    if edition.is_file():
        texts += [(a.title, list(a.paragraphs)) for a in read_page(edition).articles]
    for title, paragraphs in texts:
        titles.append(title)
        counts.append(max(1, len(paragraphs)))
        for paragraph in paragraphs:
            sentences.extend(s for s in split_sentences(paragraph) if ABSENT_WORD not in s)
    return Corpus(tuple(sentences), tuple(counts), tuple(titles))


@dataclass(frozen=True, slots=True)
class Generated:
    """One generated article, with its index terms."""

    id: int
    edition_id: int
    paper_id: int
    date: dt.date
    number: int
    title: str
    paragraphs: list[str]
    title_terms: list[str]
    body_terms: list[str]


def generate(corpus: Corpus, articles: int, seed: int = SEED) -> Iterator[Generated]:
    """``articles`` articles in date order, numbered within editions, ids from 1."""
    rng = random.Random(seed)
    cut: dict[str, tuple[list[str], list[str]]] = {}

    def terms_of(sentence: str) -> tuple[list[str], list[str]]:
        found = cut.get(sentence)
        if found is None:
            found = cut[sentence] = split_terms(sentence)
        return found

    article_id = 0
    edition_id = 0
    day = FIRST_DAY
    while True:
        for paper_id in range(1, len(PAPERS) + 1):
            edition_id += 1
            for number in range(1, PER_PAPER_PER_DAY + 1):
                article_id += 1
                if article_id > articles:
                    return
                paragraphs: list[str] = []
                positional: list[str] = []
                tails: list[str] = []
                for _ in range(rng.choice(corpus.paragraph_counts)):
                    chosen = [rng.choice(corpus.sentences) for _ in range(rng.randint(1, 4))]
                    paragraphs.append("".join(chosen))
                    for sentence in chosen:
                        p, t = terms_of(sentence)
                        positional += p
                        tails += t
                if rng.randrange(RARE_EVERY) < len(RARE_WORDS):
                    word = RARE_WORDS[rng.randrange(len(RARE_WORDS))]
                    extra = f"{word}建设取得新进展。"
                    paragraphs.append(extra)
                    p, t = terms_of(extra)
                    positional += p
                    tails += t
                title = rng.choice(corpus.titles) if rng.random() < 0.5 else (
                    rng.choice(corpus.sentences)[:28]
                )
                yield Generated(
                    article_id,
                    edition_id,
                    paper_id,
                    day,
                    number,
                    title,
                    paragraphs,
                    document_terms([title]),
                    positional + tails,
                )
        day += dt.timedelta(days=1)


def batches(corpus: Corpus, articles: int, label: str | None) -> Iterator[list[Generated]]:
    """The generated articles 10,000 at a time, with a progress line every 100,000."""
    started = time.monotonic()
    batch: list[Generated] = []
    for article in generate(corpus, articles):
        batch.append(article)
        if len(batch) == 10_000:
            yield batch
            batch = []
            if label and article.id % 100_000 == 0:
                seconds = time.monotonic() - started
                print(f"  {label}: {article.id:,} articles ({seconds:.0f} s)", flush=True)
    if batch:
        yield batch


def _summary(paragraphs: list[str]) -> str:
    return json.dumps(paragraphs[:1], ensure_ascii=False)


# -------------------------------------------------------------------------------- SQLite


def version(kind: str) -> int:
    """The archive version of a backend ("sqlite" or "postgres")."""
    return VERSIONS[kind]


def sqlite_path(articles: int) -> Path:
    return CACHE / f"archive-{articles}-v{version('sqlite')}.sqlite"


def build_sqlite(path: Path, corpus: Corpus, articles: int, *, log: bool = True) -> float:
    """Write the archive to a new SQLite file at ``path``; seconds spent in the FTS inserts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    db.upgrade(f"sqlite:///{partial}")
    conn = sqlite3.connect(partial, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    stamp = "2024-07-01 00:00:00.000000"
    conn.executemany(
        "INSERT INTO papers (id, name, created_at) VALUES (?, ?, ?)",
        [(i, name, stamp) for i, name in enumerate(PAPERS, start=1)],
    )
    index_seconds = 0.0
    seen_editions: set[int] = set()
    for batch in batches(corpus, articles, "sqlite" if log else None):
        index_seconds += _sqlite_rows(conn, batch, seen_editions, stamp)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    partial.rename(path)
    return index_seconds


def _sqlite_rows(
    conn: sqlite3.Connection, batch: list[Generated], seen: set[int], stamp: str
) -> float:
    editions = []
    for a in batch:
        if a.edition_id not in seen:
            seen.add(a.edition_id)
            editions.append((a.edition_id, a.paper_id, a.date.isoformat(), f"h{a.edition_id}",
                             PER_PAPER_PER_DAY, stamp))
    conn.executemany(
        "INSERT INTO editions (id, paper_id, date, content_hash, article_count, ingested_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        editions,
    )
    conn.executemany(
        "INSERT INTO articles (id, edition_id, number, page, title, byline, paragraphs,"
        " captions, summary, keywords, continued_on) VALUES (?, ?, ?, '1', ?, NULL, ?, '[]',"
        " ?, '[]', NULL)",
        [
            (a.id, a.edition_id, a.number, a.title,
             json.dumps(a.paragraphs, ensure_ascii=False), _summary(a.paragraphs))
            for a in batch
        ],
    )
    started = time.monotonic()
    conn.executemany(
        "INSERT INTO article_fts (rowid, title, body, paper) VALUES (?, ?, ?, ?)",
        [
            (recency(a.date, a.id), " ".join(a.title_terms), " ".join(a.body_terms),
             f"p{a.paper_id}")
            for a in batch
        ],
    )
    return time.monotonic() - started


# ---------------------------------------------------------------------------- PostgreSQL


def pg_database(articles: int) -> str:
    return f"baozhai_bench_{articles}_v{version('postgres')}"


def build_postgres(server_url: str, corpus: Corpus, articles: int, *, log: bool = True) -> float:
    """Create the database ``pg_database(articles)`` with the archive; seconds of the index
    (COPY of the vectors plus the GIN and btree builds)."""
    import psycopg

    name = pg_database(articles)
    admin_url = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}_partial"')
        admin.execute(f'CREATE DATABASE "{name}_partial"')
    partial = _with_db(server_url, name + "_partial")
    db.upgrade(partial)
    index_seconds = 0.0
    with psycopg.connect(partial.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("DROP INDEX ix_article_search_terms")
        conn.execute("DROP INDEX ix_article_search_recency")
        conn.execute("ALTER TABLE article_search DROP CONSTRAINT article_search_article_id_fkey")
        stamp = dt.datetime(2024, 7, 1, tzinfo=dt.UTC)
        with conn.cursor().copy("COPY papers (id, name, created_at) FROM STDIN") as copy:
            for i, paper in enumerate(PAPERS, start=1):
                copy.write_row((i, paper, stamp))
        seen: set[int] = set()
        for batch in batches(corpus, articles, "postgres" if log else None):
            index_seconds += _pg_rows(conn, batch, seen, stamp)
        conn.commit()
        built = time.monotonic()
        conn.execute("SET maintenance_work_mem = '1GB'")
        for statement in postgres.INDEXES:
            conn.execute(statement)
        conn.execute(
            "ALTER TABLE article_search ADD CONSTRAINT article_search_article_id_fkey"
            " FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE"
        )
        conn.commit()
        index_seconds += time.monotonic() - built
    with psycopg.connect(partial.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"')
    return index_seconds


def _pg_rows(conn: object, batch: list[Generated], seen: set[int], stamp: dt.datetime) -> float:
    cursor = conn.cursor()  # type: ignore[attr-defined]
    with cursor.copy(
        "COPY editions (id, paper_id, date, content_hash, article_count, ingested_at) FROM STDIN"
    ) as copy:
        for a in batch:
            if a.edition_id not in seen:
                seen.add(a.edition_id)
                copy.write_row((a.edition_id, a.paper_id, a.date, f"h{a.edition_id}",
                                PER_PAPER_PER_DAY, stamp))
    with cursor.copy(
        "COPY articles (id, edition_id, number, page, title, paragraphs, captions, summary,"
        " keywords) FROM STDIN"
    ) as copy:
        for a in batch:
            copy.write_row((a.id, a.edition_id, a.number, "1", a.title,
                            json.dumps(a.paragraphs, ensure_ascii=False), "[]",
                            _summary(a.paragraphs), "[]"))
    started = time.monotonic()
    with cursor.copy(
        "COPY article_search (article_id, paper_id, recency, terms) FROM STDIN"
    ) as copy:
        for a in batch:
            copy.write_row((a.id, a.paper_id, recency(a.date, a.id),
                            postgres.tsvector(a.title_terms, a.body_terms,
                                              a.date.toordinal())))
    return time.monotonic() - started


def _with_db(server_url: str, name: str) -> str:
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


def pg_exists(server_url: str, articles: int) -> bool:
    import psycopg

    admin_url = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        found = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (pg_database(articles),)
        ).fetchone()
    return found is not None


__all__ = [
    "ABSENT_WORD",
    "CACHE",
    "RARE_WORDS",
    "Corpus",
    "build_postgres",
    "build_sqlite",
    "generate",
    "load_corpus",
    "pg_database",
    "pg_exists",
    "sqlite_path",
    "version",
]
