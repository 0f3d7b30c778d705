"""Search benchmark: the query mix on a large archive, on SQLite and on PostgreSQL.

``python -m bench.search [--articles N] [--backend sqlite|postgres|both] [--rounds R]``.
The archive (:mod:`bench.archive`, default 1,000,000 articles) is built once and cached. For
each backend: p50/p99 of ``store.editions.search`` per query kind (common word, rare word,
two words, phrase, no hit, date-filtered, newest first, one paper: what a subscriber's
``/search`` asks, limited to a paper), the baseline (main's ``LIKE``
scan, once per query, on the same archive and in the same run), bytes per article before
(schema 0002, ``body`` repeating the paragraphs) and after (text once plus the index),
measured on the first 20,000 generated articles, and the index's share of an ingest
(parse a page, summarize, store: 20 editions, median of three interleaved rounds). Targets:
p99 of the mix < 50 ms; the index adds ≤ 20 % to ingest per article.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from bench import archive
from bench.common import (
    DEFAULT_HEADLINES,
    Target,
    bench_parser,
    console_for_tables,
    finish,
    out_option,
)
from bot.storage import engine as db
from bot.storage.editions import Editions
from bot.storage.fulltext import backend_for, parse_query
from bot.storage.fulltext.index import Executor, IndexEntry, recency
from bot.storage.fulltext.index import entry as fulltext_entry
from bot.storage.store import Store
from bot.storage.transactions import Transactions
from summarizer.edition import Article, Edition, Summary

P99_TARGET_MS = 50.0
INGEST_OVERHEAD_TARGET = 0.20
PG_SERVER = os.environ.get(
    "BAOZHAI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MIX: dict[str, tuple[str, ...]] = {
    "common word": ("发展", "工作", "建设"),
    "rare word": archive.RARE_WORDS,
    "two words": ("习近平 新时代", "科技 创新", "乡村 振兴"),
    "phrase": ('"高质量发展"', '"人工智能"', '"新质生产力"'),
    "no hit": (archive.ABSENT_WORD, "龘靐 发展"),
    "date-filtered": ("工会 2022-07", "发展 2023-03-15", "创新 2021-11"),
    "newest first": ("发展 最新", "工会 newest"),
    # A subscriber's /search is limited to their papers: one paper's articles, a fifth of the
    # archive, the date slices walked the same way.
    "one paper": (
        "发展 海南日报",
        f"{archive.RARE_WORDS[1]} 人民日报",
        "科技 创新 经济日报",
        '"新质生产力" 光明日报',
    ),
}
SAMPLE = 20_000
INGEST_EDITIONS = 20
INGEST_RUNS = tuple(
    f"{what} {how} index" for what in ("ingest", "store") for how in ("without", "with")
)
"""The runs of :func:`ingest_overhead`, each on a fresh database of its own."""
"""Editions of 100 articles stored for the ingest share: enough commits for the index's
segments to be merged as they are day after day (FTS5 merges every few commits)."""


def _url(kind: str, articles: int) -> str:
    if kind == "sqlite":
        return f"sqlite:///{archive.sqlite_path(articles)}"
    base, _, _ = PG_SERVER.rpartition("/")
    return f"{base}/{archive.pg_database(articles)}"


def ensure_archive(kind: str, articles: int, console: Console) -> dict[str, Any]:
    """Build the cached archive when missing; its build times (from the cache's note)."""
    note = archive.CACHE / f"archive-{articles}-v{archive.version(kind)}.{kind}.json"
    exists = (
        archive.sqlite_path(articles).is_file()
        if kind == "sqlite"
        else archive.pg_exists(PG_SERVER, articles)
    )
    if not exists or not note.is_file():
        console.print(f"building the {kind} archive of {articles:,} articles (cached after)")
        corpus = archive.load_corpus(DEFAULT_HEADLINES)
        started = time.monotonic()
        if kind == "sqlite":
            index_seconds = archive.build_sqlite(archive.sqlite_path(articles), corpus, articles)
        else:
            index_seconds = archive.build_postgres(PG_SERVER, corpus, articles)
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text(
            json.dumps(
                {"seconds": time.monotonic() - started, "index_seconds": index_seconds}
            )
        )
    return dict(json.loads(note.read_text()))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_queries(store: Store, rounds: int) -> dict[str, list[float]]:
    """Milliseconds per search, by kind: one warm-up pass, then ``rounds`` shuffled passes."""
    queries = [(kind, q) for kind, texts in MIX.items() for q in texts]
    parsed = {q: parse_query(q, archive.PAPERS) for _, q in queries}
    for _, q in queries:
        store.editions.search(parsed[q], offset=0, limit=5)
    # As the bot freezes what its start-up made (post_init): without it a full collection of
    # this process's heap (the corpus, the dictionaries) took 50-100 ms inside a search.
    gc.collect()
    gc.freeze()
    times: dict[str, list[float]] = {kind: [] for kind in MIX}
    rng = random.Random(7)
    for _ in range(rounds):
        rng.shuffle(queries)
        for kind, q in queries:
            page = rng.choice((0, 0, 0, 1))
            started = time.perf_counter()
            store.editions.search(parsed[q], offset=page * 5, limit=5)
            times[kind].append((time.perf_counter() - started) * 1000)
    gc.unfreeze()
    return times


def like_baseline(store: Store, words: tuple[str, ...]) -> dict[str, float]:
    """Main's search (count, then the newest page, LIKE over title and text), ms per word."""
    found: dict[str, float] = {}
    with store.engine.connect() as conn:
        for word in words:
            pattern = f"%{word}%"
            started = time.perf_counter()
            conn.execute(
                text(
                    "SELECT count(*) FROM articles WHERE title LIKE :p OR"
                    " CAST(paragraphs AS TEXT) LIKE :p"
                ),
                {"p": pattern},
            ).scalar()
            conn.execute(
                text(
                    "SELECT a.id FROM articles a JOIN editions e ON e.id = a.edition_id"
                    " WHERE a.title LIKE :p OR CAST(a.paragraphs AS TEXT) LIKE :p"
                    " ORDER BY e.date DESC, e.id DESC, a.number LIMIT 5"
                ),
                {"p": pattern},
            ).all()
            found[word] = (time.perf_counter() - started) * 1000
    return found


class _NoIndex:
    """An index that does nothing: storing without it is the "before" of the overhead."""

    def add(self, session: Executor, entries: Any) -> None:
        pass

    def remove(self, session: Executor, entries: Any) -> None:
        pass

    def newest(self, *args: Any) -> list[int]:
        return []

    def ranked(self, *args: Any) -> list[tuple[int, float]]:
        return []


def _editions(count: int) -> list[Edition]:
    """``count`` editions of one paper, one a day (a date each: none replaces another)."""
    corpus = archive.load_corpus(DEFAULT_HEADLINES)
    editions: list[Edition] = []
    articles: list[Article] = []
    for generated in archive.generate(corpus, count * archive.PER_PAPER_PER_DAY, seed=99):
        articles.append(Article(title=generated.title, paragraphs=generated.paragraphs))
        if len(articles) == archive.PER_PAPER_PER_DAY:
            day = archive.FIRST_DAY + dt.timedelta(days=len(editions))
            editions.append(Edition(paper="人民日报", date=day, page=None, articles=articles))
            articles = []
    return editions


def _headings(page: str) -> int:
    return sum(1 for line in page.splitlines() if line.startswith("# "))


def ingest_overhead(url_for: Any, editions: list[Edition], rounds: int = 3) -> dict[str, float]:
    """ms per article of the bot's whole ingest (:func:`bot.ingest.inbox.ingest`: an inbox of
    page files read, parsed, summarized and stored) with and without the index, of storing the
    same editions alone with and without it (fresh databases each), and of the index terms
    alone; each the median of ``rounds`` interleaved runs.

    The index's cost is taken from the stores (their difference, plus the terms): the whole
    ingest's summarizing makes its two runs differ by more than that from run to run. The
    store cuts an article's index terms before it hands them to the index, so the run
    "without index" pays for them too: ``index terms`` is timed alone, to be moved from the
    baseline to the index's side. On PostgreSQL the indexed runs end by merging what is left
    in GIN's pending list (a later insert would pay for it). A first ingest warms the
    summarizer up (its segmenter loads a dictionary on first use)."""
    import tempfile

    from bot.ingest.inbox import ingest
    from bot.sources.inbox import InboxSource

    times: dict[str, list[float]] = defaultdict(list)
    articles = [a for e in editions for a in e.articles]
    n = len(articles)
    pages = {
        f"{e.date}_p01.txt": "\n\n".join(
            f"# {a.title}\n\n" + "\n\n".join(a.paragraphs) for a in e.articles
        )
        for e in editions
    }
    day = dt.date(2024, 7, 1)

    def merge_pending(store: Store) -> None:
        if store.engine.dialect.name == "postgresql":
            with store.engine.begin() as conn:
                conn.execute(text("SELECT gin_clean_pending_list('ix_article_search_terms')"))

    def run(store: Store, inbox: Path, files: dict[str, str], indexed: bool = True) -> float:
        source = InboxSource("人民日报", inbox, grace=dt.timedelta(0))
        inbox.mkdir(parents=True, exist_ok=True)
        for name, page in files.items():
            (inbox / name).write_text(page, encoding="utf-8")
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)  # the files are complete
        started = time.perf_counter()
        report = ingest(store, source, sentences=3, now=now)
        if indexed:
            merge_pending(store)
        elapsed = time.perf_counter() - started
        stored = sum(e.article_count for e in report.new)
        if len(report.new) != len(files) or stored != sum(map(_headings, files.values())):
            raise RuntimeError(f"the benchmark's editions were not all ingested: {report}")
        return elapsed

    def store_all(store: Store, indexed: bool) -> float:
        started = time.perf_counter()
        for i, edition in enumerate(editions):
            summaries = [Summary(tuple(a.paragraphs[:1]), ()) for a in edition.articles]
            store.editions.add("人民日报", edition, summaries, f"h{i}")
        if indexed:
            merge_pending(store)
        return time.perf_counter() - started

    with tempfile.TemporaryDirectory(prefix="baozhai-bench-ingest-") as folder:
        root = Path(folder)
        with Store(f"sqlite:///{root / 'warm-up.sqlite'}") as store:
            first = next(iter(pages))
            run(store, root / "warm-up", {first: pages[first]})
        for round_ in range(rounds):
            for label in INGEST_RUNS:
                indexed = label.endswith(" with index")
                store = Store(url_for(label))
                try:
                    if not indexed:
                        store.editions = Editions(Transactions(store.engine), _NoIndex())
                    if label.startswith("ingest"):
                        elapsed = run(store, root / f"inbox-{round_}-{indexed}", pages, indexed)
                    else:
                        elapsed = store_all(store, indexed)
                    times[label].append(elapsed * 1000 / n)
                finally:
                    store.close()
            started = time.perf_counter()
            for number, a in enumerate(articles):
                fulltext_entry(number + 1, 1, day, a.title, a.paragraphs)
            times["index terms"].append((time.perf_counter() - started) * 1000 / n)
    return {label: statistics.median(values) for label, values in times.items()}


