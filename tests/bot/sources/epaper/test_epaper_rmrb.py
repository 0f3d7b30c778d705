"""人民日报's two templates, pure: the real 2017 page (rmrb_nbs) and built pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.errors import TemplateError
from bot.sources.epaper import get_template
from tests.bot.sources.epaper.sites import Quirks, Sheet, Story, nbs_article, pc_article, pc_page

NBS = get_template("rmrb_nbs")
PC = get_template("pc_layout")
REAL_PAGE = (
    Path(__file__).parents[4].parent / "shared/data/epaper/rmrb-2017-10-18-nbs.D110000renmrb_07.htm"
)
NBS_FOLDER = "http://paper.people.com.cn/rmrb/html/2017-10/18/"
PC_LAYOUT = "http://paper.people.com.cn/rmrb/pc/layout/202412/01/"
PC_CONTENT = "http://paper.people.com.cn/rmrb/pc/content/202412/01/"
REAL_TITLES = [
    "回应人民新期待",
    "栋梁之材涌出来",
    "就业好了一切好",
    "跨省打工钱包鼓",
    "低保成了定心丸",
    "小镇能做大手术",
    "搬出棚户笑开颜",
    "青山绿水寿星多",
    "生活好了爱唱歌",
]


@pytest.fixture(scope="module")
def real_page() -> str:
    if not REAL_PAGE.is_file():
        pytest.skip(f"{REAL_PAGE} not found (../shared beside the repository)")
    return REAL_PAGE.read_text(encoding="utf-8")


def test_real_page_titles_written_by_script_are_read_in_title_list_order(real_page: str) -> None:
    listing = NBS.parse_page(real_page, NBS_FOLDER + "nbs.D110000renmrb_07.htm")
    assert [a.title for a in listing.articles] == REAL_TITLES
    assert listing.articles[0].url == NBS_FOLDER + "nw.D110000renmrb_20171018_1-07.htm"
    assert {a.page for a in listing.articles} == {"7"}


def test_real_page_lists_24_pages_and_knows_itself_despite_its_dot_slash_href(
    real_page: str,
) -> None:
    listing = NBS.parse_page(real_page, NBS_FOLDER + "nbs.D110000renmrb_07.htm")
    assert [p.number for p in listing.pages] == [str(n) for n in range(1, 25)]
    assert listing.pages[13].name == "理论"
    assert listing.page == listing.pages[6]
    assert (listing.paper, listing.date) == ("人民日报", dt.date(2017, 10, 18))


def test_nbs_article_has_headings_byline_from_h4_page_date_and_picture_captions() -> None:
    story = Story(
        title="回应人民新期待",
        kicker="决胜全面小康",
        subtitle="党的十九大代表热议",
        byline="本报记者 王比学",
        paragraphs=("十九大报告……", "代表们表示……"),
        captions=("图为代表们在讨论。本报记者 李刚摄",),
    )
    url = NBS_FOLDER + "nw.D110000renmrb_20171018_1-07.htm"
    parsed = NBS.parse_article(
        nbs_article(dt.date(2017, 10, 18), "07", story, Quirks()).decode(), url
    )
    a = parsed.article
    assert (a.kicker, a.title, a.subtitle, a.byline) == (
        "决胜全面小康",
        "回应人民新期待",
        "党的十九大代表热议",
        "本报记者 王比学",
    )
    assert a.paragraphs == ["十九大报告……", "代表们表示……"]
    assert a.captions == ["图为代表们在讨论。本报记者 李刚摄"]
    assert (a.page, parsed.date) == ("7", dt.date(2017, 10, 18))


def test_nbs_page_that_lost_its_lists_is_a_template_error(real_page: str) -> None:
    changed = real_page.replace("nbs.D110000renmrb_", "page_").replace("nw.D110000renmrb_", "a_")
    with pytest.raises(TemplateError, match="rmrb_nbs template"):
        NBS.parse_page(changed, NBS_FOLDER + "nbs.D110000renmrb_07.htm")


SHEETS = [
    Sheet("01", "要闻", (Story("标题一", ("正文。",)), Story("标题二", ("正文。",)))),
    Sheet("02", "要闻", (Story("标题三", ("正文。",)),)),
]


def test_pc_page_skips_the_editor_entry_also_when_the_image_map_links_it() -> None:
    q = Quirks(editor_note=True, image_map=True, label="{number}版：{name}")
    text = pc_page("人民日报", dt.date(2024, 12, 1), SHEETS, 0, q).decode()
    listing = PC.parse_page(text, PC_LAYOUT + "node_01.html")
    assert [a.title for a in listing.articles] == ["标题一", "标题二"]
    assert [a.url for a in listing.articles] == [
        PC_CONTENT + "content_30000.html",
        PC_CONTENT + "content_30001.html",
    ]


def test_pc_page_list_from_slides_and_list_is_read_once_with_numbers_from_text() -> None:
    q = Quirks(menu_twice=True, label="第{number}版：{name}")
    text = pc_page("人民日报", dt.date(2024, 12, 1), SHEETS, 1, q).decode()
    listing = PC.parse_page(text, PC_LAYOUT + "node_02.html")
    assert [(p.number, p.name) for p in listing.pages] == [("1", "要闻"), ("2", "要闻")]
    assert listing.page is not None and listing.page.number == "2"
    assert [a.page for a in listing.articles] == ["2"]


def test_pc_article_byline_in_sec_loses_the_date_and_body_comes_from_ozoom() -> None:
    story = Story(
        title="标题",
        kicker="引题",
        subtitle="副题",
        byline="本报记者 张三",
        paragraphs=("一段。", "二段。"),
    )
    text = pc_article("人民日报", dt.date(2024, 12, 1), story, Quirks(enpcontent=True)).decode()
    parsed = PC.parse_article(text, PC_CONTENT + "content_30000.html")
    a = parsed.article
    assert (a.kicker, a.title, a.subtitle, a.byline) == ("引题", "标题", "副题", "本报记者 张三")
    assert a.paragraphs == ["一段。", "二段。"]
    assert parsed.date == dt.date(2024, 12, 1)


def test_pc_article_without_byline_in_sec_takes_the_dateline_from_the_body() -> None:
    story = Story(title="标题", paragraphs=("新华社北京11月30日电 国务院……。",))
    text = pc_article("人民日报", dt.date(2024, 12, 1), story, Quirks()).decode()
    a = PC.parse_article(text, PC_CONTENT + "content_30000.html").article
    assert (a.byline, a.paragraphs) == ("新华社北京11月30日电", ["国务院……。"])


def test_pc_entry_and_dated_urls() -> None:
    base = "http://paper.people.com.cn/rmrb/"
    assert PC.entry_url(base) == base + "pc/layout/index.html"
    assert PC.edition_url(base, dt.date(2024, 12, 1), None) == PC_LAYOUT + "node_01.html"
    assert (
        NBS.edition_url(base, dt.date(2017, 10, 18), None)
        == NBS_FOLDER + "nbs.D110000renmrb_01.htm"
    )


def test_pc_article_page_of_another_layout_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="no article box"):
        PC.parse_article("<html><body><div class=post>…</div></body></html>", PC_CONTENT + "c.html")
