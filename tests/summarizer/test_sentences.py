"""Chinese sentence splitting: the rules a reader expects, and that nothing is ever lost."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.sentences import (
    MIN_SENTENCE_CHARS,
    content_length,
    has_content,
    sentence_spans,
    split_sentences,
)


def test_closing_quote_stays_with_its_sentence() -> None:
    paragraph = (
        "“我们将在《规范》的要求下，推动标准在全县落地开花。”"
        "安吉县总工会党组书记、副主席周春雨表示。"
    )
    assert split_sentences(paragraph) == [
        "“我们将在《规范》的要求下，推动标准在全县落地开花。”",
        "安吉县总工会党组书记、副主席周春雨表示。",
    ]


@pytest.mark.parametrize("closer", ["”", "’", "）", "」", "』", "》"])
def test_every_closer_after_a_terminator_is_kept(closer: str) -> None:
    paragraph = f"这是第一个完整的句子。{closer}这是第二个完整的句子。"
    assert split_sentences(paragraph)[0] == f"这是第一个完整的句子。{closer}"


def test_runs_of_terminators_stay_together() -> None:
    assert split_sentences("难道这不是真的吗？！当然是真的了。") == [
        "难道这不是真的吗？！",
        "当然是真的了。",
    ]


def test_decimal_numbers_are_never_split() -> None:
    paragraph = (
        "截至2023年底，中国共产党党员总数为9918.5万名，比上年净增114.4万名。党的基层组织517.6万个。"
    )
    assert split_sentences(paragraph) == [
        "截至2023年底，中国共产党党员总数为9918.5万名，比上年净增114.4万名。",
        "党的基层组织517.6万个。",
    ]


def test_book_titles_and_brackets_are_never_split() -> None:
    paragraph = "他们观看了《你好！中国》这部纪录片。会议通过了（经过热烈讨论！）这项决议。"
    assert split_sentences(paragraph) == [
        "他们观看了《你好！中国》这部纪录片。",
        "会议通过了（经过热烈讨论！）这项决议。",
    ]


def test_an_unmatched_bracket_protects_nothing() -> None:
    paragraph = "这里有一个《没有闭合的书名号。后面的句子照样要切开。"
    assert split_sentences(paragraph) == [
        "这里有一个《没有闭合的书名号。",
        "后面的句子照样要切开。",
    ]


def test_short_fragments_merge_into_the_previous_sentence() -> None:
    paragraph = "“这件事我们一定办好。”他说。随后大家开始讨论下一个议题。"
    assert split_sentences(paragraph) == [
        "“这件事我们一定办好。”他说。",
        "随后大家开始讨论下一个议题。",
    ]


def test_a_short_opening_fragment_merges_into_the_next() -> None:
    assert split_sentences("是的。我们已经完成了全部的工作。") == [
        "是的。我们已经完成了全部的工作。"
    ]


def test_semicolons_and_ellipses_do_not_end_sentences() -> None:
    paragraph = "加强红色基因传承；推进职工文化建设……努力打造工会品牌。"
    assert split_sentences(paragraph) == [paragraph]


def test_line_breaks_are_hard_boundaries_and_whitespace_is_dropped() -> None:
    assert split_sentences("  第一行没有句号的长句子\n 第二行也是很长的句子。  ") == [
        "第一行没有句号的长句子",
        "第二行也是很长的句子。",
    ]


def test_degenerate_paragraphs() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n ") == []
    assert split_sentences("好的。") == ["好的。"]


def test_spans_point_into_the_paragraph() -> None:
    paragraph = "第一句话说得很完整。 第二句话也说得很完整！"
    spans = sentence_spans(paragraph)
    assert [paragraph[s:e] for s, e in spans] == split_sentences(paragraph)


def test_content_counting() -> None:
    assert content_length("“好的，2024！”") == 6
    assert has_content("“好的，2024！”", 6)
    assert not has_content("“好的，2024！”", 7)


_ALPHABET = st.sampled_from(
    list("我们的工作会议电梯党员规范标准数据")
    + list("。！？!?；，、…”’）」》《（()“.\n ")
    + list("0123456789")
)
_PARAGRAPHS = st.text(alphabet=_ALPHABET, max_size=120) | st.text(max_size=60)


@given(_PARAGRAPHS)
@settings(max_examples=400, deadline=None)
def test_split_loses_only_whitespace_and_returns_substrings_in_order(paragraph: str) -> None:
    sentences = split_sentences(paragraph)
    assert re.sub(r"\s", "", "".join(sentences)) == re.sub(r"\s", "", paragraph)
    position = 0
    for sentence in sentences:
        found = paragraph.find(sentence, position)
        assert found >= 0
        assert sentence == sentence.strip() and sentence
        assert paragraph[position:found].strip() == ""
        position = found + len(sentence)
    assert paragraph[position:].strip() == ""


@given(_PARAGRAPHS)
@settings(max_examples=400, deadline=None)
def test_no_short_fragment_unless_the_whole_paragraph_is_short(paragraph: str) -> None:
    sentences = split_sentences(paragraph)
    if len(sentences) > 1:
        assert all(content_length(s) >= MIN_SENTENCE_CHARS for s in sentences)


def _naive_protected_split(paragraph: str) -> list[tuple[int, int]]:
    """The definition the one-pass bracket check must agree with (quadratic on purpose)."""
    from summarizer.sentences import _BOUNDARY, _HARD_BREAKS, _protected

    protected = _protected(paragraph)
    spans, start = [], 0
    for match in _BOUNDARY.finditer(paragraph):
        index = match.start()
        if paragraph[index] in _HARD_BREAKS:
            spans.append((start, index))
            start = match.end()
        elif not any(opened < index < closed for opened, closed in protected):
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(paragraph)))
    return spans


@given(st.text(alphabet=st.sampled_from(list("我们会议。！？《》（）()“”\n ")), max_size=80))
@settings(max_examples=400, deadline=None)
def test_bracket_protection_in_one_pass_matches_its_definition(paragraph: str) -> None:
    from summarizer.sentences import _raw_spans

    assert _raw_spans(paragraph) == _naive_protected_split(paragraph)


def test_nested_and_adjacent_brackets_protect_exactly_their_inside() -> None:
    paragraph = (
        "他们观看了《你好！（中国！）》纪录片。（注：好！）随后开会讨论。《第二部！》也播出了。"
    )
    assert split_sentences(paragraph) == [
        "他们观看了《你好！（中国！）》纪录片。",
        "（注：好！）随后开会讨论。",
        "《第二部！》也播出了。",
    ]


def test_many_bracketed_sentences_split_each() -> None:
    paragraph = "".join(f"他说（第{i}次）《报告{i}》提出了意见！" for i in range(5000))
    assert len(split_sentences(paragraph)) == 5000


@given(st.text(alphabet="公积金，。 _a1？”“\n\u0301", max_size=20), st.integers(-1, 8))
@settings(max_examples=300, deadline=None)
def test_has_content_counts_letters_and_digits(text: str, minimum: int) -> None:
    letters_and_digits = len(re.findall(r"[^\W_]", text))
    assert has_content(text, minimum) == (letters_and_digits >= minimum)