def bytes_per_article(kind: str, workdir: Path, count: int = SAMPLE) -> dict[str, float]:
    """Database bytes per article of the first ``count`` generated articles, at schema
    0002 (``body`` repeats the text, no index) and at head (text once, index)."""
    corpus = archive.load_corpus(DEFAULT_HEADLINES)
    sample = list(archive.generate(corpus, count))
    sizes: dict[str, float] = {}
    for revision in ("0002", "head"):
        url = _scratch_url(kind, workdir, revision)
        db.upgrade(url, revision)
        engine = db.make_engine(url)
        index = backend_for(engine.dialect.name)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO papers (id, name, created_at) VALUES (1, 'p', :t)"),
                         {"t": "2024-07-01 00:00:00+00:00"})
            conn.execute(
                text("INSERT INTO editions (id, paper_id, date, content_hash, article_count,"
                     " ingested_at) VALUES (:id, 1, :d, :h, 100, :t)"),
                [{"id": e, "d": d, "h": f"h{e}", "t": "2024-07-01 00:00:00+00:00"}
                 for e, d in sorted({(a.edition_id, a.date) for a in sample})],
            )
            body = ", body" if revision == "0002" else ""
            value = ", :body" if revision == "0002" else ""
            conn.execute(
                text("INSERT INTO articles (id, edition_id, number, page, title, paragraphs,"
                     f" captions, summary, keywords{body}) VALUES (:id, :e, :n, '1', :title,"
                     f" :p, '[]', :s, '[]'{value})"),
                [{"id": a.id, "e": a.edition_id, "n": a.number, "title": a.title,
                  "p": json.dumps(a.paragraphs, ensure_ascii=False),
                  "s": json.dumps(a.paragraphs[:1], ensure_ascii=False),
                  "body": "\n".join(a.paragraphs)} for a in sample],
            )
            if revision == "head":
                index.add(conn, [IndexEntry(a.id, recency(a.date, a.id), 1,
                                            " ".join(a.title_terms), " ".join(a.body_terms))
                                 for a in sample])
        sizes[revision] = _size(engine, kind) / len(sample)
        engine.dispose()
        _drop_scratch(kind, workdir, revision)
    return {"before (0002)": sizes["0002"], "after": sizes["head"]}


