"""A local Telegram Bot API server and Telegram's HTML parser, for the tests and the demo.

It plays Telegram: python-telegram-bot talks to it over real HTTP on 127.0.0.1 and gets
Telegram's own checks and error texts back (see :mod:`.server`); :mod:`.telegram_html` parses
``parse_mode=HTML`` as strictly as Telegram does.

May import: aiohttp and the standard library. **Nothing from the rest of the bot**, on
purpose: an emulator that shared code with the product (even ``utf16_len``) would share its
bugs and stop catching them. The product's own code never imports this package.
"""

from bot.localapi.server import (
    ApiCall,
    ApiError,
    CallbackQuery,
    LocalBotApi,
    LocalChat,
    LocalGroup,
    LocalUser,
    SentMessage,
    Update,
)
from bot.localapi.telegram_html import (
    Entity,
    ParsedHtml,
    TelegramHtmlError,
    entity_text,
    parse_html,
    to_html,
    utf16_len,
    utf16_slice,
)

__all__ = [
    "ApiCall",
    "ApiError",
    "CallbackQuery",
    "Entity",
    "LocalBotApi",
    "LocalChat",
    "LocalGroup",
    "LocalUser",
    "ParsedHtml",
    "SentMessage",
    "TelegramHtmlError",
    "Update",
    "entity_text",
    "parse_html",
    "to_html",
    "utf16_len",
    "utf16_slice",
]
