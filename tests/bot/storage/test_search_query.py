"""Specification of query parsing (bot.storage.fulltext.query): words, phrases, exclusions,
dates, papers, order; pure and total."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.storage.fulltext import SearchOrder, parse_query, without_order
from bot.storage.fulltext.query import MAX_PHRASES
from bot.storage.fulltext.terms import is_han

PAPERS = ["海南日报", "浙江工人日报"]


def _terms(text: str) -> list[tuple[str, ...]]:
    return [p.terms for p in parse_query(text, PAPERS).include]


def test_several_words_must_all_match() -> None:
    assert _terms("工会 劳模") == [("工会",), ("劳模",)]


@pytest.mark.parametrize("typed", ["工会，职工", "工会、职工", "工会,职工", "工会；职工"])
def test_words_listed_with_commas_are_separate_words(typed: str) -> None:
    assert _terms(typed) == [("工会",), ("职工",)]


def test_single_characters_listed_with_commas_stay_one_phrase() -> None:
    assert _terms("中、美") == [("中", "美")]


def test_the_words_shown_in_bold_are_read_without_symbols_like_the_index() -> None:
    assert parse_query("50% 工会").words == ("50", "工会")


def test_a_quoted_phrase_is_one_phrase_in_either_kind_of_quotes() -> None:
    assert _terms('"习近平 新时代"') == [("习近", "近平", "平新", "新时", "时代")]
    assert _terms("“乡村振兴”") == [("乡村", "村振", "振兴")]


def test_a_minus_excludes_a_word_or_a_phrase() -> None:
    query = parse_query('工会 -美国 -"贸易 战"')
    assert [p.text for p in query.include] == ["工会"]
    assert [p.terms for p in query.exclude] == [("美国",), ("贸易", "易战")]


def test_a_month_and_a_day_filter_by_date_and_two_dates_span_between_them() -> None:
    assert (parse_query("工会 2024-07").since, parse_query("工会 2024-07").until) == (
        dt.date(2024, 7, 1),
        dt.date(2024, 7, 31),
    )
    day = parse_query("工会 2024年7月1日")
    assert (day.since, day.until) == (dt.date(2024, 7, 1), dt.date(2024, 7, 1))
    span = parse_query("工会 2024-09 2024-07-15")
    assert (span.since, span.until) == (dt.date(2024, 7, 15), dt.date(2024, 9, 30))


@pytest.mark.parametrize("typed", ["2024-13", "2024-02-30", "2024年2月30日", "2024.0.1"])
def test_a_date_that_does_not_exist_is_told_not_searched_as_a_word(typed: str) -> None:
    query = parse_query(f"工会 {typed}")
    assert (query.bad_dates, query.since, query.words) == ((typed,), None, ("工会",))


def test_a_year_alone_is_a_word() -> None:
    query = parse_query("工会 2024")
    assert (query.words, query.bad_dates, query.since) == (("工会", "2024"), (), None)


@pytest.mark.parametrize(
    "typed",
    [
        "2024-07-01~2024-07-15",
        "2024-07-01 ～ 2024-07-15",
        "2024年7月1日至2024年7月15日",
        "2024-7-1到2024-7-15",
    ],
)
def test_two_dates_joined_by_a_tilde_or_zhi_or_dao_are_a_span(typed: str) -> None:
    query = parse_query(f"工会 {typed}")
    assert (query.words, query.since, query.until) == (
        ("工会",),
        dt.date(2024, 7, 1),
        dt.date(2024, 7, 15),
    )


def test_a_word_that_is_exactly_a_paper_name_filters_by_it() -> None:
    query = parse_query("工会 海南日报", PAPERS)
    assert query.papers == ("海南日报",) and _terms("工会 海南日报") == [("工会",)]
    assert parse_query("工会 海南", PAPERS).papers == ()


def test_a_paper_name_with_a_minus_leaves_that_paper_out_rather_than_its_name() -> None:
    query = parse_query("-海南日报 工会", PAPERS)
    assert (query.not_papers, query.papers, query.exclude) == (("海南日报",), (), ())


def test_newest_first_on_request_in_either_language() -> None:
    assert parse_query("工会").order is SearchOrder.RELEVANCE
    assert parse_query("工会 最新").order is SearchOrder.NEWEST
    assert parse_query("Newest 工会").order is SearchOrder.NEWEST


def test_the_newest_keyword_with_only_words_to_leave_out_is_the_word_to_find() -> None:
    query = parse_query("最新 -美国")
    assert (query.words, query.order) == (("最新",), SearchOrder.RELEVANCE)


def test_the_newest_keyword_alone_is_a_word_to_find() -> None:
    query = parse_query("最新")
    assert (query.words, query.order) == (("最新",), SearchOrder.RELEVANCE)
    within = parse_query("最新 2024-07 海南日报", PAPERS)
    assert (within.words, within.papers, within.since) == (
        ("最新",),
        ("海南日报",),
        dt.date(2024, 7, 1),
    )


@pytest.mark.parametrize(
    ("typed", "echoed"),
    [
        ("工会 最新", "工会"),
        ("Newest 工会 2024-07 LATEST", "工会 2024-07"),
        ('"最新" 工会 最新', '"最新" 工会'),  # quoted: a phrase to find, kept
        ("工会 -最新 最新", "工会 -最新"),  # excluded: kept
        ("最新", "最新"),  # alone: the word searched for
        ("工会", "工会"),
        ("工会，最新", "工会"),  # a list comma separates as a space does
    ],
)
def test_the_header_echoes_the_words_without_those_that_asked_for_newest_first(
    typed: str, echoed: str
) -> None:
    assert without_order(typed, parse_query(typed, PAPERS)) == echoed


def test_dates_and_papers_without_a_word_are_filters_only() -> None:
    assert parse_query("2024-07").filters_only
    assert parse_query("海南日报", PAPERS).filters_only
    assert not parse_query("工会 2024-07").filters_only
    assert not parse_query("%").filters_only  # nothing typed to find: just no match


def test_only_symbols_is_nothing_typed() -> None:
    assert parse_query('% _ "').nothing_typed
    assert not parse_query("-美国").nothing_typed
    assert not parse_query("2024-07").nothing_typed


def test_words_to_leave_out_alone_are_exclusions_only() -> None:
    assert parse_query("-美国 -日本").exclusions_only
    assert not parse_query("工会 -美国").exclusions_only
    assert parse_query("-美国 2024-07").exclusions_only  # a word to find is what is missing


def test_and_in_capitals_means_what_two_words_mean_anyway() -> None:
    query = parse_query("工会 AND 职工")
    assert (query.words, query.operators) == (("工会", "职工"), ())


@pytest.mark.parametrize("typed", ["工会 OR 职工", "工会 NOT 美国"])
def test_or_and_not_in_capitals_are_operators_this_search_does_not_have(typed: str) -> None:
    assert parse_query(typed).operators == (typed.split()[1],)


def test_or_in_small_letters_or_quoted_is_a_word() -> None:
    assert parse_query('or "OR"').operators == ()


def test_wildcards_quotes_and_html_are_just_text() -> None:
    assert _terms("50%") == [("50",)]
    assert _terms("%") == [] and parse_query('% _ "').empty
    assert _terms("<b>工会</b>") == [("b", "工会", "b")]


def test_a_quote_without_a_partner_takes_nothing_with_it() -> None:
    query = parse_query('工会 "劳模 -美国')
    assert [p.text for p in query.include] == ["工会", "劳模"]
    assert [p.text for p in query.exclude] == ["美国"]
    assert parse_query('"新质生产力 2024-07').since == dt.date(2024, 7, 1)


def test_a_single_han_character_is_a_prefix_phrase() -> None:
    [phrase] = parse_query("会").include
    assert phrase.prefix and phrase.terms == ("会",)
    assert not parse_query("a").include[0].prefix


@pytest.mark.parametrize("letter", ["я", "é", "α", "٣"])
def test_a_single_letter_of_another_script_is_a_word_not_a_prefix(letter: str) -> None:
    [phrase] = parse_query(letter).include
    assert not phrase.prefix and phrase.terms == (letter,)


def test_more_words_than_the_cap_is_too_many_and_none_is_quietly_dropped() -> None:
    assert not parse_query(" ".join(f"词{i}" for i in range(MAX_PHRASES))).too_many
    assert parse_query(" ".join(f"词{i}" for i in range(MAX_PHRASES)) + " -美国").too_many


def test_a_repeated_word_counts_once_against_the_cap() -> None:
    assert not parse_query(" ".join(["工会"] * 50)).too_many


def _letter_digit_or_han(char: str) -> bool:
    """A letter or digit; or a code point of the CJK ideograph planes that this Python's
    Unicode tables do not know yet (they are reserved for ideographs: U+2EBE1 is Unicode 15.1
    CJK Extension I, unassigned in the Unicode 14 of Python 3.11); or any code point of the
    kana blocks, which the index reads as Han whole (its few marks and gaps included, such as
    U+30FB ・ and the unassigned U+3040)."""
    if char.isalnum():
        return True
    if 0x3040 <= ord(char) <= 0x30FF:
        return is_han(char)
    return unicodedata.category(char) == "Cn" and is_han(char) and ord(char) >= 0x20000


def test_a_mark_of_the_kana_blocks_is_searched_as_han_like_the_kana_around_it() -> None:
    assert _terms("\u3040") == [("\u3040",)]
    assert _terms("トム・ハンクス") == [("トム", "ム・", "・ハ", "ハン", "ンク", "クス")]


def test_a_character_of_a_newer_cjk_extension_is_searched_as_han() -> None:
    assert _terms("\U0002ebe1") == [("\U0002ebe1",)]
    assert _terms("\U0002ebe1\U0002ebe2") == [("\U0002ebe1\U0002ebe2",)]


@given(st.text(max_size=300), st.lists(st.text(max_size=10), max_size=3))
def test_parsing_never_fails_and_only_yields_terms_of_letters_digits_and_han(
    text: str, papers: list[str]
) -> None:
    query = parse_query(text, papers)
    for phrase in query.include + query.exclude:
        assert phrase.terms
        for term in phrase.terms:
            assert term and all(_letter_digit_or_han(c) for c in term)
    assert set(query.papers) <= set(papers)
    if query.since is not None and query.until is not None:
        assert query.since <= query.until
