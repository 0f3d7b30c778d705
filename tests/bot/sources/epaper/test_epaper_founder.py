"""The Founder template, pure: built pages with one quirk each → listings and articles."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.errors import TemplateError
from bot.sources.epaper import get_template
from tests.bot.sources.epaper.sites import Quirks, Sheet, Story, founder_article, founder_page

FOUNDER = get_template("founder")
DATE = dt.date(2024, 7, 1)
PAPER = "浙江工人日报"
FOLDER = "http://epaper.test/html/2024-07/01/"

STORY = Story(
    title="省总工会召开全委会议",
    kicker="聚焦主责主业",
    subtitle="部署下半年工作",
    byline="本报记者 阮向民",
    paragraphs=("全省工会系统…会议要求。", "会议强调，要把工作做实。"),
    captions=("新华社记者 李学仁 摄",),
)
SHEETS = [
    Sheet("A01", "要闻", (STORY, Story("第二篇", ("正文。",))), node=187),
    Sheet("A02", "综合", (Story("第三篇", ("正文。",)),), node=188),
    Sheet("A04", "副刊", (), node=198),  # page A03 is not printed today
]


def page(index: int = 0, q: Quirks | None = None) -> str:
    return founder_page(PAPER, DATE, SHEETS, index, q or Quirks()).decode()


def article(story: Story = STORY, q: Quirks | None = None) -> str:
    return founder_article(PAPER, DATE, "A01", story, q or Quirks()).decode()


def test_page_numbers_and_names_come_from_link_text_not_node_numbers() -> None:
    listing = FOUNDER.parse_page(page(), FOLDER + "node_187.htm")
    assert [(p.number, p.name, p.url) for p in listing.pages] == [
        ("A01", "要闻", FOLDER + "node_187.htm"),
        ("A02", "综合", FOLDER + "node_188.htm"),
        ("A04", "副刊", FOLDER + "node_198.htm"),
    ]


@pytest.mark.parametrize(
    ("label", "number", "name"),
    [
        ("第{number}版：{name}", "A02", "综合"),
        ("{number}： {name}", "A02", "综合"),
        ("{number}版:{name}", "A02", "综合"),
    ],
)
def test_page_link_text_variants_give_number_and_name(label: str, number: str, name: str) -> None:
    listing = FOUNDER.parse_page(page(q=Quirks(label=label)), FOLDER + "node_187.htm")
    assert (listing.pages[1].number, listing.pages[1].name) == (number, name)


def test_five_digit_page_numbers_lose_their_zeros() -> None:
    sheets = [Sheet("00001", "一版要闻", (STORY,), node=1)]
    text = founder_page(PAPER, DATE, sheets, 0, Quirks(label="{number}版:{name}")).decode()
    listing = FOUNDER.parse_page(text, FOLDER + "node_1.htm")
    assert (listing.pages[0].number, listing.pages[0].name) == ("1", "一版要闻")


def test_a_page_list_shown_twice_with_mixed_hrefs_lists_each_page_once() -> None:
    q = Quirks(menu_twice=True, dot_slash=True)
    listing = FOUNDER.parse_page(page(q=q), FOLDER + "node_187.htm")
    assert [p.number for p in listing.pages] == ["A01", "A02", "A04"]
    assert listing.page is not None and listing.page.number == "A01"


@pytest.mark.parametrize(
    "site", ["http://epaper.test", "https://EPAPER.test", "https://epaper.test:443"]
)
def test_absolute_links_to_the_pages_own_site_written_otherwise_list_what_relative_links_do(
    site: str,
) -> None:
    # A site that moved to https often keeps hard-coded http:// links on its pages.
    url = "https://epaper.test/html/2024-07/01/node_187.htm"
    absolute = page().replace("href=", f"href={site}/html/2024-07/01/")
    relative = FOUNDER.parse_page(page(), url)
    assert relative.pages and relative.articles
    assert FOUNDER.parse_page(absolute, url) == relative


def test_articles_linked_from_titles_map_and_div_variants_are_listed_once_in_page_order() -> None:
    q = Quirks(image_map=True, div_variants=True)
    listing = FOUNDER.parse_page(page(q=q), FOLDER + "node_187.htm")
    assert [(a.url, a.title, a.page) for a in listing.articles] == [
        (FOLDER + "content_187_1000.htm", "省总工会召开全委会议", "A01"),
        (FOLDER + "content_187_1001.htm", "第二篇", "A01"),
    ]


def test_the_pages_own_enpproperty_gives_paper_and_date_but_not_content() -> None:
    listing = FOUNDER.parse_page(page(q=Quirks(page_property=True)), FOLDER + "node_187.htm")
    assert (listing.paper, listing.date) == (PAPER, DATE)
    assert all(a.title != PAPER for a in listing.articles)


def test_an_article_has_kicker_title_subtitle_byline_paragraphs_captions() -> None:
    parsed = FOUNDER.parse_article(article(), FOLDER + "content_187_1000.htm")
    a = parsed.article
    assert (a.kicker, a.title, a.subtitle) == (
        "聚焦主责主业",
        "省总工会召开全委会议",
        "部署下半年工作",
    )
    assert a.byline == "本报记者 阮向民"
    assert a.paragraphs == ["全省工会系统…会议要求。", "会议强调，要把工作做实。"]
    assert a.captions == ["新华社记者 李学仁 摄"]
    assert (a.page, parsed.date, parsed.paper) == ("A01", DATE, PAPER)


def test_the_page_comment_on_an_article_page_does_not_become_its_title_or_body() -> None:
    q = Quirks(page_property=True)
    a = FOUNDER.parse_article(article(q=q), FOLDER + "content_187_1000.htm").article
    assert a.title == STORY.title
    assert PAPER not in a.paragraphs


def test_of_two_founder_titles_the_papers_name_is_not_the_title() -> None:
    a = FOUNDER.parse_article(article(q=Quirks(paper_title_first=True)), FOLDER + "c.htm").article
    assert a.title == STORY.title


def test_a_br_inside_the_title_is_a_space() -> None:
    story = Story(title="习近平在浙江考察时强调 干在实处走在前列", paragraphs=("正文。",))
    a = FOUNDER.parse_article(article(story, Quirks(title_br=True)), FOLDER + "c.htm").article
    assert a.title == "习近平在浙江考察时强调 干在实处走在前列"


def test_an_enpcontent_body_with_doubled_p_gives_each_paragraph_once() -> None:
    a = FOUNDER.parse_article(article(q=Quirks(enpcontent=True)), FOLDER + "c.htm").article
    assert a.paragraphs == list(STORY.paragraphs)
    assert a.captions == list(STORY.captions)


@pytest.mark.parametrize(
    ("first", "byline", "rest"),
    [
        ("■ 海南日报全媒体记者 李艳玫", "■ 海南日报全媒体记者 李艳玫", None),
        (
            "本报讯 记者阮向民 通讯员李明报道 全省工会…展开。",
            "本报讯 记者阮向民 通讯员李明报道",
            "全省工会…展开。",
        ),
        ("新华社北京6月30日电 7月1日起施行。", "新华社北京6月30日电", "7月1日起施行。"),
        (
            "本报海口7月7日讯（记者李艳玫）全省…开幕。",
            "本报海口7月7日讯（记者李艳玫）",
            "全省…开幕。",
        ),
    ],
)
def test_with_founder_author_empty_the_byline_comes_from_the_first_paragraph(
    first: str, byline: str, rest: str | None
) -> None:
    story = Story(title="标题", paragraphs=(first, "第二段。"))
    a = FOUNDER.parse_article(article(story, Quirks(byline_in_body=True)), FOLDER + "c.htm").article
    assert a.byline == byline
    assert a.paragraphs == [p for p in (rest, "第二段。") if p]


def test_a_picture_lead_paragraph_is_a_caption() -> None:
    story = Story(title="标题", paragraphs=("正文。", "图为工人在车间作业。"))
    a = FOUNDER.parse_article(article(story), FOLDER + "c.htm").article
    assert (a.paragraphs, a.captions) == (["正文。"], ["图为工人在车间作业。"])


def test_paperindex_refreshes_to_the_first_page() -> None:
    text = '<html><head><META HTTP-EQUIV=REFRESH CONTENT="0; URL=html/2024-07/01/node_187.htm">'
    assert FOUNDER.parse_entry(text, "http://epaper.test/paperindex.htm") == FOLDER + "node_187.htm"


def test_period_xml_leads_to_the_newest_dates_front_page() -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><root>'
        "<period><period_date>2024-07-01</period_date><front_page>node_2.htm</front_page></period>"
        "<period><period_date>2024-07-02</period_date><front_page>node_2.htm</front_page></period>"
        "</root>"
    )
    url = "http://epaper.test/html/2024-07/period.xml"
    assert FOUNDER.parse_entry(xml, url) == "http://epaper.test/html/2024-07/02/node_2.htm"


def test_a_dates_edition_url_reuses_the_known_first_page_file_name() -> None:
    base = "http://epaper.test/"
    assert FOUNDER.edition_url(base, dt.date(2024, 6, 3), FOLDER + "node_187.htm") == (
        "http://epaper.test/html/2024-06/03/node_187.htm"
    )
    assert FOUNDER.edition_url(base, dt.date(2024, 6, 3), None).endswith("/03/node_1.htm")


def test_a_page_without_page_list_or_articles_is_a_template_error_naming_url_and_template() -> None:
    url = FOLDER + "node_187.htm"
    with pytest.raises(TemplateError) as caught:
        FOUNDER.parse_page("<html><body><div class=new-layout>…</div></body></html>", url)
    assert caught.value.url == url and caught.value.template == "founder"
    assert "founder template" in str(caught.value)


def test_a_page_nested_past_the_limit_is_a_template_error_naming_url_and_template() -> None:
    url = FOLDER + "content_187_1000.htm"
    with pytest.raises(TemplateError, match="nested more than 512") as caught:
        FOUNDER.parse_article("<div>" * 600 + article(), url)
    assert caught.value.url == url and caught.value.template == "founder"


def test_an_article_page_without_body_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="no <founder-content>"):
        FOUNDER.parse_article("<html><body><h1>标题</h1></body></html>", FOLDER + "c.htm")
