"""Load: 200 readers at once sending /today, /article, /search and /stats to the real bot.

Why: a reader waits for every reply, and one slow query or one handler that works on the
event loop holds up every other reader's reply too. This measures what readers see with the
archive at scale (:mod:`bench.archive`, default 1,000,000 articles), on SQLite and on
PostgreSQL.

The bot is ``baozhai run`` (:func:`bot.cli.main`) in a process of its own, so its peak RSS is
honest, polling the local Bot API server (:mod:`bot.localapi`) over real HTTP; the server and
the simulated readers live in this process. Each reader is subscribed to one of the archive's
papers (round robin); a command is ``/today`` (that paper's newest digest: 100 articles, five
messages), ``/article N`` (1-100), ``/search`` with a query of :data:`bench.search.MIX`
(common and rare words, phrases, filters, newest first), ``/stats``, or ``/help``: no
database work, the **baseline** of the same run (HTTP, PTB, the emulator and the machine's
load; the other rows are also given as a ratio of it). After a command a reader waits for the
whole reply (until no message came for :data:`QUIET` s: the bot spaces one chat's messages a
second apart, as Telegram wants).

Latency is the time from the reader's message arriving at the server to the bot's first reply
arriving there (a /today's first message; the rest follow a second apart). Phases, in order:

* **alone**: no load; five readers one after another, each command once. Each reader has a
  paper of its own, so its /today and /stats make that paper's digest and chart: the caches'
  cold cost ("stats, cold" is the very first /stats, when matplotlib starts too).
* **burst**: all 200 readers send one command at the same moment (the five in turn). The
  bot's PTB ``AIORateLimiter`` holds replies to Telegram's 30 messages a second overall, so
  200 first replies take at least 6.7 s to go out: this row shows that queue. The steady
  phase starts once the bot has sent nothing for :data:`BURST_DRAINED` s (the burst's
  /today parts still going out would otherwise be timed as steady load).
* **steady** (``--seconds``, default 120; the targets): the readers go on at a reader's pace,
  :data:`THINK` s between a whole reply and the next command, about 11 commands and 21
  replies a second, under the 30 a second. A /stats whose chart (paper and language) nobody
  asked for before renders it: it counts as "stats, cold" (four a run), not as a cached one.

The event loop: the bot process times every callback its loop runs (the check asyncio's debug
mode makes for ``slow_callback_duration``, without debug mode's other costs), keeping those
over :data:`SLOW_CALLBACK_MS` with their wall and CPU time and where the task was before and
after (file:line). Work on the loop (rendering, a query) is CPU time there; a callback's wall
time also counts the moments a shared machine did not run the process.

The archive is never written: SQLite runs on a copy of the cached file, PostgreSQL on
``CREATE DATABASE … TEMPLATE`` of the cached database; both removed after. Targets (steady
phase): p99 < 50 ms for /today and /article, < 150 ms for /search, /stats from its cache
(p99 < 50 ms), no callback with 10 ms of CPU on the loop, every command answered and no error
logged. Usage: ``python -m bench.load [--articles N] [--backends sqlite,postgres]
[--users 200] [--seconds 120] [--out PATH] [--check]``; also ``python -m bench load``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import json
import os
import random
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import archive
from bench.common import (
    RESULTS_DIR,
    Target,
    bench_parser,
    console_for_tables,
    finish,
    names_in,
    out_option,
    peak_rss_mib,
)
from bench.search import MIX, PG_SERVER, ensure_archive

TOKEN = "123456:BENCH-LOAD-TOKEN"
BACKENDS = ("sqlite", "postgres")
USERS = 200
FIRST_CHAT = 300_001
COMMANDS = ("today", "article", "search", "stats", "help")
P99_TARGETS_MS = {"today": 50.0, "article": 50.0, "search": 150.0, "stats": 50.0}
SLOW_CALLBACK_MS = 10.0
QUIET = 1.3  # seconds without a message: the reply is complete (one chat: 1 message/s)
# Seconds a reader reads before the next command: 200 readers then send about 11 commands and
# 21 messages come back a second, under the 30 a second Telegram allows a bot overall (PTB's
# AIORateLimiter in the bot holds replies to it; beyond it the figures time that queue).
THINK = (10.0, 20.0)
REPLY_TIMEOUT = 30.0
BURST_DRAINED = 3.0  # seconds without any message: the burst's replies are all out
STARTUP_TIMEOUT = 300.0
ALONE_REPEATS = 5
QUERIES = tuple(q for queries in MIX.values() for q in queries)


# --- the archive, copied for a run ---------------------------------------------------------


def _admin_url() -> str:
    return PG_SERVER.replace("postgresql+psycopg://", "postgresql://")


@contextlib.contextmanager
def archive_copy(kind: str, articles: int, folder: Path, console: Console) -> Iterator[str]:
    """A writable copy of the cached archive (the bot writes readers, leases, polls), removed
    after the run; its SQLAlchemy URL."""
    ensure_archive(kind, articles, console)
    if kind == "sqlite":
        source, target = archive.sqlite_path(articles), folder / "archive.sqlite"
        started = time.monotonic()
        shutil.copyfile(source, target)
        wal = source.with_name(source.name + "-wal")
        if wal.is_file() and wal.stat().st_size:  # a reader has it open and it is not merged
            shutil.copyfile(wal, target.with_name(target.name + "-wal"))
        console.print(f"copied the SQLite archive in {time.monotonic() - started:.0f} s")
        try:
            yield f"sqlite:///{target}"
        finally:
            target.unlink(missing_ok=True)
        return
    import psycopg

    name = f"baozhai_load_{uuid.uuid4().hex[:8]}"
    template = archive.pg_database(articles)
    started = time.monotonic()
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        while True:  # the template must have no other connection at this moment
            try:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except psycopg.errors.ObjectInUse:
                if time.monotonic() - started > 1200:
                    raise
                time.sleep(2)
    console.print(f"copied the PostgreSQL archive in {time.monotonic() - started:.0f} s")
    base, _, _ = PG_SERVER.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(_admin_url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(url: str, chats: Sequence[int]) -> None:
    """The readers, subscribed round robin to one paper each (the store migrates first)."""
    from bot.storage.store import Store

    with Store(url) as store:
        for index, paper in enumerate(archive.PAPERS):
            mine = chats[index :: len(archive.PAPERS)]
            store.subscribers.subscribe_many(mine, "zh", [paper])


def write_config(folder: Path, url: str, api_base_url: str) -> Path:
    """The bot's configuration: the archive's papers (empty inboxes), no Telegram limit in
    the server and the paid-broadcast rate in the bot, so the figures are Baozhai's own."""
    papers = "".join(
        f'\n[[papers]]\nname = "{paper}"\ninbox = "inbox-{i}"\n'
        for i, paper in enumerate(archive.PAPERS)
    )
    path = folder / "config.toml"
    path.write_text(
        f"""
[telegram]
api_base_url = "{api_base_url}"

[storage]
url = "{url}"

[schedule]
timezone = "Asia/Shanghai"
poll_interval_seconds = 3600
{papers}
[delivery]
messages_per_second = 1000
allow_paid_broadcast = true
per_chat_interval_seconds = 1.0

[logging]
level = "WARNING"
""",
        encoding="utf-8",
    )
    return path


