"""Speed benchmark: ours against textrank4zh on the same articles, in the same process and run.

Everything is measured warm (jieba's dictionary and POS tables loaded, one untimed pass
first), because a bot process loads once and then summarizes for days. Reported:

* per-article time, like for like: :func:`summarizer.summary.summarize` (3 sentences + 6
  keywords, one ``jieba.lcut`` per article) against textrank4zh producing the same thing
  (``TextRank4Sentence`` + ``TextRank4Keyword``, ``jieba.posseg`` three times each), and ours
  with ``keywords=0`` against ``TextRank4Sentence`` alone. Ratios are totals over the same
  articles in the same run, so the machine cancels out. Articles: the headline set cleaned
  by the parser (``--data``), else the seed edition's articles. Each article is timed by
  every system in turn, so that a change in a shared machine's load hits both sides.
* ``jieba.lcut`` against ``jieba.posseg.cut`` on the same texts: the cost of POS tagging.
* the seed edition page (``../shared/editions/000_66a55eaee7fab4ff.txt``, else the packaged
  ``bot/sample`` copy): ``read_page`` + ``summarize`` of every article, median of warm runs
  (target: under 5 ms), and the same with textrank4zh in place of ``summarize``.
* ingest end to end: :func:`bot.ingest.ingest` of a synthetic edition of
  :data:`INGEST_COPIES` pages, each holding every headline-set article (~700 articles),
  dropped in a temporary inbox: parse, merge, summarize, store (SQLite), per 1,000
  characters; parse, summarize and store are also timed alone.
* peak memory with tracemalloc (Python allocations during one warm call, for every article:
  mean and max; the segmenter's dictionary loaded before is not counted, the process's max
  RSS is reported beside it).
* pathological input, ours only (textrank4zh would take minutes): 5,000 tiny paragraphs, a
  200,000-character article, 5,000 sentences full of ``《》（）``. No target; these rows show
  that the summarizer's caps (:data:`summarizer.summary.MAX_SENTENCES`) keep them cheap.

Targets (PASS/FAIL after the tables; ``--check`` makes a miss exit 1): textrank4zh takes at
least :data:`SPEEDUP_TARGET` times ours per article for 3 sentences + keywords
(:data:`SENTENCES_SPEEDUP_TARGET` for sentences only), the seed edition's parse + summarize
stays under :data:`EDITION_TARGET_MS` warm, and the end-to-end ingest rate is at most
:data:`INGEST_TARGET_MS_PER_1000` ms per 1,000 characters.

Timings are medians of repeated runs; ``--quick`` repeats less and uses 20 articles. The
targets are wall-clock times; beside the seed edition's and the ingest's, the process's CPU
time of the same runs is reported, and the load average before and after: on a shared machine
the wall clock counts other processes' turns on the cores, the CPU time only ours.
Usage: ``python -m bench.speed [--data PATH] [--edition PATH] [--out PATH] [--quick] [--check]``.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import reference
from bench.common import (
    DEFAULT_EDITION,
    DEFAULT_HEADLINES,
    PACKAGED_EDITION,
    RESULTS_DIR,
    Target,
    article_cleaner,
    bench_parser,
    console_for_tables,
    finish,
    load_headlines,
    out_option,
    peak_rss_mib,
    quiet_jieba,
)
from summarizer.edition import Article
from summarizer.limits import Limits, summarizer_for
from summarizer.summary import Summarizer, default_summarizer
from summarizer.tokens import ensure_loaded

EDITION_TARGET_MS = 5.0
SPEEDUP_TARGET = 100.0
"""textrank4zh's time over ours per article, 3 sentences + 6 keywords (the like-for-like row)."""
SENTENCES_SPEEDUP_TARGET = 20.0
"""The same for sentences only (textrank4zh then skips its keyword pass: a smaller ratio)."""
INGEST_TARGET_MS_PER_1000 = 3.0
"""Ingest of a ~700-article synthetic edition end to end (parse, summarize, store), per 1,000
characters."""
INGEST_COPIES = 10
"""The synthetic edition has this many pages, each holding every headline-set article
(71 x 10 = 710)."""
INGEST_LIMITS = Limits(articles_per_edition=1000)
"""The default limits but for the articles of one edition (500 by default; the synthetic
edition has 710)."""
OURS_FULL = "ours: summarize (3 sentences + 6 keywords)"
OURS_SENTENCES = "ours: 3 sentences (keywords=0)"


