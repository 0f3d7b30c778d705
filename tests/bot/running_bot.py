"""A running Baozhai: the real Application, over real HTTP, against the local Bot API server.

Nothing of ours is replaced: the configuration is a real ``config.toml`` read by
``load_config``, the archive a real database (SQLite file or PostgreSQL), the inbox a real
folder, and the scheduler the real JobQueue. Tests set the bot's clock (``Services.clock``,
which every scheduling decision reads) and ask the scheduler to run a job now, exactly as it
would when that time came.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application

from bot.app import build_application, make_services
from bot.components.jobs import POLL_JOB, digest_job_id
from bot.config import Config, load_config
from bot.delivery import DeliveryPolicy
from bot.localapi.server import LocalBotApi, LocalGroup, LocalUser
from bot.services import Services, services
from bot.storage.store import Store

TOKEN = "424242:E2E-TEST-TOKEN"
PAPER = "浙江工人日报"
ZONE = ZoneInfo("Asia/Shanghai")
DIGEST_TIME = dt.time(7, 30)
# Long before any clock a test sets: dropped files are complete, not "still arriving". (Their
# ctime is the real present, which a clock a test sets in 2024 does not compare with; with the
# real clock, settle_seconds = 0 below lets them be taken at once.)
OLD_MTIME = 946_684_800  # 2000-01-01


def write_config(
    folder: Path, *, db_url: str, api_base_url: str, admins: tuple[int, ...] = (), extra: str = ""
) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f"""
[telegram]
token = "{TOKEN}"
api_base_url = "{api_base_url}"
admins = [{", ".join(str(a) for a in admins)}]

[storage]
url = "{db_url}"

[schedule]
timezone = "{ZONE.key}"
digest_time = "{DIGEST_TIME:%H:%M}"
poll_interval_seconds = 3600
settle_seconds = 0

[sources]
allow_addresses = ["127.0.0.1"]  # the e-paper site of a test (SiteServer)

