"""What the benchmarks share: where the data lives, how an article is cleaned, result files.

The data is not in the repository: ``../shared/`` next to the checkout holds it (see
``../shared/README.md``); each benchmark takes ``--data`` / ``--edition`` to point elsewhere
and skips, exit code 0, with a message when its input is absent.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import re
import resource
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from summarizer.edition import Article

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEFAULT_HEADLINES = SHARED / "data" / "news_headlines.jsonl"
DEFAULT_EDITION = SHARED / "editions" / "000_66a55eaee7fab4ff.txt"
PACKAGED_EDITION = REPO / "bot" / "sample" / "zjgrrb-2024-07-01-p01.txt"
RESULTS_DIR = REPO / "bench" / "results"


@dataclass(frozen=True, slots=True)
class HeadlineRow:
    """One article of the headline set: its id, printed headline and body text."""

    id: str
    headline: str
    text: str


def load_headlines(path: Path) -> list[HeadlineRow]:
    """Read ``news_headlines.jsonl`` (fields ``id``, ``headline``, ``text``)."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                rows.append(HeadlineRow(record["id"], record["headline"], record["text"]))
    return rows


def article_cleaner() -> tuple[str, Callable[[str], Article]]:
    """The edition parser's ``parse_article_text`` and its name, or a fallback if it is absent.

    The fallback (one paragraph per non-empty line) leaves bylines in; the summarizer's own
    candidate filter then drops them, so the numbers stay comparable but lead-1 depends on
    that filter. The result files record which cleaner was used.
    """
    try:
        parser = importlib.import_module("summarizer.parser")
        parse = parser.parse_article_text
    except (ImportError, AttributeError):
        return "fallback: non-empty lines (summarizer.parser unavailable)", _lines_article

    def clean(text: str) -> Article:
        return parse(text, title="")

    return "summarizer.parser.parse_article_text", clean


def _lines_article(text: str) -> Article:
    lines = [line.strip() for line in text.splitlines()]
    return Article(title="", paragraphs=[line for line in lines if line])


def quiet_jieba() -> None:
    """jieba logs its dictionary loading at DEBUG on its own stderr handler; not in tables."""
    import jieba

    jieba.setLogLevel(logging.WARNING)


def peak_rss_mib() -> float:
    """This process's peak resident set, in MiB, since it started (exec'd).

    Not ``ru_maxrss`` on Linux: that keeps the high-water mark of the process image a
    ``fork`` + ``exec`` replaced, so a bot started by a benchmark that had just built a
    500 MiB archive reported 682 MiB (measured; ``VmHWM`` starts again at exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / 1024 if sys.platform == "darwin" else rss / 1024


def console_for_tables() -> Console:
    """A rich console; when output is not a terminal (CI logs, files) 130 columns, not 80."""
    console = Console()
    return console if console.is_terminal else Console(width=130)


_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")
_STRONG = re.compile(r"\*\*([^*]+)\*\*")


def bench_parser(prog: str, doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line, its module docstring as the description: read as the
    terminal shows it (Sphinx roles and ``literals`` unmarked, lines and lists kept as
    written rather than run together by argparse's re-wrapping)."""
    text = _STRONG.sub(r"\1", _LITERAL.sub(r"\1", _ROLE.sub(r"\1", doc or "")))
    return argparse.ArgumentParser(
        prog=prog, description=text, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def out_option(parser: argparse.ArgumentParser, name: str) -> None:
    """``--out``: the JSON file of the result (default ``bench/results/NAME``), or a directory
    to write ``NAME`` in, as ``python -m bench --out DIR`` takes: a directory given to a
    benchmark that writes a file crashed after a run of minutes, its tables printed, its
    result lost."""

    def result_path(text: str) -> Path:
        path = Path(text)
        return path / name if path.is_dir() or text.endswith("/") else path

    parser.add_argument(
        "--out",
        type=result_path,
        default=RESULTS_DIR / name,
        help=f"JSON file of the result, or a directory to write {name} in",
    )


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write a result file (creating ``bench/results/``, which git ignores)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Target:
    """One benchmark target: what was measured against what it must reach.

    ``passed`` is ``None`` when the measurement could not be made (its input is absent): a
    skip, never a failure.
    """

    name: str
    measured: str
    goal: str
    passed: bool | None


def report_targets(targets: Sequence[Target], console: Console, *, check: bool) -> int:
    """Print PASS/FAIL/SKIP per target; the exit code: 1 when checking and one was missed."""
    for target in targets:
        label = {True: "[green]PASS[/]", False: "[red]FAIL[/]", None: "[yellow]SKIP[/]"}[
            target.passed
        ]
        console.print(f"{label} {target.name}: {target.measured} (target {target.goal})")
    missed = [target.name for target in targets if target.passed is False]
    if missed and not check:
        console.print(f"{len(missed)} target(s) missed; informational (pass --check to fail)")
    return 1 if check and missed else 0


def targets_json(targets: Sequence[Target]) -> list[dict[str, Any]]:
    """The targets as JSON-ready dicts for the result files."""
    return [asdict(target) for target in targets]


def finish(
    result: dict[str, Any],
    targets: Sequence[Target],
    render: Callable[[dict[str, Any], Console], None],
    out: Path,
    console: Console,
    *,
    check: bool,
) -> int:
    """The common end of a benchmark: tables, the JSON file, PASS/FAIL; the exit code."""
    result["targets"] = targets_json(targets)
    render(result, console)
    write_json(out, result)
    console.print(f"wrote {out}")
    return report_targets(targets, console, check=check)


def names_in(text: str, allowed: Sequence[str]) -> list[str]:
    """A command line's comma-separated choice ("sqlite,postgres"), each checked against
    ``allowed``, for ``argparse``'s ``type=``."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown: {', '.join(unknown)}; pick from {allowed}")
    return names
