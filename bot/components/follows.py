"""/follow, /unfollow, /following: the topics a reader wants an alert about.

A topic is normalised the way the matcher reads editions (:func:`normalize_term`: NFKC,
case-folded, single spaces), bounded in length and counted against the per-reader cap
(``[limits] follows_per_reader``). Alerts themselves are decided at ingest and sent by the
poll jobs (:mod:`bot.components.jobs`).
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ContextTypes

from bot.components.chats import may_manage
from bot.components.commands import clean_argument
from bot.components.replies import chat_of, language, reply
from bot.delivery.readertime import quiet_window
from bot.ingest.follows import MAX_FOLLOW_CHARS, normalize_term
from bot.render import escape
from bot.render.cards import quiet_label
from bot.render.i18n import Markup, t
from bot.services import services
from bot.storage.follows import FollowResult

__all__ = ["follow", "following", "unfollow"]

# Longest text looked at before normalising (a paste is refused, not normalised at length).
_MAX_INPUT = 200


def _argument(update: Update) -> str:
    message = update.effective_message
    text = (message.text or "") if message else ""
    parts = text.split(maxsplit=1)
    return clean_argument(parts[1][: _MAX_INPUT + 1]) if len(parts) > 1 else ""


async def _term(update: Update, usage: str, *, new: bool = False) -> str | None:
    """The normalised topic after the command; None after telling the reader what is wrong.
    A ``new`` one (to follow, not to drop) must also fit as stored."""
    lang = language(update)
    argument = _argument(update)
    if not argument:
        await reply(update, t(lang, usage))
        return None
    if len(argument) > MAX_FOLLOW_CHARS:
        shown = len(argument) if len(argument) <= _MAX_INPUT else f"{_MAX_INPUT}+"
        await reply(update, t(lang, "follow_too_long", length=shown, limit=MAX_FOLLOW_CHARS))
        return None
    term = normalize_term(argument)
    if not term:
        await reply(update, t(lang, "follow_invalid"))
        return None
    if new and len(term) > MAX_FOLLOW_CHARS:  # NFKC may lengthen it: "ﷺ" becomes 18 characters
        await reply(update, t(lang, "follow_too_long", length=len(term), limit=MAX_FOLLOW_CHARS))
        return None
    return term


async def _may_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A group's topics are its admins' to change, like its subscription (else a member
    could pick what the bot posts to everyone); False after saying so."""
    if await may_manage(update, context):
        return True
    await reply(update, t(language(update), "group_admins_only"))
    return False


async def follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/follow 工会``: an alert whenever a new edition has an article about it."""
    term = await _term(update, "follow_usage", new=True)
    if term is None or not await _may_change(update, context):
        return
    svc = services(context)
    lang = language(update)
    chat_id = chat_of(update).id
    cap = svc.config.limits.follows_per_reader
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
    if record is None or not record.active:
        await reply(update, t(lang, "not_subscribed"))
        return
    result = await asyncio.to_thread(svc.store.follows.add, chat_id, term, cap=cap)
    if result is FollowResult.ADDED:
        count = await asyncio.to_thread(svc.store.follows.count, chat_id)
        window = quiet_window(record, svc.config.schedule.quiet_hours)
        key = "follow_added" if window[0] != window[1] else "follow_added_anytime"
        quiet = quiet_label(window, lang)
        await reply(update, t(lang, key, term=term, count=count, cap=cap, quiet=quiet))
    elif result is FollowResult.EXISTS:
        await reply(update, t(lang, "follow_exists", term=term))
    elif result is FollowResult.FULL:
        await reply(update, t(lang, "follow_full", cap=cap))
    else:
        await reply(update, t(lang, "not_subscribed"))


async def unfollow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/unfollow 工会``: no more alerts about it."""
    term = await _term(update, "unfollow_usage")
    if term is None or not await _may_change(update, context):
        return
    svc = services(context)
    lang = language(update)
    chat_id = chat_of(update).id
    removed = await asyncio.to_thread(svc.store.follows.remove, chat_id, term)
    await reply(update, t(lang, "unfollowed" if removed else "unfollow_unknown", term=term))


async def following(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The reader's topics, with how to drop one."""
    svc = services(context)
    lang = language(update)
    terms = await asyncio.to_thread(svc.store.follows.of, chat_of(update).id)
    if not terms:
        await reply(update, t(lang, "following_none"))
        return
    lines = Markup("\n".join(f"• {escape(term)}" for term in terms))
    cap = svc.config.limits.follows_per_reader
    await reply(update, t(lang, "following_list", count=len(terms), cap=cap, terms=lines))
