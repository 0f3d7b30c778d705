"""The ``baozhai`` command line: one entry point, a subcommand per job.

Heavy imports (python-telegram-bot, jieba, SQLAlchemy) happen inside the subcommands so that
``baozhai --help`` is instant and a broken optional part cannot break the others.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Config

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
  baozhai parse https://epaper.example/paperindex.htm   an e-paper edition, page or article
  baozhai backfill 海南日报 --from 2026-07-01 --to 2026-07-31   fill the archive
  baozhai digest send --date 2024-07-01  push a digest now (skips chats that have it)
  baozhai status                       last polls, editions, digest counts, leader, version
  baozhai --config /etc/baozhai.toml db upgrade

The bot token is read from TELEGRAM_BOT_TOKEN, or from [telegram] token in the config file.
"""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2024-07-01, got {text!r}") from None


def _summary_sentences(text: str) -> int:
    """``--sentences``: what ``[summary] sentences`` takes, by its own converter."""
    from bot.config import SummaryConfig, converter

    convert = converter(SummaryConfig, "sentences")
    try:
        value: int = convert.convert(int(text), Path())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {convert.expected}, got {text!r}") from None
    return value


def _global_options(parser: argparse.ArgumentParser, *, default: bool) -> None:
    """``--config`` and ``-v``, with their defaults (the top level) or none (a command's)."""
    unset = argparse.SUPPRESS
    parser.add_argument(
        "--config",
        type=Path,
        default=None if default else unset,
        metavar="PATH",
        help="configuration file (default: $BAOZHAI_CONFIG, else ./config.toml if present, else "
        "built-in defaults)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if default else unset,
        help="log debug details",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baozhai",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _global_options(parser, default=True)
    # The same options after a command too (`baozhai ingest -v`): given there, they win; not
    # given, they leave what was given before the command (SUPPRESS: no default of their own).
    shared = argparse.ArgumentParser(add_help=False)
    _global_options(shared, default=False)
    commands = parser.add_subparsers(metavar="COMMAND")

    run = commands.add_parser(
        "run",
        parents=[shared],
        help="start the bot and its scheduler (the demo when no token is configured)",
        description="Start the Telegram bot and its scheduler: poll the inboxes and e-paper "
        "sites, push the daily digest, answer commands. Without a token this starts the local "
        "demo. Several processes may share one database: one leads, the others wait as hot "
        "standbys. Exit code 3: the process had to stop (lost its lease, 409 Conflict "
        "without it, a token Telegram stopped accepting, or a webhook port still taken).",
    )
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates on [telegram] webhook_url (behind a reverse proxy) instead of "
        "long polling",
    )
    run.set_defaults(func=_run)
    demo = commands.add_parser(
        "demo",
        parents=[shared],
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
    demo.set_defaults(func=_demo)

    parse = commands.add_parser(
        "parse",
        parents=[shared],
        help="parse an edition file, a folder of them, or an e-paper URL; show the summaries",
        description="Parse editions into articles and summarize each. PATH may be a text "
        "dump file, a folder (every *.txt in it; page files of one date form one edition) or "
        "an e-paper address: an index gives the whole edition, a page (版面) that page's "
        "articles, an article page that article.",
    )
    parse.add_argument("path", metavar="PATH|URL")
    parse.add_argument(
        "--json",
        action="store_true",
        help="print JSON (an object for a file or URL, a list of objects for a folder)",
    )
    parse.add_argument(
        "--template",
        default=None,
        metavar="NAME",
        help="the e-paper template of a URL: founder, pc_layout or rmrb_nbs (default: that "
        "of the configured paper whose site the URL is on, else guessed from the URL)",
    )
    parse.add_argument(
        "--sentences",
        type=_summary_sentences,
        default=None,
        metavar="K",
        help="key sentences per article (default: [summary] sentences, 3)",
    )
    parse.set_defaults(func=_parse)

    backfill = commands.add_parser(
        "backfill",
        parents=[shared],
        help="store a past date range of an e-paper paper, for the archive",
        description="Read each edition of PAPER (an e-paper paper of the configuration) from "
        "--from to --to and store it for /search and /article. Resumable: dates already "
        "stored are skipped, so a run stopped with Ctrl-C goes on where it stopped when run "
        "again. Backfilled editions are never pushed as the day's digest.",
    )
    backfill.add_argument("paper", metavar="PAPER", help="the paper's configured name")
    backfill.add_argument("--from", dest="start", type=_date, required=True, metavar="YYYY-MM-DD")
    backfill.add_argument("--to", dest="end", type=_date, required=True, metavar="YYYY-MM-DD")
    backfill.add_argument(
        "--yes",
        dest="long_range",
        action="store_true",
        help="read a range of more than about three years too (otherwise refused, as a "
        "likely typo: every date is a round of requests to the site)",
    )
    backfill.set_defaults(func=_backfill)

    digest = commands.add_parser(
        "digest",
        parents=[shared],
        help="digest operations",
        description="Operations on the daily digest (see ACTION --help).",
    )
    digest.set_defaults(func=_usage(digest))
    digest_commands = digest.add_subparsers(metavar="ACTION")
    send = digest_commands.add_parser(
        "send",
        parents=[shared],
        help="push a digest to every active subscriber now",
        description="Push the digest of the newest edition (or of --date) to every active "
        "subscriber now, through the same path as the scheduled push. Chats that already "
        "have that digest are skipped, so running it twice sends nothing twice.",
    )
    send.add_argument("--date", type=_date, default=None, metavar="YYYY-MM-DD")
    send.set_defaults(func=_digest_send)

    commands.add_parser(
        "ingest",
        parents=[shared],
        help="poll every paper once now (its inbox or its e-paper site) and store new editions",
        description="Poll every configured paper once, without Telegram: scan each inbox and "
        "read each e-paper site's newest edition (whatever its poll_window), parse and "
        "summarize what is new and store it. Broken inbox files move to <inbox>/failed/ with "
        "the reason beside them; the exit code is 1 when any file failed or a paper could not "
        "be read.",
    ).set_defaults(func=_ingest)
    status = commands.add_parser(
        "status",
        parents=[shared],
        help="show what the bot did last: polls, editions, digest and broadcast counts, leader",
        description="Print the same status page as the admins' /status: each paper's last "
        "poll and newest edition, the last digest and broadcast with sent / pending / in doubt "
        "/ failed counts, the subscribed chats, the leader, the database (password masked) "
        "and the version. Reads the database only (never creates or migrates it), so it works "
        "beside a running bot; exit code 1 when there is no database or it needs an upgrade.",
    )
    status.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of the page (default: en)",
    )
    status.set_defaults(func=_status)
    db = commands.add_parser(
        "db",
        parents=[shared],
        help="database operations",
        description="Operations on the database (see ACTION --help).",
    )
    db.set_defaults(func=_usage(db))
    db_commands = db.add_subparsers(metavar="ACTION")
    db_commands.add_parser(
        "upgrade",
        parents=[shared],
        help="apply database migrations (run also starts with this)",
        description="Migrate the configured database ([storage] url) to the newest schema. "
        "`baozhai run` does this at start too; run it alone before a deployment.",
    ).set_defaults(func=_db_upgrade)
    downgrade = db_commands.add_parser(
        "downgrade",
        parents=[shared],
        help="migrate the database down to an older schema (before rolling a release back)",
        description="Migrate the configured database down to REVISION, with this release's "
        "migrations: before installing an older release, run this one's `db downgrade` to the "
        "revision the older release names when it refuses the database. Data only the newer "
        "schema holds is dropped.",
    )
    downgrade.add_argument("revision", metavar="REVISION", help="e.g. 0013")
    downgrade.set_defaults(func=_db_downgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 0
    from bot.config import load_config
    from bot.errors import ConfigError, DatabaseOpenError, SchemaTooNewError
    from bot.logs import setup_logging

    redactor = setup_logging("DEBUG" if args.verbose else "INFO")
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"baozhai: configuration error: {exc}", file=sys.stderr)
        return 2
    redactor.add_secret(config.telegram.token)
    redactor.add_secret(config.telegram.webhook_secret)  # setWebhook's arguments at DEBUG
    if not args.verbose:
        logging.getLogger().setLevel(config.logging.level)

    from sqlalchemy.exc import SQLAlchemyError

    command: Callable[[argparse.Namespace, Config], int] = args.func
    try:
        code = command(args, config)
        sys.stdout.flush()
    except BrokenPipeError:
        return _closed_pipe()
    except KeyboardInterrupt:  # Ctrl-C: one line, not a traceback (what was done is kept)
        print("baozhai: interrupted", file=sys.stderr)
        return 130
    except SQLAlchemyError as exc:  # the database cannot be opened or reached: one line
        log.debug("database error", exc_info=exc)
        print(f"baozhai: {_database_error(config.storage.url, exc)}", file=sys.stderr)
        return 1
    except (SchemaTooNewError, DatabaseOpenError) as exc:  # a rolled-back deploy; this machine
        print(f"baozhai: database {_masked(config.storage.url)}: {exc}", file=sys.stderr)
        return 1
    return code


