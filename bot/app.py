"""The thin entry point: build the python-telegram-bot Application and wire the components.

Everything with behaviour lives in ``bot.components`` (handlers, jobs) and the modules they
use; this file only connects them, so the tests, the demo and ``baozhai run`` all build the
very same application.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Iterator, Sequence

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
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

from bot.components import callbacks, chat_language, commands, errors, membership, throttle
from bot.components.jobs import schedule_jobs
from bot.components.menu import COMMANDS, Scope, register_menus
from bot.config import Config
from bot.delivery import DeliveryPolicy, Pacer
from bot.leader import FencedRequest, install_leader_gate
from bot.services import Services, attach
from bot.storage.store import Store
from bot.transport import AiohttpRequest

log = logging.getLogger(__name__)

BOOTSTRAP_RETRIES = 4
"""Tries of the start-up call (``deleteWebhook`` when polling, ``setWebhook`` for a webhook)
after the first, PTB's waits between them growing from 1 s (or Telegram's ``retry_after``):
a quick restart's 429 or a passing 5xx is waited out; what lasts stops the process, in one
line, for its supervisor to start it again later."""


class _StartUpFailureSaidOnce(logging.Filter):
    """Drops PTB's own report of a start-up call that failed for good (an ERROR with a
    traceback, logged before the error is raised): the caller says it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info is None or not isinstance(record.exc_info[1], TelegramError):
            return True
        return "Bootstrap" not in record.getMessage()  # "… (Bootstrap Set Webhook): …"


@contextlib.contextmanager
def start_up_failure_said_once() -> Iterator[None]:
    """While PTB starts polling or a webhook: its failure report left to the caller."""
    quiet = _StartUpFailureSaidOnce()
    retry_loop_log = logging.getLogger("telegram.ext")  # PTB's network retry loop logs here
    retry_loop_log.addFilter(quiet)
    try:
        yield
    finally:
        retry_loop_log.removeFilter(quiet)


# The AIORateLimiter logs every 429 it passes on (max_retries=0) as an ERROR with a traceback.
# Its callers handle them (a reply waits the flood out, a fan-out pauses) and log what matters
# once, so its own line is noise that one flooding user could multiply.
logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)


def delivery_policy(config: Config) -> DeliveryPolicy:
    """The fan-out's settings from ``[delivery]`` and ``[service]``."""
    return DeliveryPolicy(
        in_doubt=config.delivery.in_doubt,
        lease_seconds=config.service.lease_seconds,
        paid_broadcast=config.delivery.allow_paid_broadcast,
    )


def make_services(config: Config, store: Store, policy: DeliveryPolicy | None = None) -> Services:
    delivery = config.delivery
    pacer = Pacer(
        delivery.messages_per_second,
        chat_interval=delivery.per_chat_interval_seconds,
        group_interval=delivery.group_interval_seconds,
    )
    return Services(
        config=config, store=store, pacer=pacer, policy=policy or delivery_policy(config)
    )


def build_application(
    config: Config,
    svc: Services,
    *,
    token: str | None = None,
    schedule: bool = True,
    webhook: bool = False,
) -> Application:
    """The bot: handlers, error handler, command menu and (with ``schedule``) the jobs.

    With a leader lease in ``svc.lease`` every Bot API request is fenced by it
    (:class:`bot.leader.FencedRequest`), updates are handled only while it is valid
    (:func:`bot.leader.install_leader_gate`) and the lease is renewed while the application
    runs. With ``webhook`` as well, an update arriving without a valid lease is refused with
    503 so that Telegram sends it again (:class:`bot.webhook.LeaderQueue`).
    """
    defaults = Defaults(
        parse_mode=ParseMode.HTML,
        tzinfo=config.schedule.timezone,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )

    async def post_init(application: Application) -> None:
        if svc.lease is not None:
            svc.lease.start()
        await register_menus(application.bot, config.telegram.admins)
        if schedule:
            await asyncio.to_thread(schedule_jobs, application)
        freeze_start_up_heap()

    async def post_shutdown(application: Application) -> None:
        if svc.lease is not None:
            await svc.lease.stop()
        await asyncio.to_thread(svc.charts.close)
        gc.unfreeze()

    lease = svc.lease
    if lease is not None:
        request: AiohttpRequest = FencedRequest(lease.seconds_left)
        polling: AiohttpRequest = FencedRequest(lease.seconds_left, connection_pool_size=1)
    else:
        request, polling = AiohttpRequest(), AiohttpRequest(connection_pool_size=1)
    builder = ApplicationBuilder()
    if webhook and lease is not None:
        from bot.webhook import LeaderQueue

        builder = builder.update_queue(LeaderQueue(lambda: lease.valid))
    application = (
        builder.request(request)
        .get_updates_request(polling)
        .token(token or config.telegram.token)
        .base_url(config.telegram.api_base_url)
        .base_file_url(config.telegram.file_base_url)
        .defaults(defaults)
        # Throttle to Telegram's overall and group limits, but retry nothing here: a 429 must
        # reach the code that knows what to do with it (delivery pauses the fan-out and leaves
        # the chat for a later run; a reply waits a short flood wait out once).
        .rate_limiter(AIORateLimiter(max_retries=0))
        # One reader's flood wait or a slow /stats chart must not hold up everyone else.
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    attach(application, svc)
    if lease is not None:
        install_leader_gate(application, lease)
    add_handlers(application, config.telegram.admins)
    limits = config.limits
    throttle.install(
        application, limit=limits.commands_per_chat, window=limits.commands_window_seconds
    )
    chat_language.install(application)
    return application


def freeze_start_up_heap() -> None:
    """Leave what start-up made (modules, PTB, SQLAlchemy) out of full collections.

    A generation-2 collection walks every tracked object in the process; under load such a
    collection took 100+ ms of CPU on the event loop, and nearly all it walked was start-up
    objects that live as long as the process. ``gc.freeze()`` after a ``gc.collect()`` moves
    them to the permanent generation, so later collections walk only what came after.
    Frozen objects are still freed when no reference is left, but a cycle among them is never
    collected: ``post_shutdown`` unfreezes (tests start and stop many applications in one
    process). jieba's dictionary, loaded on the first ingest, is a dict of strings and
    numbers that the collector does not track, so it need not be loaded first.
    """
    gc.collect()
    gc.freeze()
    log.debug("gc.freeze(): %d start-up objects out of full collections", gc.get_freeze_count())


def add_handlers(application: Application, admin_ids: Sequence[int] = ()) -> None:
    """Commands first, then buttons, membership changes, and the catch-alls.

    Only new messages count (editing an old ``/today`` must not send the digest again), and
    the catch-alls answer in private chats only: in a group, chatter and other bots' commands
    are none of our business.
    """
    new_message = filters.UpdateType.MESSAGE
    private = new_message & filters.ChatType.PRIVATE
    admins = filters.Chat(chat_id=admin_ids)
    for command in COMMANDS:
        allowed = new_message if command.scope is Scope.EVERYONE else new_message & admins
        application.add_handler(CommandHandler(command.name, command.handler, filters=allowed))
    application.add_handler(CallbackQueryHandler(callbacks.button))
    application.add_handler(
        ChatMemberHandler(membership.chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, membership.migrated))
    application.add_handler(MessageHandler(private & filters.COMMAND, commands.unknown_command))
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, commands.plain_text)
    )
    application.add_error_handler(errors.on_error)
