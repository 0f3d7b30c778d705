"""Sentence features for the learned ranker: one row per candidate, scale-free, finite."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from summarizer import features as features_module
from summarizer.features import FEATURES, sentence_features
from summarizer.summary import Summarizer, is_question

PARAGRAPHS = [
    "省委常委会召开会议，研究部署固体废物专项整治工作。",
    "会议指出，要坚决扛起固体废物问题整改的政治责任。",
    "会议强调，开展固体废物专项整治，依法严厉打击非法拆解行为。这项整治工作究竟由谁来负责？",
]
SUMMARIZER = Summarizer(weights=None)


def _features(paragraphs: list[str]) -> np.ndarray:
    graph = SUMMARIZER.sentence_graph(paragraphs)
    return sentence_features(graph, [is_question(text) for text in graph.texts])


def column(features: np.ndarray, name: str) -> np.ndarray:
    return features[:, FEATURES.index(name)]


def test_one_row_per_candidate_one_column_per_name() -> None:
    features = _features(PARAGRAPHS)
    assert features.shape == (4, len(FEATURES))
    assert column(features, "first").tolist() == [1, 0, 0, 0]
    assert column(features, "second").tolist() == [0, 1, 0, 0]
    assert column(features, "paragraph_first").tolist() == [1, 1, 1, 0]
    assert column(features, "question").tolist() == [0, 0, 0, 1]


def test_textrank_columns_are_pagerank_times_the_sentence_count() -> None:
    features = _features(PARAGRAPHS)
    assert column(features, "textrank_backward").sum() == pytest.approx(4.0)
    assert column(features, "textrank_undirected").sum() == pytest.approx(4.0)


def test_centroid_similarities_are_cosines() -> None:
    features = _features(PARAGRAPHS)
    for name in ("centroid", "bigram_centroid", "top_bigram_f1", "top_bigram_precision"):
        assert ((column(features, name) >= 0) & (column(features, name) <= 1 + 1e-12)).all()
    # The sentences about 固体废物 share more of the article's bigrams than the question.
    assert column(features, "bigram_centroid")[0] > column(features, "bigram_centroid")[3]


def test_the_same_article_twice_as_long_keeps_its_shape() -> None:
    # Scale-free: repeating the article keeps position-free shares comparable.
    once, twice = _features(PARAGRAPHS), _features(PARAGRAPHS * 2)
    assert column(twice, "bigram_centroid")[:4] == pytest.approx(column(once, "bigram_centroid"))


def test_no_candidates_no_rows() -> None:
    assert _features([]).shape == (0, len(FEATURES))


@given(
    st.lists(
        st.text(alphabet="公积金物业费海南。，？“”0123456789ab ", min_size=0, max_size=60),
        max_size=6,
    )
)
@settings(max_examples=100, deadline=None)
def test_features_are_always_finite(paragraphs: list[str]) -> None:
    assert np.isfinite(_features(paragraphs)).all()


@given(
    st.lists(
        st.text(alphabet="公积金物业费海南缴存。，？“”0123456789ab ", min_size=0, max_size=60),
        max_size=6,
    )
)
@settings(max_examples=100, deadline=None)
def test_dense_and_sparse_counting_give_the_same_features(paragraphs: list[str]) -> None:
    dense = _features(paragraphs)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(features_module, "DENSE_CELLS", 0)
        sparse = _features(paragraphs)
    np.testing.assert_allclose(dense, sparse, rtol=1e-12, atol=1e-12)


@given(
    st.lists(
        st.text(alphabet="公积金物业费海南缴存。，？“”0123456789ab#", min_size=0, max_size=60),
        max_size=6,
    )
)
@example(["公积金#物业费。海南缴存公积金。"])
@settings(max_examples=100, deadline=None)
def test_nul_inside_a_sentence_counts_like_any_other_symbol(paragraphs: list[str]) -> None:
    # NUL also joins the sentences for the code-point arrays; one inside a sentence must not
    # shift the next sentences' characters onto another row.
    with_nul = [p.replace("#", "\x00") for p in paragraphs]
    np.testing.assert_allclose(_features(with_nul), _features(paragraphs), rtol=1e-12)


def test_a_lone_surrogate_counts_like_any_other_symbol() -> None:
    with_surrogate = [p.replace("，", "\ud800", 1) for p in PARAGRAPHS]
    with_symbol = [p.replace("，", "#", 1) for p in PARAGRAPHS]
    np.testing.assert_allclose(_features(with_surrogate), _features(with_symbol), rtol=1e-12)