# --- the readers ---------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class Sample:
    """One command and how long its first reply took (None: no reply in time)."""

    command: str
    phase: str  # "alone", "burst", "steady"
    ms: float | None
    at: float = dataclasses.field(default_factory=time.time)  # when the reply was complete


class Inboxes:
    """When each of the bot's messages arrived at the server, per chat: a server listener."""

    def __init__(self) -> None:
        self.arrivals: dict[int, list[float]] = defaultdict(list)
        self.last = 0.0  # when the newest message to any chat came (perf_counter)
        self._changed: dict[int, asyncio.Event] = defaultdict(asyncio.Event)

    def __call__(self, event: str, message: Any) -> None:
        if event == "sent":
            self.last = time.perf_counter()
            self.arrivals[message.chat_id].append(self.last)
            self._changed[message.chat_id].set()

    async def first_reply(self, chat: int, seen: int, timeout: float) -> float | None:
        """When message ``seen`` (0-based) to ``chat`` came (perf_counter); None after
        ``timeout`` seconds."""
        deadline = time.perf_counter() + timeout
        arrivals = self.arrivals[chat]
        while len(arrivals) <= seen:
            event = self._changed[chat]
            event.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
        return arrivals[seen]

    async def quiet(self, chat: int) -> None:
        """Wait until no message came to ``chat`` for :data:`QUIET` seconds."""
        arrivals = self.arrivals[chat]
        while arrivals and (wait := arrivals[-1] + QUIET - time.perf_counter()) > 0:
            await asyncio.sleep(wait)

    async def all_quiet(self, seconds: float) -> None:
        """Wait until no message came to any chat for ``seconds``: the bot's queue is empty.

        One chat's quiet is not enough after a burst: 200 replies share the 30 messages a
        second Telegram allows overall, so a /today's next part can come more than
        :data:`QUIET` s after its last, and the burst's tail would be timed as steady load."""
        while (wait := self.last + seconds - time.perf_counter()) > 0:
            await asyncio.sleep(wait)


