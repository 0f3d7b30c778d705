"""The seed page (浙江工人日报, 2024-07-01, page 1), parsed article by article.

The expected structure was read off the printed page: seven articles, a byline or dateline
on each, three photo captions, one jump to page 4.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from summarizer.edition import Article, Edition
from summarizer.parser import parse_page, read_page
from summarizer.rejoin import ends_sentence, is_subheading_shape

TITLES = [
    "《求是》杂志发表习近平总书记重要文章《新时代新征程中国共产党的使命任务》",
    "徐留平在浙江江苏调研工会工作时指出 强化工会数智化建设 做好新就业形态劳动者工会工作",
    "党员9918.5万名 基层党组织517.6万个 中国共产党党员队伍结构持续优化 "
    "基层党组织政治功能和组织功能进一步增强",
    "全省工会宣传思想文化工作会议提出 构建“345”工作体系 推动全省工会宣传思想文化工作高质量发展",
    "充分调动各行各业创新创造创业热情 省产业工会联席会议 第二十六次会议召开",
    "全省首个地方性工会驿站 建设与运行规范发布",
    "我省举办电梯安装维修职业技能竞赛",
]
BYLINES = [
    "新华社北京6月30日电",
    "本报讯 工人日报记者郑莉、邹偶然、黄洪涛报道",
    "新华社北京6月30日电",
    "本报讯 记者阮向民报道",
    "本报讯 记者羊荣江报道",
    "本报讯 记者寿慧楠报道",
    "本报讯 记者羊荣江报道",
]
CAPTIONS = [
    [],
    [
        "在传化集团，徐留平与职工面对面交流，详细了解企业构建和谐劳动关系情况。",
        "在义乌，徐留平详细了解基层工会组建、社会化维权等情况。",
    ],
    [],
    ["与会人员实地参观浙江工会融媒平台。"],
    [],
    [],
    [],
]
PARAGRAPH_COUNTS = [1, 5, 5, 8, 4, 4, 3]
FIRST_PARAGRAPH_STARTS = [
    "7月1日出版的第13期《求是》杂志",
    "6月25日至29日，全国总工会党组书记",
    "中央组织部最新党内统计数据表明",
    "全省工会宣传思想文化工作会议6月28日在杭州召开。",
    "6月27日至28日，省产业工会联席会议",
    "近日，全省首个工会驿站地方技术标准",
    "电梯维保人员在安装维修电梯时",
]


@pytest.fixture(scope="module")
def edition(seed_text: str) -> Edition:
    return parse_page(seed_text, source="seed", page="1")


@pytest.fixture(scope="module")
def articles(edition: Edition) -> list[Article]:
    return edition.articles


def test_seed_has_seven_articles(articles: list[Article]) -> None:
    assert len(articles) == 7


def test_titles_are_the_whole_headings(articles: list[Article]) -> None:
    assert [a.title for a in articles] == TITLES


def test_every_article_has_its_exact_byline(articles: list[Article]) -> None:
    assert [a.byline for a in articles] == BYLINES


def test_xinhua_datelines_are_articles_one_and_three(articles: list[Article]) -> None:
    xinhua = [i for i, a in enumerate(articles, 1) if a.byline and a.byline.startswith("新华社")]
    assert xinhua == [1, 3]
    assert sum(1 for a in articles if a.byline and a.byline.startswith("本报讯")) == 5


def test_captions_are_set_apart_exactly(articles: list[Article]) -> None:
    assert [a.captions for a in articles] == CAPTIONS


def test_no_caption_is_left_in_a_paragraph(articles: list[Article]) -> None:
    body = "\n".join(a.text for a in articles)
    for caption in (c for a in articles for c in a.captions):
        assert caption not in body


def test_paragraph_counts(articles: list[Article]) -> None:
    assert [len(a.paragraphs) for a in articles] == PARAGRAPH_COUNTS


def test_first_paragraph_is_the_rest_of_the_byline_chunk(articles: list[Article]) -> None:
    for article, start in zip(articles, FIRST_PARAGRAPH_STARTS, strict=True):
        assert article.paragraphs[0].startswith(start)


@pytest.mark.parametrize(
    ("article", "phrase"),
    [
        (2, "就业创业、职业健康"),  # a word cut by the column: 就业创 + 业
        (2, "诸暨市枫桥经验陈列馆和供电所"),  # a caption stood between the halves
        (4, "与会人员实地参观了浙江工会融媒平台"),  # 实地参 + 观了
        (4, "建强宣传思想文化阵地"),
        (4, "守牢意识形态安全防线；加快全省工会融媒平台建设"),  # caption between 加 and 快
        (6, "安吉县中国美丽乡村标准化研究中心"),  # a broken sentence, not a subheading
        (6, "全县‘标杆型’工会驿站’达到50家左右"),
        (6, "能够得到有效及广泛地应用。"),
        (7, "目前在用特种设备总量已达207万台"),
    ],
)
def test_phrases_cut_by_column_breaks_are_joined(
    articles: list[Article], article: int, phrase: str
) -> None:
    assert phrase in articles[article - 1].text


def test_every_paragraph_ends_a_sentence(articles: list[Article]) -> None:
    for article in articles:
        for paragraph in article.paragraphs:
            assert ends_sentence(paragraph) or is_subheading_shape(paragraph), paragraph


def test_caption_with_wide_gaps_on_both_sides_lets_the_sentence_go_on(seed_text: str) -> None:
    caption = "与会人员实地参观浙江工会融媒平台。"
    wider = seed_text.replace(f"{caption}\n\n快全省", f"{caption}\n\n\n\n快全省")
    assert wider != seed_text
    article = parse_page(wider).articles[3]
    assert article.captions == [caption]
    assert "守牢意识形态安全防线；加快全省工会融媒平台建设" in article.text
    assert len(article.paragraphs) == PARAGRAPH_COUNTS[3]


@pytest.mark.parametrize(
    ("added", "second"),
    [
        ("\n\n\n\n省总工会领导为获奖单位颁奖。\n", "省总工会领导为获奖单位颁奖。"),
        ("本报记者 阮向民 摄\n", "本报记者 阮向民 摄"),
    ],
    ids=["second-photo-caption-apart", "credit-line-under-the-caption"],
)
def test_second_caption_in_an_open_sentence_is_set_apart_too(
    seed_text: str, added: str, second: str
) -> None:
    caption = "与会人员实地参观浙江工会融媒平台。\n"
    article = parse_page(seed_text.replace(caption, caption + added)).articles[3]
    assert article.captions == [caption.strip(), second]
    assert "守牢意识形态安全防线；加快全省工会融媒平台建设" in article.text
    assert second not in article.text
    assert len(article.paragraphs) == PARAGRAPH_COUNTS[3]


def test_qiushi_article_continues_on_page_four(articles: list[Article]) -> None:
    first = articles[0]
    assert first.continued_on == 4
    assert first.continued_from is None
    assert first.markers == ["(下转第4版)"]
    assert all(a.continued_on is None and not a.markers for a in articles[1:])


def test_no_marker_or_heading_mark_is_left_in_the_text(articles: list[Article]) -> None:
    for article in articles:
        assert not re.search(r"下转|上接|#", article.text + article.title)


def test_articles_carry_the_page(edition: Edition) -> None:
    assert edition.page == "1"
    assert {a.page for a in edition.articles} == {"1"}


def test_no_character_of_the_seed_is_lost(seed_text: str, articles: list[Article]) -> None:
    expected = Counter(ch for ch in seed_text if not ch.isspace() and ch != "#")
    found: Counter[str] = Counter()
    for a in articles:
        for part in (a.title, a.byline or "", *a.paragraphs, *a.captions, *a.markers):
            found.update(ch for ch in part if not ch.isspace())
    assert found == expected


def test_read_page_takes_date_and_page_from_the_packaged_name(
    seed_path: Path, tmp_path: Path
) -> None:
    named = tmp_path / "zjgrrb-2024-07-01-p01.txt"
    named.write_bytes(seed_path.read_bytes())
    edition = read_page(named, paper="浙江工人日报")
    assert (edition.paper, edition.date, edition.page) == ("浙江工人日报", dt.date(2024, 7, 1), "1")
    assert len(edition.articles) == 7


def test_seed_name_gives_no_date_or_page(seed_path: Path) -> None:
    edition = read_page(seed_path)
    if seed_path.name.startswith("000_"):
        assert (edition.date, edition.page) == (None, None)
    assert len(edition.articles) == 7


def test_seed_parses_in_well_under_five_milliseconds(seed_text: str) -> None:
    timings = []
    for _ in range(20):
        start = time.perf_counter()
        parse_page(seed_text)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.005
