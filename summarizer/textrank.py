"""TextRank (Mihalcea & Tarau, 2004) as textrank4zh implements it, on numpy.

Two graphs, one ranking:

* sentences: weighted edges ``|common words| / (log|s1| + log|s2|)`` (textrank4zh's
  ``get_similarity``: common words are counted once, lengths count repeats);
* keywords: an edge between candidate words that stand within ``window`` terms of each other
  in a sentence (textrank4zh's ``sort_words``, unweighted); its PageRank is solved by
  conjugate gradients (:func:`pagerank_undirected`), the same fixed point in fewer steps;
* ranking: PageRank with damping 0.85 by power iteration, on the undirected graph or on
  one oriented in document order (the paper's directed forward/backward graphs), optionally
  personalised (a non-uniform teleport vector: Haveliwala 2002; PositionRank, Florescu &
  Caragea 2017). Either is how a position prior enters without leaving the algorithm.

Differences from textrank4zh, on purpose: no self-loops (a sentence's similarity with itself
is not a vote; textrank4zh's diagonal inflates long sentences), and no networkx/scipy: a
50-sentence graph is a 50x50 matrix and numpy iterates it in microseconds; keyword graphs
(hundreds of words, few edges each) are iterated as edge lists. The sentence graph's PageRank
is one small LAPACK solve (:func:`pagerank_exact`); shared-word counts avoid BLAS matrix
products, whose thread pool makes small products slow on a busy machine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import cache
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import NDArray

from summarizer.terms import SentenceTerms

Vector = NDArray[np.float64]
Matrix = NDArray[np.float64]

Direction = Literal["undirected", "backward", "forward"]

DAMPING = 0.85
KEYWORD_TOLERANCE = 5e-5
"""L1 error within which the keyword PageRank is solved (:func:`pagerank_undirected`): the top
words are then those of the fully converged ranking on the seed edition and all 71 benchmark
articles."""
ONE_THREAD_FROM = 48
"""Solves of this many nodes or more run on one BLAS thread (smaller ones do anyway: OpenBLAS
keeps small problems on the calling thread, and switching costs more than it saves)."""
DENSE_INCIDENCE_CELLS = 1 << 16
"""Sentences x words up to which :func:`similarity_matrix` multiplies a dense incidence matrix
(512 KiB at most); larger articles count shared words from postings."""
ONE_THREAD_PRODUCT = 1 << 18
"""Matrix products of more multiply-adds than this run on one BLAS thread (OpenBLAS keeps
smaller ones on the calling thread anyway)."""
DIRECT_SOLVE_MAX = 128
"""Keyword graphs up to this many vertices are solved directly (:func:`_solve_undirected`;
measured crossover with conjugate gradients on the seed edition and the headline set: about
140 vertices, one BLAS thread)."""
MAX_PAIRS_AT_ONCE = 1 << 20
"""Sentence pairs :func:`shared_word_counts` materialises at once (a few arrays of this many)."""


def pagerank(
    weights: Matrix,
    *,
    damping: float = DAMPING,
    personalization: Vector | Sequence[float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> Vector:
    """Stationary PageRank of the graph with edge weights ``weights[i, j]`` (from i to j).

    Each node spreads ``damping`` of its rank over its out-edges in proportion to their
    weights; the rest, and all rank of nodes without out-edges, teleports according to
    ``personalization`` (uniform when ``None``), exactly as networkx's ``pagerank`` does.
    Returns scores summing to 1. Stops when the L1 change is below ``tol``.
    """
    matrix = _square_weights(weights)
    out_weight = matrix.sum(axis=1)
    transition = np.divide(
        matrix, out_weight[:, None], out=np.zeros_like(matrix), where=out_weight[:, None] > 0
    )
    transition *= damping
    return _power_iteration(
        lambda rank: rank @ transition,
        out_weight,
        damping=damping,
        personalization=personalization,
        tol=tol,
        max_iter=max_iter,
    )


def pagerank_exact(
    weights: Matrix,
    *,
    damping: float = DAMPING,
    personalization: Vector | Sequence[float] | None = None,
) -> Vector:
    """:func:`pagerank`'s fixed point solved for directly rather than iterated towards.

    ``r = (1 - d) v + d r M``, where ``M`` is the transition matrix with dangling rows
    replaced by the teleport vector ``v``, is the linear system ``(I - d M^T) r = (1 - d) v``.
    For a sentence graph (tens of nodes) one LAPACK solve costs what two or three power
    iterations do, and the backward graph needs twenty or more; the answer is the same to
    rounding (within :func:`pagerank`'s tolerance of it).

    ``weights`` may also be a stack of graphs of one size (``k x n x n``): their ``k x n``
    ranks come from one batched solve, for a fraction of ``k`` calls' overhead.
    """
    matrix = np.asarray(weights, dtype=np.float64)
    if matrix.ndim not in (2, 3) or matrix.shape[-1] != matrix.shape[-2]:
        raise ValueError(f"weights must be a square matrix or a stack of them, got {matrix.shape}")
    if (matrix < 0).any():
        raise ValueError("weights must be non-negative")
    _check_damping(damping)
    size = matrix.shape[-1]
    if size == 0:
        return np.zeros(matrix.shape[:-1])
    teleport = _teleport_vector(size, personalization)
    out_weight = matrix.sum(axis=-1, keepdims=True)
    dangling = out_weight <= 0
    transition = np.divide(matrix, out_weight, out=np.zeros_like(matrix), where=~dangling)
    transition[dangling[..., 0]] = teleport
    system = np.eye(size) - damping * np.swapaxes(transition, -1, -2)
    right_side = np.empty((*matrix.shape[:-1], 1))
    right_side[..., 0] = (1.0 - damping) * teleport
    with one_blas_thread() if size >= ONE_THREAD_FROM else nullcontext():
        rank = np.linalg.solve(system, right_side)[..., 0]
    return rank / rank.sum(axis=-1, keepdims=True)


@cache
def _blas_controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # an optimisation only: without it BLAS keeps its own threads
        return None
    return ThreadpoolController()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with BLAS/LAPACK on one thread, as far as this process's BLAS allows.

    Why: OpenBLAS splits even a 100 x 100 solve over its threads, and on a busy 2-core machine
    waiting for them costs milliseconds where one thread takes tens of microseconds
    (``bench/speed.py``). Nested use is cheap; concurrent threads may leave BLAS on one thread
    after both have left, which is the setting this module wants anyway.
    """
    controller = _blas_controller()
    if controller is None or _blas_depth.value:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        _blas_depth.value = True
        try:
            yield
        finally:
            _blas_depth.value = False


class _Depth(threading.local):
    value = False


_blas_depth = _Depth()


def pagerank_edges(
    size: int,
    sources: NDArray[np.intp] | Sequence[int],
    targets: NDArray[np.intp] | Sequence[int],
    weights: Vector | Sequence[float] | None = None,
    *,
    damping: float = DAMPING,
    personalization: Vector | Sequence[float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> Vector:
    """:func:`pagerank` for a graph given as edges ``sources[e] -> targets[e]`` (weight 1 each
    unless ``weights``); repeated edges add up. Costs O(edges) per iteration, which is what
    keeps keyword graphs (hundreds to thousands of words, a few edges each) cheap.
    """
    src = np.asarray(sources, dtype=np.intp)
    dst = np.asarray(targets, dtype=np.intp)
    edge_weights = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=np.float64)
    if not src.shape == dst.shape == edge_weights.shape or src.ndim != 1:
        raise ValueError("sources, targets and weights must be 1-D and of equal length")
    if len(src) and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= size):
        raise ValueError(f"edge endpoints must be in [0, {size})")
    if (edge_weights < 0).any():
        raise ValueError("weights must be non-negative")
    out_weight: Vector = np.bincount(src, weights=edge_weights, minlength=size).astype(np.float64)
    out_of_source = out_weight[src]
    share = np.divide(
        edge_weights, out_of_source, out=np.zeros_like(edge_weights), where=out_of_source > 0
    )
    share *= damping

    def spread(rank: Vector) -> Vector:
        return np.bincount(dst, weights=rank[src] * share, minlength=size).astype(
            np.float64, copy=False
        )

    # Start near the answer: the teleport share plus the in-weight share (PageRank's limit as
    # damping -> 1 on an undirected graph), which saves about a fifth of the iterations.
    in_weight = np.bincount(dst, weights=edge_weights, minlength=size)
    start = None
    if size and in_weight.sum() > 0:
        start = (1.0 - damping) / size + damping * in_weight / in_weight.sum()
    return _power_iteration(
        spread,
        out_weight,
        damping=damping,
        personalization=personalization,
        tol=tol,
        max_iter=max_iter,
        start=start,
    )


def _power_iteration(
    spread: Callable[[Vector], Vector],
    out_weight: Vector,
    *,
    damping: float,
    personalization: Vector | Sequence[float] | None,
    tol: float,
    max_iter: int,
    start: Vector | None = None,
) -> Vector:
    """Iterate ``r <- spread(r) + (d * dangling mass + 1 - d) v`` until it settles.

    ``spread(r)[j]`` is the rank flowing into ``j`` along edges, damping applied; nodes with
    no out-weight (dangling) send theirs through the teleport vector ``v``, as networkx does.
    ``start`` (uniform when ``None``) only changes how many steps it takes.
    """
    _check_damping(damping)
    size = len(out_weight)
    if size == 0:
        return np.zeros(0)
    teleport = _teleport_vector(size, personalization)
    dangling = np.flatnonzero(out_weight <= 0.0)
    has_dangling = len(dangling) > 0
    rank = np.full(size, 1.0 / size) if start is None else start / start.sum()
    for _ in range(max_iter):
        previous = rank
        lost = previous[dangling].sum() if has_dangling else 0.0
        rank = spread(previous) + (1.0 - damping + damping * lost) * teleport
        if np.abs(rank - previous).sum() < tol:
            break
    return rank / rank.sum()


def _square_weights(weights: Matrix) -> Matrix:
    matrix = np.asarray(weights, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"weights must be a square matrix, got shape {matrix.shape}")
    if (matrix < 0).any():
        raise ValueError("weights must be non-negative")
    return matrix


def _check_damping(damping: float) -> None:
    if not 0.0 <= damping < 1.0:
        raise ValueError(f"damping must be in [0, 1), got {damping}")


def _teleport_vector(size: int, personalization: Vector | Sequence[float] | None) -> Vector:
    if personalization is None:
        return np.full(size, 1.0 / size)
    vector = np.asarray(personalization, dtype=np.float64)
    if vector.shape != (size,):
        raise ValueError(f"personalization must have {size} entries, got shape {vector.shape}")
    if (vector < 0).any() or vector.sum() <= 0:
        raise ValueError("personalization must be non-negative and not all zero")
    return vector / vector.sum()


def similarity_matrix(sentences: Sequence[Sequence[str]] | SentenceTerms) -> Matrix:
    """textrank4zh's sentence similarity for every pair, with a zero diagonal.

    ``sim(a, b) = |set(a) & set(b)| / (log len(a) + log len(b))``, 0 when nothing is shared or
    the denominator vanishes (two one-word sentences).
    """
    terms = _as_terms(sentences)
    similarity = _shared_dense(terms)
    if similarity is None:
        similarity = shared_word_counts(terms).astype(np.float64)
    logs = np.log(np.maximum(terms.lengths(), 1).astype(np.float64))
    denominator = np.add.outer(logs, logs)
    vanishing = denominator <= 1e-12
    denominator[vanishing] = 1.0
    similarity /= denominator  # in place: one n x n float array besides the counts
    similarity[vanishing] = 0.0
    np.fill_diagonal(similarity, 0.0)
    return similarity


def _shared_dense(terms: SentenceTerms) -> Matrix | None:
    """Shared distinct words of every pair as one product of the sentence-word incidence
    matrix with itself, when that matrix is small (the diagonal then counts every distinct
    word); ``None`` past :data:`DENSE_INCIDENCE_CELLS`.

    For a typical article (20 sentences, 300 words) one small BLAS product costs a fraction
    of the dozen array operations of :func:`shared_word_counts`.
    """
    size, words = terms.count, len(terms.vocabulary)
    if size * words > DENSE_INCIDENCE_CELLS:
        return None
    flat = np.zeros(size * words)
    flat[terms.sentence * words + terms.ids] = 1.0
    incidence = flat.reshape(size, words)
    with one_blas_thread() if size * size * words > ONE_THREAD_PRODUCT else nullcontext():
        return incidence @ incidence.T


def shared_word_counts(
    sentences: Sequence[Sequence[str]] | SentenceTerms, *, max_pairs: int = MAX_PAIRS_AT_ONCE
) -> NDArray[np.int64]:
    """``counts[i, j]``: how many distinct words sentences ``i`` and ``j`` have in common.

    Built from postings (word -> sentences holding it) rather than as a product of incidence
    matrices: only words in two or more sentences cost anything, and no BLAS call is made,
    which matters because OpenBLAS threads make a small matrix product 10x slower on a busy
    machine. The diagonal counts only words shared with some other sentence.

    A word in ``g`` sentences makes ``g**2`` pairs; words are taken in chunks of about
    ``max_pairs`` pairs (a single word may exceed it), so memory stays bounded however many
    sentences share however many words.
    """
    terms = _as_terms(sentences)
    size, words = terms.count, len(terms.vocabulary)
    counts = np.zeros(size * size, dtype=np.int64)
    if words == 0:
        return counts.reshape(size, size)
    # Distinct (word, sentence) pairs, ordered by word then sentence: the postings, flattened.
    pairs = np.unique(terms.ids * size + terms.sentence)
    word, rows = np.divmod(pairs, size)
    group_size = np.bincount(word, minlength=words)
    shared = group_size >= 2
    rows = rows[np.repeat(shared, group_size)]
    sizes = group_size[shared]
    if len(sizes) == 0:
        return counts.reshape(size, size)
    ends = np.cumsum(sizes)
    cost = np.cumsum(sizes * sizes)
    first = 0
    while first < len(sizes):  # chunks of about max_pairs pairs, at least one word each
        taken = cost[first - 1] if first else 0
        last = max(int(np.searchsorted(cost, taken + max_pairs, side="right")), first + 1)
        begin = ends[first - 1] if first else 0
        counts += _pair_counts(rows[begin : ends[last - 1]], sizes[first:last], size)
        first = last
    return counts.reshape(size, size)


def _pair_counts(
    rows: NDArray[np.intp], group_size: NDArray[np.intp], size: int
) -> NDArray[np.int64]:
    """Flattened ``size x size`` counts of the pairs (both orders, self included) per group of
    consecutive ``rows`` (groups of ``group_size``)."""
    # Pair every entry of a group with every entry of the same group (itself included).
    repeats = np.repeat(group_size, group_size)
    first_of_group = np.repeat(np.cumsum(group_size) - group_size, group_size)
    left = np.repeat(rows, repeats)
    within = np.arange(len(left)) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    right = rows[np.repeat(first_of_group, repeats) + within]
    return np.bincount(left * size + right, minlength=size * size).astype(np.int64)


def _as_terms(sentences: Sequence[Sequence[str]] | SentenceTerms) -> SentenceTerms:
    if isinstance(sentences, SentenceTerms):
        return sentences
    return SentenceTerms.from_lists(sentences)


def orient(weights: Matrix, direction: Direction) -> Matrix:
    """Keep the edges of a symmetric matrix that point the given way in document order.

    ``"backward"``: each sentence votes only for sentences before it (``weights[i, j]`` with
    ``j < i``); ``"forward"``: only for those after it; ``"undirected"``: both.
    """
    if direction == "undirected":
        return weights
    if direction == "backward":
        return np.tril(weights, k=-1)
    if direction == "forward":
        return np.triu(weights, k=1)
    raise ValueError(f"unknown direction {direction!r}")


def rank_sentences(
    sentences: Sequence[Sequence[str]] | SentenceTerms,
    *,
    direction: Direction = "undirected",
    damping: float = DAMPING,
    personalization: Vector | Sequence[float] | None = None,
) -> Vector:
    """PageRank scores of sentences (given as term lists, in document order).

    ``direction="undirected"`` is textrank4zh's graph (less its self-loops); ``"backward"``
    is the directed variant of Mihalcea & Tarau (2004, sec. 4.1) in which later sentences
    vote for earlier ones.
    """
    graph = orient(similarity_matrix(sentences), direction)
    return pagerank_exact(graph, damping=damping, personalization=personalization)


def rank_keywords(
    sentences: Sequence[Sequence[str]] | SentenceTerms,
    *,
    is_candidate: Callable[[str], bool] = lambda word: True,
    window: int = 2,
    damping: float = DAMPING,
    limit: int | None = None,
    tol: float = KEYWORD_TOLERANCE,
) -> list[tuple[str, float]]:
    """Words ranked by PageRank over their co-occurrence graph, best first (``limit`` of them).

    Vertices are the words for which ``is_candidate`` holds; two of them are linked when they
    stand fewer than ``window`` positions apart in one sentence's term list (non-candidate
    terms still take up positions, as in textrank4zh). Ties keep first-occurrence order. The
    default tolerance (:data:`KEYWORD_TOLERANCE`) is looser than for sentences (networkx's own
    default is ``nodes * 1e-6``, about as loose for a few hundred words): a keyword graph has
    hundreds of nodes, so each step saved counts, and the top words stay those of the
    converged ranking (``tests/summarizer/test_keywords.py``).
    """
    terms = _as_terms(sentences)
    candidate = np.fromiter(
        map(is_candidate, terms.vocabulary), dtype=bool, count=len(terms.vocabulary)
    )
    scores = keyword_scores(terms, candidate, window=window, damping=damping, tol=tol)
    vertices = np.flatnonzero(candidate)
    order = vertices[np.argsort(-scores[vertices], kind="stable")[:limit]]
    return [(terms.vocabulary[word], float(scores[word])) for word in order.tolist()]


def keyword_scores(
    terms: SentenceTerms,
    candidate: NDArray[np.bool_],
    *,
    window: int = 2,
    damping: float = DAMPING,
    tol: float = KEYWORD_TOLERANCE,
) -> Vector:
    """:func:`rank_keywords`'s PageRank score of every word of ``terms.vocabulary`` (0 where
    ``candidate`` is false), for callers that need more than the top words."""
    window = max(window, 2)
    scores = np.zeros(len(terms.vocabulary))
    size = int(candidate.sum())
    if size == 0:
        return scores
    # Vocabulary is numbered by first occurrence, so vertices (candidates) are too.
    vertex = np.where(candidate, np.cumsum(candidate) - 1, -1)
    # One flat sequence with window - 1 empty slots after each sentence: no edge across.
    ids = np.full(len(terms.ids) + (window - 1) * terms.count, -1, dtype=np.int64)
    ids[np.arange(len(terms.ids)) + (window - 1) * terms.sentence] = vertex[terms.ids]
    codes = []
    for distance in range(1, window):
        left, right = ids[:-distance], ids[distance:]
        keep = (left >= 0) & (right >= 0) & (left != right)
        left, right = left[keep], right[keep]
        codes.append(left * size + right)
        codes.append(right * size + left)
    edges = np.unique(np.concatenate(codes))
    sources, targets = np.divmod(edges, size)
    scores[candidate] = pagerank_undirected(size, sources, targets, damping=damping, tol=tol)
    return scores


def pagerank_undirected(
    size: int,
    sources: NDArray[np.intp],
    targets: NDArray[np.intp],
    *,
    damping: float = DAMPING,
    tol: float = KEYWORD_TOLERANCE,
) -> Vector:
    """:func:`pagerank_edges` of an undirected graph: every edge listed once each way (no
    repeats, no self-loops), weight 1, uniform teleport; within ``tol`` (L1) of the answer.

    Solved by conjugate gradients rather than power iteration. In an undirected graph the only
    dangling vertices are isolated ones; each of the ``m`` of them holds
    ``c = (1 - d) / (n - d m)``, which is also what teleport and their rank give every vertex,
    so for the others, with ``y = D^-1 r`` (``D``: degrees), PageRank is ``(D - d A) y = c``:
    a symmetric positive definite system. Preconditioned by ``D`` its condition number is at
    most ``(1 + d) / (1 - d)``, so each step gains a factor of at most 0.56 where a power
    iteration gains ``d = 0.85``: a keyword graph takes about 15 steps instead of 35, for a
    tenth of the error. The system's residual is the PageRank equation's own, and
    ``(I - d A D^-1)^-1`` has L1 norm at most ``1 / (1 - d)``, so stopping once the residual's
    L1 norm is below ``(1 - d) tol`` bounds the error by ``tol``. Graphs of up to
    :data:`DIRECT_SOLVE_MAX` vertices are solved exactly (:func:`_solve_undirected`) instead:
    one small LAPACK call costs less than a dozen steps of array operations.
    """
    _check_damping(damping)
    if size == 0:
        return np.zeros(0)
    degree = np.bincount(sources, minlength=size).astype(np.float64)
    linked = degree > 0
    isolated = size - int(np.count_nonzero(linked))
    constant = (1.0 - damping) / (size - damping * isolated)
    rank = np.full(size, constant)
    if isolated == size:
        return rank / rank.sum()
    if size <= DIRECT_SOLVE_MAX:
        return _solve_undirected(size, sources, targets, degree, damping, constant)
    inverse = np.divide(1.0, degree, out=np.zeros(size), where=linked)
    right_side = np.where(linked, constant, 0.0)
    # Start near the answer: teleport plus a degree share (PageRank as damping -> 1).
    y = (constant + damping * degree / degree.sum()) * inverse
    # The system's matrix as one edge list, its diagonal (the degrees) as self-loops: a
    # product is then three array operations, not five (per-call overhead, not arithmetic,
    # is what a few hundred vertices cost).
    every = np.arange(size)
    tails = np.concatenate([sources, every])
    heads = np.concatenate([targets, every])
    coefficients = np.concatenate([np.full(len(sources), -damping), degree])

    def apply(vector: Vector) -> Vector:
        # float64 already (weights given): a cast for the type checker, not a copy
        product = np.bincount(heads, weights=vector[tails] * coefficients, minlength=size)
        return cast(Vector, product)

    residual = right_side - apply(y)
    step = residual * inverse
    direction = step
    along = float(residual @ step)
    limit = (1.0 - damping) * tol
    for _ in range(10 * size):  # exact arithmetic would finish in ``size`` steps
        if np.abs(residual).sum() <= limit or along <= 0.0:
            break
        image = apply(direction)
        alpha = along / float(direction @ image)
        y += alpha * direction
        residual -= alpha * image
        step = residual * inverse
        previous, along = along, float(residual @ step)
        direction = step + (along / previous) * direction
    rank[linked] = (degree * y)[linked]
    return rank / rank.sum()


def _solve_undirected(
    size: int,
    sources: NDArray[np.intp],
    targets: NDArray[np.intp],
    degree: Vector,
    damping: float,
    constant: float,
) -> Vector:
    """:func:`pagerank_undirected`'s system ``(D - d A) y = c`` solved exactly, the matrix
    built as it is (an isolated vertex's row is ``y = c``, its rank): one LAPACK call and a
    few array operations, where the general :func:`pagerank_exact` normalises, transposes
    and checks an ``n x n`` matrix first."""
    system = np.zeros(size * size)
    system[sources * size + targets] = -damping
    system[:: size + 1] = np.where(degree > 0, degree, 1.0)
    with one_blas_thread() if size >= ONE_THREAD_FROM else nullcontext():
        y = np.linalg.solve(system.reshape(size, size), np.full(size, constant))
    rank = np.where(degree > 0, degree * y, y)
    return cast(Vector, rank / rank.sum())
