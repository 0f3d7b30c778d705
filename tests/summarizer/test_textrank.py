"""PageRank, the sentence-similarity graph and keyword ranking, on graphs with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from summarizer import textrank
from summarizer.textrank import (
    orient,
    pagerank,
    pagerank_edges,
    pagerank_exact,
    pagerank_undirected,
    rank_keywords,
    rank_sentences,
    shared_word_counts,
    similarity_matrix,
)

WEIGHTS = hnp.arrays(
    np.float64,
    st.integers(1, 9).map(lambda n: (n, n)),
    elements=st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.5]),
)
"""Small weighted graphs with zero rows (dangling nodes) and repeated weights (ties)."""
DAMPINGS = st.sampled_from([0.5, 0.85, 0.95])


def closed_form(
    weights: np.ndarray, damping: float, teleport: np.ndarray | None = None
) -> np.ndarray:
    """PageRank by solving its linear system, independently of the power iteration."""
    size = len(weights)
    v = np.full(size, 1 / size) if teleport is None else teleport / teleport.sum()
    out = weights.sum(axis=1)
    rows = np.where(out[:, None] > 0, weights / np.where(out > 0, out, 1)[:, None], v[None, :])
    system = np.eye(size) - damping * rows.T
    return np.linalg.solve(system, (1 - damping) * v)


def test_two_linked_nodes_share_equally() -> None:
    assert pagerank(np.array([[0.0, 1.0], [1.0, 0.0]])) == pytest.approx([0.5, 0.5])


def test_star_graph_by_hand() -> None:
    # centre c, three leaves l: c = 0.15/4 + 0.85 * 3l ; l = 0.15/4 + 0.85 * c/3
    star = np.zeros((4, 4))
    star[0, 1:] = star[1:, 0] = 1.0
    centre = (0.0375 + 2.55 * 0.0375) / (1 - 2.55 * 0.85 / 3)
    leaf = (1 - centre) / 3
    assert pagerank(star) == pytest.approx([centre, leaf, leaf, leaf], abs=1e-9)
    assert centre == pytest.approx(0.479730, abs=1e-6)


def test_dangling_node_teleports_its_rank() -> None:
    chain = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])  # 0 -> 1 -> 2
    scores = pagerank(chain)
    assert scores == pytest.approx(closed_form(chain, 0.85), abs=1e-9)
    assert scores[0] < scores[1] < scores[2]


def test_empty_graph_and_isolated_nodes() -> None:
    assert pagerank(np.zeros((0, 0))).shape == (0,)
    assert pagerank(np.zeros((3, 3))) == pytest.approx([1 / 3] * 3)
    assert pagerank(np.zeros((1, 1))) == pytest.approx([1.0])


def test_personalization_is_the_teleport_vector() -> None:
    ring = np.roll(np.eye(4), 1, axis=1) + np.roll(np.eye(4), -1, axis=1)
    prior = np.array([4.0, 3.0, 2.0, 1.0])
    assert pagerank(ring, damping=0.0, personalization=prior) == pytest.approx(prior / prior.sum())
    scores = pagerank(ring, personalization=prior)
    assert scores == pytest.approx(closed_form(ring, 0.85, prior), abs=1e-9)
    assert np.argmax(scores) == 0


@given(WEIGHTS, DAMPINGS)
@settings(max_examples=200, deadline=None)
def test_power_iteration_matches_the_linear_system(weights: np.ndarray, damping: float) -> None:
    scores = pagerank(weights, damping=damping)
    assert scores.sum() == pytest.approx(1.0)
    assert scores == pytest.approx(closed_form(weights, damping), abs=1e-8)
    sources, targets = np.nonzero(weights)
    by_edges = pagerank_edges(
        len(weights), sources, targets, weights[sources, targets], damping=damping
    )
    assert by_edges == pytest.approx(scores, abs=1e-9)
    assert pagerank(weights * 7.0, damping=damping) == pytest.approx(scores, abs=1e-9)


UNDIRECTED = hnp.arrays(
    np.bool_, st.integers(1, 12).map(lambda n: (n, n)), elements=st.booleans()
).map(lambda links: np.triu(links, k=1) | np.triu(links, k=1).T)
"""Small undirected graphs, isolated vertices included."""


@given(UNDIRECTED, DAMPINGS)
@settings(max_examples=200, deadline=None)
def test_undirected_pagerank_by_conjugate_gradients_is_pagerank(
    links: np.ndarray, damping: float
) -> None:
    sources, targets = np.nonzero(links)
    expected = closed_form(links.astype(np.float64), damping)
    direct = pagerank_undirected(len(links), sources, targets, damping=damping)
    assert direct == pytest.approx(expected, abs=1e-9)  # small graphs: solved exactly
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textrank, "DIRECT_SOLVE_MAX", 0)  # conjugate gradients whatever the size
        scores = pagerank_undirected(len(links), sources, targets, damping=damping, tol=1e-12)
        # The tolerance bounds the L1 error (up to the final normalisation).
        loose = pagerank_undirected(len(links), sources, targets, damping=damping, tol=1e-3)
    assert scores.sum() == pytest.approx(1.0)
    assert scores == pytest.approx(expected, abs=1e-9)
    assert np.abs(loose - expected).sum() <= 2e-3


def test_agrees_with_networkx() -> None:
    nx = pytest.importorskip("networkx")
    from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

    rng = np.random.default_rng(7)
    weights = rng.random((12, 12)) * (rng.random((12, 12)) < 0.3)
    weights[3] = 0.0  # a dangling node
    graph = nx.from_numpy_array(weights, create_using=nx.DiGraph)
    expected = _pagerank_python(graph, alpha=0.85, tol=1e-12, max_iter=1000)
    assert pagerank(weights) == pytest.approx([expected[i] for i in range(12)], abs=1e-8)


@pytest.mark.parametrize(
    ("weights", "kwargs", "message"),
    [
        (np.zeros((2, 3)), {}, "square"),
        (np.array([[0.0, -1.0], [1.0, 0.0]]), {}, "non-negative"),
        (np.eye(2), {"damping": 1.0}, "damping"),
        (np.eye(2), {"personalization": [0.0, 0.0]}, "personalization"),
        (np.eye(2), {"personalization": [1.0]}, "personalization"),
    ],
)
def test_bad_input_is_refused(weights: np.ndarray, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pagerank(weights, **kwargs)


def test_similarity_is_textrank4zhs_formula_without_self_loops() -> None:
    sentences = [["工会", "职工", "工会"], ["职工", "服务"], ["电梯"], []]
    similarity = similarity_matrix(sentences)
    assert similarity[0, 1] == pytest.approx(1 / (math.log(3) + math.log(2)))
    assert similarity[1, 0] == similarity[0, 1]
    assert similarity[0, 2] == 0.0 and similarity[2, 3] == 0.0
    assert np.diag(similarity).tolist() == [0.0] * 4


def test_two_one_word_sentences_have_no_similarity() -> None:
    # log 1 + log 1 = 0: textrank4zh returns 0 rather than dividing by zero
    assert similarity_matrix([["电梯"], ["电梯"]])[0, 1] == 0.0


@given(st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=8), max_size=10))
@settings(max_examples=100, deadline=None)
def test_similarity_is_the_same_from_a_dense_incidence_matrix_and_from_postings(
    sentences: list[list[str]],
) -> None:
    dense = similarity_matrix(sentences)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textrank, "DENSE_INCIDENCE_CELLS", 0)
        from_postings = similarity_matrix(sentences)
    np.testing.assert_allclose(dense, from_postings, rtol=1e-12, atol=0)


@given(st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=8), max_size=10))
@settings(max_examples=200, deadline=None)
def test_shared_word_counts_by_brute_force(sentences: list[list[str]]) -> None:
    counts = shared_word_counts(sentences)
    for i, first in enumerate(sentences):
        for j, second in enumerate(sentences):
            if i != j:
                assert counts[i, j] == len(set(first) & set(second))


def test_orientation_keeps_the_right_triangle() -> None:
    weights = np.ones((3, 3)) - np.eye(3)
    assert orient(weights, "backward").tolist() == [[0, 0, 0], [1, 0, 0], [1, 1, 0]]
    assert orient(weights, "forward").tolist() == [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    assert orient(weights, "undirected") is weights
    with pytest.raises(ValueError):
        orient(weights, "sideways")  # type: ignore[arg-type]


def test_the_sentence_sharing_most_wins() -> None:
    sentences = [["工会", "职工", "服务"], ["工会", "职工"], ["职工", "服务"], ["天气", "晴朗"]]
    scores = rank_sentences(sentences)
    assert int(np.argmax(scores)) == 0
    assert scores[3] == min(scores)


def test_backward_graph_favours_what_later_sentences_echo() -> None:
    # Sentences 1 and 2 repeat sentence 0's words: on the backward graph they vote for it.
    sentences = [["工会", "职工"], ["工会", "职工", "服务"], ["职工", "服务", "工会"]]
    assert int(np.argmax(rank_sentences(sentences, direction="backward"))) == 0


def test_keywords_on_a_path_and_a_triangle() -> None:
    path = rank_keywords([["甲", "乙", "丙"]])
    assert path[0][0] == "乙"
    assert sum(score for _, score in path) == pytest.approx(1.0)
    triangle = rank_keywords([["甲", "乙", "丙"]], window=3)
    assert [word for word, _ in triangle] == ["甲", "乙", "丙"]  # a tie keeps document order


def test_non_candidates_take_up_window_positions() -> None:
    ranked = rank_keywords([["甲", "乙", "丙", "丙"]], is_candidate=lambda word: word != "乙")
    assert dict(ranked) == pytest.approx({"甲": 0.5, "丙": 0.5})  # no edge, no self-loop


def test_keywords_do_not_link_across_sentences() -> None:
    ranked = dict(rank_keywords([["甲", "乙"], ["丙", "丁", "戊"]], limit=None))
    assert ranked["丁"] > ranked["甲"] == pytest.approx(ranked["乙"])
    assert rank_keywords([]) == []
    assert len(rank_keywords([["甲", "乙"], ["丙", "丁", "戊"]], limit=2)) == 2


@given(st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=8), max_size=10))
@settings(max_examples=100, deadline=None)
def test_shared_word_counts_in_bounded_chunks_are_the_same(sentences: list[list[str]]) -> None:
    expected = shared_word_counts(sentences)
    np.testing.assert_array_equal(shared_word_counts(sentences, max_pairs=4), expected)
    np.testing.assert_array_equal(shared_word_counts(sentences, max_pairs=1), expected)


@given(WEIGHTS, DAMPINGS)
@settings(max_examples=200, deadline=None)
def test_exact_pagerank_is_the_power_iterations_fixed_point(
    weights: np.ndarray, damping: float
) -> None:
    expected = pagerank(weights, damping=damping, tol=1e-13)
    assert pagerank_exact(weights, damping=damping) == pytest.approx(expected, abs=1e-9)


def test_exact_pagerank_honours_the_teleport_vector() -> None:
    chain = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    prior = np.array([3.0, 2.0, 1.0])
    assert pagerank_exact(chain, personalization=prior) == pytest.approx(
        closed_form(chain, 0.85, prior), abs=1e-12
    )
    assert pagerank_exact(np.zeros((0, 0))).shape == (0,)
