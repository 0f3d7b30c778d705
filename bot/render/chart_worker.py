"""/stats charts drawn in a process of their own.

Why: matplotlib spends 200-290 ms of CPU on a chart (measured alone), and in a thread of the
bot it holds the GIL for most of that, so every other reader's reply waited meanwhile. In a
worker process the bot's event loop and threads keep running.

The worker is spawned (not forked: the bot has threads) on the first chart, so a bot that is
never asked for one never starts it; it draws one chart at a time, and if it dies (killed, out
of memory) the next chart starts a new one.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial

from bot.storage.records import Stats

__all__ = ["ChartWorker"]

log = logging.getLogger(__name__)

WORKER_NICENESS = 5
"""Added to the worker's niceness: its CPU goes to the bot first."""


def draw(stats: Stats, *, title: str, lang: str = "zh") -> bytes:
    """:func:`~bot.render.charts.render_stats_chart`, imported in the worker: the bot's own
    process never loads matplotlib (0.4 s of every start-up, ``digest send`` included, and
    its memory)."""
    from bot.render.charts import render_stats_chart

    return render_stats_chart(stats, title=title, lang=lang)


class ChartWorker:
    """Renders /stats charts (:func:`~bot.render.charts.render_stats_chart`) in one worker
    process, started on first use and again after it died."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    async def render(self, stats: Stats, *, title: str, lang: str = "zh") -> bytes:
        """The chart's PNG bytes, labelled in ``lang``, drawn in the worker process."""
        loop = asyncio.get_running_loop()
        job = partial(draw, stats, title=title, lang=lang)
        pool = self._running()
        try:
            return await loop.run_in_executor(pool, job)
        except BrokenProcessPool:
            log.warning("the chart process died; starting another for this chart")
            self._discard(pool)
            return await loop.run_in_executor(self._running(), job)

    async def pid(self) -> int:
        """The worker's process id (starting it if none runs)."""
        return await asyncio.get_running_loop().run_in_executor(self._running(), os.getpid)

    def close(self) -> None:
        """Stop the worker (a chart being drawn is abandoned)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _running(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_quiet_worker,
                )
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)


def _quiet_worker() -> None:
    """Ctrl-C is for the bot, which stops the worker; and on a busy machine the bot's own work
    (every other reader's reply) comes before a chart."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(WORKER_NICENESS)
