"""The operators' commands: /status, /broadcast and /ingest (``[telegram] admins`` only).

Routing restricts them to the admins' chats (:mod:`bot.components.menu`, ``Scope.ADMINS``);
anyone else gets the unknown-command reply, as for a command that does not exist. A group in
``admins`` (an operators' group) gets the notices, but the commands are its admins' only, as
a group's subscription is (:func:`bot.components.chats.may_manage`): who joins a group is not
who runs the service. Button presses are checked again here: callback_data can be forged by
any client.

A broadcast is written as a draft first and sent only after its author (or another admin)
presses the confirmation button; it then goes through the digest's paced fan-out against a
ledger of its own (:func:`bot.delivery.deliver_broadcast`), so a crash mid-way is resumed by
the next poll and no chat gets it twice.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.components.chats import may_manage
from bot.components.jobs import (
    after_poll,
    poll_inbox_paper,
    poll_site_paper,
    send_broadcast,
)
from bot.components.replies import answer, chat_of, language, reply
from bot.config import SourceKind
from bot.render import Markup, encode_callback, register_callback, t, t_plain
from bot.render.status import poll_outcome, status_messages
from bot.render.text import sendable, truncate_text, utf16_len
from bot.services import services
from bot.status import gather_status
from summarizer.decode import strip_invisible

__all__ = [
    "BROADCAST_CANCEL",
    "BROADCAST_SEND",
    "MAX_BROADCAST",
    "broadcast",
    "broadcast_button",
    "ingest",
    "is_operator",
    "status",
]

log = logging.getLogger(__name__)

MAX_BROADCAST = 4096  # Telegram's limit for one message (the text is sent escaped, as typed)
PREVIEW_CHARS = 3000  # the confirmation shows this much of it
BROADCAST_SEND = "bcs"  # bcs:{broadcast id}: confirm and send
BROADCAST_CANCEL = "bcx"  # bcx:{broadcast id}: drop the draft
register_callback(BROADCAST_SEND, int)
register_callback(BROADCAST_CANCEL, int)


async def is_operator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """May the sender use the operators' commands here? In a private chat listed in
    ``[telegram] admins``; in a group listed there, its owner and administrators only."""
    chat = update.effective_chat
    if chat is None or chat.id not in services(context).config.telegram.admins:
        return False
    return await may_manage(update, context)


async def _refused(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Say no (and return True) to a member of an operators' group who is not its admin."""
    if await is_operator(update, context):
        return False
    log.info("operator command refused in chat %s: not a group admin", chat_of(update).id)
    await reply(update, t(language(update), "operators_group_admins_only"))
    return True


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/status: polls, editions, the last digest and broadcast, leader, database, version."""
    if await _refused(update, context):
        return
    svc = services(context)
    report = await asyncio.to_thread(gather_status, svc.store, svc.config)
    for message in status_messages(report, language(update), svc.tz):
        await reply(update, message)


def _broadcast_text(update: Update) -> str:
    """What follows ``/broadcast`` as typed, line breaks kept; "" if nothing visible is.

    Invisible characters are looked through, not dropped: joiners and tags are what make 👨‍💻,
    🏳️‍🌈 and flags one picture, and what Persian needs between some letters."""
    message = update.effective_message
    text = (message.text or "") if message else ""
    parts = text.split(maxsplit=1)
    if len(parts) < 2 or not strip_invisible(parts[1]).strip():
        return ""
    return parts[1].strip()


async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/broadcast TEXT: store a draft and ask for confirmation with a button."""
    if await _refused(update, context):
        return
    svc = services(context)
    lang = language(update)
    text = _broadcast_text(update)
    if not text:
        await reply(update, t(lang, "broadcast_usage"))
        return
    length = utf16_len(text)  # what Telegram counts: an emoji is two
    if length > MAX_BROADCAST:
        await reply(update, t(lang, "broadcast_too_long", length=length, limit=MAX_BROADCAST))
        return
    draft = await asyncio.to_thread(svc.store.broadcasts.create, text, chat_of(update).id)
    count = await asyncio.to_thread(svc.store.subscribers.count_active)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t_plain(lang, "broadcast_button_send", count=count),
                    callback_data=encode_callback(BROADCAST_SEND, draft.id),
                ),
                InlineKeyboardButton(
                    t_plain(lang, "broadcast_button_cancel"),
                    callback_data=encode_callback(BROADCAST_CANCEL, draft.id),
                ),
            ]
        ]
    )
    preview = truncate_text(text, PREVIEW_CHARS)
    await reply(update, t(lang, "broadcast_preview", count=count, text=preview), keyboard)


