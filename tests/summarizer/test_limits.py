"""Bounded work: inputs beyond the limits are refused early with a reason naming the limit."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.decode import decode_bytes, strip_invisible
from summarizer.limits import (
    DEFAULT_LIMITS,
    LimitError,
    Limits,
    check_article_count,
    summarizer_for,
)
from summarizer.parser import parse_page, read_page
from summarizer.sentences import split_sentences

SMALL = Limits(file_bytes=1000, articles_per_page=3, articles_per_edition=4, article_chars=200)
PROSE = "全省工会系统认真贯彻落实会议精神，推动各项工作取得新成效。"


def test_a_page_with_more_headings_than_the_limit_is_refused_naming_the_limit() -> None:
    text = "".join(f"# 标题{n}\n{PROSE}\n\n" for n in range(4))
    with pytest.raises(LimitError) as caught:
        parse_page(text, source="p.txt", limits=SMALL)
    assert caught.value.key == "articles_per_page"
    assert "[limits] articles_per_page" in caught.value.reason


def test_a_page_at_the_heading_limit_parses() -> None:
    text = "".join(f"# 标题{n}\n{PROSE}\n\n" for n in range(3))
    assert len(parse_page(text, limits=SMALL).articles) == 3


def test_an_article_longer_than_the_limit_is_refused() -> None:
    text = "# 标题\n" + PROSE * 10
    with pytest.raises(LimitError) as caught:
        parse_page(text, limits=SMALL)
    assert caught.value.key == "article_chars"


def test_one_huge_line_before_any_heading_is_refused_too() -> None:
    with pytest.raises(LimitError):
        parse_page("甲" * 201 + "\n# 标题\n" + PROSE, limits=SMALL)


def test_a_file_larger_than_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "2024-07-01.txt"
    with path.open("wb") as handle:  # sparse: 20 MB on paper, nothing on disk
        handle.truncate(20 * 1024 * 1024)
    with pytest.raises(LimitError) as caught:
        read_page(path, limits=SMALL)
    assert caught.value.key == "file_bytes"
    assert "20,971,520 bytes" in caught.value.reason


def test_an_edition_with_more_articles_than_the_limit_is_refused() -> None:
    with pytest.raises(LimitError) as caught:
        check_article_count(5, SMALL, "edition")
    assert caught.value.key == "articles_per_edition"


@pytest.mark.timeout(20)  # a hang guard: it took minutes when two \s* stood side by side
@pytest.mark.parametrize("space", [" ", "\u3000"])
def test_a_heading_with_a_long_run_of_spaces_after_a_jump_word_parses(space: str) -> None:
    text = f"# 标题（下转{space * 40_000}x版\n{PROSE}\n"
    [article] = parse_page(text).articles
    assert article.title.startswith("标题（下转") and article.paragraphs == [PROSE]


def test_the_defaults_leave_a_real_page_alone(seed_path: Path) -> None:
    assert read_page(seed_path, limits=DEFAULT_LIMITS).articles


def test_a_run_on_sentence_is_cut_after_clause_marks_within_the_limit() -> None:
    paragraph = "代表们认真审议报告，" * 100 + "会议圆满结束。"
    pieces = split_sentences(paragraph, max_chars=100)
    assert len(pieces) > 1
    assert all(len(piece) <= 100 for piece in pieces[:-1])
    assert "".join(pieces) == paragraph


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("甲乙丙丁，；。 ")), min_size=50, max_size=600))
def test_cut_pieces_lose_only_whitespace(paragraph: str) -> None:
    pieces = split_sentences(paragraph, max_chars=40)
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", paragraph)
    position = 0
    for piece in pieces:  # verbatim, in order
        position = paragraph.index(piece, position) + len(piece)


def test_a_run_on_without_clause_marks_is_never_a_key_sentence() -> None:
    run_on = "甲" * 600 + "。"
    summary = summarizer_for(DEFAULT_LIMITS).summarize_text([run_on, PROSE, PROSE + PROSE], k=3)
    assert summary.sentences
    assert all(len(s) <= DEFAULT_LIMITS.sentence_chars for s in summary.sentences)


def test_invisible_characters_are_exactly_the_controls_and_format_characters() -> None:
    for code in range(0x110000):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cn":  # unassigned in this Python's Unicode version
            continue
        invisible = category in ("Cc", "Cf") and char not in "\n\t"
        assert (strip_invisible(char) == "") == invisible, f"U+{code:04X}"


def test_edition_files_lose_their_bidi_overrides_and_zero_width_spaces() -> None:
    text = decode_bytes("# 标\u202e题\n\u200b正文。\n".encode(), "a.txt")
    assert text == "# 标题\n正文。\n"
