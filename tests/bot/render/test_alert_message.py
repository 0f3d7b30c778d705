"""Specification of the topic alert message (bot.render.alerts): one message, valid HTML,
the matching sentence with the term in bold, one "open" button per listed article."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.localapi.telegram_html import parse_html, utf16_len
from bot.render import TEXT_LIMIT, decode_article_callback
from bot.render.alerts import MAX_ALERT_ARTICLES, build_alert
from bot.storage.records import ArticleRecord, EditionRecord

EDITION = EditionRecord(
    9, "浙江工人日报", dt.date(2024, 7, 1), 40, dt.datetime(2024, 7, 1, tzinfo=dt.UTC)
)


def article(number: int, title: str = "工会要闻", body: str = "工会主席讲话。") -> ArticleRecord:
    return ArticleRecord(number, 9, number, "1", title, None, (body,), (), (body,), ())


def test_the_alert_names_paper_date_title_sentence_and_term() -> None:
    message = build_alert(EDITION, [article(3)], [(3, "工会", "工会主席讲话。")], "zh")
    plain = parse_html(message.text).text
    assert plain.startswith("🔔 你关注的话题上报了\n《浙江工人日报》2024年7月1日 · 相关 1 篇")
    assert "3. 工会要闻" in plain and "工会主席讲话。" in plain and "关注：工会" in plain
    assert "<b>工会</b>主席讲话。" in message.text


@pytest.mark.parametrize(("lang", "count"), [("zh", "相关 2 篇"), ("en", "2 matching articles")])
def test_the_header_counts_the_matching_articles_not_the_editions(lang: str, count: str) -> None:
    # The edition holds 40 articles; its digest says so. The alert's number is another one.
    items = [(n, "工会", "") for n in (2, 5)]
    message = build_alert(EDITION, [article(2), article(5)], items, lang)
    assert parse_html(message.text).text.splitlines()[1].endswith(count)


def test_each_listed_article_has_a_button_that_opens_it() -> None:
    items = [(n, "工会", "") for n in (2, 5)]
    message = build_alert(EDITION, [article(2), article(5)], items, "zh")
    assert message.keyboard is not None
    buttons = [b for row in message.keyboard.inline_keyboard for b in row]
    assert [b.text for b in buttons] == ["2", "5"]
    refs = [decode_article_callback(b.callback_data) for b in buttons]
    assert [(r.edition_id, r.number) for r in refs if r] == [(9, 2), (9, 5)]


def test_a_title_only_match_shows_the_first_summary_sentence() -> None:
    message = build_alert(EDITION, [article(1, body="摘要第一句。")], [(1, "工会", "")], "zh")
    assert "摘要第一句。" in parse_html(message.text).text


def test_more_articles_than_listed_are_counted() -> None:
    items = [(n, "工会", "工会主席讲话。") for n in range(1, 16)]
    message = build_alert(EDITION, [article(n) for n in range(1, 16)], items, "en")
    assert message.numbers == tuple(range(1, MAX_ALERT_ARTICLES + 1))
    assert "5 more not listed" in parse_html(message.text).text


@pytest.mark.parametrize("lang", ["zh", "en"])
@settings(max_examples=30, deadline=None)
@given(
    title=st.text(min_size=1, max_size=400),
    sentence=st.text(max_size=2000),
    term=st.text(min_size=1, max_size=30),
)
def test_any_alert_is_one_valid_message(lang: str, title: str, sentence: str, term: str) -> None:
    items = [(n, term, sentence) for n in range(1, 31)]
    articles = [article(n, title=title, body=sentence) for n in range(1, 31)]
    message = build_alert(EDITION, articles, items, lang)
    assert utf16_len(parse_html(message.text).text) <= TEXT_LIMIT
