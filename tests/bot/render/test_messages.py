"""Specification of messages built without a budget of their own (the status page, admins'
notices): whatever they hold, Telegram takes each one (at most 4,096 characters after entity
parsing, valid HTML) and nothing is lost but what one block too long alone cannot keep."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.localapi.telegram_html import parse_html, utf16_len
from bot.render import TEXT_LIMIT, escape, messages_of, sendable, t
from bot.render.status import status_messages
from bot.storage.records import Counts, PaperStatus, PollOutcome, PollRecord, StatusReport

SHANGHAI = ZoneInfo("Asia/Shanghai")
REFUSED = "Cannot connect to host epaper.example.org:443 ssl:default [Connection refused] " * 3


def report(papers: int) -> StatusReport:
    """A status page in an outage: every paper's last poll failed with a long error."""
    at = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
    return StatusReport(
        papers=tuple(
            PaperStatus(f"第{n}报", PollRecord(at, PollOutcome.FAILED, REFUSED), None)
            for n in range(papers)
        ),
        digest=None,
        digest_counts=Counts(),
        broadcast=None,
        broadcast_counts=Counts(),
        subscribers=12,
        leader=None,
        database="sqlite:///data/baozhai.db",
        version="1.0",
    )


def sendable_by_telegram(text: str) -> bool:
    return utf16_len(parse_html(text).text) <= TEXT_LIMIT


def test_the_status_page_of_many_failing_papers_is_split_into_messages_telegram_takes() -> None:
    messages = status_messages(report(30), "en", SHANGHAI)
    assert len(messages) > 1
    assert all(sendable_by_telegram(m) for m in messages)
    shown = "\n".join(parse_html(m).text for m in messages)
    assert all(f"第{n}报" in shown for n in range(30))


def test_a_status_page_that_fits_is_one_message() -> None:
    [message] = status_messages(report(2), "zh", SHANGHAI)
    assert "第1报" in parse_html(message).text


def test_an_admin_notice_past_the_limit_is_cut_to_what_telegram_takes() -> None:
    lines = "\n".join(f"<b>p{n:03d}.pdf</b>: " + escape(REFUSED) for n in range(40))
    text = sendable(t("en", "status_title") + "\n" + lines)
    assert sendable_by_telegram(text)
    assert parse_html(text).text.endswith("…")


def test_a_notice_that_fits_is_sent_as_written() -> None:
    written = t("zh", "status_title")
    assert sendable(written) == written


BLOCK = st.text(alphabet=st.characters(codec="utf-8"), max_size=900).map(escape)


@given(st.lists(st.one_of(BLOCK, BLOCK.map(lambda b: f"<b>{b}</b>")), max_size=30))
def test_packed_blocks_are_each_sendable_and_keep_every_block_in_order(blocks: list[str]) -> None:
    messages = messages_of(blocks)
    assert all(sendable_by_telegram(m) for m in messages)
    assert "\n\n".join(parse_html(m).text for m in messages) == "\n\n".join(
        parse_html(b).text for b in blocks
    )
