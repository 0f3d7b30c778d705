"""The benchmarks run end to end on tiny inputs and skip without data; no timing is checked."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from bench import __main__ as bench_main
from bench import common as bench_common
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
    assert "dev set 1 skipped" in buffer.getvalue() and "dev set 2 skipped" in buffer.getvalue()
    assert not (tmp_path / "q.json").exists()


def test_quality_on_a_tiny_set(tiny_data: Path, tmp_path: Path) -> None:
    console, buffer = _console()
    out = tmp_path / "quality.json"
    assert quality.run(tiny_data, out=out, quick=True, console=console) == 0
    result = json.loads(out.read_text("utf-8"))
    dev1 = result["sets"]["dev set 1"]
    names = [row["name"] for row in dev1["systems"]]
    assert names[:5] == ["ours", "ours, TextRank only", "textrank4zh", "lead-1", "oracle"]
    assert dev1["articles"] == 2 and result["sets"]["dev set 2"] is None
    assert all(0 <= row["rouge2"] <= 100 for row in dev1["systems"])
    assert "lead-1" in buffer.getvalue()
    lead = next(row for row in dev1["picks"] if row["id"] == "t-1")["lead-1"]
    assert lead == "7月6日起，海南开展提取住房公积金支付物业费业务。"


def test_the_oracle_is_never_below_any_system(tiny_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "quality.json"
    console, _ = _console()
    quality.run(tiny_data, out=out, quick=True, console=console)
    rows = json.loads(out.read_text("utf-8"))["sets"]["dev set 1"]["systems"]
    oracle = next(row for row in rows if row["name"] == "oracle")
    assert all(row["rouge2"] <= oracle["rouge2"] + 1e-9 for row in rows)


def _month_folder(tmp_path: Path) -> Path:
    """A fake extracted month in the 人民日报 layout: headline lines, indented paragraphs."""
    folder = tmp_path / "2020年1月" / "20200101"
    folder.mkdir(parents=True)
    body = "　　海南开展提取住房公积金支付物业费业务，缴存人家庭每年可申请提取一次。" * 20
    for number, headline in enumerate(("公积金可交物业费", "武术套路世界杯开幕")):
        text = f"\r\n{headline}\r\n\r\n{body}\r\n　　第二段说明了具体办法。\r\n"
        (folder / f"20200101-01-0{number}.txt").write_text(text, "utf-8")
    (folder / "20200101-01-09.txt").write_text("\r\n图片\r\n　　短的图片说明。\r\n", "utf-8")
    return tmp_path / "2020年1月"


def test_quality_scores_dev_set_2_without_writing_its_text(tiny_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "quality.json"
    console, buffer = _console()
    quality.run(tiny_data, dev2=_month_folder(tmp_path), out=out, quick=True, console=console)
    dev2 = json.loads(out.read_text("utf-8"))["sets"]["dev set 2"]
    assert dev2["articles"] == 2  # the short caption-only file is left out
    assert "picks" not in dev2
    assert "海南开展" not in out.read_text("utf-8").split('"dev set 2"')[1]
    assert "dev set 2: top-1 R-2 ahead of lead-1" in buffer.getvalue()


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
    hostile = json.loads((tmp_path / "hostile.json").read_text(encoding="utf-8"))
    assert {row["name"] for row in hostile["rows"]} >= {"200,000 headings"}


def test_quality_prints_pass_or_fail_per_target_and_check_fails_on_a_miss(
    tiny_data: Path, tmp_path: Path
) -> None:
    # On two articles ours cannot be 2 points ahead of lead-1 with an interval above zero.
    console, buffer = _console()
    out = tmp_path / "quality.json"
    assert quality.run(tiny_data, out=out, quick=True, console=console) == 0
    printed = buffer.getvalue()
    assert "FAIL dev set 1: top-1 R-2 ahead of lead-1 by >= 2.0" in printed
    assert "SKIP dev set 2: top-1 R-2 ahead of lead-1" in printed
    assert (
        "PASS dev set 1: ours ahead of textrank4zh" in printed or "FAIL dev set 1: ours" in printed
    )
    result = json.loads(out.read_text("utf-8"))
    assert {t["name"] for t in result["targets"]} >= {"dev set 1: 3 sentences R-1 not below lead-3"}
    console, _ = _console()
    assert quality.run(tiny_data, out=out, quick=True, console=console, check=True) == 1


def _set_result(margin: float, low: float, three: float) -> dict:
    interval = {"mean": margin, "ci95_low": low, "ci95_high": margin + 1}
    return {
        "systems": [
            {"name": "ours", "rouge1": 25.0, "rouge2": 18.0, "rougeL": 23.0},
            {"name": "textrank4zh", "rouge1": 16.0, "rouge2": 9.0, "rougeL": 13.0},
        ],
        "deltas": {"ours - lead-1": {"rouge2": interval}},
        "three_sentences": {"delta": {"mean": three, "ci95_low": three - 1, "ci95_high": three}},
    }


def test_quality_targets_need_the_margin_the_interval_and_lead_3() -> None:
    assert all(t.passed for t in quality.targets(_set_result(2.5, 0.5, 0.1), "d"))
    missed = [t.name for t in quality.targets(_set_result(1.9, 0.5, 0.1), "d") if not t.passed]
    assert missed == ["d: top-1 R-2 ahead of lead-1 by >= 2.0"]
    missed = [t.name for t in quality.targets(_set_result(2.5, -0.1, 0.1), "d") if not t.passed]
    assert missed == ["d: top-1 R-2 ahead of lead-1 by >= 2.0"]
    missed = [t.name for t in quality.targets(_set_result(2.5, 0.5, -0.1), "d") if not t.passed]
    assert missed == ["d: 3 sentences R-1 not below lead-3"]
    assert {t.passed for t in quality.targets(None, "d")} == {None}


def test_paired_bootstrap_brackets_the_mean_difference() -> None:
    first = [0.3, 0.5, 0.2, 0.4, 0.6, 0.1]
    second = [0.1, 0.4, 0.2, 0.1, 0.3, 0.1]
    mean, low, high = quality.paired_bootstrap(first, second, samples=2000)
    assert mean == pytest.approx(100 * (sum(first) - sum(second)) / len(first))
    assert 0 < low < mean < high
    assert quality.paired_bootstrap(first, first, samples=100) == (0.0, 0.0, 0.0)


def test_speed_targets_fail_below_the_ratio_or_over_the_edition_budget() -> None:
    def result(ratio: float, edition_ms: float | None, ingest_ms: float | None = 2.0) -> dict:
        systems = {
            name: {"times_ours": ratio, "against": speed.OURS_FULL}
            for name in ("textrank4zh sentences+keywords", "textrank4zh sentences")
        }
        edition = None if edition_ms is None else {"parse_and_summarize_ms": edition_ms}
        ingest = None if ingest_ms is None else {"ms_per_1000_chars": ingest_ms}
        return {"per_article": {"systems": systems}, "edition": edition, "ingest": ingest}

    assert [t.passed for t in speed.targets(result(120.0, 4.0))] == [True, True, True, True]
    assert [t.passed for t in speed.targets(result(19.0, 6.0, 3.5))] == [False] * 4
    assert [t.passed for t in speed.targets(result(50.0, 4.0))] == [False, True, True, True]
    assert [t.passed for t in speed.targets(result(120.0, None, None))] == [True, True, None, None]
    console, buffer = _console()
    targets = speed.targets(result(19.0, None))
    assert bench_common.report_targets(targets, console, check=False) == 0
    assert bench_common.report_targets(targets, console, check=True) == 1
    assert "FAIL" in buffer.getvalue() and "SKIP" in buffer.getvalue()


def test_synthetic_edition_is_pages_of_every_article(tiny_data: Path) -> None:
    from summarizer.parser import parse_page

    pages = speed.synthetic_pages(tiny_data, copies=3)
    assert len(pages) == 3
    for page in pages:
        edition = parse_page(page)
        assert len(edition.articles) == len(ROWS)
        assert edition.articles[0].title.startswith(ROWS[0]["headline"])


def test_speed_reports_the_end_to_end_ingest_rate_and_peak_memory_per_article(
    tiny_data: Path, tmp_path: Path, seed_path: Path
) -> None:
    out = tmp_path / "speed.json"
    console, _ = _console()
    speed.run(tiny_data, edition=seed_path, out=out, quick=True, console=console)
    result = json.loads(out.read_text("utf-8"))
    ingest = result["ingest"]
    assert ingest["articles"] == speed.INGEST_COPIES * len(ROWS)
    assert ingest["ms_per_1000_chars"] > 0
    for step in ("parse", "summarize", "store"):
        assert 0 < ingest[f"{step}_ms"] < ingest["ingest_ms"]
    memory = result["per_article"]["memory_longest_article"]
    assert 0 < memory["ours_peak_kib_mean"] <= memory["ours_peak_kib_max"]


def test_speed_times_pathological_input(tiny_data: Path, tmp_path: Path, seed_path: Path) -> None:
    out = tmp_path / "speed.json"
    console, buffer = _console()
    speed.run(tiny_data, edition=seed_path, out=out, quick=True, console=console)
    rows = json.loads(out.read_text("utf-8"))["pathological"]
    assert set(rows) == set(speed.pathological_inputs())
    assert rows["200,000-char article"]["chars"] == 200_000
    assert "Pathological input" in buffer.getvalue()


def test_check_without_data_still_exits_0(tmp_path: Path) -> None:
    absent = tmp_path / "absent.jsonl"
    assert (
        bench_main.main(["quality", "--check", "--data", str(absent), "--out", str(tmp_path)]) == 0
    )


@pytest.mark.parametrize(
    ("which", "own_option"),
    [("load", "--seconds"), ("broadcast", "--subscribers"), ("search", "--rounds")],
)
def test_the_long_benchmarks_take_their_own_options_through_python_m_bench(
    which: str, own_option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        bench_main.main([which, "--help"])
    assert exited.value.code == 0
    assert f"python -m bench.{which}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:  # an option of theirs, not of the short ones'
        bench_main.main(["speed", own_option, "1"])
    assert refused.value.code == 2


def test_dedup_on_the_tiny_set_reports_precision_and_recall(
    tiny_data: Path, tmp_path: Path
) -> None:
    from bench import dedup

    console, buffer = _console()
    out = tmp_path / "dedup.json"
    assert dedup.run(tiny_data, out=out, console=console) == 0
    result = json.loads(out.read_text("utf-8"))
    [evaluation] = result["sets"]
    assert evaluation["positives"] > 0 and evaluation["negatives"] > 0
    assert {"precision", "recall", "threshold"} <= set(evaluation["shipped"])
    assert "overlap (shipped)" in buffer.getvalue() and "SKIP" in buffer.getvalue()


def test_dedup_reprints_are_labelled_positive_and_other_stories_negative() -> None:
    import random

    from bench.dedup import Item, labelled_pairs

    body = "。".join(f"第{n}段讲的是一件具体的事情，有数字{n * 37}和地名海口" for n in range(12))
    other = "。".join(f"另一篇文章第{n}句写的是三亚的旅游市场{n * 11}" for n in range(12))
    items = [Item("a", "d1", "甲标题很长很长", body), Item("b", "d1", "乙标题很长很长", other)]
    pairs = labelled_pairs(items, random.Random(1))
    kinds = {(p.kind.split(":")[0], p.label) for p in pairs}
    assert kinds == {("synthetic", True), ("negative", False)}


def test_search_bench_measures_bytes_per_article_before_and_after_the_index(
    tmp_path: Path,
) -> None:
    from bench import search

    sizes = search.bytes_per_article("sqlite", tmp_path, count=300)
    assert sizes["before (0002)"] > 0 and sizes["after"] > 0
