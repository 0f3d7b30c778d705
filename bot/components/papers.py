"""Which papers a reader gets: /papers with toggle buttons, /subscribe 名称, /unsubscribe 名称.

A reader subscribes to papers, not to "the bot": a new subscriber starts with the configured
default papers (``subscribe_by_default``, else the first), and each paper is one toggle.
Buttons carry the paper's position in the configuration (``pp:2``), never its name: names
can be long (64 bytes is 21 CJK characters) and a forged index is simply out of range.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.components.chats import may_manage
from bot.components.jobs import resync_digest_jobs
from bot.components.replies import chat_of, edit_unless_same, language, reply
from bot.config import Config, PaperConfig
from bot.render import Markup, escape, format_time, register_callback, t, t_plain
from bot.render.callback_data import encode_callback
from bot.services import services
from bot.storage import SubscriberRecord

__all__ = [
    "PAPER_TOGGLE",
    "papers",
    "papers_named",
    "reader_papers",
    "subscribe_chat",
    "toggle_paper",
    "unsubscribe_chat",
]

log = logging.getLogger(__name__)

PAPER_TOGGLE = "pp"  # /papers toggle: pp:{index in config.papers}
register_callback(PAPER_TOGGLE, int)


def papers_named(config: Config, name: str) -> list[PaperConfig]:
    """The configured papers ``name`` may mean: the one of exactly that name, else every one
    whose name contains it (several: the reader must say which)."""
    wanted = " ".join(name.split()).casefold()
    exact = [p for p in config.papers if p.name.casefold() == wanted]
    return exact[:1] or [p for p in config.papers if wanted and wanted in p.name.casefold()]


def reader_papers(config: Config, record: SubscriberRecord | None) -> list[PaperConfig]:
    """The papers /today, /search and /stats cover for this chat, in configuration order.

    A subscriber's own papers; a chat that chose none (or never subscribed) sees them all.
    """
    chosen = set(record.papers) if record is not None and record.active else set()
    mine = [p for p in config.papers if p.name in chosen]
    return mine or list(config.papers)


async def subscribe_chat(
    update: Update, context: ContextTypes.DEFAULT_TYPE, paper: PaperConfig | None = None
) -> str:
    """Subscribe the current chat (to ``paper``, or to its old or the default papers).

    Returns the confirmation text (shared by /subscribe, the /start button and /papers); in a
    group, the refusal when the sender is not one of its admins.
    """
    svc = services(context)
    lang = language(update)
    if not await may_manage(update, context):
        return t(lang, "group_admins_only")
    chat_id = chat_of(update).id
    store = svc.store.subscribers
    before = await asyncio.to_thread(store.get, chat_id)
    if paper is not None:
        wanted: Sequence[str] = [paper.name]
    elif before is None or not before.papers:
        wanted = [p.name for p in svc.config.default_papers]
    else:
        wanted = []
    changed = await asyncio.to_thread(store.subscribe, chat_id, lang, wanted)
    if changed:  # back after unsubscribing, their time's job may have gone meanwhile
        await resync_digest_jobs(context.application)
    # A returning chat keeps its language: a private reader's follows their Telegram
    # (components.chat_language), a group's changes by /settings lang only.
    record = await asyncio.to_thread(store.get, chat_id)
    when = format_time((record.digest_time if record else None) or svc.config.schedule.digest_time)
    log.info("chat %s subscribed (changed=%s)", chat_id, changed)
    names = _names(svc.config, record.papers if record else (), lang)
    key = "subscribed" if changed else "already_subscribed"
    return t(lang, key, time=when) + "\n" + t(lang, "your_papers", papers=names)


async def unsubscribe_chat(
    update: Update, context: ContextTypes.DEFAULT_TYPE, paper: PaperConfig | None = None
) -> str:
    """Drop one paper, or (without one, or when none is left) stop all digests (in a group:
    its admins only)."""
    svc = services(context)
    lang = language(update)
    if not await may_manage(update, context):
        return t(lang, "group_admins_only")
    chat_id = chat_of(update).id
    store = svc.store.subscribers
    if paper is not None:
        if not await asyncio.to_thread(store.remove_paper, chat_id, paper.name):
            return t(lang, "paper_not_subscribed", paper=paper.name)
        record = await asyncio.to_thread(store.get, chat_id)
        if record is not None and record.papers:
            names = _names(svc.config, record.papers, lang)
            return t(lang, "paper_unsubscribed", paper=paper.name, papers=names)
    was_active = await asyncio.to_thread(store.unsubscribe, chat_id)
    return t(lang, "unsubscribed" if was_active else "not_subscribed")


async def papers(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/papers: every configured paper with a subscribe/unsubscribe toggle."""
    svc = services(context)
    lang = language(update)
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_of(update).id)
    await reply(update, t(lang, "papers_header"), papers_keyboard(svc.config, record, lang))


async def toggle_paper(
    update: Update, context: ContextTypes.DEFAULT_TYPE, index: int
) -> str | None:
    """A /papers button: subscribe to or drop paper ``index``; the answer for the button.

    Edits the /papers message so its toggles show the new state; None if the index is stale.
    """
    svc = services(context)
    lang = language(update)
    query = update.callback_query
    if not 0 <= index < len(svc.config.papers):
        return None
    if not await may_manage(update, context):
        return t_plain(lang, "group_admins_only")
    paper = svc.config.papers[index]
    chat_id = chat_of(update).id
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
    if record is not None and record.active and paper.name in record.papers:
        await unsubscribe_chat(update, context, paper)
        answer = t_plain(lang, "paper_toggled_off", paper=paper.name)
    else:
        await subscribe_chat(update, context, paper)
        answer = t_plain(lang, "paper_toggled_on", paper=paper.name)
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
    if query is not None and query.message is not None:
        await edit_unless_same(
            query.edit_message_reply_markup(papers_keyboard(svc.config, record, lang))
        )
    return answer


def papers_keyboard(
    config: Config, record: SubscriberRecord | None, lang: str
) -> InlineKeyboardMarkup:
    """One toggle per configured paper: ✅ subscribed, ➕ not (yet)."""
    mine = set(record.papers) if record is not None and record.active else set()
    rows = [
        [
            InlineKeyboardButton(
                t_plain(lang, "paper_on" if paper.name in mine else "paper_off", paper=paper.name),
                callback_data=encode_callback(PAPER_TOGGLE, index),
            )
        ]
        for index, paper in enumerate(config.papers)
    ]
    return InlineKeyboardMarkup(rows)


def _names(config: Config, chosen: Sequence[str], lang: str) -> Markup:
    """The chosen papers in configuration order, escaped and joined ("甲报、乙报")."""
    order = {p.name: i for i, p in enumerate(config.papers)}
    listed = sorted(chosen, key=lambda name: order.get(name, len(order)))
    separator = t_plain(lang, "list_separator")
    return Markup(separator.join(escape(name) for name in listed) or "—")
