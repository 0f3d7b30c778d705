"""merge_pages: page files of one date → one edition, jumped articles stitched together."""

from __future__ import annotations

import datetime as dt

import pytest

from summarizer.edition import (
    Article,
    Edition,
    merge_pages,
    normalize_page,
    page_number,
    page_sort_key,
)
from summarizer.errors import EditionError

DAY = dt.date(2024, 7, 1)


def page(number: str, *articles: Article, date: dt.date | None = DAY) -> Edition:
    for article in articles:
        article.page = number
    return Edition(paper="浙江工人日报", date=date, page=number, articles=list(articles))


def head(title: str, *paragraphs: str, to: int = 4) -> Article:
    return Article(
        title=title,
        byline="本报讯",
        paragraphs=list(paragraphs),
        captions=["图一。"],
        continued_on=to,
        markers=[f"(下转第{to}版)"],
    )


def tail(title: str, *paragraphs: str, source: int = 1) -> Article:
    return Article(
        title=title,
        paragraphs=list(paragraphs),
        captions=["图二。"],
        continued_from=source,
        markers=[f"（上接第{source}版）"],
    )


def test_continuation_is_appended_to_the_article_it_continues() -> None:
    edition = merge_pages(
        [page("1", head("会议召开", "甲。")), page("4", tail("会议召开", "乙。"))]
    )
    (article,) = edition.articles
    assert article.paragraphs == ["甲。", "乙。"]
    assert article.captions == ["图一。", "图二。"]
    assert article.markers == ["(下转第4版)", "（上接第1版）"]
    assert (article.page, article.continued_on, article.byline) == ("1", 4, "本报讯")


def test_sentence_cut_at_the_jump_is_rejoined() -> None:
    edition = merge_pages(
        [page("1", head("会", "要继续推")), page("4", tail("会", "进工作。", "二。"))]
    )
    assert edition.articles[0].paragraphs == ["要继续推进工作。", "二。"]


def test_articles_come_in_page_order_whatever_the_input_order() -> None:
    pages = [page("4", Article("四")), page("A02", Article("甲二")), page("1", Article("一"))]
    edition = merge_pages(pages)
    assert [a.title for a in edition.articles] == ["一", "四", "甲二"]


def test_several_pages_give_no_page_and_one_page_keeps_its_own() -> None:
    assert merge_pages([page("1", Article("一")), page("2", Article("二"))]).page is None
    assert merge_pages([page("3", Article("三"))]).page == "3"


def test_most_similar_title_wins_among_several_candidates() -> None:
    front = page(
        "1", head("徐留平在浙江调研工会工作", "甲。"), head("全省工会宣传工作会议召开", "丙。")
    )
    back = page("4", tail("宣传工作会议", "丁。"), tail("徐留平调研工会工作", "乙。"))
    first, second = merge_pages([front, back]).articles
    assert first.paragraphs == ["甲。", "乙。"]
    assert second.paragraphs == ["丙。", "丁。"]


def test_single_candidate_is_joined_even_with_another_title() -> None:
    edition = merge_pages([page("1", head("会议召开", "甲。")), page("4", tail("", "乙。"))])
    assert [a.paragraphs for a in edition.articles] == [["甲。", "乙。"]]


def test_unmatched_halves_stay_as_they_are() -> None:
    lonely_head = head("会议", "甲。", to=5)
    lonely_tail = tail("别的", "乙。", source=2)
    edition = merge_pages([page("1", lonely_head), page("4", lonely_tail)])
    assert [(a.title, a.paragraphs) for a in edition.articles] == [
        ("会议", ["甲。"]),
        ("别的", ["乙。"]),
    ]
    assert edition.articles[1].continued_from == 2


def test_untitled_continuation_whose_head_is_missing_is_left_out() -> None:
    # Page 4 opens with "（上接第1版）…" but page 1 is not among the pages.
    edition = merge_pages(
        [page("2", Article("别的", paragraphs=["甲。"])), page("4", tail("", "乙。"))]
    )
    assert [(a.title, a.paragraphs) for a in edition.articles] == [("别的", ["甲。"])]


def test_untitled_continuation_whose_head_did_not_take_it_is_kept() -> None:
    # Page 1 is here but its article names no jump: the text of page 4's half is not lost.
    edition = merge_pages(
        [page("1", Article("会议", paragraphs=["甲。"])), page("4", tail("", "乙。"))]
    )
    assert [(a.title, a.paragraphs) for a in edition.articles] == [
        ("会议", ["甲。"]),
        ("", ["乙。"]),
    ]


