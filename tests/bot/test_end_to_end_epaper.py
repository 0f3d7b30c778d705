"""End to end from a paper's website: a new edition appears on a site served on 127.0.0.1,
the bot's site poll reads it, and at the digest time its readers — and only they — get it.

Everything is real: the site (aiohttp on 127.0.0.1), the bot (python-telegram-bot over HTTP
against the local Bot API server), the scheduler's jobs, and the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.components.jobs import SITE_JOB
from bot.config import MAX_PAPERS
from bot.localapi.server import LocalUser
from bot.storage.records import PollOutcome
from tests.bot.running_bot import PAPER, RunningBot, eventually, start_bot, stop_bot
from tests.bot.sources.epaper.server import SiteServer
from tests.bot.sources.epaper.sites import Resource, Sheet, Story, founder_site

SITE_PAPER = "海南日报"
DAY = dt.date(2024, 7, 1)


def edition_sheets() -> list[Sheet]:
    return [
        Sheet(
            "A01",
            "要闻",
            (
                Story(
                    title="自贸港建设再提速",
                    byline="■ 海南日报全媒体记者 李艳玫",
                    paragraphs=(
                        "本报海口7月1日讯 海南自由贸易港建设总体方案实施以来，各项政策陆续落地。",
                        "今年上半年，全省新增市场主体数量同比增长两成。",
                    ),
                ),
                Story(
                    title="椰城夜市人气旺",
                    byline="■ 海南日报全媒体记者 王聪",
                    paragraphs=(
                        "夜幕降临，海口骑楼老街的夜市里人头攒动。",
                        "摊主们说，生意比去年好。",
                    ),
                ),
            ),
            node=187,
        ),
    ]


@pytest.fixture
async def bot(tmp_path: Path, db: str, site: SiteServer) -> AsyncIterator[RunningBot]:
    extra = (
        f'\n[[papers]]\nname = "{SITE_PAPER}"\nepaper = "{site.url("/")}"\n'
        'template = "founder"\npoll_minutes = 60\n'
    )
    running = await start_bot(tmp_path, db, extra_config=extra)
    try:
        yield running
    finally:
        await stop_bot(running)


async def test_a_new_edition_on_the_site_reaches_the_papers_readers_and_only_them(
    bot: RunningBot, site: SiteServer
) -> None:
    bot.set_clock(DAY, dt.time(5, 0))
    site_reader, inbox_reader = bot.user(8001), bot.user(8002)
    await site_reader.send(f"/subscribe {SITE_PAPER}")
    await site_reader.wait_for_messages(1)
    await site_reader.send(f"/unsubscribe {PAPER}")  # the first paper came by default
    await site_reader.wait_for_messages(1)
    await inbox_reader.send("/subscribe")
    await inbox_reader.wait_for_messages(1)
    assert bot.store.subscribers.get(8001).papers == (SITE_PAPER,)
    assert bot.store.subscribers.get(8002).papers == (PAPER,)

    site.site.update(founder_site(SITE_PAPER, DAY, edition_sheets()))
    await bot.run_job_now(SITE_JOB.format(1))
    edition = await eventually(lambda: bot.store.editions.on(DAY, SITE_PAPER))
    assert edition.article_count == 2
    assert not site_reader.history[2:]  # stored at 05:00; the digest waits for 07:30

    bot.set_clock(DAY, dt.time(7, 30))
    await bot.digest_now()
    [digest] = await site_reader.wait_for_messages(1)
    assert digest.text.startswith(f"📰 {SITE_PAPER}") and "自贸港建设再提速" in digest.text
    await eventually(lambda: bot.store.deliveries.was_sent(edition.id, 8001))
    assert not bot.store.deliveries.was_sent(edition.id, 8002)
    assert [m for m in inbox_reader.history if SITE_PAPER in m.text] == []


ADMIN = 9004


async def bot_with_an_admin(
    tmp_path: Path, db: str, site: SiteServer
) -> tuple[RunningBot, LocalUser]:
    """A bot that reads the site too (its polls run when a test says), and an English-speaking
    admin who has sent /start, at 05:00 on DAY."""
    extra = (
        f'\n[[papers]]\nname = "{SITE_PAPER}"\nepaper = "{site.url("/")}"\ntemplate = "founder"\n'
    )
    bot = await start_bot(tmp_path, db, admins=(ADMIN,), extra_config=extra)
    admin = bot.user(ADMIN, "Admin", "en")
    await admin.send("/start")
    await admin.wait_for_messages(1)
    bot.set_clock(DAY, dt.time(5, 0))
    return bot, admin


async def test_a_site_moved_elsewhere_fails_each_poll_in_one_line_and_is_told_once(
    tmp_path: Path, db: str, site: SiteServer, caplog: pytest.LogCaptureFixture
) -> None:
    elsewhere = SiteServer()  # the same address, another port: another site
    await elsewhere.start()
    bot, admin = await bot_with_an_admin(tmp_path, db, site)
    try:
        elsewhere.site.update(founder_site(SITE_PAPER, DAY, edition_sheets()))
        moved = elsewhere.url("/paperindex.htm")
        site.site["/paperindex.htm"] = Resource(status=301, headers={"Location": moved})
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="bot"):
            for _ in range(3):
                await bot.poll_to_end(SITE_JOB.format(1))

        said = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.levelname for r in said] == ["WARNING"] * 3
        assert all(SITE_PAPER in r.getMessage() and r.exc_info is None for r in said)
        # The address configured and where it leads now: what the operator changes, and to what.
        why = f"{site.url('/paperindex.htm')}: redirected off the site, to {moved}"
        assert all(why in r.getMessage() for r in said)
        last = bot.store.state.last_poll(SITE_PAPER)
        assert last is not None and last.outcome is PollOutcome.FAILED
        assert last.detail == why
        [told] = await admin.wait_for_messages(1)  # once, not at every poll
        assert told.text.startswith(f"⚠️ {SITE_PAPER}: ") and moved in told.text
        await asyncio.sleep(1.0)
        assert admin.new_messages() == [] and elsewhere.hits == []
    finally:
        await stop_bot(bot)
        await elsewhere.stop()


async def test_a_site_with_no_edition_there_yet_says_so_not_that_it_is_unreachable(
    tmp_path: Path, db: str, site: SiteServer, caplog: pytest.LogCaptureFixture
) -> None:
    # The newest first page is the site's own "not found" page (HTTP 200): the edition is not
    # out yet. The poll fails and the next asks again, saying what it found, not a dead site.
    bot, _ = await bot_with_an_admin(tmp_path, db, site)
    try:
        site.site.update(founder_site(SITE_PAPER, DAY, edition_sheets()))
        not_found = "<html><head><title>404 页面不存在</title></head><body>页面不存在</body></html>"
        site.site["/html/2024-07/01/node_187.htm"] = Resource(not_found.encode())
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="bot"):
            await bot.poll_to_end(SITE_JOB.format(1))

        [said] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert f"{SITE_PAPER}: no edition there yet: " in said and "页面不存在" in said
        assert "not reachable" not in said
        last = bot.store.state.last_poll(SITE_PAPER)
        assert last is not None and last.outcome is PollOutcome.FAILED
    finally:
        await stop_bot(bot)


async def test_a_site_that_can_be_read_again_is_told_once(
    tmp_path: Path, db: str, site: SiteServer
) -> None:
    # The admins were told the layout no longer matched; once the site reads again (the
    # template fixed, or the site back), they hear so, once: not left wondering.
    bot, admin = await bot_with_an_admin(tmp_path, db, site)
    try:
        good = founder_site(SITE_PAPER, DAY, edition_sheets())
        site.site["/paperindex.htm"] = Resource("<html><body>改版了</body></html>".encode())
        await bot.poll_to_end(SITE_JOB.format(1))
        [told] = await admin.wait_for_messages(1)
        assert told.text.startswith(f"⚠️ {SITE_PAPER}: ")

        site.site.update(good)
        for _ in range(2):
            await bot.poll_to_end(SITE_JOB.format(1))

        [back] = await admin.wait_for_messages(1)
        assert back.text == f"✅ {SITE_PAPER}: the site can be read again; ingesting resumes."
        await asyncio.sleep(1.0)
        assert admin.new_messages() == []
        await eventually(lambda: bot.store.editions.on(DAY, SITE_PAPER))
    finally:
        await stop_bot(bot)


async def test_papers_lists_every_paper_and_its_buttons_toggle_them(bot: RunningBot) -> None:
    reader = bot.user(8101)
    await reader.send("/papers")
    [menu] = await reader.wait_for_messages(1)
    labels = [button["text"] for row in menu.buttons for button in row]
    assert labels == [f"➕ {PAPER}", f"➕ {SITE_PAPER}"]
    query = await reader.press(menu, f"➕ {SITE_PAPER}")
    await reader.wait_for_answer(query)
    assert bot.store.subscribers.get(8101).papers == (SITE_PAPER,)
    shown = next(m for m in reader.history if m.message_id == menu.message_id)
    await eventually(
        lambda: (
            [b["text"] for row in shown.buttons for b in row] == [f"➕ {PAPER}", f"✅ {SITE_PAPER}"]
        )
    )


async def test_papers_shows_a_button_for_each_of_the_most_papers_a_config_may_hold(
    tmp_path: Path, db: str
) -> None:
    extra = "".join(
        f'\n[[papers]]\nname = "报{n:02}"\ninbox = "{tmp_path / "in" / str(n)}"\n'
        for n in range(MAX_PAPERS - 1)
    )
    running = await start_bot(tmp_path, db, extra_config=extra)
    try:
        reader = running.user(8102)
        await reader.send("/papers")
        [menu] = await reader.wait_for_messages(1)
        labels = [button["text"] for row in menu.buttons for button in row]
        assert labels == [f"➕ {PAPER}", *(f"➕ 报{n:02}" for n in range(MAX_PAPERS - 1))]
    finally:
        await stop_bot(running)


async def test_a_name_part_of_several_papers_gets_those_papers_to_choose_from(
    bot: RunningBot,
) -> None:
    reader = bot.user(8202)
    await reader.send("/subscribe 日报")
    [answer] = await reader.wait_for_messages(1)
    assert answer.text == f"“日报”可以指：{PAPER}、{SITE_PAPER}。请写出全名。"
    assert bot.store.subscribers.get(8202) is None


async def test_an_unknown_paper_name_gets_the_list_of_papers(bot: RunningBot) -> None:
    reader = bot.user(8201)
    await reader.send("/subscribe 人民日报")
    [answer] = await reader.wait_for_messages(1)
    assert "人民日报" in answer.text and SITE_PAPER in answer.text and PAPER in answer.text
    assert bot.store.subscribers.get(8201) is None
