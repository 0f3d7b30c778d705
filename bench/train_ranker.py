"""Fit the learned sentence ranker's weights (``summarizer/data/ranker.txt``).

Training data: months of 人民日报 from caspiankexin/people-daily-crawler-date (commit
d3f8f14) other than any benchmark's: 2019年2月, 2020年2月 and 2020年5月, each extracted to a
folder (:mod:`bench.peopledaily`), passed as arguments. Never 2019年10月, never the dev sets
(2020年1月 and the 海南日报 headlines): those are scored only, by ``bench/quality.py``.

Each article's candidates get :func:`summarizer.features.sentence_features`; the gain of a
sentence is its character ROUGE-2 F1 against the printed headline. The model is a linear
listwise ranker (a softmax over an article's sentences, the conditional logit), fitted by
Newton's method with an L2 penalty on standardized features: with about fifteen features the
Hessian is fifteen by fifteen, so a dozen exact steps converge and numpy suffices. The target
is the best sentence (ties share) or, with ``--temperature``, a softmax of the gains.
``--objective`` fits a pairwise (RankNet), a regression or an ensemble ranker instead
(:data:`OBJECTIVES`); ``bench/ranker_variants.py`` compares them, and feature sets, on the
training months and both dev sets.

``--cv`` first scores every setting of :data:`GRID` by leave-one-month-out cross-validation
on the training months (mean top-1 ROUGE-2 minus lead-1's on the held-out month) and fits the
final weights with the best one; the table of every setting is printed, nothing is chosen by
looking at a dev set. ``--ablate`` prints instead what each feature group of
:data:`ABLATIONS` brings (the same CV with the group left out) and writes nothing.

Usage: ``python -m bench.train_ranker MONTH_DIR [MONTH_DIR ...] [--out PATH] [--cv] [--ablate]
[--objective NAME]``.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bench import rouge
from bench.common import REPO, HeadlineRow, article_cleaner, bench_parser, quiet_jieba
from bench.peopledaily import load_month
from summarizer.features import FEATURES, sentence_features
from summarizer.ranker import RANKER_FILE, LinearRanker
from summarizer.summary import Summarizer, is_question

Matrix = NDArray[np.float64]
Vector = NDArray[np.float64]

DEFAULT_OUT = REPO / "summarizer" / RANKER_FILE
GRID: tuple[tuple[float, float, int | None], ...] = tuple(
    (l2, temperature, window)
    for l2 in (1.0, 10.0, 100.0)
    for temperature in (0.0, 0.05)
    for window in (5, 8, None)
)
"""(L2 penalty, target temperature, window) settings compared by ``--cv``."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One article: a feature row and a gain per candidate, which candidates are questions."""

    features: Matrix
    gains: Vector
    questions: NDArray[np.bool_]


def featurize(rows: Sequence[HeadlineRow], summarizer: Summarizer | None = None) -> list[Sample]:
    """Features and headline ROUGE-2 of every candidate of every article (articles with no
    candidate are dropped)."""
    summarizer = summarizer or Summarizer(weights=None)
    _, clean = article_cleaner()
    samples = []
    for row in rows:
        graph = summarizer.sentence_graph(clean(row.text).paragraphs)
        if not graph.texts:
            continue
        questions = [is_question(text) for text in graph.texts]
        headline = rouge.units(row.headline)
        gains = [rouge.rouge_n(rouge.units(text), headline, 2) for text in graph.texts]
        samples.append(
            Sample(sentence_features(graph, questions), np.array(gains), np.array(questions))
        )
    return samples


def _targets(samples: Sequence[Sample], temperature: float) -> list[Vector]:
    targets = []
    for sample in samples:
        gains = sample.gains
        if temperature > 0:
            weights = np.exp((gains - gains.max()) / temperature)
        else:
            weights = (gains == gains.max()).astype(np.float64)
        targets.append(weights / weights.sum())
    return targets


OBJECTIVES = ("listwise", "pairwise", "regression", "ensemble")
"""Learning objectives ``fit`` knows: the listwise softmax (shipped), pairwise logistic
(RankNet: every ordered pair of an article's sentences, weighted by their ROUGE-2 gap),
ridge regression on the gains centred per article, and the ensemble of the three (the mean
of their standardized weight vectors, each scaled to unit length: still one linear ranker)."""


def fit(
    samples: Sequence[Sample],
    *,
    l2: float = 10.0,
    temperature: float = 0.0,
    window: int | None = None,
    features: Sequence[str] = FEATURES,
    objective: str = "listwise",
) -> LinearRanker:
    """The ranker's weights (in the features' raw units) on each article's first ``window``
    candidates, by ``objective`` (:data:`OBJECTIVES`)."""
    columns = [FEATURES.index(name) for name in features]
    picked = [Sample(s.features[:, columns], s.gains, s.questions) for s in samples]
    raw = fit_weights(picked, l2=l2, temperature=temperature, window=window, objective=objective)
    pairs = tuple((name, float(w)) for name, w in zip(features, raw, strict=True))
    return LinearRanker(pairs, window)


