"""Near-duplicate benchmark: does ``summarizer.duplicates`` merge the same story printed twice,
and (above all) never merge two different stories?

The combined digest shows a story two papers printed once, with "also in"; a false merge hides
a story, so the target is precision >= 0.98 at the shipped threshold, with recall reported.

The labelled set (pairs of article bodies, built here, deterministically, from the sources):

* **positives, synthetic reprints**: each article with a body of at least
  :data:`MIN_BODY` characters, "reprinted" the way a provincial paper prints wire copy — new
  headline, re-paragraphed, and at least one of: the tail cut (40–80 % of the paragraphs
  kept), the dateline and first sentence dropped, a middle paragraph dropped, a few copy-edits
  (word swaps such as 我国→中国). These pairs are synthetic, edits of real articles, and say
  so in the results (``kind``);
* **positives, real** (人民日报 only): the same article printed twice in one day's paper (the
  same headline, of at least :data:`MIN_HEADLINE` characters, on exactly two pages: a
  page-one story and its full text inside);
* **negatives, hard**: for each article, the :data:`HARD_PER_ARTICLE` other articles *of the
  same day* whose bodies overlap it most and whose headlines differ — the same topic, a
  report and the speech it quotes, templated notices (开除党籍) about different people;
* **negatives, random**: other articles of the same day.

Labels come from the construction (and, for real pairs, from the headlines), never from the
detector. Sources: ``--data`` (海南日报, 71 articles over three days, the default set),
the seed edition (浙江工人日报 2024-07-01), and optionally ``--pd`` months of extracted
人民日报 (local only, never committed: :mod:`bench.peopledaily`), the first one to choose the
threshold on (dev) and the others to report it on (test). Results: precision, recall, F1 per
threshold for the overlap coefficient (shipped) and Jaccard (the usual baseline), recall per
edit, the closest negatives (ids only) and the time to group a day's articles.

Usage: ``python -m bench dedup [--data PATH] [--pd MONTH ...] [--out PATH] [--check]``.
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import (
    DEFAULT_EDITION,
    DEFAULT_HEADLINES,
    PACKAGED_EDITION,
    HeadlineRow,
    Target,
    bench_parser,
    console_for_tables,
    finish,
    load_headlines,
    out_option,
)
from bench.peopledaily import load_month
from summarizer import duplicates
from summarizer.duplicates import MIN_SHINGLES, THRESHOLD, find_repeats, fingerprint, overlap

MIN_BODY = 300  # characters: shorter items (briefs, captions) are not reprinted as stories
MIN_HEADLINE = 8  # characters a headline needs to name one story (图片报道 names none)
HARD_PER_ARTICLE = 3
RANDOM_PER_ARTICLE = 2
PRECISION_TARGET = 0.98
THRESHOLDS = tuple(round(0.30 + 0.05 * i, 2) for i in range(14))  # 0.30 … 0.95
SEED = 20261129
SWAPS = (
    ("我国", "中国"),
    ("今年", "2026年"),
    ("日前", "近日"),
    ("目前", "当前"),
    ("进一步", "更加"),
    ("表示", "说"),
    ("指出", "强调"),
    ("记者", "本报记者"),
)
_LEAD = re.compile(r"^(新华社[^电]{0,20}电|本报[^ ]{0,30}?(讯|电)[^ ]{0,20}? ?)\s*")


@dataclass(frozen=True, slots=True)
class Item:
    """One article: where it comes from (``day`` groups the candidates of one digest)."""

    id: str
    day: str
    headline: str
    text: str


@dataclass(frozen=True, slots=True)
class Pair:
    a: str  # body text
    b: str
    label: bool
    kind: str  # how the pair was made
    ids: tuple[str, str]


# --------------------------------------------------------------------------- sources


def hainan_items(path: Path) -> list[Item]:
    """海南日报 articles; the day is in the id (``hn-2026-07-08-1-001``)."""
    return [Item(r.id, r.id[:13], r.headline, r.text) for r in load_headlines(path)]


def seed_items() -> list[Item]:
    """The seed edition's articles (浙江工人日报 2024-07-01, page 1)."""
    from summarizer.parser import parse_page

    path = DEFAULT_EDITION if DEFAULT_EDITION.is_file() else PACKAGED_EDITION
    edition = parse_page(path.read_text(encoding="utf-8"))
    return [
        Item(f"seed-{n}", "seed-2024-07-01", a.title, "\n\n".join(a.paragraphs))
        for n, a in enumerate(edition.articles, start=1)
    ]


