"""``python -m bench``: run the quality and speed benchmarks (see :mod:`bench`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bench import quality, speed
from bench.common import DEFAULT_HEADLINES, RESULTS_DIR, console_for_tables


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks; the exit code is the worst of theirs."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("which", nargs="?", choices=("all", "quality", "speed"), default="all")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--data", type=Path, default=DEFAULT_HEADLINES, help="headline set")
    parser.add_argument("--edition", type=Path, default=None, help="edition page to time")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="directory for JSON")
    args = parser.parse_args(argv)
    console = console_for_tables()
    codes = []
    if args.which in ("all", "quality"):
        codes.append(
            quality.run(args.data, out=args.out / "quality.json", quick=args.quick, console=console)
        )
    if args.which in ("all", "speed"):
        codes.append(
            speed.run(
                args.data,
                edition=args.edition,
                out=args.out / "speed.json",
                quick=args.quick,
                console=console,
            )
        )
    return max(codes, default=0)


if __name__ == "__main__":
    sys.exit(main())