def _database_error(url: str, exc: Exception) -> str:
    """``database <url, password masked>: <the driver's first line>``, redacted: what an
    operator needs to fix it, without SQLAlchemy's statement dump and link."""
    from bot.logs import redactor
    from bot.storage.engine import driver_message

    return f"database {_masked(url)}: {redactor().redact(driver_message(exc))}"


def _masked(url: str) -> str:
    from bot.storage.engine import masked_url

    return masked_url(url)


def _closed_pipe() -> int:
    """The reader of our output went away (``baozhai parse … | head``): stop quietly, as
    ``cat`` does, with the shell's code for SIGPIPE.

    The recipe of the Python docs (signal, "Note on SIGPIPE"): stdout now points to devnull,
    so the interpreter's final flush cannot raise a second BrokenPipeError at exit.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 128 + signal.SIGPIPE


def _usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace, Config], int]:
    """A group without its ACTION: show the group's help, like ``baozhai db --help``."""

    def show(args: argparse.Namespace, config: Config) -> int:
        parser.print_help()
        return 0

    return show


def _run(args: argparse.Namespace, config: Config) -> int:
    from bot.operations import run

    return run(config, webhook=args.webhook)


def _demo(args: argparse.Namespace, config: Config) -> int:
    from bot.demo import run_demo

    return run_demo(config, keep_data=args.keep_data)


