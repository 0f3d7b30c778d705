"""The combined digest: a reader's papers of the day in one message, each story once.

For readers who chose "one combined message" in /settings (``DigestMode.COMBINED``)::

    📰 今日报摘                            ← header, first message only
    2024年7月1日 · 2 份报纸 · 共 11 篇
    📄 浙江工人日报 · 2024年7月1日 · 7 篇  ← one section per paper
    1. 标题                                ← numbered across the papers (buttons stay unique)
    第一句摘要。
    也见于：海南日报                       ← the same story in a later section, not repeated
    …
    📄 海南日报 · 2024年7月1日 · 4 篇
    8. 标题
    …
    点击下方编号查看详细摘要。             ← footer, last message only
    [1] [2] … [11]                         ← buttons for the articles in this message

A story two papers printed (the same wire, a near-duplicate: :mod:`summarizer.duplicates`)
is listed once, in the first section that has it, with "also in" naming the others. Sections
follow the order of ``sections``; articles within one by number.

Over 4096 characters after entity parsing, the digest is split into several messages, only
between article blocks (a section continued in the next message repeats its heading), so
every message is whole HTML; a block too long alone is cut as in :mod:`.digest`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.render.callback_data import ArticleRef, article_ref
from bot.render.digest import (
    MAX_BUTTONS,
    MIN_LIMIT,
    DigestMessage,
    _article_block,
    article_keyboard,
)
from bot.render.i18n import Markup, t, t_plain
from bot.render.text import TEXT_LIMIT, clean, escape, format_date, truncate_text, visible_length
from bot.storage.records import ArticleRecord, EditionRecord
from summarizer.duplicates import THRESHOLD, find_repeats

__all__ = ["ALSO_IN_NAMED", "Section", "build_combined_digest", "story_text", "told_earlier"]

ALSO_IN_NAMED = 5
"""Papers named on a story others printed too; the rest are counted ("and 95 more papers"):
100 papers of 64-character names would leave the article itself no room."""


@dataclass(frozen=True, slots=True)
class Section:
    """One paper's part of a combined digest: its edition and articles."""

    edition: EditionRecord
    articles: Sequence[ArticleRecord]


@dataclass(frozen=True, slots=True)
class _Item:
    section: int
    article: ArticleRecord
    also_in: tuple[str, ...]


def story_text(article: ArticleRecord) -> str:
    """The text two articles are compared on: the body (the summary when there is none)."""
    return "\n".join(article.paragraphs) or "\n".join(article.summary)


def _paper(edition: EditionRecord) -> str:
    return truncate_text(" ".join(clean(edition.paper).split()) or "—", 64)


def _items(sections: Sequence[Section], threshold: float) -> list[list[_Item]]:
    """Each section's articles to list, repeats of an earlier section's story left out and
    named on that story instead."""
    flat = [
        (index, article)
        for index, section in enumerate(sections)
        for article in sorted(section.articles, key=lambda a: a.number)
    ]
    repeats = find_repeats(
        [story_text(article) for _, article in flat],
        groups=[index for index, _ in flat],
        threshold=threshold,
    )
    also: dict[int, list[str]] = {}
    for position, leader in enumerate(repeats):
        if leader is not None:
            paper = _paper(sections[flat[position][0]].edition)
            names = also.setdefault(leader, [])
            if paper not in names:
                names.append(paper)
    listed: list[list[_Item]] = [[] for _ in sections]
    for position, (index, article) in enumerate(flat):
        if repeats[position] is None:
            listed[index].append(_Item(index, article, tuple(also.get(position, ()))))
    return listed


def told_earlier(
    earlier: Sequence[Section],
    articles: Sequence[ArticleRecord],
    lang: str,
    *,
    threshold: float = THRESHOLD,
) -> dict[int, str]:
    """For a digest that goes out after the reader's combined digest of the day (a paper that
    came out late): the notes of its ``articles`` whose story the reader already had in an
    ``earlier`` section, as article number → "already in today's digest: PAPER". The articles
    stay listed (numbers and buttons unchanged), only marked: a wire a paper edited may still
    be worth opening, and a wrongly merged story must not vanish."""
    flat = [
        (index, article) for index, section in enumerate(earlier) for article in section.articles
    ]
    late = len(earlier)
    flat += [(late, article) for article in sorted(articles, key=lambda a: a.number)]
    repeats = find_repeats(
        [story_text(article) for _, article in flat],
        groups=[index for index, _ in flat],
        threshold=threshold,
    )
    notes: dict[int, str] = {}
    for position, leader in enumerate(repeats):
        index, article = flat[position]
        if index == late and leader is not None and flat[leader][0] != late:
            paper = _paper(earlier[flat[leader][0]].edition)
            notes[article.number] = t(lang, "digest_told_earlier", papers=paper)
    return notes


