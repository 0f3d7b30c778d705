"""Specification of the SQLite ranking (bot.storage.fulltext.rank): bm25 over the pool, its
term frequencies counted in the stored text where the index matches."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.storage.fulltext.query import Phrase
from bot.storage.fulltext.rank import PLAIN, PoolArticle, bm25, idf, phrase_pattern
from bot.storage.fulltext.terms import is_han, normalize, split_terms, word_terms


def phrase(text: str) -> Phrase:
    return Phrase(text, tuple(word_terms(text)))


def count(word: str, text: str) -> int:
    return len(phrase_pattern(phrase(word)).findall(normalize(text)))


def scores(*articles: tuple[str, str], words: tuple[str, ...] = ("工会",)) -> list[float]:
    pool = [PoolArticle(key, title, [body]) for key, (title, body) in enumerate(articles)]
    return [s for _, s in bm25(pool, [phrase(w) for w in words], [1.0] * len(words))]


def test_a_chinese_word_is_counted_inside_longer_words() -> None:
    assert count("工会", "全国总工会和省工会，工会。") == 3


def test_a_latin_word_is_counted_whole_and_in_any_case() -> None:
    assert count("AI", "ai 与 AI芯片，said 和 aide 不算") == 2


def test_words_typed_with_a_symbol_between_are_counted_across_symbols_not_line_breaks() -> None:
    # the index holds a separator at a line break (a paragraph's end): no phrase spans it
    assert count("科技，创新", "科技，创新；科技创新；科技\n创新；创新科技") == 1


def test_a_quoted_phrase_of_chinese_words_is_counted_as_written_together() -> None:
    assert count('"科技 创新"', "科技，创新；科技创新；创新科技") == 1


def test_a_single_character_is_counted_anywhere() -> None:
    assert count("会", "工会开会。会") == 3


def test_more_occurrences_score_higher() -> None:
    once, twice = scores(("甲", "工会一次。其他。"), ("乙", "工会两次工会。"))
    assert twice > once


def test_a_word_in_the_title_outweighs_one_in_the_text() -> None:
    in_title, in_text = scores(("工会", "正文内容。"), ("标题", "工会内容。"))
    assert in_title > in_text


def test_a_longer_article_with_as_many_occurrences_scores_lower() -> None:
    short, long = scores(("甲", "工会。"), ("乙", "工会。" + "其他内容。" * 40))
    assert short > long


def test_an_article_without_the_word_scores_zero() -> None:
    assert scores(("甲", "没有。"), ("乙", "工会。"))[0] == 0.0


def test_a_rarer_word_weighs_more() -> None:
    assert idf(5, 1000) > idf(500, 1000) > 0.0


def test_idf_is_never_negative_even_for_a_word_in_every_article() -> None:
    assert idf(1000, 1000) > 0.0
    assert idf(1200, 1000) > 0.0  # counts from a sample may exceed it


_TEXT = st.text(st.sampled_from(list("工会全国总科技创新会 ，。\n-aAiI1")), max_size=40)
_WORD = st.text(st.sampled_from(list("工会全国总科技创新aAi1 ，")), min_size=1, max_size=5).filter(
    lambda w: bool(word_terms(w))
)


def _has_run(terms: list[str], run: list[str]) -> bool:
    return any(terms[i : i + len(run)] == run for i in range(len(terms) - len(run) + 1))


@given(_TEXT, _WORD)
def test_a_word_is_counted_in_a_text_exactly_when_the_index_matches_it(
    text: str, word: str
) -> None:
    query = phrase(word)
    if query.prefix:  # one Han character: every term it starts, and the run tails
        indexed = any(t.startswith(query.terms[0]) for ts in split_terms(text) for t in ts)
    else:
        indexed = _has_run(split_terms(text)[0], list(query.terms))
    assert (count(word, text) > 0) == indexed


def _separates(char: str) -> bool:
    return re.fullmatch(r"[\W_]", char) is not None


def test_plain_characters_read_the_same_to_han_words_before_and_after_normalising() -> None:
    for code in range(0x110000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF or not PLAIN.fullmatch(char):
            continue
        folded = normalize(char)
        assert unicodedata.combining(char) == 0, hex(code)
        for before in "a工か":  # nothing composes with what precedes it
            assert normalize(before + char) == before + folded, hex(code)
        if folded != char:
            assert not is_han(char) and not any(is_han(c) for c in folded), hex(code)
            assert _separates(char) == all(_separates(c) for c in folded), hex(code)


_MIXED = st.text(
    st.sampled_from(list("工会科技创新⼯，。（）ＡＢａ％…Ⅱ〸ｶﾞ㍿①\u3000 \n")), max_size=60
)


@given(st.lists(_MIXED, min_size=1, max_size=3), _WORD.filter(lambda w: all(map(is_han, w))))
def test_han_words_score_the_same_on_text_as_stored_and_normalised(
    paragraphs: list[str], word: str
) -> None:
    stored = [PoolArticle(1, "标题", paragraphs), PoolArticle(2, "工会", ["工会。"])]
    normalised = [
        PoolArticle(a.key, normalize(a.title), [normalize(p) for p in a.paragraphs]) for a in stored
    ]
    scored = bm25(stored, [phrase(word)], [1.0])
    assert [k for k, _ in scored] == [1, 2]
    assert [s > 0 for _, s in scored] == [s > 0 for _, s in bm25(normalised, [phrase(word)], [1.0])]
