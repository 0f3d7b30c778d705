"""A process whose leader lease is no longer valid handles no update and runs no job.

In-process, with the real Application under a real leader lease (its renewal not started, so
a short lease simply runs out, as it does for a process paused past it): what a paused
leader finds waiting when it wakes (an update queued for it, a job whose time came) must be
left alone, since the standby has taken over meanwhile.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from telegram import Update

from bot.app import build_application, make_services
from bot.components.jobs import POLL_JOB, schedule_jobs
from bot.config import load_config
from bot.delivery import LeaseKeeper, new_holder_id
from bot.leader import LEADER
from bot.localapi.server import LocalBotApi
from bot.storage.store import Store
from tests.bot.running_bot import FAST, PAPER, TOKEN, RunningBot, eventually, write_config

pytestmark = pytest.mark.timeout(60)

DAY = dt.date(2025, 3, 14)
READER = 3003


@asynccontextmanager
async def leader_bot(tmp_path: Path, db: str, lease_seconds: float) -> AsyncIterator[RunningBot]:
    """The bot under a freshly taken leader lease that nothing renews; not polling."""
    server = LocalBotApi(TOKEN)
    await server.start()
    config = load_config(write_config(tmp_path, db_url=db, api_base_url=server.base_url))
    store = Store(config.storage.url)
    svc = make_services(config, store, FAST)
    svc.lease = LeaseKeeper(store, LEADER, new_holder_id(), lease_seconds)
    assert svc.lease.try_acquire()
    application = build_application(config, svc)
    await application.initialize()
    try:
        yield RunningBot(server=server, application=application, store=store, config=config)
    finally:
        if application.running:
            await application.stop()
        await application.shutdown()
        store.close()
        await server.stop()


async def expired(bot: RunningBot) -> None:
    lease = bot.services.lease
    assert lease is not None
    await eventually(lambda: not lease.valid, timeout=5)


def subscribe_update(bot: RunningBot) -> Update:
    """A reader's ``/subscribe``, a database write (the reader known to the server, so a
    reply can reach them)."""
    bot.user(READER)
    user = {"id": READER, "is_bot": False, "first_name": "李雷", "language_code": "zh-hans"}
    text = "/subscribe"
    return Update.de_json(
        {
            "update_id": 7,
            "message": {
                "message_id": 7,
                "from": user,
                "chat": {"id": READER, "type": "private", "first_name": "李雷"},
                "date": 1_700_000_000,
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
            },
        },
        bot.application.bot,
    )


async def subscribed(bot: RunningBot) -> bool:
    record = await asyncio.to_thread(bot.store.subscribers.get, READER)
    return record is not None and record.active


async def test_an_update_is_handled_while_the_leader_lease_is_valid(
    tmp_path: Path, db: str
) -> None:
    async with leader_bot(tmp_path, db, lease_seconds=60) as bot:
        await bot.application.process_update(subscribe_update(bot))
        assert await subscribed(bot)


async def test_an_update_arriving_after_the_leader_lease_expired_is_not_handled(
    tmp_path: Path, db: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with leader_bot(tmp_path, db, lease_seconds=1) as bot:
        await expired(bot)
        await bot.application.process_update(subscribe_update(bot))
        assert not await subscribed(bot)
        assert [c.method for c in bot.server.calls if c.method == "sendMessage"] == []
        assert "update 7 not handled: the leader lease is not valid" in caplog.text


async def test_a_scheduled_poll_runs_while_the_leader_lease_is_valid(
    tmp_path: Path, db: str, seed_path: Path
) -> None:
    async with leader_bot(tmp_path, db, lease_seconds=60) as bot:
        bot.set_clock(DAY, dt.time(6, 0))
        bot.drop_edition(seed_path, DAY)
        await asyncio.to_thread(schedule_jobs, bot.application)
        await bot.application.start()
        await bot.poll_now()
        await eventually(lambda: bot.store.editions.on(DAY, PAPER))


async def test_a_scheduled_poll_firing_after_the_leader_lease_expired_does_nothing(
    tmp_path: Path, db: str, seed_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.components.jobs")
    async with leader_bot(tmp_path, db, lease_seconds=1) as bot:
        bot.set_clock(DAY, dt.time(6, 0))
        await asyncio.to_thread(schedule_jobs, bot.application)
        await bot.application.start()
        await bot.start_up_poll_done()  # with the lease still valid, on an empty inbox
        await expired(bot)
        bot.drop_edition(seed_path, DAY)
        await bot.poll_now()
        await eventually(lambda: f"{POLL_JOB} skipped" in caplog.text)
        await bot.job_done(POLL_JOB)
        assert bot.store.editions.on(DAY, PAPER) is None