def _scratch_url(kind: str, workdir: Path, revision: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'size-{revision}.sqlite'}"
    import psycopg

    admin = PG_SERVER.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "baozhai_bench_size_{revision}"')
        conn.execute(f'CREATE DATABASE "baozhai_bench_size_{revision}"')
    base, _, _ = PG_SERVER.rpartition("/")
    return f"{base}/baozhai_bench_size_{revision}"


def _drop_scratch(kind: str, workdir: Path, revision: str) -> None:
    if kind == "sqlite":
        (workdir / f"size-{revision}.sqlite").unlink(missing_ok=True)
        return
    import psycopg

    admin = PG_SERVER.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "baozhai_bench_size_{revision}"')


def _size(engine: Any, kind: str) -> float:
    with engine.connect() as conn:
        if kind == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
            free = conn.exec_driver_sql("PRAGMA freelist_count").scalar()
            size = conn.exec_driver_sql("PRAGMA page_size").scalar()
            return float((pages - free) * size)
        return float(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar())


def run_backend(kind: str, articles: int, rounds: int, console: Console) -> dict[str, Any]:
    build = ensure_archive(kind, articles, console)
    url = _url(kind, articles)
    store = Store(url)
    try:
        times = time_queries(store, rounds)
        baseline = like_baseline(store, ("工会", archive.RARE_WORDS[0]))
        total_bytes = _size(store.engine, kind)
    finally:
        store.close()
    workdir = archive.CACHE / "scratch"
    workdir.mkdir(parents=True, exist_ok=True)
    editions = _editions(INGEST_EDITIONS)

    def ingest_url(label: str) -> str:
        path = workdir / f"ingest-{label.replace(' ', '-')}.sqlite"
        path.unlink(missing_ok=True)
        if kind == "sqlite":
            return f"sqlite:///{path}"
        return _scratch_url(kind, workdir, label.replace(" ", "_"))

    overhead = ingest_overhead(ingest_url, editions)
    if kind != "sqlite":
        for label in INGEST_RUNS:
            _drop_scratch(kind, workdir, label.replace(" ", "_"))
    sizes = bytes_per_article(kind, workdir)
    mix = [t for values in times.values() for t in values]
    return {
        "backend": kind,
        "articles": articles,
        "build_seconds": build["seconds"],
        "index_build_seconds": build["index_seconds"],
        "database_bytes_per_article": total_bytes / articles,
        "bytes_per_article_sample": sizes,
        "kinds": {
            kind_: {"p50_ms": statistics.median(v), "p99_ms": _percentile(v, 0.99), "n": len(v)}
            for kind_, v in times.items()
        },
        "mix": {"p50_ms": statistics.median(mix), "p99_ms": _percentile(mix, 0.99)},
        "like_baseline_ms": baseline,
        "ingest_ms_per_article": overhead,
    }


