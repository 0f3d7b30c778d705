"""Specification of the /stats chart: a phone-sized PNG that never crashes and never shows tofu."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Callable
from pathlib import Path

import matplotlib
import matplotlib.image
import pytest
from matplotlib import font_manager

from bot.render.charts import (
    HEIGHT_PX,
    PNG_SIGNATURE,
    WIDTH_PX,
    axis_labels,
    find_cjk_font,
    keyword_labels,
    pick_cjk_font,
    render_stats_chart,
)
from bot.storage.records import Stats

EMPTY = Stats(editions=0, articles=0, subscribers=0, digests_delivered=0, top_keywords=(), daily=())


def _two_weeks() -> Stats:
    first = dt.date(2024, 7, 1)
    daily = tuple((first + dt.timedelta(days=i), 5 + i % 4, 20 + 3 * (i % 5)) for i in range(14))
    return Stats(
        editions=14,
        articles=sum(articles for _, articles, _ in daily),
        subscribers=3,
        digests_delivered=40,
        top_keywords=(("工会", 31), ("职工", 22), ("数智化", 9), ("驿站", 4)),
        daily=daily,
    )


def _decode(png: bytes) -> tuple[int, ...]:
    return matplotlib.image.imread(io.BytesIO(png)).shape


def test_empty_stats_render_a_png_instead_of_crashing() -> None:
    png = render_stats_chart(EMPTY, title="Baozhai")

    assert png.startswith(PNG_SIGNATURE)
    assert _decode(png)[:2] == (HEIGHT_PX, WIDTH_PX)


def test_two_weeks_of_stats_render_a_phone_sized_png() -> None:
    png = render_stats_chart(_two_weeks(), title="浙江工人日报")

    assert png.startswith(PNG_SIGNATURE)
    assert _decode(png)[:2] == (HEIGHT_PX, WIDTH_PX)


def test_days_without_articles_render_as_no_data() -> None:
    quiet = Stats(
        editions=3,
        articles=0,
        subscribers=1,
        digests_delivered=0,
        top_keywords=(),
        daily=((dt.date(2024, 7, 1), 0, 0), (dt.date(2024, 7, 2), 0, 0)),
    )

    assert render_stats_chart(quiet, title="Baozhai").startswith(PNG_SIGNATURE)


def test_articles_without_keywords_still_render() -> None:
    stats = Stats(
        editions=1,
        articles=7,
        subscribers=0,
        digests_delivered=0,
        top_keywords=(),
        daily=((dt.date(2024, 7, 1), 7, 0),),
    )

    assert _decode(render_stats_chart(stats, title="Baozhai"))[:2] == (HEIGHT_PX, WIDTH_PX)


def _missing_glyphs(render: Callable[[], bytes]) -> list[str]:
    """Render and collect matplotlib's "Glyph … missing from font(s)" warnings (= tofu)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_ascii_mode_draws_no_tofu_even_for_a_chinese_title_and_keywords() -> None:
    missing = _missing_glyphs(
        lambda: render_stats_chart(_two_weeks(), title="浙江工人日报 14天", cjk_font=None)
    )

    assert missing == []


def test_the_automatic_font_choice_draws_no_tofu() -> None:
    assert _missing_glyphs(lambda: render_stats_chart(_two_weeks(), title="浙江工人日报")) == []


def test_without_cjk_font_keywords_are_labelled_by_rank() -> None:
    assert keyword_labels(["工会", "职工", "APP"], cjk=False) == ["#1", "#2", "#3"]


def test_with_cjk_font_keywords_are_labelled_by_themselves() -> None:
    assert keyword_labels(["工会", "职工"], cjk=True) == ["工会", "职工"]


@pytest.mark.parametrize(
    ("lang", "cjk", "articles"),
    [("zh", True, "文章数"), ("en", True, "Articles"), ("zh", False, "Articles")],
)
def test_the_charts_own_words_are_in_the_readers_language_where_a_font_can_draw_them(
    lang: str, cjk: bool, articles: str
) -> None:
    assert axis_labels(lang, cjk=cjk).articles == articles


def test_a_font_named_cjk_without_chinese_glyphs_is_not_used() -> None:
    latin_only = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    impostor = font_manager.FontEntry(fname=str(latin_only), name="Noto Sans CJK SC")

    assert pick_cjk_font([impostor]) is None


def test_matplotlibs_bundled_fonts_are_not_taken_for_cjk() -> None:
    bundled = Path(matplotlib.get_data_path(), "fonts", "ttf")
    entries = [e for e in font_manager.fontManager.ttflist if Path(e.fname).parent == bundled]

    assert entries
    assert pick_cjk_font(entries) is None


@pytest.mark.skipif(find_cjk_font() is None, reason="no CJK font installed on this machine")
def test_an_installed_cjk_font_renders_chinese_keywords() -> None:
    png = render_stats_chart(_two_weeks(), title="浙江工人日报 · 近14天")

    assert _decode(png)[:2] == (HEIGHT_PX, WIDTH_PX)
