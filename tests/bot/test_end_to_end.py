"""End to end: a reader's morning with Baozhai, over real HTTP, on both databases.

subscribe → an edition is dropped in the inbox → ingested → the digest is pushed at the
scheduled time → /article 2 → /search → /stats, plus what goes wrong in real life: a missed
digest after downtime, an edition that arrives early, re-runs, blocked users, bad input,
forged buttons, a handler that fails, an inbox that cannot be read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.components.jobs import POLL_JOB, digest_job_id
from bot.components.menu import menu
from bot.localapi.server import SentMessage
from bot.localapi.telegram_html import parse_html
from bot.services import SEARCH_WORKERS
from tests.bot.ingest.test_inbox import PAGE_2
from tests.bot.running_bot import (
    DIGEST_TIME,
    OLD_MTIME,
    PAPER,
    RunningBot,
    eventually,
    start_bot,
    stop_bot,
)

pytestmark = pytest.mark.timeout(120)

DAY = dt.date(2024, 7, 1)  # the seed edition's date
BEFORE = dt.time(6, 0)


async def subscribed(bot: RunningBot, chat_id: int, language: str = "zh-hans"):
    reader = bot.user(chat_id, language=language)
    await reader.send("/subscribe")
    await reader.wait_for_messages(1)
    return reader


async def ingest(bot: RunningBot, seed: Path, date: dt.date = DAY) -> int:
    """Drop the seed as ``date``'s page 1, run the poll job, return the stored edition id."""
    bot.drop_edition(seed, date)
    await bot.poll_now()
    edition = await eventually(lambda: bot.store.editions.on(date, PAPER))
    return edition.id


async def ingest_another(bot: RunningBot, seed: Path, date: dt.date) -> int:
    """As :func:`ingest`, with the text changed a little: an edition of its own, not the
    seed's again (which the inbox would skip as already stored)."""
    bot.drop_edition(seed.read_bytes().replace("工会".encode(), "工會".encode(), 1), date)
    await bot.poll_now()
    edition = await eventually(lambda: bot.store.editions.on(date, PAPER))
    return edition.id


async def yesterdays_and_todays_editions(bot: RunningBot, seed: Path) -> None:
    """Yesterday's edition, then today's, each stored at 06:00 of its day, the polls over."""
    bot.set_clock(DAY - dt.timedelta(days=1), BEFORE)
    await ingest(bot, seed, DAY - dt.timedelta(days=1))
    bot.set_clock(DAY, BEFORE)
    await ingest_another(bot, seed, DAY)
    await bot.job_done()


async def nothing_more_arrives(reader, seconds: float = 1.0) -> None:
    await asyncio.sleep(seconds)
    assert reader.new_messages() == []


async def test_the_first_poll_runs_as_the_bot_starts_not_an_interval_later(
    tmp_path: Path, db: str, seed_path: Path
) -> None:
    # An edition dropped while the bot was down is in the archive at once after a restart,
    # though the poll interval here is an hour (APScheduler put the first run an interval
    # after the job's start).
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    page = inbox / f"zjgrrb-{DAY.isoformat()}-p01.txt"
    page.write_bytes(seed_path.read_bytes())
    os.utime(page, (OLD_MTIME, OLD_MTIME))
    bot = await start_bot(tmp_path, db)
    try:
        assert bot.config.schedule.poll_interval_seconds == 3600
        edition = await eventually(lambda: bot.store.editions.on(DAY, PAPER))
        assert edition.article_count == 7
    finally:
        await stop_bot(bot)


async def test_a_readers_morning(bot: RunningBot, seed_path: Path) -> None:
    reader = bot.user(1001)

    # /start explains the bot and offers a subscribe button; pressing it subscribes.
    await reader.send("/start")
    [welcome] = await reader.wait_for_messages(1)
    assert "报摘" in welcome.text
    query = await reader.press(welcome, welcome.buttons[0][0]["text"])
    await reader.wait_for_answer(query)
    [confirmation] = await reader.wait_for_messages(1)
    assert "订阅成功" in confirmation.text
    assert bot.store.subscribers.get(1001).active

    # 06:00: the edition arrives and is ingested; the digest waits for 07:30.
    bot.set_clock(DAY, BEFORE)
    edition_id = await ingest(bot, seed_path)
    assert bot.store.editions.get(edition_id).article_count == 7
    await nothing_more_arrives(reader)

    # 07:30: the daily job pushes the digest: header, seven numbered articles, buttons.
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}\n2024年7月1日 · 共 7 篇")
    for article in bot.store.editions.articles(edition_id):
        assert f"{article.number}. {article.title[:12]}" in digest.text
    assert [b["text"] for row in digest.buttons for b in row] == [str(n) for n in range(1, 8)]

    # A button opens the article card.
    query = await reader.press(digest, "2")
    await reader.wait_for_answer(query)
    [card] = await reader.wait_for_messages(1)
    assert card.text.startswith("徐留平在浙江江苏调研工会工作时指出")

    # /article 2 gives the same card: title, byline, page, summary, keywords.
    await reader.send("/article 2")
    [again] = await reader.wait_for_messages(1)
    assert again.text == card.text
    assert "本报讯 工人日报记者郑莉、邹偶然、黄洪涛报道" in again.text
    assert "第1版" in again.text and "关键词：" in again.text

    # /search: 会 is in all seven articles, so five on the first page and a pager.
    await reader.send("/search 会")
    [results] = await reader.wait_for_messages(1)
    assert "共 7 篇" in results.text.splitlines()[0]
    numbers = re.findall(r"^(\d+)\. ", results.text, re.MULTILINE)
    assert numbers == ["1", "2", "3", "4", "5"]
    assert "点 ◀ ▶ 翻页" in results.text
    query = await reader.press(results, "下一页 ▶")
    await reader.wait_for_answer(query)
    await eventually(lambda: results.edit_count == 1)
    assert re.findall(r"^(\d+)\. ", results.text, re.MULTILINE) == ["6", "7"]
    assert "<b>会</b>" in results.html

    # /stats: a chart image with the numbers in its caption.
    await reader.send("/stats")
    [stats] = await reader.wait_for_messages(1)
    assert stats.kind == "photo" and stats.photo.startswith(b"\x89PNG")
    assert "文章：7 篇" in stats.caption and "订阅用户：1 位" in stats.caption

    # Running the daily job again sends nothing twice — while a reader who subscribed since
    # gets theirs from that same run (so the run really happened).
    late = await subscribed(bot, 1002)
    await bot.digest_now()
    [late_digest] = await late.wait_for_messages(1)
    assert late_digest.text == digest.text
    await nothing_more_arrives(reader)
    assert bot.deliveries(edition_id) == 2