def render(result: dict[str, Any], console: Console) -> None:
    for backend in result["backends"]:
        table = Table(title=f"search, {backend['backend']}, {backend['articles']:,} articles")
        for column in ("query kind", "p50 ms", "p99 ms", "n"):
            table.add_column(column)
        for kind, row in backend["kinds"].items():
            table.add_row(kind, f"{row['p50_ms']:.1f}", f"{row['p99_ms']:.1f}", str(row["n"]))
        table.add_row("[b]mix[/]", f"{backend['mix']['p50_ms']:.1f}",
                      f"{backend['mix']['p99_ms']:.1f}", "")
        console.print(table)
        sizes = backend["bytes_per_article_sample"]
        ingest = backend["ingest_ms_per_article"]
        console.print(
            "LIKE baseline (main's search), same archive: "
            + ", ".join(f"{w} {ms:,.0f} ms" for w, ms in backend["like_baseline_ms"].items())
            + f"\nbuild {backend['build_seconds']:.0f} s, of which index "
            f"{backend['index_build_seconds']:.0f} s; database "
            f"{backend['database_bytes_per_article']:,.0f} B/article"
            f"\nbytes/article ({SAMPLE:,}): before {sizes['before (0002)']:,.0f}, "
            f"after {sizes['after']:,.0f}"
            f"\ningest ms/article (read, parse, summarize, store): "
            f"{ingest['ingest without index']:.2f} -> {ingest['ingest with index']:.2f} with "
            f"index; storing alone {ingest['store without index']:.2f} -> "
            f"{ingest['store with index']:.2f} (index terms, in both: "
            f"{ingest['index terms']:.2f})"
        )