def command_text(command: str, rng: random.Random) -> str:
    if command == "article":
        return f"/article {rng.randint(1, archive.PER_PAPER_PER_DAY)}"
    if command == "search":
        return f"/search {rng.choice(QUERIES)}"
    return f"/{command}"


async def ask(
    server: Any, inboxes: Inboxes, chat: int, text: str, timeout: float = REPLY_TIMEOUT
) -> float | None:
    """Send ``text`` as reader ``chat``; ms to the first reply, after the whole reply came."""
    seen = len(inboxes.arrivals[chat])
    sent = time.perf_counter()
    await server.user(chat).send(text)
    arrived = await inboxes.first_reply(chat, seen, timeout)
    await inboxes.quiet(chat)
    return None if arrived is None else (arrived - sent) * 1000


async def burst(server: Any, inboxes: Inboxes, chats: Sequence[int]) -> list[Sample]:
    """Every reader sends one command at the same moment (the commands in turn)."""
    rng = random.Random(2)
    commands = [COMMANDS[i % len(COMMANDS)] for i in range(len(chats))]
    texts = [command_text(command, rng) for command in commands]
    found = await asyncio.gather(
        *(ask(server, inboxes, chat, text) for chat, text in zip(chats, texts, strict=True))
    )
    return [Sample(c, "burst", ms) for c, ms in zip(commands, found, strict=True)]


async def reader(
    server: Any,
    inboxes: Inboxes,
    chat: int,
    until: float,
    think: tuple[float, float],
    chart: tuple[int, bool],
    charted: set[tuple[int, bool]],
) -> list[Sample]:
    """One reader at a reader's pace: a first command within ``think``, then a random command
    ``think`` seconds after each whole reply, until ``until`` (perf_counter).

    The first /stats of a chart (``chart``: the reader's paper and language; ``charted``: the
    charts asked for so far, shared by all readers) is a "stats, cold": it renders the chart,
    so it is not one of the cached replies the steady /stats row measures."""
    rng = random.Random(chat)
    samples = []
    await asyncio.sleep(rng.uniform(0, think[1]))
    while time.perf_counter() < until:
        command = rng.choice(COMMANDS)
        label = command
        if command == "stats" and chart not in charted:
            charted.add(chart)
            label = "stats, cold"
        ms = await ask(server, inboxes, chat, command_text(command, rng))
        samples.append(Sample(label, "steady", ms))
        await asyncio.sleep(rng.uniform(*think))
    return samples


async def alone(server: Any, inboxes: Inboxes, chats: Sequence[int]) -> list[Sample]:
    """No load: one reader at a time sends each command, a reader per round (a reader sending
    25 commands a minute would be throttled: 20 is the limit)."""
    rng = random.Random(1)
    samples = []
    for round_, chat in enumerate(chats):
        for command in COMMANDS:
            ms = await ask(server, inboxes, chat, command_text(command, rng))
            cold = command == "stats" and round_ == 0
            samples.append(Sample("stats, cold" if cold else command, "alone", ms))
    return samples


# --- a run ---------------------------------------------------------------------------------


