"""may_hold_dateline: a cheap test that never rules out a dateline the full regexes find."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from summarizer.byline import contains_dateline, may_hold_dateline, split_opening

PIECES = [
    "本报讯 ",
    "新华社北京6月30日电 ",
    "本报海口7月7日讯（海南日报全媒体记者黎鹏）",
    "中新网杭州7月1日电 ",
    "浙江工人日报讯 ",
    "全省工会会议在杭州召开。",
    "记者",
    "（",
    "7月7日",
    "日报",
    " ",
]


@given(st.lists(st.sampled_from(PIECES), max_size=6).map("".join))
def test_never_rules_out_a_dateline(text: str) -> None:
    if contains_dateline(text) or split_opening(text) is not None:
        assert may_hold_dateline(text)


def test_plain_prose_is_ruled_out() -> None:
    assert not may_hold_dateline("全省职工文化建设推进会昨天召开，会议强调要压实责任。")
