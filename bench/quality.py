"""Quality benchmark: does the top-ranked sentence say what the printed headline says?

Two dev sets, scored independently, neither used for training or tuning:

* dev set 1: ``../shared/data/news_headlines.jsonl`` (71 海南日报 articles with their printed
  headlines; ``--data`` to point elsewhere; skipped with a message when absent);
* dev set 2: 人民日报 of January 2020 (``--dev2 PATH``, an extracted month folder, see
  :mod:`bench.peopledaily`; about 1,440 articles over 500 characters). Never in the
  repository; skipped, and its targets reported as SKIP, without the argument.

Each article is cleaned by the edition parser without its headline, and every system picks
from the same cleaned paragraphs (textrank4zh gets them joined by newlines and splits them its
own way). Picks are scored against the headline with character-level ROUGE-1/2/L F1
(:mod:`bench.rouge`), averaged over articles, times 100.

Systems: ours as shipped (the learned ranker over TextRank features, :mod:`summarizer.ranker`,
fitted on other months of 人民日报 by ``bench/train_ranker.py``); ours without the weights
(backward TextRank alone: the fallback); textrank4zh 0.3; lead-1; the oracle (the single
candidate with the best ROUGE-2 against the headline: the ceiling of one-sentence extraction).
Configurations tried while choosing the unsupervised fallback are listed too, marked "tried".
For three sentences: ours (k=3, joined in document order) against lead-3, on ROUGE-1.

Paired bootstrap intervals (95 %, articles resampled) are given for ours minus each baseline.
Targets (PASS/FAIL per dev set; ``--check`` makes a miss exit 1): top-1 R-2 at least
:data:`LEAD_MARGIN` points ahead of lead-1 with the interval's lower end above zero; the
3-sentence summary's R-1 not below lead-3's (mean difference >= 0); ours ahead of textrank4zh
on R-1, R-2 and R-L.

Usage: ``python -m bench.quality [--data PATH] [--dev2 PATH] [--out PATH] [--quick] [--check]``.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from bench import reference, rouge
from bench.common import (
    DEFAULT_HEADLINES,
    RESULTS_DIR,
    HeadlineRow,
    Target,
    article_cleaner,
    bench_parser,
    console_for_tables,
    finish,
    load_headlines,
    out_option,
    quiet_jieba,
)
from bench.peopledaily import load_month
from summarizer.summary import Summarizer, SummarizerConfig, lead_sentences
from summarizer.tokens import Tokenizer, load_stopwords

Pick = tuple[str, tuple[str, ...] | None]
"""The top sentence, and the keywords when the system makes any."""
Picker = Callable[[Sequence[str], str], Pick]
"""Paragraphs and headline (only the oracle reads it) to a pick."""
KEYWORDS = 6
LEAD_MARGIN = 2.0
"""Ours must be this many R-2 points (x100) ahead of lead-1 on every dev set."""
FUNCTION_ONLY = "backward TextRank, function stopwords"
METRICS = (("rouge1", "R-1"), ("rouge2", "R-2"), ("rouge_l", "R-L"))


@dataclass(frozen=True, slots=True)
class System:
    """A way of picking one sentence (and keywords) from an article's paragraphs."""

    name: str
    role: str  # "ours", "baseline", "oracle" or "tried"
    description: str
    pick: Picker


def _ours(summarizer: Summarizer) -> Picker:
    def pick(paragraphs: Sequence[str], headline: str) -> Pick:
        summary = summarizer.summarize_text(paragraphs, k=1)
        return (summary.sentences[0] if summary.sentences else "", summary.keywords)

    return pick


def _textrank(config: SummarizerConfig, tokenizer: Tokenizer | None = None) -> Picker:
    textrank_config = SummarizerConfig(**{**asdict(config), "ranker": "textrank"})
    if tokenizer is None:
        return _ours(Summarizer(config=textrank_config))
    return _ours(Summarizer(tokenizer, textrank_config))


