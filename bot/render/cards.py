"""Reply texts built from records: the article card, search results, /stats and /settings.

Every piece of record text goes through :func:`bot.render.text.escape`; lengths are measured
after entity parsing (see :mod:`bot.render.text`), so each text fits one Telegram message.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Sequence

from bot.render.i18n import Markup, t, t_plain
from bot.render.snippet import highlight, matching_sentence
from bot.render.text import (
    CAPTION_LIMIT,
    ELLIPSIS,
    TEXT_LIMIT,
    clean,
    escape,
    format_date,
    format_time,
    page_label,
    plain_text,
    truncate_text,
    utf16_len,
    visible_length,
)
from bot.storage.records import ArticleRecord, EditionRecord, SearchHit, Stats

__all__ = [
    "article_card",
    "offset_text",
    "quiet_label",
    "search_results",
    "settings_text",
    "stats_text",
    "zone_label",
]


def _one_line(text: str) -> str:
    """Collapse newlines and runs of whitespace: titles and sentences render on one line."""
    return " ".join(clean(text).split())


def _join(blocks: Sequence[str]) -> str:
    return "\n\n".join(block for block in blocks if block)


def article_card(
    article: ArticleRecord, edition: EditionRecord, lang: str, *, limit: int = TEXT_LIMIT
) -> str:
    """One article as a message: bold title, byline, paper/date/page, summary, keywords, jump.

    Always fits ``limit`` after parsing: summary sentences are dropped from the end (whole
    sentences), and only if even the first one does not fit is it cut with "…". Title, byline and
    keywords are capped so the summary always keeps most of the room. An article without a
    summary shows the start of its first paragraph instead, so the card is never empty.
    """
    title = truncate_text(_one_line(article.title) or "—", min(256, limit // 8))
    head = [f"<b>{escape(title)}</b>"]
    if article.byline and article.byline.strip():
        head.append(
            f"<i>{escape(truncate_text(_one_line(article.byline), min(200, limit // 10)))}</i>"
        )
    meta = [escape(_one_line(edition.paper)), format_date(edition.date, lang)]
    page = page_label(article.page, lang)
    if page:
        meta.append(page)
    meta.append(t(lang, "article_number", number=article.number, count=edition.article_count))
    head.append(" · ".join(meta))

    tail: list[str] = []
    if article.keywords:
        keyword_text = truncate_text(
            t(lang, "keyword_separator").join(_one_line(k) for k in article.keywords if k.strip()),
            min(300, limit // 8),
        )
        if keyword_text:
            tail.append(t(lang, "keywords", keywords=keyword_text))
    if article.continued_on is not None:
        tail.append(t(lang, "continued_on", page=article.continued_on))

    sentences = [s for s in (_one_line(x) for x in article.summary) if s]
    if not sentences:
        sentences = [s for s in (_one_line(p) for p in article.paragraphs[:1]) if s]

    def compose(body: Sequence[str]) -> str:
        return _join(["\n".join(head), "\n".join(escape(s) for s in body), "\n".join(tail)])

    base = visible_length(compose([]))
    chosen: list[str] = []
    used = base
    for sentence in sentences:
        # One "\n" between sentences, or "\n\n" opening the body block.
        extra = utf16_len(sentence) + (1 if chosen else 2)
        if used + extra > limit:
            break
        chosen.append(sentence)
        used += extra
    if not chosen and sentences:
        room = limit - base - 2
        if room > utf16_len(ELLIPSIS):
            chosen = [truncate_text(sentences[0], room)]
    text = compose(chosen)
    if visible_length(text) > limit:  # only with absurdly small limits: never send too long
        text = escape(truncate_text(plain_text(text), limit))
    return text


def search_results(
    query: str,
    hits: Sequence[SearchHit],
    lang: str,
    *,
    words: Sequence[str] = (),
    total: int | None = None,
    exact: bool = True,
    newest: bool = False,
    in_print_order: bool = False,
    offset: int = 0,
    page_size: int | None = None,
    limit: int = TEXT_LIMIT,
) -> tuple[str, int]:
    """One page of search hits as one message, and how many of ``hits`` it shows.

    Each hit: number (from ``offset + 1``, so pages continue each other), title, paper, date,
    page, and the sentence that matched with ``words`` in bold (the first summary sentence
    when none matched, e.g. a title-only hit). ``total`` is the number of matches over all
    pages (a lower bound when not ``exact``); when more pages follow (``page_size`` hits a
    page) the footer says how to turn them. Hits that do not fit ``limit`` are left out and
    counted; build buttons for the shown ones.
    """
    shown_query = truncate_text(_one_line(query), 64)
    if not hits:
        return t(lang, "search_no_results", query=shown_query), 0
    count = max(total or 0, offset + len(hits))
    count_text = str(count) if exact else t(lang, "search_count_at_least", count=count)
    order_key = "search_order_relevance"
    if newest or in_print_order:  # (one edition's titles, /article 词: as printed)
        order_key = "search_order_newest" if newest else "search_order_print"
    order = t(lang, order_key)
    header = t(lang, "search_header", query=shown_query, count=count_text, order=order)
    items = [_search_item(index, hit, words, lang) for index, hit in enumerate(hits, offset + 1)]
    later = max(0, count - offset - (page_size or len(hits)))
    shown = len(items)
    while True:
        blocks = [header, *items[:shown]]
        if shown < len(items):
            blocks.append(t(lang, "search_result_hidden", count=len(items) - shown))
        if later > 0:
            more = str(later) if exact else t(lang, "search_count_at_least", count=later)
            blocks.append(t(lang, "search_result_more", count=more))
        text = _join(blocks)
        if visible_length(text) <= limit or shown == 0:
            return text, shown
        shown -= 1


def _search_item(index: int, hit: SearchHit, words: Sequence[str], lang: str) -> str:
    article, edition = hit.article, hit.edition
    title = truncate_text(_one_line(article.title) or "—", 120)
    meta = [escape(_one_line(edition.paper)), format_date(edition.date, lang)]
    page = page_label(article.page, lang)
    if page:
        meta.append(page)
    lines = [f"<b>{index}. {escape(title)}</b>", " · ".join(meta)]
    matched = matching_sentence(article.paragraphs, words) if words else None
    if matched is not None:
        lines.append(highlight(_one_line(matched), words, 140))
    else:
        first = next((s for s in (_one_line(x) for x in article.summary) if s), "")
        if first:
            lines.append(escape(truncate_text(first, 140)))
    return "\n".join(lines)


def stats_text(stats: Stats, lang: str, *, caption: bool = False) -> str:
    """/stats as text (≤ 4096) or, with ``caption=True``, as a photo caption (≤ 1024).

    The caption goes under the chart that already shows the daily numbers, so it leaves the
    daily list out and keeps fewer keywords; either way items are dropped from the end until the
    text fits.
    """
    limit = CAPTION_LIMIT if caption else TEXT_LIMIT
    counts = "\n".join(
        [
            t(lang, "stats_editions", count=stats.editions),
            t(lang, "stats_articles", count=stats.articles),
            t(lang, "stats_subscribers", count=stats.subscribers),
            t(lang, "stats_delivered", count=stats.digests_delivered),
        ]
    )
    keywords = [
        t(lang, "stats_keyword_item", keyword=truncate_text(_one_line(word), 24), count=n)
        for word, n in stats.top_keywords[: 8 if caption else 20]
    ]
    daily = (
        []
        if caption
        else [
            t(
                lang,
                "stats_daily_item",
                date=format_date(day, lang),
                articles=articles,
                keywords=distinct,
            )
            for day, articles, distinct in stats.daily[-14:]
        ]
    )
    separator = t(lang, "keyword_separator")

    def compose(n_keywords: int, n_daily: int) -> str:
        blocks = [f"{t(lang, 'stats_header')}\n{counts}"]
        if n_keywords:
            blocks.append(
                t(lang, "stats_top_keywords") + "\n" + separator.join(keywords[:n_keywords])
            )
        if n_daily:
            # Newest last in the data; keep the most recent days when cutting.
            blocks.append(t(lang, "stats_daily") + "\n" + "\n".join(daily[-n_daily:]))
        if stats.editions == 0 and stats.articles == 0:
            blocks.append(t(lang, "stats_empty"))
        return _join(blocks)

    n_keywords, n_daily = len(keywords), len(daily)
    text = compose(n_keywords, n_daily)
    while visible_length(text) > limit and (n_keywords or n_daily):
        if n_daily:
            n_daily -= 1
        else:
            n_keywords -= 1
        text = compose(n_keywords, n_daily)
    return text


_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def offset_text(offset: dt.timedelta) -> str:
    """An offset from UTC as people write it: ``UTC+9``, ``UTC−5`` (a real minus sign),
    ``UTC+5:30``, ``UTC+0``."""
    minutes = round(offset.total_seconds() / 60)
    sign = "−" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def _fixed_offset(zone: str) -> dt.timedelta | None:
    """The offset of a zone that is nothing but one (``UTC``, ``Etc/GMT+8``); None for a
    place's zone (or a name the zone database lacks)."""
    if zone != "UTC" and not zone.startswith("Etc/"):
        return None
    try:
        return _EPOCH.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def zone_label(zone: str, lang: str, at: dt.datetime | None = None) -> str:
    """How readers see a zone: "北京时间" for Asia/Shanghai, else its IANA key; with ``at``,
    and its offset from UTC at that moment beside it (``Asia/Tokyo (UTC+9)``; daylight saving
    counted). A zone that is nothing but an offset is named by it alone, ``UTC−8`` for
    ``Etc/GMT+8`` (whose POSIX name counts west as positive), ``UTC`` for UTC."""
    fixed = _fixed_offset(zone)
    if fixed is not None:
        return offset_text(fixed) if fixed else "UTC"
    name = t_plain(lang, "zone_asia_shanghai") if zone == "Asia/Shanghai" else zone
    if at is None:
        return name
    try:
        offset = at.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return name
    if offset is None:
        return name
    return t_plain(lang, "zone_with_offset", zone=name, offset=offset_text(offset))


