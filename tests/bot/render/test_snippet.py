"""Finding where a search hit's words are: folding, matching sentence, highlighting."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.render.snippet import _normalized, highlight, matching_sentence
from bot.render.text import utf16_len


def folded_char_by_char(text: str) -> tuple[str, list[int]]:
    """The definition: each character NFKC-casefolded, and where each folded one came from."""
    chars, origin = [], []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).casefold()
        chars.append(folded)
        origin.extend([index] * len(folded))
    return "".join(chars), origin


@given(st.text(max_size=200))
def test_folding_is_nfkc_casefold_per_character_with_offsets_into_the_text(text: str) -> None:
    folded, origin = _normalized(text)
    assert (folded, list(origin)) == folded_char_by_char(text)


def test_folding_keeps_offsets_when_a_character_widens() -> None:
    folded, origin = _normalized("ＡﬁＢ工会")
    assert folded == "afib工会"
    assert list(origin) == [0, 1, 1, 2, 3, 4]


def test_a_full_width_query_finds_and_bolds_half_width_text() -> None:
    sentence = matching_sentence(["开头。今年5G基站建成。结尾。"], ["５ｇ"])
    assert sentence == "今年5G基站建成。"
    assert highlight(sentence, ["５ｇ"], 140) == "今年<b>5G</b>基站建成。"


def test_a_latin_word_is_bolded_whole_never_inside_a_longer_word() -> None:
    shown = highlight("我吃了pineapple，Apple's新手机发布，APPLE2不算。", ["apple"], 200)
    assert shown == "我吃了pineapple，<b>Apple</b>'s新手机发布，APPLE2不算。"


def test_chinese_is_bolded_wherever_its_characters_stand() -> None:
    # As the index finds it (bigrams): 工会 inside 全国总工会 is a hit.
    assert highlight("全国总工会召开大会", ["工会"], 200) == "全国总<b>工会</b>召开大会"


def test_the_matching_sentence_has_the_latin_word_whole() -> None:
    paragraph = "我吃了pineapple。苹果公司叫Apple。"
    assert matching_sentence([paragraph], ["apple"]) == "苹果公司叫Apple。"


def test_the_sentence_with_most_words_wins_over_an_earlier_one_with_fewer() -> None:
    paragraphs = ["工会召开会议。", "无关的一段。", "工会干部学习新思想。"]
    assert matching_sentence(paragraphs, ["工会", "学习"]) == "工会干部学习新思想。"


def test_a_long_sentence_is_cut_around_its_first_match_within_the_units() -> None:
    text = "😀" * 100 + "工会" + "字" * 300
    shown = highlight(text, ["工会"], 60)
    visible = shown.replace("<b>", "").replace("</b>", "")
    assert "<b>工会</b>" in shown and visible.startswith("…") and visible.endswith("…")
    assert utf16_len(visible) <= 60


def test_a_match_at_the_end_of_a_long_sentence_is_shown_whole() -> None:
    for text in ("据" * 297 + "工会。", "据" * 298 + "工会", "😀" * 100 + "工会"):
        shown = highlight(text, ["工会"], 140)
        visible = shown.replace("<b>", "").replace("</b>", "")
        assert "<b>工会</b>" in shown and visible.startswith("…") and not visible.endswith("…")
        assert utf16_len(visible) <= 140


@given(
    st.text(st.sampled_from("据😀 ，。"), max_size=400),
    st.text(st.sampled_from("据😀 ，。"), max_size=400),
    st.integers(min_value=10, max_value=200),
)
def test_a_cut_snippet_fits_its_units_and_keeps_its_first_match_whole(
    before: str, after: str, units: int
) -> None:
    shown = highlight(before + "工会" + after, ["工会"], units)
    visible = shown.replace("<b>", "").replace("</b>", "")
    assert utf16_len(visible) <= units and "<b>工会</b>" in shown


@given(st.text(max_size=300))
def test_utf16_length_counts_characters_beyond_the_bmp_twice(text: str) -> None:
    assert utf16_len(text) == len(text) + sum(1 for char in text if ord(char) > 0xFFFF)