def fit_weights(
    samples: Sequence[Sample],
    *,
    l2: float = 10.0,
    temperature: float = 0.0,
    window: int | None = None,
    objective: str = "listwise",
) -> Vector:
    """One weight per feature column of the samples (raw units), fitted on standardized
    columns so that ``l2`` penalizes every feature alike."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}")
    cut = [_head(s, window) for s in samples]
    usable = [s for s in cut if s.gains.max() > 0 and len(s.gains) > 1]
    matrix = np.concatenate([s.features for s in usable])
    mean, scale = matrix.mean(axis=0), matrix.std(axis=0)
    scale[scale == 0] = 1.0
    x = (matrix - mean) / scale
    sizes = np.array([len(s.gains) for s in usable])
    fitted = {
        "listwise": lambda: _listwise(x, _targets(usable, temperature), sizes, l2),
        "pairwise": lambda: _pairwise(x, usable, sizes, l2),
        "regression": lambda: _regression(x, usable, sizes, l2),
    }
    if objective == "ensemble":
        members = [fitter() for fitter in fitted.values()]
        weights = np.mean([w / max(float(np.linalg.norm(w)), 1e-12) for w in members], axis=0)
    else:
        weights = fitted[objective]()
    return weights / scale


def _listwise(x: Matrix, targets: list[Vector], sizes: NDArray[np.intp], l2: float) -> Vector:
    """Conditional logit by damped Newton steps."""
    target = np.concatenate(targets)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    segment = np.repeat(np.arange(len(sizes)), sizes)

    def loss_parts(w: Vector) -> tuple[float, Vector]:
        scores = x @ w
        top = np.maximum.reduceat(scores, starts)
        exp = np.exp(scores - top[segment])
        total = np.add.reduceat(exp, starts)
        log_p = scores - top[segment] - np.log(total)[segment]
        loss = -(target * log_p).sum() + l2 * float(w @ w)
        return loss, np.exp(log_p)

    weights = np.zeros(x.shape[1])
    loss, p = loss_parts(weights)
    for _ in range(30):
        gradient = x.T @ (p - target) + 2 * l2 * weights
        mu = np.add.reduceat(x * p[:, None], starts)
        hessian = (x * p[:, None]).T @ x - mu.T @ mu + 2 * l2 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        rate = 1.0
        while rate > 1e-4:
            candidate = weights - rate * step
            new_loss, new_p = loss_parts(candidate)
            if new_loss <= loss:
                break
            rate /= 2
        if loss - new_loss < 1e-9 * max(abs(loss), 1.0):
            weights, loss, p = candidate, new_loss, new_p
            break
        weights, loss, p = candidate, new_loss, new_p
    return weights


def _pairwise(x: Matrix, samples: Sequence[Sample], sizes: NDArray[np.intp], l2: float) -> Vector:
    """RankNet: logistic loss on feature differences of every pair with different gains,
    each pair weighted by its gain gap; Newton steps (the loss is convex)."""
    differences, gaps = [], []
    start = 0
    for sample, size in zip(samples, sizes.tolist(), strict=True):
        rows = x[start : start + size]
        start += size
        first, second = np.triu_indices(size, 1)
        gap = sample.gains[first] - sample.gains[second]
        keep = np.abs(gap) > 1e-12
        first, second, gap = first[keep], second[keep], gap[keep]
        sign = np.sign(gap)[:, None]
        differences.append(sign * (rows[first] - rows[second]))
        gaps.append(np.abs(gap))
    d, w = np.concatenate(differences), np.concatenate(gaps)
    weights = np.zeros(x.shape[1])
    for _ in range(30):
        p = 1.0 / (1.0 + np.exp(-(d @ weights)))
        gradient = -(d * (w * (1 - p))[:, None]).sum(axis=0) + 2 * l2 * weights
        hessian = (d * (w * p * (1 - p))[:, None]).T @ d + 2 * l2 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


def _regression(
    x: Matrix, samples: Sequence[Sample], sizes: NDArray[np.intp], l2: float
) -> Vector:
    """Ridge regression of the gains on the features, both centred per article (only the
    order within an article matters)."""
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    segment = np.repeat(np.arange(len(sizes)), sizes)
    centred = x - (np.add.reduceat(x, starts) / sizes[:, None])[segment]
    gains = np.concatenate([s.gains - s.gains.mean() for s in samples])
    penalty = 2 * l2 * np.eye(x.shape[1])
    return np.linalg.solve(centred.T @ centred + penalty, centred.T @ gains)


def _head(sample: Sample, window: int | None) -> Sample:
    if window is None:
        return sample
    return Sample(sample.features[:window], sample.gains[:window], sample.questions[:window])


def top1_gains(samples: Sequence[Sample], ranker: LinearRanker | None) -> list[float]:
    """Headline ROUGE-2 of each article's pick: the best-scored statement (questions only when
    nothing else is left, as :func:`summarizer.summary.select` does); lead-1 without a ranker."""
    picked = []
    for sample in samples:
        if ranker is None:
            picked.append(float(sample.gains[0]))
            continue
        scores = ranker.score(sample.features) - 1e9 * sample.questions
        picked.append(float(sample.gains[int(np.argmax(scores))]))
    return picked


ABLATIONS: dict[str, tuple[str, ...]] = {
    "all features": (),
    "without the bigram features": (
        "bigram_centroid",
        "top_bigram_f1",
        "top_bigram_precision",
        "first_bigram_centroid",
    ),
    "without the undirected PageRank": ("textrank_undirected",),
    "without keyword coverage": ("keyword_mass",),
    "without quote and digit share": ("quote", "digits"),
    "without the term centroid": ("centroid",),
    "without the term frequency": ("term_frequency",),
}
"""Feature groups whose contribution ``--ablate`` measures (each left out in turn)."""


def cross_validate(
    months: dict[str, list[Sample]],
    l2: float,
    temperature: float,
    window: int | None,
    features: Sequence[str] = FEATURES,
    objective: str = "listwise",
) -> dict[str, float]:
    """Leave one month out: held-out top-1 ROUGE-2 minus lead-1's (x100), per month."""
    result = {}
    for held_out, samples in months.items():
        train = [s for month, rows in months.items() if month != held_out for s in rows]
        ranker = fit(
            train,
            l2=l2,
            temperature=temperature,
            window=window,
            features=features,
            objective=objective,
        )
        ours, lead = top1_gains(samples, ranker), top1_gains(samples, None)
        result[held_out] = 100 * (statistics.fmean(ours) - statistics.fmean(lead))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = bench_parser("python -m bench.train_ranker", __doc__)
    parser.add_argument("months", nargs="+", type=Path, help="extracted month folders")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cv", action="store_true", help="choose L2/temperature by CV")
    parser.add_argument("--l2", type=float, default=10.0)
    parser.add_argument("--temperature", type=float, default=0.05)
    parser.add_argument("--window", type=int, default=8)
    parser.add_argument("--objective", choices=OBJECTIVES, default="listwise")
    parser.add_argument(
        "--ablate",
        action="store_true",
        help="print each feature group's CV contribution (ABLATIONS) and write nothing",
    )
    args = parser.parse_args(argv)
    names = [path.name for path in args.months]
    if any("2019年10月" in name or "2019-10" in name for name in names):
        parser.error("2019年10月 is held out: never train on it")
    quiet_jieba()
    months = {path.name: featurize(load_month(path)) for path in args.months}
    for name, samples in months.items():
        print(f"{name}: {len(samples)} articles")
    l2, temperature, window = args.l2, args.temperature, args.window
    if args.ablate:
        print(f"leave-one-month-out, l2={l2:g} t={temperature:g} window={window}: held-out")
        print("top-1 R-2 minus lead-1 (x100), each feature group left out in turn")
        for name, dropped in ABLATIONS.items():
            kept = [feature for feature in FEATURES if feature not in dropped]
            per_month = cross_validate(months, l2, temperature, window, kept, args.objective)
            cells = "  ".join(f"{month} {delta:+.2f}" for month, delta in per_month.items())
            print(f"  {name}: {statistics.fmean(per_month.values()):+.2f} ({cells})")
        return 0
    if args.cv:
        print("leave-one-month-out: held-out top-1 R-2 minus lead-1 (x100)")
        best = None
        for setting in GRID:
            per_month = cross_validate(months, *setting, objective=args.objective)
            mean = statistics.fmean(per_month.values())
            cells = "  ".join(f"{month} {delta:+.2f}" for month, delta in per_month.items())
            l2_, t_, window_ = setting
            print(f"  l2={l2_:g} t={t_:g} window={window_}: {mean:+.2f} ({cells})")
            if best is None or mean > best[0]:
                best = (mean, setting)
        assert best is not None
        l2, temperature, window = best[1]
    everything = [s for samples in months.values() for s in samples]
    ranker = fit(
        everything, l2=l2, temperature=temperature, window=window, objective=args.objective
    )
    header = [
        "Learned sentence ranker: score = sum of weight x feature (summarizer/features.py).",
        f"Fitted by bench/train_ranker.py on {', '.join(names)} ({len(everything)} articles),",
        f"objective={args.objective}, l2={l2:g}, temperature={temperature:g}, window={window}.",
    ]
    args.out.write_text(ranker.dumps(header), encoding="utf-8")
    print(f"wrote {args.out}")
    print(ranker.dumps())
    return 0


if __name__ == "__main__":
    sys.exit(main())