def pd_items(folder: Path) -> list[Item]:
    """An extracted 人民日报 month; the day is the file's folder (``20200102/…``)."""
    rows: list[HeadlineRow] = load_month(folder, min_body_chars=100)
    return [Item(r.id, "pd-" + r.id.split("/")[0], r.headline, r.text) for r in rows]


# --------------------------------------------------------------------------- the labelled set


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？])", text) if s.strip()]


def reprint(text: str, rng: random.Random) -> tuple[str, str]:
    """A provincial paper's print of ``text`` (see the module docstring) and the edits made."""
    paragraphs = _paragraphs(text)
    if len(paragraphs) < 3:  # one long paragraph: work on sentences instead
        paragraphs = _sentences(" ".join(paragraphs))
    edits: list[str] = []
    options = ["trim_tail", "drop_lead", "drop_paragraph", "copy_edit"]
    chosen = [o for o in options if rng.random() < 0.5] or [rng.choice(options)]
    if "drop_lead" in chosen and len(paragraphs) > 1:
        first = _LEAD.sub("", paragraphs[0])
        rest = _sentences(first)[1:]
        paragraphs = (["".join(rest)] if rest else []) + paragraphs[1:]
        edits.append("drop_lead")
    if "drop_paragraph" in chosen and len(paragraphs) > 3:
        del paragraphs[rng.randrange(1, len(paragraphs) - 1)]
        edits.append("drop_paragraph")
    if "trim_tail" in chosen and len(paragraphs) > 2:
        keep = max(1, round(len(paragraphs) * rng.uniform(0.4, 0.8)))
        paragraphs = paragraphs[:keep]
        edits.append("trim_tail")
    body = "".join(paragraphs)
    if "copy_edit" in chosen:
        for old, new in rng.sample(SWAPS, 4):
            body = body.replace(old, new, 2)
        edits.append("copy_edit")
    # Re-paragraphed: the reprint's own paragraph breaks, every 2–4 sentences.
    sentences = _sentences(body)
    out, step = [], rng.randint(2, 4)
    for start in range(0, len(sentences), step):
        out.append("".join(sentences[start : start + step]))
    return "\n\n".join(out), "+".join(edits) or "reparagraph"


def labelled_pairs(items: Sequence[Item], rng: random.Random) -> list[Pair]:
    """Positives and negatives among ``items`` (see the module docstring)."""
    by_day: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_day[item.day].append(item)
    prints = {item.id: fingerprint(item.text) for item in items}
    pairs: list[Pair] = []
    for day_items in by_day.values():
        for item in day_items:
            if len(item.text) >= MIN_BODY:
                text, edits = reprint(item.text, rng)
                pairs.append(Pair(item.text, text, True, f"synthetic:{edits}", (item.id, "")))
        seen: set[tuple[str, str]] = set()
        headlines: dict[str, list[Item]] = defaultdict(list)
        for item in day_items:
            headlines[" ".join(item.headline.split())].append(item)
        for headline, twice in headlines.items():
            # A headline printed exactly twice that day, and specific enough to name one story
            # (not a recurring label such as 图片报道).
            if len(twice) == 2 and len(headline) >= MIN_HEADLINE and all(i.text for i in twice):
                a, b = twice
                pairs.append(Pair(a.text, b.text, True, "real:same_day_twice", (a.id, b.id)))
                seen.add((min(a.id, b.id), max(a.id, b.id)))
        for a in day_items:
            if len(a.text) < MIN_BODY:
                continue
            others = [b for b in day_items if b.id != a.id and b.headline != a.headline]
            ranked = sorted(others, key=lambda b: overlap(prints[a.id], prints[b.id]), reverse=True)
            picked = ranked[:HARD_PER_ARTICLE]
            rest = ranked[HARD_PER_ARTICLE:]
            picked_random = rng.sample(rest, min(RANDOM_PER_ARTICLE, len(rest)))
            for kind, group in (("hard", picked), ("random", picked_random)):
                for b in group:
                    key = (min(a.id, b.id), max(a.id, b.id))
                    if key in seen:
                        continue
                    seen.add(key)
                    pairs.append(Pair(a.text, b.text, False, f"negative:{kind}", key))
    return pairs


