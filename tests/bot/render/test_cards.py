"""Specifications of bot.render.i18n and bot.render: every string is valid Telegram HTML and fits.

Validity is checked with the strict Telegram HTML parser (``bot.localapi.parse_html``), and
lengths on its plain text in UTF-16 units, as Telegram counts them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.localapi.telegram_html import parse_html, utf16_len
from bot.render import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    article_card,
    escape,
    search_results,
    settings_text,
    stats_text,
    truncate_text,
    visible_length,
    zone_label,
)
from bot.render.i18n import (
    LANGUAGES,
    MESSAGES,
    Markup,
    language_for,
    plural,
    t,
    t_plain,
    template_fields,
)
from bot.storage.records import ArticleRecord, EditionRecord, SearchHit, Stats

EDITION = EditionRecord(
    id=7,
    paper="浙江工人日报",
    date=dt.date(2024, 7, 1),
    article_count=7,
    ingested_at=dt.datetime(2024, 7, 1, 6, 0, tzinfo=dt.UTC),
)


def article(**fields: object) -> ArticleRecord:
    values: dict[str, object] = {
        "id": 1,
        "edition_id": EDITION.id,
        "number": 3,
        "page": "1",
        "title": "全省工会宣传思想文化工作会议提出 构建“345”工作体系",
        "byline": "本报讯 记者阮向民报道",
        "paragraphs": ("全省工会宣传思想文化工作会议6月28日在杭州召开。",),
        "captions": (),
        "summary": (
            "全省工会宣传思想文化工作会议6月28日在杭州召开。",
            "会议强调，要紧紧围绕省委、全国总工会宣传思想文化工作部署要求，进一步聚焦聚力。",
        ),
        "keywords": ("工会", "宣传", "文化"),
        "continued_on": None,
    }
    values.update(fields)
    return ArticleRecord(**values)  # type: ignore[arg-type]


def parsed_length(html_text: str) -> int:
    """Visible length per Telegram: parse strictly (raises if invalid), count UTF-16 units."""
    plain, _ = parse_html(html_text)
    return utf16_len(plain)


SAMPLE_VALUES: dict[str, object] = {
    "name": "<Bob & Alice>",
    "time": "07:30",
    "default": "07:00",
    "origin": "默认",
    "count": 7,
    "arg": "-1",
    "query": "a<b & c",
    "order": "最相关的在前",
    "length": 5000,
    "limit": 1000,
    "value": "25:99",
    "keyword": "工会",
    "date": "2024年7月1日",
    "articles": 7,
    "keywords": "工会、劳动",
    "paper": "浙江工人日报",
    "papers": "浙江工人日报、<海南日报>",
    "paper_count": 2,
    "label": "合并成一条",
    "year": 2024,
    "minutes": 5,
    "month": 7,
    "day": 1,
    "page": "1",
    "number": 3,
    "file": "zjgrrb-2024-07-01-p01.txt",
    "reason": "no article headings (# …) found",
    "zone": "Europe/London",
    "offset": "UTC−5",
    "place": "Asia/Kolkata",
    "seconds": 42,
    "items": "• <b>a.txt</b>: empty & <odd>",
    "sent": 120,
    "pending": 3,
    "in_doubt": 1,
    "failed": 2,
    "blocked": 4,
    "poll": "2024-07-01 06:00, <nothing new>",
    "edition": "2024年7月1日 & more",
    "when": "2024-07-01 06:00",
    "outcome": "<failed> & late",
    "detail": "HTTP 503 <Service Unavailable>",
    "holder": "host:1234:<abc>",
    "until": "2024-07-01 06:00",
    "url": "postgresql://bot:***@db/<baozhai>",
    "version": "0.1.0",
    "text": "明天 <b>停刊</b> & 休息一天",
    "lines": "• 浙江工人日报：有新内容",
    "channels": "@morning_news、@<evening>",
    "bot": "baozhai_bot",
    "next": "2024年7月2日 07:30（北京时间）",
    "quiet": "22:00–07:00",
    "language": "<中文> & English",
    "start": "22:00",
    "end": "07:00",
    "term": "<工会> & co",
    "cap": 20,
    "terms": "• 工会\n• apple",
    "topics": 2,
    "shown": 10,
    "word": "<OR>",
    "most": 8,
}

# Fields that are counts in one message and text in another (sample values are per name).
PLURAL_FIELDS = {"stats_daily_item": ("keywords",)}

# --------------------------------------------------------------------------- i18n


def test_every_message_key_exists_in_both_languages() -> None:
    assert set(MESSAGES["zh"]) == set(MESSAGES["en"])
    assert set(MESSAGES) == set(LANGUAGES)


@pytest.mark.parametrize("key", sorted(MESSAGES["zh"]))
def test_every_message_uses_the_same_fields_in_both_languages(key: str) -> None:
    assert template_fields(MESSAGES["zh"][key]) == template_fields(MESSAGES["en"][key])


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", sorted(MESSAGES["zh"]))
def test_every_message_formats_with_its_fields_into_valid_html(lang: str, key: str) -> None:
    fields = template_fields(MESSAGES[lang][key])
    missing = fields - set(SAMPLE_VALUES)
    assert not missing, f"add sample values for {missing}"
    values = {name: SAMPLE_VALUES[name] for name in fields}
    values |= {name: 3 for name in PLURAL_FIELDS.get(key, ())}
    text = t(lang, key, **values)
    assert parsed_length(text) <= TEXT_LIMIT
    assert "{" not in text and "}" not in text


@pytest.mark.parametrize(("count", "expected"), [(1, "1 article;"), (2, "2 articles;")])
def test_english_counts_take_the_singular_for_exactly_one(count: int, expected: str) -> None:
    assert expected in t("en", "article_not_found", count=count)


def test_a_plural_of_something_not_an_integer_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        t("en", "article_not_found", count="7")


def test_plural_puts_the_count_before_its_word() -> None:
    assert [plural(n, "file", "files") for n in (0, 1, 2)] == ["0 files", "1 file", "2 files"]


def test_t_escapes_keyword_values() -> None:
    text = t("en", "search_no_results", query="<b>x</b> & y")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in text
    assert parse_html(text).text == "Nothing found for “<b>x</b> & y”. Try another word."


def test_t_inserts_markup_values_unescaped() -> None:
    text = t("en", "search_no_results", query=Markup("<i>x</i>"))
    plain, entities = parse_html(text)
    assert "“x”" in plain
    assert [e.type for e in entities] == ["italic"]


def test_t_falls_back_to_chinese_for_an_unknown_language() -> None:
    assert t("fr", "unsubscribed") == t("zh", "unsubscribed")


def test_t_raises_for_a_missing_field() -> None:
    with pytest.raises(KeyError):
        t("zh", "article_not_found")


def test_article_not_found_names_the_range() -> None:
    assert parse_html(t("zh", "article_not_found", count=7)).text == (
        "本期共 7 篇，请输入 1–7 之间的编号。"
    )


def test_t_plain_leaves_button_labels_unescaped() -> None:
    assert t_plain("en", "button_open_article_long", number=3) == "📄 Article 3"
    for lang in LANGUAGES:
        for key in ("button_next_page", "button_previous_page", "start_button_subscribe"):
            label = t_plain(lang, key)
            assert label and "<" not in label and "&" not in label


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        (None, "zh"),
        ("", "zh"),
        ("zh-hans", "zh"),
        ("zh", "zh"),
        ("ru", "zh"),
        ("en", "en"),
        ("en-GB", "en"),
        ("EN-us", "en"),
    ],
)
def test_language_for_maps_telegram_codes(code: str | None, lang: str) -> None:
    assert language_for(code) == lang


# --------------------------------------------------------------------------- escape, truncate


def test_escape_touches_only_lt_gt_amp() -> None:
    assert escape("<a href=\"x\">'&'</a>") == "&lt;a href=\"x\"&gt;'&amp;'&lt;/a&gt;"


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    assert parse_html(escape(text)).text == text


@given(st.text(), st.integers(min_value=1, max_value=300))
def test_truncate_text_never_exceeds_the_room(text: str, room: int) -> None:
    cut = truncate_text(text, room)
    assert utf16_len(cut) <= room
    if utf16_len(text) <= room:
        assert cut == text
    else:
        assert cut.endswith("…")


def test_truncate_text_prefers_a_sentence_end() -> None:
    text = "第一句话说完了。第二句话很长很长很长很长很长很长很长很长很长很长。"
    assert truncate_text(text, 14) == "第一句话说完了。…"


def test_truncate_text_keeps_surrogate_pairs_whole() -> None:
    assert truncate_text("😀" * 10, 5) == "😀😀…"


# --------------------------------------------------------------------------- article card


@pytest.mark.parametrize("lang", LANGUAGES)
def test_article_card_is_valid_html_with_bold_title(lang: str) -> None:
    card = article_card(article(continued_on=4), EDITION, lang)
    plain, entities = parse_html(card)
    title = "全省工会宣传思想文化工作会议提出 构建“345”工作体系"
    assert plain.startswith(title)
    assert entities[0].type == "bold" and entities[0].length == len(title)


def test_article_card_shows_byline_page_summary_keywords_and_jump() -> None:
    plain = parse_html(article_card(article(continued_on=4), EDITION, "zh")).text
    for expected in (
        "本报讯 记者阮向民报道",
        "浙江工人日报 · 2024年7月1日 · 第1版 · 第 3/7 篇",
        "全省工会宣传思想文化工作会议6月28日在杭州召开。",
        "关键词：工会、宣传、文化",
        "（下转第4版）",
    ):
        assert expected in plain


def test_article_card_escapes_record_text() -> None:
    card = article_card(
        article(title="A<b>&C", byline="<i>", summary=("1 < 2 && 3 > 2。",)), EDITION, "en"
    )
    plain = parse_html(card).text
    assert "A<b>&C" in plain and "1 < 2 && 3 > 2。" in plain


def test_article_card_drops_whole_summary_sentences_to_fit() -> None:
    sentences = tuple(f"第{i}句" + "很长的内容" * 60 + "。" for i in range(1, 20))
    card = article_card(article(summary=sentences), EDITION, "zh")
    plain = parse_html(card).text
    assert utf16_len(plain) <= TEXT_LIMIT
    kept = [s for s in sentences if s in plain]
    assert kept == list(sentences[: len(kept)]) and 0 < len(kept) < len(sentences)
    assert "…" not in plain


def test_article_card_cuts_a_single_huge_sentence_with_ellipsis() -> None:
    card = article_card(article(summary=("很长" * 5000 + "。",)), EDITION, "zh")
    plain = parse_html(card).text
    assert utf16_len(plain) <= TEXT_LIMIT
    assert "很长很长…" in plain


def test_article_card_without_summary_shows_the_first_paragraph() -> None:
    card = article_card(article(summary=(), paragraphs=("开头一段。", "第二段。")), EDITION, "zh")
    assert "开头一段。" in parse_html(card).text


texts = st.text(max_size=6000)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=texts,
    byline=st.none() | texts,
    summary=st.lists(texts, max_size=8),
    keywords=st.lists(st.text(max_size=200), max_size=30),
    page=st.none() | st.text(max_size=40),
    lang=st.sampled_from(LANGUAGES),
)
def test_article_card_always_parses_and_fits(
    title: str,
    byline: str | None,
    summary: list[str],
    keywords: list[str],
    page: str | None,
    lang: str,
) -> None:
    card = article_card(
        article(
            title=title,
            byline=byline,
            summary=tuple(summary),
            keywords=tuple(keywords),
            page=page,
        ),
        EDITION,
        lang,
    )
    assert parsed_length(card) <= TEXT_LIMIT
    assert visible_length(card) == parsed_length(card)


# --------------------------------------------------------------------------- search results


def hits(*articles: ArticleRecord) -> list[SearchHit]:
    return [SearchHit(a, EDITION) for a in articles]


def test_search_results_list_hits_with_escaped_query() -> None:
    found = hits(*(article(number=n, title=f"标题{n} <&>") for n in (1, 2)))
    text, _ = search_results("工会 <b>", found, "zh", total=2)
    plain = parse_html(text).text
    assert "“工会 <b>”的搜索结果（共 2 篇，最相关的在前）" in plain
    assert "1. 标题1 <&>" in plain and "2. 标题2 <&>" in plain


def test_search_results_number_from_the_page_offset() -> None:
    found = hits(*(article(number=n) for n in (1, 2)))
    text, _ = search_results("工会", found, "zh", total=12, offset=10)
    plain = parse_html(text).text
    assert "\n11. " in "\n" + plain.split("\n\n", 1)[1] and "12. " in plain


def test_search_results_without_hits_say_so() -> None:
    assert "没有找到" in parse_html(search_results("xyz", [], "zh")[0]).text


def test_search_results_show_the_matching_sentence_with_the_words_in_bold() -> None:
    found = hits(article(paragraphs=("开头一句。全国总工会召开<会议>，工会干部参加。结尾。",)))
    text, _ = search_results("工会", found, "zh", words=["工会"], total=1)
    assert "全国总<b>工会</b>召开&lt;会议&gt;，<b>工会</b>干部参加。" in text
    assert "开头一句" not in parse_html(text).text


def test_search_results_highlight_a_phrase_typed_with_spaces() -> None:
    found = hits(article(paragraphs=("学习习近平新时代中国特色社会主义思想。",)))
    text, _ = search_results("习近平 新时代", found, "zh", words=["习近平 新时代"], total=1)
    assert "学习<b>习近平新时代</b>中国特色" in text


def test_search_results_fall_back_to_the_summary_when_no_sentence_matches() -> None:
    found = hits(article(title="工会", paragraphs=("无关。",), summary=("摘要句。",)))
    text, _ = search_results("工会", found, "zh", words=["工会"], total=1)
    assert "摘要句。" in parse_html(text).text


def test_search_results_say_how_to_turn_pages_when_more_follow() -> None:
    found = hits(*(article(number=n) for n in range(1, 6)))
    text, _ = search_results("工会", found, "zh", total=12, page_size=5)
    plain = parse_html(text).text
    assert "还有 7 篇，点 ◀ ▶ 翻页。" in plain and "更具体" not in plain
    last, _ = search_results("工会", found[:2], "zh", total=12, offset=10, page_size=5)
    assert "翻页" not in parse_html(last).text


def test_search_results_show_a_capped_count_as_at_least() -> None:
    found = hits(*(article(number=n) for n in range(1, 6)))
    text, _ = search_results("工会", found, "en", total=1000, exact=False, newest=True, page_size=5)
    plain = parse_html(text).text
    assert "(1000+ found, newest first)" in plain and "995+ more" in plain


def test_search_results_leave_out_hits_that_do_not_fit() -> None:
    found = hits(*(article(number=n, title="很长的标题" * 30) for n in range(1, 101)))
    text, shown = search_results("工会", found, "zh")
    assert parsed_length(text) <= TEXT_LIMIT
    assert 0 < shown < 100
    assert f"还有 {100 - shown} 篇未显示" in parse_html(text).text


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(st.text(min_size=1, max_size=12), max_size=4),
    title=st.text(max_size=300),
    paragraph=st.text(max_size=3000),
)
def test_search_results_are_valid_html_within_the_limit_whatever_the_text(
    words: list[str], title: str, paragraph: str
) -> None:
    found = hits(*(article(number=n, title=title, paragraphs=(paragraph,)) for n in range(1, 6)))
    text, shown = search_results(" ".join(words), found, "zh", words=words, total=99, page_size=5)
    assert parsed_length(text) <= TEXT_LIMIT and shown == 5


# --------------------------------------------------------------------------- stats, settings

STATS = Stats(
    editions=3,
    articles=21,
    subscribers=5,
    digests_delivered=12,
    top_keywords=(("工会", 9), ("劳动", 4)),
    daily=((dt.date(2024, 6, 30), 0, 0), (dt.date(2024, 7, 1), 7, 30)),
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_stats_text_shows_the_counts(lang: str) -> None:
    plain = parse_html(stats_text(STATS, lang)).text
    for number in ("3", "21", "5", "12", "工会", "9"):
        assert number in plain


def test_stats_caption_leaves_out_the_daily_list() -> None:
    caption = parse_html(stats_text(STATS, "zh", caption=True)).text
    assert "最近几天" not in caption and "工会（9）" in caption


@settings(max_examples=40)
@given(
    keywords=st.lists(
        st.tuples(st.text(max_size=300), st.integers(min_value=0, max_value=10**9)), max_size=40
    ),
    days=st.integers(min_value=0, max_value=60),
    caption=st.booleans(),
    lang=st.sampled_from(LANGUAGES),
)
def test_stats_text_always_fits_its_limit(
    keywords: list[tuple[str, int]], days: int, caption: bool, lang: str
) -> None:
    stats = Stats(
        editions=10**9,
        articles=10**12,
        subscribers=10**7,
        digests_delivered=10**12,
        top_keywords=tuple(keywords),
        daily=tuple((dt.date(2024, 1, 1) + dt.timedelta(days=d), 999, 999) for d in range(days)),
    )
    assert parsed_length(stats_text(stats, lang, caption=caption)) <= (
        CAPTION_LIMIT if caption else TEXT_LIMIT
    )


def test_settings_text_shows_a_custom_time_and_how_to_change_it() -> None:
    plain = parse_html(settings_text(dt.time(7, 30), dt.time(6, 0), "zh", "Asia/Shanghai")).text
    assert "07:30（自定义）\n时区：北京时间（UTC+8）" in plain
    assert "/settings 07:30" in plain and "/settings default" in plain and "06:00" in plain


def test_settings_text_marks_the_default_time() -> None:
    plain = parse_html(settings_text(None, dt.time(6, 0), "en", "Asia/Shanghai")).text
    assert "06:00 (default)\nTime zone: Beijing time (UTC+8)" in plain


def test_settings_text_names_the_configured_timezone() -> None:
    winter = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
    plain = parse_html(settings_text(None, dt.time(6, 0), "zh", "Europe/London", now=winter)).text
    assert "06:00（默认）\n时区：Europe/London（UTC+0）" in plain and "北京" not in plain


WINTER = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 15, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("zone", "lang", "at", "label"),
    [
        ("Asia/Tokyo", "en", WINTER, "Asia/Tokyo (UTC+9)"),
        ("Asia/Tokyo", "zh", WINTER, "Asia/Tokyo（UTC+9）"),
        ("America/New_York", "en", WINTER, "America/New_York (UTC−5)"),
        ("America/New_York", "en", SUMMER, "America/New_York (UTC−4)"),  # daylight saving
        ("Europe/Berlin", "zh", SUMMER, "Europe/Berlin（UTC+2）"),
        ("Asia/Kolkata", "en", WINTER, "Asia/Kolkata (UTC+5:30)"),
        ("Asia/Kathmandu", "en", WINTER, "Asia/Kathmandu (UTC+5:45)"),
        ("America/St_Johns", "en", WINTER, "America/St_Johns (UTC−3:30)"),
        ("Asia/Shanghai", "zh", WINTER, "北京时间（UTC+8）"),
        ("Asia/Shanghai", "en", WINTER, "Beijing time (UTC+8)"),
        # POSIX names count west as positive: Etc/GMT+8 is eight hours *behind* UTC.
        ("Etc/GMT+8", "en", WINTER, "UTC−8"),
        ("Etc/GMT-8", "zh", WINTER, "UTC+8"),
        ("Etc/GMT-14", "en", WINTER, "UTC+14"),
        ("UTC", "en", WINTER, "UTC"),
        ("Etc/UTC", "zh", WINTER, "UTC"),
    ],
)
def test_a_zone_is_shown_with_its_offset_from_utc_at_that_moment(
    zone: str, lang: str, at: dt.datetime, label: str
) -> None:
    assert zone_label(zone, lang, at) == label


@pytest.mark.parametrize(("zone", "label"), [("Etc/GMT+8", "UTC−8"), ("Etc/GMT-5", "UTC+5")])
def test_a_fixed_offset_zone_is_named_by_its_offset_even_without_a_moment(
    zone: str, label: str
) -> None:
    assert zone_label(zone, "en") == label
    plain = parse_html(settings_text(None, dt.time(6, 0), "en", zone)).text
    assert f"Time zone: {label}" in plain and "GMT" not in plain
