"""The ``baozhai`` command line: one entry point, a subcommand per job.

Heavy imports (python-telegram-bot, jieba, SQLAlchemy) happen inside the subcommands so that
``baozhai --help`` is instant and a broken optional part cannot break the others.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import PaperConfig

log = logging.getLogger("baozhai")

DESCRIPTION = """\
报摘 Baozhai turns each new edition of a Chinese daily newspaper into a digest that a
busy reader can take in over breakfast, and delivers it through a Telegram bot.

Without a Telegram token, `baozhai run` starts the local demo: a Bot API server on
127.0.0.1, the real bot, and a chat in your terminal on the bundled sample edition.
"""

EPILOG = """\
examples:
  baozhai run                          start the bot (or the demo when no token is set)
  baozhai demo                         chat with the bot in this terminal, no token needed
  baozhai parse edition.txt            show the articles and summaries of an edition file
  baozhai parse inbox/ --json          all editions in a folder, as JSON
  baozhai digest send --date 2024-07-01  push a digest now (skips chats that have it)
  baozhai --config /etc/baozhai.toml db upgrade

The bot token is read from TELEGRAM_BOT_TOKEN, or from [telegram] token in the config file.
"""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2024-07-01, got {text!r}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baozhai",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="PATH",
        help="configuration file (default: ./config.toml if present, else built-in defaults)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser(
        "run",
        help="start the bot and its scheduler (the demo when no token is configured)",
        description="Start the Telegram bot and its scheduler: poll the inboxes, push the "
        "daily digest, answer commands. Without a token this starts the local demo.",
    )
    demo = commands.add_parser(
        "demo",
        help="chat with the bot in this terminal, against a local Bot API server",
        description="Start a local Bot API server on 127.0.0.1, the real bot against it, and a "
        "chat in this terminal on the bundled sample edition. Type /today, /article 2, "
        "/stats … and /quit to leave. With standard input not a terminal, each input line "
        "is sent as a message and the demo ends after the last one.",
    )
    demo.add_argument(
        "--keep-data",
        action="store_true",
        help="use the configured database and inboxes instead of a throw-away folder",
    )

    parse = commands.add_parser(
        "parse",
        help="parse an edition file (or a folder of them) and show articles and summaries",
        description="Parse edition text dumps into articles and summarize each. PATH may be "
        "a file or a folder (every *.txt in it; page files of one date form one edition).",
    )
    parse.add_argument("path", type=Path, metavar="PATH")
    parse.add_argument(
        "--json",
        action="store_true",
        help="print JSON (an object for a file, a list of objects for a folder)",
    )
    parse.add_argument(
        "--sentences",
        type=_positive,
        default=None,
        metavar="K",
        help="key sentences per article (default: [summary] sentences, 3)",
    )

    digest = commands.add_parser("digest", help="digest operations")
    digest_commands = digest.add_subparsers(dest="digest_command", metavar="ACTION")
    send = digest_commands.add_parser(
        "send",
        help="push a digest to every active subscriber now",
        description="Push the digest of the newest edition (or of --date) to every active "
        "subscriber now, through the same path as the scheduled push. Chats that already "
        "have that digest are skipped, so running it twice sends nothing twice.",
    )
    send.add_argument("--date", type=_date, default=None, metavar="YYYY-MM-DD")

    commands.add_parser(
        "ingest",
        help="poll every paper's inbox once now and store new editions",
    )
    db = commands.add_parser("db", help="database operations")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply database migrations (run also starts with this)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from bot.config import ConfigError, load_config
    from bot.logs import setup_logging

    redactor = setup_logging("DEBUG" if args.verbose else "INFO")
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"baozhai: configuration error: {exc}", file=sys.stderr)
        return 2
    redactor.add_secret(config.telegram.token)
    if not args.verbose:
        logging.getLogger().setLevel(config.logging.level)

    if args.command == "parse":
        return _parse(
            args.path,
            as_json=args.json,
            sentences=args.sentences or config.summary.sentences,
            papers=config.papers,
        )
    if args.command == "run":
        from bot.operations import run

        return run(config)
    if args.command == "demo":
        from bot.demo import run_demo

        return run_demo(config, keep_data=args.keep_data)
    if args.command == "digest":
        if args.digest_command != "send":
            parser.parse_args(["digest", "--help"])
        from bot.operations import send_digest_now

        return send_digest_now(config, args.date)
    if args.command == "ingest":
        from bot.operations import ingest_now

        return ingest_now(config)
    if args.command == "db":
        if args.db_command != "upgrade":
            parser.parse_args(["db", "--help"])
        from bot.storage.engine import upgrade

        upgrade(config.storage.url)
        log.info("database is at the newest schema")
        return 0
    parser.error(f"unknown command {args.command!r}")
    return 2


def _parse(path: Path, *, as_json: bool, sentences: int, papers: Sequence[PaperConfig]) -> int:
    """``baozhai parse``: a table for people, JSON for scripts."""
    from rich.console import Console

    from bot.parse_view import parse_path, print_tables

    console = Console(stderr=False)
    errors = Console(stderr=True, soft_wrap=True, highlight=False)
    if not path.exists():
        # markup=False: a file name like "[red]x.txt" is a name, not rich markup.
        errors.print(f"baozhai parse: {path}: no such file or folder", style="red", markup=False)
        return 1
    results, failures = parse_path(
        path, sentences=sentences, progress=not as_json, console=errors, papers=papers
    )
    if as_json:
        payload = results[0] if path.is_file() and results else results
        if not (path.is_file() and not results):
            json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
    else:
        print_tables(console, results)
    for failure in failures:
        errors.print(f"baozhai parse: {failure}", style="red", markup=False)
    return 1 if failures else 0
