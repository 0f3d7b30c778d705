"""Replies shared by commands and button presses: article cards and search pages.

A button press and a typed command end in the same reply, so the code that builds it lives
here once rather than in both handlers.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.ext import ContextTypes

from bot.digest import SEARCH_PAGE, ArticleRef, article_keyboard, encode_callback
from bot.i18n import language_for, t, t_plain
from bot.render import article_card, search_results, search_results_shown
from bot.services import services

SEARCH_PAGE_SIZE = 5
# How many recent search messages per chat keep working pager buttons.
REMEMBERED_SEARCHES = 20
_SEARCHES = "searches"
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def language(update: Update) -> str:
    """The user's language: English for English Telegram clients, Chinese otherwise."""
    user = update.effective_user
    return language_for(user.language_code if user else None)


async def reply(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> Message:
    """Send ``text`` (Telegram HTML) to the chat the update came from."""
    return await update.effective_chat.send_message(
        text, reply_markup=keyboard, link_preview_options=_NO_PREVIEW
    )


async def article_reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, edition_id: int, number: int
) -> None:
    """Article ``number`` of edition ``edition_id``: title, byline, page, summary, keywords."""
    svc = services(context)
    lang = language(update)
    record = await asyncio.to_thread(svc.store.article, edition_id, number)
    edition = await asyncio.to_thread(svc.store.edition, edition_id)
    if record is None or edition is None:
        count = edition.article_count if edition else 0
        await reply(update, t(lang, "article_not_found", count=count))
        return
    await reply(update, article_card(record, edition, lang))


async def search_page(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    query: str,
    *,
    page: int,
    articles_of: int | None = None,
    edit: Message | None = None,
) -> None:
    """Page ``page`` of the hits for ``query``: across the archive, or titles of one edition.

    With ``edit`` the pager's message is edited in place; otherwise a new message is sent. The
    query is remembered per chat under the message id, so the pager's callback_data needs only
    the page number (a query would not fit Telegram's 64 bytes).
    """
    svc = services(context)
    lang = language(update)
    offset = page * SEARCH_PAGE_SIZE
    if articles_of is not None:
        matches = await asyncio.to_thread(svc.store.find_articles_by_title, articles_of, query)
        hits, total = matches[offset : offset + SEARCH_PAGE_SIZE], len(matches)
    else:
        hits, total = await asyncio.to_thread(
            svc.store.search, query, offset=offset, limit=SEARCH_PAGE_SIZE
        )
    editions = {}
    for edition_id in {hit.edition_id for hit in hits}:
        editions[edition_id] = await asyncio.to_thread(svc.store.edition, edition_id)
    found = {k: v for k, v in editions.items() if v is not None}
    text = search_results(query, hits, found, lang, total=total, offset=offset)
    shown = search_results_shown(query, hits, found, lang, total=total, offset=offset)

    rows = []
    if shown:
        buttons = article_keyboard(
            [ArticleRef(hit.edition_id, hit.number) for hit in hits[:shown]],
            lang,
            labels=[str(offset + i + 1) for i in range(shown)],
        )
        rows.extend(buttons.inline_keyboard if buttons else ())
    pager = []
    if page > 0:
        pager.append((t_plain(lang, "button_previous_page"), page - 1))
    if offset + len(hits) < total:
        pager.append((t_plain(lang, "button_next_page"), page + 1))
    if pager:
        rows.append(
            [
                InlineKeyboardButton(label, callback_data=encode_callback(SEARCH_PAGE, target))
                for label, target in pager
            ]
        )
    keyboard = InlineKeyboardMarkup(rows) if rows else None
    if edit is not None:
        await edit.edit_text(text, reply_markup=keyboard, link_preview_options=_NO_PREVIEW)
        message = edit
    else:
        message = await reply(update, text, keyboard)
    if pager:
        remember_search(context, message.message_id, query, articles_of)


def remember_search(
    context: ContextTypes.DEFAULT_TYPE, message_id: int, query: str, articles_of: int | None
) -> None:
    """Keep the query of a search message so its pager buttons can turn pages."""
    searches = context.chat_data.setdefault(_SEARCHES, OrderedDict())
    searches[message_id] = (query, articles_of)
    searches.move_to_end(message_id)
    while len(searches) > REMEMBERED_SEARCHES:
        searches.popitem(last=False)


def recall_search(
    context: ContextTypes.DEFAULT_TYPE, message_id: int
) -> tuple[str, int | None] | None:
    """The query behind a search message, or None when it was forgotten (e.g. a restart)."""
    searches = context.chat_data.get(_SEARCHES) or {}
    return searches.get(message_id)
