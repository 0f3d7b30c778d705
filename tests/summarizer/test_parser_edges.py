"""Hand-made editions for the cases the seed does not show, written as real files."""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.captions import is_photo_credit
from summarizer.edition import Article, Edition, merge_pages
from summarizer.errors import EditionError
from summarizer.parser import parse_article_text, parse_page, read_page

SHARED_DATA = Path(__file__).parents[2].parent / "shared" / "data" / "news_headlines.jsonl"

SIMPLE = """\
## 引题 全省工会召开会议 副题

本报讯 记者张三报道 近日，全省工会召开会议。会议强调，要做好职工服

务工作。

会议要求，各级工会要扎实推进各项工作。
"""


def write(tmp_path: Path, text: str, name: str = "page.txt", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def only(edition: Edition) -> Article:
    assert len(edition.articles) == 1
    return edition.articles[0]


def body(*chunks: str, gaps: int = 1) -> str:
    """One article's text: a heading, then the chunks separated by ``gaps`` blank lines."""
    return "# 标题\n\n" + ("\n" * (gaps + 1)).join(chunks) + "\n"


def check_simple(article: Article) -> None:
    assert article.title == "引题 全省工会召开会议 副题"
    assert article.byline == "本报讯 记者张三报道"
    assert article.paragraphs == [
        "近日，全省工会召开会议。会议强调，要做好职工服务工作。",
        "会议要求，各级工会要扎实推进各项工作。",
    ]


# --- encodings and line ends -------------------------------------------------------------


def test_gbk_file_is_parsed(tmp_path: Path) -> None:
    check_simple(only(read_page(write(tmp_path, SIMPLE, encoding="gbk"))))


def test_utf8_bom_does_not_hide_the_first_heading(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(codecs.BOM_UTF8 + SIMPLE.encode("utf-8"))
    check_simple(only(read_page(path)))


def test_crlf_file_parses_like_lf(tmp_path: Path) -> None:
    check_simple(only(read_page(write(tmp_path, SIMPLE.replace("\n", "\r\n")))))


def test_full_width_indentation_is_layout_not_text(tmp_path: Path) -> None:
    indented = SIMPLE.replace("本报讯", "\u3000\u3000本报讯").replace(
        "会议要求", "\u3000\u3000会议要求"
    )
    check_simple(only(read_page(write(tmp_path, indented.replace(" 记者", "\u3000记者")))))


def test_utf8_file_cut_mid_character_parses_what_is_there(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(SIMPLE.encode("utf-8")[:-5])  # inside 作 of 工作。
    article = only(read_page(path))
    assert article.paragraphs[-1] == "会议要求，各级工会要扎实推进各项工"


# --- errors name the file and the reason -------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"\x00\x01\x02\x03binary\x00", "binary data"),
        ("   \n\u3000\n\n".encode(), "no text"),
        ("本报讯 只有正文，没有标题。\n".encode(), r"no article headings \(# …\) found"),
        ("本报讯 只有正文，没有标题。\n".encode("gbk"), r"no article headings \(# …\) found"),
    ],
    ids=["empty", "binary", "blank", "heading-less", "heading-less-gbk"],
)
def test_unusable_file_gives_one_clear_error(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "bad-2024-07-01.txt"
    path.write_bytes(data)
    with pytest.raises(EditionError, match=rf"^{path}: {reason}") as info:
        read_page(path)
    assert info.value.source == str(path)


def test_missing_file_gives_an_edition_error(tmp_path: Path) -> None:
    with pytest.raises(EditionError, match=r"missing\.txt: cannot read the file"):
        read_page(tmp_path / "missing.txt")


# --- headings ------------------------------------------------------------------------------


@pytest.mark.parametrize("marks", ["#", "##", "###"])
def test_one_to_three_hashes_start_an_article(marks: str) -> None:
    article = only(parse_page(f"{marks}  引题　 标题   副题\n\n正文。\n"))
    assert article.title == "引题 标题 副题"
    assert article.paragraphs == ["正文。"]


def test_four_hashes_are_text_not_a_heading() -> None:
    article = only(parse_page("# 标题\n\n#### 不是标题。\n"))
    assert article.paragraphs == ["#### 不是标题。"]


def test_hashes_straight_before_a_digit_or_latin_letter_are_text() -> None:
    # "#1机组" names a generating unit; a column break can put it at the start of a line.
    article = only(
        parse_page("# 电厂保供电\n\n入夏以来，电厂全力保障供应，\n#1机组和#2机组满负荷运行。\n")
    )
    assert article.paragraphs == ["入夏以来，电厂全力保障供应，#1机组和#2机组满负荷运行。"]
    assert only(parse_page("# 2024年工作要点\n\n正文。\n")).title == "2024年工作要点"


def test_article_with_only_a_title() -> None:
    edition = parse_page("## 只有标题\n\n\n\n## 第二篇\n\n正文。\n")
    first, second = edition.articles
    assert (first.title, first.byline, first.paragraphs, first.captions) == (
        "只有标题",
        None,
        [],
        [],
    )
    assert second.paragraphs == ["正文。"]


def test_heading_after_three_blank_lines_is_a_heading_not_a_caption() -> None:
    edition = parse_page("# 一\n\n正文一。\n\n\n\n# 二\n\n正文二。\n")
    assert [a.title for a in edition.articles] == ["一", "二"]
    assert all(not a.captions for a in edition.articles)


def test_text_before_the_first_heading_is_an_untitled_article() -> None:
    edition = parse_page("\n\n\n\n（上接第1版）施工。\n\n# 标题\n\n正文。\n", page="4")
    untitled, titled = edition.articles
    assert (untitled.title, untitled.paragraphs, untitled.continued_from) == ("", ["施工。"], 1)
    assert untitled.captions == []
    assert titled.title == "标题"


CONTINUATION_ONLY = (
    "（上接第1版）\n\n全面建设社会主义现代化国家是一项伟大事业。\n\n文章强调，任务繁重。\n"
)


def test_page_that_is_only_a_continuation_is_accepted(tmp_path: Path) -> None:
    edition = read_page(write(tmp_path, CONTINUATION_ONLY, "2024-07-01_04.txt"))
    (article,) = edition.articles
    assert (article.title, article.continued_from, article.page) == ("", 1, "4")
    assert article.paragraphs == [
        "全面建设社会主义现代化国家是一项伟大事业。",
        "文章强调，任务繁重。",
    ]


def test_page_that_is_only_a_continuation_is_joined_to_its_head(tmp_path: Path) -> None:
    front = "## 《求是》杂志发表重要文章\n\n新华社北京6月30日电 文章指出，\n\n(下转第4版)\n"
    pages = [
        read_page(write(tmp_path, front, "2024-07-01_01.txt")),
        read_page(write(tmp_path, CONTINUATION_ONLY, "2024-07-01_04.txt")),
    ]
    article = only(merge_pages(pages))
    assert article.title == "《求是》杂志发表重要文章"
    assert article.paragraphs == [
        "文章指出，全面建设社会主义现代化国家是一项伟大事业。",
        "文章强调，任务繁重。",
    ]


# --- rejoining column breaks and subheadings ------------------------------------------------


def test_word_broken_across_chunks_is_rejoined() -> None:
    article = only(parse_page(body("提供技能培训、就业创", "业、职业健康等服务。")))
    assert article.paragraphs == ["提供技能培训、就业创业、职业健康等服务。"]


def test_sentence_broken_across_three_chunks_is_one_paragraph() -> None:
    article = only(
        parse_page(
            body(
                "该规范由总工会、中国计量大学、安吉县中国",
                "美丽乡村标准化研究中心起草，确保得到有效及",
                "广泛地应用。",
            )
        )
    )
    assert article.paragraphs == [
        "该规范由总工会、中国计量大学、安吉县中国美丽乡村标准化研究中心起草，确保得到有效及广泛地应用。"
    ]


def test_rejoining_adds_no_space_inside_letters_or_digits_only_after_ascii_punctuation() -> None:
    # A column break cuts words far more often than it falls on a space: no space between
    # letters or digits (the price: ``Hello`` + ``world`` comes out glued).
    article = only(parse_page(body("据介绍，他在开幕式上说 Hello,", "world 拨打123", "51热线。")))
    assert article.paragraphs == ["据介绍，他在开幕式上说 Hello, world 拨打12351热线。"]


@pytest.mark.parametrize(
    ("head", "tail", "joined"),
    [
        ("今年新建5", "G基站3万个。", "今年新建5G基站3万个。"),
        ("国产大飞机C", "919完成首航。", "国产大飞机C919完成首航。"),
        ("比赛于晚上19:", "30开始。", "比赛于晚上19:30开始。"),
        ("参赛人数达14,", "000人。", "参赛人数达14,000人。"),
        ("义乌的Chinago", "ods平台上线。", "义乌的Chinagoods平台上线。"),
        ("他说Hello,", "world。", "他说Hello, world。"),
    ],
)
def test_rejoining_inserts_no_space_inside_a_token(head: str, tail: str, joined: str) -> None:
    long_head = "据了解，在这次活动中，" + head
    article = only(parse_page(body(long_head, tail)))
    assert article.paragraphs == ["据了解，在这次活动中，" + joined]


def test_closing_quote_after_a_full_stop_ends_the_sentence() -> None:
    article = only(parse_page(body("“我们将落地开花。”", "他表示。")))
    assert article.paragraphs == ["“我们将落地开花。”", "他表示。"]


def test_subheading_stays_a_paragraph_of_its_own() -> None:
    article = only(
        parse_page(body("核心阅读", "工会工作取得新成效。", "回信心情激动", "大家纷纷表示。"))
    )
    assert article.paragraphs == [
        "核心阅读",
        "工会工作取得新成效。",
        "回信心情激动",
        "大家纷纷表示。",
    ]


def test_two_line_subheading_stays_two_paragraphs() -> None:
    article = only(parse_page(body("前文。", "费用破局", "零关税落地，特药险“兜底”", "技术虽好。")))
    assert article.paragraphs == ["前文。", "费用破局", "零关税落地，特药险“兜底”", "技术虽好。"]


def test_short_chunk_with_clause_punctuation_is_a_broken_sentence() -> None:
    article = only(parse_page(body("前文。", "由总工会、安吉县中国", "美丽乡村中心起草。")))
    assert article.paragraphs == ["前文。", "由总工会、安吉县中国美丽乡村中心起草。"]


def test_short_chunk_after_an_unfinished_one_is_not_a_subheading() -> None:
    article = only(
        parse_page(
            body(
                "基层党组织进一步夯实巩固。",
                "全国共设立基层党委二十九点八万个、总支部",
                "三十二万个",
            )
        )
    )
    assert article.paragraphs == [
        "基层党组织进一步夯实巩固。",
        "全国共设立基层党委二十九点八万个、总支部三十二万个",
    ]


def test_single_newlines_within_a_chunk_follow_the_same_rules() -> None:
    article = only(
        parse_page("# 标题\n正文第一句比较长，没有在这一行里\n写完。第二句。\n新段落。\n")
    )
    assert article.paragraphs == ["正文第一句比较长，没有在这一行里写完。第二句。", "新段落。"]


# --- captions ------------------------------------------------------------------------------------


def test_caption_before_the_byline_goes_to_captions() -> None:
    text = "# 标题\n\n\n\n在传化集团，职工面对面交流。\n\n本报讯 记者李四报道 近日，调研开始。\n"
    article = only(parse_page(text))
    assert article.captions == ["在传化集团，职工面对面交流。"]
    assert article.byline == "本报讯 记者李四报道"
    assert article.paragraphs == ["近日，调研开始。"]


def test_caption_in_the_middle_of_a_broken_sentence_is_lifted_out() -> None:
    text = body("走进陈列馆和", "\n\n在义乌，了解基层工会组建情况。", "供电所，交流。")
    article = only(parse_page(text))
    assert article.captions == ["在义乌，了解基层工会组建情况。"]
    assert article.paragraphs == ["走进陈列馆和供电所，交流。"]


def test_subheading_after_a_wide_gap_is_not_a_caption() -> None:
    article = only(parse_page(body("前文。", "\n\n核心阅读", "正文。")))
    assert article.paragraphs == ["前文。", "核心阅读", "正文。"]
    assert article.captions == []


def test_long_chunk_after_a_wide_gap_is_prose() -> None:
    long = "这是一段很长的正文，" * 20 + "结束。"
    article = only(parse_page(body("前文。", "\n\n" + long)))
    assert article.paragraphs == ["前文。", long]


@pytest.mark.parametrize(
    "caption",
    [
        "7月7日，游客在海边游玩。 新华社记者 李学仁 摄",
        "新华社记者 李学仁 摄",
        "本报记者张三摄",
        "（通讯员 李四 摄）",
        "职工在交流。 王五/摄",
        "图为与会人员参观融媒平台。",
        "（图片由安吉县总工会提供）",
        "视觉中国供图",
    ],
)
def test_photo_credit_forms_are_captions_even_without_a_gap(caption: str) -> None:
    article = only(parse_page(body("会议召开了。", caption, "会议强调。")))
    assert article.captions == [caption]
    assert article.paragraphs == ["会议召开了。", "会议强调。"]


def test_prose_ending_in_a_shooting_verb_is_not_a_credit() -> None:
    article = only(parse_page(body("据了解，摄制组成员们在现场进行拍摄", "和记录。")))
    assert article.paragraphs == ["据了解，摄制组成员们在现场进行拍摄和记录。"]


def test_short_chunk_ending_in_a_function_word_is_not_a_subheading() -> None:
    article = only(parse_page(body("前文。", "走进陈列馆和", "供电所。")))
    assert article.paragraphs == ["前文。", "走进陈列馆和供电所。"]


def chinese_numeral(number: int) -> str:
    """一 … 九十九, as headings number their sections."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(number, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")) + (
        digits[ones] if ones else ""
    )


NUMBERED_HEADINGS = st.builds(
    lambda form, number, words: form.format(cn=chinese_numeral(number), n=number) + words,
    st.sampled_from(["{cn}、", "{n}、", "第{cn}、"]),
    st.integers(min_value=1, max_value=30),
    st.sampled_from(["加强组织领导", "完善服务体系", "强化督促检查", "坚持人民至上"]),
)


@settings(deadline=None)  # the first example loads jieba
@given(NUMBERED_HEADINGS)
def test_numbered_subheading_stays_a_paragraph_of_its_own(heading: str) -> None:
    # The 、 of 一、 / 1、 / 第一、 numbers the heading; it is not clause punctuation.
    body_text = "各级工会要把职工服务工作摆上重要议事日程。"
    article = only(parse_page(body("前文。", heading, body_text)))
    assert article.paragraphs == ["前文。", heading, body_text]


@pytest.mark.parametrize(
    ("head", "tail"),
    [
        ("1、2月份全省工会", "收入稳步增长。"),
        ("一、二季度全省", "职工收入稳步增长。"),
        ("第一，要坚持党的全面领导", "不动摇，把各项工作落到实处。"),  # a sentence, cut
    ],
)
def test_listed_numbers_opening_a_short_chunk_do_not_make_it_a_heading(
    head: str, tail: str
) -> None:
    article = only(parse_page(body("前文。", head, tail)))
    assert article.paragraphs == ["前文。", head + tail]


# --- bylines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chunk", "byline", "first"),
    [
        (
            "本报讯 工人日报记者郑莉、邹偶然报道 6月25日，调研。",
            "本报讯 工人日报记者郑莉、邹偶然报道",
            "6月25日，调研。",
        ),
        ("新华社北京6月30日电 7月1日出版的杂志。", "新华社北京6月30日电", "7月1日出版的杂志。"),
        (
            "本报杭州7月1日讯（记者王五 通讯员赵六）近日，开会。",
            "本报杭州7月1日讯（记者王五 通讯员赵六）",
            "近日，开会。",
        ),
        (
            "本报海口7月7日讯（海南日报全媒体记者黎鹏）7月7日，开会。",
            "本报海口7月7日讯（海南日报全媒体记者黎鹏）",
            "7月7日，开会。",
        ),
        ("本报讯 （记者孙慧）近日，开会。", "本报讯 （记者孙慧）", "近日，开会。"),
        (
            "本报讯 记者张三 通讯员李四报道 近日，开会。",
            "本报讯 记者张三 通讯员李四报道",
            "近日，开会。",
        ),
        (
            "新华社北京7月7日电 （记者黄韬铭）记者从应急管理部获悉。",
            "新华社北京7月7日电 （记者黄韬铭）",
            "记者从应急管理部获悉。",
        ),
        ("本报讯 近日，开会。", "本报讯", "近日，开会。"),
    ],
)
def test_leading_dateline_is_split_from_the_first_paragraph(
    chunk: str, byline: str, first: str
) -> None:
    article = only(parse_page(body(chunk, "第二段。")))
    assert article.byline == byline
    assert article.paragraphs == [first, "第二段。"]


SURNAMES = st.sampled_from(list("王李张刘陈杨黄赵吴周"))
GIVEN_NAMES = st.text(alphabet="静明伟芳娜敏强磊洋艳", min_size=1, max_size=2)
REPORTERS = st.builds(
    lambda surname, given, spaced: (
        f"{surname} {given}" if spaced and len(given) == 1 else surname + given
    ),
    SURNAMES,
    GIVEN_NAMES,
    st.booleans(),
)
REPORTER_FORMS = st.sampled_from(
    [
        "本报讯 本报记者 {name}",
        "本报讯 记者 {name}",
        "本报讯 特约通讯员 {name}",
        "本报讯 记者 {name} 通讯员 {name}",
        "本报讯 记者 {name}/文",
        "本报讯 文/{name}",
        "中新网杭州7月1日电（{name}）",
    ]
)


@settings(deadline=None)
@given(REPORTER_FORMS, REPORTERS)
def test_reporters_after_a_dateline_go_to_the_byline(form: str, name: str) -> None:
    # 本报记者 X, 特约通讯员 X, X/文, 文/X, （X） and names set as 王 静 are all bylines.
    byline = form.format(name=name)
    first = "6月25日至28日，全省电梯安装维修职业技能竞赛在海宁举办。"
    article = only(parse_page(body(f"{byline} {first}", "第二段。")))
    assert (article.byline, article.paragraphs) == (byline, [first, "第二段。"])


@pytest.mark.parametrize(
    "first",
    [
        "日前记者从省总工会获悉，全省职工服务工作取得新进展。",
        "记者 走访了全省多家企业，了解职工服务工作开展情况。",
        "本报记者站 日前成立，将为读者提供更多新闻服务。",
        "昨日记者来到 海口市龙华区，走访了多家企业。",
        "今天上午本报记者走进 省人民医院，了解职工服务情况。",
        "（综合） 全省职工服务工作取得新进展。",
        "（大 会） 全省职工服务工作取得新进展。",
    ],
)
def test_prose_after_a_dateline_that_names_a_reporter_stays_prose(first: str) -> None:
    article = only(parse_page(body(f"本报讯 {first}", "第二段。")))
    assert (article.byline, article.paragraphs) == ("本报讯", [first, "第二段。"])


@pytest.mark.parametrize(
    "lone",
    [
        "■ 本报记者 王五",
        "■ 新华社记者",
        "■ 李萌",
        "通讯员 赵六 记者 王五",
        "浙江日报记者 沈晶晶 陈佳莹",
        "本报记者 王 静",
        "文/王静",
        "□ 本报记者 王五",
        "◎本报记者 王五 通讯员 赵六",
        "★ 记者 王五",
    ],
)
def test_lone_byline_paragraph_is_the_byline(lone: str) -> None:
    article = only(parse_page(body(lone, "正文第一段。")))
    assert article.byline == lone
    assert article.paragraphs == ["正文第一段。"]


@pytest.mark.parametrize("heading", ["□ 专家观点", "◎ 相关链接", "★ 记者手记"])
def test_a_short_heading_after_a_hollow_mark_is_not_a_byline(heading: str) -> None:
    article = only(parse_page(body(heading, "正文第一段。")))
    assert article.byline is None and heading in article.paragraphs


def test_byline_split_over_two_lines_is_one_byline() -> None:
    article = only(parse_page(body("■ 海南日报全媒体记者 刘冀冀", "通讯员 蒙思雨", "正文。")))
    assert article.byline == "■ 海南日报全媒体记者 刘冀冀 通讯员 蒙思雨"
    assert article.paragraphs == ["正文。"]


def test_dateline_later_in_the_body_is_prose() -> None:
    article = only(parse_page(body("近日，开会。", "本报讯 记者张三报道 又开会。")))
    assert article.byline is None
    assert article.paragraphs == ["近日，开会。", "本报讯 记者张三报道 又开会。"]


def test_closing_dateline_is_the_byline_when_none_opens_the_article() -> None:
    article = only(parse_page(body("近日，开会。", "会议强调。（新华社北京7月7日电 记者吴晶）")))
    assert article.byline == "（新华社北京7月7日电 记者吴晶）"
    assert article.paragraphs == ["近日，开会。", "会议强调。"]


def test_column_name_after_reporter_is_not_a_byline() -> None:
    article = only(parse_page(body("记者手记", "正文。")))
    assert article.byline is None
    assert article.paragraphs == ["记者手记", "正文。"]


# --- jump markers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "on", "from_"),
    [
        ("(下转第4版)", 4, None),
        ("（下转第4版）", 4, None),
        ("（下转第四版）", 4, None),
        ("（下转第十二版）", 12, None),
        ("（下转A4版）", 4, None),
        ("(转第2版)", 2, None),
        ("（上接第1版）", None, 1),
        ("（上接第一版）", None, 1),
        ("下转第4版", 4, None),
        ("【下转第4版】", 4, None),
        ("〔下转第4版〕", 4, None),
        ("（下接第4版）", 4, None),
        ("【上接第1版】", None, 1),
        ("▲下转第4版", 4, None),
        ("——下转第4版", 4, None),
    ],
)
def test_jump_marker_leaves_the_text_and_is_recorded(
    marker: str, on: int | None, from_: int | None
) -> None:
    article = only(parse_page(body("正文。", marker)))
    assert (article.continued_on, article.continued_from) == (on, from_)
    assert article.markers == [marker]
    assert article.paragraphs == ["正文。"]


@pytest.mark.parametrize(
    ("marker", "section"),
    [("（下转A4版）", "A"), ("(下转第b4版)", "B"), ("（下转第4版）", None)],
)
def test_jump_marker_records_the_section_it_names(marker: str, section: str | None) -> None:
    article = only(parse_page(body("正文。", marker)))
    assert (article.continued_on, article.continued_on_section) == (4, section)


def test_continuation_marker_records_the_section_it_names() -> None:
    article = only(parse_page("## 会议召开（上接B1版）\n\n正文。\n"))
    assert (article.continued_from, article.continued_from_section) == (1, "B")


CHINESE_DIGITS = "零一二三四五六七八九"


def chinese(number: int) -> str:
    """1..99 in Chinese numerals: 4 → 四, 12 → 十二, 20 → 二十, 35 → 三十五."""
    tens, ones = divmod(number, 10)
    if not tens:
        return CHINESE_DIGITS[ones]
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return head + "十" + (CHINESE_DIGITS[ones] if ones else "")


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["（）", "()", "【】", "〔〕", "（)"]),
    st.sampled_from(["下转", "下接", "转", "转至", "上接", "接", "续"]),
    st.booleans(),
    st.integers(min_value=1, max_value=99),
    st.booleans(),
    st.sampled_from(["", " ", "\u3000"]),
)
def test_bracketed_jump_marker_is_recorded_with_its_page(
    brackets: str, kind: str, with_di: bool, number: int, in_chinese: bool, space: str
) -> None:
    page = chinese(number) if in_chinese else str(number)
    marker = f"{brackets[0]}{kind}{space}{'第' if with_di else ''}{page}{space}版{brackets[1]}"
    article = only(parse_page(body("会议强调，要继续努力。" + marker)))
    forward = kind in {"下转", "下接", "转", "转至"}
    assert article.paragraphs == ["会议强调，要继续努力。"]
    assert article.markers == [marker.replace("\u3000", " ")]
    assert (article.continued_on, article.continued_from) == (
        (number, None) if forward else (None, number)
    )


def test_jump_in_lenticular_brackets_joins_its_continuation() -> None:
    day = dt.date(2024, 7, 1)
    front = parse_page(body("会议要求，各级工会要努力", "【下转第4版】"), date=day, page="1")
    back = parse_page("【上接第1版】\n\n为职工提供服务。\n\n# 其他\n\n正文。\n", date=day, page="4")
    article, other = merge_pages([front, back]).articles
    assert article.paragraphs == ["会议要求，各级工会要努力为职工提供服务。"]
    assert article.markers == ["【下转第4版】", "【上接第1版】"]
    assert other.title == "其他"


def test_jump_to_another_section_is_not_joined_to_this_one() -> None:
    day = dt.date(2024, 7, 1)
    pages = [
        parse_page("# 甲文章\n\n会议要求加快推进\n\n（下转A4版）\n", date=day, page="A01"),
        parse_page("# 乙文章\n\n场馆累计接待\n\n（下转B4版）\n", date=day, page="B01"),
        parse_page("（上接B1版）\n\n市民300万人次。\n\n# 其他\n\n正文。\n", date=day, page="B04"),
    ]
    first, second, _ = merge_pages(pages).articles
    assert (first.title, first.paragraphs) == ("甲文章", ["会议要求加快推进"])
    assert (second.title, second.paragraphs) == ("乙文章", ["场馆累计接待市民300万人次。"])


def test_marker_glued_to_a_paragraph_is_taken_out_of_it() -> None:
    article = only(parse_page(body("（上接第1版）会议指出，要继续", "努力。(下转第3版)")))
    assert article.paragraphs == ["会议指出，要继续努力。"]
    assert article.markers == ["（上接第1版）", "(下转第3版)"]
    assert (article.continued_from, article.continued_on) == (1, 3)


def test_marker_in_a_heading_is_recorded_not_titled() -> None:
    article = only(parse_page("## 会议召开（上接第1版）\n\n正文。\n"))
    assert article.title == "会议召开"
    assert article.continued_from == 1


# --- file names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "date", "page"),
    [
        ("2024-07-01.txt", dt.date(2024, 7, 1), None),
        ("20240701_01.txt", dt.date(2024, 7, 1), "1"),
        ("zjgrrb-2024-07-01-p04.txt", dt.date(2024, 7, 1), "4"),
        ("zjgrrb-2024-07-01-A04.txt", dt.date(2024, 7, 1), "A04"),
        ("2024-07-01/04.txt", dt.date(2024, 7, 1), "4"),
        ("2024-07-01/a04.txt", dt.date(2024, 7, 1), "A04"),
        ("2024-07/01/p12.txt", dt.date(2024, 7, 1), "12"),
        ("rmrb20240701_05.txt", dt.date(2024, 7, 1), "5"),
        ("000_66a55eaee7fab4ff.txt", None, None),
        ("2024-13-45_03.txt", None, "3"),  # not a date, but still a page
    ],
)
def test_date_and_page_come_from_the_file_name(
    tmp_path: Path, name: str, date: dt.date | None, page: str | None
) -> None:
    edition = read_page(write(tmp_path, SIMPLE, name))
    assert (edition.date, edition.page) == (date, page)
    assert {a.page for a in edition.articles} == {page}


def test_arguments_win_over_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, SIMPLE, "zjgrrb-2024-07-01-p04.txt")
    edition = read_page(path, paper="浙江工人日报", date=dt.date(2024, 7, 2), page="05")
    assert (edition.paper, edition.date, edition.page) == ("浙江工人日报", dt.date(2024, 7, 2), "5")


# --- several page files ----------------------------------------------------------------------


def test_jump_across_two_page_files_is_merged_into_one_article(tmp_path: Path) -> None:
    front = (
        "## 会议召开\n\n本报讯 记者张三报道 会议强调，要继续推进\n\n(下转第4版)\n\n"
        "## 另一篇\n\n正文。\n"
    )
    back = "## 其他新闻\n\n正文四。\n\n## 会议召开\n\n（上接第1版）工会工作。\n\n会议要求，落实。\n"
    pages = [
        read_page(write(tmp_path, back, "2024-07-01/04.txt")),
        read_page(write(tmp_path, front, "2024-07-01/01.txt")),
    ]
    edition = merge_pages(pages)
    assert (edition.date, edition.page) == (dt.date(2024, 7, 1), None)
    assert [a.title for a in edition.articles] == ["会议召开", "另一篇", "其他新闻"]
    merged = edition.articles[0]
    assert merged.paragraphs == ["会议强调，要继续推进工会工作。", "会议要求，落实。"]
    assert merged.markers == ["(下转第4版)", "（上接第1版）"]
    assert (merged.page, merged.continued_on, merged.byline) == ("1", 4, "本报讯 记者张三报道")


# --- one article's text (web pages, benchmark data) ---------------------------------------------


def test_article_text_with_lone_xinhua_byline() -> None:
    article = parse_article_text(
        "■ 新华社记者\n\n科技是国家强盛之基。\n\n"
        "领航定向：\n\n以科学擘画筑牢强国基石\n\n北京亦庄，展厅内。",
        title=" 为民族  复兴 ",
    )
    assert article.title == "为民族 复兴"
    assert article.byline == "■ 新华社记者"
    assert article.paragraphs == [
        "科技是国家强盛之基。",
        "领航定向：",
        "以科学擘画筑牢强国基石",
        "北京亦庄，展厅内。",
    ]


def test_article_text_with_dateline_in_the_first_paragraph() -> None:
    article = parse_article_text(
        "本报海口7月7日讯（海南日报全媒体记者黎鹏）7月7日，省委开会。\n会议强调。"
    )
    assert article.byline == "本报海口7月7日讯（海南日报全媒体记者黎鹏）"
    assert article.paragraphs == ["7月7日，省委开会。", "会议强调。"]


def test_hash_lines_in_article_text_are_text() -> None:
    assert parse_article_text("# 不是标题。").paragraphs == ["# 不是标题。"]


@pytest.mark.skipif(not SHARED_DATA.is_file(), reason="../shared/data/news_headlines.jsonl absent")
def test_benchmark_articles_all_parse_with_clean_paragraphs() -> None:
    records = [json.loads(line) for line in SHARED_DATA.read_text(encoding="utf-8").splitlines()]
    with_byline = 0
    for record in records:
        article = parse_article_text(record["text"], title=record["headline"])
        assert article.paragraphs, record["id"]
        assert all(p and p == p.strip() for p in article.paragraphs), record["id"]
        if record["text"].startswith(("■", "本报", "新华社")):
            assert article.byline, record["id"]
        with_byline += article.byline is not None
    assert with_byline >= 60


# --- review fixes: column breaks taken for 小标题, captions, datelines, markers -------------------


def test_short_chunk_cut_mid_word_is_joined_not_a_subheading() -> None:
    article = only(
        parse_page(
            body(
                "调研期间，听取了各级总工会。",
                "在详细听取浙江和江苏工",
                "会工作特别是数智化建设进展情况后，徐留平强调。",
            )
        )
    )
    assert article.paragraphs == [
        "调研期间，听取了各级总工会。",
        "在详细听取浙江和江苏工会工作特别是数智化建设进展情况后，徐留平强调。",
    ]


def test_short_chunk_cut_mid_number_is_joined_not_a_subheading() -> None:
    article = only(parse_page(body("前文。", "党员总数为9918.", "5万名。")))
    assert article.paragraphs == ["前文。", "党员总数为9918.5万名。"]


@pytest.mark.parametrize("tail", ["，比上年增加。", "％，比上年增加。", "）等单位参加。"])
def test_chunk_opening_with_closing_punctuation_continues_a_short_one(tail: str) -> None:
    article = only(parse_page(body("前文。", "全国共设立基层党委", tail)))
    assert article.paragraphs == ["前文。", "全国共设立基层党委" + tail]


def test_continuation_half_starts_mid_sentence(tmp_path: Path) -> None:
    front = "## 会议召开\n\n本报讯 记者张三报道 会议强调，要继续\n\n(下转第4版)\n"
    back = "## 会议召开\n\n（上接第1版）推进工会\n\n工作，会议要求，落实。\n"
    pages = [
        read_page(write(tmp_path, front, "2024-07-01/01.txt")),
        read_page(write(tmp_path, back, "2024-07-01/04.txt")),
    ]
    assert only(pages[1]).paragraphs == ["推进工会工作，会议要求，落实。"]
    merged = only(merge_pages(pages))
    assert merged.paragraphs == ["会议强调，要继续推进工会工作，会议要求，落实。"]


FRONT = "# 推进会召开\n\n本报讯 推进会昨天召开。会议要求各级工会加快推进\n\n（下转第4版）\n"


@pytest.mark.parametrize(
    "back",
    [
        "（上接第1版）\n\n\n\n工会数字化改革。\n\n会议还部署了下半年工作。\n",
        "# 推进会召开（上接第1版）\n\n\n\n工会数字化改革。\n\n会议还部署了下半年工作。\n",
        "# 推进会召开\n\n（上接第1版）\n\n\n\n工会数字化改革。\n\n会议还部署了下半年工作。\n",
    ],
    ids=["marker-before-the-heading", "marker-in-the-heading", "marker-after-the-heading"],
)
def test_continuation_first_text_after_a_wide_gap_ends_the_sentence(back: str) -> None:
    front = parse_page(FRONT, date=dt.date(2024, 7, 1), page="1")
    rest = parse_page(back + "\n# 其他\n\n正文。\n", date=dt.date(2024, 7, 1), page="4")
    article, other = merge_pages([front, rest]).articles
    assert other.title == "其他"
    assert article.captions == []
    assert article.paragraphs == [
        "推进会昨天召开。会议要求各级工会加快推进工会数字化改革。",
        "会议还部署了下半年工作。",
    ]


def test_photo_credit_opening_a_continuation_is_still_a_caption() -> None:
    back = "（上接第1版）\n\n\n\n本报记者 张三 摄\n\n工会数字化改革。\n\n# 其他\n\n正文。\n"
    continuation = parse_page(back, page="4").articles[0]
    assert continuation.captions == ["本报记者 张三 摄"]
    assert continuation.paragraphs == ["工会数字化改革。"]


def test_text_before_the_first_heading_starts_mid_sentence() -> None:
    edition = parse_page("推进工会\n\n工作，会议要求。\n\n# 标题\n\n正文。\n", page="4")
    assert edition.articles[0].paragraphs == ["推进工会工作，会议要求。"]


@pytest.mark.parametrize(
    ("chunks", "paragraphs", "captions"),
    [
        (
            ("本报讯 记者张三报道 近日，驿站还为户外劳动者提供图", "书借阅等服务。"),
            ["近日，驿站还为户外劳动者提供图书借阅等服务。"],
            [],
        ),
        (
            ("前文。", "据新华社发", "布的消息，会议召开。"),
            ["前文。", "据新华社发布的消息，会议召开。"],
            [],
        ),
        (
            ("前文。", "他在图书馆里翻阅了大量资料图", "片和文献。"),
            ["前文。", "他在图书馆里翻阅了大量资料图片和文献。"],
            [],
        ),
        (
            ("前文。", "据了解，他们在这次活动中尝试", "图为职工提供更好的服务。"),
            ["前文。", "据了解，他们在这次活动中尝试图为职工提供更好的服务。"],
            [],
        ),
        (("前文。", "（新华社发）", "后文。"), ["前文。", "后文。"], ["（新华社发）"]),
        (
            ("前文。", "职工在交流。 资料图片", "后文。"),
            ["前文。", "后文。"],
            ["职工在交流。 资料图片"],
        ),
    ],
)
def test_credit_words_cut_out_of_prose_are_not_captions(
    chunks: tuple[str, ...], paragraphs: list[str], captions: list[str]
) -> None:
    article = only(parse_page(body(*chunks)))
    assert (article.paragraphs, article.captions) == (paragraphs, captions)


def test_bare_credit_word_in_a_long_chunk_is_prose() -> None:
    long = "据了解，" + "这座驿站为户外劳动者提供休息、饮水、充电等服务，" * 3 + "资料图片"
    article = only(parse_page(body("前文。", long + "展示了成效。")))
    assert article.captions == []


def test_dateline_after_heading_lines_is_the_byline_and_the_lines_the_subtitle() -> None:
    article = parse_article_text(
        "习近平发表重要讲话强调，科技强国建设正处于关键攻坚期。必须抓住历史机遇，以科技创新支撑和引领中国式现代化\n\n"
        "李强主持 赵乐际王沪宁蔡奇李希出席 丁薛祥宣读奖励决定\n\n"
        "新华社北京7月8日电 国家科学技术奖励大会8日上午在人民大会堂隆重召开。\n\n"
        "李强主持大会。"
    )
    assert article.byline == "新华社北京7月8日电"
    assert article.subtitle == (
        "习近平发表重要讲话强调，科技强国建设正处于关键攻坚期。"
        "必须抓住历史机遇，以科技创新支撑和引领中国式现代化 "
        "李强主持 赵乐际王沪宁蔡奇李希出席 丁薛祥宣读奖励决定"
    )
    assert article.paragraphs == [
        "国家科学技术奖励大会8日上午在人民大会堂隆重召开。",
        "李强主持大会。",
    ]


def test_dateline_chunk_after_an_open_sentence_starts_a_paragraph() -> None:
    article = only(
        parse_page(body("近日，开会。", "会议强调，要继续努力推进各项工作", "本报讯 又开会。"))
    )
    assert article.byline is None
    assert article.paragraphs == [
        "近日，开会。",
        "会议强调，要继续努力推进各项工作",
        "本报讯 又开会。",
    ]


def test_chunk_apart_after_a_caption_with_nothing_close_after_it_ends_the_sentence() -> None:
    text = body(
        "会议强调，要守牢意识形态安全防线；加", "\n\n与会人员实地参观平台。", "\n\n快平台建设。"
    )
    article = only(parse_page(text))
    assert article.captions == ["与会人员实地参观平台。"]
    assert article.paragraphs == ["会议强调，要守牢意识形态安全防线；加快平台建设。"]


OPEN = "徐留平一行走进诸暨市枫桥经验陈列馆和"
REST = "供电所“枫桥式示范基层窗口”，与劳模工匠面对面交流。"


def test_credit_line_under_a_caption_lifted_from_an_open_sentence_is_a_caption() -> None:
    text = body(OPEN, "\n\n在义乌，了解基层工会组建情况。\n本报记者 张三 摄", REST)
    article = only(parse_page(text))
    assert article.captions == ["在义乌，了解基层工会组建情况。", "本报记者 张三 摄"]
    assert article.paragraphs == [OPEN + REST]


def test_two_captions_standing_apart_in_an_open_sentence_are_both_lifted() -> None:
    text = body(OPEN, "\n\n在义乌，了解基层工会组建情况。", "\n\n在嘉兴，看望慰问快递员。", REST)
    article = only(parse_page(text))
    assert article.captions == ["在义乌，了解基层工会组建情况。", "在嘉兴，看望慰问快递员。"]
    assert article.paragraphs == [OPEN + REST]


def test_credit_standing_apart_before_its_caption_leaves_the_sentence_whole() -> None:
    text = body(OPEN, "\n\n本报记者 张三 摄", "\n\n在义乌，了解基层工会组建情况。", REST)
    article = only(parse_page(text))
    assert article.captions == ["本报记者 张三 摄", "在义乌，了解基层工会组建情况。"]
    assert article.paragraphs == [OPEN + REST]


CAPTIONS_STACKED = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "与会人员实地参观平台。",
                "省总工会领导为获奖单位颁奖。",
                "图为职工在交流。",
                "在嘉兴，看望慰问快递员。",
                "本报记者 阮向民 摄",
                "新华社记者 李学仁 摄",
            ]
        ),
        st.integers(min_value=0, max_value=5),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(CAPTIONS_STACKED)
def test_captions_stacked_in_an_open_sentence_are_all_lifted(
    stacked: list[tuple[str, int]],
) -> None:
    # Each caption stands apart, or is a credit line under the one before it.
    pieces = []
    for number, (caption, gap) in enumerate(stacked):
        close = number > 0 and is_photo_credit(caption)
        pieces.append("\n" * (gap % 2 if close else gap + 3) + caption)
    text = "# 标题\n\n会议强调，要守牢意识形态安全防线；加\n" + "\n".join(pieces)
    article = only(parse_page(text + "\n\n快全省工会融媒平台建设。\n"))
    assert article.captions == [caption for caption, _ in stacked]
    assert article.paragraphs == ["会议强调，要守牢意识形态安全防线；加快全省工会融媒平台建设。"]


def test_article_made_only_of_a_wide_gap_chunk_keeps_it_as_prose() -> None:
    article = only(parse_page("## 简讯\n\n\n\n近日，杭州市总工会举办职工活动。\n"))
    assert article.captions == []
    assert article.paragraphs == ["近日，杭州市总工会举办职工活动。"]


def test_article_made_only_of_captions_keeps_the_credits_as_captions() -> None:
    article = only(parse_page("## 图片新闻\n\n\n\n职工在交流。\n\n\n\n新华社记者 李学仁 摄\n"))
    assert article.captions == ["新华社记者 李学仁 摄"]
    assert article.paragraphs == ["职工在交流。"]


@pytest.mark.parametrize(
    ("chunks", "paragraphs"),
    [
        (
            ("前文。", "回望伟大成就", "激扬壮志豪情", "105载岁月峥嵘，中华民族史册镌刻荣光。"),
            ["前文。", "回望伟大成就", "激扬壮志豪情", "105载岁月峥嵘，中华民族史册镌刻荣光。"],
        ),
        (
            ("前文。", "“二十三年红旗不倒”的", "深刻启示", "人民立场是“红旗不倒”的根本所在。"),
            ["前文。", "“二十三年红旗不倒”的深刻启示", "人民立场是“红旗不倒”的根本所在。"],
        ),
        (("前文。", "青年大有作为", "正文。"), ["前文。", "青年大有作为", "正文。"]),
    ],
)
def test_subheading_ending_in_a_full_word_is_not_glued_to_the_body(
    chunks: tuple[str, ...], paragraphs: list[str]
) -> None:
    # One 小标题 on two lines: two paragraphs when each line stands alone, one when the
    # first line dangles (…的).
    assert only(parse_page(body(*chunks))).paragraphs == paragraphs


def test_marker_inside_a_line_leaves_no_space_between_cjk() -> None:
    article = only(parse_page(body("会议指出(下转第4版)要继续努力。")))
    assert article.paragraphs == ["会议指出要继续努力。"]
    assert article.markers == ["(下转第4版)"]


def test_marker_between_latin_words_leaves_a_space() -> None:
    article = only(parse_page(body("他说Hello(下转第4版)world。")))
    assert article.paragraphs == ["他说Hello world。"]


def test_paragraph_ending_in_a_bracketed_byline_is_finished() -> None:
    article = only(
        parse_page(body("会议强调，要继续推进各项工作落实。（本报记者 李四）", "下一段开始了。"))
    )
    assert article.paragraphs == [
        "会议强调，要继续推进各项工作落实。（本报记者 李四）",
        "下一段开始了。",
    ]


def test_closing_dateline_standing_alone_mid_article_is_the_byline() -> None:
    article = only(parse_page(body("会议强调。", "（本报椰林7月22日电）", "下一段开始了。")))
    assert article.byline == "（本报椰林7月22日电）"
    assert article.paragraphs == ["会议强调。", "下一段开始了。"]


_DATELINE_INSIDE = re.compile(
    r"(?<![（(])(?:新华社|本报)[\u4e00-\u9fff]{0,8}?(?:\d{1,2}月)?(?:\d{1,2}日)?专?[讯电](?=[\s（(])"
)


@pytest.mark.skipif(not SHARED_DATA.is_file(), reason="../shared/data/news_headlines.jsonl absent")
def test_no_benchmark_paragraph_has_an_opening_dateline_after_its_start() -> None:
    records = [json.loads(line) for line in SHARED_DATA.read_text(encoding="utf-8").splitlines()]
    for record in records:
        article = parse_article_text(record["text"], title=record["headline"])
        for paragraph in article.paragraphs:
            starts = [m.start() for m in _DATELINE_INSIDE.finditer(paragraph)]
            assert all(start == 0 for start in starts), (record["id"], paragraph[:80])


@pytest.mark.skipif(not SHARED_DATA.is_file(), reason="../shared/data/news_headlines.jsonl absent")
@pytest.mark.parametrize(
    ("record_id", "subheading"),
    [
        ("hn-2026-07-08-2-006", "回望伟大成就"),
        ("hn-2026-07-08-2-004", "“二十三年红旗不倒”的深刻启示"),
    ],
)
def test_benchmark_subheadings_stand_alone(record_id: str, subheading: str) -> None:
    records = [json.loads(line) for line in SHARED_DATA.read_text(encoding="utf-8").splitlines()]
    (record,) = [r for r in records if r["id"] == record_id]
    assert subheading in parse_article_text(record["text"]).paragraphs


@pytest.mark.skipif(not SHARED_DATA.is_file(), reason="../shared/data/news_headlines.jsonl absent")
def test_benchmark_dateline_after_heading_lines_is_the_byline() -> None:
    records = [json.loads(line) for line in SHARED_DATA.read_text(encoding="utf-8").splitlines()]
    (record,) = [r for r in records if r["id"] == "hn-2026-07-09-2-001"]
    article = parse_article_text(record["text"])
    assert article.byline == "新华社北京7月8日电"
    assert article.subtitle is not None and article.subtitle.startswith("习近平发表重要讲话")
    assert article.paragraphs[0].startswith("国家科学技术奖励大会")
