"""The thin entry point: build the python-telegram-bot Application and wire the components.

Everything with behaviour lives in ``bot.components`` (handlers, jobs) and the modules they
use; this file only connects them, so the tests, the demo and ``baozhai run`` all build the
very same application.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.components import callbacks, commands, errors, membership
from bot.components.jobs import schedule_jobs, send_edition
from bot.config import Config
from bot.delivery import DeliveryPolicy, Pacer
from bot.i18n import COMMANDS
from bot.services import Services, attach, services
from bot.store import Store

log = logging.getLogger(__name__)


def make_services(config: Config, store: Store, policy: DeliveryPolicy | None = None) -> Services:
    delivery = config.delivery
    pacer = Pacer(delivery.messages_per_second, chat_interval=delivery.per_chat_interval_seconds)
    return Services(config=config, store=store, pacer=pacer, policy=policy or DeliveryPolicy())


def build_application(
    config: Config,
    svc: Services,
    *,
    token: str | None = None,
    schedule: bool = True,
) -> Application:
    """The bot: handlers, error handler, command menu and (with ``schedule``) the jobs."""
    defaults = Defaults(
        parse_mode=ParseMode.HTML,
        tzinfo=config.schedule.timezone,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )

    async def post_init(application: Application) -> None:
        await register_commands(application)
        if schedule:
            await asyncio.to_thread(schedule_jobs, application)

    application = (
        ApplicationBuilder()
        .token(token or config.telegram.token)
        .base_url(config.telegram.api_base_url)
        .base_file_url(config.telegram.file_base_url)
        .defaults(defaults)
        .rate_limiter(AIORateLimiter(max_retries=2))
        .post_init(post_init)
        .build()
    )
    attach(application, svc)
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """Commands first, then buttons, membership changes, and the catch-alls."""
    routes = {
        "start": commands.start,
        "help": commands.help_command,
        "subscribe": commands.subscribe,
        "unsubscribe": commands.unsubscribe,
        "today": commands.today,
        "article": commands.article,
        "search": commands.search,
        "stats": commands.stats,
        "settings": commands.settings,
    }
    for name, handler in routes.items():
        application.add_handler(CommandHandler(name, handler))
    application.add_handler(CallbackQueryHandler(callbacks.button))
    application.add_handler(
        ChatMemberHandler(membership.chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(MessageHandler(filters.COMMAND, commands.unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, commands.plain_text))
    application.add_error_handler(errors.on_error)


async def register_commands(application: Application) -> None:
    """The command menu, Chinese by default and English for English clients."""
    for lang, entries in COMMANDS.items():
        menu = [BotCommand(name, description) for name, description in entries]
        await application.bot.set_my_commands(menu, language_code=None if lang == "zh" else lang)


def open_store(config: Config) -> Store:
    """Open the archive (the store migrates it to the newest schema first)."""
    return Store(config.storage.url)


def run(config: Config) -> int:
    """``baozhai run``: the long-running service (the demo when no token is configured)."""
    if not config.telegram.token:
        log.warning("no Telegram token configured (TELEGRAM_BOT_TOKEN): starting the local demo")
        from bot.demo import run_demo

        return run_demo(config)
    store = open_store(config)
    application = build_application(config, make_services(config, store))

    log.info("starting Baozhai for %s", ", ".join(p.name for p in config.papers))
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except InvalidToken:
        print(
            "baozhai: Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN or "
            "[telegram] token)",
            file=sys.stderr,
        )
        return 1
    finally:
        store.close()
    return 0


def send_digest_now(config: Config, date: dt.date | None) -> int:
    """``baozhai digest send``: push now through the same path as the scheduled push."""
    if not config.telegram.token:
        print("baozhai: no Telegram token configured (TELEGRAM_BOT_TOKEN)", file=sys.stderr)
        return 2
    store = open_store(config)
    try:
        return asyncio.run(_send_now(config, store, date))
    except InvalidToken:
        print("baozhai: Telegram rejected the bot token", file=sys.stderr)
        return 1
    finally:
        store.close()


async def _send_now(config: Config, store: Store, date: dt.date | None) -> int:
    svc = make_services(config, store)
    application = build_application(config, svc, schedule=False)
    editions = []
    for paper in config.papers:
        found = store.edition_on(date, paper.name) if date else store.latest_edition(paper.name)
        if found is not None:
            editions.append(found)
    if not editions:
        print(
            f"baozhai: no edition {'on ' + date.isoformat() if date else 'stored yet'}",
            file=sys.stderr,
        )
        return 1
    async with application:
        active = len(await asyncio.to_thread(store.active_subscribers))
        for edition in editions:
            waiting = len(await asyncio.to_thread(store.pending_chats, edition.id))
            report = await send_edition(application, services(application), edition)
            had_it = active - waiting + report.skipped
            print(
                f"{edition.paper} {edition.date}: sent {report.sent}, already had it "
                f"{had_it}, blocked {report.blocked}, failed {report.failed}"
            )
    return 0


def ingest_now(config: Config) -> int:
    """``baozhai ingest``: one poll of every inbox, without Telegram."""
    from bot.ingest import ingest_inbox

    store = open_store(config)
    failed = 0
    try:
        now = dt.datetime.now(config.schedule.timezone)
        for paper in config.papers:
            report = ingest_inbox(store, paper, sentences=config.summary.sentences, now=now)
            for edition in report.new:
                print(f"{paper.name} {edition.date}: stored, {edition.article_count} articles")
            for skipped in report.skipped:
                print(f"{paper.name} {skipped.date}: already stored")
            for failure in report.failures:
                print(f"{paper.name}: {failure.file}: {failure.reason}", file=sys.stderr)
            failed += len(report.failures)
    finally:
        store.close()
    return 1 if failed else 0