async def broadcast_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str, broadcast_id: int
) -> None:
    """The confirmation (or cancel) button of a /broadcast draft."""
    svc = services(context)
    lang = language(update)
    query = update.callback_query
    if query is None:
        return
    if not await is_operator(update, context):  # forged, or a group member's press
        log.warning("broadcast button pressed in chat %s, not by an admin", chat_of(update).id)
        await answer(query, t_plain(lang, "button_expired"))
        return
    store = svc.store.broadcasts
    if kind == BROADCAST_CANCEL:
        done = await asyncio.to_thread(store.discard, broadcast_id)
        await answer(query)
        await _drop_buttons(update)
        await reply(update, t(lang, "broadcast_cancelled" if done else "broadcast_gone"))
        return
    if not await asyncio.to_thread(store.confirm, broadcast_id):
        await answer(query, t_plain(lang, "broadcast_gone"))
        return
    # Marked as being sent before the next await: a poll's resume_broadcasts, finding it
    # confirmed and unfinished in between, would send it too (in the poll job, for minutes)
    # and leave this report counting only part of it.
    svc.broadcasts_sending.add(broadcast_id)
    try:
        await answer(query)
        await _drop_buttons(update)
        record = await asyncio.to_thread(store.get, broadcast_id)
        if record is None:  # dropped between confirming and reading: nothing to send
            svc.broadcasts_sending.discard(broadcast_id)
            return
        pending = await asyncio.to_thread(store.pending_chats, broadcast_id)
        await reply(update, t(lang, "broadcast_sending", count=len(pending)))
    except BaseException:
        svc.broadcasts_sending.discard(broadcast_id)  # the next poll resumes it
        raise
    log.info("broadcast %d confirmed by chat %s", broadcast_id, chat_of(update).id)

    async def send() -> None:
        report = await send_broadcast(context.application, svc, record)
        await reply(
            update,
            t(
                lang,
                "broadcast_done",
                sent=report.sent,
                in_doubt=report.in_doubt,
                failed=report.failed,
                blocked=report.blocked,
            ),
        )

    # In the background: a broadcast to many chats takes minutes at Telegram's pace.
    context.application.create_task(send(), update=update)


async def _drop_buttons(update: Update) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as exc:  # pressed twice: already without buttons
        log.debug("broadcast preview buttons: %s", exc)


async def ingest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ingest: poll every paper now (inbox or site, whatever its poll window), deliver what
    is due, and say per paper how it went."""
    if await _refused(update, context):
        return
    svc = services(context)
    lang = language(update)
    await reply(update, t(lang, "ingest_started"))
    lines = []
    now = svc.now()
    for paper in svc.config.papers:
        if paper.kind is SourceKind.INBOX:
            outcome, detail = await poll_inbox_paper(context, svc, paper)
        else:
            outcome, detail = await poll_site_paper(context, svc, paper, now)
        lines.append(
            t(lang, "ingest_line", paper=paper.name, outcome=poll_outcome(lang, outcome, detail))
        )
    await reply(update, sendable(t(lang, "ingest_done", lines=Markup("\n".join(lines)))))
    await after_poll(context.application, svc.now())
