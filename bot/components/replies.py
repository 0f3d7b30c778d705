"""Replies shared by commands and button presses: sending, article cards, the current edition.

A button press and a typed command end in the same reply, so the code that builds it lives
here once rather than in both handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import ContextTypes

from bot.cache import CachedPhoto
from bot.delivery import retry_seconds
from bot.delivery.pacer import FloodPaused
from bot.render import ArticleRef, article_card, article_start_payload, find_article
from bot.render.i18n import LANGUAGES, MESSAGES, language_for, t, t_plain
from bot.services import services, services_of_bot
from bot.storage.records import EditionRecord

log = logging.getLogger(__name__)
T = TypeVar("T")

# How long a reply may wait out flood waits (429) in all, in seconds; then it is given up.
MAX_REPLY_WAIT = 60.0
# How long a reader waits for another reader's upload of the same photo before uploading it.
UPLOAD_WAIT = 10.0
_EDITIONS = "editions"
_SHOWN = "shown"
_MARKS = "marks"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def language(update: Update) -> str:
    """The user's language: English for English Telegram clients, Chinese otherwise."""
    user = update.effective_user
    return language_for(user.language_code if user else None)


def language_shown(update: Update, key: str, lang: str) -> str:
    """The language the message a button was pressed under is written in, when it is message
    ``key`` (recognised by its first line): in a group everyone reads that message, so an
    edit keeps it in the language of whoever asked for it, not the presser's. ``lang``
    otherwise (a private chat, another message)."""
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message) or message.chat.type == ChatType.PRIVATE:
        return lang
    return pressed_under(update, key) or lang


def pressed_under(update: Update, key: str) -> str | None:
    """The language of the message a button was pressed under when it is message ``key``
    (recognised by its first line, in any chat); None when it is another message."""
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message):
        return None
    first = (message.text or "").split("\n", 1)[0]
    for code in LANGUAGES:
        if first == _TAGS.sub("", MESSAGES[code][key].split("\n", 1)[0]):
            return code
    return None


_TAGS = re.compile(r"<[^>]+>")


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
    """Send ``text`` (Telegram HTML) to the chat the update came from, in its forum topic
    when it came from one (else the answer lands in the group's General topic)."""
    chat = chat_of(update)
    topic = topic_of(update)
    return await patiently(
        chat,
        lambda: chat.send_message(
            text,
            reply_markup=keyboard,
            link_preview_options=NO_PREVIEW,
            message_thread_id=topic,
        ),
    )


def topic_of(update: Update) -> int | None:
    """The forum topic (``message_thread_id``) of the message an update came with, if any."""
    message = update.effective_message
    return message.message_thread_id if message and message.is_topic_message else None


async def answer(
    query: CallbackQuery,
    text: str | None = None,
    *,
    show_alert: bool = False,
    url: str | None = None,
) -> bool:
    """Answer a button press (stop the client's spinner, maybe show ``text``); False when
    Telegram no longer takes an answer for it.

    Telegram takes the answer only for a short while after the press: a press queued while the
    bot was down, or handled after a long wait, gets 400 "query is too old". Its action still
    runs (the reader asked for it); only the spinner was not stopped in time: one INFO line,
    not an error with a traceback and an apology instead of the card.
    """
    try:
        await query.answer(text, show_alert=show_alert, url=url)
    except BadRequest as exc:
        if not any(words in str(exc).lower() for words in _STALE_PRESS):
            raise
        log.info("button press %s answered too late: %s", query.id, exc)
        return False
    return True


_STALE_PRESS = ("query is too old", "query id is invalid")


async def edit_unless_same(edit: Awaitable[object]) -> None:
    """Await a message edit, taking Telegram's 400 "message is not modified" as done.

    A double press asks to show what the message already shows; that is no error, and the
    reader must not get an apology for it. Any other refusal is raised."""
    try:
        await edit
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


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
            async with pacer.slot(chat.id, within=MAX_REPLY_WAIT - waited):
                return await send()
        except FloodPaused as exc:  # every send paused longer than a reader waits
            log.warning("chat %s: %s; reply given up", chat.id, exc)
            raise RetryAfter(math.ceil(exc.seconds)) from exc
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if waited + wait > MAX_REPLY_WAIT:
                log.warning("chat %s: flood wait of %.0f s; reply given up", chat.id, wait)
                raise
            waited += wait
            await asyncio.sleep(wait)


async def send_cached_photo(
    chat: Chat, photo: CachedPhoto, caption: str, topic: int | None = None
) -> Message:
    """Send ``photo`` to ``chat`` (in forum topic ``topic``): by its ``file_id`` once it has
    one, else its bytes.

    The first successful upload keeps the ``file_id`` of the largest size Telegram made of it.
    Readers who ask while it is on its way wait for it (up to :data:`UPLOAD_WAIT` seconds,
    then upload themselves), so a burst of /stats on a new chart uploads it once. Telegram may
    stop honouring an id (400 "wrong file identifier"): then the bytes go once more and the
    new id replaces the old.
    """
    in_flight = photo.upload
    if photo.file_id is None and in_flight is not None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(in_flight.wait(), UPLOAD_WAIT)
    file_id = photo.file_id
    if file_id is not None:
        try:
            return await patiently(
                chat,
                lambda: chat.send_photo(photo=file_id, caption=caption, message_thread_id=topic),
            )
        except BadRequest as exc:
            log.info("cached photo %s refused (%s); uploading it again", file_id, exc.message)
    own = asyncio.Event() if photo.upload is None else None
    if own is not None:
        photo.upload = own
    try:
        sent = await patiently(
            chat,
            lambda: chat.send_photo(photo=photo.png, caption=caption, message_thread_id=topic),
        )
        if sent.photo:
            photo.file_id = max(sent.photo, key=lambda size: size.width * size.height).file_id
    finally:
        if own is not None:
            photo.upload = None
            own.set()  # those waiting go on: by the new id, or with an upload of their own
    return sent


