"""Command handlers: /start /subscribe /unsubscribe /today /article /search /stats.

/settings lives in :mod:`bot.components.settings`, /follow and friends in
:mod:`bot.components.follows`.

Every handler answers in the user's language, escapes everything it did not write itself
(:mod:`bot.render` does that), and treats arguments as hostile: a bad one gets a helpful
reply, never an exception. Storage is synchronous SQLAlchemy, so it runs in a thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import re
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.cache import CachedPhoto
from bot.components.papers import papers_named, reader_papers, subscribe_chat, unsubscribe_chat
from bot.components.replies import (
    article_reply,
    chat_of,
    current_editions,
    language,
    remember_today,
    reply,
    saw_digest,
    send_cached_photo,
    shown_articles,
    shown_ref,
    topic_of,
)
from bot.components.search import search_page
from bot.config import PaperConfig
from bot.render import (
    MAX_BUTTONS,
    SUBSCRIBE,
    ArticleRef,
    article_from_start_payload,
    article_keyboard,
    article_ref,
    build_digest,
    encode_callback,
    find_article,
    stats_text,
    truncate_text,
)
from bot.render.combined import Section, build_combined_digest
from bot.render.digest import DigestMessage
from bot.render.i18n import t, t_plain
from bot.services import Services, services
from bot.storage.records import (
    ArticleRecord,
    DigestMode,
    EditionRecord,
    Stats,
    SubscriberRecord,
)
from summarizer.decode import strip_invisible

log = logging.getLogger(__name__)

# Longest argument we look at. Titles are < 100 characters; anything longer is a paste.
MAX_ARGUMENT = 200
STATS_DAYS = 14  # the /stats chart's window
_NUMBER = re.compile(r"[+-]?[0-9]+")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _argument(update: Update) -> str:
    """The text after the command, cleaned (:func:`clean_argument`)."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return clean_argument(parts[1]) if len(parts) > 1 else ""


def clean_argument(text: str) -> str:
    """An argument as a person meant it: no invisible characters, ASCII digits, one space.

    Control and format characters (a NUL, U+202E RIGHT-TO-LEFT OVERRIDE, zero-width spaces)
    are invisible in the chat but would reach the store: a NUL made ``/search`` match every
    article. Full-width digits (``６:４５``, from Chinese input methods) become ASCII; any
    Unicode whitespace separates words. Empty after this means no argument (the usage reply).
    """
    visible = strip_invisible(text).translate(_FULL_WIDTH_DIGITS)
    return " ".join(visible.split())


async def _too_long(update: Update, lang: str, argument: str) -> bool:
    if len(argument) <= MAX_ARGUMENT:
        return False
    await reply(update, t(lang, "input_too_long", length=len(argument), limit=MAX_ARGUMENT))
    return True


async def _required_argument(update: Update, lang: str, usage: str) -> str | None:
    """The command's argument; None (after telling the user how) when missing or too long."""
    argument = _argument(update)
    if not argument:
        await reply(update, t(lang, usage))
        return None
    if await _too_long(update, lang, argument):
        return None
    return argument


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What the bot does, with a one-tap subscribe button; opened by a link for an article
    (from a channel's digest, :func:`~bot.components.replies.private_article`), that article."""
    if context.args and (ref := article_from_start_payload(context.args[0])) is not None:
        await article_reply(update, context, ref)
        return
    lang = language(update)
    user = update.effective_user
    name = (user.first_name if user else None) or t_plain(lang, "friend")
    # In a group the digest goes to everyone: greet the group, not whoever typed /start.
    group = chat_of(update).type != ChatType.PRIVATE
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t_plain(lang, "start_button_subscribe"),
                    callback_data=encode_callback(SUBSCRIBE),
                )
            ]
        ]
    )
    text = t(lang, "start_group") if group else t(lang, "start", name=name)
    await reply(update, text, keyboard)


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/subscribe`` (your papers, or the default ones) or ``/subscribe 名称`` (one more)."""
    paper = await _paper_argument(update, context)
    if paper is not False:
        await reply(update, await subscribe_chat(update, context, paper))


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/unsubscribe`` (no more digests) or ``/unsubscribe 名称`` (drop that paper)."""
    paper = await _paper_argument(update, context)
    if paper is not False:
        await reply(update, await unsubscribe_chat(update, context, paper))


