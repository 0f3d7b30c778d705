"""/settings: the reader's digest time, timezone, quiet hours and digest mode (and whatever
joins them).

``/settings`` shows them with the next digest's local date and time and a keyboard;
``/settings 07:30`` / ``default`` sets the digest time, ``/settings tz Europe/Berlin`` /
``tz UTC+8`` / ``tz default`` the timezone (a zone or an offset from UTC also without the
``tz``: ``/settings UTC+8``), ``/settings quiet 22:00-07:00`` / ``off`` / ``default`` the
quiet hours (topic alerts, and a digest whose paper came late, wait for their end),
``/settings lang en`` a group's digest language. Kept modular
so other settings plug in without touching the handler: a subcommand is an entry of
:data:`SUBCOMMANDS` (first word → handler), a row of buttons under the /settings text a
function in :data:`KEYBOARD_ROWS`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.components.chats import may_manage
from bot.components.commands import clean_argument
from bot.components.digest_mode import mode_hint, mode_rows
from bot.components.jobs import awaiting_todays_paper, owed_now, resync_digest_jobs
from bot.components.papers import reader_papers
from bot.components.replies import (
    NO_PREVIEW,
    answer,
    chat_of,
    edit_unless_same,
    language,
    language_shown,
    pressed_under,
    reply,
)
from bot.delivery.readertime import (
    COMMON_ZONES,
    NextDigest,
    TypedOffset,
    next_digest,
    parse_offset,
    parse_zone,
    place_at_offset,
    quiet_window,
    reader_zone,
)
from bot.render import (
    encode_callback,
    format_time,
    offset_text,
    register_callback,
    settings_text,
    zone_label,
)
from bot.render.cards import next_digest_text, quiet_label
from bot.render.i18n import t, t_plain
from bot.services import services
from bot.storage.records import SubscriberRecord

__all__ = [
    "KEYBOARD_ROWS",
    "SETTINGS_ZONE",
    "SUBCOMMANDS",
    "reshow_settings",
    "settings",
    "settings_keyboard",
    "zone_button",
]

log = logging.getLogger(__name__)

SETTINGS_ZONE = "tz"  # a common-zone button: tz:{index into COMMON_ZONES}
register_callback(SETTINGS_ZONE, int)

_TIME = re.compile(r"([0-9]{1,2})[:：.]([0-9]{2})")
_WINDOW = re.compile(r"([0-9]{1,2}[:：.][0-9]{2})\s*[-–—~～到至]\s*([0-9]{1,2}[:：.][0-9]{2})")
_DEFAULT_WORDS = {"default", "默认", "reset"}
_OFF_WORDS = {"off", "none", "关闭", "关", "无"}
MAX_SETTINGS_ARGUMENT = 200

Subcommand = Callable[[Update, ContextTypes.DEFAULT_TYPE, str], Awaitable[None]]
KeyboardRows = Callable[[SubscriberRecord | None, str, ZoneInfo], list[list[InlineKeyboardButton]]]
"""A part of the /settings keyboard: its rows for the chat's record (None: not subscribed),
in a language, with the configured zone (the one in effect for a reader who chose none)."""


def _parse_time(text: str) -> dt.time | None:
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    return dt.time(hour, minute) if hour <= 23 and minute <= 59 else None


def parse_window(text: str) -> tuple[dt.time, dt.time] | None:
    """``22:00-07:00`` (also ``22:00–07:00``, ``22：00到7:00``) → (start, end); None if bad."""
    match = _WINDOW.fullmatch(text.strip())
    if match is None:
        return None
    start, end = _parse_time(match[1]), _parse_time(match[2])
    return (start, end) if start is not None and end is not None else None


def zone_rows(
    record: SubscriberRecord | None, lang: str, default: ZoneInfo
) -> list[list[InlineKeyboardButton]]:
    """The common zones as buttons, three a row; the reader's zone marked ✅: their own, or
    ``default`` (the configured one) when they chose none."""
    current = reader_zone(record, default).key
    buttons = [
        InlineKeyboardButton(
            ("✅ " if name == current else "") + zone_label(name, lang),
            callback_data=encode_callback(SETTINGS_ZONE, index),
        )
        for index, name in enumerate(COMMON_ZONES)
    ]
    return [buttons[i : i + 3] for i in range(0, len(buttons), 3)]


def _mode_rows(
    record: SubscriberRecord | None, lang: str, default: ZoneInfo
) -> list[list[InlineKeyboardButton]]:
    """:func:`~bot.components.digest_mode.mode_rows` (which needs no zone) as keyboard rows."""
    return mode_rows(record, lang)


KEYBOARD_ROWS: list[KeyboardRows] = [zone_rows, _mode_rows]


def settings_keyboard(
    record: SubscriberRecord | None, lang: str, default: ZoneInfo
) -> InlineKeyboardMarkup | None:
    """The buttons under /settings: every :data:`KEYBOARD_ROWS` function's rows, in order
    (``default``: the configured zone)."""
    rows = [row for make in KEYBOARD_ROWS for row in make(record, lang, default)]
    return InlineKeyboardMarkup(rows) if rows else None


async def _upcoming(
    context: ContextTypes.DEFAULT_TYPE,
    record: SubscriberRecord | None,
    when: dt.time,
    zone: dt.tzinfo,
) -> NextDigest:
    """The reader's next digest: none for a chat not subscribed; with the next poll when an
    edition is owed to them already (:func:`~bot.components.jobs.owed_now`; at the end of
    their quiet hours for a catch-up those hold); today as soon as today's paper lands when
    their time has passed before it did (:func:`~bot.components.jobs.awaiting_todays_paper`);
    else the next time ``when`` comes in their zone, or the day after when they have had that
    day's edition of every paper they read (a time moved later after today's digest went
    brings nothing more today)."""
    svc = services(context)
    if record is None or not record.active:
        return NextDigest()  # none comes
    now = svc.now()
    upcoming = next_digest(now, when, zone)
    owed = await asyncio.to_thread(owed_now, svc, record, now)
    if owed == now:
        return NextDigest(within=dt.timedelta(seconds=svc.config.schedule.poll_interval_seconds))
    if owed is not None:
        return NextDigest(owed)
    if await asyncio.to_thread(awaiting_todays_paper, svc, record, now):
        return NextDigest(on_arrival=True)
    papers = {paper.name for paper in reader_papers(svc.config, record)}
    had = await asyncio.to_thread(
        svc.store.deliveries.papers_delivered_on, record.chat_id, upcoming.date()
    )
    if papers and papers <= had:
        return NextDigest(next_digest(upcoming + dt.timedelta(seconds=1), when, zone))
    return NextDigest(upcoming)


async def _settings_view(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    record: SubscriberRecord | None,
    lang: str,
) -> str:
    """What /settings shows: time, zone, next digest, quiet hours; a group's language too."""
    svc = services(context)
    schedule = svc.config.schedule
    zone = reader_zone(record, svc.tz)
    current = record.digest_time if record else None
    upcoming = await _upcoming(context, record, current or schedule.digest_time, zone)
    text = settings_text(
        current,
        schedule.digest_time,
        lang,
        zone.key,
        next_digest=upcoming.moment,
        next_within=upcoming.within,
        next_on_arrival=upcoming.on_arrival,
        quiet=quiet_window(record, schedule.quiet_hours),
        now=svc.now(),
    )
    group = chat_of(update).type != ChatType.PRIVATE
    if group and record is not None:  # a private chat's follows the reader's Telegram
        language_name = _language_name(record.language, lang)
        text += "\n" + t(lang, "settings_group_language", language=language_name)
    if mode_rows(record, lang):  # the digest-mode buttons are shown: say what they choose
        return f"{text}\n\n{mode_hint(lang)}"
    return text


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/settings`` (show), ``/settings HH:MM|default``, or a :data:`SUBCOMMANDS` entry."""
    svc = services(context)
    lang = language(update)
    message = update.effective_message
    text = (message.text or "") if message else ""
    parts = text.split(maxsplit=1)
    argument = clean_argument(parts[1]) if len(parts) > 1 else ""
    chat_id = chat_of(update).id
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
    if not argument:
        view = await _settings_view(update, context, record, lang)
        await reply(update, view, settings_keyboard(record, lang, svc.tz))
        return
    if len(argument) > MAX_SETTINGS_ARGUMENT:
        await reply(
            update,
            t(lang, "input_too_long", length=len(argument), limit=MAX_SETTINGS_ARGUMENT),
        )
        return
    word, _, rest = argument.partition(" ")
    subcommand = SUBCOMMANDS.get(word.casefold())
    asks = subcommand is not None and not rest.strip()  # bare ``quiet``: shows, changes nothing
    if not asks and not await may_manage(update, context):
        await reply(update, t(lang, "group_admins_only"))
        return
    if record is None or not record.active:
        await reply(update, t(lang, "not_subscribed"))
        return
    if subcommand is not None:
        await subcommand(update, context, rest.strip())
        return
    if parse_offset(argument) is not None or parse_zone(argument) is not None:
        await set_zone(update, context, argument)  # ``/settings UTC+8``: no time, a zone
        return
    await _set_time(update, context, record, argument)


async def _set_time(
    update: Update, context: ContextTypes.DEFAULT_TYPE, record: SubscriberRecord, argument: str
) -> None:
    """Store the reader's time (or the default) and say so, with when the next digest comes."""
    svc = services(context)
    lang = language(update)
    default = svc.config.schedule.digest_time
    zone = reader_zone(record, svc.tz)
    label = zone_label(zone.key, lang)
    if argument.casefold() in _DEFAULT_WORDS:
        when, key = None, "settings_reset"
    else:
        when, key = _parse_time(argument), "settings_saved"
        if when is None:
            await reply(update, t(lang, "settings_invalid", value=argument))
            return
    await asyncio.to_thread(svc.store.subscribers.set_digest_time, record.chat_id, when)
    await resync_digest_jobs(context.application)
    stored = await asyncio.to_thread(svc.store.subscribers.get, record.chat_id)
    upcoming = await _upcoming(context, stored or record, when or default, zone)
    next_text = next_digest_text(upcoming.moment, upcoming.within, label, lang, upcoming.on_arrival)
    await reply(update, t(lang, key, time=format_time(when or default), zone=label, next=next_text))


