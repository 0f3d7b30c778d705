"""Real ``baozhai`` processes for tests: a config file, a subprocess, its exit and output.

The crash and failover tests need what only separate processes have: SIGKILL, SIGSTOP,
two processes competing for one database. The local Bot API server stays in the test's own
event loop, so every request the processes make is seen there.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from bot.ingest.inbox import LOCK_NAME
from bot.storage.engine import is_sqlite
from tests.bot.running_bot import PAPER, TOKEN


def url_text(db_url: str | URL) -> str:
    return db_url if isinstance(db_url, str) else db_url.render_as_string(hide_password=False)


def process_config(
    folder: Path,
    *,
    db_url: str | URL,
    api_base_url: str,
    lease_seconds: float,
    rate: float = 1000,
    name: str = "config.toml",
) -> Path:
    """A config for a bot process: paid-broadcast rate (the local server has no limit set),
    short leases, this test's database."""
    path = folder / name
    path.write_text(
        f"""
[telegram]
api_base_url = "{api_base_url}"

[storage]
url = "{url_text(db_url)}"

[schedule]
timezone = "Asia/Shanghai"
poll_interval_seconds = 3600
settle_seconds = 0

[[papers]]
name = "{PAPER}"
inbox = "inbox"

[delivery]
messages_per_second = {rate}
allow_paid_broadcast = true
per_chat_interval_seconds = 1.0

[service]
lease_seconds = {lease_seconds}
""",
        encoding="utf-8",
    )
    return path


@dataclass
class BotProcess:
    """A running ``baozhai`` subprocess (stdout and stderr collected)."""

    process: asyncio.subprocess.Process
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    _readers: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def wait(self, timeout: float = 60.0) -> int:
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.gather(*self._readers)
        return code

    def output(self) -> str:
        return self.stdout.decode() + self.stderr.decode()

    async def freeze(self, db_url: str | URL) -> None:
        """SIGSTOP the process at a moment it holds no SQLite write lock.

        SQLite cannot end another process's transaction: a process frozen inside a write
        transaction keeps the write lock, and every other writer (a standby taking the lease
        over included) waits until it runs again or dies; the README says so. PostgreSQL ends
        such a transaction after a lease (``stuck_transaction_seconds``), so there it is frozen
        wherever it is. About one freeze in 300 lands inside a write on SQLite: thawed and
        frozen again a moment later.
        """
        path = make_url(db_url).database if is_sqlite(db_url) else None
        for _ in range(50):
            self.process.send_signal(signal.SIGSTOP)
            if path is None or not await asyncio.to_thread(_write_locked, path):
                return
            self.process.send_signal(signal.SIGCONT)
            await asyncio.sleep(0.05)
        raise AssertionError(f"process {self.pid} kept the SQLite write lock through 50 tries")


def _write_locked(path: str) -> bool:
    """Whether another connection holds ``path``'s write lock (for a fifth of a second)."""
    connection = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


async def _pump(stream: asyncio.StreamReader | None, sink: bytearray) -> None:
    if stream is None:
        return
    while chunk := await stream.read(65536):
        sink.extend(chunk)


async def start_baozhai(config: Path, *args: str) -> BotProcess:
    """``python -m bot --config CONFIG ARGS...`` with the test token in the environment."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    env.pop("BAOZHAI_STORAGE_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=config.parent,
    )
    running = BotProcess(process)
    running._readers = [
        asyncio.create_task(_pump(process.stdout, running.stdout)),
        asyncio.create_task(_pump(process.stderr, running.stderr)),
    ]
    return running


_HOLD_LOCK = """\
import fcntl, sys
lock = open(sys.argv[1], "a")
fcntl.flock(lock, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


@contextmanager
def inbox_held_by_another_process(inbox: Path) -> Iterator[None]:
    """Another process holds ``inbox``'s ingest lock, as one ingesting it does, until the
    block ends (then it exits, and the lock dies with it)."""
    inbox.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(inbox / LOCK_NAME)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline() == "locked\n"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()
