"""Properties of the parser over generated editions: it fails only one way and loses nothing."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.byline import split_opening
from summarizer.decode import decode_bytes, strip_invisible
from summarizer.edition import Article, Edition
from summarizer.errors import EditionError
from summarizer.parser import parse_article_text, parse_page
from summarizer.rejoin import ends_sentence, is_subheading_second_line, is_subheading_shape

HEADING_MARKS = re.compile(r"^\s*(#{1,3})(?![#0-9A-Za-z])")  # a heading: not "#1机组"

CJK = st.sampled_from(
    list(
        "的一是在不了有和人这中大为上国我以要他时来们到作地于出就对成会可发年动工也能下过子说产面而方后多定行学"
    )
)
PUNCTUATION = st.sampled_from(list("。！？…，、；：”’）」』》)（(“‘《■·/／-.,!?:; \u3000\xa0\t"))
PIECES = st.sampled_from(
    [
        "(下转第4版)",
        "（上接第一版）",
        "下转第2版",
        "（转A3版）",
        "本报讯 记者张三报道 ",
        "新华社北京6月30日电 ",
        "本报杭州7月1日讯（记者X 通讯员Y）",
        "■ 新华社记者",
        "通讯员 李四 记者 王五",
        "新华社记者 王五 摄",
        "图为",
        "（图片由某某提供）",
        "（新华社北京7月7日电）",
        "#",
        "##",
        "Hello",
        "123",
        "核心阅读",
    ]
)
ANY_CHAR = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufeff")
LINE = st.lists(st.one_of(CJK, CJK, PUNCTUATION, PIECES, ANY_CHAR), max_size=30).map("".join)
HEADING = st.tuples(st.sampled_from(["#", "## ", "### ", "#### ", "  ##"]), LINE).map("".join)
BLANKS = st.integers(min_value=1, max_value=4).map(lambda n: "\n" * (n - 1))
EDITION_TEXT = st.lists(st.one_of(LINE, LINE, HEADING, BLANKS), max_size=30).map("\n".join)


def visible(text: str) -> Counter[str]:
    return Counter(ch for ch in text if not ch.isspace())


def expected_characters(text: str) -> Counter[str]:
    """The input's non-blank characters minus the ``#`` marks of heading lines."""
    found: Counter[str] = Counter()
    for line in text.splitlines():
        match = HEADING_MARKS.match(line)
        found += visible(line[match.end() :] if match else line)
    return found


def article_characters(article: Article) -> Counter[str]:
    found: Counter[str] = Counter()
    for part in (
        article.title,
        article.subtitle or "",
        article.byline or "",
        *article.paragraphs,
        *article.captions,
        *article.markers,
    ):
        found += visible(part)
    return found


def parse_or_none(text: str) -> Edition | None:
    try:
        return parse_page(text, source="generated.txt")
    except EditionError as exc:
        assert exc.source == "generated.txt"
        return None


@settings(max_examples=200, deadline=None)
@given(EDITION_TEXT)
def test_every_character_lands_in_exactly_one_field(text: str) -> None:
    edition = parse_or_none(text)
    if edition is None:
        return
    found: Counter[str] = Counter()
    for article in edition.articles:
        found += article_characters(article)
    assert found == expected_characters(text)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.text().map(lambda t: "# 标题\n\n" + t), EDITION_TEXT))
def test_parsing_arbitrary_text_raises_nothing_but_edition_error(text: str) -> None:
    parse_or_none(text)


def unfinished_paragraph_is_allowed(article: Article, index: int) -> bool:
    """A paragraph that stops mid-sentence must be a 小标题 shape or a heading line before a
    dateline (提要/副题 lines standing before ``新华社…电``)."""
    paragraph = article.paragraphs[index]
    if is_subheading_shape(paragraph) or is_subheading_second_line(paragraph):
        return True
    if split_opening(article.paragraphs[index + 1]) is not None:
        return True
    heading_block = not any(ends_sentence(p) for p in article.paragraphs[: index + 1])
    return (
        heading_block and article.byline is not None and split_opening(article.byline) is not None
    )


@settings(max_examples=300, deadline=None)
@given(EDITION_TEXT)
def test_parts_are_trimmed_and_paragraphs_end_sentences_or_are_subheadings(text: str) -> None:
    edition = parse_or_none(text)
    if edition is None:
        return
    for article in edition.articles:
        parts = [*article.paragraphs, *article.captions, *article.markers]
        if article.byline is not None:
            parts.append(article.byline)
        assert all(part and part == part.strip() for part in parts)
        for index, paragraph in enumerate(article.paragraphs[:-1]):
            assert ends_sentence(paragraph) or unfinished_paragraph_is_allowed(article, index)


@settings(max_examples=200, deadline=None)
@given(EDITION_TEXT)
def test_article_text_loses_no_character(text: str) -> None:
    article = parse_article_text(text)
    assert article_characters(article) == visible(text)


@settings(max_examples=200, deadline=None)
@given(st.text(ANY_CHAR))
def test_utf8_bytes_decode_back_to_the_visible_text_or_fail_cleanly(text: str) -> None:
    try:
        decoded = decode_bytes(text.encode("utf-8"), "generated.txt")
    except EditionError as exc:
        assert exc.source == "generated.txt"
        return
    lines = re.split(r"\r\n?|[\n\f\v\x85\u2028\u2029]", text)
    assert decoded.split("\n") == [strip_invisible(line) for line in lines]