def _times_ms(function: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        function()
        times.append((time.perf_counter_ns() - start) / 1e6)
    return times


def _median_ms(function: Callable[[], object], repeats: int) -> float:
    return statistics.median(_times_ms(function, repeats))


def _wall_and_cpu_ms(function: Callable[[], object], repeats: int) -> tuple[list[float], float]:
    """Wall times of every run, and the median CPU time of this process over the same runs."""
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter_ns(), time.process_time_ns()
        function()
        cpu.append((time.process_time_ns() - started_cpu) / 1e6)
        wall.append((time.perf_counter_ns() - started) / 1e6)
    return wall, statistics.median(cpu)


def _load() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, where the platform has them."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _peak_kib(function: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1024


def _edition_path(edition: Path | None) -> Path | None:
    for candidate in (edition, DEFAULT_EDITION, PACKAGED_EDITION):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _read_page() -> Callable[[Path], Any] | None:
    try:
        from summarizer.parser import read_page
    except ImportError:
        return None
    return read_page


def _articles(data: Path, edition: Path | None, limit: int | None) -> tuple[str, list[Article]]:
    if data.is_file():
        _, clean = article_cleaner()
        articles = [clean(row.text) for row in load_headlines(data)]
        source = str(data)
    else:
        read_page = _read_page()
        if edition is None or read_page is None:
            return "none", []
        articles = read_page(edition).articles
        source = f"{edition} (headline set absent)"
    articles = [article for article in articles if article.paragraphs]
    return source, articles[:limit] if limit else articles


def per_article(articles: Sequence[Article], *, repeats: int, baseline_repeats: int) -> dict:
    """Time ours and textrank4zh on every article; totals, per-1000-char rates and ratios."""
    summarizer = default_summarizer()
    sentences_only = Summarizer(config=replace(summarizer.config, keywords=0))
    texts = ["\n".join(article.paragraphs) for article in articles]
    chars = sum(len(text) for text in texts)
    systems: dict[str, Callable[[int], object]] = {
        OURS_FULL: lambda i: summarizer.summarize(articles[i]),
        "textrank4zh sentences+keywords": lambda i: reference.summarize(texts[i]),
        OURS_SENTENCES: lambda i: sentences_only.summarize(articles[i]),
        "textrank4zh sentences": lambda i: reference.key_sentences(texts[i], 3),
    }
    like_for_like = {
        "textrank4zh sentences+keywords": OURS_FULL,
        "textrank4zh sentences": OURS_SENTENCES,
    }
    for i in range(min(2, len(articles))):  # warm-up, untimed
        for run in systems.values():
            run(i)
    counts = {
        name: repeats if name in (OURS_FULL, OURS_SENTENCES) else baseline_repeats
        for name in systems
    }
    # Article by article, every system in turn: a change in the machine's load (shared,
    # noisy) then falls on ours and the baseline alike instead of on one of them.
    times: dict[str, list[float]] = {name: [] for name in systems}
    for i in range(len(articles)):
        for name, run in systems.items():
            times[name].append(_median_ms(partial(run, i), counts[name]))
    rows: dict[str, dict[str, Any]] = {}
    for name in systems:
        count = counts[name]
        total = sum(times[name])
        rows[name] = {
            "total_ms": total,
            "mean_ms_per_article": total / len(articles),
            "ms_per_1000_chars": 1000 * total / chars,
            "repeats": count,
        }
    for name, ours in like_for_like.items():
        rows[name]["against"] = ours
        rows[name]["times_ours"] = rows[name]["total_ms"] / rows[ours]["total_ms"]
    longest = max(range(len(articles)), key=lambda i: len(texts[i]))
    peaks = [_peak_kib(partial(summarizer.summarize, article)) for article in articles]
    memory = {
        "ours_peak_kib_mean": statistics.fmean(peaks),
        "ours_peak_kib_max": max(peaks),
        "article_chars": len(texts[longest]),
        "ours_peak_kib": _peak_kib(lambda: summarizer.summarize(articles[longest])),
        "textrank4zh_peak_kib": _peak_kib(lambda: reference.summarize(texts[longest])),
    }
    return {
        "articles": len(articles),
        "mean_chars": chars / len(articles),
        "segmenter": summarizer.tokenizer.segmenter.name,
        "systems": rows,
        "memory_longest_article": memory,
    }


def segmentation(texts: Sequence[str], *, repeats: int) -> dict:
    """``jieba.lcut`` against ``jieba.posseg.cut`` on the same texts."""
    import jieba
    import jieba.posseg

    def posseg_cut(text: str) -> list[Any]:
        return list(jieba.posseg.cut(text))

    lcut = sum(_median_ms(partial(jieba.lcut, t), repeats) for t in texts)
    posseg = sum(_median_ms(partial(posseg_cut, t), repeats) for t in texts)
    return {"lcut_total_ms": lcut, "posseg_total_ms": posseg, "posseg_over_lcut": posseg / lcut}


def edition_run(path: Path, *, repeats: int, baseline_repeats: int) -> dict | None:
    """Warm ``read_page`` + ``summarize`` of every article of one edition page (and the same
    with textrank4zh in place of ``summarize``, for the ratio)."""
    read_page = _read_page()
    if read_page is None:
        return None
    summarizer = default_summarizer()

    def parse() -> Any:
        return read_page(path)

    def parse_and_summarize() -> list:
        return [summarizer.summarize(article) for article in read_page(path).articles]

    def parse_and_textrank4zh() -> list:
        return [reference.summarize(article.text) for article in read_page(path).articles]

    parse_and_summarize()  # warm-up
    edition = parse()
    times, cpu = _wall_and_cpu_ms(parse_and_summarize, repeats)
    ours = statistics.median(times)
    baseline = _median_ms(parse_and_textrank4zh, baseline_repeats)
    return {
        "path": str(path),
        "articles": len(edition.articles),
        "chars": sum(len(article.text) for article in edition.articles),
        "parse_ms": _median_ms(parse, repeats),
        "parse_and_summarize_ms": ours,
        "parse_and_summarize_min_ms": min(times),
        "parse_and_summarize_cpu_ms": cpu,
        "parse_and_textrank4zh_ms": baseline,
        "textrank4zh_times_ours": baseline / ours,
        "peak_kib": _peak_kib(parse_and_summarize),
        "target_ms": EDITION_TARGET_MS,
    }


def synthetic_pages(data: Path, copies: int = INGEST_COPIES) -> list[str]:
    """``copies`` page text dumps, each holding every headline-set article (``# headline``,
    then its paragraphs): one large edition arriving in the inbox; built in memory, written
    only to a temporary inbox."""
    rows = load_headlines(data)
    return [
        "\n\n".join(f"# {row.headline}（{copy + 1}）\n\n{row.text.strip()}\n" for row in rows)
        for copy in range(copies)
    ]


def ingest_end_to_end(data: Path, *, repeats: int) -> dict[str, Any] | None:
    """Ingest a ~700-article synthetic edition end to end, as the bot does: its page files
    dropped in an inbox, then :func:`bot.ingest.ingest` (read, parse, merge the pages,
    summarize every article, store the edition and its search index in SQLite, move the
    files to ``done/``). Each repeat is a new date in the same database. Parse, summarize and
    store are also timed on their own, on the same edition, to show which one dominates.

    The edition is beyond the default ``articles_per_edition`` (500), so the limit is raised
    for this run (:data:`INGEST_LIMITS`).
    """
    try:
        from bot.ingest.inbox import ingest
        from bot.sources.inbox import InboxSource
        from bot.storage.store import Store
        from summarizer.edition import merge_pages
        from summarizer.parser import parse_page
    except ImportError:
        return None
    summarizer = summarizer_for(INGEST_LIMITS)
    pages = synthetic_pages(data)
    first_day = dt.date(1990, 1, 1)  # past days: an inbox refuses dates after tomorrow

    def parse(day: dt.date) -> Any:
        return merge_pages(
            [
                parse_page(text, date=day, page=str(number), limits=INGEST_LIMITS)
                for number, text in enumerate(pages, start=1)
            ]
        )

    with tempfile.TemporaryDirectory(prefix="baozhai-ingest-bench-") as folder:
        root = Path(folder)
        store = Store(f"sqlite:///{root / 'ingest.db'}")
        source = InboxSource("bench", root / "inbox", grace=dt.timedelta(0), limits=INGEST_LIMITS)
        source.inbox.mkdir(parents=True, exist_ok=True)
        day = iter(first_day + dt.timedelta(days=i) for i in range(10_000))
        try:

            def end_to_end() -> tuple[int, int]:
                date = next(day)
                for number, text in enumerate(pages, start=1):
                    name = f"{date.isoformat()}_p{number:02d}.txt"
                    dated = text.replace("# ", f"# {date.isoformat()} ", 1)  # new files
                    (source.inbox / name).write_text(dated, encoding="utf-8")
                now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
                started, started_cpu = time.perf_counter_ns(), time.process_time_ns()
                report = ingest(store, source, sentences=3, now=now, limits=INGEST_LIMITS)
                cpu = time.process_time_ns() - started_cpu
                elapsed = time.perf_counter_ns() - started
                if len(report.new) != 1 or report.failures:
                    raise RuntimeError(f"synthetic edition not ingested: {report}")
                return elapsed, cpu

            end_to_end()  # warm-up (and a first edition in the database)
            edition = parse(first_day)
            articles = edition.articles
            chars = sum(len(article.text) for article in articles)
            runs = [end_to_end() for _ in range(repeats)]
            total_ms = statistics.median(wall / 1e6 for wall, _ in runs)
            total_cpu_ms = statistics.median(cpu / 1e6 for _, cpu in runs)
            summaries = [summarizer.summarize(article, k=3) for article in articles]

            def store_once() -> None:
                edition.date = next(day)
                store.editions.add("bench-store", edition, summaries, f"hash-{edition.date}")

            parse_times, parse_cpu = _wall_and_cpu_ms(partial(parse, first_day), repeats)
            summarize_times, summarize_cpu = _wall_and_cpu_ms(
                lambda: [summarizer.summarize(article, k=3) for article in articles], repeats
            )
            store_times, store_cpu = _wall_and_cpu_ms(store_once, repeats)
            parse_ms, summarize_ms, store_ms = map(
                statistics.median, (parse_times, summarize_times, store_times)
            )
        finally:
            store.close()
    per_1000 = 1000 / chars
    return {
        "articles": len(articles),
        "pages": len(pages),
        "chars": chars,
        "parse_ms": parse_ms,
        "summarize_ms": summarize_ms,
        "store_ms": store_ms,
        "ingest_ms": total_ms,
        "ms_per_1000_chars": total_ms * per_1000,
        "parse_ms_per_1000_chars": parse_ms * per_1000,
        "summarize_ms_per_1000_chars": summarize_ms * per_1000,
        "store_ms_per_1000_chars": store_ms * per_1000,
        "cpu_ms_per_1000_chars": {
            "parse": parse_cpu * per_1000,
            "summarize": summarize_cpu * per_1000,
            "store": store_cpu * per_1000,
            "ingest": total_cpu_ms * per_1000,
        },
        "target_ms_per_1000_chars": INGEST_TARGET_MS_PER_1000,
        "database": "SQLite (temporary file)",
    }


def pathological_inputs() -> dict[str, list[str]]:
    """Inputs that once cost seconds and gigabytes (dense n x n graphs, a quadratic bracket
    check): name -> paragraphs."""
    tiny = [f"第{i}段消息称市场运行平稳。" for i in range(5000)]
    long_text = "".join(
        f"省委常委会第{i}次会议研究部署固体废物专项整治工作，要求压实责任形成闭环。"
        for i in range(6000)
    )[:200_000]
    brackets = "".join(f"他说（第{i}次）《报告{i}》提出了意见！" for i in range(5000))
    return {
        "5,000 tiny paragraphs": tiny,
        "200,000-char article": [long_text],
        "5,000 sentences with 《》（）": [brackets],
    }


def pathological(*, repeats: int) -> dict[str, dict[str, float]]:
    """Ours on :func:`pathological_inputs`: median ms and tracemalloc peak per input."""
    summarizer = default_summarizer()
    rows = {}
    for name, paragraphs in pathological_inputs().items():
        article = Article(title="", paragraphs=paragraphs)
        rows[name] = {
            "chars": sum(len(p) for p in paragraphs),
            "paragraphs": len(paragraphs),
            "ms": _median_ms(partial(summarizer.summarize, article), repeats),
            "peak_kib": _peak_kib(partial(summarizer.summarize, article)),
        }
    return rows


def targets(result: dict[str, Any]) -> list[Target]:
    """The speed targets, checked against a result document (skipped where not measured)."""
    found = []
    systems = result.get("per_article", {}).get("systems", {})
    for name, goal in (
        ("textrank4zh sentences+keywords", SPEEDUP_TARGET),
        ("textrank4zh sentences", SENTENCES_SPEEDUP_TARGET),
    ):
        row = systems.get(name)
        ratio = None if row is None else row["times_ours"]
        found.append(
            Target(
                f"{name} / {row['against'] if row else 'ours'}, per article",
                "not measured" if ratio is None else f"{ratio:.1f}x",
                f">= {goal:.0f}x",
                None if ratio is None else ratio >= goal,
            )
        )
    edition = result.get("edition")
    found.append(
        Target(
            "seed edition: read_page + summarize, warm",
            "not measured" if not edition else f"{edition['parse_and_summarize_ms']:.2f} ms",
            f"< {EDITION_TARGET_MS:.0f} ms",
            None if not edition else edition["parse_and_summarize_ms"] < EDITION_TARGET_MS,
        )
    )
    ingest = result.get("ingest")
    found.append(
        Target(
            "ingest end to end (parse, summarize, store) per 1,000 chars",
            "not measured" if not ingest else f"{ingest['ms_per_1000_chars']:.2f} ms",
            f"<= {INGEST_TARGET_MS_PER_1000:.0f} ms",
            None if not ingest else ingest["ms_per_1000_chars"] <= INGEST_TARGET_MS_PER_1000,
        )
    )
    return found


def measure(data: Path, edition: Path | None, *, quick: bool) -> dict[str, Any]:
    """Run every measurement; return the result document."""
    quiet_jieba()
    ensure_loaded()
    reference.load()
    edition_path = _edition_path(edition)
    source, articles = _articles(data, edition_path, 20 if quick else None)
    result: dict[str, Any] = {
        "environment": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "processor": platform.processor() or "unknown",
        },
        "articles_source": source,
        "quick": quick,
        "load_average_before": _load(),
    }
    if articles:
        result["per_article"] = per_article(
            articles, repeats=3 if quick else 7, baseline_repeats=1 if quick else 3
        )
        texts = ["\n".join(article.paragraphs) for article in articles]
        result["segmentation"] = segmentation(texts, repeats=3 if quick else 5)
    if edition_path is not None:
        result["edition"] = edition_run(
            edition_path, repeats=5 if quick else 30, baseline_repeats=1 if quick else 3
        )
    if data.is_file():
        result["ingest"] = ingest_end_to_end(data, repeats=1 if quick else 3)
    result["pathological"] = pathological(repeats=1 if quick else 3)
    result["max_rss_mib"] = peak_rss_mib()
    result["load_average_after"] = _load()
    return result


