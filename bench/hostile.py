"""Hostile inputs: every edition file is parsed and summarized in bounded time and memory.

Before ``[limits]`` a page dump of 200,000 headings became a 200,000-article edition (945 MB,
65 s), one line of 2,000,000 characters took about 1 GB, and a 20 MB file 93 s and 361 MB.
Here each such file goes through what the inbox does with it (:func:`summarizer.parser.
read_page` with the default limits, then the summary of every article) in a process of its
own, so its peak RSS (``VmHWM``, imports and jieba's dictionary included) is honest.
Two kinds of rows:

* refused: files beyond a limit (20 MB; 200,000 headings; one 2,000,000-character line, in
  CJK and in ASCII): how fast and how cheaply they are set aside;
* accepted: the worst file the limits let through: 100 articles (the heading limit) of real
  prose up to the byte limit, and 25 and 50 such articles: time must grow linearly with
  size. (Each article costs at most what the summarizer's cap of 300 ranked sentences
  allows; these articles are at that cap.)

Targets (PASS/FAIL; ``--check`` makes a miss exit 1): every row's peak RSS at most
:data:`PEAK_RSS_TARGET_MIB`, every refused row refused, the full-size accepted row accepted,
and time linear in size: the full-size row's seconds per MiB at most :data:`LINEAR_SLACK`
times the quarter-size row's. ``--quick`` drops the half-size and ASCII-line rows.
Usage: ``python -m bench.hostile [--out PATH] [--quick] [--check]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bench.common import (
    PACKAGED_EDITION,
    RESULTS_DIR,
    Target,
    bench_parser,
    console_for_tables,
    finish,
    out_option,
    peak_rss_mib,
)

PEAK_RSS_TARGET_MIB = 200.0
LINEAR_SLACK = 2.0
"""The full-size file may cost at most this many times the quarter-size one per MiB."""
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile file: how to write it, and whether the limits should refuse it."""

    name: str
    write: Callable[[Path], None]
    refused: bool
    quick: bool = True


def _paragraphs() -> list[str]:
    """Real newspaper paragraphs (the bundled sample's body lines), to repeat."""
    lines = PACKAGED_EDITION.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if len(line.strip()) > 40 and line[0] != "#"]


def _dense(fraction: float) -> Callable[[Path], None]:
    """Articles of real prose, each 1/100 of the default byte limit, filling ``fraction`` of
    it: the size grows with the number of articles, each as long as the heading limit lets
    100 of them be."""

    def write(path: Path) -> None:
        from summarizer.limits import DEFAULT_LIMITS

        per_article = (DEFAULT_LIMITS.file_bytes - 4096) // DEFAULT_LIMITS.articles_per_page
        paragraphs = _paragraphs()
        with path.open("w", encoding="utf-8") as handle:
            for number in range(round(DEFAULT_LIMITS.articles_per_page * fraction)):
                handle.write(f"## 第{number + 1}篇 职工书屋建设再上新台阶\n\n")
                written = 0
                for index in itertools.count(number):
                    paragraph = paragraphs[index % len(paragraphs)]
                    if written + len(paragraph.encode()) + 2 > per_article:
                        break
                    handle.write(paragraph + "\n\n")
                    written += len(paragraph.encode()) + 2

    return write