# --------------------------------------------------------------------------- scoring


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if min(len(a), len(b)) < MIN_SHINGLES:
        return 0.0
    return len(a & b) / len(a | b)


MEASURES: dict[str, Callable[[frozenset[str], frozenset[str]], float]] = {
    "overlap (shipped)": overlap,
    "jaccard (baseline)": jaccard,
}


def scores(pairs: Sequence[Pair]) -> dict[str, list[float]]:
    prints = [(fingerprint(p.a), fingerprint(p.b)) for p in pairs]
    return {name: [m(a, b) for a, b in prints] for name, m in MEASURES.items()}


def confusion(pairs: Sequence[Pair], values: Sequence[float], threshold: float) -> dict[str, Any]:
    tp = sum(1 for p, v in zip(pairs, values, strict=True) if p.label and v >= threshold)
    fp = sum(1 for p, v in zip(pairs, values, strict=True) if not p.label and v >= threshold)
    positives = sum(p.label for p in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": positives - tp,
    }


def evaluate(name: str, pairs: Sequence[Pair]) -> dict[str, Any]:
    """Every measure at every threshold, the shipped one in detail, the closest negatives."""
    values = scores(pairs)
    shipped = values["overlap (shipped)"]
    per_kind: dict[str, list[bool]] = defaultdict(list)
    for pair, value in zip(pairs, shipped, strict=True):
        per_kind[pair.kind].append((value >= THRESHOLD) == pair.label)
    negatives = sorted(
        ((v, p) for p, v in zip(pairs, shipped, strict=True) if not p.label),
        key=lambda x: -x[0],
    )
    return {
        "set": name,
        "pairs": len(pairs),
        "positives": sum(p.label for p in pairs),
        "negatives": sum(not p.label for p in pairs),
        "shipped": confusion(pairs, shipped, THRESHOLD),
        "curves": {
            measure: [confusion(pairs, vals, t) for t in THRESHOLDS]
            for measure, vals in values.items()
        },
        "correct_per_kind": {
            kind: {"pairs": len(flags), "correct": sum(flags)}
            for kind, flags in sorted(per_kind.items())
        },
        "closest_negatives": [
            {"overlap": round(v, 3), "ids": list(p.ids)} for v, p in negatives[:10]
        ],
    }