def _index_share(ingest: dict[str, float]) -> tuple[float, float]:
    """ms per article the index adds (its terms included: the stores' difference plus the
    terms), and the whole ingest without it (its terms taken out)."""
    terms = ingest["index terms"]
    extra = ingest["store with index"] - ingest["store without index"] + terms
    return extra, ingest["ingest without index"] - terms


def targets(result: dict[str, Any]) -> list[Target]:
    found: list[Target] = []
    for backend in result["backends"]:
        p99 = backend["mix"]["p99_ms"]
        found.append(Target(f"{backend['backend']} search p99 of the mix", f"{p99:.1f} ms",
                            f"< {P99_TARGET_MS:.0f} ms", p99 < P99_TARGET_MS))
        extra, whole = _index_share(backend["ingest_ms_per_article"])
        share = extra / whole
        found.append(
            Target(
                f"{backend['backend']} index share of ingest per article",
                f"+{share:.0%} (+{extra:.2f} ms on {whole:.2f} ms)",
                f"≤ {INGEST_OVERHEAD_TARGET:.0%}",
                share <= INGEST_OVERHEAD_TARGET,
            )
        )
    return found


def run(articles: int, backends: list[str], rounds: int, out: Path, console: Console,
        *, check: bool) -> int:
    result: dict[str, Any] = {
        "articles": articles,
        "mix": {k: list(v) for k, v in MIX.items()},
        "backends": [run_backend(kind, articles, rounds, console) for kind in backends],
    }
    return finish(result, targets(result), render, out, console, check=check)


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser("python -m bench.search", __doc__)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=20)
    out_option(parser, "search.json")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    return run(args.articles, backends, args.rounds, args.out, console_for_tables(),
               check=args.check)


if __name__ == "__main__":
    sys.exit(main())
