"""One leader per database: two real ``baozhai run`` processes, on SQLite and PostgreSQL.

Each process reaches the local Bot API server by its own path prefix (``/A/bot…``,
``/B/bot…``), so the server can tell whose request it was. Only the leader polls; a standby
takes over within two leases after the leader is SIGKILLed; a leader that was paused
(SIGSTOP) past its lease sends nothing when it runs again and exits non-zero.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from bot.localapi.server import LocalBotApi
from bot.storage.leases import LEADER
from bot.storage.models import LeaseRow
from bot.storage.store import Store
from tests.bot.processes import BotProcess, process_config, start_baozhai
from tests.bot.running_bot import TOKEN, eventually

pytestmark = pytest.mark.timeout(180)

LEASE = 3.0
EXIT_STOPPED = 3


def calls_from(server: LocalBotApi, client: str, since: float = 0.0) -> list[str]:
    """Methods ``client`` called that were answered at or after ``since``."""
    return [c.method for c in list(server.calls) if c.client == client and c.at >= since]


async def answered_by(server: LocalBotApi, timeout: float) -> str:
    """A reader sends /help; which process answered it."""
    reader = server.user(1001)
    await reader.send("/help")
    [reply] = await reader.wait_for_messages(1, timeout=timeout)
    [call] = [
        c
        for c in list(server.calls)
        if c.method.lower() == "sendmessage" and c.params.get("chat_id") in (1001, "1001")
        and c.params.get("text") == reply.html
    ][-1:]
    return call.client


async def leader_holder(db_url: str | URL) -> str | None:
    def read() -> str | None:
        with Store(db_url, migrate=False) as store:
            lease = store.leases.leader()
            return lease.holder if lease is not None else None

    return await asyncio.to_thread(read)


async def leader_acquired_at(db_url: str | URL) -> dt.datetime:
    """When the leader lease's holder took it (``leases.acquired_at``, aware UTC)."""

    def read() -> dt.datetime:
        with Store(db_url, migrate=False) as store, store.engine.connect() as conn:
            acquired = conn.scalar(select(LeaseRow.acquired_at).where(LeaseRow.name == LEADER))
        assert acquired is not None
        return acquired

    return await asyncio.to_thread(read)


async def start(tmp_path: Path, db_url: str | URL, server: LocalBotApi, client: str) -> BotProcess:
    config = process_config(
        tmp_path,
        db_url=db_url,
        api_base_url=f"{server.url}/{client}/bot",
        lease_seconds=LEASE,
        rate=30,
        name=f"{client}.toml",
    )
    return await start_baozhai(config, "run")


@pytest.fixture
async def server() -> LocalBotApi:
    api = LocalBotApi(TOKEN)
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


@pytest.fixture
def migrated(db_url: str | URL) -> str | URL:
    Store(db_url).close()  # both processes start on a migrated database
    return db_url


async def stop(process: BotProcess) -> int:
    if process.process.returncode is None:
        process.process.send_signal(signal.SIGCONT)
        process.process.terminate()
    return await process.wait(30)


@dataclass
class Pair:
    leader: BotProcess  # "A", answering readers
    standby: BotProcess  # "B", started after A led
    first_holder: str | None  # A's lease holder id


@asynccontextmanager
async def leader_and_standby(
    tmp_path: Path, db_url: str | URL, server: LocalBotApi
) -> AsyncIterator[Pair]:
    """A leads (it answers a reader), then B starts; both are stopped afterwards (B cleanly)."""
    a = await start(tmp_path, db_url, server, "A")
    b: BotProcess | None = None
    try:
        assert await answered_by(server, timeout=30) == "A"
        first = await leader_holder(db_url)
        b = await start(tmp_path, db_url, server, "B")
        await eventually(lambda: calls_from(server, "B"), timeout=30)  # B is up
        yield Pair(a, b, first)
    finally:
        await stop(a)
        if b is not None:
            assert await stop(b) == 0, b.output()


async def _changed(db_url: str | URL, first: str | None) -> bool:
    holder = await leader_holder(db_url)
    return holder is not None and holder != first