def render(result: dict[str, Any], console: Console) -> None:
    """Print the result document as tables."""
    if "per_article" in result:
        block = result["per_article"]
        table = Table(
            title=f"Speed per article: {block['articles']} articles, "
            f"mean {block['mean_chars']:.0f} chars, warm, same run",
            caption=f"articles: {result['articles_source']}\nx ours: textrank4zh's time over "
            f"ours for the same output, same articles, same run (target >= {SPEEDUP_TARGET:.0f})",
        )
        for column in ("system", "ms/article", "ms/1000 chars", "x ours", "repeats"):
            table.add_column(column, justify="left" if column == "system" else "right")
        for name, row in block["systems"].items():
            table.add_row(
                name,
                f"{row['mean_ms_per_article']:.2f}",
                f"{row['ms_per_1000_chars']:.2f}",
                f"{row['times_ours']:.1f}" if "times_ours" in row else "",
                str(row["repeats"]),
            )
        console.print(table)
        memory = block["memory_longest_article"]
        segmentation = result["segmentation"]
        console.print(
            f"segmenter: {block.get('segmenter', '?')}; tracemalloc peak per article: ours mean "
            f"{memory['ours_peak_kib_mean']:.0f} KiB, max {memory['ours_peak_kib_max']:.0f} KiB"
        )
        console.print(
            f"longest article ({memory['article_chars']} chars), tracemalloc peak: ours "
            f"{memory['ours_peak_kib']:.0f} KiB, textrank4zh {memory['textrank4zh_peak_kib']:.0f}"
            f" KiB\njieba.posseg.cut / jieba.lcut on the same texts: "
            f"{segmentation['posseg_over_lcut']:.1f}x ({segmentation['lcut_total_ms']:.0f} ms vs "
            f"{segmentation['posseg_total_ms']:.0f} ms)"
        )
    edition = result.get("edition")
    if edition:
        table = Table(
            title="Seed edition: read_page + summarize every article, warm",
            caption="parse+summarize: median of the warm runs (the target); fastest run: the "
            "least disturbed one on a shared machine; CPU: the process's CPU time, median of "
            "the same runs",
        )
        columns = (
            "edition",
            "articles",
            "chars",
            "parse ms",
            "parse+summarize ms",
            "fastest run ms",
            "CPU ms",
            "parse+textrank4zh ms",
            "x ours",
            "peak",
        )
        for column in columns:
            table.add_column(column, justify="left" if column == "edition" else "right")
        table.add_row(
            Path(edition["path"]).name,
            str(edition["articles"]),
            str(edition["chars"]),
            f"{edition['parse_ms']:.2f}",
            f"{edition['parse_and_summarize_ms']:.2f} (target < {edition['target_ms']:.0f})",
            f"{edition.get('parse_and_summarize_min_ms', float('nan')):.2f}",
            f"{edition.get('parse_and_summarize_cpu_ms', float('nan')):.2f}",
            f"{edition['parse_and_textrank4zh_ms']:.0f}",
            f"{edition['textrank4zh_times_ours']:.1f}",
            f"{edition['peak_kib']:.0f} KiB",
        )
        console.print(table)
    elif "edition" in result:
        console.print("[yellow]edition timing skipped:[/] summarizer.parser is not available")
    ingest = result.get("ingest")
    if ingest:
        table = Table(
            title=f"Ingest end to end: a {ingest['pages']}-page edition of the headline set x "
            f"{INGEST_COPIES}, warm",
            caption="bot.ingest.ingest from the inbox: read, parse, merge, summarize, store "
            f"({ingest['database']}), move to done/; the parts timed alone on the same edition;"
            " CPU: the process's CPU time, median of the same runs",
        )
        for column in ("articles", "chars", "step", "ms", "ms/1000 chars", "CPU ms/1000 chars"):
            table.add_column(column, justify="right")
        cpu = ingest.get("cpu_ms_per_1000_chars", {})
        for step, key in (
            ("parse + merge", "parse"),
            ("summarize", "summarize"),
            ("store", "store"),
        ):
            table.add_row(
                "",
                "",
                step,
                f"{ingest[key + '_ms']:.0f}",
                f"{ingest[key + '_ms_per_1000_chars']:.2f}",
                f"{cpu.get(key, float('nan')):.2f}",
            )
        table.add_row(
            str(ingest["articles"]),
            str(ingest["chars"]),
            "ingest, end to end",
            f"{ingest['ingest_ms']:.0f}",
            f"{ingest['ms_per_1000_chars']:.2f} (target <= "
            f"{ingest['target_ms_per_1000_chars']:.0f})",
            f"{cpu.get('ingest', float('nan')):.2f}",
        )
        console.print(table)
    if result.get("pathological"):
        table = Table(
            title="Pathological input: ours only, warm",
            caption="no target; summarize ranks only the first 300 sentences",
        )
        for column in ("input", "paragraphs", "chars", "ms", "peak"):
            table.add_column(column, justify="left" if column == "input" else "right")
        for name, row in result["pathological"].items():
            table.add_row(
                name,
                str(row["paragraphs"]),
                str(row["chars"]),
                f"{row['ms']:.1f}",
                f"{row['peak_kib']:.0f} KiB",
            )
        console.print(table)
    console.print(f"process max RSS (jieba dictionaries included): {result['max_rss_mib']:.0f} MiB")
    console.print(
        f"load average (1, 5, 15 min) before: {result.get('load_average_before')}, after: "
        f"{result.get('load_average_after')} ({os.cpu_count()} CPUs)"
    )


def run(
    data: Path = DEFAULT_HEADLINES,
    *,
    edition: Path | None = None,
    out: Path = RESULTS_DIR / "speed.json",
    quick: bool = False,
    console: Console | None = None,
    check: bool = False,
) -> int:
    """Run the benchmark, print its tables and targets, write ``out``.

    Returns 0, also when inputs are absent; with ``check``, 1 when a target is missed.
    """
    console = console or console_for_tables()
    if not data.is_file():
        console.print(
            f"[yellow]note:[/] {data} not found (../shared/data/ next to the repository, or "
            "--data); timing the seed edition's articles instead"
        )
    result = measure(data, edition, quick=quick)
    if "per_article" not in result and not result.get("edition"):
        console.print("[yellow]speed benchmark skipped:[/] no articles and no edition found")
        return 0
    return finish(result, targets(result), render, out, console, check=check)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = bench_parser("python -m bench.speed", __doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_HEADLINES)
    parser.add_argument("--edition", type=Path, default=None)
    out_option(parser, "speed.json")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 20 articles")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    return run(args.data, edition=args.edition, out=args.out, quick=args.quick, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
