"""Specification of summarizer.duplicates: which articles of a day tell the same story.

On the seed edition's real text: its Xinhua wire (the Party membership statistics) reprinted
the way provincial papers print wire copy, and its other articles as different stories —
several of them about trade-union meetings, the same topic on the same day.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.duplicates import MAX_CHARS, THRESHOLD, find_repeats, fingerprint, overlap
from summarizer.parser import read_page
from tests.bot.delivery.editions import SEED

BODIES = [
    "\n".join(a.paragraphs)
    for a in read_page(SEED, paper="浙江工人日报", date=dt.date(2024, 7, 1)).articles
]
WIRE = BODIES[2]  # 新华社北京6月30日电 中央组织部最新党内统计数据表明…
PROVINCIAL_MEETINGS = (BODIES[3], BODIES[4])  # two trade-union meetings, one topic


def test_the_same_wire_in_two_papers_is_one_story() -> None:
    assert find_repeats([WIRE, WIRE], groups=["甲报", "乙报"]) == [None, 0]


def test_a_wire_cut_short_and_without_its_dateline_is_the_same_story() -> None:
    paragraphs = WIRE.split("\n")
    reprint = "\n\n".join([paragraphs[0].removeprefix("新华社北京6月30日电 "), paragraphs[1]])
    assert overlap(fingerprint(WIRE), fingerprint(reprint)) >= THRESHOLD
    assert find_repeats([WIRE, reprint], groups=[1, 2]) == [None, 0]


def test_copy_edits_and_new_paragraph_breaks_do_not_hide_a_reprint() -> None:
    edited = WIRE.replace("中国共产党", "我党", 2).replace("。", "。\n\n").replace("，", ",")
    assert find_repeats([WIRE, edited], groups=[1, 2]) == [None, 0]


def test_a_different_story_on_the_same_topic_is_not_merged() -> None:
    assert find_repeats(list(PROVINCIAL_MEETINGS), groups=[1, 2]) == [None, None]


def test_no_two_articles_of_the_seed_are_one_story() -> None:
    assert find_repeats(BODIES, groups=range(len(BODIES))) == [None] * len(BODIES)


def test_articles_of_one_group_are_never_merged() -> None:
    assert find_repeats([WIRE, WIRE], groups=["甲报", "甲报"]) == [None, None]


def test_a_text_too_short_to_judge_is_never_a_repeat() -> None:
    short = "新华社北京6月30日电 中央组织部最新党内统计数据表明"
    assert find_repeats([short, short], groups=[1, 2]) == [None, None]


def test_repeats_do_not_chain_through_a_middle_text() -> None:
    paragraphs = WIRE.split("\n")
    first_half = "".join(paragraphs[:3])
    second_half = "".join(paragraphs[2:])
    # The whole wire contains both halves, which share only paragraph 3.
    texts = [first_half, WIRE, second_half]
    repeats = find_repeats(texts, groups=[1, 2, 3])
    assert repeats[1] == 0
    assert repeats[2] != 0  # never joined to the first half through the whole wire


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=MAX_CHARS * 3), max_size=6))
def test_any_text_gives_one_answer_per_text_never_pointing_forward(texts: list[str]) -> None:
    repeats = find_repeats(texts)
    assert len(repeats) == len(texts)
    assert all(r is None or r < i for i, r in enumerate(repeats))
