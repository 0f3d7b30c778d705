"""A topic alert: the articles of a new edition that match what a reader follows.

One message per edition and reader: a header (paper, date, how many), then per article its
number and title, the sentence that matched with the term in bold (the first summary
sentence when only the title or a keyword matched) and the term, and one "open" button per
listed article. Fits one Telegram message: articles that do not fit are counted, not cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.render.callback_data import ArticleRef, find_article
from bot.render.digest import DigestMessage, article_keyboard
from bot.render.i18n import Markup, t
from bot.render.snippet import highlight
from bot.render.text import TEXT_LIMIT, clean, escape, format_date, truncate_text, visible_length
from bot.storage.records import ArticleRecord, EditionRecord

__all__ = ["MAX_ALERT_ARTICLES", "build_alert"]

MAX_ALERT_ARTICLES = 10  # listed in one alert; the rest are counted (the digest has them all)
_TITLE_MAX = 100
_SENTENCE_MAX = 160


def _one_line(text: str) -> str:
    return " ".join(clean(text).split())


def _item(article: ArticleRecord | None, number: int, term: str, sentence: str, lang: str) -> str:
    title = truncate_text(_one_line(article.title) if article else "", _TITLE_MAX) or "—"
    lines = [f"<b>{number}. {escape(title)}</b>"]
    quoted = _one_line(sentence)
    if quoted:
        lines.append(highlight(quoted, [term], _SENTENCE_MAX))
    elif article is not None:
        first = next((s for s in map(_one_line, (*article.summary, *article.paragraphs)) if s), "")
        if first:
            lines.append(escape(truncate_text(first, _SENTENCE_MAX)))
    lines.append(t(lang, "alert_term", term=term))
    return "\n".join(lines)


def build_alert(
    edition: EditionRecord,
    articles: Mapping[int, ArticleRecord] | Sequence[ArticleRecord],
    items: Sequence[tuple[int, str, str] | tuple[int, str, str, str]],
    lang: str,
    *,
    matched: int | None = None,
    limit: int = TEXT_LIMIT,
) -> DigestMessage:
    """The alert of ``edition`` for one reader; ``items`` are (number, term, sentence[, mark]),
    the first of ``matched`` articles (default: as many as ``items``). An item's article is
    found by its mark when a late page renumbered the edition since the alert was decided, and
    listed under its number now (what its button and ``/article N`` open)."""
    total = max(matched or 0, len(items))
    edition_articles = list(articles.values() if isinstance(articles, Mapping) else articles)
    found: list[tuple[ArticleRecord | None, int, str, str]] = []
    for number, term, sentence, *marked in items[:MAX_ALERT_ARTICLES]:
        ref = ArticleRef(edition.id, number, marked[0] if marked else "")
        article = find_article(edition_articles, ref)
        found.append((article, article.number if article else number, term, sentence))
    paper = escape(truncate_text(_one_line(edition.paper) or "—", 64))
    header = t(
        lang,
        "alert_header",
        paper=Markup(paper),
        date=format_date(edition.date, lang),
        count=total,
    )
    blocks = [
        _item(article, number, term, sentence, lang) for article, number, term, sentence in found
    ]
    shown = len(blocks)
    while True:
        parts = [header, *blocks[:shown]]
        if shown < total:
            parts.append(t(lang, "alert_more", count=total - shown))
        text = "\n\n".join(parts)
        if visible_length(text) <= limit or shown == 0:
            break
        shown -= 1
    numbers = tuple(number for _, number, _, _ in found[:shown])
    refs = tuple(
        ArticleRef(edition.id, number, article.mark if article else "")
        for article, number, _, _ in found[:shown]
    )
    keyboard = article_keyboard(refs, lang, labels=[str(n) for n in numbers])
    return DigestMessage(text=text, keyboard=keyboard, numbers=numbers, refs=refs)
