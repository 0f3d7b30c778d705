"""/search and its pager: the archive (or one edition's titles) a page at a time.

The words are parsed here (:func:`archive_query`: the reader's papers unless the words name
one) and searched in a worker thread; the reply is edited in place when a pager button asks
for another page.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import NamedTuple

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.components.papers import reader_papers
from bot.components.replies import (
    NO_PREVIEW,
    chat_data,
    chat_of,
    edit_unless_same,
    language,
    reply,
)
from bot.config import Config
from bot.errors import SearchTooLongError
from bot.render import SEARCH_PAGE, article_keyboard, article_ref, encode_callback, search_results
from bot.render.i18n import t, t_plain
from bot.render.text import truncate_text
from bot.services import services
from bot.storage.fulltext import (
    MAX_PHRASES,
    SearchOrder,
    SearchQuery,
    parse_query,
    without_order,
)
from bot.storage.records import SearchHit, SubscriberRecord
from bot.storage.store import Store

__all__ = ["SEARCH_PAGE_SIZE", "archive_query", "recall_search", "remember_search", "search_page"]

log = logging.getLogger(__name__)

SEARCH_PAGE_SIZE = 5
# How many recent search messages per chat keep working pager buttons.
REMEMBERED_SEARCHES = 20
_SEARCHES = "searches"


async def search_page(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    words: str,
    *,
    page: int,
    articles_of: int | None = None,
    query: CallbackQuery | None = None,
    lang: str | None = None,
) -> None:
    """Page ``page`` of the hits for ``words``: across the archive, or titles of one edition.

    From a pager button (``query``) the message is edited in place; otherwise a new one is
    sent. The words are remembered per chat under the message id, so the pager's callback_data
    needs only the page number (the words would not fit Telegram's 64 bytes). ``lang``: the
    language the message is in (a group's members may read others' results), else the sender's.
    """
    svc = services(context)
    lang = lang or language(update)
    offset = page * SEARCH_PAGE_SIZE
    newest, words_found, echoed = False, [words], words
    if articles_of is not None:
        hits, total, exact = await _title_matches(svc.store, articles_of, words, offset)
    else:
        record = await asyncio.to_thread(svc.store.subscribers.get, chat_of(update).id)
        parsed = archive_query(svc.config, record, words)
        refusal = _refusal(parsed, lang)
        if refusal is not None:
            await reply(update, refusal)
            return
        newest, words_found = parsed.order is SearchOrder.NEWEST, list(parsed.words)
        echoed = without_order(words, parsed)
        search = functools.partial(
            svc.store.editions.search, parsed, offset=offset, limit=SEARCH_PAGE_SIZE
        )
        # In threads of their own: a slow search must not hold up other readers' replies.
        try:
            result = await asyncio.get_running_loop().run_in_executor(svc.search_pool, search)
        except SearchTooLongError:
            log.info("chat %s: a search ran past its time limit", chat_of(update).id)
            typed = truncate_text(" ".join(words.split()), 64)
            await reply(update, t(lang, "search_too_long", query=typed))  # a page shown stays
            return
        hits, total, exact = list(result.hits), result.total, result.exact
    last = max(0, (total - 1) // SEARCH_PAGE_SIZE)
    if query is not None and not hits and total and last < page:
        # An old pager asking past the end (the reader's papers or the archive changed since):
        # the last page there is, not "nothing found" over results that exist.
        await search_page(
            update, context, words, page=last, articles_of=articles_of, query=query, lang=lang
        )
        return
    render = functools.partial(
        search_results,
        echoed,
        hits,
        lang,
        words=words_found,
        total=total,
        exact=exact,
        newest=newest,
        in_print_order=articles_of is not None,
        offset=offset,
        page_size=SEARCH_PAGE_SIZE,
    )
    # Off the event loop too: finding and marking each hit's sentence took up to 26 ms of
    # CPU for a page of long articles (the load benchmark's slow-callback check).
    text, shown = await asyncio.get_running_loop().run_in_executor(svc.search_pool, render)

    rows: list[Sequence[InlineKeyboardButton]] = []
    if shown:
        buttons = article_keyboard(
            [article_ref(hit.article) for hit in hits[:shown]],
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
        await edit_unless_same(
            query.edit_message_text(text, reply_markup=keyboard, link_preview_options=NO_PREVIEW)
        )
        return
    message = await reply(update, text, keyboard)
    if pager:
        remember_search(context, message.message_id, RememberedSearch(words, articles_of, lang))


def _refusal(parsed: SearchQuery, lang: str) -> str | None:
    """Why ``parsed`` is not searched, in the reader's words; None when it is.

    A search that would run on part of what was typed (a ninth word, a date that does not
    exist read as text) answers a question the reader did not ask: say so instead.
    """
    if parsed.nothing_typed:
        return t(lang, "search_usage")
    if parsed.too_many:
        return t(lang, "search_too_many_words", most=MAX_PHRASES)
    if parsed.operators:
        return t(lang, "search_no_operators", word=parsed.operators[0])
    if parsed.bad_dates:
        return t(lang, "search_bad_date", date=truncate_text(parsed.bad_dates[0], 32))
    if parsed.not_papers and not parsed.papers and not parsed.empty:
        return t(lang, "search_no_papers_left")
    if parsed.exclusions_only:
        return t(lang, "search_needs_word_to_exclude_from")
    if parsed.filters_only:
        return t(lang, "search_needs_word")
    return None


def archive_query(config: Config, record: SubscriberRecord | None, words: str) -> SearchQuery:
    """``words`` parsed, limited to the reader's papers unless it names papers itself.

    A word that is exactly a configured paper's name selects that paper (``-名`` leaves it
    out); a subscriber's search covers their papers, anyone else's every paper in the archive.
    A query leaving out every paper it would cover ends with none: ``papers`` empty and
    ``not_papers`` set (:func:`_refusal` says so; it is never read as "every paper").
    """
    parsed = parse_query(words, [p.name for p in config.papers])
    if parsed.empty:  # it finds nothing; its filters stay as typed
        return parsed
    if parsed.not_papers:
        scope = parsed.papers or tuple(p.name for p in reader_papers(config, record))
        return dataclasses.replace(
            parsed, papers=tuple(p for p in scope if p not in parsed.not_papers)
        )
    if parsed.papers:
        return parsed
    mine = [p.name for p in reader_papers(config, record)]
    if len(mine) == len(config.papers):
        return parsed
    return dataclasses.replace(parsed, papers=tuple(mine))


async def _title_matches(
    store: Store, edition_id: int, words: str, offset: int
) -> tuple[list[SearchHit], int, bool]:
    """One page of the articles of one edition whose titles have the words (``/article 词``)."""
    edition = await asyncio.to_thread(store.editions.get, edition_id)
    if edition is None:
        return [], 0, True
    matches = await asyncio.to_thread(store.editions.articles_by_title, edition_id, words)
    hits = [SearchHit(a, edition) for a in matches[offset : offset + SEARCH_PAGE_SIZE]]
    return hits, len(matches), True


class RememberedSearch(NamedTuple):
    """What a search message shows, for its pager: the words, the edition of ``/article 词``'s
    title list (None: the archive), and the language it is in."""

    words: str
    articles_of: int | None
    language: str


def remember_search(
    context: ContextTypes.DEFAULT_TYPE, message_id: int, search: RememberedSearch
) -> None:
    """Keep the query of a search message so its pager buttons can turn pages."""
    searches = chat_data(context).setdefault(_SEARCHES, OrderedDict())
    searches[message_id] = search
    searches.move_to_end(message_id)
    while len(searches) > REMEMBERED_SEARCHES:
        searches.popitem(last=False)


def recall_search(context: ContextTypes.DEFAULT_TYPE, message_id: int) -> RememberedSearch | None:
    """The query behind a search message, or None when it was forgotten (e.g. a restart)."""
    searches = chat_data(context).get(_SEARCHES) or {}
    return searches.get(message_id)
