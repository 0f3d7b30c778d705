"""The topic-matching benchmark runs end to end on a tiny size and writes its table and JSON;
no timing is checked (targets are the benchmark's business, at full size)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from bench import follows
from bench.common import DEFAULT_HEADLINES


def test_the_follows_benchmark_runs_small_and_writes_its_results(tmp_path: Path) -> None:
    out = tmp_path / "follows.json"
    buffer = io.StringIO()
    code = follows.run(
        DEFAULT_HEADLINES,
        readers=40,
        per_reader=5,
        articles=12,
        out=out,
        quick=True,
        console=Console(file=buffer, width=130),
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0
    assert result["readers"] == 40 and result["follows"] == 200
    assert result["edition"]["articles"] == 12
    assert result["seconds"]["index_and_match"] > 0
    assert result["targets"][0]["passed"] is None  # not the full size: no verdict
    assert "Topic matching" in buffer.getvalue()


def test_benchmark_readers_follow_skewed_terms_deterministically() -> None:
    _, articles = follows.edition_articles(DEFAULT_HEADLINES, 5)
    first = follows.reader_follows(articles, 30, 4)
    assert first == follows.reader_follows(articles, 30, 4)
    assert len(first) == 120 and len({term for _, term in first}) < 120
