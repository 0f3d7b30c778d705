"""Button presses: open an article, subscribe from /start, turn a search page, toggle a paper,
choose a time zone or the digest mode in /settings, confirm or cancel an admin's broadcast.

callback_data comes from the client and can be forged, so it is decoded strictly
(``bot.render.callback_data.decode_callback``) and anything unexpected just gets a polite answer.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.components.admin import BROADCAST_CANCEL, BROADCAST_SEND, broadcast_button
from bot.components.chats import may_manage
from bot.components.digest_mode import DIGEST_MODE, switch_digest_mode
from bot.components.papers import PAPER_TOGGLE, subscribe_chat, toggle_paper
from bot.components.replies import (
    answer,
    article_reply,
    chat_of,
    language,
    private_article,
    reply,
)
from bot.components.search import recall_search, search_page
from bot.components.settings import SETTINGS_ZONE, reshow_settings, zone_button
from bot.render import (
    ARTICLE_KINDS,
    SEARCH_PAGE,
    SUBSCRIBE,
    decode_article_callback,
    decode_callback,
)
from bot.render.i18n import t_plain

log = logging.getLogger(__name__)

# No search has 10,000 pages; a larger page number is forged (and would overflow an OFFSET).
MAX_PAGE = 10_000


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Dispatch a button press by the kind in its callback_data."""
    query = update.callback_query
    if query is None:
        return
    lang = language(update)
    decoded = decode_callback(query.data)
    if decoded is None:
        log.info("ignored malformed callback_data from chat %s", chat_of(update).id)
        await answer(query, t_plain(lang, "button_expired"))
        return
    kind = decoded[0]
    in_channel = chat_of(update).type == ChatType.CHANNEL
    if in_channel and kind not in ARTICLE_KINDS:
        # Only a digest's article buttons stand under a channel's posts: anything else was
        # forged, and its reply would post into the channel for every subscriber to read.
        log.info("ignored a %r press in channel %s", kind, chat_of(update).id)
        await answer(query, t_plain(lang, "button_expired"))
        return
    if kind in ARTICLE_KINDS:
        ref = decode_article_callback(query.data)
        if ref is None:  # out of range: forged, or an id no database row can have
            await answer(query, t_plain(lang, "button_expired"))
            return
        if in_channel:
            await private_article(update, context, query, ref)
            return
        await answer(query)
        await article_reply(update, context, ref)
    elif kind == SUBSCRIBE:
        if not await may_manage(update, context):  # said to the presser, not the whole group
            await answer(query, t_plain(lang, "group_admins_only"))
            return
        await answer(query)
        await reply(update, await subscribe_chat(update, context))
    elif kind == SEARCH_PAGE:
        page = decoded[1]
        remembered = recall_search(context, query.message.message_id) if query.message else None
        if remembered is None or not isinstance(page, int) or not 0 <= page <= MAX_PAGE:
            await answer(query, t_plain(lang, "button_expired"), show_alert=True)
            return
        await answer(query)
        await search_page(
            update,
            context,
            remembered.words,
            page=page,
            articles_of=remembered.articles_of,
            query=query,
            lang=remembered.language,
        )
    elif kind in (BROADCAST_SEND, BROADCAST_CANCEL) and isinstance(decoded[1], int):
        await broadcast_button(update, context, str(kind), decoded[1])
    elif kind == DIGEST_MODE:
        code = decoded[1]
        told = (
            await switch_digest_mode(update, context, code, reshow_settings)
            if isinstance(code, str)
            else None
        )
        await answer(query, told or t_plain(lang, "button_expired"))
    elif kind == PAPER_TOGGLE:
        index = decoded[1]
        told = await toggle_paper(update, context, index) if isinstance(index, int) else None
        await answer(query, told or t_plain(lang, "button_expired"))
    elif kind == SETTINGS_ZONE:
        await zone_button(update, context, query, decoded[1])
    else:  # a kind registered elsewhere but not handled here
        await answer(query, t_plain(lang, "button_expired"))
