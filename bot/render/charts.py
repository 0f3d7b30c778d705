"""The /stats chart: articles and distinct keywords per day, plus the top keywords.

Why it is built this way:

* Thread-safe. The bot renders from ``asyncio.to_thread`` (and may render two charts at once),
  so nothing here touches ``matplotlib.pyplot`` or ``rcParams``: every figure is a plain
  :class:`matplotlib.figure.Figure` on its own Agg canvas, and fonts are passed per text
  element instead of being set globally.
* Phone-sized. Telegram shows a photo fitted to the chat width, so the PNG is 1000×600 px at
  150 dpi with large type; anything smaller becomes unreadable on a phone.
* No tofu. Chinese text needs a CJK font, which a slim server image usually lacks. We use one if
  matplotlib can find it (Noto Sans/Serif CJK, Source Han, WenQuanYi, …: see
  :func:`find_cjk_font`, which also checks that the font really has Chinese glyphs). Without
  one the chart switches to ASCII-safe labels: English axis labels, keywords shown by rank
  ("#1", "#2", …) and a non-renderable title replaced by a generic English one. The caption
  sent with the photo (rendered elsewhere, as text) carries the Chinese keywords with the same
  rank numbers, so nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from matplotlib import font_manager, ft2font
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.storage.records import Stats

log = logging.getLogger(__name__)

PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"

WIDTH_PX: Final = 1000
HEIGHT_PX: Final = 600
DPI: Final = 150
TOP_KEYWORDS: Final = 8
"""How many keywords the side panel shows; more would not fit at phone size."""

_BASE_FONT: Final = "DejaVu Sans"  # ships with matplotlib, so it is always there
_BAR_COLOUR: Final = "#3b6ea5"
_LINE_COLOUR: Final = "#d1603d"
_KEYWORD_COLOUR: Final = "#6c8f4e"
_FONT_SIZE: Final = 11
_TITLE_SIZE: Final = 14
_TICK_SIZE: Final = 10

# Fonts known to carry Simplified Chinese, best first. Matched as substrings of the family name;
# every candidate is still checked for real CJK glyphs before use.
_CJK_FONT_HINTS: Final = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK",
    "Source Han Sans",
    "Noto Serif CJK",
    "Source Han Serif",
    "Droid Sans Fallback",
    "Microsoft YaHei",
    "PingFang",
    "Hiragino Sans GB",
    "SimHei",
    "Heiti",
    "AR PL",
)
_CJK_PROBE: Final = "中报工会"  # common characters the keywords will certainly contain


@dataclass(frozen=True, slots=True)
class AxisLabels:
    """The chart's own words (axes, panel titles, what an empty chart says)."""

    articles: str
    keywords: str
    top_keywords: str
    no_data: str
    no_editions_in_period: str
    no_keywords: str
    fallback_title: str


_LABELS_ASCII: Final = AxisLabels(
    articles="Articles",
    keywords="Distinct keywords",
    top_keywords="Top keywords",
    no_data="No data yet: no edition has been stored",
    no_editions_in_period="No editions in this period",
    no_keywords="No keywords yet",
    fallback_title="Baozhai stats",
)
_LABELS_CJK: Final = AxisLabels(
    articles="文章数",
    keywords="关键词数",
    top_keywords="热门关键词",
    no_data="暂无数据：尚未收录任何报纸",
    no_editions_in_period="这段时间没有收录报纸",
    no_keywords="暂无关键词",
    fallback_title="报摘统计",
)


