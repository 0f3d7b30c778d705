"""Replies shared by commands and button presses: article cards and search pages.

A button press and a typed command end in the same reply, so the code that builds it lives
here once rather than in both handlers.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.error import BadRequest, RetryAfter
from telegram.ext import ContextTypes

from bot.delivery import retry_seconds
from bot.render import (
    SEARCH_PAGE,
    ArticleRef,
    article_card,
    article_keyboard,
    encode_callback,
    search_results,
)
from bot.render.i18n import language_for, t, t_plain
from bot.services import services, services_of_bot
from bot.storage.records import EditionRecord

log = logging.getLogger(__name__)
T = TypeVar("T")

SEARCH_PAGE_SIZE = 5
# How long a reply may wait out flood waits (429) in all, in seconds; then it is given up.
MAX_REPLY_WAIT = 60.0
_EDITION = "edition"
# How many recent search messages per chat keep working pager buttons.
REMEMBERED_SEARCHES = 20
_SEARCHES = "searches"
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def language(update: Update) -> str:
    """The user's language: English for English Telegram clients, Chinese otherwise."""
    user = update.effective_user
    return language_for(user.language_code if user else None)


def chat_of(update: Update) -> Chat:
    """The chat an update came from; every handler is registered for updates that have one."""
    chat = update.effective_chat
    if chat is None:
        raise LookupError(f"update {update.update_id} has no chat")
    return chat


def chat_data(context: ContextTypes.DEFAULT_TYPE) -> dict[Any, Any]:
    """The per-chat memory of PTB (None only for updates without a chat)."""
    data = context.chat_data
    if data is None:
        raise LookupError("this update has no chat data")
    return data


async def reply(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> Message:
    """Send ``text`` (Telegram HTML) to the chat the update came from."""
    chat = chat_of(update)
    return await patiently(
        chat,
        lambda: chat.send_message(text, reply_markup=keyboard, link_preview_options=_NO_PREVIEW),
    )


async def patiently(chat: Chat, send: Callable[[], Awaitable[T]]) -> T:
    """Run ``send`` (a message to ``chat``) through the send pacer; wait out any 429.

    Replies share :attr:`Services.pacer` with the digests: per chat about one message a
    second, overall within Telegram's limit, so a reader typing fast is answered at the pace
    Telegram allows instead of earning flood waits. A 429 that comes anyway is waited out
    and the send tried again, up to :data:`MAX_REPLY_WAIT` seconds in all; then it is given
    up (``RetryAfter`` propagates, and the error handler logs one line: it is not a bug).
    """
    pacer = services_of_bot(chat.get_bot()).pacer
    waited = 0.0
    while True:
        try:
            async with pacer.slot(chat.id):
                return await send()
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if waited + wait > MAX_REPLY_WAIT:
                log.warning("chat %s: flood wait of %.0f s; reply given up", chat.id, wait)
                raise
            waited += wait
            await asyncio.sleep(wait)


def remember_edition(context: ContextTypes.DEFAULT_TYPE, edition_id: int) -> None:
    """The edition this chat last looked at: ``/article N`` means article N of it."""
    chat_data(context)[_EDITION] = edition_id


async def current_edition(context: ContextTypes.DEFAULT_TYPE) -> EditionRecord | None:
    """The edition the chat last saw in /today (with several papers), else the newest one."""
    store = services(context).store
    remembered = chat_data(context).get(_EDITION)
    if isinstance(remembered, int):
        edition = await asyncio.to_thread(store.editions.get, remembered)
        if edition is not None:
            return edition
    return await asyncio.to_thread(store.editions.latest)


async def article_reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, edition_id: int, number: int
) -> None:
    """Article ``number`` of edition ``edition_id``: title, byline, page, summary, keywords."""
    svc = services(context)
    lang = language(update)
    record = await asyncio.to_thread(svc.store.editions.article, edition_id, number)
    edition = await asyncio.to_thread(svc.store.editions.get, edition_id)
    if record is None or edition is None:
        count = edition.article_count if edition else 0
        await reply(update, t(lang, "article_not_found", count=count))
        return
    await reply(update, article_card(record, edition, lang))


async def search_page(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    words: str,
    *,
    page: int,
    articles_of: int | None = None,
    query: CallbackQuery | None = None,
) -> None:
    """Page ``page`` of the hits for ``words``: across the archive, or titles of one edition.

    From a pager button (``query``) the message is edited in place; otherwise a new one is
    sent. The words are remembered per chat under the message id, so the pager's callback_data
    needs only the page number (the words would not fit Telegram's 64 bytes).
    """
    svc = services(context)
    lang = language(update)
    offset = page * SEARCH_PAGE_SIZE
    if articles_of is not None:
        matches = await asyncio.to_thread(svc.store.editions.articles_by_title, articles_of, words)
        hits, total = matches[offset : offset + SEARCH_PAGE_SIZE], len(matches)
    else:
        hits, total = await asyncio.to_thread(
            svc.store.editions.search, words, offset=offset, limit=SEARCH_PAGE_SIZE
        )
    editions = {}
    for edition_id in {hit.edition_id for hit in hits}:
        editions[edition_id] = await asyncio.to_thread(svc.store.editions.get, edition_id)
    found = {k: v for k, v in editions.items() if v is not None}
    text, shown = search_results(words, hits, found, lang, total=total, offset=offset)

    rows: list[Sequence[InlineKeyboardButton]] = []
    if shown:
        buttons = article_keyboard(
            [ArticleRef(hit.edition_id, hit.number) for hit in hits[:shown]],
            lang,
            labels=[str(offset + i + 1) for i in range(shown)],
        )
        rows.extend(buttons.inline_keyboard if buttons else ())
    pager: list[tuple[str, int]] = []
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
    if query is not None:
        try:
            await query.edit_message_text(
                text, reply_markup=keyboard, link_preview_options=_NO_PREVIEW
            )
        except BadRequest as exc:  # a double press asks for the page already shown
            if "not modified" not in str(exc).lower():
                raise
        return
    message = await reply(update, text, keyboard)
    if pager:
        remember_search(context, message.message_id, words, articles_of)


def remember_search(
    context: ContextTypes.DEFAULT_TYPE, message_id: int, query: str, articles_of: int | None
) -> None:
    """Keep the query of a search message so its pager buttons can turn pages."""
    searches = chat_data(context).setdefault(_SEARCHES, OrderedDict())
    searches[message_id] = (query, articles_of)
    searches.move_to_end(message_id)
    while len(searches) > REMEMBERED_SEARCHES:
        searches.popitem(last=False)


def recall_search(
    context: ContextTypes.DEFAULT_TYPE, message_id: int
) -> tuple[str, int | None] | None:
    """The query behind a search message, or None when it was forgotten (e.g. a restart)."""
    searches = chat_data(context).get(_SEARCHES) or {}
    return searches.get(message_id)
