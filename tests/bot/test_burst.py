"""Calm under bursts: one chat flooding the bot slows nobody else and floods no log.

Over real HTTP against the local Bot API server with Telegram's limits on (per chat: burst 3,
then 1/s; overall 30/s): replies go through the bot's pacer, so the server never has to say
429, and the throttle answers a flood once and then ignores it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.localapi.server import LocalUser
from tests.bot.running_bot import RunningBot, bot_running, eventually

pytestmark = pytest.mark.timeout(120)

FLOOD = 200
LIMIT = 20  # the default [limits] commands_per_chat
SLOW_DOWN = "太快"


@pytest.fixture
async def bot(tmp_path: Path, sqlite_url: str) -> AsyncIterator[RunningBot]:
    async with bot_running(tmp_path, sqlite_url) as running:
        yield running


async def flood(user: LocalUser, count: int) -> float:
    """``count`` commands at once (each send yields only after queueing its update); the
    seconds it took to send them."""
    started = time.perf_counter()
    await asyncio.gather(*(user.send("/help") for _ in range(count)))
    return time.perf_counter() - started


async def timed_reply(user: LocalUser, command: str) -> float:
    started = time.perf_counter()
    await user.send(command)
    await user.wait_for_messages(1, timeout=10)
    return time.perf_counter() - started


async def normal_use(user: LocalUser) -> list[float]:
    latencies = []
    for command in ("/help", "/settings", "/papers", "/start", "/help"):
        latencies.append(await timed_reply(user, command))
        await asyncio.sleep(1.5)
    return latencies


async def test_a_flooding_chat_slows_nobody_else_and_gets_one_slow_down(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    flooder, reader = bot.user(501), bot.user(502)

    flood_seconds, latencies = await asyncio.gather(flood(flooder, FLOOD), normal_use(reader))

    got = await eventually(lambda: len(flooder.history) >= LIMIT + 1 and flooder.history, 60)
    await asyncio.sleep(2)  # nothing beyond the limit and the one slow-down arrives later
    throttle_lines = [r for r in caplog.records if r.name == "bot.components.throttle"]
    warnings_or_worse = [r for r in caplog.records if r.levelno >= logging.WARNING]
    too_many = [call for call in bot.server.calls if call.status == 429]
    print(
        f"\nreader latencies: {', '.join(f'{s * 1000:.0f} ms' for s in latencies)}; "
        f"flood of {FLOOD} sent in {flood_seconds * 1000:.0f} ms; flooder got {len(got)} "
        f"messages; 429s: {len(too_many)}; WARNING+ log lines: "
        + "; ".join(f"{r.levelname} {r.getMessage()}" for r in warnings_or_worse)
    )

    assert max(latencies) < 1.0
    assert len(flooder.history) == LIMIT + 1
    assert sum(SLOW_DOWN in message.text for message in flooder.history) == 1
    assert too_many == []
    assert [r.levelname for r in warnings_or_worse] == ["WARNING"]
    assert warnings_or_worse == [r for r in throttle_lines if r.levelno == logging.WARNING]
    assert not any(r.exc_info for r in caplog.records)


async def test_the_flooder_is_heard_again_after_its_window(tmp_path: Path, sqlite_url: str) -> None:
    limits = "[limits]\ncommands_per_chat = 3\ncommands_window_seconds = 2.0\n"
    async with bot_running(tmp_path, sqlite_url, extra_config=limits) as running:
        flooder = running.user(503)
        await flood(flooder, 8)
        await flooder.wait_for_messages(3 + 1, timeout=20)
        await asyncio.sleep(2.0)
        await flooder.send("/help")
        [answer] = await flooder.wait_for_messages(1, timeout=10)
        assert "/subscribe" in answer.text


async def test_a_flood_wait_on_a_reply_is_waited_out_not_reported_as_an_error(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    reader = bot.user(504)
    reader.force_retry_after(times=1, retry_after=1)

    await reader.send("/help")

    [answer] = await reader.wait_for_messages(1, timeout=10)
    assert "/subscribe" in answer.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
