"""The ranker's training: a listwise fit that recovers what decides the best sentence."""

from __future__ import annotations

import numpy as np
import pytest

from bench.train_ranker import (
    ABLATIONS,
    OBJECTIVES,
    Sample,
    cross_validate,
    fit,
    fit_weights,
    main,
    top1_gains,
)
from summarizer.features import FEATURES


def _samples(count: int, seed: int = 0) -> list[Sample]:
    """Articles whose best sentence is the one with the highest 'centroid' (plus noise
    columns): a ranker that learns anything must weigh 'centroid' up."""
    generator = np.random.default_rng(seed)
    samples = []
    for _ in range(count):
        size = int(generator.integers(3, 9))
        features = generator.normal(size=(size, len(FEATURES)))
        gains = np.zeros(size)
        gains[int(np.argmax(features[:, FEATURES.index("centroid")]))] = 0.5
        samples.append(Sample(features, gains, np.zeros(size, dtype=bool)))
    return samples


def test_fit_learns_the_deciding_feature() -> None:
    ranker = fit(_samples(300), l2=1.0)
    weights = dict(ranker.weights)
    assert weights["centroid"] == max(weights.values())
    held_out = _samples(100, seed=1)
    assert np.mean(top1_gains(held_out, ranker)) > np.mean(top1_gains(held_out, None))


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_every_objective_learns_the_deciding_feature(objective: str) -> None:
    ranker = fit(_samples(300), l2=1.0, objective=objective)
    weights = dict(ranker.weights)
    assert weights["centroid"] == max(weights.values())
    held_out = _samples(100, seed=1)
    assert np.mean(top1_gains(held_out, ranker)) > np.mean(top1_gains(held_out, None))


def test_an_unknown_objective_is_refused() -> None:
    with pytest.raises(ValueError, match="objective"):
        fit_weights(_samples(20), objective="pointwise")


def test_fit_on_a_window_only_reads_the_first_sentences() -> None:
    ranker = fit(_samples(200), window=2)
    assert ranker.window == 2


def test_training_refuses_the_held_out_month() -> None:
    with pytest.raises(SystemExit):
        main(["/data/2019年10月"])


def test_cross_validation_without_the_deciding_feature_loses_its_gain() -> None:
    months = {"a": _samples(150, seed=2), "b": _samples(150, seed=3)}
    everything = cross_validate(months, 1.0, 0.0, None)
    kept = [name for name in FEATURES if name != "centroid"]
    without = cross_validate(months, 1.0, 0.0, None, kept)
    assert min(everything.values()) > max(without.values())
    assert "all features" in ABLATIONS and all(
        set(group) <= set(FEATURES) for group in ABLATIONS.values()
    )