async def test_only_the_leader_polls_and_a_standby_takes_over_a_killed_leader(
    tmp_path: Path, migrated: str | URL, server: LocalBotApi
) -> None:
    async with leader_and_standby(tmp_path, migrated, server) as pair:
        await asyncio.sleep(2 * LEASE)
        assert await answered_by(server, timeout=10) == "A"  # B waits as a hot standby
        assert "getUpdates" not in calls_from(server, "B")

        killed, killed_at = time.monotonic(), time.time()
        pair.leader.process.kill()
        await eventually(lambda: _changed(migrated, pair.first_holder), timeout=4 * LEASE)
        # When B took the lease, by B's own record (not when this test happened to look).
        took = (await leader_acquired_at(migrated)).timestamp() - killed_at
        assert await answered_by(server, timeout=30) == "B"
        answered = time.monotonic() - killed
        print(f"\nfailover after SIGKILL: lease {took:.2f}s, first answer {answered:.2f}s")
        assert took <= 2 * LEASE


async def test_a_paused_leader_sends_nothing_when_it_wakes_and_exits_non_zero(
    tmp_path: Path, migrated: str | URL, server: LocalBotApi
) -> None:
    async with leader_and_standby(tmp_path, migrated, server) as pair:
        a = pair.leader
        paused = time.monotonic()
        await a.freeze(migrated)
        await eventually(lambda: _changed(migrated, pair.first_holder), timeout=4 * LEASE)
        assert await answered_by(server, timeout=30) == "B"
        print(f"\nfailover after SIGSTOP: {time.monotonic() - paused:.2f}s to B's first answer")
        woken = time.monotonic()
        a.process.send_signal(signal.SIGCONT)

        assert await a.wait(30) == EXIT_STOPPED, a.output()
        assert calls_from(server, "A", since=woken) == []
        assert "lost" in a.output()


async def test_an_update_answered_to_a_paused_leaders_long_poll_is_handled_by_the_new_leader_only(
    tmp_path: Path, migrated: str | URL, server: LocalBotApi
) -> None:
    async with leader_and_standby(tmp_path, migrated, server) as pair:
        a = pair.leader
        await asyncio.sleep(0.5)  # A is back in its long poll after answering
        await a.freeze(migrated)
        reader = server.user(2002)
        await reader.send("/subscribe")  # the answer to A's open getUpdates, while A is paused
        await eventually(lambda: _changed(migrated, pair.first_holder), timeout=4 * LEASE)
        await reader.wait_for_messages(1, timeout=30)  # B got the update again, and answered
        a.process.send_signal(signal.SIGCONT)

        assert await a.wait(30) == EXIT_STOPPED, a.output()
        assert "error while handling update" not in a.output()  # no handler of A ran
        await asyncio.sleep(1)
        assert reader.new_messages() == []


async def test_a_leader_whose_token_is_revoked_while_polling_exits_non_zero_and_frees_the_lease(
    tmp_path: Path, migrated: str | URL, server: LocalBotApi
) -> None:
    a = await start(tmp_path, migrated, server, "A")
    try:
        assert await answered_by(server, timeout=30) == "A"
        server.token = TOKEN.split(":")[0] + ":" + "Z" * 35  # every call now answers 401

        assert await a.wait(30) == EXIT_STOPPED, a.output()
        assert "stopped: Telegram rejected the bot token" in a.output()
        assert await leader_holder(migrated) is None  # released: a standby takes over at once
    finally:
        await stop(a)


@pytest.mark.parametrize(("status", "retry_after"), [(429, 2), (502, None)])
async def test_a_passing_refusal_of_the_start_up_delete_webhook_is_waited_out(
    tmp_path: Path, migrated: str | URL, server: LocalBotApi, status: int, retry_after
) -> None:
    # Polling starts by removing any webhook; a quick restart's 429 or an outage's 5xx there
    # is waited out, not a crash with a traceback.
    server.force_error("deleteWebhook", status, times=1, retry_after=retry_after)
    a = await start(tmp_path, migrated, server, "A")
    try:
        assert await answered_by(server, timeout=30) == "A"
        assert "Traceback" not in a.output()
    finally:
        assert await stop(a) == 0, a.output()


async def test_delete_webhook_failing_on_every_try_stops_the_process_in_one_line(
    tmp_path: Path, migrated: str | URL, server: LocalBotApi
) -> None:
    server.force_error("deleteWebhook", 500, times=100)
    a = await start(tmp_path, migrated, server, "A")
    try:
        assert await a.wait(90) == EXIT_STOPPED, a.output()
        assert "Traceback" not in a.output()
        assert "stopped: deleteWebhook failed 5 times: Internal Server Error" in a.output()
        assert await leader_holder(migrated) is None  # released: a standby takes over at once
    finally:
        await stop(a)
