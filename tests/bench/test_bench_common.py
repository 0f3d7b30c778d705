"""What every benchmark shares (``bench/common.py``)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from bench.common import RESULTS_DIR, bench_parser, out_option, peak_rss_mib


def test_peak_rss_is_the_process_own_not_what_it_was_forked_from() -> None:
    ballast = bytearray(300 * 2**20)
    ballast[:: 2**12] = b"\x01" * (len(ballast) // 2**12)  # touch every page: resident
    assert peak_rss_mib() > 300

    child = subprocess.run(
        [sys.executable, "-c", "from bench.common import peak_rss_mib; print(peak_rss_mib())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert float(child.stdout) < 200  # a fresh interpreter with rich and the summarizer's types
    del ballast


def parsed_out(*argv: str) -> Path:
    parser = argparse.ArgumentParser()
    out_option(parser, "speed.json")
    return parser.parse_args(list(argv)).out


def test_a_benchmarks_out_is_its_json_file_by_default() -> None:
    assert parsed_out() == RESULTS_DIR / "speed.json"


def test_a_benchmarks_out_given_a_file_is_that_file(tmp_path: Path) -> None:
    assert parsed_out("--out", str(tmp_path / "mine.json")) == tmp_path / "mine.json"


def test_a_benchmarks_out_given_a_directory_writes_its_file_in_it(tmp_path: Path) -> None:
    # As `python -m bench --out DIR` takes it: a directory crashed the run after its tables.
    assert parsed_out("--out", str(tmp_path)) == tmp_path / "speed.json"
    assert parsed_out("--out", f"{tmp_path}/new/") == tmp_path / "new" / "speed.json"


def test_a_benchmarks_help_reads_its_docstring_without_markup_and_keeps_its_lists() -> None:
    doc = (
        "Uses :mod:`bench.archive`, ``--quick`` and :data:`~bench.load.QUIET`.\n\n"
        "* **alone**: one\n* burst: two\n"
    )
    described = bench_parser("python -m bench.x", doc).format_help()
    assert "Uses bench.archive, --quick and bench.load.QUIET." in described
    assert "\n* alone: one\n* burst: two\n" in described
