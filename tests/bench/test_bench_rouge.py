"""Character-level ROUGE, checked against values worked out by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.rouge import lcs_length, rouge_l, rouge_n, score, units


def test_units_are_letters_and_digits_only() -> None:
    assert units("海南，能用ＡＰＰ交物业费了！ 2024") == list("海南能用app交物业费了2024")


def test_identical_texts_score_one_and_disjoint_zero() -> None:
    assert score("第四届武术套路世界杯海口开幕。", "第四届武术套路世界杯海口开幕") == (
        score("第四届武术套路世界杯海口开幕", "第四届武术套路世界杯海口开幕")
    )
    perfect = score("武术世界杯", "武术世界杯")
    assert (perfect.rouge1, perfect.rouge2, perfect.rouge_l) == (1.0, 1.0, 1.0)
    assert score("天气晴朗", "武术比赛") == score("", "武术比赛")
    assert score("", "武术比赛").rouge1 == 0.0


def test_by_hand() -> None:
    candidate, reference = units("海南开展公积金业务"), units("海南能用公积金")
    # unigrams: overlap 海 南 公 积 金 = 5; P = 5/9, R = 5/7
    assert rouge_n(candidate, reference, 1) == pytest.approx(
        2 * (5 / 9) * (5 / 7) / (5 / 9 + 5 / 7)
    )
    # bigrams: 海南 公积 积金 = 3 of 8 and 6
    assert rouge_n(candidate, reference, 2) == pytest.approx(
        2 * (3 / 8) * (3 / 6) / (3 / 8 + 3 / 6)
    )
    # LCS 海南公积金 = 5
    assert lcs_length(candidate, reference) == 5
    assert rouge_l(candidate, reference) == pytest.approx(rouge_n(candidate, reference, 1))


def test_repeated_ngrams_are_clipped() -> None:
    assert rouge_n(list("啊啊啊啊"), list("啊"), 1) == pytest.approx(2 * 0.25 * 1 / 1.25)


@given(st.text(alphabet="甲乙丙丁戊", max_size=12), st.text(alphabet="甲乙丙丁戊", max_size=12))
def test_scores_are_symmetric_f1_in_the_unit_interval(first: str, second: str) -> None:
    a, b = score(first, second), score(second, first)
    assert a == b
    assert all(0.0 <= value <= 1.0 for value in (a.rouge1, a.rouge2, a.rouge_l))
    assert a.rouge_l <= a.rouge1 + 1e-12
