"""The ranker variants script: candidate features, variants that name them, held-out months."""

from __future__ import annotations

import numpy as np
import pytest

from bench.common import HeadlineRow
from bench.ranker_variants import TRIAL_FEATURES, VARIANTS, main, prepare
from summarizer.features import FEATURES
from summarizer.summary import Summarizer

TEXT = "\n\n".join(
    [
        "近日，海南开展提取住房公积金支付物业费业务。",
        "缴存人家庭每年可申请提取一次住房公积金支付物业费，额度不超过1万元。",
        "提取住房公积金支付物业费，缴存人家庭可线上申请。办理时间为工作日。",
        "政策明确，缴存人家庭在海南无未结清住房公积金贷款的，可申请提取住房公积金支付物业费。",
    ]
)


def test_every_trial_feature_gives_one_finite_value_per_candidate() -> None:
    [article] = prepare(
        [HeadlineRow("a", "海南可提取公积金付物业费", TEXT)], Summarizer(weights=None)
    )
    assert article is not None
    size = len(article.texts)
    for name in TRIAL_FEATURES:
        column = article.columns[name]
        assert column.shape == (size,), name
        assert np.isfinite(column).all(), name


def test_an_opening_time_phrase_is_marked() -> None:
    [article] = prepare([HeadlineRow("a", "标题", TEXT)], Summarizer(weights=None))
    assert article is not None
    assert article.columns["time_opening"].tolist()[:2] == [1.0, 0.0]


def test_every_variant_names_known_features_and_the_first_is_what_ships() -> None:
    known = set(FEATURES) | set(TRIAL_FEATURES)
    for variant in VARIANTS:
        assert set(variant.features) <= known and set(variant.zscored) <= known, variant.name
    assert VARIANTS[0].shipped and VARIANTS[0].features == FEATURES
    assert not any(variant.shipped for variant in VARIANTS[1:])


@pytest.mark.parametrize("month", ["/data/2019年10月", "/data/2020年1月"])
def test_the_held_out_months_are_refused_for_training(month: str) -> None:
    with pytest.raises(SystemExit):
        main([month])
