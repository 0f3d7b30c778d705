"""Reading one 人民日报 article file: headline lines, then indented paragraphs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.peopledaily import load_month, parse_article


def test_headline_is_every_line_before_the_first_indented_paragraph() -> None:
    text = (
        "\r\n全省推进公积金改革\r\n——写在新政实施一周年之际\r\n"
        "　　第一段。\r\n　　\r\n　　第二段。\r\n"
    )
    row = parse_article(text, "a.txt")
    assert row is not None
    assert row.headline == "全省推进公积金改革 ——写在新政实施一周年之际"
    assert row.text == "第一段。\n\n第二段。"


@pytest.mark.parametrize("text", ["", "\r\n只有标题\r\n", "　　只有正文。\r\n"])
def test_an_article_without_headline_or_body_is_skipped(text: str) -> None:
    assert parse_article(text) is None


def test_load_month_keeps_long_articles_in_path_order(tmp_path: Path) -> None:
    day = tmp_path / "20200102"
    day.mkdir()
    (day / "b.txt").write_text("标题乙\n　　" + "长" * 501 + "\n", "utf-8")
    (day / "a.txt").write_text("标题甲\n　　" + "长" * 600 + "\n", "utf-8")
    (day / "c.txt").write_text("标题丙\n　　" + "短" * 500 + "\n", "utf-8")
    rows = load_month(tmp_path)
    assert [row.headline for row in rows] == ["标题甲", "标题乙"]
    assert rows[0].id == "20200102/a.txt"
    with pytest.raises(FileNotFoundError):
        load_month(tmp_path / "absent")
