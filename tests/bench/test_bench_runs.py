"""The benchmarks run end to end on tiny inputs and skip without data; no timing is checked."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from bench import __main__ as bench_main
from bench import quality, speed

ROWS = [
    {
        "id": "t-1",
        "headline": "海南能用住房公积金交物业费了",
        "text": "本报讯（海南日报全媒体记者孙慧）7月6日起，海南开展提取住房公积金支付物业费业务。"
        "符合条件的缴存人家庭，每年可申请提取一次住房公积金。\n\n"
        "政策明确，缴存人家庭在海南省内无未结清住房公积金贷款的，每年可申请提取一次公积金支付物业费。",
    },
    {
        "id": "t-2",
        "headline": "第四届武术套路世界杯海口开幕",
        "text": "■ 新华社记者\n\n7月7日，第四届武术套路世界杯在海口开幕。\n\n"
        "来自世界各地的武术运动员参加比赛，武术套路世界杯汇聚了顶级运动员。",
    },
]


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    path = tmp_path / "news_headlines.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in ROWS), "utf-8")
    return path


def _console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=160), buffer


def test_quality_skips_without_data(tmp_path: Path) -> None:
    console, buffer = _console()
    assert quality.run(tmp_path / "absent.jsonl", out=tmp_path / "q.json", console=console) == 0
    assert "skipped" in buffer.getvalue()
    assert not (tmp_path / "q.json").exists()


def test_quality_on_a_tiny_set(tiny_data: Path, tmp_path: Path) -> None:
    console, buffer = _console()
    out = tmp_path / "quality.json"
    assert quality.run(tiny_data, out=out, quick=True, console=console) == 0
    result = json.loads(out.read_text("utf-8"))
    names = [row["name"] for row in result["systems"]]
    assert names[:4] == ["ours", "ours, no prior", "textrank4zh", "lead-1"]
    assert result["articles"] == 2
    assert all(0 <= row["rouge2"] <= 100 for row in result["systems"])
    assert "lead-1" in buffer.getvalue()
    lead = next(row for row in result["picks"] if row["id"] == "t-1")["lead-1"]
    assert lead == "7月6日起，海南开展提取住房公积金支付物业费业务。"


def test_speed_on_a_tiny_set(tiny_data: Path, tmp_path: Path, seed_path: Path) -> None:
    console, buffer = _console()
    out = tmp_path / "speed.json"
    assert speed.run(tiny_data, edition=seed_path, out=out, quick=True, console=console) == 0
    result = json.loads(out.read_text("utf-8"))
    assert result["per_article"]["articles"] == 2
    systems = result["per_article"]["systems"]
    assert {speed.OURS_FULL, speed.OURS_SENTENCES, "textrank4zh sentences"} <= set(systems)
    assert systems["textrank4zh sentences"]["against"] == speed.OURS_SENTENCES
    if result.get("edition") is not None:
        assert result["edition"]["articles"] >= 1
    assert "ms/article" in buffer.getvalue()


def test_main_runs_both(tiny_data: Path, tmp_path: Path, seed_path: Path) -> None:
    code = bench_main.main(
        ["--quick", "--data", str(tiny_data), "--edition", str(seed_path), "--out", str(tmp_path)]
    )
    assert code == 0
    assert (tmp_path / "quality.json").is_file() and (tmp_path / "speed.json").is_file()