async def test_a_paper_coming_in_the_readers_quiet_hours_is_sent_when_they_end(
    bot: RunningBot, seed_path: Path
) -> None:
    # Due since 07:30, it came at 23:30: not a ping in the night, the first poll after 07:00.
    reader = await subscribed(bot, 1090)
    bot.set_clock(DAY, dt.time(23, 30))
    await ingest(bot, seed_path)
    await nothing_more_arrives(reader)

    bot.set_clock(DAY + dt.timedelta(days=1), dt.time(7, 5))
    await bot.poll_now()

    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}\n2024年7月1日")


async def test_a_reader_whose_time_is_inside_quiet_hours_gets_a_late_paper_as_it_comes(
    bot: RunningBot, seed_path: Path
) -> None:
    # 05:00 is inside the default quiet hours (22:00–07:00): the reader chose to be messaged
    # then, so a paper landing at 06:00 is sent at 06:00, not held until 07:00.
    reader = await subscribed(bot, 1092)
    await reader.send("/settings 05:00")
    await reader.wait_for_messages(1)
    bot.set_clock(DAY, BEFORE)

    await ingest(bot, seed_path)

    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}\n2024年7月1日")


async def test_a_paper_later_than_the_quiet_hours_around_the_readers_time_waits_for_the_next_end(
    bot: RunningBot, seed_path: Path
) -> None:
    # The reader's 05:00 is inside their quiet hours, but a paper landing at 23:30 comes in
    # the next night's: not a ping then, the first poll after 07:00.
    reader = await subscribed(bot, 1093)
    await reader.send("/settings 05:00")
    await reader.wait_for_messages(1)
    bot.set_clock(DAY, dt.time(23, 30))
    await ingest(bot, seed_path)
    await nothing_more_arrives(reader)

    bot.set_clock(DAY + dt.timedelta(days=1), dt.time(7, 5))
    await bot.poll_now()

    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}\n2024年7月1日")


async def test_a_late_paper_reaches_a_reader_without_quiet_hours_as_it_comes(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = await subscribed(bot, 1091)
    await reader.send("/settings quiet off")
    await reader.wait_for_messages(1)
    bot.set_clock(DAY, dt.time(23, 30))

    await ingest(bot, seed_path)

    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}\n2024年7月1日")


async def test_today_shows_the_latest_digest_on_demand(bot: RunningBot, seed_path: Path) -> None:
    reader = bot.user(1101)
    await reader.send("/today")
    [empty] = await reader.wait_for_messages(1)
    assert "还没有可看的报纸" in empty.text
    bot.set_clock(DAY, BEFORE)
    await ingest(bot, seed_path)
    await reader.send("/today")
    [digest] = await reader.wait_for_messages(1)
    assert "共 7 篇" in digest.text


async def late_page(bot: RunningBot, seed: Path) -> None:
    """Page 2 of DAY's edition arrives late: the stored edition now has 7 + 2 articles."""
    bot.drop_edition(PAGE_2.encode(), DAY, page=2)
    await bot.poll_now()
    await eventually(lambda: bot.store.editions.on(DAY, PAPER).article_count == 9)


async def test_today_shows_a_replaced_edition_at_once(bot: RunningBot, seed_path: Path) -> None:
    reader = bot.user(1111)
    bot.set_clock(DAY, BEFORE)
    await ingest(bot, seed_path)
    await reader.send("/today")
    [first] = await reader.wait_for_messages(1)
    assert "共 7 篇" in first.text
    await late_page(bot, seed_path)
    await reader.send("/today")
    [second] = await reader.wait_for_messages(1)
    assert "共 9 篇" in second.text  # not the digest made for the first /today


async def test_stats_counts_a_replaced_edition_at_once(bot: RunningBot, seed_path: Path) -> None:
    reader = bot.user(1112)
    bot.set_clock(DAY, BEFORE)
    await ingest(bot, seed_path)
    await reader.send("/stats")
    [before] = await reader.wait_for_messages(1)
    assert "文章：7 篇" in before.caption
    await late_page(bot, seed_path)
    await reader.send("/stats")
    [after] = await reader.wait_for_messages(1, timeout=15)
    assert "文章：9 篇" in after.caption  # within the cache's minute, yet counted


async def page_2_first(bot: RunningBot, page: str) -> None:
    """DAY's page 2 arrives alone and is stored: its articles are numbered from 1."""
    bot.set_clock(DAY, BEFORE)
    bot.drop_edition(page.encode(), DAY, page=2)
    await bot.poll_now()
    await eventually(lambda: bot.store.editions.on(DAY, PAPER))


