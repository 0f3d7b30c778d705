"""How an article opens: 副题 lines before the dateline, and the lines after a dateline that
stands alone (a reporter's name, or the lead cut by a column break)."""

from __future__ import annotations

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
