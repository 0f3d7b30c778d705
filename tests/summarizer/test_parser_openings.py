"""How an article opens: 副题 lines before the dateline, and the lines after a dateline that
stands alone (a reporter's name, or the lead cut by a column break)."""

from __future__ import annotations

import pytest

from summarizer.parser import parse_page
from summarizer.summary import summarize

SUBTITLE = "——记全国劳动模范、浙江省某某集团股份有限公司高级技师张三三十年如一日扎根一线的奋斗人生"
LEAD = "张三今年52岁，在一线工作了三十年。他先后完成技术革新项目40余项。"


def test_line_before_the_dateline_is_the_subtitle() -> None:
    text = f"# 匠心筑梦 技能报国\n\n{SUBTITLE}\n\n本报讯 记者李四报道 {LEAD}\n"
    article = parse_page(text).articles[0]
    assert (article.title, article.subtitle) == ("匠心筑梦 技能报国", SUBTITLE)
    assert article.byline == "本报讯 记者李四报道"
    assert article.paragraphs == [LEAD]


def test_subtitle_is_never_a_summary_sentence() -> None:
    text = f"# 匠心筑梦 技能报国\n\n{SUBTITLE}\n\n本报讯 记者李四报道 {LEAD}\n"
    summary = summarize(parse_page(text).articles[0], k=1)
    assert summary.sentences == ("张三今年52岁，在一线工作了三十年。",)


def test_lead_after_a_dateline_standing_alone_is_not_glued_to_the_subtitle() -> None:
    text = f"# 匠心筑梦\n\n{SUBTITLE}\n\n本报讯\n\n{LEAD}\n"
    article = parse_page(text).articles[0]
    assert (article.subtitle, article.byline, article.paragraphs) == (SUBTITLE, "本报讯", [LEAD])


def test_lead_cut_right_after_a_dateline_standing_alone_is_one_paragraph() -> None:
    # 全省首个工会驿站 alone would be a 小标题; right after the dateline it opens the lead.
    article = parse_page("# 标题\n\n本报讯\n\n全省首个工会驿站\n\n日前在杭州建成。\n").articles[0]
    assert article.paragraphs == ["全省首个工会驿站日前在杭州建成。"]


def test_continuation_before_a_dateline_stays_prose() -> None:
    text = "（上接第1版）\n\n推进工会工作\n\n本报讯 记者李四报道 近日，开会。\n\n# 其他\n\n正文。\n"
    article = parse_page(text, page="4").articles[0]
    assert article.subtitle is None
    assert article.paragraphs == ["推进工会工作", "近日，开会。"]


FLOOD = "国家防总办公室7日会同国家粮食和储备局向广西调拨3.6万余件中央防汛物资。"


def test_short_line_cut_from_the_lead_after_a_lone_dateline_is_not_a_byline() -> None:
    text = f"# 调拨防汛物资\n\n新华社北京7月7日电\n\n记者从应急\n\n管理部获悉，{FLOOD}\n"
    article = parse_page(text).articles[0]
    assert article.byline == "新华社北京7月7日电"
    assert article.paragraphs == [f"记者从应急管理部获悉，{FLOOD}"]
    assert summarize(article, k=1).sentences == (f"记者从应急管理部获悉，{FLOOD}",)


@pytest.mark.parametrize(
    ("dateline", "start", "rest"),
    [
        ("新华社北京7月7日电", "记者从应急", "管理部获悉，会议召开。"),
        ("本报海口7月7日讯", "海南日报全媒体记者近日", "从省住房和城乡建设厅获悉，会议召开。"),
        ("本报讯", "本报记者走基层", "来到某某村，看到村民们正忙着收割早稻。"),
        ("本报讯", "记者日前来到", "某某村，看到村民们正忙着收割早稻。"),
    ],
)
def test_role_word_followed_by_a_function_word_is_prose_not_a_byline(
    dateline: str, start: str, rest: str
) -> None:
    article = parse_page(f"# 标题\n\n{dateline}\n\n{start}\n\n{rest}\n").articles[0]
    assert (article.byline, article.paragraphs) == (dateline, [start + rest])


def test_lone_byline_that_the_next_line_mends_a_word_of_is_prose() -> None:
    # 调研发 + 现 is 调研 发现 cut at the break: not a reporter called 调研发.
    article = parse_page("# 调研\n\n记者调研发\n\n现，当地企业正加快转型升级。\n").articles[0]
    assert article.byline is None
    assert article.paragraphs == ["记者调研发现，当地企业正加快转型升级。"]


@pytest.mark.parametrize(
    ("lone", "first"),
    [
        ("■ 本报记者 李明", "明天起，全省将迎来新一轮降雨。"),
        ("记者 王静", "近日，全省将迎来新一轮降雨。"),
        ("记者 张从军", "从7月起，全省将迎来新一轮降雨。"),
    ],
)
def test_lone_byline_after_a_lone_dateline_is_still_the_byline(lone: str, first: str) -> None:
    article = parse_page(f"# 标题\n\n新华社北京7月7日电\n\n{lone}\n\n{first}\n").articles[0]
    assert (article.byline, article.paragraphs) == (f"新华社北京7月7日电 {lone}", [first])
