"""The /settings choice of how a reader with several papers gets them: one digest per paper, or
one combined message (``DigestMode``), as two buttons under /settings.

Self-contained on purpose: /settings lists :func:`mode_rows` in its ``KEYBOARD_ROWS`` (and
:func:`mode_hint` under its text). A press under the /settings message shows that message anew
(/settings' own ``reshow``: the time, zone and next digest as they are now, ✅ on the current
choice); under another message it only edits this row of the keyboard. In a group only its
admins change it (:func:`bot.components.chats.may_manage`, as for the zone buttons). Buttons
carry ``dm:p`` / ``dm:c``; any other value is forged and gets the "expired" answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.components.chats import may_manage
from bot.components.replies import chat_of, edit_unless_same, language, language_shown
from bot.render import Markup, register_callback, t, t_plain
from bot.render.callback_data import encode_callback
from bot.services import services
from bot.storage.records import DigestMode, SubscriberRecord

__all__ = ["DIGEST_MODE", "Reshow", "mode_hint", "mode_rows", "switch_digest_mode"]

log = logging.getLogger(__name__)

DIGEST_MODE = "dm"  # /settings digest mode: dm:{p|c}
register_callback(DIGEST_MODE, str)

_CODES = {DigestMode.PER_PAPER: "p", DigestMode.COMBINED: "c"}
_MODES = {code: mode for mode, code in _CODES.items()}
_LABELS = {DigestMode.PER_PAPER: "mode_per_paper", DigestMode.COMBINED: "mode_combined"}
_SAVED = {DigestMode.PER_PAPER: "mode_saved_per_paper", DigestMode.COMBINED: "mode_saved_combined"}
_DATA = {encode_callback(DIGEST_MODE, code) for code in _CODES.values()}


def mode_hint(lang: str) -> Markup:
    """The line /settings shows above the two buttons."""
    return t(lang, "settings_mode_hint")


def mode_rows(record: SubscriberRecord | None, lang: str) -> list[list[InlineKeyboardButton]]:
    """The /settings keyboard rows of the digest mode: for an active subscriber one row, two
    buttons (the current mode carries ✅); none for anyone else."""
    if record is None or not record.active:
        return []
    return [_mode_row(record.digest_mode, lang)]


def _mode_row(mode: DigestMode, lang: str) -> list[InlineKeyboardButton]:
    buttons = []
    for option in DigestMode:
        label = t_plain(lang, _LABELS[option])
        if option is mode:
            label = t_plain(lang, "mode_selected", label=label)
        buttons.append(
            InlineKeyboardButton(label, callback_data=encode_callback(DIGEST_MODE, _CODES[option]))
        )
    return buttons


def _with_mode(
    markup: InlineKeyboardMarkup | None, mode: DigestMode, lang: str
) -> InlineKeyboardMarkup:
    """``markup`` (the /settings keyboard the press came from) with its mode row showing
    ``mode``; the other rows unchanged."""
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    mine = [i for i, row in enumerate(rows) if any(b.callback_data in _DATA for b in row)]
    if mine:
        rows[mine[0]] = _mode_row(mode, lang)
    else:
        rows.append(_mode_row(mode, lang))
    return InlineKeyboardMarkup(rows)


Reshow = Callable[[Update, ContextTypes.DEFAULT_TYPE, SubscriberRecord], Awaitable[bool]]


async def switch_digest_mode(
    update: Update, context: ContextTypes.DEFAULT_TYPE, code: str, reshow: Reshow | None = None
) -> str | None:
    """A press on a mode button: store the choice, mark it on the buttons; the answer for the
    button (None for a forged code). A chat that is not subscribed is told so, a group member
    who is not its admin that only admins may. ``reshow`` (/settings') may show the whole
    message the press came from anew, with the chat's record as it is now: when it does
    (True), the buttons are not edited apart."""
    mode = _MODES.get(code)
    if mode is None:
        return None
    svc = services(context)
    lang = language(update)
    if not await may_manage(update, context):
        return t_plain(lang, "group_admins_only")
    chat_id = chat_of(update).id
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
    if record is None or not record.active:
        return t_plain(lang, "mode_not_subscribed")
    if record.digest_mode is not mode:
        await asyncio.to_thread(svc.store.subscribers.set_digest_mode, chat_id, mode)
        log.info("chat %d: digest mode %s", chat_id, mode.value)
        record = await asyncio.to_thread(svc.store.subscribers.get, chat_id) or record
    if reshow is not None and await reshow(update, context, record):
        return t_plain(lang, _SAVED[mode])
    query = update.callback_query
    if query is not None and query.message is not None:
        markup = query.message.reply_markup if isinstance(query.message, Message) else None
        shown = language_shown(update, "settings", lang)  # a group's message stays as it was
        await edit_unless_same(query.edit_message_reply_markup(_with_mode(markup, mode, shown)))
    return t_plain(lang, _SAVED[mode])
