"""A private reader's digest speaks the language their Telegram speaks now.

Replies follow the sender's client language on every update, but a digest is rendered later,
with nobody to ask, in the language stored with the chat. In a private chat that is the
reader's own, so it follows them: whenever they write or press a button with a client
language different from the stored one, the stored one changes (a reader who switched
Telegram to English stops getting Chinese digests). A group's or channel's language is
everyone's and changes only when an admin says so (``/settings lang``), never because an
admin with another client language happened to write.

Runs after the command handlers (group 1), so a throttled update never gets here, and
remembers per chat what it last stored, so a chat costs one read per process, not one per
update.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.render.i18n import language_for
from bot.services import services

__all__ = ["FOLLOW_GROUP", "follow_client_language", "install", "known_language"]

log = logging.getLogger(__name__)

FOLLOW_GROUP = 1
"""After the command handlers (group 0): a handler group runs only its first matching
handler, so this needs a group of its own."""

_STORED = "stored_language"  # chat_data: the language this process knows is stored


async def follow_client_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store a private reader's current client language as their chat's, if it changed.

    A client that sends no ``language_code`` says nothing about the reader's language: the
    stored one stays (rather than falling back to Chinese)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != ChatType.PRIVATE or user is None or not user.language_code:
        return
    data = context.chat_data
    lang = language_for(user.language_code)
    if data is None or data.get(_STORED) == lang:
        return
    try:
        changed = await asyncio.to_thread(
            services(context).store.subscribers.follow_language, chat.id, lang
        )
    except Exception as exc:  # a follow-up: the reader's own request is done
        # Not the error handler's: the command this update carried has had its answer (or
        # its apology, when the database is what failed), and a second one would confuse.
        log.warning(
            "chat %s: could not store its language (%s); next update tries again",
            chat.id,
            type(exc).__name__,
        )
        return
    if changed:
        log.info("chat %s: digests now in %s (the reader's Telegram language)", chat.id, lang)
    data[_STORED] = lang


def known_language(application: Application, chat_id: int) -> str | None:
    """The client language this process last saw a private chat write in, stored or not (an
    operator who never subscribed has no stored language); None when it has not written."""
    data = application.chat_data.get(chat_id)
    return data.get(_STORED) if data else None


def install(application: Application) -> None:
    """Put :func:`follow_client_language` behind every handler of ``application``."""
    application.add_handler(TypeHandler(Update, follow_client_language), group=FOLLOW_GROUP)