def english(index: int) -> bool:
    """Whether the reader at ``index`` has an English client (one in four; the rest Chinese)."""
    return index % 4 == 3


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run_backend(
    kind: str,
    url: str,
    users: int,
    seconds: float,
    folder: Path,
    *,
    think: tuple[float, float] = THINK,
    repeats: int = ALONE_REPEATS,
) -> dict[str, Any]:
    """Start the server and the bot, measure, stop; the row of one backend (``url``: a copy
    of an archive the bot may write to)."""
    from bot.localapi.server import LocalBotApi

    chats = list(range(FIRST_CHAT, FIRST_CHAT + users + repeats))
    readers, quiet = chats[:users], chats[users:]
    await asyncio.to_thread(prepare, url, chats)
    server = LocalBotApi(TOKEN, per_chat_rate=None, global_rate=None, paid_rate=None)
    for i, chat in enumerate(chats):
        server.user(chat, f"读者{i}", language_code="en" if english(i) else "zh-hans")
    inboxes = Inboxes()
    server.add_listener(inboxes)
    await server.start()
    config = write_config(folder, url, server.base_url)
    out, err = folder / "bot.out", folder / "bot.err"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    env.pop("BAOZHAI_STORAGE_URL", None)
    with out.open("wb") as stdout, err.open("wb") as stderr:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.load", "--bot", str(config),
            stdout=stdout, stderr=stderr, env=env,
        )
    try:
        started = time.perf_counter()
        if await ask(server, inboxes, quiet[0], "/help", STARTUP_TIMEOUT) is None:
            tail = (out.read_text() + err.read_text())[-3000:]
            raise RuntimeError(f"the bot did not answer /help in {STARTUP_TIMEOUT:g} s:\n{tail}")
        startup = time.perf_counter() - started
        window_start, driver_cpu = time.time(), time.process_time()
        samples = await alone(server, inboxes, quiet)
        load_before = _load()
        samples += await burst(server, inboxes, readers)
        await inboxes.all_quiet(BURST_DRAINED)
        sent_before = sum(len(times) for times in inboxes.arrivals.values())
        load_started, steady_start = time.perf_counter(), time.time()
        # The chart of a reader's /stats: paper (round robin, as in prepare) and language.
        chart = {chat: (i % len(archive.PAPERS), english(i)) for i, chat in enumerate(chats)}
        charted = {chart[chat] for chat in quiet} | {
            chart[chat]
            for i, chat in enumerate(readers)
            if COMMANDS[i % len(COMMANDS)] == "stats"  # as burst sends them
        }
        tasks = [
            asyncio.create_task(
                reader(
                    server, inboxes, chat, load_started + seconds, think, chart[chat], charted
                )
            )
            for chat in readers
        ]
        for found in await asyncio.gather(*tasks):
            samples.extend(found)
        load_seconds = time.perf_counter() - load_started
        messages = sum(len(times) for times in inboxes.arrivals.values()) - sent_before
        window_end, driver_cpu = time.time(), time.process_time() - driver_cpu
        load_after = _load()
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(bot.wait(), 60)
        except TimeoutError:
            bot.kill()
            await bot.wait()
        await server.stop()
    report = _bot_report(out.read_text(), err.read_text())
    slow = [c for c in report["slow_callbacks"] if window_start <= c["at"] <= window_end]
    steady = [s for s in samples if s.phase == "steady"]
    return {
        "backend": kind,
        "users": users,
        "seconds": load_seconds,
        "startup_seconds": startup,
        "commands": len(steady),
        "commands_per_second": len(steady) / load_seconds,
        "messages_per_second": messages / load_seconds,
        "unanswered": sum(1 for s in samples if s.ms is None),
        "load_before": load_before,
        "load_after": load_after,
        "rows": _rows(samples),
        "peak_rss_mib": report["peak_rss_mib"],
        "cpu_seconds": report["cpu"],
        "driver_cpu_seconds": driver_cpu,
        "errors_logged": report["errors_logged"],
        "loop": _loop_summary(slow, report["callbacks"], steady_start),
        "slowest": [
            {"command": s.command, "ms": s.ms, "at": round(s.at - window_start, 2)}
            for s in sorted(steady, key=lambda s: -(s.ms or 1e9))[:20]
        ],
        "slow_callbacks": [
            {**c, "at": round(c["at"] - window_start, 2)} for c in slow if c["ms"] >= 100
        ],
        "collections_over_threshold": [
            {**c, "at": round(c["at"] - window_start, 2)}
            for c in report["collections"]
            if window_start <= c["at"] <= window_end
        ],
    }


