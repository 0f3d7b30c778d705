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
from aiohttp import web
from telegram import Update

from bot.app import build_application, make_services
from bot.components.jobs import POLL_JOB, schedule_jobs
from bot.config import load_config
from bot.delivery import LeaseKeeper, new_holder_id
from bot.leader import LEADER, FencedRequest, NotLeader
from bot.localapi.server import LocalBotApi
from bot.storage.store import Store
from tests.bot.fixtures_local_api import TEST_TOKEN, serving
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


# --------------------------------------------------------------------------- the transport


async def test_a_request_that_gets_no_connection_before_the_lease_runs_out_is_never_sent(
    one_store: Store,
) -> None:
    # The only connection is busy until just past the lease; the second request, fenced while
    # the lease was valid, waits for it (pool and connect timeouts allow 6 s) and must not go
    # out once it is free: the lease is gone by then.
    lease = LeaseKeeper(one_store, LEADER, new_holder_id(), 1.0)  # valid 0.9 s, not renewed
    assert lease.try_acquire()
    received: list[str] = []
    release = asyncio.Event()

    async def held(request: web.Request) -> web.Response:
        received.append(request.path)
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    async with serving(held) as base_url:
        request = FencedRequest(lease.seconds_left, connection_pool_size=1)
        url = f"{base_url}{TEST_TOKEN}/sendMessage"
        try:
            first = asyncio.create_task(request.post(url, None, read_timeout=10.0))
            await eventually(lambda: received, timeout=5)
            second = asyncio.create_task(request.post(url, None))
            await eventually(lambda: not lease.valid, timeout=5)
            await asyncio.sleep(0.3)
            release.set()  # the connection is free again, the lease gone
            assert await first is True
            with pytest.raises(NotLeader, match="request not sent"):
                await second
        finally:
            release.set()
            await request.shutdown()
    assert len(received) == 1
