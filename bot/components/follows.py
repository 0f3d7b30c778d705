"""/follow, /unfollow, /following: the topics a reader wants an alert about.

A topic is normalised the way the matcher reads editions (:func:`normalize_term`: NFKC,
case-folded, single spaces), bounded in length and counted against the per-reader cap
(``[limits] follows_per_reader``). A list (``/follow 工会，驿站``) is one topic each, answered
in one reply. Alerts themselves are decided at ingest and sent by the poll jobs
(:mod:`bot.components.jobs`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from telegram import Update
from telegram.ext import ContextTypes

from bot.components.chats import may_manage
from bot.components.commands import clean_argument
from bot.components.replies import chat_of, language, reply
from bot.delivery.readertime import quiet_window
from bot.ingest.follows import MAX_FOLLOW_CHARS, normalize_term, split_topics
from bot.render import escape
from bot.render.cards import quiet_label
from bot.render.i18n import Markup, t, t_plain
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


async def _terms(update: Update, usage: str, *, new: bool = False) -> list[str] | None:
    """The normalised topics after the command (a typed list is one each, :func:`split_topics`;
    each once); None after telling the reader what is wrong, and then nothing is changed. A
    ``new`` one (to follow, not to drop) must also fit as stored."""
    lang = language(update)
    argument = _argument(update)
    if not argument:
        await reply(update, t(lang, usage))
        return None
    if len(argument) > _MAX_INPUT:  # cut at the limit: its last topic may be cut too
        await reply(
            update, t(lang, "follow_too_long", length=f"{_MAX_INPUT}+", limit=MAX_FOLLOW_CHARS)
        )
        return None
    terms: list[str] = []
    for part in split_topics(argument):
        term = normalize_term(part)
        # NFKC may lengthen it: "ﷺ" becomes 18 characters.
        length = len(term) if new and len(term) > len(part) else len(part)
        if length > MAX_FOLLOW_CHARS:
            await reply(update, t(lang, "follow_too_long", length=length, limit=MAX_FOLLOW_CHARS))
            return None
        if term and term not in terms:
            terms.append(term)
    if not terms:
        await reply(update, t(lang, "follow_invalid"))
        return None
    return terms


def _listed(terms: Sequence[str], lang: str) -> Markup:
    """Topics as a reply names them: “工会”、“驿站”."""
    separator = t_plain(lang, "list_separator")
    return Markup(separator.join(f"“{escape(term)}”" for term in terms))


async def _may_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A group's topics are its admins' to change, like its subscription (else a member
    could pick what the bot posts to everyone); False after saying so."""
    if await may_manage(update, context):
        return True
    await reply(update, t(language(update), "group_admins_only"))
    return False


async def follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/follow 工会`` (or ``/follow 工会，驿站``): an alert whenever a new edition has an
    article about it."""
    terms = await _terms(update, "follow_usage", new=True)
    if terms is None or not await _may_change(update, context):
        return
    svc = services(context)
    lang = language(update)
    chat_id = chat_of(update).id
    cap = svc.config.limits.follows_per_reader
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
    if record is None or not record.active:
        await reply(update, t(lang, "not_subscribed"))
        return
    results = await asyncio.to_thread(svc.store.follows.add_all, chat_id, terms, cap=cap)
    if FollowResult.UNKNOWN in results:
        await reply(update, t(lang, "not_subscribed"))
        return
    got = {
        result: [term for term, r in zip(terms, results, strict=True) if r is result]
        for result in FollowResult
    }
    lines: list[Markup] = []
    if added := got[FollowResult.ADDED]:
        count = await asyncio.to_thread(svc.store.follows.count, chat_id)
        window = quiet_window(record, svc.config.schedule.quiet_hours)
        key = "follow_added" if window[0] != window[1] else "follow_added_anytime"
        quiet = quiet_label(window, lang)
        listed, topics = _listed(added, lang), len(added)
        lines.append(t(lang, key, terms=listed, topics=topics, count=count, cap=cap, quiet=quiet))
    if got[FollowResult.EXISTS]:
        lines.append(t(lang, "follow_exists", terms=_listed(got[FollowResult.EXISTS], lang)))
    if full := got[FollowResult.FULL]:
        if len(full) == len(terms):
            lines.append(t(lang, "follow_full", cap=cap))
        else:
            lines.append(t(lang, "follow_full_some", terms=_listed(full, lang), cap=cap))
    await reply(update, Markup("\n".join(lines)))


async def unfollow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/unfollow 工会`` (or ``/unfollow 工会，驿站``): no more alerts about it."""
    terms = await _terms(update, "unfollow_usage")
    if terms is None or not await _may_change(update, context):
        return
    svc = services(context)
    lang = language(update)
    chat_id = chat_of(update).id
    whole = normalize_term(_argument(update))
    if len(terms) > 1 and await asyncio.to_thread(svc.store.follows.remove, chat_id, whole):
        # A list an earlier release stored as one topic (it did not split them).
        await reply(update, t(lang, "unfollowed", terms=_listed([whole], lang)))
        return
    removed = [
        term for term in terms if await asyncio.to_thread(svc.store.follows.remove, chat_id, term)
    ]
    unknown = [term for term in terms if term not in removed]
    lines: list[Markup] = []
    if removed:
        lines.append(t(lang, "unfollowed", terms=_listed(removed, lang)))
    if unknown:
        lines.append(t(lang, "unfollow_unknown", terms=_listed(unknown, lang)))
    await reply(update, Markup("\n".join(lines)))


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