def _bot_report(out: str, err: str) -> dict[str, Any]:
    lines = [line for line in out.strip().splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError("the bot process reported nothing:\n" + (out + err)[-3000:])
    report: dict[str, Any] = json.loads(lines[-1])
    report["errors_logged"] = sum(1 for line in err.splitlines() if " ERROR " in line)
    return report


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _rows(samples: list[Sample]) -> dict[str, dict[str, dict[str, float]]]:
    """phase → command → n, p50, p99, max (answered commands only), unanswered."""
    grouped: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for s in samples:
        grouped[(s.phase, s.command)].append(s)
    rows: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for (phase, command), found in sorted(grouped.items()):
        ms = [s.ms for s in found if s.ms is not None]
        rows[phase][command] = {
            "n": len(found),
            "unanswered": len(found) - len(ms),
            "p50_ms": statistics.median(ms) if ms else float("nan"),
            "p99_ms": _percentile(ms, 0.99) if ms else float("nan"),
            "max_ms": max(ms) if ms else float("nan"),
        }
    return dict(rows)


def _loop_summary(
    slow: list[dict[str, Any]], callbacks: int, steady_start: float
) -> dict[str, Any]:
    """What the loop did over the threshold; ``busy``: each callback with the threshold's CPU,
    with its phase (the target counts the steady phase's, as for the replies: a burst of 200
    commands makes PTB decode 100 updates in one polling callback)."""
    busy = [c for c in slow if c["cpu_ms"] >= SLOW_CALLBACK_MS]
    where: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in slow:
        where[c["where"]].append(c)
    top = sorted(where.items(), key=lambda kv: -sum(c["cpu_ms"] for c in kv[1]))[:8]
    return {
        "callbacks": callbacks,
        "threshold_ms": SLOW_CALLBACK_MS,
        "over_threshold_cpu": len(busy),
        "steady_over_threshold_cpu": sum(1 for c in busy if c["at"] >= steady_start),
        "busy": [
            {
                "phase": "steady" if c["at"] >= steady_start else "alone or burst",
                "after_steady_start_s": round(c["at"] - steady_start, 2),
                "where": c["where"],
                "cpu_ms": round(c["cpu_ms"], 1),
                "wall_ms": round(c["ms"], 1),
            }
            for c in busy
        ],
        "max_cpu_ms": max((c["cpu_ms"] for c in slow), default=0.0),
        "over_threshold_wall": len(slow),
        "max_wall_ms": max((c["ms"] for c in slow), default=0.0),
        "top": [
            {
                "where": w,
                "count": len(found),
                "max_wall_ms": max(c["ms"] for c in found),
                "max_cpu_ms": max(c["cpu_ms"] for c in found),
                "cpu_ms": sum(c["cpu_ms"] for c in found),
            }
            for w, found in top
        ],
    }


# --- inside the bot process ----------------------------------------------------------------


class SlowCallbacks:
    """Times every callback the event loop runs, as asyncio's debug mode does for
    ``slow_callback_duration`` (``BaseEventLoop._run_once``), and keeps those over the
    threshold with where their task was before and after.

    Both the wall time and the main thread's CPU time are kept: on a shared machine a
    callback's wall time also counts the moments the process was not scheduled or waited for
    the GIL, while its CPU time is work it did on the loop.
    """

    def __init__(self, threshold_ms: float) -> None:
        self.threshold = threshold_ms / 1000
        self.count = 0
        self.slow: list[dict[str, Any]] = []

    def install(self) -> None:
        original = asyncio.events.Handle._run
        wall, cpu = time.perf_counter, time.thread_time

        def timed(handle: asyncio.events.Handle) -> None:
            self.count += 1
            before = _position(handle)
            started, used = wall(), cpu()
            original(handle)
            took, used = wall() - started, cpu() - used
            if took >= self.threshold:
                self.slow.append({
                    "at": time.time(), "ms": took * 1000, "cpu_ms": used * 1000,
                    "where": f"{before} -> {_position(handle)}",
                })

        setattr(asyncio.events.Handle, "_run", timed)  # noqa: B010 (mypy: a method)


_OURS = str(Path(__file__).resolve().parents[1] / "bot")


def _position(handle: asyncio.events.Handle) -> str:
    """Where a task callback's coroutine is: the innermost frame in ``bot/`` (else the
    task's own coroutine), as file:line; other callbacks by name."""
    callback = handle._callback  # type: ignore[attr-defined]
    task = getattr(callback, "__self__", None)
    if not isinstance(task, asyncio.Task):
        return str(getattr(callback, "__qualname__", callback))
    coro: Any = task.get_coro()
    chosen = None
    while coro is not None and getattr(coro, "cr_frame", None) is not None:
        frame = coro.cr_frame
        if chosen is None or frame.f_code.co_filename.startswith(_OURS):
            chosen = frame
        coro = getattr(coro, "cr_await", None)
    if chosen is None:
        return f"{getattr(task.get_coro(), '__qualname__', task)} (done)"
    short = "/".join(Path(chosen.f_code.co_filename).parts[-2:])
    return f"{chosen.f_code.co_qualname} {short}:{chosen.f_lineno}"


def _time_collections() -> list[dict[str, Any]]:
    """The garbage collector's runs over :data:`SLOW_CALLBACK_MS` (when, generation, ms): a
    full collection of a large heap stops the loop as a blocking call would."""
    found: list[dict[str, Any]] = []
    started = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        ms = (time.perf_counter() - started[0]) * 1000
        if ms >= SLOW_CALLBACK_MS:
            found.append({"at": time.time(), "generation": info["generation"], "ms": ms})

    gc.callbacks.append(timed)
    return found


def bot_main(config: str) -> int:
    """``baozhai run`` in this process with the loop timed; then what it measured as JSON."""
    from bot.cli import main as baozhai

    watch = SlowCallbacks(SLOW_CALLBACK_MS)
    watch.install()
    collections = _time_collections()
    code = baozhai(["--config", config, "run"])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "code": code,
                "peak_rss_mib": peak_rss_mib(),
                "cpu": usage.ru_utime + usage.ru_stime,
                "callbacks": watch.count,
                "slow_callbacks": watch.slow,
                "collections": collections,
            },
            ensure_ascii=False,
        ),
        flush=True,
    )
    return code


