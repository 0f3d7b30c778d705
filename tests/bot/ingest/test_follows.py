"""Specification of topic matching (bot.ingest.follows): word-aware for Chinese, word
boundaries for Latin, phrases as consecutive tokens, on the summarizer's own segmentation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.follows import QUOTE_CHARS, EditionIndex, match_readers, normalize_term
from bot.render.alerts import build_alert
from bot.storage.records import ArticleRecord
from summarizer.parser import read_page
from summarizer.segment import make_segmenter
from tests.bot.delivery.editions import SEED
from tests.bot.render.test_alert_message import EDITION


def article(number: int, title: str, *paragraphs: str, keywords: tuple[str, ...] = ()):
    return ArticleRecord(
        id=number,
        edition_id=1,
        number=number,
        page="1",
        title=title,
        byline=None,
        paragraphs=paragraphs,
        captions=(),
        summary=paragraphs[:1],
        keywords=keywords,
    )


def matched(term: str, *articles: ArticleRecord) -> list[int]:
    """The numbers of the articles ``term`` matches."""
    index = EditionIndex(articles)
    return [index.articles[i].number for i in index.find(normalize_term(term))]


def test_a_chinese_word_matches_itself_and_inside_a_compound() -> None:
    alone = article(1, "会讯", "工会主席讲话。")
    compound = article(2, "要闻", "全国总工会召开会议。")
    assert matched("工会", alone, compound) == [1, 2]


def test_a_chinese_word_does_not_match_characters_straddling_two_words() -> None:
    assert matched("工会", article(1, "要闻", "今天召开分工会议，部署工作。")) == []


def test_a_latin_word_matches_case_insensitively_on_word_boundaries() -> None:
    apple = article(1, "Tech", "Apple 发布新品。")
    pineapple = article(2, "Food", "pineapple 很甜。")
    assert matched("apple", apple, pineapple) == [1]
    assert matched("APPLE", apple, pineapple) == [1]


def test_full_width_latin_is_the_same_word() -> None:
    assert matched("ＡＰＥＣ", article(1, "要闻", "APEC 会议在利马举行。")) == [1]


def test_a_phrase_matches_as_consecutive_tokens() -> None:
    text = article(1, "要闻", "乡村振兴战略稳步推进。")
    assert matched("乡村振兴", text) == [1]
    assert matched("振兴战略", text) == [1]
    assert matched("乡村战略", text) == []


def test_a_latin_phrase_matches_across_any_whitespace() -> None:
    text = article(1, "World", "Xi  Jinping met the press.")
    assert matched("xi jinping", text) == [1]
    assert matched("jinping met", text) == [1]
    assert matched("xi met", text) == []


def test_titles_and_keywords_match_too() -> None:
    in_title = article(1, "工会驿站建设规范发布", "正文没有那个词。")
    in_keywords = article(2, "要闻", "正文。", keywords=("劳模",))
    assert matched("驿站", in_title, in_keywords) == [1]
    assert matched("劳模", in_title, in_keywords) == [2]


def test_a_title_broken_across_lines_inside_a_word_still_matches_it() -> None:
    # Titles print on several lines; the parser keeps each break as a space.
    title = article(1, "全面推进乡村 振兴 建设美丽浙江", "正文没有那个词。")
    assert matched("乡村振兴", title) == [1]
    assert matched("乡村 振兴", title) == [1]


def test_the_alert_quotes_the_body_sentence_with_the_term() -> None:
    text = article(1, "工会要闻", "第一句没有。", "第二句讲工会工作。第三句也没有。")
    [item] = match_readers(EditionIndex([text]), [(7, "工会")])[7].items
    assert (item.number, item.term, item.sentence) == (1, "工会", "第二句讲工会工作。")


def test_the_alert_quotes_the_sentence_where_the_word_is_not_one_with_its_characters() -> None:
    # 分工会议 holds 工会's characters but not the word (分工 + 会议): not the match.
    text = article(1, "要闻", "会议明确了分工会议安排。全国总工会召开大会。")
    [item] = match_readers(EditionIndex([text]), [(7, "工会")])[7].items
    assert item.sentence == "全国总工会召开大会。"


def test_a_long_sentence_is_quoted_around_the_word_not_from_its_start() -> None:
    text = article(1, "要闻", "很" * 320 + "省总工会部署工作。")
    [item] = match_readers(EditionIndex([text]), [(7, "工会")])[7].items
    assert item.sentence.startswith("…很") and item.sentence.endswith("省总工会部署工作。")
    assert len(item.sentence) <= QUOTE_CHARS + 2


def test_the_alert_shows_the_word_not_its_characters_earlier_in_the_sentence() -> None:
    body = "在分工会议上，" + "各地积极推进基层工作，" * 16 + "全国总工会代表作了发言。"
    edition_index = EditionIndex([article(1, "要闻", body)])
    [item] = match_readers(edition_index, [(7, "工会")])[7].items
    message = build_alert(EDITION, edition_index.articles, [item[:3]], "zh")
    assert "全国总<b>工会</b>代表" in message.text and "分<b>工会</b>议" not in message.text


def test_a_latin_word_is_quoted_where_it_stands_whole() -> None:
    text = article(1, "Tech", "我吃了pineapple。Apple发布了新手机。")
    [item] = match_readers(EditionIndex([text]), [(7, "apple")])[7].items
    assert item.sentence == "Apple发布了新手机。"


def test_a_title_only_match_quotes_no_sentence() -> None:
    text = article(1, "工会要闻", "正文没有那个词。")
    [item] = match_readers(EditionIndex([text]), [(7, "工会")])[7].items
    assert item.sentence == ""


def test_each_reader_gets_each_article_once_with_their_first_matching_term() -> None:
    index = EditionIndex([article(1, "要闻", "工会和劳模座谈。"), article(2, "别的", "天气晴。")])
    found = match_readers(index, [(1, "劳模"), (1, "工会"), (2, "天气"), (3, "不存在")])
    assert [(i.number, i.term) for i in found[1].items] == [(1, "劳模")]
    assert [(i.number, i.term) for i in found[2].items] == [(2, "天气")]
    assert 3 not in found


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("工会", "工会"),
        ("  Xi   Jinping ", "xi jinping"),
        ("ＡＰＰＬＥ", "apple"),
        ("？！", ""),
        ("“工会”", "工会"),
        ("《工会》", "工会"),
        ("#工会", "工会"),
        ("工会！", "工会"),
        ("😀工会", "工会"),
        ("乡村 振兴", "乡村振兴"),
        ("工会 apple", "工会 apple"),
        ("c++", "c++"),
        ("5.2%", "5.2%"),
        ("５．２％", "5.2%"),
        ("3‰", "3‰"),
        ("“5.2%”", "5.2%"),
        ("工会%", "工会"),
        ("%", ""),
    ],
)
def test_terms_are_normalised_the_way_editions_are(typed: str, stored: str) -> None:
    assert normalize_term(typed) == stored


def test_a_wrapped_or_spaced_topic_matches_like_the_bare_one() -> None:
    text = article(1, "要闻", "推进乡村振兴，工会在行动。")
    for typed in ("“乡村振兴”", "《乡村振兴》", "乡村 振兴", "乡村振兴。", "#工会", "工会!"):
        assert matched(typed, text) == [1], typed


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_a_percentage_is_followed_with_its_sign(backend: str) -> None:
    # The sign is the number's, not a wrapper: 5.2% is one word of the text, and "5.2" alone
    # is never one there, so a topic cut to it could never match.
    growth = article(1, "经济稳中向好", "今年GDP增长5.2%，好于预期。")
    index = EditionIndex([growth], make_segmenter(backend))  # type: ignore[arg-type]
    assert index.find(normalize_term("5.2%")) == [0]
    assert index.find(normalize_term("增长5.2%")) == [0]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normalising_a_topic_twice_changes_nothing(typed: str) -> None:
    once = normalize_term(typed)
    assert normalize_term(once) == once


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_the_seed_edition_matches_the_same_way_on_both_segmenters(backend: str) -> None:
    parsed = read_page(SEED, paper="浙江工人日报")
    articles = [article(n, a.title, *a.paragraphs) for n, a in enumerate(parsed.articles, start=1)]
    index = EditionIndex(articles, make_segmenter(backend))  # type: ignore[arg-type]
    numbers = {index.articles[i].number for i in index.find("工会")}
    with_the_characters = {a.number for a in articles if "工会" in a.title + "".join(a.paragraphs)}
    # The four articles with 工会 in their headline are found; nothing without the characters.
    assert {2, 4, 5, 6} <= numbers <= with_the_characters
    assert index.find("分工会") == []


_HAN = st.sampled_from(list("工会分议全国总乡村振兴战略的在了"))


@settings(max_examples=60, deadline=None)
@given(st.text(_HAN, min_size=1, max_size=40), st.text(_HAN, min_size=1, max_size=4))
def test_a_hit_is_always_a_real_occurrence_of_the_term(text: str, term: str) -> None:
    index = EditionIndex([article(1, "标题", text)])
    if index.find(term):
        assert term in normalize_term(text)


@settings(max_examples=60, deadline=None)
@given(st.text(_HAN, min_size=1, max_size=40))
def test_every_word_of_the_segmentation_is_found(text: str) -> None:
    index = EditionIndex([article(1, "标", text)])
    for word in make_segmenter("auto").cut(text):
        if normalize_term(word) == word:
            assert index.find(word), word
