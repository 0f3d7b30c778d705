"""Membership changes: a user who blocks the bot stops being a subscriber, and so does a
group that removes it or a channel that takes its admin rights away (``my_chat_member``);
a group that becomes a supergroup (a new chat id) keeps its subscription under the new id.

Telegram tells us when the bot is blocked or kicked; acting on that keeps the next digest
fan-out from wasting a send (and a 403) on every chat that left. History is kept.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.services import services

log = logging.getLogger(__name__)

_GONE = {ChatMember.BANNED, ChatMember.LEFT}


async def chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    if change is None:
        return
    member = change.new_chat_member
    status = member.status
    # In a channel the bot posts only as an administrator allowed to post messages: demoted,
    # or left without that right, is as good as gone.
    demoted = change.chat.type == ChatType.CHANNEL and (
        status != ChatMember.ADMINISTRATOR or not getattr(member, "can_post_messages", False)
    )
    if status not in _GONE and not demoted:
        return
    chat_id = change.chat.id
    await asyncio.to_thread(services(context).store.subscribers.deactivate, chat_id)
    log.info("chat %s blocked or removed the bot; subscription deactivated", chat_id)


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: its subscription, topics, settings and delivery history
    move to the new chat id at once (both service messages arrive; the second finds nothing
    left to move). Until now only a digest sent to the old id, refused, moved them: in
    between, the supergroup's /following, /settings and /follow said "not subscribed"."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await asyncio.to_thread(services(context).store.subscribers.migrate_chat, old, new)
    log.info("group %s became supergroup %s; its subscription moved with it", old, new)