# --- results -------------------------------------------------------------------------------


def targets(result: dict[str, Any]) -> list[Target]:
    found = []
    for backend in result["backends"]:
        kind = backend["backend"]
        steady = backend["rows"].get("steady", {})
        for command, goal in P99_TARGETS_MS.items():
            row = steady.get(command)
            if row is None:
                found.append(Target(f"{kind} {command} p99", "no samples", f"< {goal:g} ms", None))
                continue
            found.append(
                Target(
                    f"{kind} /{command} p99 (steady, {backend['users']} readers)",
                    f"{row['p99_ms']:.1f} ms",
                    f"< {goal:g} ms",
                    row["p99_ms"] < goal,
                )
            )
        loop = backend["loop"]
        found.append(
            Target(
                f"{kind} event-loop callbacks with over {loop['threshold_ms']:g} ms of CPU"
                " (steady)",
                f"{loop['steady_over_threshold_cpu']} (of {loop['over_threshold_cpu']} in the"
                f" run; most {loop['max_cpu_ms']:.0f} ms)",
                "0",
                loop["steady_over_threshold_cpu"] == 0,
            )
        )
        found.append(
            Target(
                f"{kind} commands without a reply in {REPLY_TIMEOUT:g} s, errors logged",
                f"{backend['unanswered']}, {backend['errors_logged']}",
                "0, 0",
                backend["unanswered"] == 0 and backend["errors_logged"] == 0,
            )
        )
    return found


