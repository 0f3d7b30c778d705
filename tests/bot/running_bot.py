"""A running Baozhai: the real Application, over real HTTP, against the local Bot API server.

Nothing of ours is replaced: the configuration is a real ``config.toml`` read by
``load_config``, the archive a real database (SQLite file or PostgreSQL), the inbox a real
folder, and the scheduler the real JobQueue. Tests move time by asking the scheduler to run
a job now, exactly as it would at its time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.ext import Application

from bot.app import build_application, make_services
from bot.components.jobs import POLL_JOB, digest_job_id
from bot.config import Config, load_config
from bot.delivery import DeliveryPolicy
from bot.local_api import LocalBotApi, LocalUser
from bot.store import Store

TOKEN = "424242:E2E-TEST-TOKEN"
PAPER = "浙江工人日报"
# Zones far enough apart that in one of them it is always between 01:00 and 21:59.
_ZONES = ("Asia/Shanghai", "Europe/London", "America/New_York", "Pacific/Honolulu")


def zone_with_time_ahead() -> tuple[ZoneInfo, dt.time]:
    """A timezone and a digest time two hours ahead of now there (same day)."""
    for name in _ZONES:
        zone = ZoneInfo(name)
        now = dt.datetime.now(zone)
        if 1 <= now.hour <= 21:
            return zone, (now + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    raise AssertionError("no zone found")  # cannot happen: the zones span more than 20 hours


def zone_with_time_passed() -> tuple[ZoneInfo, dt.time]:
    """A timezone and a digest time that has already passed today there."""
    for name in _ZONES:
        zone = ZoneInfo(name)
        now = dt.datetime.now(zone)
        if 2 <= now.hour <= 22:
            return zone, (now - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    raise AssertionError("no zone found")


def write_config(
    folder: Path,
    *,
    db_url: str,
    api_base_url: str,
    zone: ZoneInfo,
    digest_time: dt.time,
    admins: tuple[int, ...] = (),
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
timezone = "{zone.key}"
digest_time = "{digest_time:%H:%M}"
poll_interval_seconds = 3600

[[papers]]
name = "{PAPER}"
inbox = "inbox"

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
    def inbox(self) -> Path:
        return self.config.papers[0].inbox

    def today(self) -> dt.date:
        return dt.datetime.now(self.config.schedule.timezone).date()

    def user(self, chat_id: int, name: str = "李雷", language: str = "zh-hans") -> LocalUser:
        return self.server.user(chat_id, name, language_code=language)

    def drop_edition(self, source: Path, date: dt.date, page: int = 1) -> Path:
        """Copy an edition page into the inbox under a dated name (old mtime: ready at once)."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        target = self.inbox / f"zjgrrb-{date.isoformat()}-p{page:02d}.txt"
        shutil.copy2(source, target)
        return target

    def run_job_now(self, job_id: str) -> None:
        """Ask the scheduler to run a job now, as if its time had come."""
        job = self.application.job_queue.scheduler.get_job(job_id)
        assert job is not None, f"no job {job_id!r}"
        job.modify(next_run_time=dt.datetime.now(self.config.schedule.timezone))

    def poll_now(self) -> None:
        self.run_job_now(POLL_JOB)

    def digest_now(self) -> None:
        self.run_job_now(digest_job_id(self.config.schedule.digest_time))


async def eventually(check: Callable[[], object | Awaitable[object]], timeout: float = 15.0):
    """Wait until ``check()`` is truthy (polling every 50 ms); return its value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.05)


FAST = DeliveryPolicy(backoff=0.05, max_backoff=0.2)


async def start_bot(
    folder: Path,
    db_url: str,
    *,
    zone: ZoneInfo,
    digest_time: dt.time,
    admins: tuple[int, ...] = (),
    server: LocalBotApi | None = None,
) -> RunningBot:
    """Start the server (unless given) and the bot; stop with :func:`stop_bot`."""
    if server is None:
        server = LocalBotApi(TOKEN)
        await server.start()
    config = load_config(
        write_config(
            folder,
            db_url=db_url,
            api_base_url=server.base_url,
            zone=zone,
            digest_time=digest_time,
            admins=admins,
        )
    )
    store = Store(config.storage.url)
    application = build_application(config, make_services(config, store, FAST))
    await application.initialize()
    await application.post_init(application)  # as run_polling does
    await application.start()
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    return RunningBot(server=server, application=application, store=store, config=config)


async def stop_bot(bot: RunningBot, *, keep_server: bool = False) -> None:
    await bot.application.updater.stop()
    await bot.application.stop()
    await bot.application.shutdown()
    bot.store.close()
    if not keep_server:
        await bot.server.stop()