@functools.cache
def find_cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None.

    Cached: the font list does not change while the bot runs, and probing fonts is slow.
    """
    return pick_cjk_font(font_manager.fontManager.ttflist)


def pick_cjk_font(entries: Iterable[font_manager.FontEntry]) -> str | None:
    """Choose a CJK family from ``entries`` (matplotlib's font list), best hint first.

    A name alone is not trusted (fonts get renamed and subset), so each candidate is opened and
    must map every character of a small probe string.
    """
    by_name: dict[str, list[font_manager.FontEntry]] = {}
    for entry in entries:
        by_name.setdefault(entry.name, []).append(entry)
    for hint in _CJK_FONT_HINTS:
        for name in sorted(n for n in by_name if hint.lower() in n.lower()):
            if any(_has_glyphs(entry, _CJK_PROBE) for entry in by_name[name]):
                return name
    return None


def _has_glyphs(entry: font_manager.FontEntry, text: str) -> bool:
    charmap = _charmap(entry.fname, getattr(entry, "index", 0))
    return all(ord(ch) in charmap for ch in text)


@functools.cache
def _charmap(path: str, face_index: int = 0) -> frozenset[int]:
    try:
        try:
            font = ft2font.FT2Font(path, face_index=face_index)
        except TypeError:  # matplotlib < 3.10 has no face_index; .ttc then opens face 0
            font = ft2font.FT2Font(path)
        return frozenset(font.get_charmap())
    except (OSError, RuntimeError, ValueError) as exc:
        log.debug("cannot read font %s: %s", path, exc)
        return frozenset()


def keyword_labels(keywords: Sequence[str], *, cjk: bool) -> list[str]:
    """Labels for the keyword panel: the keywords themselves, or their ranks without a CJK font.

    Ranks ("#1" …) follow the order of ``stats.top_keywords`` (most frequent first), which is
    also the order the photo's caption lists the real keywords in.
    """
    if cjk:
        return list(keywords)
    return [f"#{rank}" for rank in range(1, len(keywords) + 1)]


def axis_labels(lang: str, *, cjk: bool) -> AxisLabels:
    """The chart's own words: Chinese for a Chinese reader when a CJK font can draw them,
    English otherwise (for an English reader always; keywords stay as they are)."""
    return _LABELS_CJK if cjk and lang == "zh" else _LABELS_ASCII


def render_stats_chart(
    stats: Stats,
    *,
    title: str,
    lang: str = "zh",
    cjk_font: str | Literal["auto"] | None = "auto",
) -> bytes:
    """Render ``stats`` as a PNG (1000×600 px) and return its bytes, labelled in ``lang``.

    ``cjk_font`` is the font family for Chinese text: "auto" finds one (see
    :func:`find_cjk_font`), None forces the ASCII-safe labels. Empty stats (no edition yet, or
    none in the period) give a chart that says so rather than empty axes.
    """
    font = find_cjk_font() if cjk_font == "auto" else cjk_font
    labels = axis_labels(lang, cjk=bool(font))
    families = [font, _BASE_FONT] if font else [_BASE_FONT]
    title = _renderable_title(title, families, fallback=labels.fallback_title)

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(title, fontsize=_TITLE_SIZE, fontweight="bold", fontfamily=families)

    if not any(articles for _, articles, _ in stats.daily):
        message = labels.no_data if stats.editions == 0 else labels.no_editions_in_period
        _draw_no_data(fig, message, families)
    else:
        grid = fig.add_gridspec(1, 2, width_ratios=(3, 2))
        _draw_daily(fig.add_subplot(grid[0, 0]), stats.daily, labels, families)
        _draw_keywords(
            fig.add_subplot(grid[0, 1]), stats.top_keywords, labels, families, cjk=bool(font)
        )

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _renderable_title(title: str, families: list[str], *, fallback: str) -> str:
    """``title`` if the fonts can draw every character of it, else ``fallback`` (no tofu)."""
    charmaps = [_charmap_of_family(family) for family in families]
    if all(ch.isspace() or any(ord(ch) in cm for cm in charmaps) for ch in title):
        return title
    log.debug("chart title %r has characters no installed font can draw; using %r", title, fallback)
    return fallback


def _charmap_of_family(family: str) -> frozenset[int]:
    path = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=True
    )
    return _charmap(str(path), getattr(path, "face_index", 0))


def _draw_no_data(fig: Figure, message: str, families: list[str]) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        fontsize=_TITLE_SIZE,
        color="#555555",
        fontfamily=families,
        transform=ax.transAxes,
        wrap=True,
    )


def _draw_daily(
    ax: Axes,
    daily: Sequence[tuple[dt.date, int, int]],
    labels: AxisLabels,
    families: list[str],
) -> None:
    positions = list(range(len(daily)))
    articles = [count for _, count, _ in daily]
    keywords = [count for _, _, count in daily]

    ax.bar(positions, articles, color=_BAR_COLOUR, width=0.7, zorder=2)
    ax.set_ylabel(labels.articles, color=_BAR_COLOUR, fontsize=_FONT_SIZE, fontfamily=families)
    ax.tick_params(axis="y", colors=_BAR_COLOUR, labelsize=_TICK_SIZE)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3, zorder=0)
    ax.set_ylim(0, max(articles) * 1.15 or 1)

    # Every label fits up to a week; beyond that every other one, so they do not collide.
    step = 1 if len(daily) <= 8 else 2
    ticks = positions[::-1][::step][::-1]  # always label the newest day
    ax.set_xticks(ticks, labels=[daily[i][0].strftime("%m-%d") for i in ticks])
    ax.tick_params(axis="x", labelsize=_TICK_SIZE, labelrotation=45)
    ax.set_xlim(-0.6, len(daily) - 0.4)

    twin = ax.twinx()
    twin.plot(positions, keywords, color=_LINE_COLOUR, marker="o", linewidth=2.2, zorder=3)
    twin.set_ylabel(labels.keywords, color=_LINE_COLOUR, fontsize=_FONT_SIZE, fontfamily=families)
    twin.tick_params(axis="y", colors=_LINE_COLOUR, labelsize=_TICK_SIZE)
    twin.yaxis.set_major_locator(MaxNLocator(integer=True))
    twin.set_ylim(0, max(keywords) * 1.15 or 1)


def _draw_keywords(
    ax: Axes,
    top_keywords: Sequence[tuple[str, int]],
    labels: AxisLabels,
    families: list[str],
    *,
    cjk: bool,
) -> None:
    ax.set_title(labels.top_keywords, fontsize=_FONT_SIZE + 1, fontfamily=families)
    shown = list(top_keywords[:TOP_KEYWORDS])
    if not shown:
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            labels.no_keywords,
            ha="center",
            va="center",
            fontsize=_FONT_SIZE,
            color="#555555",
            fontfamily=families,
            transform=ax.transAxes,
        )
        return

    counts = [count for _, count in shown]
    positions = list(range(len(shown)))
    ax.barh(positions, counts, color=_KEYWORD_COLOUR, height=0.7)
    ax.set_yticks(
        positions,
        labels=keyword_labels([word for word, _ in shown], cjk=cjk),
        fontsize=_FONT_SIZE,
        fontfamily=families,
    )
    ax.invert_yaxis()  # rank 1 on top
    ax.set_xlim(0, max(counts) * 1.25)  # room for the count beside each bar
    for position, count in zip(positions, counts, strict=True):
        ax.text(count, position, f" {count}", va="center", fontsize=_TICK_SIZE)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
