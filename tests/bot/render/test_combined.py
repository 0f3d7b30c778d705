"""Specification of the combined digest (bot.render.combined): a reader's papers of the day in
one message, split only between articles when too long, each story once with "also in".

Built on the seed edition (浙江工人日报 2024-07-01, p. 1); its Xinhua wire (the Party
membership statistics, article 3) is "reprinted" by a second paper with a new headline and its
last paragraph cut, the way provincial papers print wire copy.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.localapi.telegram_html import entity_text, parse_html, utf16_len
from bot.render import (
    MAX_BUTTONS,
    MAX_ROW_ID,
    ArticleRef,
    DigestMessage,
    build_digest,
    decode_article_callback,
)
from bot.render.combined import Section, build_combined_digest, told_earlier
from bot.render.i18n import LANGUAGES
from tests.bot.render.test_digest import callback_data, digests, edition, seed_articles

WIRE = 3  # the seed's Xinhua dispatch
SAME_TOPIC = (4, 5)  # two different trade-union meetings reported the same day


def second_paper(numbers: tuple[int, ...] = (), *, edition_id: int = 43) -> Section:
    """海南日报 of the same day; its article 1 is the seed's wire, re-headlined and trimmed,
    then the seed's articles ``numbers`` (stories the first section does not have)."""
    seed = {a.number: a for a in seed_articles(edition_id)}
    wire = seed[WIRE]
    reprint = dataclasses.replace(
        wire, number=1, title="我国党员总数超过九千九百万", paragraphs=wire.paragraphs[:-1]
    )
    others = [dataclasses.replace(seed[n], number=i) for i, n in enumerate(numbers, start=2)]
    ed = dataclasses.replace(edition(1 + len(others), edition_id=edition_id), paper="海南日报")
    return Section(ed, [reprint, *others])


def seed_section(numbers: tuple[int, ...] = (1, 2, 3, 4, 5)) -> Section:
    """浙江工人日报 with the seed's articles ``numbers`` (the others are left for 海南日报)."""
    articles = [a for a in seed_articles(42) if a.number in numbers]
    return Section(edition(len(articles)), articles)


def plain(message: DigestMessage) -> str:
    """The text as the reader sees it (entities parsed away)."""
    return parse_html(message.text).text


def listed(messages: list[DigestMessage]) -> list[ArticleRef]:
    """Every article the messages list, by its button, in order (edition and number: the
    marks are checked where the titles are known)."""
    refs = []
    for message in messages:
        for data in callback_data(message):
            ref = decode_article_callback(data)
            assert ref is not None and ref.mark
            refs.append(ArticleRef(ref.edition_id, ref.number))
    return refs


def check_combined(messages: list[DigestMessage], limit: int) -> None:
    """Every message is valid HTML within ``limit``; its bold numbered lines are its buttons'
    labels, numbered 1… across the messages; its refs are what those buttons open."""
    labels: list[int] = []
    for message in messages:
        plain, entities = parse_html(message.text)  # raises on invalid HTML
        assert utf16_len(plain) <= limit
        bold = [entity_text(plain, e) for e in entities if e.type == "bold"]
        numbered = [int(m.group(1)) for b in bold if (m := re.match(r"(\d+)\. ", b))]
        assert numbered == list(message.numbers)
        buttons = (
            [b.text for row in message.keyboard.inline_keyboard for b in row]
            if (message.keyboard)
            else []
        )
        assert buttons == [str(n) for n in message.numbers] and len(buttons) <= MAX_BUTTONS
        assert [ArticleRef(r.edition_id, r.number) for r in message.refs] == listed([message])
        labels.extend(message.numbers)
    assert labels == list(range(1, len(labels) + 1))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_two_papers_make_one_message_with_a_section_each(lang: str) -> None:
    messages = build_combined_digest([seed_section(), second_paper((6,))], lang)
    [message] = messages
    check_combined(messages, 4096)
    assert message.text.index("浙江工人日报") < message.text.index("海南日报")
    # The wire is listed once (from the seed), each other story once.
    assert listed(messages) == [ArticleRef(42, n) for n in range(1, 6)] + [ArticleRef(43, 2)]


def test_combined_header_counts_papers_and_articles_in_chinese() -> None:
    [message] = build_combined_digest([seed_section(), second_paper((6,))], "zh")
    assert plain(message).startswith("📰 今日报摘\n2024年7月1日 · 2 份报纸 · 共 6 篇")
    assert "📄 海南日报 · 2024年7月1日 · 1 篇" in plain(message)


def test_combined_header_counts_papers_and_articles_in_english() -> None:
    [message] = build_combined_digest([seed_section(), second_paper((6,))], "en")
    assert plain(message).startswith("📰 Today's papers\n2024-07-01 · 2 papers · 6 articles")
    assert "📄 海南日报 · 2024-07-01 · 1 article" in plain(message)