def _lead(paragraphs: Sequence[str], headline: str) -> Pick:
    sentences = lead_sentences(paragraphs)
    return (sentences[0] if sentences else "", None)


def _oracle(paragraphs: Sequence[str], headline: str) -> Pick:
    sentences = lead_sentences(paragraphs)
    if not sentences:
        return ("", None)
    return (max(sentences, key=lambda s: rouge.score(s, headline).rouge2), None)


def _textrank4zh(paragraphs: Sequence[str], headline: str) -> Pick:
    text = "\n".join(paragraphs)
    sentences = reference.key_sentences(text, 1)
    return (sentences[0] if sentences else "", tuple(reference.keywords(text, KEYWORDS)))


def keyword_hits(keywords: Sequence[str], headline: str) -> float:
    """Share of the keywords that occur in the headline: a rough check of keyword relevance."""
    return sum(word in headline for word in keywords) / len(keywords) if keywords else 0.0


def systems() -> list[System]:
    """Everything scored, the shipped configuration first."""
    function_words_only = Tokenizer(stopwords=load_stopwords(sections=["function"]))
    return [
        System(
            "ours", "ours", "learned weighting of TextRank features (shipped)", _ours(Summarizer())
        ),
        System(
            "ours, TextRank only",
            "ours",
            "backward TextRank without the learned weights (the fallback)",
            _textrank(SummarizerConfig()),
        ),
        System("textrank4zh", "baseline", "textrank4zh 0.3 defaults", _textrank4zh),
        System("lead-1", "baseline", "first sentence after the byline", _lead),
        System("oracle", "oracle", "best single candidate by R-2 against the headline", _oracle),
        System(
            "undirected TextRank",
            "tried",
            "plain TextRank on our sentences and tokens",
            _textrank(SummarizerConfig(direction="undirected")),
        ),
        System(
            "undirected, tp 1/(i+1)",
            "tried",
            "PositionRank teleport prior, a=1",
            _textrank(SummarizerConfig(direction="undirected", position_exponent=1.0)),
        ),
        System(
            "undirected, tp (i+1)^-2",
            "tried",
            "sensitivity of the teleport prior",
            _textrank(SummarizerConfig(direction="undirected", position_exponent=2.0)),
        ),
        System(
            "backward, tp 1/(i+1)",
            "tried",
            "both priors at once",
            _textrank(SummarizerConfig(direction="backward", position_exponent=1.0)),
        ),
        System(
            "forward",
            "tried",
            "the paper's other directed graph",
            _textrank(SummarizerConfig(direction="forward")),
        ),
        System(
            FUNCTION_ONLY,
            "tried",
            "stopwords without the news-register section",
            _textrank(SummarizerConfig(), function_words_only),
        ),
    ]


def _mean(values: Sequence[float]) -> float:
    return 100.0 * statistics.fmean(values) if values else 0.0


