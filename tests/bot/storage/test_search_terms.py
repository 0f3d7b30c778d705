"""Specification of the index terms (bot.storage.fulltext.terms): Han bigrams, words, tails."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.storage.fulltext.terms import (
    MAX_TERM_CHARS,
    SEPARATOR,
    VECTORISED_FROM,
    document_terms,
    document_text,
    normalize,
    word_terms,
)


def test_han_text_is_cut_into_overlapping_bigrams_with_the_run_tails_at_the_end() -> None:
    assert document_terms(["总工会，召开"]) == ["总工", "工会", "召开", "¶", "会", "¶", "开"]


def test_a_separator_stands_before_each_tail_and_at_each_line_break_or_text_boundary() -> None:
    assert document_terms(["会议中，完美"]) == ["会议", "议中", "完美", "¶", "中", "¶", "美"]
    assert document_terms(["说New", "York的\n事"]) == ["说", "new", "¶", "york", "的", "¶", "事"]


def test_a_single_han_character_between_symbols_is_a_term_of_its_own() -> None:
    assert document_terms(["《好》"]) == ["好"]


def test_latin_words_and_numbers_are_whole_lower_cased_terms() -> None:
    assert document_terms(["GDP增长５.２%"]) == ["gdp", "增长", "5", "2", "¶", "长"]


def test_symbols_and_nul_are_never_terms() -> None:
    assert document_terms(["%_\"'<b>&\x00"]) == ["b"]


def test_an_overlong_word_is_cut() -> None:
    assert document_terms(["x" * 500]) == ["x" * MAX_TERM_CHARS]


def test_a_query_word_has_no_tail_and_ignores_spaces_between_han_characters() -> None:
    assert word_terms("习近平 新时代") == ["习近", "近平", "平新", "新时", "时代"]
    assert word_terms("New York") == ["new", "york"]


@given(st.text(max_size=200))
def test_terms_are_never_empty_and_never_hold_a_space_or_quote(text: str) -> None:
    for term in document_terms([text]) + word_terms(text):
        assert term and not any(c.isspace() or c in "\"'\\\x00" for c in term)


@given(st.text(max_size=200))
def test_no_query_word_yields_the_separator(text: str) -> None:
    assert SEPARATOR not in word_terms(text)


@given(st.text(alphabet="工会组织全国总召开a1 ，。", max_size=40))
def test_every_query_phrase_is_a_run_of_the_document_terms_when_it_is_a_substring(
    text: str,
) -> None:
    """Substring semantics: a word that occurs in the text finds its terms there in order."""
    doc = document_terms([text])
    for start in range(len(text)):
        for end in range(start + 2, min(len(text), start + 6) + 1):
            word = text[start:end]
            if not all("\u4e00" <= c <= "\u9fff" for c in word):
                continue
            phrase = word_terms(word)
            assert any(doc[i : i + len(phrase)] == phrase for i in range(len(doc)))


@given(st.text())
def test_normalising_is_nfkc_then_case_folding_for_any_text(text: str) -> None:
    assert normalize(text) == unicodedata.normalize("NFKC", text).casefold()


@given(st.text(st.sampled_from("工会，：；（）！？％\u3000…ＡＢ１ａ\u0301ⅡⅢ①㎡ ")))
def test_normalising_common_chinese_punctuation_is_nfkc_then_case_folding(text: str) -> None:
    assert normalize(text) == unicodedata.normalize("NFKC", text).casefold()


def test_a_field_is_stored_as_its_terms_separated_by_spaces() -> None:
    paragraphs = ["全国总工会召开会议。" * 20, "GDP增长５.２%，《好》"]
    assert document_text(paragraphs) == " ".join(document_terms(paragraphs))


def test_a_long_field_with_an_overlong_word_keeps_the_word_cut() -> None:
    paragraphs = ["工会" * 150, "x" * 500]
    assert document_text(paragraphs).endswith("x" * MAX_TERM_CHARS + " ¶ 会")


def test_a_long_field_beyond_the_basic_plane_is_cut_as_document_terms_cuts_it() -> None:
    paragraphs = ["𠀀𠀁工会" * 60 + "😀abc"]
    assert document_text(paragraphs) == " ".join(document_terms(paragraphs))


# Han, kana, Latin, digits, compatibility forms, punctuation, whitespace, NUL; the "long"
# test keeps to the Basic Multilingual Plane, where the array path cuts it.
_BASIC = "工会组织全国总召开カナ・ー中a1Zéß ５Ⅱ①，。、“”《》%_'\\\x00\n\t"


@given(st.lists(st.text(st.sampled_from(_BASIC + "𠀀😀"), max_size=400), max_size=4))
def test_a_field_is_always_its_document_terms_joined_by_spaces(texts: list[str]) -> None:
    assert document_text(texts) == " ".join(document_terms(texts))


@given(st.lists(st.text(st.sampled_from(_BASIC), min_size=VECTORISED_FROM), min_size=1, max_size=3))
def test_a_long_field_is_cut_by_arrays_exactly_as_by_the_regex(texts: list[str]) -> None:
    assert document_text(texts) == " ".join(document_terms(texts))
