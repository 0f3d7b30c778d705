"""The daily digest: one edition as one or more Telegram messages with "open article" buttons.

Layout of a digest (Chinese; English alike)::

    📰 浙江工人日报                       ← header (bold paper), first message only
    2024年7月1日 · 共 7 篇
    第1版                                 ← page heading when the page changes
    1. 标题                               ← bold number + title
    第一句摘要。                          ← the first summary sentence
    …
    点击下方编号查看详细摘要。            ← footer, last message only
    [1] [2] [3] [4] [5]                   ← buttons for the articles *in this message*
    [6] [7]

Messages are split only between article blocks, each measured after entity parsing, so a split
can never cut a tag or an entity; one block too long for a message on its own is cut at a
sentence/character boundary (before escaping) and ends in "…". Every piece of record text is
escaped. ``callback_data`` is built and checked by :func:`encode_callback` and read back,
defensively, by :func:`decode_callback`: a forged callback from a client yields None, never an
exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.render.callback_data import ArticleRef, article_callback
from bot.render.i18n import Markup, t, t_plain
from bot.render.text import (
    TEXT_LIMIT,
    clean,
    escape,
    format_date,
    page_label,
    truncate_text,
    visible_length,
)
from bot.storage.records import ArticleRecord, EditionRecord

__all__ = [
    "MAX_BUTTONS",
    "DigestMessage",
    "article_keyboard",
    "build_digest",
]

MAX_BUTTONS = 100  # Telegram's limit of buttons on one inline keyboard
BUTTONS_PER_ROW = 5
DIGEST_TITLE_MAX = 200  # UTF-16 units; a headline longer than this is a parsing accident
DIGEST_SENTENCE_MAX = 280  # keeps a digest a digest when a "sentence" is a whole paragraph
MIN_LIMIT = 200  # below this not even a header and one truncated block fit


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """One message of a digest: HTML text, its buttons, and the article numbers it holds."""

    text: str
    keyboard: InlineKeyboardMarkup | None
    numbers: tuple[int, ...] = ()
    refs: tuple[ArticleRef, ...] = ()
    """The article each of ``numbers`` (as shown) stands for, in the same order."""


# --------------------------------------------------------------------------- callback data


def article_keyboard(
    refs: Sequence[ArticleRef],
    lang: str,
    *,
    labels: Sequence[str] | None = None,
    per_row: int = BUTTONS_PER_ROW,
) -> InlineKeyboardMarkup | None:
    """Rows of "open article" buttons (``per_row`` each); None when there is nothing to open.

    Labels default to the article number; pass ``labels`` (e.g. "1", "2" for search hits) to
    number them differently. At most 100 buttons, Telegram's limit.
    """
    if not refs:
        return None
    if len(refs) > MAX_BUTTONS:
        raise ValueError(f"{len(refs)} buttons; Telegram allows at most {MAX_BUTTONS}")
    if labels is not None and len(labels) != len(refs):
        raise ValueError("labels and refs differ in length")
    buttons = [
        InlineKeyboardButton(
            labels[i]
            if labels is not None
            else t_plain(lang, "button_open_article", number=ref.number),
            callback_data=article_callback(ref),
        )
        for i, ref in enumerate(refs)
    ]
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return InlineKeyboardMarkup(rows)


# --------------------------------------------------------------------------- the digest


def _first_sentence(article: ArticleRecord) -> str:
    """The first summary sentence; the start of the first paragraph when there is no summary."""
    for source in (article.summary, article.paragraphs):
        for text in source:
            line = " ".join(clean(text).split())
            if line:
                return line
    return ""


def _article_block(
    article: ArticleRecord,
    lang: str,
    *,
    heading: bool,
    budget: int,
    label: int | None = None,
    note: str = "",
) -> str:
    """One article's lines, at most ``budget`` visible units (cut with "…" if needed).

    ``label`` replaces the article's number (a combined digest numbers across papers);
    ``note`` is a last line of ready HTML (a combined digest's "also in"), always kept.
    """
    page = page_label(article.page, lang) if heading else None
    prefix = f"{article.number if label is None else label}. "
    title = truncate_text(" ".join(clean(article.title).split()) or "—", DIGEST_TITLE_MAX)
    sentence = truncate_text(_first_sentence(article), DIGEST_SENTENCE_MAX)

    def compose(title_text: str, sentence_text: str) -> str:
        lines = []
        if page:
            lines.append(f"<u>{page}</u>")
        lines.append(f"<b>{escape(prefix + title_text)}</b>")
        if sentence_text:
            lines.append(escape(sentence_text))
        if note:
            lines.append(note)
        return "\n".join(lines)

    block = compose(title, sentence)
    if visible_length(block) <= budget:
        return block
    # Too long alone: cut the sentence first, keeping the whole title if possible.
    without_sentence = visible_length(compose(title, ""))
    room = budget - without_sentence - 1  # the "\n" before the sentence
    if room >= 8:
        return compose(title, truncate_text(sentence, room))
    room = budget - visible_length(compose("", ""))
    block = compose(truncate_text(title, max(room, 1)), "")
    if visible_length(block) > budget:
        raise ValueError(f"limit too small for article {article.number}")
    return block


def build_digest(
    edition: EditionRecord,
    articles: Sequence[ArticleRecord],
    lang: str,
    *,
    limit: int = TEXT_LIMIT,
    max_buttons: int = MAX_BUTTONS,
    notes: Mapping[int, str] | None = None,
) -> list[DigestMessage]:
    """The digest of ``edition`` in ``lang`` as messages of at most ``limit`` visible units.

    Articles are listed by number; each message carries the buttons for exactly the articles it
    lists (at most ``max_buttons``). An edition without articles gives one message with the
    header only. ``notes`` maps article numbers to a last line of ready HTML under the article
    (a late digest's "already in today's digest", :func:`bot.render.combined.told_earlier`).
    """
    notes = notes or {}
    if limit < MIN_LIMIT:
        raise ValueError(f"limit {limit} is below the minimum of {MIN_LIMIT}")
    if not 1 <= max_buttons <= MAX_BUTTONS:
        raise ValueError(f"max_buttons must be 1–{MAX_BUTTONS}")
    ordered = sorted(articles, key=lambda a: a.number)
    by_number = {a.number: a for a in ordered}
    paper = escape(truncate_text(" ".join(clean(edition.paper).split()) or "—", 64))
    date = format_date(edition.date, lang)
    first_header = t(lang, "digest_header", paper=Markup(paper), date=date, count=len(ordered))
    next_header = t(lang, "digest_continued", paper=Markup(paper), date=date)
    footer = t(lang, "digest_footer") if ordered else ""
    footer_room = visible_length(footer) + 2 if footer else 0

    messages: list[tuple[str, list[str], list[int]]] = []  # (header, blocks, numbers)
    header: str = first_header
    blocks: list[str] = []
    numbers: list[int] = []
    # Visible length so far: parts are joined by "\n\n" and no tag spans two parts, so the
    # length of the joined message is the sum of the parts' lengths plus the separators.
    used = visible_length(header) + footer_room
    last_page: str | None = None

    for article in ordered:
        page_changed = article.page is not None and (not blocks or article.page != last_page)
        budget = limit - footer_room - visible_length(header) - 2
        note = notes.get(article.number, "")
        block = _article_block(article, lang, heading=page_changed, budget=budget, note=note)
        size = visible_length(block) + 2
        if blocks and (len(numbers) >= max_buttons or used + size > limit):
            messages.append((header, blocks, numbers))
            header, blocks, numbers = next_header, [], []
            used = visible_length(header) + footer_room
            budget = limit - footer_room - visible_length(header) - 2
            block = _article_block(
                article, lang, heading=article.page is not None, budget=budget, note=note
            )
            size = visible_length(block) + 2
        blocks.append(block)
        numbers.append(article.number)
        used += size
        last_page = article.page
    messages.append((header, blocks, numbers))

    result: list[DigestMessage] = []
    for index, (head, body, nums) in enumerate(messages):
        parts = [head, *body]
        if index == len(messages) - 1 and footer:
            parts.append(footer)
        text = "\n\n".join(parts)
        refs = tuple(ArticleRef(edition.id, n, by_number[n].mark) for n in nums)
        keyboard = article_keyboard(refs, lang)
        result.append(DigestMessage(text=text, keyboard=keyboard, numbers=tuple(nums), refs=refs))
    return result
