"""The learned ranker: its weights file, its window, and the TextRank fallback without it."""

from __future__ import annotations

import numpy as np
import pytest

from summarizer import ranker as ranker_module
from summarizer.features import FEATURES
from summarizer.ranker import LinearRanker, RankerFormatError, packaged_ranker, parse_ranker
from summarizer.summary import Summarizer, SummarizerConfig

PARAGRAPHS = [
    "海南开展提取住房公积金支付物业费业务。",
    "缴存人家庭每年可申请提取一次住房公积金支付物业费，提取住房公积金额度不超过1万元。",
    "提取住房公积金支付物业费，缴存人家庭可线上申请提取住房公积金。",
    "政策明确，缴存人家庭在海南无未结清住房公积金贷款的，可申请提取住房公积金支付物业费。",
]


def test_weights_file_round_trips() -> None:
    ranker = LinearRanker((("first", 1.5), ("centroid", -0.25)), window=8)
    text = ranker.dumps(["fitted on nothing"])
    assert text.startswith("# fitted on nothing\n")
    assert parse_ranker(text) == ranker


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no weights"),
        ("first 1 2\n", "expected 'name weight'"),
        ("first one\n", "not a number"),
        ("nonsense 1.0\n", "unknown feature"),
        ("first 1.0\nfirst 2.0\n", "twice"),
        ("first nan\n", "finite"),
        ("window 0\nfirst 1.0\n", "window"),
    ],
)
def test_a_broken_weights_file_is_refused(text: str, message: str) -> None:
    with pytest.raises(RankerFormatError, match=message):
        parse_ranker(text)


def test_unnamed_features_weigh_nothing() -> None:
    ranker = LinearRanker((("second", 2.0),))
    features = np.eye(len(FEATURES))
    expected = np.zeros(len(FEATURES))
    expected[FEATURES.index("second")] = 2.0
    np.testing.assert_array_equal(ranker.score(features), expected)


def test_sentences_past_the_window_rank_below_it_in_fallback_order() -> None:
    ranker = LinearRanker((("first", 1.0),), window=2)
    features = np.zeros((5, len(FEATURES)))
    features[:, FEATURES.index("first")] = [0.0, -3.0, 9.0, 9.0, 9.0]
    scores = ranker.score(features, fallback=np.array([0.1, 0.1, 0.2, 0.5, 0.3]))
    assert scores[:2].min() > scores[2:].max()
    assert list(np.argsort(-scores)) == [0, 1, 3, 4, 2]


def test_the_packaged_weights_load() -> None:
    shipped = packaged_ranker()
    assert shipped is not None
    assert {name for name, _ in shipped.weights} <= set(FEATURES)


def test_without_the_weights_file_the_ranker_is_textrank(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ranker_module, "RANKER_FILE", "data/absent.txt")
    assert packaged_ranker.__wrapped__() is None
    assert "ranking by TextRank alone" in caplog.text
    fallback = Summarizer(weights=None)
    textrank = Summarizer(config=SummarizerConfig(ranker="textrank"))
    assert not fallback.learned
    assert fallback.analyze(PARAGRAPHS) == textrank.analyze(PARAGRAPHS)
    scores = [s.score for s in fallback.analyze(PARAGRAPHS).sentences]
    assert sum(scores) == pytest.approx(1.0)  # PageRank scores, not learned ones


def test_the_learned_ranker_orders_by_its_weights() -> None:
    # A ranker that only likes the last-but-one sentence's position picks it.
    only_third = Summarizer(weights=LinearRanker((("third", 1.0),)))
    assert only_third.learned
    assert only_third.summarize_text(PARAGRAPHS, k=1).sentences == (PARAGRAPHS[2],)
    only_first = Summarizer(weights=LinearRanker((("first", 1.0),)))
    assert only_first.summarize_text(PARAGRAPHS, k=1).sentences == (PARAGRAPHS[0],)


def test_keywords_do_not_depend_on_the_ranker() -> None:
    learned = Summarizer().summarize_text(PARAGRAPHS)
    textrank = Summarizer(config=SummarizerConfig(ranker="textrank")).summarize_text(PARAGRAPHS)
    assert learned.keywords == textrank.keywords
    with pytest.raises(ValueError, match="ranker"):
        SummarizerConfig(ranker="neural")  # type: ignore[arg-type]