async def page_1_late(bot: RunningBot, seed: Path, articles: int) -> None:
    """The seed comes late as DAY's page 1: its 7 articles are 1-7 now, page 2's after."""
    bot.drop_edition(seed, DAY)
    await bot.poll_now()
    await eventually(lambda: bot.store.editions.on(DAY, PAPER).article_count == articles)


async def test_a_button_sent_before_a_late_page_renumbered_the_edition_opens_its_own_article(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = bot.user(1113)
    await page_2_first(bot, PAGE_2)
    await reader.send("/today")
    [digest] = await reader.wait_for_messages(1)
    assert "1. 省总工会部署夏季高温劳动保护工作" in digest.text

    await page_1_late(bot, seed_path, articles=9)
    await reader.wait_for_answer(await reader.press(digest, "1"))

    [card] = await reader.wait_for_messages(1)
    assert "省总工会部署夏季高温劳动保护工作" in card.text  # the article the button showed
    assert "《求是》" not in card.text  # not page 1's first article, number 1 now


async def test_article_n_after_today_opens_the_article_shown_as_n_after_a_renumbering(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = bot.user(1116)
    await page_2_first(bot, PAGE_2)
    await reader.send("/today")
    [digest] = await reader.wait_for_messages(1)
    assert "1. 省总工会部署夏季高温劳动保护工作" in digest.text

    await page_1_late(bot, seed_path, articles=9)
    await reader.send("/article 1")

    [card] = await reader.wait_for_messages(1)
    assert "省总工会部署夏季高温劳动保护工作" in card.text  # what /today showed as 1


PICTURES_PAGE = """\
## 图片新闻

本报讯 杭州湾跨海大桥迎来通车以来的第一亿辆车，桥上车流平稳有序。

## 省总工会部署夏季高温劳动保护工作

本报讯 各级工会要督促用人单位落实高温津贴，合理安排户外作业时间。

## 图片新闻

本报讯 宁波舟山港集装箱吞吐量再创新高，码头一派繁忙景象。
"""


async def test_a_button_of_a_repeated_title_opens_its_own_article_after_a_renumbering(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = bot.user(1115)
    await page_2_first(bot, PICTURES_PAGE)
    await reader.send("/today")
    [digest] = await reader.wait_for_messages(1)

    await page_1_late(bot, seed_path, articles=10)  # the pictures are 8 and 10 now
    await reader.wait_for_answer(await reader.press(digest, "3"))

    [card] = await reader.wait_for_messages(1)
    assert "宁波舟山港" in card.text  # the second 图片新闻, as the button showed it
    assert "杭州湾" not in card.text


async def test_a_button_whose_article_left_its_edition_says_the_edition_changed(
    bot: RunningBot, seed_path: Path
) -> None:
    edition_id = await ingest(bot, seed_path)
    reader = await subscribed(bot, 1114)
    await reader.send("/today")
    [digest] = await reader.wait_for_messages(1)
    gone = f"b:{edition_id}:1:00000000"  # a mark no title of the edition has
    await reader.wait_for_answer(await reader.press(digest, "1", forged=gone))

    [reply] = await reader.wait_for_messages(1)
    assert "这篇文章已不在其中" in reply.text


async def test_start_up_leaves_the_applications_objects_out_of_full_collections(
    bot: RunningBot,
) -> None:
    assert gc.get_freeze_count() > 0
    collected = gc.get_objects()  # generations 0-2: what a full collection walks
    assert not any(o is bot.application or o is bot.services for o in collected)


async def test_shutdown_gives_the_frozen_objects_back_to_the_collector(
    tmp_path: Path, db: str
) -> None:
    running = await start_bot(tmp_path, db)
    await stop_bot(running)
    assert gc.get_freeze_count() == 0


async def stats_chart(reader) -> SentMessage:
    await reader.send("/stats")
    [chart] = await reader.wait_for_messages(1, timeout=15)
    assert chart.kind == "photo"
    return chart


async def test_stats_uploads_its_chart_once_then_sends_it_by_file_id(
    bot: RunningBot, seed_path: Path
) -> None:
    bot.set_clock(DAY, BEFORE)
    await ingest(bot, seed_path)
    first = await stats_chart(bot.user(1131))
    second = await stats_chart(bot.user(1132))
    again = await stats_chart(bot.user(1131))
    assert [c.photo_uploaded for c in (first, second, again)] == [True, False, False]
    assert second.photo_file_id == again.photo_file_id == first.photo_file_id
    assert second.photo == first.photo and "文章：7 篇" in second.caption


async def test_readers_asking_for_a_new_chart_at_once_share_one_upload(
    bot: RunningBot, seed_path: Path
) -> None:
    bot.set_clock(DAY, BEFORE)
    await ingest(bot, seed_path)
    readers = [bot.user(1161 + i) for i in range(4)]
    await asyncio.gather(*(reader.send("/stats") for reader in readers))
    charts = [
        chart for reader in readers for chart in await reader.wait_for_messages(1, timeout=15)
    ]
    assert [c.kind for c in charts] == ["photo"] * 4
    assert sorted(c.photo_uploaded for c in charts) == [False, False, False, True]
    assert len({c.photo_file_id for c in charts}) == 1


async def test_a_reader_who_blocked_the_bot_holds_up_no_one_elses_chart(
    bot: RunningBot, seed_path: Path
) -> None:
    bot.set_clock(DAY, BEFORE)
    await ingest(bot, seed_path)
    gone, *readers = [bot.user(1171 + i) for i in range(4)]
    await gone.send("/stats")
    gone.block()  # before the bot's reply: it gets 403
    await asyncio.gather(*(reader.send("/stats") for reader in readers))
    for reader in readers:  # well within UPLOAD_WAIT: nobody waits on the failed upload
        [chart] = await reader.wait_for_messages(1, timeout=5)
        assert chart.kind == "photo"
    assert gone.new_messages() == []


async def test_stats_uploads_its_chart_again_when_telegram_refuses_the_file_id(
    bot: RunningBot, seed_path: Path
) -> None:
    bot.set_clock(DAY, BEFORE)
    await ingest(bot, seed_path)
    first = await stats_chart(bot.user(1141))
    bot.server.expire_file(first.photo_file_id)
    reader = bot.user(1142)
    refused_then_uploaded = await stats_chart(reader)
    after = await stats_chart(bot.user(1143))
    assert refused_then_uploaded.photo_uploaded and refused_then_uploaded.photo == first.photo
    assert not after.photo_uploaded
    assert after.photo_file_id == refused_then_uploaded.photo_file_id != first.photo_file_id
    assert reader.new_messages() == []  # one reply, not an error message as well


async def test_stats_uploads_the_chart_of_a_replaced_edition(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = bot.user(1151)
    bot.set_clock(DAY, BEFORE)
    await ingest(bot, seed_path)
    before = await stats_chart(reader)
    await late_page(bot, seed_path)
    after = await stats_chart(reader)
    assert after.photo_uploaded and after.photo_file_id != before.photo_file_id
    assert "文章：9 篇" in after.caption


async def test_searches_busy_in_their_own_threads_hold_up_no_other_reply(
    bot: RunningBot, seed_path: Path
) -> None:
    bot.set_clock(DAY, BEFORE)
    await ingest(bot, seed_path)
    release = threading.Event()
    pool = bot.services.search_pool
    busy = [pool.submit(release.wait, 30) for _ in range(SEARCH_WORKERS)]
    try:
        searcher, reader = bot.user(1121), bot.user(1122)
        await searcher.send("/search 工会")
        await reader.send("/today")
        [digest] = await reader.wait_for_messages(1)
        assert "共 7 篇" in digest.text
        assert searcher.new_messages() == []  # its search waits for a search thread
    finally:
        release.set()
    [results] = await searcher.wait_for_messages(1)
    assert "工会" in results.text and all(f.result() for f in busy)


async def test_command_menu_is_registered_in_both_languages(bot: RunningBot) -> None:
    zh = bot.user(1002, language="zh-hans").visible_commands()
    en = bot.user(1003, "Ann", language="en").visible_commands()
    assert [c["command"] for c in zh] == [entry.command for entry in menu("zh")]
    assert [c["description"] for c in en] == [entry.description for entry in menu("en")]


async def test_english_users_get_english_replies(bot: RunningBot) -> None:
    reader = bot.user(1004, "Ann", language="en-GB")
    await reader.send("/subscribe")
    [reply] = await reader.wait_for_messages(1)
    assert reply.text.startswith("✅ Subscribed")


async def test_a_digest_missed_during_downtime_is_sent_late_once(
    tmp_path: Path, db: str, seed_path: Path
) -> None:
    first = await start_bot(tmp_path, db)
    reader = await subscribed(first, 2001)
    await stop_bot(first, keep_server=True)

    # The bot was down over the digest time and the night (the edition came meanwhile); back
    # after the reader's quiet hours, before the next day's digest time.
    first.drop_edition(seed_path, DAY)
    second = await start_bot(tmp_path, db, server=first.server)
    try:
        second.set_clock(DAY + dt.timedelta(days=1), dt.time(7, 10))
        await second.poll_now()
        [late] = await reader.wait_for_messages(1, timeout=20)
        assert late.text.startswith(f"📰 {PAPER}\n2024年7月1日")
    finally:
        await stop_bot(second, keep_server=True)

    # After another restart neither the poll nor the daily job sends it again.
    third = await start_bot(tmp_path, db, server=first.server)
    try:
        third.set_clock(DAY + dt.timedelta(days=1), DIGEST_TIME)
        newcomer = await subscribed(third, 2002)
        await third.poll_now()
        await third.digest_now()
        await newcomer.wait_for_messages(1)  # the runs happened: the newcomer got it
        await nothing_more_arrives(reader)
    finally:
        await stop_bot(third)


async def test_an_edition_dated_tomorrow_waits_for_tomorrows_digest_time(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = await subscribed(bot, 2101)
    bot.set_clock(DAY - dt.timedelta(days=1), dt.time(21, 0))  # the evening before
    await ingest(bot, seed_path, DAY)
    await nothing_more_arrives(reader)
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    [digest] = await reader.wait_for_messages(1)
    assert "2024年7月1日" in digest.text


async def test_a_late_readers_digest_comes_though_the_next_edition_landed_before_it(
    bot: RunningBot, seed_path: Path
) -> None:
    # Editions land at 21:00 the evening before their date; this reader reads at 23:00, when
    # the next day's edition is already there: each day's edition still comes, in turn.
    reader = await subscribed(bot, 2111)
    await reader.send("/settings 23:00")
    await reader.wait_for_messages(1)
    next_day = DAY + dt.timedelta(days=1)
    bot.set_clock(DAY - dt.timedelta(days=1), dt.time(21, 0))
    await ingest(bot, seed_path, DAY)
    bot.set_clock(DAY, dt.time(21, 0))
    await ingest_another(bot, seed_path, next_day)

    bot.set_clock(DAY, dt.time(23, 0))
    await bot.poll_now()
    [digest] = await reader.wait_for_messages(1)
    assert "2024年7月1日" in digest.text
    bot.set_clock(next_day, dt.time(23, 0))
    await bot.poll_now()
    [digest] = await reader.wait_for_messages(1)
    assert "2024年7月2日" in digest.text


async def test_a_reader_owed_two_editions_gets_only_the_newest(
    bot: RunningBot, seed_path: Path
) -> None:
    await yesterdays_and_todays_editions(bot, seed_path)
    reader = await subscribed(bot, 2112)  # both editions are due to them from 07:30
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    [digest] = await reader.wait_for_messages(1)
    assert "2024年7月1日" in digest.text
    await bot.poll_now()  # and the older one never follows
    await nothing_more_arrives(reader)


async def test_a_new_reader_waiting_for_todays_digest_never_gets_yesterdays(
    bot: RunningBot, seed_path: Path
) -> None:
    await yesterdays_and_todays_editions(bot, seed_path)
    reader = await subscribed(bot, 2113)  # at 07:00: yesterday's is due, today's at 07:30
    bot.set_clock(DAY, dt.time(7, 0))
    await bot.poll_to_end()
    await nothing_more_arrives(reader)
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    [digest] = await reader.wait_for_messages(1)
    assert "2024年7月1日" in digest.text


async def test_a_returning_reader_waiting_for_todays_digest_never_gets_yesterdays(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = await subscribed(bot, 2114)
    bot.store.subscribers.deactivate(2114)  # they blocked the bot (a send answered 403)
    await yesterdays_and_todays_editions(bot, seed_path)  # stored while they were away
    await reader.send("/subscribe")  # back at 07:00: yesterday's is due, today's at 07:30
    await reader.wait_for_messages(1)
    bot.set_clock(DAY, dt.time(7, 0))
    await bot.poll_to_end()
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    await bot.job_done(digest_job_id(DIGEST_TIME))
    [digest] = await reader.wait_for_messages(1)  # the first since they came back: today's
    assert "2024年7月1日" in digest.text
    await nothing_more_arrives(reader)


async def test_a_followed_topic_alerts_once_when_the_edition_arrives_then_the_digest_comes(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = await subscribed(bot, 2151)
    await reader.send("/follow 工会")
    [followed] = await reader.wait_for_messages(1)
    assert followed.text.startswith("✅ 已关注“工会”（1/20）")

    # The evening before (outside the default quiet hours) the next day's edition arrives:
    # one alert, listing the articles about 工会, each with a button that opens it.
    bot.set_clock(DAY - dt.timedelta(days=1), dt.time(20, 0))
    edition_id = await ingest(bot, seed_path, DAY)
    [alert] = await reader.wait_for_messages(1)
    assert alert.text.startswith(f"🔔 你关注的话题上报了\n《{PAPER}》2024年7月1日")
    assert "关注：工会" in alert.text
    assert "2. 徐留平在浙江江苏调研工会工作时指出" in alert.text
    assert "省总工会主办" in alert.text  # 工会 inside 省总工会 counts, with its sentence
    assert "党员" not in alert.text  # the article without 工会 is not listed
    query = await reader.press(alert, "2")
    await reader.wait_for_answer(query)
    [card] = await reader.wait_for_messages(1)
    assert card.text.startswith("徐留平在浙江江苏调研工会工作时指出")

    # Later polls (and the alert's ledger) never send it again.
    await bot.poll_now()
    await nothing_more_arrives(reader)
    assert bot.store.alerts.get(edition_id, 2151).status == "sent"

    # The next morning the digest comes as usual.
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    [digest] = await reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {PAPER}\n2024年7月1日 · 共 7 篇")


async def test_an_alert_due_in_quiet_hours_waits_for_their_end(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = await subscribed(bot, 2161)
    await reader.send("/follow 驿站")
    await reader.wait_for_messages(1)
    bot.set_clock(DAY, dt.time(2, 0))  # the edition arrives in the night
    await ingest(bot, seed_path)
    await nothing_more_arrives(reader)
    bot.set_clock(DAY, dt.time(7, 0))  # the default quiet hours (22:00-07:00) are over
    await bot.poll_now()
    [alert] = await reader.wait_for_messages(1)
    assert "驿站" in alert.text


async def test_an_alert_held_by_quiet_hours_is_not_sent_for_a_topic_unfollowed_meanwhile(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = await subscribed(bot, 2162)
    await reader.send("/follow 驿站")
    await reader.wait_for_messages(1)
    bot.set_clock(DAY, dt.time(2, 0))  # the edition arrives in the night: the alert waits
    edition_id = await ingest(bot, seed_path)
    await bot.job_done()
    assert bot.store.alerts.get(edition_id, 2162).status == "pending"  # type: ignore[union-attr]
    bot.set_clock(DAY, dt.time(6, 30))
    await reader.send("/unfollow 驿站")
    await reader.wait_for_messages(1)

    bot.set_clock(DAY, dt.time(7, 0))
    await bot.poll_to_end()

    await nothing_more_arrives(reader)


async def test_an_alert_held_by_quiet_hours_lists_the_articles_of_a_page_that_came_meanwhile(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = await subscribed(bot, 2163)
    await reader.send("/follow 工会")
    await reader.wait_for_messages(1)
    bot.set_clock(DAY, dt.time(2, 0))  # page 1 arrives in the night: the alert waits
    edition_id = await ingest(bot, seed_path)
    await bot.job_done()
    assert bot.store.alerts.get(edition_id, 2163).status == "pending"  # type: ignore[union-attr]
    bot.set_clock(DAY, dt.time(3, 0))
    await late_page(bot, seed_path)
    await bot.job_done()

    bot.set_clock(DAY, dt.time(7, 0))
    await bot.poll_to_end()

    [alert] = await reader.wait_for_messages(1)
    assert "相关 6 篇" in alert.text
    assert "8. 省总工会部署夏季高温劳动保护工作" in alert.text


async def test_redropping_an_edition_changes_nothing(bot: RunningBot, seed_path: Path) -> None:
    await ingest(bot, seed_path)
    bot.drop_edition(seed_path, DAY)
    await bot.poll_now()
    await eventually(lambda: not any(bot.inbox.glob("*.txt")))
    with bot.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM editions")).scalar_one() == 1


async def test_a_broken_file_is_set_aside_and_reported_to_admins(
    tmp_path: Path, db: str, seed_path: Path
) -> None:
    bot = await start_bot(tmp_path, db, admins=(9001,))
    try:
        admin = bot.user(9001, "Admin")
        await admin.send("/start")
        await admin.wait_for_messages(1)
        bot.drop_edition(seed_path, DAY)
        bot.drop_edition(b"\x00\x01\x02 not an edition \xff\xfe", DAY + dt.timedelta(days=1))
        await bot.poll_now()
        [report] = await admin.wait_for_messages(1)
        assert "zjgrrb-2024-07-02-p01.txt" in report.text and "NUL" in report.text
        assert (bot.inbox / "failed" / "zjgrrb-2024-07-02-p01.txt").exists()
        assert bot.store.editions.on(DAY, PAPER).article_count == 7
    finally:
        await stop_bot(bot)


async def test_an_admin_who_never_subscribed_is_told_in_their_clients_language(
    tmp_path: Path, db: str, seed_path: Path
) -> None:
    bot = await start_bot(tmp_path, db, admins=(9002,))
    try:
        admin = bot.user(9002, "Operator", "en")
        await admin.send("/help")
        await admin.wait_for_messages(1)
        bot.drop_edition(b"\x00\x01\x02 not an edition \xff\xfe", DAY)
        await bot.poll_now()
        [report] = await admin.wait_for_messages(1)
        assert report.text.startswith(f"⚠️ {PAPER}: 1 file could not be ingested, moved to failed/")
    finally:
        await stop_bot(bot)


BROKEN_PAPER = '[[papers]]\nname = "坏报"\ninbox = "not-a-folder"\n'


def break_the_inbox(folder: Path) -> None:
    """A file where 坏报's inbox should be: refused at start, so it appears while the bot runs
    (in place of the folder the start-up poll made)."""
    shutil.rmtree(folder / "not-a-folder")
    (folder / "not-a-folder").write_text("an inbox path that is a file", encoding="utf-8")


async def test_an_unreadable_inbox_does_not_stop_the_other_papers(
    tmp_path: Path, db: str, seed_path: Path
) -> None:
    bot = await start_bot(tmp_path, db, admins=(9002,), extra_config=BROKEN_PAPER)
    try:
        break_the_inbox(tmp_path)
        admin = bot.user(9002, "Admin")
        await admin.send("/start")
        await admin.wait_for_messages(1)
        await ingest(bot, seed_path)
        reports = await admin.wait_for_messages(1)
        assert "坏报" in reports[0].text
    finally:
        await stop_bot(bot)


async def test_an_inbox_that_keeps_failing_is_told_to_the_admins_once_and_its_repair_once(
    tmp_path: Path, db: str
) -> None:
    bot = await start_bot(tmp_path, db, admins=(9003,), extra_config=BROKEN_PAPER)
    try:
        admin = bot.user(9003, "Admin")
        await admin.send("/start")
        await admin.wait_for_messages(1)
        break_the_inbox(tmp_path)
        await bot.poll_to_end()
        [failed] = await admin.wait_for_messages(1)
        assert "坏报" in failed.text and "not-a-folder" in failed.text
        for _ in range(3):  # still broken: the admins already know
            await bot.poll_to_end()
        await nothing_more_arrives(admin)
        (tmp_path / "not-a-folder").unlink()
        await bot.poll_to_end()
        [repaired] = await admin.wait_for_messages(1)
        assert "坏报" in repaired.text and "收件箱又能扫描了" in repaired.text
        await bot.poll_to_end()
        await nothing_more_arrives(admin)
    finally:
        await stop_bot(bot)


async def test_an_inbox_that_cannot_be_made_is_logged_as_one_warning_without_a_traceback(
    tmp_path: Path, db: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(tmp_path, db, extra_config=BROKEN_PAPER)
    try:
        break_the_inbox(tmp_path)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="bot"):
            await bot.poll_to_end()
        [record] = [r for r in caplog.records if "坏报" in r.getMessage()]
        assert record.levelno == logging.WARNING and record.exc_info is None
        assert "not-a-folder" in record.getMessage()
    finally:
        await stop_bot(bot)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/article 999", "本期共 7 篇，请输入 1–7 之间的编号。"),
        ("/article -1", "“-1”不是有效的文章编号"),
        ("/article", "用法：/article 编号"),
        ("/article\n2", "徐留平"),
        ("/article 驿站", "全省首个地方性工会驿站"),
        ("/article 没有这个标题", "本期没有标题含“没有这个标题”的文章"),
        ("/search", "用法：/search 关键词"),
        ("/search 50%_x", "没有找到与“50%_x”相关的文章"),
        ("/search 2024-07", "日期和报纸只是范围，还要加上要找的词"),
        ("/search 浙江工人日报", "日期和报纸只是范围，还要加上要找的词"),
        ("/search 最新", "“最新”的搜索结果（共 1 篇"),
        ("/search -美国", "排除词之外，还要加上要找的词"),
        ("/search 工会 2024-13", "“2024-13”不是有效的日期"),
        ("/search 工会 驿站 全省 规范 标准 专家 评审 幸福 -安吉", "一次最多搜 8 个词"),
        ("/search 工会 -浙江工人日报", "排除这些报纸后，就没有报纸可搜了"),
        ("/search 工会 2024-06-30~2024-07-02", "“工会 2024-06-30~2024-07-02”的搜索结果（共 5 篇"),
        ("/search 工会，最新", "“工会”的搜索结果（共 5 篇，最新的在前）"),
        ("/search 工会 OR 驿站", "搜索不用 OR：写下的词都要有"),
        ('/search "', "用法：/search 关键词"),
        ("/search % _", "用法：/search 关键词"),
        ("/search 工会 最新", "“工会”的搜索结果（共 5 篇，最新的在前）"),
        ("/start b_99999_1_deadbeef", "这期报纸已不在存档中"),
        ("/settings 25:99", "“25:99”不是有效的时间"),
        ("/nosuchcommand", "没有这个命令"),
        ("/article " + "长" * 5000, "输入太长了（5000 个字符）"),
        ("长" * 5000, "输入太长了（5000 个字符）"),
        ("<b>&amp; hello", "/search"),
        ("/search \x00", "用法：/search 关键词"),
        ("/search \u202e\u200f\u200b", "用法：/search 关键词"),
        ("/search \x00没有这个词", "没有找到与“没有这个词”相关的文章"),
        ("/search 工\u202e会\u200f", "“工会”的搜索结果"),
        ("/article ２", "徐留平"),
        ("/article \u200f2\u202e", "徐留平"),
    ],
)
async def test_bad_input_gets_a_helpful_reply(
    bot: RunningBot, seed_path: Path, command: str, expected: str
) -> None:
    await ingest(bot, seed_path)
    reader = await subscribed(bot, 3001)
    await reader.send(command)
    [reply] = await reader.wait_for_messages(1)
    assert expected in reply.text
    parse_html(reply.html)  # valid HTML: the server would have refused it otherwise


@pytest.mark.parametrize(
    "forged",
    [
        "a:2147483648:1",
        "a:1:99999999999",
        "a:-1:1",
        "s:999999999",
        "zz",
        "a:1",
        "b:1:1:notamark",
        "b:1:1",
    ],
)
async def test_a_forged_button_gets_a_polite_answer(
    bot: RunningBot, seed_path: Path, forged: str
) -> None:
    await ingest(bot, seed_path)
    reader = await subscribed(bot, 3101)
    await reader.send("/today")
    [digest] = await reader.wait_for_messages(1)
    digest.reply_markup["inline_keyboard"][0][0]["callback_data"] = forged
    query = await reader.press(digest, "1")
    await reader.wait_for_answer(query)
    assert query.answer_text  # "this button has expired", not an apology for a crash
    await nothing_more_arrives(reader, 0.5)


async def test_pressing_next_page_twice_is_harmless(bot: RunningBot, seed_path: Path) -> None:
    await ingest(bot, seed_path)
    reader = await subscribed(bot, 3201)
    await reader.send("/search 会")
    [results] = await reader.wait_for_messages(1)
    first = await reader.press(results, "下一页 ▶")
    await reader.wait_for_answer(first)
    await eventually(lambda: results.edit_count == 1)
    results.reply_markup = {"inline_keyboard": [[{"text": "again", "callback_data": "s:1"}]]}
    second = await reader.press(results, "again")
    await reader.wait_for_answer(second)
    await nothing_more_arrives(reader, 0.5)  # no apology


async def test_an_old_pager_asking_past_the_end_shows_the_last_page_not_nothing_found(
    bot: RunningBot, seed_path: Path
) -> None:
    await ingest(bot, seed_path)
    reader = await subscribed(bot, 3202)
    await reader.send("/search 会")
    [results] = await reader.wait_for_messages(1)
    total = results.text.split("共 ")[1].split(" 篇")[0]
    results.reply_markup = {"inline_keyboard": [[{"text": "far", "callback_data": "s:99"}]]}
    query = await reader.press(results, "far")
    await reader.wait_for_answer(query)
    await eventually(lambda: results.edit_count == 1)
    assert results.text.startswith(f"🔍 “会”的搜索结果（共 {total} 篇")
    assert f"\n{total}. " in results.text  # the last hit, on the last page


async def test_several_titles_of_one_edition_are_listed_in_print_order_and_say_so(
    bot: RunningBot, seed_path: Path
) -> None:
    await ingest(bot, seed_path)
    reader = await subscribed(bot, 3203)
    await reader.send("/article 工会")
    [listed] = await reader.wait_for_messages(1)
    assert listed.text.startswith("🔍 “工会”的搜索结果（共 4 篇，按版面顺序）")


async def test_editing_an_old_command_does_not_run_it_again(
    bot: RunningBot, seed_path: Path
) -> None:
    await ingest(bot, seed_path)
    reader = await subscribed(bot, 3301)
    sent = await reader.send("/today")
    await reader.wait_for_messages(1)
    edited = dict(sent, text="/today", edit_date=int(time.time()))
    bot.server.push_update("edited_message", edited)
    await nothing_more_arrives(reader)


async def test_group_chatter_gets_no_reply(bot: RunningBot) -> None:
    member = bot.user(3401)
    group = {"id": -100777, "type": "group", "title": "读报小组"}
    for words in ("大家早上好", "/start@another_bot"):
        bot.server.push_update(
            "message",
            {
                "message_id": 1,
                "from": member.to_user_api(),
                "chat": group,
                "date": int(time.time()),
                "text": words,
                "entities": (
                    [{"type": "bot_command", "offset": 0, "length": len(words)}]
                    if words.startswith("/")
                    else []
                ),
            },
        )
    await reader_is_quiet(bot, -100777)


async def reader_is_quiet(bot: RunningBot, chat_id: int) -> None:
    await asyncio.sleep(1.0)
    assert [c for c in bot.server.calls if c.params.get("chat_id") in (chat_id, str(chat_id))] == []


async def test_a_reader_who_blocks_the_bot_is_unsubscribed_and_others_still_get_theirs(
    bot: RunningBot, seed_path: Path
) -> None:
    stays = await subscribed(bot, 4001)
    leaves = await subscribed(bot, 4002)
    leaves.block()
    bot.set_clock(DAY, BEFORE)
    await ingest(bot, seed_path)
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    await stays.wait_for_messages(1)
    await eventually(lambda: not bot.store.subscribers.get(4002).active)


async def test_a_failing_handler_apologises_and_the_bot_keeps_running(bot: RunningBot) -> None:
    reader = bot.user(5001)
    with bot.store.engine.begin() as conn:  # the subscribers table vanishes under the bot
        conn.execute(text("ALTER TABLE subscribers RENAME TO subscribers_gone"))
    try:
        await reader.send("/subscribe")
        [apology] = await reader.wait_for_messages(1)
        assert apology.text.startswith("抱歉")
        await reader.send("/help")
        [help_text] = await reader.wait_for_messages(1)
        assert "/today" in help_text.text
    finally:
        with bot.store.engine.begin() as conn:
            conn.execute(text("ALTER TABLE subscribers_gone RENAME TO subscribers"))


async def test_settings_change_the_readers_own_digest_time(bot: RunningBot) -> None:
    reader = await subscribed(bot, 6001)
    await reader.send("/settings 06:45")
    [saved] = await reader.wait_for_messages(1)
    assert "06:45（北京时间）" in saved.text
    assert bot.store.subscribers.get(6001).digest_time == dt.time(6, 45)
    assert bot.application.job_queue.scheduler.get_job("digest-at-06:45") is not None
    await reader.send("/settings")
    [shown] = await reader.wait_for_messages(1)
    assert "06:45（自定义）\n时区：北京时间（UTC+8）" in shown.text


async def test_a_reader_with_an_earlier_time_gets_the_digest_at_that_time(
    bot: RunningBot, seed_path: Path
) -> None:
    early = await subscribed(bot, 6101)
    usual = await subscribed(bot, 6102)
    await early.send("/settings 06:45")
    await early.wait_for_messages(1)
    bot.set_clock(DAY, dt.time(6, 0))
    await ingest(bot, seed_path)
    bot.set_clock(DAY, dt.time(6, 45))
    await bot.digest_now(dt.time(6, 45))
    await early.wait_for_messages(1)
    await nothing_more_arrives(usual)


async def test_jobs_have_explicit_ids(bot: RunningBot) -> None:
    ids = {job.id for job in bot.application.job_queue.scheduler.get_jobs()}
    assert {POLL_JOB, f"digest-at-{DIGEST_TIME:%H:%M}"} <= ids


async def test_with_two_papers_today_shows_both_and_article_n_opens_the_paper_that_has_it(
    tmp_path: Path, db: str, seed_path: Path
) -> None:
    extra = '[[papers]]\nname = "第二张报"\ninbox = "inbox2"\n'
    bot = await start_bot(tmp_path, db, extra_config=extra)
    try:
        second_inbox = tmp_path / "inbox2"
        second_inbox.mkdir(exist_ok=True)  # made by the start-up poll
        trimmed = seed_path.read_text(encoding="utf-8").split("## 全省首个地方性工会驿站")[0]
        page = second_inbox / "2024-07-01-p01.txt"
        page.write_text(trimmed, encoding="utf-8")
        os.utime(page, (OLD_MTIME, OLD_MTIME))
        await ingest(bot, seed_path)
        await eventually(lambda: bot.store.editions.on(DAY, "第二张报"))
        reader = bot.user(7001)
        await reader.send("/today")
        first, second = await reader.wait_for_messages(2)
        assert first.text.startswith(f"📰 {PAPER}") and "共 7 篇" in first.text
        assert second.text.startswith("📰 第二张报") and "共 5 篇" in second.text
        await reader.send("/article 6")  # only the first paper shown has an article 6
        [reply] = await reader.wait_for_messages(1)
        edition = bot.store.editions.on(DAY, PAPER)
        assert edition is not None
        assert reply.text.startswith(bot.store.editions.articles(edition.id)[5].title)
    finally:
        await stop_bot(bot)


async def test_stats_of_an_archive_older_than_the_chart_is_as_of_its_newest_edition(
    bot: RunningBot, seed_path: Path
) -> None:
    await ingest(bot, seed_path)
    bot.set_clock(DAY + dt.timedelta(days=90), BEFORE)
    reader = bot.user(3901)
    await reader.send("/stats")
    [chart] = await reader.wait_for_messages(1)
    assert chart.photo and "热门关键词" in chart.text and "工会" in chart.text
