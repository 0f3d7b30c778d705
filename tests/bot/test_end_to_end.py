"""End to end: a reader's morning with Baozhai, over real HTTP, on both databases.

subscribe → an edition is dropped in the inbox → ingested → the digest is pushed at the
scheduled time → /article 2 → /search → /stats, plus what goes wrong in real life: a missed
digest after downtime, re-runs, blocked users, bad input, a handler that fails.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.components.jobs import POLL_JOB
from bot.i18n import COMMANDS
from bot.telegram_html import parse_html
from tests.bot.running_bot import (
    PAPER,
    RunningBot,
    eventually,
    start_bot,
    stop_bot,
    zone_with_time_ahead,
    zone_with_time_passed,
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def db(db_url) -> str:
    return str(db_url) if not isinstance(db_url, str) else db_url


@pytest.fixture
async def morning(tmp_path: Path, db: str) -> AsyncIterator[RunningBot]:
    """The bot running with today's digest time still two hours away."""
    zone, digest_time = zone_with_time_ahead()
    bot = await start_bot(tmp_path, db, zone=zone, digest_time=digest_time)
    try:
        yield bot
    finally:
        await stop_bot(bot)


async def _ingest(bot: RunningBot, seed: Path, date: dt.date | None = None) -> None:
    bot.drop_edition(seed, date or bot.today())
    bot.poll_now()
    await eventually(lambda: bot.store.latest_edition(PAPER))


async def test_a_readers_morning(morning: RunningBot, seed_path: Path) -> None:
    bot = morning
    reader = bot.user(1001)

    # /start explains the bot and offers a subscribe button; pressing it subscribes.
    await reader.send("/start")
    [welcome] = await reader.wait_for_messages(1)
    assert "报摘" in welcome.text
    query = await reader.press(welcome, welcome.buttons[0][0]["text"])
    await reader.wait_for_answer(query)
    [confirmation] = await reader.wait_for_messages(1)
    assert "订阅成功" in confirmation.text
    assert bot.store.subscriber(1001).active

    # The edition arrives and is ingested; the digest waits for its time.
    await _ingest(bot, seed_path)
    edition = bot.store.latest_edition(PAPER)
    assert edition.article_count == 7
    await asyncio.sleep(0.5)
    assert reader.new_messages() == []

    # At the digest time the digest is pushed: header, seven numbered articles, buttons.
    bot.digest_now()
    digest = await reader.wait_for_messages(1)
    text = digest[0].text
    assert PAPER in text and "7" in text
    digest_text = "".join(m.text for m in digest)
    for article in bot.store.articles(edition.id):
        assert article.title[:10] in digest_text
    labels = [b["text"] for row in digest[0].buttons for b in row]
    assert labels[:7] == [str(n) for n in range(1, 8)]

    # A button opens the article card.
    query = await reader.press(digest[0], "2")
    await reader.wait_for_answer(query)
    [card] = await reader.wait_for_messages(1)
    assert "徐留平" in card.text

    # /article 2 gives the same card: title, byline, page, summary, keywords.
    await reader.send("/article 2")
    [again] = await reader.wait_for_messages(1)
    assert again.text == card.text
    assert "郑莉" in again.text and "关键词" in again.text and "第1版" in again.text

    # /search finds articles across the archive; 会 is in all 7, so 5 per page and a pager.
    await reader.send("/search 会")
    [results] = await reader.wait_for_messages(1)
    assert "7" in results.text.splitlines()[0]
    next_label = next(
        b["text"] for row in results.buttons for b in row if b["callback_data"].startswith("s:")
    )
    query = await reader.press(results, next_label)
    await reader.wait_for_answer(query)
    await eventually(lambda: results.edit_count == 1)
    assert "6." in results.text

    # /stats: a chart image with the numbers in its caption.
    await reader.send("/stats")
    [stats] = await reader.wait_for_messages(1)
    assert stats.kind == "photo" and stats.photo.startswith(b"\x89PNG")
    assert "7" in stats.caption

    # The digest went out once: running the job again sends nothing more.
    bot.digest_now()
    await asyncio.sleep(1.0)
    assert [m for m in reader.new_messages() if "📰" in m.text] == []


async def test_command_menu_is_registered_in_both_languages(morning: RunningBot) -> None:
    zh = morning.user(1002, language="zh-hans").visible_commands()
    en = morning.user(1003, "Ann", language="en").visible_commands()
    assert [c["command"] for c in zh] == [name for name, _ in COMMANDS["zh"]]
    assert [c["description"] for c in en] == [d for _, d in COMMANDS["en"]]


async def test_english_users_get_english_replies(morning: RunningBot) -> None:
    reader = morning.user(1004, "Ann", language="en-GB")
    await reader.send("/subscribe")
    [reply] = await reader.wait_for_messages(1)
    assert "Subscribed" in reply.text or "subscribed" in reply.text


