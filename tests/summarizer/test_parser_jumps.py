"""Around jump markers: what follows a ``(下转…)`` and what precedes a ``（上接…）`` is not part
of the sentence the jump cut, on its own page or once :func:`merge_pages` joins the halves."""

from __future__ import annotations

import datetime as dt

from summarizer.edition import Article, merge_pages
from summarizer.parser import parse_page
from summarizer.summary import summarize

DAY = dt.date(2024, 7, 1)
CUT = (
    "新华社北京6月30日电 文章强调，全党全军全国各族人民要紧密团结在党中央周围，"
    "为以中国式现代化全面推进中华民族伟大复兴而"
)
HEAD = f"# 《求是》杂志发表重要文章\n\n{CUT}\n\n(下转第4版)\n\n"
REST = "（上接第1版）\n\n团结奋斗。文章指出，这是第二句话。\n\n# 别的文章二\n\n正文二。\n"
JOINED = CUT.removeprefix("新华社北京6月30日电 ") + "团结奋斗。文章指出，这是第二句话。"
FOOTER = "本版责任编辑：张三 美术编辑：李四"


def merged(front: str, back: str) -> Article:
    pages = [parse_page(front, date=DAY, page="1"), parse_page(back, date=DAY, page="4")]
    return merge_pages(pages).articles[0]


def test_chunk_after_a_forward_jump_is_a_caption_not_the_rest_of_the_cut_sentence() -> None:
    article = parse_page(HEAD + FOOTER + "\n\n# 别的文章\n\n正文。\n").articles[0]
    assert article.paragraphs == [CUT.removeprefix("新华社北京6月30日电 ")]
    assert article.captions == [FOOTER]
    assert article.continued_on == 4


def test_every_chunk_after_a_forward_jump_is_set_apart() -> None:
    text = HEAD + "图片新闻一则\n\n" + FOOTER + "\n"
    article = parse_page(text).articles[0]
    assert article.captions == ["图片新闻一则", FOOTER]
    assert len(article.paragraphs) == 1


def test_cut_sentence_is_joined_to_its_rest_on_the_other_page_not_to_a_footer() -> None:
    article = merged(HEAD + FOOTER + "\n\n# 别的文章\n\n正文。\n", REST)
    assert article.paragraphs == [JOINED]
    assert FOOTER in article.captions
    assert not any("责任编辑" in sentence for sentence in summarize(article, k=5).sentences)


def test_text_before_a_jump_in_the_same_chunk_is_still_prose() -> None:
    article = parse_page(
        "# 标题\n\n会议强调，要继续\n\n努力。(下转第3版)\n\n本版编辑：王五\n"
    ).articles[0]
    assert article.paragraphs == ["会议强调，要继续努力。"]
    assert article.captions == ["本版编辑：王五"]


HEADER = "浙江工人日报 2024年7月1日 星期一"


def test_text_before_a_backward_jump_is_a_caption_and_the_continuation_starts_at_it() -> None:
    article = parse_page(HEADER + "\n\n" + REST, page="4").articles[0]
    assert (article.title, article.continued_from) == ("", 1)
    assert article.captions == [HEADER]
    assert article.paragraphs == ["团结奋斗。文章指出，这是第二句话。"]


def test_rest_of_the_cut_sentence_is_joined_to_its_head_not_to_a_page_header() -> None:
    article = merged(HEAD + "# 别的文章\n\n正文。\n", HEADER + "\n\n" + REST)
    assert article.paragraphs == [JOINED]
    assert HEADER in article.captions
    assert not any("星期一" in sentence for sentence in summarize(article, k=5).sentences)


def test_continuation_after_a_header_still_starts_mid_sentence() -> None:
    back = HEADER + "\n\n（上接第1版）\n\n推进工会\n\n工作，会议要求，落实。\n"
    article = parse_page(back, page="4").articles[0]
    assert article.paragraphs == ["推进工会工作，会议要求，落实。"]
