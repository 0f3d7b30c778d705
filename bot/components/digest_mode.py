"""The /settings choice of how a reader with several papers gets them: one digest per paper, or
one combined message (``DigestMode``), as two buttons under /settings.

Self-contained on purpose: /settings shows :func:`mode_hint` and :func:`mode_keyboard` under
its own text, and a press only edits the buttons (✅ marks the current choice), so other
/settings lines can change without touching this. Buttons carry ``dm:p`` / ``dm:c``; any
other value is forged and gets the "expired" answer.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.components.replies import chat_of, language
from bot.render import Markup, register_callback, t, t_plain
from bot.render.callback_data import encode_callback
from bot.services import services
from bot.storage.records import DigestMode

__all__ = ["DIGEST_MODE", "mode_hint", "mode_keyboard", "switch_digest_mode"]

log = logging.getLogger(__name__)

DIGEST_MODE = "dm"  # /settings digest mode: dm:{p|c}
register_callback(DIGEST_MODE, str)

_CODES = {DigestMode.PER_PAPER: "p", DigestMode.COMBINED: "c"}
_MODES = {code: mode for mode, code in _CODES.items()}
_LABELS = {DigestMode.PER_PAPER: "mode_per_paper", DigestMode.COMBINED: "mode_combined"}
_SAVED = {DigestMode.PER_PAPER: "mode_saved_per_paper", DigestMode.COMBINED: "mode_saved_combined"}


def mode_hint(lang: str) -> Markup:
    """The line /settings shows above the two buttons."""
    return t(lang, "settings_mode_hint")


def mode_keyboard(mode: DigestMode, lang: str) -> InlineKeyboardMarkup:
    """One row, two buttons; the current mode carries ✅."""
    buttons = []
    for option in DigestMode:
        label = t_plain(lang, _LABELS[option])
        if option is mode:
            label = t_plain(lang, "mode_selected", label=label)
        buttons.append(
            InlineKeyboardButton(label, callback_data=encode_callback(DIGEST_MODE, _CODES[option]))
        )
    return InlineKeyboardMarkup([buttons])


async def switch_digest_mode(
    update: Update, context: ContextTypes.DEFAULT_TYPE, code: str
) -> str | None:
    """A press on a mode button: store the choice, mark it on the buttons; the answer for the
    button (None for a forged code). A chat that is not subscribed is told so."""
    mode = _MODES.get(code)
    if mode is None:
        return None
    svc = services(context)
    lang = language(update)
    chat_id = chat_of(update).id
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
    if record is None or not record.active:
        return t_plain(lang, "mode_not_subscribed")
    if record.digest_mode is not mode:
        await asyncio.to_thread(svc.store.subscribers.set_digest_mode, chat_id, mode)
        log.info("chat %d: digest mode %s", chat_id, mode.value)
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_reply_markup(mode_keyboard(mode, lang))
        except BadRequest as exc:  # a double press: the buttons already look like this
            if "not modified" not in str(exc).lower():
                raise
    return t_plain(lang, _SAVED[mode])