def build_combined_digest(
    sections: Sequence[Section],
    lang: str,
    *,
    limit: int = TEXT_LIMIT,
    max_buttons: int = MAX_BUTTONS,
    threshold: float = THRESHOLD,
) -> list[DigestMessage]:
    """The combined digest of ``sections`` in ``lang`` as messages of at most ``limit``
    visible units, each with the buttons of exactly the articles it lists.

    ``DigestMessage.numbers`` are the running numbers shown (1 … across all sections), and
    ``DigestMessage.refs`` the articles they stand for.
    Sections without articles are left out; with no article at all there is one header
    message.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"limit {limit} is below the minimum of {MIN_LIMIT}")
    if not 1 <= max_buttons <= MAX_BUTTONS:
        raise ValueError(f"max_buttons must be 1–{MAX_BUTTONS}")
    listed = _items(sections, threshold)
    shown = [index for index, items in enumerate(listed) if items]
    total = sum(len(items) for items in listed)
    if not sections:
        raise ValueError("a combined digest needs at least one section")
    date = format_date(max(s.edition.date for s in sections), lang)
    first_header = t(lang, "combined_header", date=date, paper_count=len(shown), count=total)
    next_header = t(lang, "combined_continued", date=date)
    footer = t(lang, "digest_footer") if total else ""
    footer_room = visible_length(footer) + 2 if footer else 0
    separator = t_plain(lang, "list_separator")

    def heading(index: int, *, continued: bool) -> str:
        edition = sections[index].edition
        paper = Markup(escape(_paper(edition)))
        if continued:
            return t(lang, "combined_section_continued", paper=paper)
        return t(
            lang,
            "combined_section",
            paper=paper,
            date=format_date(edition.date, lang),
            count=len(listed[index]),
        )

    def block(item: _Item, label: int, header: str, *, head: str) -> str:
        note = ""
        if item.also_in:
            named = separator.join(item.also_in[:ALSO_IN_NAMED])
            if len(item.also_in) > ALSO_IN_NAMED:
                rest = len(item.also_in) - ALSO_IN_NAMED
                named = t_plain(lang, "digest_also_in_more", papers=named, count=rest)
            note = t(lang, "digest_also_in", papers=named)
        room = limit - footer_room - visible_length(header) - 2
        if head:
            room -= visible_length(head) + 1
        body = _article_block(
            item.article, lang, heading=False, budget=room, label=label, note=note
        )
        return f"{head}\n{body}" if head else body

    messages: list[tuple[str, list[str], list[ArticleRef], list[int]]] = []
    header: str = first_header
    blocks: list[str] = []
    refs: list[ArticleRef] = []
    labels: list[int] = []
    used = visible_length(header) + footer_room
    label = 0
    for index in shown:
        for position, item in enumerate(listed[index]):
            label += 1
            head = heading(index, continued=False) if position == 0 else ""
            text = block(item, label, header, head=head)
            size = visible_length(text) + 2
            if blocks and (len(refs) >= max_buttons or used + size > limit):
                messages.append((header, blocks, refs, labels))
                header, blocks, refs, labels = next_header, [], [], []
                used = visible_length(header) + footer_room
                head = heading(index, continued=position > 0)
                text = block(item, label, header, head=head)
                size = visible_length(text) + 2
            blocks.append(text)
            refs.append(article_ref(item.article))
            labels.append(label)
            used += size
    messages.append((header, blocks, refs, labels))

    result: list[DigestMessage] = []
    for number, (head, body, message_refs, message_labels) in enumerate(messages):
        parts = [head, *body]
        if number == len(messages) - 1 and footer:
            parts.append(footer)
        keyboard = article_keyboard(message_refs, lang, labels=[str(n) for n in message_labels])
        result.append(
            DigestMessage(
                text="\n\n".join(parts),
                keyboard=keyboard,
                numbers=tuple(message_labels),
                refs=tuple(message_refs),
            )
        )
    return result