def best_threshold(curve: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The lowest threshold (highest recall) whose precision meets the target."""
    ok = [row for row in curve if row["precision"] >= PRECISION_TARGET]
    return min(ok, key=lambda row: row["threshold"]) if ok else None


def time_a_day(items: Sequence[Item], repeats: int = 5) -> dict[str, Any]:
    """Milliseconds for ``find_repeats`` over the biggest day (the combined digest's work)."""
    by_day: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_day[item.day].append(item)
    day = max(by_day.values(), key=len)
    texts = [item.text for item in day]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        find_repeats(texts, groups=list(range(len(texts))))
        best = min(best, time.perf_counter() - start)
    return {"articles": len(texts), "ms": round(best * 1000, 1)}


# --------------------------------------------------------------------------- output


def render(result: dict[str, Any], console: Console) -> None:
    for evaluation in result["sets"]:
        table = Table(
            title=f"near-duplicates, {evaluation['set']}: {evaluation['positives']} positive "
            f"and {evaluation['negatives']} negative pairs"
        )
        table.add_column("measure")
        table.add_column("threshold", justify="right")
        table.add_column("precision", justify="right")
        table.add_column("recall", justify="right")
        table.add_column("F1", justify="right")
        table.add_column("FP", justify="right")
        table.add_column("FN", justify="right")
        for measure, curve in evaluation["curves"].items():
            shown = [r for r in curve if r["threshold"] in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)]
            best = best_threshold(curve)
            for row in shown + ([best] if best and best not in shown else []):
                shipped = measure.endswith("(shipped)") and row["threshold"] == THRESHOLD
                mark = " ←" if shipped else ""
                table.add_row(
                    measure,
                    f"{row['threshold']:.2f}{mark}",
                    f"{row['precision']:.3f}",
                    f"{row['recall']:.3f}",
                    f"{row['f1']:.3f}",
                    str(row["fp"]),
                    str(row["fn"]),
                )
        console.print(table)
        kinds = Table(title=f"{evaluation['set']}: pairs judged right at the shipped threshold")
        kinds.add_column("kind")
        kinds.add_column("pairs", justify="right")
        kinds.add_column("right", justify="right")
        for kind, row in evaluation["correct_per_kind"].items():
            kinds.add_row(kind, str(row["pairs"]), f"{row['correct'] / row['pairs']:.3f}")
        console.print(kinds)
    timing = result["timing"]
    console.print(
        f"grouping the biggest day ({timing['articles']} articles): {timing['ms']} ms; "
        f"shingles of {duplicates.SHINGLE} characters, shipped threshold {THRESHOLD}"
    )


def run(
    data: Path,
    *,
    pd: Sequence[Path] = (),
    out: Path,
    console: Console,
    check: bool = False,
) -> int:
    sets: list[tuple[str, list[Item]]] = []
    default: list[Item] = seed_items()
    if data.is_file():
        default += hainan_items(data)
    else:
        console.print(f"[yellow]{data} not found: the default set has the seed edition only")
    sets.append(("海南日报 + seed (committable sources)", default))
    for index, month in enumerate(pd):
        role = "dev: threshold chosen here" if index == 0 else "test"
        sets.append((f"人民日报 {month.name} ({role}, local only)", pd_items(month)))
    rng = random.Random(SEED)
    evaluations = [evaluate(name, labelled_pairs(items, rng)) for name, items in sets]
    result: dict[str, Any] = {
        "benchmark": "dedup",
        "shingle": duplicates.SHINGLE,
        "threshold": THRESHOLD,
        "min_shingles": MIN_SHINGLES,
        "seed": SEED,
        "sets": evaluations,
        "timing": time_a_day([item for _, items in sets for item in items]),
    }
    targets = []
    for evaluation in evaluations:
        shipped = evaluation["shipped"]
        targets.append(
            Target(
                f"precision at {THRESHOLD}, {evaluation['set']}",
                f"{shipped['precision']:.3f} (recall {shipped['recall']:.3f})",
                f">= {PRECISION_TARGET}",
                shipped["precision"] >= PRECISION_TARGET,
            )
        )
    if not pd:
        targets.append(Target("precision on 人民日报", "no --pd month given", "", None))
    return finish(result, targets, render, out, console, check=check)


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser("python -m bench.dedup", __doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_HEADLINES)
    parser.add_argument("--pd", type=Path, nargs="*", default=[], help="extracted 人民日报 months")
    out_option(parser, "dedup.json")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    return run(args.data, pd=args.pd, out=args.out, console=console_for_tables(), check=args.check)


if __name__ == "__main__":
    sys.exit(main())
