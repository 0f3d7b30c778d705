"""``python -m bench``: run the quality, speed, e-paper fetch, hostile-input, topic-matching and
near-duplicate benchmarks (``all``, the default; ``--quick`` takes about two minutes on two
cores), or one of them by name. Each prints a table and writes JSON to ``bench/results/``.

The long ones are not part of ``all`` and take their own options (``python -m bench load
--help``): ``python -m bench broadcast`` (a digest to 10,000 readers; ``--quick``: 2,000),
``python -m bench load`` (200 readers against the bot on the 1,000,000-article archive, SQLite
and PostgreSQL; ``--quick``: a 30-second steady phase) and ``python -m bench search`` (the query
mix on that archive). Each is also ``python -m bench.<name>``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from bench import broadcast, dedup, fetch, follows, hostile, load, quality, search, speed
from bench.common import DEFAULT_HEADLINES, RESULTS_DIR, bench_parser, console_for_tables

LONG = {"broadcast": broadcast.main, "load": load.main, "search": search.main}
"""Benchmarks of minutes that parse the rest of the command line themselves."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks; the exit code is the worst of theirs (1 only with
    ``--check`` and a missed target; skips for absent data are 0)."""
    args_given = list(sys.argv[1:] if argv is None else argv)
    if args_given and args_given[0] in LONG:
        return LONG[args_given[0]](args_given[1:])
    parser = bench_parser("python -m bench", __doc__)
    parser.add_argument(
        "which",
        nargs="?",
        choices=("all", "quality", "speed", "fetch", "hostile", "follows", "dedup", *LONG),
        default="all",
        help="which benchmark (default: all but the long ones)",
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--data", type=Path, default=DEFAULT_HEADLINES, help="headline set")
    parser.add_argument(
        "--dev2", type=Path, default=None, help="extracted 人民日报 2020年1月 (dev set 2)"
    )
    parser.add_argument("--edition", type=Path, default=None, help="edition page to time")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="directory for JSON")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a target is missed (else informational)"
    )
    args = parser.parse_args(argv)
    console = console_for_tables()
    codes = []
    if args.which in ("all", "quality"):
        codes.append(
            quality.run(
                args.data,
                dev2=args.dev2,
                out=args.out / "quality.json",
                quick=args.quick,
                console=console,
                check=args.check,
            )
        )
    if args.which in ("all", "speed"):
        codes.append(
            speed.run(
                args.data,
                edition=args.edition,
                out=args.out / "speed.json",
                quick=args.quick,
                console=console,
                check=args.check,
            )
        )
    if args.which in ("all", "fetch"):
        codes.append(
            fetch.run(args.data, out=args.out / "fetch.json", console=console, check=args.check)
        )
    if args.which in ("all", "hostile"):
        codes.append(
            hostile.run(
                out=args.out / "hostile.json", quick=args.quick, console=console, check=args.check
            )
        )
    if args.which in ("all", "follows"):
        codes.append(
            follows.run(
                args.data,
                out=args.out / "follows.json",
                quick=args.quick,
                console=console,
                check=args.check,
            )
        )
    if args.which in ("all", "dedup"):
        codes.append(
            dedup.run(
                args.data,
                pd=[args.dev2] if args.dev2 else [],
                out=args.out / "dedup.json",
                console=console,
                check=args.check,
            )
        )
    return max(codes, default=0)


if __name__ == "__main__":
    sys.exit(main())
