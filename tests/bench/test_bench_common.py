"""What every benchmark shares (``bench/common.py``)."""

from __future__ import annotations

import subprocess
import sys

from bench.common import peak_rss_mib


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