def _repeated_page(size: int) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        page = PACKAGED_EDITION.read_bytes()
        with path.open("wb") as handle:
            for _ in range(size // len(page) + 1):
                handle.write(page)

    return write


def _bytes(data: Callable[[], bytes]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(data())

    return write


CASES: tuple[Case, ...] = (
    Case("20 MB file (the sample page repeated)", _repeated_page(20 * MIB), refused=True),
    Case("200,000 headings", _bytes(lambda: b"# a\n" * 200_000), refused=True),
    Case(
        "one 2,000,000-character line (CJK, 6 MB)",
        _bytes(lambda: ("# 标题\n" + "甲" * 2_000_000).encode()),
        refused=True,
    ),
    Case(
        "one 2,000,000-character line (ASCII, 2 MB)",
        _bytes(lambda: b"# T\n" + b"a" * 2_000_000),
        refused=True,
        quick=False,
    ),
    Case("accepted: 25 articles of 20 KB", _dense(0.25), refused=False),
    Case(
        "accepted: 50 articles of 20 KB",
        _dense(0.5),
        refused=False,
        quick=False,
    ),
    Case("accepted: 100 articles of 20 KB (the byte limit)", _dense(1.0), refused=False),
)


def measure(path: Path) -> dict[str, Any]:
    """In this process: what the inbox does with ``path`` (parse, then summarize all)."""
    from summarizer.errors import EditionError
    from summarizer.limits import DEFAULT_LIMITS, summarizer_for
    from summarizer.parser import read_page
    from summarizer.rejoin import is_dangling

    summarizer = summarizer_for(DEFAULT_LIMITS)
    for article in read_page(PACKAGED_EDITION).articles:  # warm: the segmenter loaded
        summarizer.summarize(article)
    is_dangling("陈列馆和")  # warm: the parser's own jieba (rejoining column breaks) loaded
    baseline = peak_rss_mib()
    start = time.perf_counter()
    outcome: dict[str, Any]
    try:
        edition = read_page(path, limits=DEFAULT_LIMITS)
        summaries = [summarizer.summarize(article) for article in edition.articles]
        longest = max((len(s) for summary in summaries for s in summary.sentences), default=0)
        outcome = {"refused": None, "articles": len(summaries), "longest_sentence": longest}
    except EditionError as exc:
        outcome = {"refused": exc.reason, "articles": 0, "longest_sentence": 0}
    seconds = time.perf_counter() - start
    return {
        **outcome,
        "seconds": seconds,
        "peak_rss_mib": peak_rss_mib(),
        "baseline_rss_mib": baseline,
    }


def _in_subprocess(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.hostile", "--measure", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def targets(result: dict[str, Any]) -> list[Target]:
    rows = result["rows"]
    worst = max(rows, key=lambda row: row["peak_rss_mib"])
    wrong = [row["name"] for row in rows if (row["refused"] is not None) != row["expect_refused"]]
    accepted = [row for row in rows if not row["expect_refused"]]
    quarter, full = accepted[0], accepted[-1]
    slope = (full["seconds"] / full["mib"]) / max(quarter["seconds"] / quarter["mib"], 1e-9)
    return [
        Target(
            "peak memory on any input",
            f"{worst['peak_rss_mib']:.0f} MiB ({worst['name']})",
            f"≤ {PEAK_RSS_TARGET_MIB:.0f} MiB",
            worst["peak_rss_mib"] <= PEAK_RSS_TARGET_MIB,
        ),
        Target(
            "beyond a limit: refused; within: accepted",
            "all as expected" if not wrong else "wrong: " + ", ".join(wrong),
            "every row",
            not wrong,
        ),
        Target(
            "time linear in size",
            f"{slope:.2f}× the quarter-size file's seconds per MiB at full size",
            f"≤ {LINEAR_SLACK:.1f}×",
            slope <= LINEAR_SLACK,
        ),
    ]


def render(result: dict[str, Any], console: Console) -> None:
    table = Table(title="hostile edition files: parse + summarize, each in its own process")
    for column in ("input", "size", "outcome", "time", "peak RSS", "over warm baseline"):
        table.add_column(column, justify="left" if column in ("input", "outcome") else "right")
    for row in result["rows"]:
        if row["refused"] is not None:
            outcome = "refused: " + escape(row["refused"])
        else:
            outcome = f"{row['articles']} articles, longest key sentence {row['longest_sentence']}"
        table.add_row(
            row["name"],
            f"{row['mib']:.2f} MiB",
            outcome,
            f"{row['seconds'] * 1000:.0f} ms",
            f"{row['peak_rss_mib']:.0f} MiB",
            f"+{row['peak_rss_mib'] - row['baseline_rss_mib']:.0f} MiB",
        )
    console.print(table)


def run(
    *,
    out: Path = RESULTS_DIR / "hostile.json",
    quick: bool = False,
    console: Console | None = None,
    check: bool = False,
) -> int:
    """Write each hostile file, measure it in a subprocess, print the table and targets."""
    console = console or console_for_tables()
    rows = []
    with tempfile.TemporaryDirectory(prefix="baozhai-bench-hostile-") as folder:
        for number, case in enumerate(c for c in CASES if c.quick or not quick):
            path = Path(folder) / f"2024-07-01-p{number + 1:02d}.txt"
            case.write(path)
            size = path.stat().st_size
            measured = _in_subprocess(path)
            path.unlink()
            rows.append(
                {"name": case.name, "mib": size / MIB, "expect_refused": case.refused, **measured}
            )
    result: dict[str, Any] = {"rows": rows, "peak_rss_target_mib": PEAK_RSS_TARGET_MIB}
    return finish(result, targets(result), render, out, console, check=check)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (``--measure PATH``: one file, JSON on stdout)."""
    parser = bench_parser("python -m bench.hostile", __doc__)
    out_option(parser, "hostile.json")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure is not None:
        from bench.common import quiet_jieba

        quiet_jieba()
        print(json.dumps(measure(args.measure)))
        return 0
    return run(out=args.out, quick=args.quick, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
