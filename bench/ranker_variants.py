"""Every variant of the learned ranker tried for issue #10.3, measured the same way.

Why a separate script: choosing a ranker must not look at a dev set, yet every variant tried
has to be reported on both. So each variant is chosen (or not) by its leave-one-month-out
cross-validation on the training months only (``bench/train_ranker.py``'s months and
objectives), then fitted on all of them and scored on both dev sets exactly as
``bench/quality.py`` scores the shipped ranker: top-1 ROUGE-2 minus lead-1's and the
3-sentence summary's ROUGE-1 minus lead-3's, with paired bootstrap intervals. Nothing here
writes weights.

Variants differ in features (:data:`TRIAL_FEATURES` are candidates computed from the same
TextRank graph, here only, until one earns its place in :mod:`summarizer.features`), in
per-article standardisation of some columns, and in the objective, L2 penalty, target
temperature and window.

Usage: ``python -m bench.ranker_variants --dev2 PATH MONTH_DIR [MONTH_DIR ...] [--data PATH]
[--out PATH]``.
"""

from __future__ import annotations

import re
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench import rouge
from bench.common import (
    DEFAULT_HEADLINES,
    HeadlineRow,
    article_cleaner,
    bench_parser,
    load_headlines,
    out_option,
    quiet_jieba,
    write_json,
)
from bench.peopledaily import load_month
from bench.quality import paired_bootstrap
from bench.train_ranker import Sample, fit_weights
from summarizer.features import FEATURES, SentenceGraph, sentence_features
from summarizer.summary import Summarizer, is_question

Matrix = NDArray[np.float64]
Vector = NDArray[np.float64]

_TIME_OPENING = re.compile(
    r"^(近日|日前|目前|今天|昨天|今年|去年|本月|上月|当天|\d+月\d+日|\d+日|[0-9０-９]{4}年"
    r"|记者.{0,24}(获悉|了解到|采访))"
)


def _chars(graph: SentenceGraph, base: Matrix) -> Vector:
    return np.fromiter(map(len, graph.texts), dtype=np.float64, count=len(graph.texts))


def _paragraph(graph: SentenceGraph) -> Vector:
    paragraph = np.asarray(graph.paragraphs, dtype=np.float64)
    return paragraph - paragraph[0]


def _in_paragraph(graph: SentenceGraph, base: Matrix) -> Vector:
    paragraph = np.asarray(graph.paragraphs)
    starts = np.flatnonzero(np.r_[True, paragraph[1:] != paragraph[:-1]])
    index = np.arange(len(paragraph)) - np.repeat(starts, np.diff(np.r_[starts, len(paragraph)]))
    return np.minimum(index, 3) / 3.0