async def set_zone(update: Update, context: ContextTypes.DEFAULT_TYPE, value: str) -> None:
    """``/settings tz Europe/Berlin`` (any case), ``tz UTC+8`` (:func:`_set_offset`),
    ``tz default``; a clear message otherwise."""
    lang = language(update)
    chat_id = chat_of(update).id
    if not value:
        svc = services(context)
        record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
        await reply(update, t(lang, "settings_tz_usage"), settings_keyboard(record, lang, svc.tz))
        return
    if value.casefold() in _DEFAULT_WORDS:
        await reply(update, await _save_zone(context, chat_id, None, lang))
        return
    typed = parse_offset(value)
    if typed is not None:
        await _set_offset(update, context, value, typed)
        return
    zone = parse_zone(value)
    if zone is None:
        svc = services(context)
        record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
        keyboard = settings_keyboard(record, lang, svc.tz)
        await reply(update, t(lang, "settings_tz_invalid", value=value), keyboard)
        return
    await reply(update, await _save_zone(context, chat_id, zone.key, lang))


async def _set_offset(
    update: Update, context: ContextTypes.DEFAULT_TYPE, value: str, typed: TypedOffset
) -> None:
    """An offset from UTC the reader typed: whole hours are the fixed-offset zone (``UTC+8``:
    ``Etc/GMT-8``); other offsets have no zone in the database, only places do, so the reply
    names a place on that offset now and changes nothing; no real offset (``UTC+99``) gets
    the range."""
    svc = services(context)
    lang = language(update)
    chat_id = chat_of(update).id
    zone = typed.zone
    if zone is not None:
        await reply(update, await _save_zone(context, chat_id, zone.key, lang))
        return
    place = None if typed.offset is None else place_at_offset(typed.offset, svc.now())
    if typed.offset is not None and place is not None:
        shown = offset_text(typed.offset)
        await reply(update, t(lang, "settings_tz_offset_place", offset=shown, place=place))
        return
    key = "settings_tz_offset_invalid" if typed.offset is None else "settings_tz_invalid"
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
    await reply(update, t(lang, key, value=value), settings_keyboard(record, lang, svc.tz))