def remember_today(
    context: ContextTypes.DEFAULT_TYPE,
    editions: Mapping[int, Mapping[int, str]],
    shown: Mapping[int, ArticleRef] | None = None,
) -> None:
    """What this chat saw in its last /today, for ``/article``: ``editions`` are the editions
    whose digests it showed, in order, each with its articles' marks by number (so
    ``/article N`` finds the article shown as N though a late page renumbered the edition
    since). After a combined digest, numbered across papers, ``shown`` is what its numbers
    stood for."""
    data = chat_data(context)
    data[_EDITIONS] = list(editions)
    data[_MARKS] = {edition: dict(marks) for edition, marks in editions.items()}
    if shown:
        data[_SHOWN] = dict(shown)
    else:
        data.pop(_SHOWN, None)


def shown_ref(context: ContextTypes.DEFAULT_TYPE, edition_id: int, number: int) -> ArticleRef:
    """Article ``number`` of ``edition_id`` as this chat saw it in its last digest (with the
    article's mark, when that digest showed the edition)."""
    marks = chat_data(context).get(_MARKS)
    shown = marks.get(edition_id) if isinstance(marks, dict) else None
    mark = shown.get(number, "") if isinstance(shown, dict) else ""
    return ArticleRef(edition_id, number, mark)


def saw_digest(context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether this chat asked for /today since the bot started (what it saw is remembered)."""
    return bool(chat_data(context).get(_EDITIONS))


def shown_articles(context: ContextTypes.DEFAULT_TYPE) -> dict[int, ArticleRef] | None:
    """The numbers of the combined digest this chat last saw and their articles; None when
    the last digests it saw were one per paper (numbered as each paper's articles)."""
    shown = chat_data(context).get(_SHOWN)
    return shown if isinstance(shown, dict) else None


async def current_editions(
    context: ContextTypes.DEFAULT_TYPE, papers: Sequence[str], chat_id: int
) -> list[EditionRecord]:
    """The editions whose digests the chat last saw in /today (those still stored), else the
    newest edition of each of ``papers`` (the reader's: never another paper's, which they do
    not read), in the order given.

    What /today showed is forgotten once a newer edition of one of its papers has been pushed
    to the chat: the digest in front of the reader is then the pushed one, and its numbers
    are what ``/article N`` means (as its buttons do)."""
    store = services(context).store
    data = chat_data(context)
    remembered = data.get(_EDITIONS)

    def superseded(edition: EditionRecord) -> bool:
        newest = store.editions.latest(edition.paper)
        return (
            newest is not None
            and newest.id != edition.id
            and store.deliveries.was_sent(newest.id, chat_id)
        )

    def load() -> tuple[list[EditionRecord], bool]:
        if isinstance(remembered, list):
            editions = [e for e in map(store.editions.get, remembered) if e is not None]
            if editions and not any(map(superseded, editions)):
                return editions, False
        return [e for e in map(store.editions.latest, papers) if e is not None], True

    editions, forget = await asyncio.to_thread(load)
    if forget:
        for key in (_EDITIONS, _MARKS, _SHOWN):
            data.pop(key, None)
    return editions


async def article_reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ref: ArticleRef
) -> None:
    """The article ``ref`` points at: title, byline, page, summary, keywords."""
    await reply(update, await _article_text(context, language(update), ref))


async def private_article(
    update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, ref: ArticleRef
) -> None:
    """A press on an article button under a channel's digest: the card goes to the one who
    pressed, privately. A channel is one-way, so posting it there would show every subscriber
    one reader's click (and let anyone make the bot post). Whoever never opened the bot (Telegram
    lets it write to them only then) is sent to it by a start link that opens the card."""
    user = query.from_user
    lang = language(update)
    text = await _article_text(context, lang, ref)
    try:
        # One paced try, no flood wait waited out: the press must be answered within seconds.
        async with services(context).pacer.slot(user.id, within=0):
            await user.send_message(text, link_preview_options=NO_PREVIEW)
    except (Forbidden, BadRequest, RetryAfter, FloodPaused) as exc:  # never opened, blocked, busy
        log.info("user %s: article card not sent privately (%s); start link instead", user.id, exc)
        link = f"https://t.me/{context.bot.username}?start={article_start_payload(ref)}"
        await answer(query, url=link)
        return
    await answer(query, t_plain(lang, "article_sent_privately"))


async def _article_text(context: ContextTypes.DEFAULT_TYPE, lang: str, ref: ArticleRef) -> str:
    store = services(context).store
    record = await asyncio.to_thread(store.editions.article, ref.edition_id, ref.number)
    edition = await asyncio.to_thread(store.editions.get, ref.edition_id)
    if ref.mark and edition is not None and (record is None or record.mark != ref.mark):
        # A page arrived late and was merged in since the button was sent: the articles
        # were numbered again, in edition order. The button's article is found by its mark.
        articles = await asyncio.to_thread(store.editions.articles, ref.edition_id)
        record = find_article(articles, ref)
        if record is None:
            return t(lang, "article_gone")
    if edition is None:  # an old or forged link: no edition to count articles in
        return t(lang, "article_edition_gone")
    if record is None:
        return t(lang, "article_not_found", count=edition.article_count)
    return article_card(record, edition, lang)