def paired_bootstrap(
    first: Sequence[float], second: Sequence[float], *, samples: int, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of ``first - second`` (x100) and its 95 % percentile bootstrap interval."""
    deltas = np.asarray(first, dtype=np.float64) - np.asarray(second, dtype=np.float64)
    if len(deltas) == 0:
        return 0.0, 0.0, 0.0
    generator = np.random.default_rng(seed)
    means = np.empty(samples)
    for start in range(0, samples, 1000):  # bounded memory on large sets
        stop = min(start + 1000, samples)
        draws = generator.integers(0, len(deltas), size=(stop - start, len(deltas)))
        means[start:stop] = deltas[draws].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return 100.0 * float(deltas.mean()), 100.0 * float(low), 100.0 * float(high)


def _interval(first: Sequence[float], second: Sequence[float], samples: int) -> dict[str, float]:
    mean, low, high = paired_bootstrap(first, second, samples=samples)
    return {"mean": mean, "ci95_low": low, "ci95_high": high}


def evaluate(
    name: str, rows: Sequence[HeadlineRow], *, bootstrap_samples: int = 10_000, picks: bool
) -> dict[str, Any]:
    """Score every system on every article of one dev set; return its result document.

    ``picks``: include the picked sentences (never for data that must not leave the machine).
    """
    quiet_jieba()
    cleaner_name, clean = article_cleaner()
    articles = [clean(row.text).paragraphs for row in rows]
    headlines = [row.headline for row in rows]
    scored = systems()
    per_system: dict[str, list[rouge.RougeScores]] = {}
    chosen: dict[str, list[str]] = {}
    keywords: dict[str, list[tuple[str, ...]] | None] = {}
    for system in scored:
        results_of = [
            system.pick(paragraphs, headline)
            for paragraphs, headline in zip(articles, headlines, strict=True)
        ]
        chosen[system.name] = [sentence for sentence, _ in results_of]
        keywords[system.name] = (
            None if results_of and results_of[0][1] is None else [kw or () for _, kw in results_of]
        )
        per_system[system.name] = [
            rouge.score(pick, headline)
            for pick, headline in zip(chosen[system.name], headlines, strict=True)
        ]
    leads = chosen["lead-1"]
    results = []
    for system in scored:
        scores = per_system[system.name]
        system_keywords = keywords[system.name]
        results.append(
            {
                "name": system.name,
                "role": system.role,
                "description": system.description,
                "rouge1": _mean([s.rouge1 for s in scores]),
                "rouge2": _mean([s.rouge2 for s in scores]),
                "rougeL": _mean([s.rouge_l for s in scores]),
                "same_as_lead1": sum(
                    rouge.units(p) == rouge.units(lead)
                    for p, lead in zip(chosen[system.name], leads, strict=True)
                ),
                "mean_chars": statistics.fmean(len(p) for p in chosen[system.name])
                if rows
                else 0.0,
                "keywords_in_headline": None
                if system_keywords is None
                else _mean(
                    [
                        keyword_hits(kw, headline)
                        for kw, headline in zip(system_keywords, headlines, strict=True)
                    ]
                ),
            }
        )
    deltas = {
        f"ours - {other}": {
            metric: _interval(
                [getattr(s, metric) for s in per_system["ours"]],
                [getattr(s, metric) for s in per_system[other]],
                bootstrap_samples,
            )
            for metric, _ in METRICS
        }
        for other in ("lead-1", "textrank4zh", "ours, TextRank only")
    }
    three = _three_sentences(articles, headlines, bootstrap_samples)
    result: dict[str, Any] = {
        "name": name,
        "articles": len(rows),
        "cleaner": cleaner_name,
        "metric": "character-level ROUGE F1 x100 against the printed headline; letters and "
        "digits only (NFKC, lower case), punctuation and whitespace ignored",
        "systems": results,
        "deltas": deltas,
        "three_sentences": three,
        "stopword_ablation": _stopword_ablation(chosen, keywords),
    }
    if picks:
        result["picks"] = [
            {
                "id": row.id,
                "headline": row.headline,
                **{name: p[i] for name, p in chosen.items()},
                "keywords": {name: list(kw[i]) for name, kw in keywords.items() if kw is not None},
            }
            for i, row in enumerate(rows)
        ]
    return result


def _three_sentences(
    articles: Sequence[Sequence[str]], headlines: Sequence[str], samples: int
) -> dict[str, Any]:
    """Ours with k=3 against lead-3, each joined in document order, R-1 against the headline."""
    summarizer = Summarizer()
    ours = [
        rouge.score("".join(summarizer.summarize_text(p, k=3).sentences), h).rouge1
        for p, h in zip(articles, headlines, strict=True)
    ]
    lead = [
        rouge.score("".join(lead_sentences(p)[:3]), h).rouge1
        for p, h in zip(articles, headlines, strict=True)
    ]
    return {
        "ours_rouge1": _mean(ours),
        "lead3_rouge1": _mean(lead),
        "delta": _interval(ours, lead, samples),
    }


def _stopword_ablation(
    picks: dict[str, list[str]], keywords: dict[str, list[tuple[str, ...]] | None]
) -> dict[str, int]:
    """What the stopword list's news-register section (进行, 开展, 表示, ...) changes."""
    register = load_stopwords() - load_stopwords(sections=["function"])
    without = keywords[FUNCTION_ONLY] or []
    return {
        "top_sentences_changed": sum(
            a != b for a, b in zip(picks["ours, TextRank only"], picks[FUNCTION_ONLY], strict=True)
        ),
        "register_words_in_keywords_without_section": sum(
            word in register for words in without for word in words
        ),
        "articles_with_register_keywords_without_section": sum(
            any(word in register for word in words) for words in without
        ),
        "keyword_slots": sum(len(words) for words in without),
    }


def targets(result: dict[str, Any] | None, label: str) -> list[Target]:
    """The quality targets of one dev set (SKIP, never FAIL, when it was not scored)."""
    if result is None:
        return [
            Target(f"{label}: {name}", "not measured", goal, None)
            for name, goal in (
                (f"top-1 R-2 ahead of lead-1 by >= {LEAD_MARGIN:.1f}", "interval above 0"),
                ("3 sentences R-1 not below lead-3", ">= 0"),
            )
        ]
    rows = {row["name"]: row for row in result["systems"]}
    ours = rows["ours"]
    margin = result["deltas"]["ours - lead-1"]["rouge2"]
    three = result["three_sentences"]["delta"]
    found = [
        Target(
            f"{label}: top-1 R-2 ahead of lead-1 by >= {LEAD_MARGIN:.1f}",
            f"{margin['mean']:+.2f} [{margin['ci95_low']:+.2f}, {margin['ci95_high']:+.2f}]",
            f">= +{LEAD_MARGIN:.1f}, interval above 0",
            margin["mean"] >= LEAD_MARGIN and margin["ci95_low"] > 0,
        ),
        Target(
            f"{label}: 3 sentences R-1 not below lead-3",
            f"{three['mean']:+.2f} [{three['ci95_low']:+.2f}, {three['ci95_high']:+.2f}]",
            ">= 0",
            three["mean"] >= 0,
        ),
    ]
    for metric, name in (("rouge1", "R-1"), ("rouge2", "R-2"), ("rougeL", "R-L")):
        other = rows["textrank4zh"][metric]
        found.append(
            Target(
                f"{label}: ours ahead of textrank4zh on {name}",
                f"{ours[metric]:.2f} vs {other:.2f}",
                f"> {other:.2f}",
                ours[metric] > other,
            )
        )
    return found


def render(result: dict[str, Any], console: Console) -> None:
    """Print every scored dev set as tables."""
    for label, block in result["sets"].items():
        if block is not None:
            _render_set(label, block, console)


def _render_set(label: str, result: dict[str, Any], console: Console) -> None:
    table = Table(
        title=f"Quality, {label}: top-1 sentence vs printed headline, "
        f"{result['articles']} articles",
        caption=f"cleaner {result['cleaner']}\n"
        "char-level ROUGE F1 x100 (letters/digits only); '= lead-1': same letters as lead-1; "
        f"chars: mean length of the pick;\nkw: % of the top {KEYWORDS} keywords in the headline",
    )
    for column in ("system", "R-1", "R-2", "R-L", "= lead-1", "chars", "kw", "what it is"):
        table.add_column(column, justify="left" if column in ("system", "what it is") else "right")
    role = None
    for row in result["systems"]:
        if role is not None and row["role"] != role:
            table.add_section()
        role = row["role"]
        table.add_row(
            row["name"],
            f"{row['rouge1']:.1f}",
            f"{row['rouge2']:.1f}",
            f"{row['rougeL']:.1f}",
            f"{row['same_as_lead1']}/{result['articles']}",
            f"{row['mean_chars']:.0f}",
            "-" if row["keywords_in_headline"] is None else f"{row['keywords_in_headline']:.0f}",
            ("tried: " if role == "tried" else "") + row["description"],
            style="dim" if role == "tried" else None,
        )
    console.print(table)
    deltas = Table(title=f"{label}: paired bootstrap, ours minus baseline (x100, 95% interval)")
    for column in ("comparison", "R-1", "R-2", "R-L"):
        deltas.add_column(column)
    for name, metrics in result["deltas"].items():
        cells = [
            f"{m['mean']:+.2f} [{m['ci95_low']:+.2f}, {m['ci95_high']:+.2f}]"
            for m in (metrics["rouge1"], metrics["rouge2"], metrics["rouge_l"])
        ]
        deltas.add_row(name, *cells)
    three = result["three_sentences"]
    d = three["delta"]
    deltas.add_row(
        "3 sentences: ours - lead-3",
        f"{d['mean']:+.2f} [{d['ci95_low']:+.2f}, {d['ci95_high']:+.2f}] "
        f"({three['ours_rouge1']:.1f} vs {three['lead3_rouge1']:.1f})",
        "",
        "",
    )
    console.print(deltas)
    ablation = result["stopword_ablation"]
    console.print(
        "Stopwords, news-register section (进行/开展/表示/...): changes "
        f"{ablation['top_sentences_changed']}/{result['articles']} TextRank top sentences; "
        f"without it {ablation['register_words_in_keywords_without_section']} of "
        f"{ablation['keyword_slots']} keywords are such filler "
        f"(in {ablation['articles_with_register_keywords_without_section']} articles)."
    )


def run(
    data: Path = DEFAULT_HEADLINES,
    *,
    dev2: Path | None = None,
    out: Path = RESULTS_DIR / "quality.json",
    quick: bool = False,
    console: Console | None = None,
    check: bool = False,
) -> int:
    """Run the benchmark on the dev sets present, print tables and targets, write ``out``.

    Returns 0, also when the data is absent; with ``check``, 1 when a target is missed.
    """
    console = console or console_for_tables()
    samples = 1_000 if quick else 10_000
    sets: dict[str, dict[str, Any] | None] = {"dev set 1": None, "dev set 2": None}
    if data.is_file():
        sets["dev set 1"] = evaluate(
            f"海南日报 headlines ({data})",
            load_headlines(data),
            bootstrap_samples=samples,
            picks=True,
        )
    else:
        console.print(
            f"[yellow]dev set 1 skipped:[/] {data} not found (it lives in ../shared/data/ next "
            "to the repository; pass --data to point elsewhere)"
        )
    if dev2 is not None and dev2.is_dir():
        sets["dev set 2"] = evaluate(
            f"人民日报 2020-01 ({dev2})", load_month(dev2), bootstrap_samples=samples, picks=False
        )
    else:
        console.print(
            "[yellow]dev set 2 skipped:[/] "
            + (f"{dev2} is not a folder" if dev2 is not None else "no --dev2 PATH given")
            + " (人民日报 2020年1月 extracted from caspiankexin/people-daily-crawler-date; "
            "see bench/peopledaily.py)"
        )
    if all(block is None for block in sets.values()):
        return 0
    result: dict[str, Any] = {
        "shipped_config": asdict(SummarizerConfig()),
        "sets": sets,
    }
    found = [t for label, block in sets.items() for t in targets(block, label)]
    return finish(result, found, render, out, console, check=check)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = bench_parser("python -m bench.quality", __doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_HEADLINES)
    parser.add_argument("--dev2", type=Path, default=None, help="extracted 人民日报 2020年1月")
    out_option(parser, "quality.json")
    parser.add_argument("--quick", action="store_true", help="fewer bootstrap samples")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    return run(args.data, dev2=args.dev2, out=args.out, quick=args.quick, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