def _top_keyword_recall(graph: SentenceGraph, base: Matrix) -> Vector:
    scores, terms, size = graph.keyword_scores, graph.terms, len(graph.texts)
    top = np.argsort(-scores, kind="stable")[:10]
    top = top[scores[top] > 0]
    if len(top) == 0:
        return np.zeros(size)
    hit = np.isin(terms.ids, top)
    pairs = np.unique(terms.sentence[hit] * (len(scores) + 1) + terms.ids[hit])
    return np.bincount(pairs // (len(scores) + 1), minlength=size)[:size] / len(top)


def _long_rank(graph: SentenceGraph, base: Matrix) -> Vector:
    chars = _chars(graph, base)
    long = chars >= 0.5 * np.median(chars)
    return np.where(long, np.cumsum(long) - 1, np.cumsum(long)).astype(np.float64)


def _latin_digit(graph: SentenceGraph, base: Matrix) -> Vector:
    return np.array(
        [sum(c.isascii() and c.isalnum() for c in text) / max(len(text), 1) for text in graph.texts]
    )


def _max_similarity_before(graph: SentenceGraph, base: Matrix) -> Vector:
    lower = np.tril(graph.similarity, -1)
    return lower.max(axis=1) if len(lower) else np.zeros(0)


TRIAL_FEATURES: dict[str, Callable[[SentenceGraph, Matrix], Vector]] = {
    "chars_rel": lambda g, b: _chars(g, b) / _chars(g, b).mean(),
    "log_chars_rel": lambda g, b: np.log(_chars(g, b)) - np.log(_chars(g, b)).mean(),
    "log_paragraph": lambda g, b: np.log1p(_paragraph(g)),
    "paragraph_rel": lambda g, b: _paragraph(g) / max(float(_paragraph(g).max()), 1.0),
    "paragraph_index_lt3": lambda g, b: np.minimum(_paragraph(g), 3) / 3.0,
    "in_paragraph": _in_paragraph,
    "top_keyword_recall": _top_keyword_recall,
    "long_first": lambda g, b: (_long_rank(g, b) == 0).astype(np.float64),
    "log_long_position": lambda g, b: np.log1p(_long_rank(g, b)),
    "latin_digit": _latin_digit,
    "backward_rank_first": lambda g, b: (np.arange(len(g.texts)) == np.argmax(g.backward)).astype(
        np.float64
    ),
    "max_similarity_before": _max_similarity_before,
    "time_opening": lambda g, b: np.array(
        [bool(_TIME_OPENING.match(text)) for text in g.texts], dtype=np.float64
    ),
}
"""Candidate features measured here (each from the article's own TextRank graph and text):
length relative to the article's mean, paragraph position, position inside the paragraph,
recall of the article's top 10 TextRank keywords, position among the substantial sentences
(at least half the median length; a short intro or dateline sentence then does not count),
Latin letters and digits, whether TextRank ranks it first, its similarity to the closest
earlier sentence, and an opening time phrase (近日, 1月5日, 记者…获悉: the news lead)."""

ABSOLUTE_LENGTH = ("log_chars", "chars", "log_chars_squared", "first_log_chars")
SMALL = (
    "textrank_backward",
    "textrank_undirected",
    "first",
    "second",
    "third",
    "log_position",
    "centroid",
    "bigram_centroid",
    "top_bigram_precision",
    "log_chars",
)
SHIPPED = tuple(FEATURES)
ALL_TRIALS = tuple(TRIAL_FEATURES)


@dataclass(frozen=True, slots=True)
class Variant:
    """One way of fitting the ranker: features, per-article z-scored copies, objective."""

    name: str
    features: tuple[str, ...] = SHIPPED
    zscored: tuple[str, ...] = ()
    objective: str = "listwise"
    l2: float = 1.0
    temperature: float = 0.05
    window: int = 8
    shipped: bool = field(default=False)


VARIANTS: tuple[Variant, ...] = (
    Variant("shipped: 24 features, listwise, l2=1, t=0.05, window 8", shipped=True),
    *(Variant(f"+ {name}", (*SHIPPED, name)) for name in ALL_TRIALS),
    Variant("+ all trial features", SHIPPED + ALL_TRIALS),
    Variant("+ all trial features, l2=10", SHIPPED + ALL_TRIALS, l2=10.0),
    Variant("+ all trial features, l2=100", SHIPPED + ALL_TRIALS, l2=100.0),
    Variant("+ all trial features, window 5", SHIPPED + ALL_TRIALS, window=5),
    Variant("+ all trial features, window 12", SHIPPED + ALL_TRIALS, window=12),
    Variant("+ all trial features, t=0.02", SHIPPED + ALL_TRIALS, temperature=0.02),
    Variant("+ all trial features, t=0.1", SHIPPED + ALL_TRIALS, temperature=0.1),
    Variant("+ all trial features, pairwise", SHIPPED + ALL_TRIALS, objective="pairwise"),
    Variant("+ all trial features, regression", SHIPPED + ALL_TRIALS, objective="regression"),
    Variant("+ log_paragraph + log_chars_rel", (*SHIPPED, "log_paragraph", "log_chars_rel")),
    Variant("+ log_paragraph + in_paragraph", (*SHIPPED, "log_paragraph", "in_paragraph")),
    Variant("+ paragraph_rel + time_opening", (*SHIPPED, "paragraph_rel", "time_opening")),
    Variant(
        "relative instead of absolute length",
        (*(f for f in SHIPPED if f not in ABSOLUTE_LENGTH), "chars_rel", "log_chars_rel"),
    ),
    Variant("without paragraph_first", tuple(f for f in SHIPPED if f != "paragraph_first")),
    Variant("small: 10 features", SMALL),
    Variant("shipped + every column z-scored per article", zscored=SHIPPED),
    Variant(
        "shipped + TextRank/centroid/bigram columns z-scored per article",
        zscored=(
            "textrank_backward",
            "textrank_undirected",
            "centroid",
            "bigram_centroid",
            "top_bigram_precision",
            "keyword_mass",
        ),
    ),
    Variant("shipped, pairwise", objective="pairwise"),
    Variant("shipped, regression", objective="regression"),
    Variant("shipped, target: best sentence only (t=0)", temperature=0.0),
    Variant("shipped, ensemble of the three objectives", objective="ensemble"),
    Variant("+ all trial features, ensemble", SHIPPED + ALL_TRIALS, objective="ensemble"),
    Variant("+ paragraph_rel, ensemble", (*SHIPPED, "paragraph_rel"), objective="ensemble"),
)
"""Every variant tried, in the order they were tried (first: what ships)."""


@dataclass(frozen=True, slots=True)
class Article:
    """What scoring needs of one article: every column, gains, questions, texts, headline."""

    columns: dict[str, Vector]
    gains: Vector
    questions: NDArray[np.bool_]
    texts: tuple[str, ...]
    headline: str


def prepare(rows: Sequence[HeadlineRow], summarizer: Summarizer) -> list[Article | None]:
    """Columns of every feature (shipped and trial) for each article; ``None`` without a
    candidate (it then scores 0 for every system, as in ``bench/quality.py``)."""
    _, clean = article_cleaner()
    articles: list[Article | None] = []
    for row in rows:
        graph = summarizer.sentence_graph(clean(row.text).paragraphs)
        if not graph.texts:
            articles.append(None)
            continue
        questions = np.array([is_question(text) for text in graph.texts])
        base = sentence_features(graph, list(questions))
        columns = {name: base[:, i] for i, name in enumerate(FEATURES)}
        columns.update({name: trial(graph, base) for name, trial in TRIAL_FEATURES.items()})
        headline = rouge.units(row.headline)
        gains = np.array([rouge.rouge_n(rouge.units(t), headline, 2) for t in graph.texts])
        articles.append(Article(columns, gains, questions, graph.texts, row.headline))
    return articles


def _matrix(article: Article, variant: Variant) -> Matrix:
    matrix = np.column_stack([article.columns[name] for name in variant.features])
    if variant.zscored:
        raw = np.column_stack([article.columns[name] for name in variant.zscored])
        head = raw[: variant.window]
        spread = head.std(axis=0)
        spread[spread == 0] = 1.0
        matrix = np.column_stack([matrix, (raw - head.mean(axis=0)) / spread])
    return matrix


def _samples(articles: Sequence[Article | None], variant: Variant) -> list[Sample]:
    return [Sample(_matrix(a, variant), a.gains, a.questions) for a in articles if a is not None]


def _order(article: Article, variant: Variant, weights: Vector) -> NDArray[np.intp]:
    """Candidates best first, as the summarizer selects: the window by the weights, the rest
    after it, statements before questions, ties by position."""
    size = len(article.gains)
    scores = np.full(size, -1e6)
    window = min(variant.window, size)
    scores[:window] = _matrix(article, variant)[:window] @ weights
    scores -= 1e9 * article.questions
    return np.lexsort((np.arange(size), -scores))


def score(
    articles: Sequence[Article | None], variant: Variant, weights: Vector, samples: int
) -> dict[str, Any]:
    """Top-1 R-2 minus lead-1 and 3-sentence R-1 minus lead-3, paired bootstrap (x100)."""
    top: list[float] = []
    lead: list[float] = []
    three: list[float] = []
    lead3: list[float] = []
    same = 0
    for article in articles:
        if article is None:
            for values in (top, lead, three, lead3):
                values.append(0.0)
            continue
        order = _order(article, variant, weights)
        same += int(order[0] == 0)
        top.append(float(article.gains[order[0]]))
        lead.append(float(article.gains[0]))
        chosen = "".join(article.texts[i] for i in sorted(order[:3].tolist()))
        three.append(rouge.score(chosen, article.headline).rouge1)
        lead3.append(rouge.score("".join(article.texts[:3]), article.headline).rouge1)
    top1 = paired_bootstrap(top, lead, samples=samples)
    sentences3 = paired_bootstrap(three, lead3, samples=samples)
    return {"top1_r2_minus_lead1": top1, "three_r1_minus_lead3": sentences3, "same_as_lead1": same}


def cross_validate(months: dict[str, list[Article | None]], variant: Variant) -> dict[str, float]:
    """Leave one training month out: held-out top-1 R-2 minus lead-1 (x100)."""
    result = {}
    for held_out, articles in months.items():
        train = [s for month, rows in months.items() if month != held_out for s in rows]
        weights = _fit(train, variant)
        found = score(articles, variant, weights, samples=1)
        result[held_out] = found["top1_r2_minus_lead1"][0]
    return result


def _fit(articles: Sequence[Article | None], variant: Variant) -> Vector:
    return fit_weights(
        _samples(articles, variant),
        l2=variant.l2,
        temperature=variant.temperature,
        window=variant.window,
        objective=variant.objective,
    )


def run(
    months: dict[str, list[Article | None]],
    dev: dict[str, list[Article | None]],
    samples: int = 2_000,
) -> list[dict[str, Any]]:
    """CV, then the fit on every training month scored on each dev set, per variant."""
    results = []
    for variant in VARIANTS:
        per_month = cross_validate(months, variant)
        weights = _fit([a for rows in months.values() for a in rows], variant)
        found: dict[str, Any] = {
            "variant": variant.name,
            "cv": statistics.fmean(per_month.values()),
            "cv_per_month": per_month,
        }
        for name, articles in dev.items():
            found[name] = score(articles, variant, weights, samples)
        results.append(found)
        print(_line(found), flush=True)
    return results


def _interval(values: Sequence[float]) -> str:
    mean, low, high = values
    return f"{mean:+.2f} [{low:+.2f}, {high:+.2f}]"


def _line(found: dict[str, Any]) -> str:
    """One markdown table row: variant, CV, and per dev set top-1 and 3-sentence deltas."""
    cells = [found["variant"], f"{found['cv']:+.2f}"]
    for name in ("dev1", "dev2"):
        if name in found:
            cells += [
                _interval(found[name]["top1_r2_minus_lead1"]),
                _interval(found[name]["three_r1_minus_lead3"]),
            ]
    return "| " + " | ".join(cells) + " |"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point: prints a markdown table and writes the JSON."""
    parser = bench_parser("python -m bench.ranker_variants", __doc__)
    parser.add_argument("months", nargs="+", type=Path, help="extracted training months")
    parser.add_argument("--data", type=Path, default=DEFAULT_HEADLINES, help="dev set 1")
    parser.add_argument("--dev2", type=Path, default=None, help="extracted 人民日报 2020年1月")
    out_option(parser, "ranker_variants.json")
    parser.add_argument("--samples", type=int, default=2_000, help="bootstrap samples")
    args = parser.parse_args(argv)
    names = [path.name for path in args.months]
    if any("2019年10月" in name or "2020年1月" in name for name in names):
        parser.error("2019年10月 and 2020年1月 are held out: never train on them")
    quiet_jieba()
    summarizer = Summarizer(weights=None)
    months = {path.name: prepare(load_month(path), summarizer) for path in args.months}
    dev: dict[str, list[Article | None]] = {}
    if args.data.is_file():
        dev["dev1"] = prepare(load_headlines(args.data), summarizer)
    if args.dev2 is not None and args.dev2.is_dir():
        dev["dev2"] = prepare(load_month(args.dev2), summarizer)
    print(
        "| variant | CV (train months) | dev1 top-1 R-2 − lead-1 | dev1 3 sent. R-1 − lead-3 "
        "| dev2 top-1 R-2 − lead-1 | dev2 3 sent. R-1 − lead-3 |"
    )
    print("|---|---|---|---|---|---|")
    results = run(months, dev, args.samples)
    write_json(args.out, {"months": names, "dev_sets": sorted(dev), "variants": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
