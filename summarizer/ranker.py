"""The learned sentence ranker: a linear weighting of TextRank-derived features.

A sentence's score is ``features @ weights`` (:mod:`summarizer.features`); only the order of
scores within one article matters, so there is no intercept. The weights were fitted offline
by ``bench/train_ranker.py`` on other months of 人民日报 than any benchmark reads, and ship as
a small text file, ``summarizer/data/ranker.txt``: one ``name weight`` pair a line, ``#``
comments, and optionally ``window N``: only the first N candidates are ranked by the weights
(news states its point early; later sentences follow in TextRank order). Why a text file: it
is readable in review, diffable, and needs no pickle.

The file is optional at run time. When it is missing or unreadable, :func:`packaged_ranker`
returns ``None`` (logging why, once) and the summarizer ranks by TextRank alone.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from summarizer.features import FEATURES

log = logging.getLogger(__name__)

RANKER_FILE = "data/ranker.txt"
"""Where the packaged weights live, relative to the ``summarizer`` package."""


class RankerFormatError(ValueError):
    """A weights file that cannot be read as ``name weight`` lines of known features."""


@dataclass(frozen=True, slots=True)
class LinearRanker:
    """Weights for some of :data:`~summarizer.features.FEATURES` (the others weigh 0), and
    how many leading candidates they rank (``window``; ``None``: all)."""

    weights: tuple[tuple[str, float], ...]
    window: int | None = None
    _vector: NDArray[np.float64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.window is not None and self.window < 1:
            raise RankerFormatError("window must be at least 1")
        names = [name for name, _ in self.weights]
        unknown = sorted(set(names) - set(FEATURES))
        if unknown:
            raise RankerFormatError(f"unknown feature(s) {', '.join(unknown)}")
        if len(set(names)) != len(names):
            raise RankerFormatError("a feature is weighted twice")
        if not all(math.isfinite(weight) for _, weight in self.weights):
            raise RankerFormatError("weights must be finite numbers")
        weights = dict(self.weights)
        vector = np.array([weights.get(name, 0.0) for name in FEATURES])
        vector.flags.writeable = False
        object.__setattr__(self, "_vector", vector)

    def vector(self) -> NDArray[np.float64]:
        """The weights in :data:`FEATURES` order, zero for features not named."""
        return self._vector.copy()

    def score(
        self, features: NDArray[np.float64], fallback: NDArray[np.float64] | None = None
    ) -> NDArray[np.float64]:
        """One score per row of a :func:`~summarizer.features.sentence_features` matrix.

        Rows past ``window`` score below every row inside it, ordered among themselves by
        ``fallback`` (values in [0, 1), e.g. TextRank's), else by position.
        """
        scores = np.asarray(features @ self._vector, dtype=np.float64)
        if self.window is None or len(scores) <= self.window:
            return scores
        rest = len(scores) - self.window
        if fallback is None:
            fallback = np.linspace(0.5, 0.0, rest, endpoint=False)
        else:
            fallback = np.asarray(fallback, dtype=np.float64)[self.window :]
        scores[self.window :] = scores[: self.window].min() - 1.0 + fallback
        return scores

    def dumps(self, comments: Iterable[str] = ()) -> str:
        """The weights file's text (what :func:`parse_ranker` reads)."""
        lines = [f"# {line}".rstrip() for line in comments]
        if self.window is not None:
            lines.append(f"window {self.window}")
        lines += [f"{name} {weight:.6g}" for name, weight in self.weights]
        return "\n".join(lines) + "\n"


def parse_ranker(text: str) -> LinearRanker:
    """Read ``name weight`` lines (blank lines and ``#`` comments skipped)."""
    pairs = []
    window = None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise RankerFormatError(f"line {number}: expected 'name weight', got {line!r}")
        try:
            if parts[0] == "window":
                window = int(parts[1])
            else:
                pairs.append((parts[0], float(parts[1])))
        except ValueError:
            raise RankerFormatError(f"line {number}: {parts[1]!r} is not a number") from None
    if not pairs:
        raise RankerFormatError("no weights")
    return LinearRanker(tuple(pairs), window)


@cache
def packaged_ranker() -> LinearRanker | None:
    """The shipped weights, or ``None`` (TextRank alone) when the file is absent or broken."""
    try:
        text = resources.files("summarizer").joinpath(RANKER_FILE).read_text("utf-8")
        return parse_ranker(text)
    except (OSError, RankerFormatError) as error:
        log.warning("learned ranker unavailable (%s); ranking by TextRank alone", error)
        return None
