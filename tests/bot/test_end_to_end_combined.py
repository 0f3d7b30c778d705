"""End to end: readers of two papers, one in combined mode, one per paper, over real HTTP on
both databases — from the editions dropped in two inboxes to the digests pushed at 07:30 (and,
for a reader who follows a topic, the alert the evening before).

浙江工人日报 is the seed; 海南日报 is a hand-made page reprinting the seed's Xinhua wire under
another headline (``tests/bot/delivery/editions.py``): the combined digest shows it once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.delivery.editions import (
    REPRINT_TITLE,
    SECOND_PAPER,
    SECOND_PAPER_CONFIG,
    drop_reprint,
)
from tests.bot.running_bot import (
    DIGEST_TIME,
    PAPER,
    RunningBot,
    bot_running,
    eventually,
)

pytestmark = pytest.mark.timeout(120)

DAY = dt.date(2024, 7, 1)
WIRE_TITLE = "党员9918.5万名"


@pytest.fixture
async def bot(tmp_path: Path, db: str) -> AsyncIterator[RunningBot]:
    async with bot_running(tmp_path, db, extra_config=SECOND_PAPER_CONFIG) as running:
        yield running


async def reader_of_both(bot: RunningBot, chat_id: int, *, combined: bool):
    reader = bot.user(chat_id)
    await reader.send("/subscribe")
    await reader.wait_for_messages(1)
    await reader.send(f"/subscribe {SECOND_PAPER}")
    await reader.wait_for_messages(1)
    if combined:
        await reader.send("/settings")
        [settings] = await reader.wait_for_messages(1)
        await reader.wait_for_answer(await reader.press(settings, "合并成一条"))
    return reader


def drop_second_paper(bot: RunningBot, seed_text: str) -> None:
    drop_reprint(bot.config.papers[1].inbox, seed_text, DAY)


async def nothing_more_arrives(*readers, seconds: float = 1.0) -> None:
    await asyncio.sleep(seconds)
    for reader in readers:
        assert reader.new_messages() == []


async def test_a_combined_reader_gets_one_message_a_per_paper_reader_two(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    combined = await reader_of_both(bot, 8001, combined=True)
    per_paper = await reader_of_both(bot, 8002, combined=False)
    bot.set_clock(DAY, dt.time(6, 0))
    bot.drop_edition(seed_path, DAY)
    drop_second_paper(bot, seed_text)
    await bot.poll_now()
    first = await eventually(lambda: bot.store.editions.on(DAY, PAPER))
    second = await eventually(lambda: bot.store.editions.on(DAY, SECOND_PAPER))
    await bot.job_done()  # else that poll's catch-up may see 07:30 and race the digest job

    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()

    [digest] = await combined.wait_for_messages(1)
    ours, theirs = await per_paper.wait_for_messages(2)
    await nothing_more_arrives(combined, per_paper)
    assert digest.text.startswith("📰 今日报摘\n2024年7月1日 · 2 份报纸")
    assert f"📄 {PAPER}" in digest.text and f"📄 {SECOND_PAPER}" in digest.text
    # The wire both papers printed is listed once, naming the other paper.
    assert digest.text.count(WIRE_TITLE) == 1 and REPRINT_TITLE not in digest.text
    assert "也见于：海南日报" in digest.text
    assert ours.text.startswith(f"📰 {PAPER}") and WIRE_TITLE in ours.text
    assert theirs.text.startswith(f"📰 {SECOND_PAPER}") and REPRINT_TITLE in theirs.text
    for edition in (first, second):
        assert bot.store.deliveries.was_sent(edition.id, combined.chat_id)
        assert bot.store.deliveries.was_sent(edition.id, per_paper.chat_id)

    # Its buttons open articles of either paper.
    query = await combined.press(digest, digest.buttons[-1][-1]["text"])
    await combined.wait_for_answer(query)
    [card] = await combined.wait_for_messages(1)
    assert SECOND_PAPER in card.text

    # The next run of the daily job sends nothing twice.
    await bot.digest_now()
    await nothing_more_arrives(combined, per_paper)


async def test_follow_then_one_alert_then_a_morning_digest_without_a_repeated_story(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    reader = await reader_of_both(bot, 8301, combined=True)
    await reader.send("/follow 工会")
    await reader.wait_for_messages(1)

    # The evening before (outside the default quiet hours) both papers' editions arrive: one
    # alert, for the paper whose articles are about 工会 (the reprinted wire is not).
    bot.set_clock(DAY - dt.timedelta(days=1), dt.time(20, 0))
    bot.drop_edition(seed_path, DAY)
    drop_second_paper(bot, seed_text)
    await bot.poll_now()
    await eventually(lambda: bot.store.editions.on(DAY, PAPER))
    await eventually(lambda: bot.store.editions.on(DAY, SECOND_PAPER))
    [alert] = await reader.wait_for_messages(1)
    assert alert.text.startswith(f"🔔 你关注的话题上报了\n《{PAPER}》2024年7月1日")
    await bot.job_done()
    await bot.poll_now()
    await nothing_more_arrives(reader)

    # The next morning one combined digest, the wire both papers printed listed once.
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith("📰 今日报摘\n2024年7月1日 · 2 份报纸")
    assert digest.text.count(WIRE_TITLE) == 1 and REPRINT_TITLE not in digest.text
    assert "也见于：海南日报" in digest.text
    await bot.digest_now()
    await nothing_more_arrives(reader)


async def test_a_paper_out_after_the_combined_digest_still_arrives_once(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    combined = await reader_of_both(bot, 8101, combined=True)
    bot.set_clock(DAY, dt.time(6, 0))
    bot.drop_edition(seed_path, DAY)
    await bot.poll_now()
    await eventually(lambda: bot.store.editions.on(DAY, PAPER))
    await bot.job_done()
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    [early] = await combined.wait_for_messages(1)
    assert early.text.startswith(f"📰 {PAPER}")

    bot.set_clock(DAY, dt.time(9, 0))  # 海南日报 comes out late
    drop_second_paper(bot, seed_text)
    await bot.poll_now()

    [late] = await combined.wait_for_messages(1)
    assert late.text.startswith(f"📰 {SECOND_PAPER}")
    assert f"已见于今日摘要：{PAPER}" in late.text  # the wire it reprints came at breakfast
    await bot.poll_now()
    await bot.digest_now()
    await nothing_more_arrives(combined)


async def test_today_follows_the_readers_choice(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    combined = await reader_of_both(bot, 8201, combined=True)
    per_paper = await reader_of_both(bot, 8202, combined=False)
    bot.set_clock(DAY, dt.time(6, 0))  # before the digest time: only /today sends
    bot.drop_edition(seed_path, DAY)
    drop_second_paper(bot, seed_text)
    await bot.poll_now()
    await eventually(lambda: bot.store.editions.on(DAY, SECOND_PAPER))
    await eventually(lambda: bot.store.editions.on(DAY, PAPER))

    await combined.send("/today")
    await per_paper.send("/today")

    [one] = await combined.wait_for_messages(1)
    assert one.text.startswith("📰 今日报摘") and "也见于：海南日报" in one.text
    assert len(await per_paper.wait_for_messages(2)) == 2
