"""Operations: what the ``baozhai`` subcommands do, each a function returning an exit code.

``run`` (the long-running service, or the demo without a token), ``digest send``, ``ingest``.
They build the Application through :mod:`bot.app` and print one line per outcome; a failure
the user can fix (wrong token, unreachable server) is one line on stderr, never a traceback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError

from bot.app import build_application, make_services
from bot.components.jobs import send_edition
from bot.config import Config
from bot.logs import redactor
from bot.services import services
from bot.storage.records import EditionRecord
from bot.storage.store import Store

log = logging.getLogger(__name__)


def open_store(config: Config) -> Store:
    """Open the archive (the store migrates it to the newest schema first)."""
    return Store(config.storage.url)


def run(config: Config) -> int:
    """``baozhai run``: the long-running service (the demo when no token is configured)."""
    if not config.telegram.token:
        log.warning("no Telegram token configured (TELEGRAM_BOT_TOKEN): starting the local demo")
        from bot.demo import run_demo

        return run_demo(config)
    problem = asyncio.run(preflight(config))
    if problem:
        print(f"baozhai: {problem}", file=sys.stderr)
        return 1
    store = open_store(config)
    application = build_application(config, make_services(config, store))
    log.info("starting Baozhai for %s", ", ".join(p.name for p in config.papers))
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    finally:
        store.close()
    return 0


async def preflight(config: Config) -> str | None:
    """Ask the Bot API who we are; a sentence for the user if that fails, else None.

    Done before anything starts, so a wrong token or an unreachable server ends start-up with
    one clear line (PTB's own start-up retry loop would log a traceback first).
    """
    bot = Bot(config.telegram.token, base_url=config.telegram.api_base_url)
    try:
        async with bot:
            await bot.get_me()
    except InvalidToken:
        return "Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN or [telegram] token)"
    except NetworkError as exc:
        return f"cannot reach the Bot API at {_where(config)}: {_safe(exc)}"
    return None


def _where(config: Config) -> str:
    """The Bot API server's address (scheme and host only: the token goes after the path)."""
    from urllib.parse import urlsplit

    parts = urlsplit(config.telegram.api_base_url)
    return f"{parts.scheme}://{parts.netloc}"


def _safe(exc: Exception) -> str:
    """An exception's text with anything token-shaped masked, for a one-line error."""
    return redactor().redact(str(exc)) or type(exc).__name__


def send_digest_now(config: Config, date: dt.date | None) -> int:
    """``baozhai digest send``: push now through the same path as the scheduled push."""
    if not config.telegram.token:
        print("baozhai: no Telegram token configured (TELEGRAM_BOT_TOKEN)", file=sys.stderr)
        return 2
    store = open_store(config)
    try:
        editions = _editions_to_send(config, store, date)
        if not editions:
            wanted = f"on {date.isoformat()}" if date else "stored yet"
            print(f"baozhai: no edition {wanted}", file=sys.stderr)
            return 1
        problem = asyncio.run(preflight(config))
        if problem:
            print(f"baozhai: {problem}", file=sys.stderr)
            return 1
        return asyncio.run(_send_now(config, store, editions))
    finally:
        store.close()


def _editions_to_send(config: Config, store: Store, date: dt.date | None) -> list[EditionRecord]:
    """Each paper's edition of ``date`` (default: its newest)."""
    found = [
        store.editions.on(date, paper.name) if date else store.editions.latest(paper.name)
        for paper in config.papers
    ]
    return [edition for edition in found if edition is not None]


async def _send_now(config: Config, store: Store, editions: list[EditionRecord]) -> int:
    application = build_application(config, make_services(config, store), schedule=False)
    failed = 0
    async with application:
        active = len(await asyncio.to_thread(store.subscribers.active))
        for edition in editions:
            waiting = len(await asyncio.to_thread(store.deliveries.pending_chats, edition.id))
            report = await send_edition(application, services(application), edition)
            had_it = active - waiting + report.skipped
            print(
                f"{edition.paper} {edition.date}: sent {report.sent}, already had it "
                f"{had_it}, blocked {report.blocked}, failed {report.failed}"
            )
            failed += report.failed
    return 1 if failed else 0


def ingest_now(config: Config) -> int:
    """``baozhai ingest``: one poll of every inbox, without Telegram."""
    from bot.ingest import ingest_inbox

    store = open_store(config)
    failed = 0
    try:
        now = dt.datetime.now(config.schedule.timezone)
        for paper in config.inbox_papers:
            report = ingest_inbox(store, paper, sentences=config.summary.sentences, now=now)
            for edition in report.new:
                print(f"{paper.name} {edition.date}: stored, {edition.article_count} articles")
            for edition in report.extended:
                count = edition.article_count
                print(f"{paper.name} {edition.date}: extended, now {count} articles")
            for skipped in report.skipped:
                print(f"{paper.name} {skipped.date}: already stored")
            for failure in report.failures:
                print(f"{paper.name}: {failure.file}: {failure.reason}", file=sys.stderr)
            failed += len(report.failures)
    finally:
        store.close()
    return 1 if failed else 0