def render(result: dict[str, Any], console: Console) -> None:
    for backend in result["backends"]:
        table = Table(
            title=f"load, {backend['backend']}, {result['articles']:,} articles, "
            f"{backend['users']} readers for {backend['seconds']:.0f} s: "
            f"{backend['commands_per_second']:.1f} commands/s, "
            f"{backend['messages_per_second']:.1f} replies/s; peak RSS "
            f"{backend['peak_rss_mib']:.0f} MiB; load {backend['load_before']} -> "
            f"{backend['load_after']}"
        )
        for column in ("command", "alone p50", "burst p50", "burst p99", "steady n",
                       "steady p50", "steady p99", "p99 / help", "max"):
            table.add_column(column, justify="left" if column == "command" else "right")
        rows = backend["rows"]
        baseline = rows.get("steady", {}).get("help", {}).get("p99_ms")
        for command in (*COMMANDS, "stats, cold"):
            quiet = rows.get("alone", {}).get(command)
            burst = rows.get("burst", {}).get(command)
            steady = rows.get("steady", {}).get(command)
            table.add_row(
                f"/{command}",
                f"{quiet['p50_ms']:.1f}" if quiet else "",
                f"{burst['p50_ms']:.0f}" if burst else "",
                f"{burst['p99_ms']:.0f}" if burst else "",
                str(steady["n"]) if steady else "",
                f"{steady['p50_ms']:.1f}" if steady else "",
                f"{steady['p99_ms']:.1f}" if steady else "",
                f"{steady['p99_ms'] / baseline:.1f}×" if steady and baseline else "",
                f"{steady['max_ms']:.0f}" if steady else "",
            )
        console.print(table)
        loop = backend["loop"]
        console.print(
            f"event loop: {loop['callbacks']:,} callbacks; over {loop['threshold_ms']:g} ms: "
            f"{loop['over_threshold_cpu']} of CPU ({loop['steady_over_threshold_cpu']} in the "
            f"steady phase; most {loop['max_cpu_ms']:.0f} ms), "
            f"{loop['over_threshold_wall']} of wall time (most {loop['max_wall_ms']:.0f} ms); "
            f"unanswered {backend['unanswered']}, errors logged {backend['errors_logged']}; "
            f"CPU: bot {backend['cpu_seconds']:.0f} s, readers and server "
            f"{backend['driver_cpu_seconds']:.0f} s; "
            f"bot start-up {backend['startup_seconds']:.0f} s; garbage collections over "
            f"{loop['threshold_ms']:g} ms: {len(backend['collections_over_threshold'])} (most "
            f"{max((c['ms'] for c in backend['collections_over_threshold']), default=0):.0f} ms)"
        )
        for top in loop["top"]:
            console.print(
                f"  {top['count']}× wall up to {top['max_wall_ms']:.0f} ms, CPU up to "
                f"{top['max_cpu_ms']:.0f} ms: {top['where']}",
                markup=False, highlight=False,
            )


def run(
    *,
    articles: int = 1_000_000,
    backends: Sequence[str] = BACKENDS,
    users: int = USERS,
    seconds: float = 120.0,
    out: Path = RESULTS_DIR / "load.json",
    console: Console | None = None,
    check: bool = False,
) -> int:
    """Measure each backend, print the tables and targets, write the JSON."""
    console = console or console_for_tables()
    measured = []
    for kind in backends:
        with (
            tempfile.TemporaryDirectory(prefix="baozhai-bench-load-") as folder,
            archive_copy(kind, articles, Path(folder), console) as url,
        ):
            row = asyncio.run(run_backend(kind, url, users, seconds, Path(folder)))
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
        measured.append(row)
    result: dict[str, Any] = {
        "articles": articles,
        "cpus": os.cpu_count(),
        "think_seconds": THINK,
        "backends": measured,
    }
    return finish(result, targets(result), render, out, console, check=check)


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser("python -m bench.load", __doc__)
    parser.add_argument(
        "--articles", type=int, default=1_000_000, help="archive size (built once, then cached)"
    )
    parser.add_argument(
        "--backends",
        type=lambda t: names_in(t, BACKENDS),
        default=list(BACKENDS),
        help="comma-separated: " + ",".join(BACKENDS),
    )
    parser.add_argument("--users", type=int, default=USERS, help="simulated readers")
    parser.add_argument("--seconds", type=float, default=120.0, help="the steady phase")
    parser.add_argument("--quick", action="store_true", help="a 30-second steady phase")
    out_option(parser, "load.json")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--bot", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bot is not None:
        return bot_main(args.bot)
    return run(
        articles=args.articles,
        backends=args.backends,
        users=args.users,
        seconds=30.0 if args.quick else args.seconds,
        out=args.out,
        check=args.check,
    )


if __name__ == "__main__":
    sys.exit(main())
