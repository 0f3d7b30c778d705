"""Specifications of bot.render: the daily digest messages and the callback data of buttons.

Every message is checked with the strict Telegram HTML parser and measured in UTF-16 units
after parsing, the way Telegram applies its 4096-character limit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.localapi.telegram_html import entity_text, parse_html, utf16_len
from bot.render import (
    CALLBACK_DATA_MAX_BYTES,
    MAX_BUTTONS,
    MAX_ROW_ID,
    ArticleRef,
    DigestMessage,
    article_from_start_payload,
    article_ref,
    article_start_payload,
    build_digest,
    decode_article_callback,
    decode_callback,
    encode_callback,
    register_callback,
)
from bot.render.i18n import LANGUAGES
from bot.storage.records import ArticleRecord, EditionRecord
from summarizer.parser import read_page
from summarizer.sentences import split_sentences

SEED = Path(__file__).resolve().parents[3] / "bot" / "sample" / "zjgrrb-2024-07-01-p01.txt"


def edition(article_count: int, *, edition_id: int = 42) -> EditionRecord:
    return EditionRecord(
        id=edition_id,
        paper="浙江工人日报",
        date=dt.date(2024, 7, 1),
        article_count=article_count,
        ingested_at=dt.datetime(2024, 7, 1, 6, 0, tzinfo=dt.UTC),
    )


def seed_articles(edition_id: int = 42) -> list[ArticleRecord]:
    """The seed page (浙江工人日报 2024-07-01, p. 1) parsed by the project's parser, as stored
    records. Summaries are the lead sentences (no jieba, so the test stays fast)."""
    parsed = read_page(SEED, paper="浙江工人日报", date=dt.date(2024, 7, 1))
    records = []
    for number, article in enumerate(parsed.articles, start=1):
        lead = [s for p in article.paragraphs[:2] for s in split_sentences(p)][:3]
        records.append(
            ArticleRecord(
                id=number,
                edition_id=edition_id,
                number=number,
                page=article.page,
                title=article.title,
                byline=article.byline,
                paragraphs=tuple(article.paragraphs),
                captions=tuple(article.captions),
                summary=tuple(lead),
                keywords=(),
                continued_on=article.continued_on,
            )
        )
    return records


def make_article(
    number: int, title: str, summary: Sequence[str] = (), **kw: object
) -> ArticleRecord:
    fields: dict[str, object] = {
        "id": number,
        "edition_id": 42,
        "number": number,
        "page": "1",
        "title": title,
        "byline": None,
        "paragraphs": (),
        "captions": (),
        "summary": tuple(summary),
        "keywords": (),
        "continued_on": None,
    }
    fields.update(kw)
    return ArticleRecord(**fields)  # type: ignore[arg-type]


def callback_data(message: DigestMessage) -> list[str]:
    if message.keyboard is None:
        return []
    return [str(b.callback_data) for row in message.keyboard.inline_keyboard for b in row]


def check_messages(
    messages: list[DigestMessage], articles: Sequence[ArticleRecord], ed: EditionRecord, limit: int
) -> None:
    """The invariants every digest must keep (used by the example and the property tests)."""
    seen: list[int] = []
    for message in messages:
        plain, entities = parse_html(message.text)  # raises on invalid HTML
        assert utf16_len(plain) <= limit
        # The bold article lines of this message are exactly its articles, in order.
        bold = [entity_text(plain, e) for e in entities if e.type == "bold"]
        numbered = [int(m.group(1)) for b in bold if (m := re.match(r"(\d+)\. ", b))]
        assert numbered == list(message.numbers)
        data = callback_data(message)
        assert len(data) == len(message.numbers) <= MAX_BUTTONS
        marks = {a.number: a.mark for a in articles}
        for item, number in zip(data, message.numbers, strict=True):
            assert 1 <= len(item.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES
            assert decode_article_callback(item) == ArticleRef(ed.id, number, marks[number])
        assert message.refs == tuple(ArticleRef(ed.id, n, marks[n]) for n in message.numbers)
        seen.extend(message.numbers)
    assert sorted(seen) == sorted(a.number for a in articles)  # each exactly once


# --------------------------------------------------------------------------- the seed edition


@pytest.mark.parametrize("lang", LANGUAGES)
def test_seed_digest_is_one_valid_message_with_every_article(lang: str) -> None:
    articles = seed_articles()
    assert len(articles) >= 5
    ed = edition(len(articles))
    messages = build_digest(ed, articles, lang)
    assert len(messages) == 1
    check_messages(messages, articles, ed, 4096)


def test_seed_digest_shows_header_titles_and_first_sentences() -> None:
    articles = seed_articles()
    [message] = build_digest(edition(len(articles)), articles, "zh")
    plain = parse_html(message.text).text
    assert plain.startswith(f"📰 浙江工人日报\n2024年7月1日 · 共 {len(articles)} 篇")
    for a in articles:
        assert f"{a.number}. {a.title}" in plain
        assert a.summary[0] in plain
        assert a.summary[-1] not in plain or len(a.summary) == 1 or a.summary[-1] in a.summary[0]


def test_seed_digest_buttons_come_in_rows_of_five() -> None:
    articles = seed_articles()
    [message] = build_digest(edition(len(articles)), articles, "zh")
    assert message.keyboard is not None
    rows = message.keyboard.inline_keyboard
    assert [len(r) for r in rows[:-1]] == [5] * (len(rows) - 1) and 1 <= len(rows[-1]) <= 5
    assert [b.text for row in rows for b in row] == [str(a.number) for a in articles]
    assert callback_data(message)[0] == f"b:42:1:{articles[0].mark}"


# --------------------------------------------------------------------------- splitting


def test_long_digest_splits_between_articles_with_a_continuation_header() -> None:
    articles = [
        make_article(n, f"第{n}篇文章的标题", ["这是一句相当长的摘要，" * 12 + "。"])
        for n in range(1, 81)
    ]
    ed = edition(80)
    messages = build_digest(ed, articles, "zh")
    assert len(messages) >= 3
    check_messages(messages, articles, ed, 4096)
    assert parse_html(messages[1].text).text.startswith("📰 浙江工人日报 · 2024年7月1日（续）")
    assert "点击下方编号" in messages[-1].text and "点击下方编号" not in messages[0].text


def test_a_message_never_holds_more_than_100_buttons() -> None:
    articles = [make_article(n, "x") for n in range(1, 251)]
    ed = edition(250)
    messages = build_digest(ed, articles, "en")
    assert [len(m.numbers) for m in messages] == [100, 100, 50]
    check_messages(messages, articles, ed, 4096)


def test_a_block_too_long_alone_is_cut_with_an_ellipsis() -> None:
    articles = [make_article(1, "标" * 150, ["长" * 3000 + "。"]), make_article(2, "短标题")]
    ed = edition(2)
    messages = build_digest(ed, articles, "zh", limit=200)
    check_messages(messages, articles, ed, 200)
    first = parse_html(messages[0].text).text
    assert "…" in first and "2. 短标题" in parse_html(messages[-1].text).text


def test_digest_sentence_is_capped_even_when_it_fits() -> None:
    articles = [make_article(1, "标题", ["很" * 1000 + "。"])]
    [message] = build_digest(edition(1), articles, "zh")
    plain = parse_html(message.text).text
    assert "很很…" in plain and utf16_len(plain) < 600


def test_page_heading_appears_when_the_page_changes() -> None:
    articles = [
        make_article(1, "头版", page="1"),
        make_article(2, "还是头版", page="1"),
        make_article(3, "二版", page="2"),
    ]
    [message] = build_digest(edition(3), articles, "zh")
    plain, entities = parse_html(message.text)
    underlined = [entity_text(plain, e) for e in entities if e.type == "underline"]
    assert underlined == ["第1版", "第2版"]


def test_a_page_label_too_long_is_cut_not_fatal() -> None:
    # A broken source's "page" could be a paragraph: the digest still goes out.
    articles = [make_article(1, "标题", ["一句。"], page="要闻" * 2100)]
    ed = edition(1)
    [message] = build_digest(ed, articles, "zh")
    check_messages([message], articles, ed, 4096)
    assert "要闻要…版" in parse_html(message.text).text


def test_articles_are_listed_by_number_whatever_the_input_order() -> None:
    articles = [make_article(n, f"标题{n}") for n in (3, 1, 2)]
    [message] = build_digest(edition(3), articles, "zh")
    assert message.numbers == (1, 2, 3)


def test_record_text_is_escaped() -> None:
    articles = [make_article(1, "<b>A & B</b>", ["1 < 2 && 3 > 2。"])]
    [message] = build_digest(edition(1), articles, "en")
    plain = parse_html(message.text).text
    assert "1. <b>A & B</b>" in plain and "1 < 2 && 3 > 2。" in plain


def test_an_edition_without_articles_gives_a_header_without_buttons() -> None:
    [message] = build_digest(edition(0), [], "zh")
    assert message.keyboard is None and message.numbers == ()
    assert "共 0 篇" in parse_html(message.text).text


# --------------------------------------------------------------------------- the property

article_text = st.lists(
    st.characters(codec="utf-8")
    | st.sampled_from(
        ["<", ">", "&", "&amp;", "😀", "👨‍👩‍👧", "\n", "。", "<b>", "</i>", "\u200d"]
    ),
    max_size=400,
).map("".join)


@st.composite
def digests(draw: st.DrawFn) -> tuple[EditionRecord, list[ArticleRecord], str, int]:
    count = draw(st.integers(min_value=0, max_value=130))
    long_text = st.text(max_size=5000)
    articles = []
    for number in range(1, count + 1):
        title = draw(article_text | long_text) if number % 17 == 0 else draw(article_text)
        summary = draw(st.lists(article_text | st.just("很长的一句话" * 300), max_size=3))
        page = draw(st.none() | st.sampled_from(["1", "2", "A03", "<&>"]))
        articles.append(make_article(number, title, summary, page=page))
    edition_id = draw(st.integers(min_value=1, max_value=MAX_ROW_ID))
    articles = [
        ArticleRecord(**{**{f: getattr(a, f) for f in a.__slots__}, "edition_id": edition_id})
        for a in articles
    ]
    lang = draw(st.sampled_from(LANGUAGES))
    limit = draw(st.sampled_from([200, 1000, 4096]))
    return edition(count, edition_id=edition_id), articles, lang, limit


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(digests())
def test_every_digest_parses_fits_and_splits_only_between_articles(
    case: tuple[EditionRecord, list[ArticleRecord], str, int],
) -> None:
    ed, articles, lang, limit = case
    messages = build_digest(ed, articles, lang, limit=limit)
    check_messages(messages, articles, ed, limit)


# --------------------------------------------------------------------------- callback data


def test_an_unmarked_article_callback_of_an_older_button_still_decodes() -> None:
    data = encode_callback("a", 12, 3)
    assert data == "a:12:3"
    assert decode_callback(data) == ("a", 12, 3)
    assert decode_article_callback(data) == ArticleRef(12, 3)


def test_an_article_button_carries_the_mark_of_its_article() -> None:
    article = make_article(3, "徐留平在浙江江苏调研工会工作时指出", edition_id=12)
    data = encode_callback("b", 12, 3, article.mark)
    assert re.fullmatch(r"b:12:3:[0-9a-f]{8}", data)
    assert decode_article_callback(data) == article_ref(article)


def test_articles_with_other_titles_have_other_marks() -> None:
    first = make_article(1, "上半年我省新设外资企业增长两成")
    assert first.mark != make_article(1, "我国党员总数超过9900万").mark


def test_articles_of_one_title_with_other_first_paragraphs_have_other_marks() -> None:
    first = make_article(1, "图片新闻", paragraphs=("杭州湾跨海大桥迎来第一亿辆车。",))
    second = make_article(1, "图片新闻", paragraphs=("宁波舟山港吞吐量再创新高。",))
    assert first.mark != second.mark


def test_an_articles_mark_stays_when_its_number_and_later_paragraphs_change() -> None:
    before = make_article(3, "要闻", paragraphs=("第一段。",))
    after = make_article(8, "要闻", paragraphs=("第一段。", "（上接第1版）续完的一段。"))
    assert before.mark == after.mark


@pytest.mark.parametrize("data", ["b:1:2:", "b:1:2:ABCDEF12", "b:1:2:1234567", "b:1:2:12345678a"])
def test_an_article_callback_with_a_forged_mark_is_refused(data: str) -> None:
    assert decode_article_callback(data) is None


def test_encode_callback_refuses_data_over_64_bytes() -> None:
    register_callback("test_long", str)
    with pytest.raises(ValueError, match="at most 64 bytes"):
        encode_callback("test_long", "工" * 20)


@pytest.mark.parametrize(
    "args",
    [
        ("zzz", 1),
        ("a", 1),
        ("a", 1, 2, 3),
        ("a", "x", 2),
        ("a", True, 2),
        ("a", 2**63, 1),
        ("s", "a:b"),
    ],
)
def test_encode_callback_refuses_shapes_that_would_not_decode(args: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        encode_callback(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        None,
        42,
        b"a:1:2",
        "",
        ":",
        "a",
        "a:1",
        "a:1:2:3",
        "a:x:2",
        "a:١:2",
        "a: 1:2",
        "a:1_0:2",
        "a:" + "9" * 30 + ":1",
        "a:9223372036854775808:1",
        "zz:1:2",
        "a:1:2" + " " * 70,
        "a:\ud800:1",
    ],
)
def test_forged_callback_data_decodes_to_none(data: object) -> None:
    assert decode_callback(data) is None
    assert decode_article_callback(data) is None


@pytest.mark.parametrize("data", ["a:0:1", "a:1:0", "a:-5:1", "a:1:-2"])
def test_article_callback_with_non_positive_ids_is_refused(data: str) -> None:
    assert decode_article_callback(data) is None


@given(st.text(max_size=200))
def test_decode_callback_never_raises_on_text(data: str) -> None:
    decoded = decode_callback(data)
    assert decoded is None or isinstance(decoded[0], str)
    decode_article_callback(data)


@given(st.binary(max_size=80))
def test_decode_callback_never_raises_on_decoded_bytes(raw: bytes) -> None:
    decode_callback(raw.decode("utf-8", "surrogateescape"))
    decode_article_callback(raw.decode("latin-1"))


@given(
    st.integers(min_value=1, max_value=MAX_ROW_ID),
    st.integers(min_value=1, max_value=MAX_ROW_ID),
    st.text(max_size=300),
    st.text(max_size=300),
)
def test_every_article_callback_fits_and_round_trips(
    edition_id: int, number: int, title: str, lead: str
) -> None:
    article = make_article(number, title, edition_id=edition_id, paragraphs=(lead,))
    ref = article_ref(article)
    data = encode_callback("b", ref.edition_id, ref.number, ref.mark)
    assert len(data.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES
    assert decode_article_callback(data) == ref


@pytest.mark.parametrize("data", ["a:2147483648:1", "a:1:2147483648", "a:0:1", "a:-5:2"])
def test_an_article_callback_out_of_database_range_is_refused(data: str) -> None:
    assert decode_article_callback(data) is None


@given(
    st.integers(min_value=1, max_value=MAX_ROW_ID), st.integers(min_value=1, max_value=MAX_ROW_ID)
)
def test_every_article_start_link_is_a_valid_start_parameter_and_round_trips(
    edition_id: int, number: int
) -> None:
    marked = article_ref(make_article(number, "标题", edition_id=edition_id))
    for ref in (ArticleRef(edition_id, number), marked):
        payload = article_start_payload(ref)
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload)  # what Telegram allows after ?start=
        assert article_from_start_payload(payload) == ref


@pytest.mark.parametrize(
    "payload",
    ["", "a_1", "a_1_2_3", "a:1:2", "a_0_1", "a_1_x", "s_1", "b_1_2", "b_1_2_XYZ", None],
)
def test_a_forged_start_parameter_opens_no_article(payload: object) -> None:
    assert article_from_start_payload(payload) is None


@given(st.text(max_size=80))
def test_reading_a_start_parameter_never_raises(payload: str) -> None:
    article_from_start_payload(payload)