async def _store_zone(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, key: str | None
) -> SubscriberRecord | None:
    """Store the zone and make sure a digest job runs at the reader's time there (and none
    is left at the old one if nobody else uses it); the chat's record as it is now."""
    store = services(context).store.subscribers
    await asyncio.to_thread(store.set_timezone, chat_id, key)
    record = await asyncio.to_thread(store.get, chat_id)
    await resync_digest_jobs(context.application)
    return record


async def _save_zone(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, key: str | None, lang: str
) -> str:
    """Store the zone (:func:`_store_zone`) and say so: the zone (with its offset from UTC
    now), the time, the next digest; for a zone that is only an offset (``Etc/GMT-8``), that
    it keeps no daylight saving."""
    svc = services(context)
    record = await _store_zone(context, chat_id, key)
    zone = reader_zone(record, svc.tz)
    when = (record.digest_time if record else None) or svc.config.schedule.digest_time
    upcoming = await _upcoming(context, record, when, zone)
    label = zone_label(zone.key, lang)
    next_text = next_digest_text(upcoming.moment, upcoming.within, label, lang, upcoming.on_arrival)
    now = svc.now()
    shown = zone_label(zone.key, lang, now)
    text = t(lang, "settings_tz_saved", zone=shown, time=format_time(when), next=next_text)
    if zone.key.startswith("Etc/") and now.astimezone(zone).utcoffset():
        return text + "\n" + t(lang, "settings_tz_fixed", offset=shown)
    return text