def _digest_send(args: argparse.Namespace, config: Config) -> int:
    from bot.operations import send_digest_now

    return send_digest_now(config, args.date)


def _ingest(args: argparse.Namespace, config: Config) -> int:
    from bot.operations import ingest_now

    return ingest_now(config)


def _status(args: argparse.Namespace, config: Config) -> int:
    from bot.operations import status_now

    return status_now(config, args.lang)


def _db_upgrade(args: argparse.Namespace, config: Config) -> int:
    from bot.operations import folder_said
    from bot.storage.engine import upgrade

    if folder_said(config.storage.url):
        return 1
    upgrade(config.storage.url)
    log.info("database is at the newest schema")
    return 0


LEASES_REVISION = "0004"
"""The schema revision that brought the leader lease a running bot holds."""


def _db_downgrade(args: argparse.Namespace, config: Config) -> int:
    """One schema revision down, or several: only to a numbered revision below the current
    one (``base`` would drop every table), only while no bot holds the leader lease (it
    would fail on the older schema, and migrate it back up at its next start)."""
    from alembic.util import CommandError

    from bot.errors import SchemaTooNewError
    from bot.operations import folder_said
    from bot.storage.engine import (
        current_revision,
        downgrade,
        head_revision,
        known_revision,
        sqlite_file_missing,
    )
    from bot.storage.store import Store

    wanted = args.revision
    if not re.fullmatch(r"[0-9]{4}", wanted) or not known_revision(wanted):
        print(f"baozhai: no schema revision {wanted!r} in this release", file=sys.stderr)
        return 2
    url = config.storage.url
    if folder_said(url):
        return 1
    if sqlite_file_missing(url):
        print(f"baozhai: no database at {_masked(url)}: nothing to downgrade", file=sys.stderr)
        return 2
    with Store(url, migrate=False) as store:
        current = current_revision(store.engine)
        if current is not None and not known_revision(current):
            raise SchemaTooNewError(current, head_revision())  # main() says it in one line
        if current is None or wanted >= current:
            print(
                f"baozhai: the database is at schema {current or 'none'}; {wanted} is not"
                " below it",
                file=sys.stderr,
            )
            return 2
        # (The leases came with 0004: below it no bot of that schema's age takes one.)
        leader = store.leases.leader() if current >= LEASES_REVISION else None
    if leader is not None:  # live
        print(
            f"baozhai: a bot is running on this database ({leader.holder}); stop it first",
            file=sys.stderr,
        )
        return 2
    try:
        downgrade(config.storage.url, wanted)
    except CommandError as exc:
        print(f"baozhai: {exc}", file=sys.stderr)
        return 1
    log.info("database is at schema %s", wanted)
    return 0


def _backfill(args: argparse.Namespace, config: Config) -> int:
    from bot.operations import backfill_now

    return backfill_now(config, args.paper, args.start, args.end, long_range=args.long_range)


_WEB_SCHEME = re.compile(r"https?://", re.IGNORECASE)
_OTHER_SCHEME = re.compile(r"[a-z][a-z0-9+.-]+://", re.IGNORECASE)  # htps://, ftp://


def _parse(args: argparse.Namespace, config: Config) -> int:
    """``baozhai parse``: a table for people, JSON for scripts."""
    if not args.path:
        print("baozhai parse: give a file, a folder or an address", file=sys.stderr)
        return 2
    if _OTHER_SCHEME.match(args.path) and not _WEB_SCHEME.match(args.path):
        print(
            f"baozhai parse: {args.path}: only http:// and https:// addresses can be read",
            file=sys.stderr,
        )
        return 2
    if _WEB_SCHEME.match(args.path):
        from bot.parse_view import parse_url

        return parse_url(
            args.path,
            config,
            template=args.template,
            as_json=args.json,
            sentences=args.sentences or config.summary.sentences,
        )
    path = Path(args.path)
    as_json: bool = args.json
    sentences: int = args.sentences or config.summary.sentences
    papers = config.papers
    from rich.console import Console

    from bot.parse_view import parse_path, print_tables

    console = Console(stderr=False)
    errors = Console(stderr=True, soft_wrap=True, highlight=False)
    if not path.exists():
        # markup=False: a file name like "[red]x.txt" is a name, not rich markup.
        errors.print(f"baozhai parse: {path}: no such file or folder", style="red", markup=False)
        return 1
    results, failures = parse_path(
        path,
        sentences=sentences,
        progress=not as_json,
        console=errors,
        papers=papers,
        limits=config.limits.text,
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