def test_continuation_on_the_wrong_page_is_not_joined() -> None:
    edition = merge_pages([page("1", head("会议", "甲。", to=4)), page("5", tail("会议", "乙。"))])
    assert len(edition.articles) == 2


def test_chain_of_jumps_is_followed() -> None:
    middle = tail("会议", "乙。")
    middle.continued_on = 6
    edition = merge_pages(
        [
            page("1", head("会议", "甲。")),
            page("4", middle),
            page("6", tail("会议", "丙。", source=4)),
        ]
    )
    assert [a.paragraphs for a in edition.articles] == [["甲。", "乙。", "丙。"]]


def test_two_articles_that_each_go_on_in_the_other_are_both_kept() -> None:
    # Page 1's says 上接第4版 and 下转第4版; page 4's says 上接第1版 and 下转第1版.
    first, second = head("会议", "甲。"), head("会议", "乙。", to=1)
    first.continued_from, second.continued_from = 4, 1
    edition = merge_pages([page("1", first), page("4", second)])
    assert [a.paragraphs for a in edition.articles] == [["甲。", "乙。"]]


def test_section_pages_match_numeric_markers() -> None:
    edition = merge_pages([page("A01", head("会", "甲。")), page("A04", tail("会", "乙。"))])
    assert [a.paragraphs for a in edition.articles] == [["甲。", "乙。"]]


def test_marker_naming_a_section_joins_only_that_section() -> None:
    front_a, front_b = head("甲文章", "甲。"), head("乙文章", "乙，")
    front_a.continued_on_section, front_b.continued_on_section = "A", "B"  # 下转A4版, 下转B4版
    back_b = tail("", "丙。")
    back_b.continued_from_section = "B"  # 上接B1版
    edition = merge_pages([page("A01", front_a), page("B01", front_b), page("B04", back_b)])
    assert [(a.title, a.paragraphs) for a in edition.articles] == [
        ("甲文章", ["甲。"]),
        ("乙文章", ["乙，丙。"]),
    ]


def test_marker_without_a_section_prefers_the_heads_own_section() -> None:
    # B04's title is the same as the head's, A04's is not: the section still decides.
    edition = merge_pages(
        [
            page("A01", head("会议", "甲。")),
            page("A04", tail("别的", "乙。")),
            page("B04", tail("会议", "丙。")),
        ]
    )
    assert [(a.page, a.paragraphs) for a in edition.articles] == [
        ("A01", ["甲。", "乙。"]),
        ("B04", ["丙。"]),
    ]


def test_marker_naming_a_section_matches_pages_named_without_one() -> None:
    front = head("会议", "甲。")
    front.continued_on_section = "A"  # 下转A4版, but the files are named 01 and 04
    edition = merge_pages([page("1", front), page("4", tail("会议", "乙。"))])
    assert [a.paragraphs for a in edition.articles] == [["甲。", "乙。"]]


def test_inputs_are_not_modified() -> None:
    front, back = page("1", head("会", "甲。")), page("4", tail("会", "乙。"))
    merge_pages([front, back])
    assert front.articles[0].paragraphs == ["甲。"]
    assert back.articles[0].paragraphs == ["乙。"]


def test_pages_of_different_dates_are_refused() -> None:
    other = page("2", Article("二"), date=dt.date(2024, 7, 2))
    with pytest.raises(EditionError, match="different papers or dates"):
        merge_pages([page("1", Article("一")), other])


def test_no_pages_is_an_error() -> None:
    with pytest.raises(EditionError, match="no pages"):
        merge_pages([])


@pytest.mark.parametrize(
    ("raw", "normal", "number"),
    [
        ("04", "4", 4),
        ("p04", "4", 4),
        ("4", "4", 4),
        ("A04", "A04", 4),
        ("a4", "A4", 4),
        ("０４", "4", 4),
        ("Ａ０４", "A04", 4),
        ("④", "4", 4),
        ("⁴", "4", 4),
        ("p④", "4", 4),
    ],
)
def test_page_names_are_normalised(raw: str, normal: str, number: int) -> None:
    assert normalize_page(raw) == normal
    assert page_number(normal) == number


def test_page_sort_key_orders_numbers_numerically_and_unknown_last() -> None:
    pages = ["10", None, "B01", "2", "A03", "A01"]
    assert sorted(pages, key=page_sort_key) == ["2", "10", "A01", "A03", "B01", None]
