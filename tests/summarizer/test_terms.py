"""SentenceTerms: sentences' terms as integer arrays, the same content as word lists."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.terms import SentenceTerms

WORD_LISTS = st.lists(st.lists(st.sampled_from(["工会", "职工", "电网", "固废", "a"]), max_size=6))


@given(WORD_LISTS)
def test_round_trip_through_lists(sentences: list[list[str]]) -> None:
    assert SentenceTerms.from_lists(sentences).lists() == sentences


@given(WORD_LISTS)
def test_vocabulary_is_numbered_by_first_occurrence(sentences: list[list[str]]) -> None:
    terms = SentenceTerms.from_lists(sentences)
    flat = [word for words in sentences for word in words]
    assert list(terms.vocabulary) == list(dict.fromkeys(flat))


@given(WORD_LISTS, st.integers(min_value=0, max_value=30))
@settings(max_examples=200)
def test_head_keeps_the_first_occurrences(sentences: list[list[str]], limit: int) -> None:
    head = SentenceTerms.from_lists(sentences).head(limit)
    flat = [word for words in sentences for word in words][:limit]
    assert [word for words in head.lists() for word in words] == flat
    assert list(head.vocabulary) == list(dict.fromkeys(flat))
    assert head.count == len(sentences)


def test_lengths_count_repeats() -> None:
    terms = SentenceTerms.from_lists([["工会", "工会"], [], ["职工"]])
    assert terms.lengths().tolist() == [2, 0, 1]
