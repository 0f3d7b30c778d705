"""Render: records in, Telegram-HTML texts and inline keyboards out.

Holds the strings in both languages (:mod:`.i18n`), text helpers that measure and cut after
entity parsing (:mod:`.text`), the daily digest (:mod:`.digest`), the other reply texts
(:mod:`.cards`), the ``callback_data`` codec (:mod:`.callback_data`) and the /stats chart
(:mod:`.charts`, imported on its own: it pulls in matplotlib).

May import: python-telegram-bot's data types (keyboards), matplotlib (charts only) and
:mod:`bot.storage.records`. Never the store itself, the network or the handlers.
"""

from bot.render.callback_data import (
    ARTICLE,
    ARTICLE_KINDS,
    CALLBACK_DATA_MAX_BYTES,
    MAX_ROW_ID,
    SEARCH_PAGE,
    SUBSCRIBE,
    ArticleRef,
    article_from_start_payload,
    article_ref,
    article_start_payload,
    decode_article_callback,
    decode_callback,
    encode_callback,
    find_article,
    register_callback,
)
from bot.render.cards import (
    article_card,
    offset_text,
    search_results,
    settings_text,
    stats_text,
    zone_label,
)
from bot.render.digest import MAX_BUTTONS, DigestMessage, article_keyboard, build_digest
from bot.render.i18n import Markup, language_for, t, t_plain
from bot.render.text import (
    CAPTION_LIMIT,
    ELLIPSIS,
    TEXT_LIMIT,
    clean,
    escape,
    format_date,
    format_time,
    messages_of,
    page_label,
    plain_text,
    sendable,
    truncate_text,
    utf16_len,
    visible_length,
)

__all__ = [
    "ARTICLE",
    "ARTICLE_KINDS",
    "CALLBACK_DATA_MAX_BYTES",
    "CAPTION_LIMIT",
    "ELLIPSIS",
    "MAX_BUTTONS",
    "MAX_ROW_ID",
    "SEARCH_PAGE",
    "SUBSCRIBE",
    "TEXT_LIMIT",
    "ArticleRef",
    "DigestMessage",
    "Markup",
    "article_card",
    "article_from_start_payload",
    "article_keyboard",
    "article_ref",
    "article_start_payload",
    "build_digest",
    "clean",
    "decode_article_callback",
    "decode_callback",
    "encode_callback",
    "escape",
    "find_article",
    "format_date",
    "format_time",
    "language_for",
    "messages_of",
    "offset_text",
    "page_label",
    "plain_text",
    "register_callback",
    "search_results",
    "sendable",
    "settings_text",
    "stats_text",
    "t",
    "t_plain",
    "truncate_text",
    "utf16_len",
    "visible_length",
    "zone_label",
]
