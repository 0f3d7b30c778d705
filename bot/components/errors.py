"""The last line of defence: log what broke, with context, and apologise to the user.

PTB routes exceptions from handlers and jobs here; the bot keeps running.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Conflict, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.components.replies import language, reply
from bot.leader import NotLeader, TokenRejected
from bot.render.i18n import t
from bot.services import services

log = logging.getLogger(__name__)


def _describe(update: object) -> str:
    if not isinstance(update, Update):
        return "no update (job or internal task)"
    chat = update.effective_chat.id if update.effective_chat else None
    message = update.effective_message
    text = (message.text or "")[:80] if message else ""
    data = update.callback_query.data if update.callback_query else None
    return f"update {update.update_id}, chat {chat}, text {text!r}, callback {data!r}"


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception with what the user did, then apologise (best effort).

    A 409 Conflict while polling means another process polls with this token. The holder of
    the leader lease carries on (the other one is not a Baozhai of this database, or a paused
    ex-leader that will notice it lost the lease); a process without the lease stops, and
    ``stop_reason`` makes it exit non-zero so a supervisor restarts it. So does a token
    Telegram stopped accepting while we poll (:class:`bot.leader.TokenRejected`): a process
    that cannot poll must not sit on the lease. A request the lease's fence refused
    (:class:`bot.leader.NotLeader`) is one line: the keeper stops the process if the lease is
    lost, and an apology would be refused too. A flood
    wait (429) that outlasted the reply's patience is Telegram's pacing, not a bug: one
    warning line, no traceback, and no apology (it could not be sent either).
    """
    if isinstance(context.error, Conflict):
        svc = services(context)
        lease = svc.lease
        # Held, not "valid": inside the fence's safety margin, or between renewals a database
        # hiccup failed, this process still holds the lease. Only the database's refusal to
        # renew it (``lost``) ends that, and the keeper stops the process then anyway.
        if lease is not None and lease.lease is not None and not lease.lost:
            log.warning("409 Conflict: another process polls with this token; we hold the lease")
            return
        svc.stop_reason = "409 Conflict: another instance is polling with this bot token"
        log.error("another instance is polling with this bot token; stopping this one")
        context.application.stop_running()
        return
    if isinstance(context.error, TokenRejected):
        svc = services(context)
        svc.stop_reason = "Telegram rejected the bot token"
        log.error("%s; stopping", context.error)
        context.application.stop_running()
        return
    if isinstance(context.error, NotLeader):
        log.warning("%s: %s", _describe(update), context.error)
        return
    if isinstance(context.error, RetryAfter):
        log.warning("flood wait while handling %s: %s", _describe(update), context.error)
        return
    log.error("error while handling %s", _describe(update), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, Forbidden):
        return  # the user blocked us; an apology cannot arrive either
    if update.effective_chat.type == ChatType.CHANNEL:
        return  # one reader's failed press is not news for every subscriber of the channel
    try:
        await reply(update, t(language(update), "internal_error"))
    except TelegramError:
        log.warning("could not send the apology to chat %s", update.effective_chat.id)