async def _paper_argument(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> PaperConfig | Literal[False] | None:
    """The paper named after the command; None without a name; False (after telling the
    user which papers there are) when no configured paper matches."""
    lang = language(update)
    argument = _argument(update)
    if not argument:
        return None
    if await _too_long(update, lang, argument):
        return False
    config = services(context).config
    found = papers_named(config, argument)
    if len(found) == 1:
        return found[0]
    names = t_plain(lang, "list_separator").join(p.name for p in found or config.papers)
    key = "paper_ambiguous" if found else "paper_unknown"
    await reply(update, t(lang, key, name=argument, papers=names))
    return False


async def today(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The latest digest of each of the reader's papers (all papers for a non-subscriber), or
    one combined digest of them for a reader who chose that in /settings.

    Messages to one chat are spaced like any send to it (:func:`reply` goes through the
    shared pacer: about one per second).
    """
    svc = services(context)
    lang = language(update)
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_of(update).id)
    editions, messages, shown = await _todays_digest(svc, record, lang)
    if not editions:
        await reply(update, t(lang, "no_edition"))
        return
    for message in messages:
        await reply(update, message.text, message.keyboard)
    marks: dict[int, dict[int, str]] = {e.id: {} for e in editions}
    for message in messages:
        for ref in message.refs:
            if ref.edition_id in marks:
                marks[ref.edition_id][ref.number] = ref.mark
    remember_today(context, marks, shown)


async def _todays_digest(
    svc: Services, record: SubscriberRecord | None, lang: str
) -> tuple[list[EditionRecord], list[DigestMessage], dict[int, ArticleRef] | None]:
    """What /today shows the reader: the newest edition of each of their papers, their
    digest messages and, for a combined digest (numbered across the papers), what each
    number stands for (None for one digest per paper)."""
    editions = []
    for paper in reader_papers(svc.config, record):
        edition = await asyncio.to_thread(svc.store.editions.latest, paper.name)
        if edition is not None:
            editions.append(edition)
    combined = record is not None and record.digest_mode is DigestMode.COMBINED
    if combined and len(editions) > 1:  # as the reader chose in /settings
        sections = [
            Section(e, await asyncio.to_thread(svc.store.editions.articles, e.id))
            for e in editions
        ]
        messages = await asyncio.to_thread(build_combined_digest, sections, lang)
        shown = {n: ref for m in messages for n, ref in zip(m.numbers, m.refs, strict=True)}
        return editions, messages, shown
    return editions, [m for e in editions for m in await edition_digest(svc, e, lang)], None


async def edition_digest(svc: Services, edition: EditionRecord, lang: str) -> list[DigestMessage]:
    """The digest of ``edition`` in ``lang``, made once per edition version and language.

    Every reader's /today of an edition is the same messages, and loading and rendering a
    hundred articles takes tens of milliseconds of Python: done once, in a worker thread, not
    on the event loop where every other reader's reply waits. A replaced edition (a late
    page: a new ``content_hash``) or a new one is a new key.
    """

    def make() -> list[DigestMessage]:
        return build_digest(edition, svc.store.editions.articles(edition.id), lang)

    key = (edition.id, edition.content_hash, lang)
    return await svc.digest_cache.get(key, lambda: asyncio.to_thread(make))


async def article(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/article N``: the article shown as N in the digests the chat last saw in /today, else
    article N of the newest edition of the reader's papers; ``/article 关键词``: by title.

    After one digest per paper, N is ambiguous when several of them list an N: the reply asks
    which paper's, with one button each, rather than guess.
    """
    svc = services(context)
    lang = language(update)
    argument = await _required_argument(update, lang, "article_usage")
    if argument is None:
        return
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_of(update).id)
    papers = [p.name for p in reader_papers(svc.config, record)]
    editions = await current_editions(context, papers, chat_of(update).id)
    if not editions:
        await reply(update, t(lang, "no_edition"))
        return
    shown = shown_articles(context)
    if shown is None and not saw_digest(context) and _NUMBER.fullmatch(argument):
        # No /today here (only the pushed digest, or a restart forgot it): a combined
        # reader's numbers are those of their combined digest, as /today would show it.
        _, _, shown = await _todays_digest(svc, record, lang)
    if _NUMBER.fullmatch(argument) and int(argument) < 1:
        await reply(update, t(lang, "article_bad_argument", arg=argument))
    elif _NUMBER.fullmatch(argument):
        await _article_by_number(update, context, int(argument), editions, shown)
    else:
        await _article_by_title(update, context, argument, editions)


async def _article_by_number(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    number: int,
    editions: list[EditionRecord],
    shown: dict[int, ArticleRef] | None,
) -> None:
    lang = language(update)
    if shown is not None:
        if (ref := shown.get(number)) is None:
            await reply(update, t(lang, "combined_article_not_found", count=len(shown)))
        else:
            await article_reply(update, context, ref)
    elif not (listing := [e for e in editions if number <= e.article_count]):
        most = max(e.article_count for e in editions)
        key = "article_not_found" if len(editions) == 1 else "papers_article_not_found"
        await reply(update, t(lang, key, count=most))
    elif len(listing) == 1:
        await article_reply(update, context, shown_ref(context, listing[0].id, number))
    else:
        refs = [shown_ref(context, e.id, number) for e in listing]
        text = t(lang, "article_which_paper", number=number)
        await _choose_article(update, context, text, refs, most=MAX_BUTTONS)  # every paper