def quiet_label(window: tuple[dt.time, dt.time], lang: str) -> str:
    """``22:00–07:00``, or "none" for a window of equal ends."""
    start, end = window
    if start == end:
        return t_plain(lang, "settings_quiet_none")
    return t_plain(lang, "settings_quiet_window", start=format_time(start), end=format_time(end))


def next_digest_text(
    moment: dt.datetime | None,
    within: dt.timedelta | None,
    zone: str,
    lang: str,
    on_arrival: bool = False,
) -> Markup:
    """When the next digest comes, as /settings and its replies say it: at ``moment`` (the
    reader's local date and time; ``zone``: the zone's label), or ``within`` that long (an
    edition owed now goes with the next poll), or with ``on_arrival`` today as soon as today's
    paper lands; none of them: none comes (the chat is not subscribed)."""
    if within is not None:
        minutes = max(1, math.ceil(within.total_seconds() / 60))
        return t(lang, "settings_next_poll", minutes=minutes)
    if on_arrival:
        return t(lang, "settings_next_arrival")
    if moment is None:
        return t(lang, "settings_next_none")
    return t(
        lang,
        "settings_next",
        date=format_date(moment.date(), lang),
        time=format_time(moment.time()),
        zone=zone,
    )


def settings_text(
    current: dt.time | None,
    default: dt.time,
    lang: str,
    zone: str,
    *,
    next_digest: dt.datetime | None = None,
    next_within: dt.timedelta | None = None,
    next_on_arrival: bool = False,
    quiet: tuple[dt.time, dt.time] | None = None,
    now: dt.datetime | None = None,
) -> str:
    """/settings: the chat's digest time (its own or the default), its zone with the zone's
    offset from UTC ``now`` (the present when None), when the next digest comes
    (:func:`next_digest_text`), its quiet hours for alerts, and how to change them.

    ``zone`` is the reader's IANA timezone: digest times are wall-clock times there.
    """
    origin = "settings_origin_default" if current is None else "settings_origin_custom"
    label = zone_label(zone, lang)
    next_text = next_digest_text(next_digest, next_within, label, lang, next_on_arrival)
    return t(
        lang,
        "settings",
        time=format_time(current or default),
        origin=t(lang, origin),
        default=format_time(default),
        zone=zone_label(zone, lang, now or dt.datetime.now(dt.UTC)),
        next=next_text,
        quiet=quiet_label(quiet, lang) if quiet is not None else "—",
    )