[[papers]]
name = "{PAPER}"
inbox = "inbox"
{extra}
[delivery]
messages_per_second = 30
per_chat_interval_seconds = 1.0
""",
        encoding="utf-8",
    )
    return path


@dataclass
class RunningBot:
    server: LocalBotApi
    application: Application
    store: Store
    config: Config

    @property
    def services(self) -> Services:
        return services(self.application)

    @property
    def inbox(self) -> Path:
        return self.config.papers[0].inbox

    def set_clock(self, day: dt.date, time: dt.time) -> None:
        """From now on the bot believes it is ``time`` on ``day`` in the configured zone."""
        moment = dt.datetime.combine(day, time, tzinfo=ZONE)
        self.services.clock = lambda: moment

    def user(self, chat_id: int, name: str = "李雷", language: str = "zh-hans") -> LocalUser:
        return self.server.user(chat_id, name, language_code=language)

    def group_of_two(self, chat_id: int, title: str) -> tuple[LocalGroup, LocalUser, LocalUser]:
        """A supergroup with its owner (2001) and a plain member (2002)."""
        group = self.server.group(chat_id, title)
        owner = group.add(self.user(2001, "群主"), "creator")
        member = group.add(self.user(2002, "群友"))
        return group, owner, member

    def drop_edition(self, source: Path | bytes, date: dt.date, page: int = 1) -> Path:
        """Put an edition page (a file's copy, or bytes) into the inbox under a dated name,
        complete (an old mtime)."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        target = self.inbox / f"zjgrrb-{date.isoformat()}-p{page:02d}.txt"
        partial = target.with_name(target.name + ".part")  # a poll meanwhile waits for it
        if isinstance(source, bytes):
            partial.write_bytes(source)
        else:
            shutil.copy(source, partial)
        os.utime(partial, (OLD_MTIME, OLD_MTIME))
        partial.replace(target)
        return target

    async def run_job_now(self, job_id: str) -> None:
        """Ask the scheduler to run a job now, as if its time had come.

        First waits for a run of that job still under way (the poll runs once at start-up):
        jobs allow one instance, so a run asked for meanwhile would be skipped.
        """
        await self.job_done(job_id)
        job = self.application.job_queue.scheduler.get_job(job_id)
        assert job is not None, f"no job {job_id!r}"
        job.modify(next_run_time=dt.datetime.now(ZONE))

    async def job_done(self, job_id: str = POLL_JOB) -> None:
        """Wait until no run of the job is under way (a poll ends with its catch-up delivery,
        which reads the clock: move the clock only after it)."""
        scheduler = self.application.job_queue.scheduler
        job = scheduler.get_job(job_id)
        assert job is not None, f"no job {job_id!r}"
        running = scheduler._lookup_executor(job.executor)._instances  # APScheduler 3 internals
        await eventually(lambda: running.get(job_id, 0) == 0)

    async def start_up_poll_done(self) -> None:
        """Wait for the poll every start runs at once (its next run is then an interval
        away): a file dropped meanwhile would be read half-copied (tests settle nothing)."""
        job = self.application.job_queue.scheduler.get_job(POLL_JOB)
        assert job is not None, f"no job {POLL_JOB!r}"
        await eventually(
            lambda: (
                job.next_run_time is None
                or job.next_run_time > dt.datetime.now(ZONE) + dt.timedelta(seconds=60)
            )
        )
        await self.job_done()

    async def poll_now(self) -> None:
        await self.run_job_now(POLL_JOB)

    async def poll_to_end(self, job_id: str = POLL_JOB) -> None:
        """A poll run now (the inbox poll, or ``job_id``: a site's), waited for until it has
        ended (its deliveries included): unlike :meth:`poll_now` then :meth:`job_done`, which
        may look before the run has begun."""
        await self.run_job_now(job_id)
        job = self.application.job_queue.scheduler.get_job(job_id)
        asked = job.next_run_time  # now: once the run is taken up, the next one is planned
        await eventually(lambda: job.next_run_time != asked)
        await self.job_done(job_id)

    async def digest_now(self, at: dt.time = DIGEST_TIME) -> None:
        await self.run_job_now(digest_job_id(at))

    def deliveries(self, edition_id: int) -> int:
        """How many chats have this edition's digest recorded as sent."""
        return sum(
            self.store.deliveries.was_sent(edition_id, user.chat_id)
            for user in self.server.users.values()
        )


async def eventually(check: Callable[[], object | Awaitable[object]], timeout: float = 15.0):
    """Wait until ``check()`` is truthy (polling every 50 ms); return its value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.05)


FAST = DeliveryPolicy(backoff=0.05, max_backoff=0.2)


async def start_bot(
    folder: Path,
    db_url: str,
    *,
    admins: tuple[int, ...] = (),
    server: LocalBotApi | None = None,
    extra_config: str = "",
) -> RunningBot:
    """Start the server (unless given) and the bot, as ``run_polling`` would; stop with
    :func:`stop_bot`."""
    if server is None:
        server = LocalBotApi(TOKEN)
        await server.start()
    config = load_config(
        write_config(
            folder, db_url=db_url, api_base_url=server.base_url, admins=admins, extra=extra_config
        )
    )
    store = Store(config.storage.url)
    application = build_application(config, make_services(config, store, FAST))
    await application.initialize()
    await application.post_init(application)  # as run_polling does
    await application.start()
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    running = RunningBot(server=server, application=application, store=store, config=config)
    await running.start_up_poll_done()
    return running


@asynccontextmanager
async def bot_running(folder: Path, db_url: str, **options: Any) -> AsyncIterator[RunningBot]:
    """:func:`start_bot` … :func:`stop_bot` around a block."""
    running = await start_bot(folder, db_url, **options)
    try:
        yield running
    finally:
        await stop_bot(running)


async def stop_bot(bot: RunningBot, *, keep_server: bool = False) -> None:
    await bot.application.updater.stop()
    await bot.application.stop()
    await bot.application.shutdown()
    if bot.application.post_shutdown is not None:
        await bot.application.post_shutdown(bot.application)  # as run_polling does
    bot.store.close()
    if not keep_server:
        await bot.server.stop()