async def _article_by_title(
    update: Update, context: ContextTypes.DEFAULT_TYPE, words: str, editions: list[EditionRecord]
) -> None:
    """The article whose title holds ``words`` in the editions the reader looks at: opened
    when it is the only one, listed when one edition has several (the search pager), offered
    as buttons when they are in several editions."""
    lang = language(update)
    store = services(context).store

    def matches() -> list[ArticleRecord]:
        return [a for e in editions for a in store.editions.articles_by_title(e.id, words)]

    found = await asyncio.to_thread(matches)
    if not found:
        await reply(update, t(lang, "article_no_title_match", query=words))
    elif len(found) == 1:
        await article_reply(update, context, article_ref(found[0]))
    elif len({a.edition_id for a in found}) == 1:
        await search_page(update, context, words, page=0, articles_of=found[0].edition_id)
    else:
        if len(found) > MAX_CHOICES:
            text = t(
                lang, "article_title_first", count=len(found), query=words, shown=MAX_CHOICES
            )
        else:
            text = t(lang, "article_title_choices", count=len(found), query=words)
        await _choose_article(update, context, text, [article_ref(a) for a in found])


MAX_CHOICES = 10
"""Buttons offered by :func:`_choose_article`; more would be a page of search results."""
CHOICE_LABEL = 48
"""A choice button's label, in UTF-16 units: the paper and the start of the title."""
CHOICE_PAPER = 16
"""The paper's part of a choice label, in UTF-16 units."""


async def _choose_article(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    refs: list[ArticleRef],
    most: int = MAX_CHOICES,
) -> None:
    """``text`` with one "open article" button per ref (at most ``most``, one to a row),
    each labelled with its paper (cut to :data:`CHOICE_PAPER`, so the number and title
    always show) and title."""
    lang = language(update)
    store = services(context).store
    refs = refs[:most]

    def labels() -> list[str]:
        found = []
        papers: dict[int, str] = {}
        articles: dict[int, list[ArticleRecord]] = {}
        for ref in refs:
            if ref.edition_id not in papers:
                edition = store.editions.get(ref.edition_id)
                papers[ref.edition_id] = edition.paper if edition is not None else ""
                articles[ref.edition_id] = store.editions.articles(ref.edition_id)
            shown = find_article(articles[ref.edition_id], ref)
            title = shown.title if shown is not None else ""
            paper = truncate_text(papers[ref.edition_id], CHOICE_PAPER)
            label = f"{paper} · {ref.number}. {title}"
            found.append(truncate_text(label, CHOICE_LABEL))
        return found

    keyboard = article_keyboard(refs, lang, labels=await asyncio.to_thread(labels), per_row=1)
    await reply(update, text, keyboard)


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/search 词``: titles and text across the archive, a page at a time with buttons."""
    query = await _required_argument(update, language(update), "search_usage")
    if query is not None:
        await search_page(update, context, query, page=0)


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Numbers and a chart: people would rather look than read."""
    svc = services(context)
    lang = language(update)
    record = await asyncio.to_thread(svc.store.subscribers.get, chat_of(update).id)
    papers = [p.name for p in reader_papers(svc.config, record)]
    day, newest = await asyncio.to_thread(_stats_as_of, svc, papers)

    async def make() -> tuple[Stats, CachedPhoto]:
        numbers = await asyncio.to_thread(svc.store.stats.as_of, day, STATS_DAYS, papers)
        chart = await svc.charts.render(
            numbers, title=t_plain(lang, "stats_chart_title"), lang=lang
        )
        return numbers, CachedPhoto(chart)

    # The newest editions are in the key: a new or replaced one is counted at once.
    key = (day, lang, tuple(papers), newest)
    numbers, chart = await svc.stats_cache.get(key, make)
    subscribers, delivered = await svc.audience_cache.get(
        "audience", lambda: asyncio.to_thread(svc.store.stats.audience)
    )
    numbers = dataclasses.replace(numbers, subscribers=subscribers, digests_delivered=delivered)
    chat = chat_of(update)
    caption = stats_text(numbers, lang, caption=True)
    await send_cached_photo(chat, chart, caption, topic_of(update))


def _stats_as_of(
    svc: Services, papers: list[str]
) -> tuple[dt.date, tuple[tuple[int, str], ...]]:
    """The day /stats is as of, and the papers' newest editions (id, content hash).

    The day is today, or the newest edition's date when the archive stopped before the
    chart's window (a paused source, an archive of old editions, the demo's sample): a chart
    of empty days says nothing.
    """
    today = svc.now().date()
    latest = [e for e in map(svc.store.editions.latest, papers) if e is not None]
    newest = max((e.date for e in latest), default=today)
    day = newest if newest <= today - dt.timedelta(days=STATS_DAYS) else today
    return day, tuple((e.id, e.content_hash) for e in latest)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, t(language(update), "unknown_command"))


async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text that is not a command: say what to do instead of staying silent."""
    lang = language(update)
    message: Message | None = update.effective_message
    text = message.text if message and message.text else ""
    if len(text) > MAX_ARGUMENT:
        await reply(update, t(lang, "input_too_long", length=len(text), limit=MAX_ARGUMENT))
    else:
        await reply(update, t(lang, "text_hint"))