def test_the_same_wire_in_two_papers_is_shown_once_with_also_in() -> None:
    [message] = build_combined_digest([seed_section(), second_paper()], "zh")
    assert "我国党员总数超过九千九百万" not in message.text
    wire_block = plain(message).split("\n\n")[WIRE]  # the header, then one block per article
    assert wire_block.startswith(f"{WIRE}. 党员9918.5万名")
    assert wire_block.endswith("也见于：海南日报")
    assert "<i>也见于：海南日报</i>" in message.text


def test_also_in_is_localised() -> None:
    [message] = build_combined_digest([seed_section(), second_paper()], "en")
    assert "Also in: 海南日报" in message.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_story_in_a_hundred_long_named_papers_names_a_few_and_counts_the_rest(
    lang: str,
) -> None:
    # 100 papers (the most a configuration may have) with 64-character names all printed the
    # wire: naming each would leave the article no room.
    names = [f"{n:02d}" + "报" * 62 for n in range(100)]
    reprints = [
        dataclasses.replace(
            second_paper(edition_id=100 + n),
            edition=dataclasses.replace(second_paper().edition, id=100 + n, paper=name),
        )
        for n, name in enumerate(names)
    ]
    messages = build_combined_digest([seed_section(), *reprints], lang)
    check_combined(messages, 4096)
    wire_block = plain(messages[0]).split("\n\n")[WIRE]
    more = "另有 95 份报纸" if lang == "zh" else "and 95 more papers"
    assert wire_block.endswith(more) and names[4] in wire_block and names[5] not in wire_block


def test_a_different_story_on_the_same_topic_is_not_merged() -> None:
    a, b = SAME_TOPIC
    first = seed_section((a,))
    other = second_paper((b,))
    messages = build_combined_digest([first, other], "zh")
    assert ArticleRef(43, 2) in listed(messages)
    assert "也见于" not in messages[0].text


def test_a_late_papers_story_already_in_todays_digest_is_marked_not_dropped() -> None:
    late = second_paper((4,))
    notes = told_earlier([seed_section((1, 2, 3))], late.articles, "zh")
    [message] = build_digest(late.edition, late.articles, "zh", notes=notes)
    assert notes == {1: "<i>已见于今日摘要：浙江工人日报</i>"}
    first, second = plain(message).split("\n\n")[1:3]
    assert "1. 我国党员总数超过九千九百万" in first  # listed under its number, as ever
    assert first.endswith("已见于今日摘要：浙江工人日报")
    assert "已见于" not in second  # a story the earlier digest did not have


def test_told_earlier_is_localised_and_empty_without_a_shared_story() -> None:
    late = second_paper()
    assert told_earlier([seed_section()], late.articles, "en") == {
        1: "<i>Already in today's digest: 浙江工人日报</i>"
    }
    assert told_earlier([seed_section((1, 2))], late.articles, "zh") == {}


def test_per_paper_digests_list_the_shared_story_in_each_paper() -> None:
    other = second_paper()
    [message] = build_digest(other.edition, other.articles, "zh")
    assert "1. 我国党员总数超过九千九百万" in message.text and "也见于" not in message.text


def test_a_long_combined_digest_splits_between_articles_and_repeats_the_section() -> None:
    seed = seed_section((1, 2, 3))
    long_second = second_paper((4, 5, 6, 7))
    messages = build_combined_digest([seed, long_second], "zh", limit=400)
    assert len(messages) > 2
    check_combined(messages, 400)
    assert plain(messages[1]).startswith("📰 今日报摘 · 2024年7月1日（续）")
    # The first paper goes on in the second message: its heading comes again, marked.
    assert plain(messages[1]).split("\n\n")[1].startswith("📄 浙江工人日报（续）\n2. ")
    assert len(listed(messages)) == 3 + 4  # the wire once, each other story once


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sections_without_articles_are_left_out(lang: str) -> None:
    empty = Section(dataclasses.replace(edition(0, edition_id=44), paper="空报"), [])
    [message] = build_combined_digest([seed_section(), empty], lang)
    assert "空报" not in message.text


@st.composite
def combined_cases(draw: st.DrawFn) -> tuple[list[Section], str, int]:
    sections = []
    for index in range(draw(st.integers(min_value=1, max_value=3))):
        ed, articles, lang, limit = draw(digests())
        # Within the ids a database row can have: a button to id 2**31 is refused as forged.
        ed = dataclasses.replace(ed, id=min(ed.id, MAX_ROW_ID - 3) + index, paper=f"报{index}<&>")
        articles = [dataclasses.replace(a, edition_id=ed.id) for a in articles]
        sections.append(Section(ed, articles))
    return sections, lang, limit


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(combined_cases())
def test_every_combined_digest_parses_fits_and_lists_each_article_once(
    case: tuple[list[Section], str, int],
) -> None:
    sections, lang, limit = case
    # threshold above 1: nothing merges, so every article must be listed exactly once
    messages = build_combined_digest(sections, lang, limit=limit, threshold=1.1)
    check_combined(messages, limit)
    expected = [ArticleRef(s.edition.id, a.number) for s in sections for a in s.articles]
    assert sorted(listed(messages)) == sorted(expected)


def test_no_sections_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        build_combined_digest([], "zh")
