"""E-paper fetch benchmark: a 20-page, 150-article edition served on 127.0.0.1 with 20 ms of
latency per request, read by the bot's own e-paper ingest.

Measured, in one run:

* **first poll**: wall time to fetch, parse, summarize and store the whole edition
  (:func:`bot.ingest.poll_epaper` into a fresh SQLite file), requests made, peak RSS;
* **baseline**: the crawl alone (fetch and parse, no summaries, no database), ours against one
  request at a time (``per_site=1``): the ratio shows what the per-site concurrency buys;
* **second poll** of the unchanged site: it must cost only conditional requests (304).

The articles' text is real (``../shared/data/news_headlines.jsonl``, re-used round-robin);
the site is the Founder template the tests build (``tests/bot/sources/epaper/sites.py``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from bench.common import (
    DEFAULT_HEADLINES,
    RESULTS_DIR,
    Target,
    bench_parser,
    console_for_tables,
    finish,
    load_headlines,
    out_option,
    peak_rss_mib,
    quiet_jieba,
)
from bot.config import PaperConfig
from bot.ingest import poll_epaper
from bot.sources.epaper import EditionCrawler, Fetcher, FetchLimits
from bot.storage.store import Store
from tests.bot.sources.epaper.server import SiteServer
from tests.bot.sources.epaper.sites import Sheet, Story, founder_site

PAGES = 20
ARTICLES = 150
LATENCY = 0.020
DAY = dt.date(2026, 7, 1)
NOW = dt.datetime(2026, 7, 1, 5, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PAPER = "海南日报"
LIMITS = FetchLimits(
    timeout=10.0, attempts=2, backoff_initial=0.05, allow_addresses=frozenset({"127.0.0.1"})
)
"""The site is served on 127.0.0.1, which the fetcher reaches only when allowed."""


def edition_sheets(texts: Sequence[tuple[str, str]]) -> list[Sheet]:
    """20 pages holding 150 articles (7 or 8 a page) of real headline and text."""
    sheets = []
    for p in range(PAGES):
        count = ARTICLES // PAGES + (1 if p < ARTICLES % PAGES else 0)
        start = sum(ARTICLES // PAGES + (1 if q < ARTICLES % PAGES else 0) for q in range(p))
        stories = []
        for k in range(count):
            headline, text = texts[(start + k) % len(texts)]
            paragraphs = tuple(line.strip() for line in text.splitlines() if line.strip())
            stories.append(Story(title=f"{headline}（{start + k + 1}）", paragraphs=paragraphs))
        sheets.append(Sheet(f"A{p + 1:02d}", f"版{p + 1}", tuple(stories), node=1000 + p))
    return sheets


async def _poll(site: SiteServer, folder: Path, limits: FetchLimits, name: str) -> dict[str, Any]:
    """One first poll into a fresh database, then (same database) a second one."""
    store = Store(f"sqlite:///{folder / name}.db")
    paper = PaperConfig(name=PAPER, epaper=site.url("/"), template="founder")
    try:
        async with Fetcher(limits) as fetcher:
            site.reset()
            started = time.perf_counter()
            first = await poll_epaper(store, paper, fetcher, sentences=3, now=NOW)
            first_seconds = time.perf_counter() - started
            first_requests = len(site.hits)
            site.reset()
            started = time.perf_counter()
            second = await poll_epaper(store, paper, fetcher, sentences=3, now=NOW)
            second_seconds = time.perf_counter() - started
            statuses = site.statuses()
    finally:
        store.close()
    stored = first.new[0].article_count if first.new else 0
    return {
        "first_seconds": first_seconds,
        "first_requests": first_requests,
        "articles_stored": stored,
        "second_seconds": second_seconds,
        "second_requests": len(statuses),
        "second_full_responses": sum(1 for s in statuses if s != 304),
        "second_changed": second.changed,
    }


async def _measure(texts: Sequence[tuple[str, str]], folder: Path) -> dict[str, Any]:
    site = SiteServer()
    await site.start()
    try:
        pages = founder_site(PAPER, DAY, edition_sheets(texts))
        site.site.update(
            {path: dataclasses.replace(res, delay=LATENCY) for path, res in pages.items()}
        )
        crawl = await _crawl_seconds(site, LIMITS)
        crawl_sequential = await _crawl_seconds(site, dataclasses.replace(LIMITS, per_site=1))
        rss_before = peak_rss_mib()
        ours = await _poll(site, folder, LIMITS, "ours")
        rss_after = peak_rss_mib()
    finally:
        await site.stop()
    return {
        "pages": PAGES,
        "articles": ARTICLES,
        "latency_ms": LATENCY * 1000,
        "per_site": LIMITS.per_site,
        "ours": ours,
        "crawl_seconds": crawl,
        "crawl_sequential_seconds": crawl_sequential,
        "speedup": crawl_sequential / crawl,
        "peak_rss_mib": rss_after,
        "peak_rss_growth_mib": rss_after - rss_before,
    }


async def _crawl_seconds(site: SiteServer, limits: FetchLimits) -> float:
    """Fetch and parse the whole edition once, with an empty cache."""
    async with Fetcher(limits) as fetcher:
        crawler = EditionCrawler(fetcher, site.url("/"), "founder")
        started = time.perf_counter()
        await crawler.crawl()
        return time.perf_counter() - started


def targets(result: dict[str, Any]) -> list[Target]:
    ours = result["ours"]
    return [
        Target(
            "whole edition stored",
            f"{ours['articles_stored']} of {ARTICLES} articles",
            f"{ARTICLES}",
            ours["articles_stored"] == ARTICLES,
        ),
        Target(
            "second poll of an unchanged site",
            f"{ours['second_requests']} requests, {ours['second_full_responses']} not 304",
            "only conditional requests (all 304)",
            ours["second_full_responses"] == 0 and not ours["second_changed"],
        ),
        Target(
            "concurrency pays",
            f"crawl {result['speedup']:.1f}× faster than one request at a time",
            "≥ 2×",
            result["speedup"] >= 2.0,
        ),
    ]


def render(result: dict[str, Any], console: Console) -> None:
    table = Table(
        title=f"e-paper fetch: {result['pages']} pages, {result['articles']} articles, "
        f"{result['latency_ms']:.0f} ms per request"
    )
    for column in ("", "wall time", "requests", "per article"):
        table.add_column(column, justify="right" if column else "left")
    ours = result["ours"]
    per_article = ours["first_seconds"] / max(ours["articles_stored"], 1) * 1000
    table.add_row(
        "first poll: fetch, parse, summarize, store",
        f"{ours['first_seconds']:.2f} s",
        str(ours["first_requests"]),
        f"{per_article:.1f} ms",
    )
    for label, key in (
        (f"crawl only, {result['per_site']} requests at a time", "crawl_seconds"),
        ("crawl only, one at a time (baseline)", "crawl_sequential_seconds"),
    ):
        table.add_row(label, f"{result[key]:.2f} s", str(ours["first_requests"]), "")
    table.add_row(
        "second poll, unchanged site",
        f"{ours['second_seconds']:.2f} s",
        f"{ours['second_requests']} ({ours['second_full_responses']} not 304)",
        "",
    )
    console.print(table)
    console.print(
        f"crawl speed-up from concurrency: {result['speedup']:.1f}×; peak RSS "
        f"{result['peak_rss_mib']:.0f} MiB (+{result['peak_rss_growth_mib']:.0f} MiB during "
        "the first poll)"
    )


def run(
    data: Path = DEFAULT_HEADLINES,
    *,
    out: Path = RESULTS_DIR / "fetch.json",
    console: Console | None = None,
    check: bool = False,
) -> int:
    """Run the benchmark, print its table and targets, write ``out``."""
    console = console or console_for_tables()
    if not data.is_file():
        console.print(f"[yellow]fetch benchmark skipped:[/] {data} not found (real article text)")
        return 0
    quiet_jieba()
    texts = [(row.headline, row.text) for row in load_headlines(data)]
    with tempfile.TemporaryDirectory(prefix="baozhai-bench-fetch-") as folder:
        result = asyncio.run(_measure(texts, Path(folder)))
    return finish(result, targets(result), render, out, console, check=check)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = bench_parser("python -m bench.fetch", __doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_HEADLINES)
    out_option(parser, "fetch.json")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    return run(args.data, out=args.out, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
