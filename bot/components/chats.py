"""Groups and channels: who may change a group's subscription, and ``/channel @name``.

In a private chat the reader decides. In a group, the digest is everyone's, so only the
group's administrators (or an anonymous admin writing as the group) may subscribe, drop papers
or change its settings; other members keep /today, /article, /search and the rest.

A channel cannot talk to the bot, so a reader or a group admin *binds* it: ``/channel @name``
checks that the bot is an administrator there allowed to post, and that the person asking
administers the channel too (or anyone could make the bot post into a channel that had once
added it), then subscribes the channel under its own chat id with the binding chat's papers.
From then on it is a subscriber like any other: the daily digest, the ledger, and the pacer's
20 messages a minute for groups and channels.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import ChatMember, ChatMemberAdministrator, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.components.replies import chat_of, language, reply
from bot.render import Markup, escape, format_time, t, t_plain
from bot.services import services
from summarizer.decode import strip_invisible

__all__ = ["channel", "may_manage"]

log = logging.getLogger(__name__)

# A public username: 5-32 characters, a letter first (Telegram's rule); the @ is optional.
_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")
_OFF = {"off", "stop", "unbind", "停止", "取消", "解绑"}
_ADMINS = {ChatMember.OWNER, ChatMember.ADMINISTRATOR}
_MAX_NAME = 64  # what a bad name is echoed with, at most


async def may_manage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """May the sender change this chat's subscription? Anyone in a private chat; in a group
    its owner and administrators only (asked from Telegram each time: admins change)."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.CHANNEL:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous admin writes as the group
    user = update.effective_user
    if user is None:
        return False
    try:
        member = await chat.get_member(user.id)
    except TelegramError as exc:
        log.warning("chat %s: could not check whether %s is an admin: %s", chat.id, user.id, exc)
        return False
    return member.status in _ADMINS


async def channel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/channel`` (the channels bound here), ``/channel @name`` (bind), ``/channel off
    @name`` (unbind)."""
    svc = services(context)
    lang = language(update)
    chat_id = chat_of(update).id
    message = update.effective_message
    text = (message.text or "") if message else ""
    words = strip_invisible(text).split()[1:]
    if not words or (len(words) == 1 and words[0].lower() in _OFF):  # which one to stop?
        bound = await asyncio.to_thread(svc.store.channels.bound_by, chat_id)
        usage = t(lang, "channel_usage")
        if bound:
            names = t_plain(lang, "list_separator").join(f"@{c.username}" for c in bound)
            usage = Markup(f"{t(lang, 'channel_list', channels=names)}\n\n{usage}")
        await reply(update, usage)
        return
    unbind = words[0].lower() in _OFF
    name = (words[1] if len(words) > 1 else "") if unbind else words[0]
    match = _USERNAME.fullmatch(name)
    if match is None or len(words) > 2 or (len(words) > 1 and not unbind):
        await reply(update, t(lang, "channel_bad_name", name=" ".join(words)[:_MAX_NAME]))
        return
    if not await may_manage(update, context):
        await reply(update, t(lang, "group_admins_only"))
        return
    handle = f"@{match[1]}"
    if unbind:
        await _unbind(update, context, chat_id, match[1], handle)
        return
    await _bind(update, context, chat_id, handle)


async def _unbind(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int, username: str, handle: str
) -> None:
    svc = services(context)
    lang = language(update)
    for record in await asyncio.to_thread(svc.store.channels.bound_by, chat_id):
        if record.username.lower() == username.lower():
            await asyncio.to_thread(svc.store.channels.unbind, record.chat_id)
            log.info("channel %s (%d) unbound by chat %s", handle, record.chat_id, chat_id)
            await reply(update, t(lang, "channel_unbound", name=handle))
            return
    await reply(update, t(lang, "channel_not_bound", name=handle))


async def _bind(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int, handle: str
) -> None:
    svc = services(context)
    lang = language(update)
    bot = context.bot
    try:
        target = await bot.get_chat(handle)
    except BadRequest:
        await reply(update, t(lang, "channel_not_found", name=handle))
        return
    if target.type != ChatType.CHANNEL:
        await reply(update, t(lang, "channel_not_a_channel", name=handle))
        return
    try:
        me = await bot.get_chat_member(target.id, bot.id)
    except TelegramError as exc:
        log.info("channel %s: the bot's membership unknown: %s", handle, exc)
        me = None
    if not (isinstance(me, ChatMemberAdministrator) and me.can_post_messages):
        await reply(update, t(lang, "channel_bot_not_admin", name=handle, bot=bot.username))
        return
    message = update.effective_message
    if message is not None and message.sender_chat is not None:  # an anonymous admin
        await reply(update, t(lang, "channel_anonymous", name=handle))
        return
    user = update.effective_user
    try:
        member = await bot.get_chat_member(target.id, user.id) if user is not None else None
    except TelegramError as exc:
        log.info("channel %s: membership of %s unknown: %s", handle, user and user.id, exc)
        member = None
    if member is None or member.status not in _ADMINS:
        await reply(update, t(lang, "channel_user_not_admin", name=handle))
        return
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
    if record is not None and record.active and record.papers:
        papers = list(record.papers)
    else:
        papers = [p.name for p in svc.config.default_papers]
    username = target.username or handle[1:]
    await asyncio.to_thread(
        svc.store.channels.bind, target.id, username, target.title, chat_id, lang, papers
    )
    channel_record = await asyncio.to_thread(svc.store.subscribers.get, target.id)
    when = (channel_record.digest_time if channel_record else None) or (
        svc.config.schedule.digest_time
    )
    log.info("channel %s (%d) bound by chat %s", handle, target.id, chat_id)
    names = Markup(t_plain(lang, "list_separator").join(escape(p) for p in papers))
    await reply(
        update, t(lang, "channel_bound", name=handle, papers=names, time=format_time(when))
    )