async def test_missed_digest_is_sent_late_but_never_twice(
    tmp_path: Path, db: str, seed_path: Path
) -> None:
    zone, passed = zone_with_time_passed()
    bot = await start_bot(tmp_path, db, zone=zone, digest_time=passed)
    try:
        reader = bot.user(2001)
        await reader.send("/subscribe")
        await reader.wait_for_messages(1)
        # The edition arrives after the digest time (or the bot was down then): the next poll
        # sends it late …
        await _ingest(bot, seed_path)
        digest = await reader.wait_for_messages(1, timeout=20)
        assert PAPER in digest[0].text
    finally:
        await stop_bot(bot, keep_server=True)
    # … and after a restart, neither the poll nor the daily job sends it again.
    bot2 = await start_bot(tmp_path, db, zone=zone, digest_time=passed, server=bot.server)
    try:
        bot2.poll_now()
        bot2.digest_now()
        await asyncio.sleep(1.5)
        assert [m for m in reader.new_messages() if PAPER in m.text] == []
    finally:
        await stop_bot(bot2)


async def test_redropping_an_edition_changes_nothing(morning: RunningBot, seed_path: Path) -> None:
    await _ingest(morning, seed_path)
    morning.drop_edition(seed_path, morning.today())
    morning.poll_now()
    await eventually(lambda: not any(morning.inbox.glob("*.txt")))
    with morning.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM editions")).scalar_one() == 1


async def test_a_broken_file_is_set_aside_and_reported_to_admins(
    tmp_path: Path, db: str, seed_path: Path
) -> None:
    zone, later = zone_with_time_ahead()
    bot = await start_bot(tmp_path, db, zone=zone, digest_time=later, admins=(9001,))
    try:
        admin = bot.user(9001, "Admin")
        await admin.send("/start")
        await admin.wait_for_messages(1)
        bot.inbox.mkdir(parents=True, exist_ok=True)
        broken = bot.inbox / "zjgrrb-2024-07-02-p01.txt"
        broken.write_bytes(b"\x00\x01\x02 not an edition \xff\xfe")
        os.utime(broken, (1_000_000_000, 1_000_000_000))  # long complete, not still arriving
        await _ingest(bot, seed_path)
        [report] = await admin.wait_for_messages(1)
        assert "zjgrrb-2024-07-02-p01.txt" in report.text
        assert (bot.inbox / "failed" / "zjgrrb-2024-07-02-p01.txt").exists()
        assert bot.store.latest_edition(PAPER).article_count == 7
    finally:
        await stop_bot(bot)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/article 999", "1–7"),
        ("/article -1", "-1"),
        ("/article", "/article"),
        ("/search", "/search"),
        ("/settings 25:99", "25:99"),
        ("/nosuchcommand", "/help"),
        ("/article " + "长" * 5000, "200"),
        ("长" * 5000, "200"),
    ],
)
async def test_bad_input_gets_a_helpful_reply(
    morning: RunningBot, seed_path: Path, command: str, expected: str
) -> None:
    await _ingest(morning, seed_path)
    reader = morning.user(3001)
    await reader.send("/subscribe")
    await reader.wait_for_messages(1)
    await reader.send(command)
    [reply] = await reader.wait_for_messages(1)
    assert expected in reply.text
    parse_html(reply.html)  # valid HTML: the server would have refused it otherwise


async def test_a_reader_who_blocks_the_bot_is_unsubscribed_and_others_still_get_theirs(
    morning: RunningBot, seed_path: Path
) -> None:
    stays, leaves = morning.user(4001), morning.user(4002)
    for reader in (stays, leaves):
        await reader.send("/subscribe")
        await reader.wait_for_messages(1)
    leaves.block()
    await _ingest(morning, seed_path)
    morning.digest_now()
    await stays.wait_for_messages(1)
    await eventually(lambda: not morning.store.subscriber(4002).active)


async def test_a_failing_handler_apologises_and_the_bot_keeps_running(
    morning: RunningBot,
) -> None:
    reader = morning.user(5001)
    with morning.store.engine.begin() as conn:  # the subscribers table vanishes under the bot
        conn.execute(text("ALTER TABLE subscribers RENAME TO subscribers_gone"))
    await reader.send("/subscribe")
    [apology] = await reader.wait_for_messages(1)
    assert "抱歉" in apology.text
    await reader.send("/help")
    [help_text] = await reader.wait_for_messages(1)
    assert "/today" in help_text.text
    with morning.store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE subscribers_gone RENAME TO subscribers"))


async def test_settings_change_the_readers_own_digest_time(morning: RunningBot) -> None:
    reader = morning.user(6001)
    await reader.send("/subscribe")
    await reader.wait_for_messages(1)
    await reader.send("/settings 06:45")
    [saved] = await reader.wait_for_messages(1)
    assert "06:45" in saved.text
    assert morning.store.subscriber(6001).digest_time == dt.time(6, 45)
    assert morning.application.job_queue.scheduler.get_job("digest-at-06:45") is not None
    await reader.send("/settings")
    [shown] = await reader.wait_for_messages(1)
    assert "06:45" in shown.text


async def test_jobs_have_explicit_ids(morning: RunningBot) -> None:
    ids = {job.id for job in morning.application.job_queue.scheduler.get_jobs()}
    assert POLL_JOB in ids
    assert f"digest-at-{morning.config.schedule.digest_time:%H:%M}" in ids