async def set_quiet(update: Update, context: ContextTypes.DEFAULT_TYPE, value: str) -> None:
    """``/settings quiet 22:00-07:00``, ``quiet off``, ``quiet default``; bare ``quiet``
    shows the window and how to set it."""
    svc = services(context)
    lang = language(update)
    chat_id = chat_of(update).id
    folded = value.casefold()
    window: tuple[dt.time, dt.time] | None
    if not folded:
        window, key = None, "settings_quiet_usage"
    elif folded in _DEFAULT_WORDS:
        window, key = None, "settings_quiet_reset"
    elif folded in _OFF_WORDS:
        window, key = (dt.time(0, 0), dt.time(0, 0)), "settings_quiet_off"
    else:
        window = parse_window(value)
        if window is None:
            await reply(update, t(lang, "settings_quiet_invalid", value=value))
            return
        # equal ends are no window at all: say so, not that alerts wait for its end
        key = "settings_quiet_off" if window[0] == window[1] else "settings_quiet_saved"
    if key != "settings_quiet_usage":
        await asyncio.to_thread(svc.store.subscribers.set_quiet_hours, chat_id, window)
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
    shown = quiet_window(record, svc.config.schedule.quiet_hours)
    zone = zone_label(reader_zone(record, svc.tz).key, lang)
    await reply(update, t(lang, key, quiet=quiet_label(shown, lang), zone=zone))


_LANGUAGES = {
    **dict.fromkeys(("zh", "cn", "chinese", "中文", "汉语", "简体中文"), "zh"),
    **dict.fromkeys(("en", "english", "英文", "英语"), "en"),
}


async def set_language(update: Update, context: ContextTypes.DEFAULT_TYPE, value: str) -> None:
    """``/settings lang zh|en``: the language of a group's digest, chosen by its admins. A
    private chat's follows the reader's Telegram language (:mod:`bot.components.chat_language`),
    which this says instead."""
    svc = services(context)
    lang = language(update)
    chat = chat_of(update)
    record = await asyncio.to_thread(svc.store.subscribers.get, chat.id)
    now = record.language if record is not None else lang
    if chat.type == ChatType.PRIVATE:
        await reply(update, t(lang, "settings_lang_private", language=_language_name(now, lang)))
        return
    chosen = _LANGUAGES.get(value.casefold())
    if chosen is None:
        await reply(update, t(lang, "settings_lang_usage", language=_language_name(now, lang)))
        return
    await asyncio.to_thread(svc.store.subscribers.set_language, chat.id, chosen)
    log.info("chat %s: digests now in %s (set by an admin)", chat.id, chosen)
    await reply(update, t(lang, "settings_lang_saved", language=_language_name(chosen, lang)))


def _language_name(code: str, lang: str) -> str:
    return t_plain(lang, f"language_{code}")


SUBCOMMANDS: dict[str, Subcommand] = {
    "tz": set_zone,
    "zone": set_zone,
    "时区": set_zone,
    "quiet": set_quiet,
    "免打扰": set_quiet,
    "lang": set_language,
    "language": set_language,
    "语言": set_language,
}


async def zone_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, index: object
) -> None:
    """A common-zone button under /settings: set it, answer, and show the new settings."""
    lang = language(update)
    if not isinstance(index, int) or not 0 <= index < len(COMMON_ZONES):
        await answer(query, t_plain(lang, "button_expired"))
        return
    if not await may_manage(update, context):
        await answer(query, t_plain(lang, "group_admins_only"))
        return
    svc = services(context)
    chat_id = chat_of(update).id
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_id)
    if record is None or not record.active:
        await answer(query)
        await reply(update, t(lang, "not_subscribed"))
        return
    key = COMMON_ZONES[index]
    chosen = zone_label(key, lang, svc.now())
    await answer(query, t_plain(lang, "settings_zone_chosen", zone=chosen))
    if record.timezone != key:  # (a double press changes nothing)
        record = await _store_zone(context, chat_id, key)
    await _show_settings(update, context, query, record)


async def _show_settings(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    query: CallbackQuery,
    record: SubscriberRecord | None,
) -> None:
    """The message a /settings button was pressed under, edited to the settings as they are
    now (time, zone, next digest, ✅): no second message for everyone in a group to read, one
    per press. A group's message stays in its language."""
    shown = language_shown(update, "settings", language(update))
    await edit_unless_same(
        query.edit_message_text(
            await _settings_view(update, context, record, shown),
            reply_markup=settings_keyboard(record, shown, services(context).tz),
            link_preview_options=NO_PREVIEW,
        )
    )


async def reshow_settings(
    update: Update, context: ContextTypes.DEFAULT_TYPE, record: SubscriberRecord
) -> bool:
    """For a button that also sits under other messages (the digest mode's): when it was
    pressed under the /settings message, show that anew (:func:`_show_settings`); whether
    it was."""
    query = update.callback_query
    if query is None or pressed_under(update, "settings") is None:
        return False
    await _show_settings(update, context, query, record)
    return True
