"""The /stats chart is drawn in a worker process, which is replaced when it dies."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest

from bot.render.chart_worker import ChartWorker
from bot.render.charts import PNG_SIGNATURE, render_stats_chart
from bot.storage.records import Stats

STATS = Stats(
    editions=2,
    articles=14,
    subscribers=3,
    digests_delivered=5,
    top_keywords=(("工会", 9), ("职工", 4)),
    daily=((dt.date(2024, 7, 1), 7, 30), (dt.date(2024, 7, 2), 7, 28)),
)


@pytest.fixture
async def worker() -> AsyncIterator[ChartWorker]:
    charts = ChartWorker()
    yield charts
    await asyncio.to_thread(charts.close)


async def gone(pid: int) -> bool:
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_the_chart_is_drawn_in_another_process(worker: ChartWorker) -> None:
    png = await worker.render(STATS, title="浙江工人日报")
    assert png.startswith(PNG_SIGNATURE)
    assert await worker.pid() != os.getpid()


async def test_the_worker_draws_what_the_bot_would_draw_itself(worker: ChartWorker) -> None:
    assert await worker.render(STATS, title="Baozhai") == render_stats_chart(STATS, title="Baozhai")


async def test_a_killed_worker_is_replaced_for_the_next_chart(worker: ChartWorker) -> None:
    first = await worker.pid()
    os.kill(first, signal.SIGKILL)
    assert await gone(first)
    png = await worker.render(STATS, title="Baozhai")
    assert png.startswith(PNG_SIGNATURE)
    assert await worker.pid() != first


async def test_closing_stops_the_worker(worker: ChartWorker) -> None:
    pid = await worker.pid()
    await asyncio.to_thread(worker.close)
    assert await gone(pid)


def test_the_bot_process_never_loads_matplotlib() -> None:
    # A fresh interpreter: this one has imported the chart module for the tests above.
    probe = (
        "import sys, bot.operations, bot.app, bot.render.chart_worker;"
        "sys.exit('matplotlib' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", probe], timeout=60).returncode == 0
