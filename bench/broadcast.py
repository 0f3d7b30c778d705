"""Broadcast: one edition's digest to 10,000 readers through the product's own path.

Each run is a real ``baozhai digest send`` (:func:`bot.cli.main` in a process of its own, so its
peak RSS is honest) talking real HTTP, through python-telegram-bot, to the local Bot API server
(:mod:`bot.localapi`) running here, on a real database: a SQLite file, and a PostgreSQL schema
made for the run and dropped after it. The server counts what arrives, per chat.

Rows:

* **limited**: the server enforces Telegram's limits (30 messages/s overall, 1/s per chat, 429
  with ``retry_after`` beyond) and Baozhai is configured at 30/s. Targets: achieved rate at
  least 95 % of the configured rate, zero 429s, zero duplicates, every reader served.
* **paid**: no server limit, Baozhai at the paid-broadcast ceiling (1,000 messages/s,
  ``allow_paid_broadcast``), on SQLite and on PostgreSQL: our own overhead. Target: at least
  1,000 messages/s (95 % of it, as for the limited row: the pacer never lets more through), so
  that Telegram, never Baozhai, is the bottleneck.
* **transport baseline** (same run, same server, same machine): a bare PTB ``Bot`` on the
  product's transport (:mod:`bot.transport`) sending the same messages with the same
  concurrency and no pacer, no database, no ledger. The paid rows are also given as a ratio of
  it: on a small machine the local server and PTB themselves may be what limits, and the ratio
  shows how much of that ceiling Baozhai keeps. **stock PTB transport**: the same with PTB's
  default ``HTTPXRequest``, for reference (what the transport saves).
* **ledger alone** (in this process, no HTTP): the delivery ledger's writes for 1,000 chats by
  16 workers as the fan-out makes them (claim, on the wire, confirmed, sent), through the
  group commit (:mod:`bot.delivery.group_commit`) against one transaction per write (the
  baseline, same run). Target: at least 1,000 chats/s, so the ledger is never what limits a paid
  broadcast.

The achieved rate is the server's: messages received over the time from the first to the last
(process start-up and the subscriber query are reported apart, as "start-up"). Peak RSS is the
sender process's high-water mark (``VmHWM``); CPU per message is the sender's user + system
time (start-up included) over the messages; "of it ours" is that minus the transport
baseline's (Baozhai's own overhead beyond PTB), and the server's CPU per message is this
process's (the local server runs in it) while the sender ran. From the transport's two the
table's footer derives the CPU ceiling: the rate no one-process PTB sender can pass on this
machine (the client and server share the cores; one asyncio process uses one).
``--subscribers 2000`` (or ``--quick``) for a smoke run; the limited row alone takes
subscribers / 30 seconds per backend. Usage:
``python -m bench.broadcast [--subscribers N] [--rows limited,paid,ledger]
[--backends sqlite,postgresql] [--limited-backends sqlite] [--out PATH] [--check]``; also
``python -m bench broadcast``.
PostgreSQL: ``$BAOZHAI_BENCH_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/
test``); each run gets a schema of its own, dropped afterwards; unreachable, its rows are
skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import (
    PACKAGED_EDITION,
    RESULTS_DIR,
    Target,
    bench_parser,
    console_for_tables,
    finish,
    names_in,
    out_option,
    peak_rss_mib,
)

TOKEN = "123456:BENCH-BROADCAST-TOKEN"
PAPER = "浙江工人日报"
DATE = dt.date(2024, 7, 1)
FIRST_CHAT = 100_001
FREE_RATE = 30.0
PAID_RATE = 1000.0
RATE_SHARE = 0.95  # achieved / configured, the target for every row
CONCURRENCY = 16  # DeliveryPolicy's default, used by the transport baseline too
PG_URL_ENV = "BAOZHAI_BENCH_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")
ROWS = ("limited", "paid", "ledger")
LEDGER_CHATS = 1000  # chats in the ledger-alone rows (the one-transaction baseline is slow)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One row: the server's limits and Baozhai's configured rate."""

    name: str
    rate: float  # [delivery] messages_per_second
    paid: bool  # allow_paid_broadcast
    server_limits: bool  # the local server enforces 30/s overall and 1/s per chat


LIMITED = Scenario("limited", FREE_RATE, paid=False, server_limits=True)
PAID = Scenario("paid", PAID_RATE, paid=True, server_limits=False)


# --- databases -----------------------------------------------------------------------------


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str | None]:
    """A fresh database URL for one run (None: PostgreSQL unreachable); dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'broadcast-{uuid.uuid4().hex[:8]}.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.pool import NullPool

    url = make_url(os.environ.get(PG_URL_ENV, DEFAULT_PG_URL))
    admin = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
    schema = f"bench_broadcast_{uuid.uuid4().hex[:10]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError:
        admin.dispose()
        yield None
        return
    try:
        scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def prepare(url: str, chats: Sequence[int]) -> None:
    """The seed page as an edition (lead sentences as summaries: no jieba) and ``chats``
    subscribed to its paper."""
    from bot.storage.store import Store
    from summarizer.edition import Summary
    from summarizer.parser import read_page
    from summarizer.sentences import split_sentences

    parsed = read_page(PACKAGED_EDITION, paper=PAPER, date=DATE)
    summaries = [
        Summary(tuple(s for p in a.paragraphs[:2] for s in split_sentences(p))[:3], ("工会",))
        for a in parsed.articles
    ]
    with Store(url) as store:
        store.editions.add(PAPER, parsed, summaries, "bench-broadcast")
        store.subscribers.subscribe_many(list(chats), "zh", [PAPER])


def write_config(folder: Path, url: str, api_base_url: str, scenario: Scenario) -> Path:
    path = folder / f"config-{uuid.uuid4().hex[:8]}.toml"
    path.write_text(
        f"""
[telegram]
api_base_url = "{api_base_url}"

[storage]
url = "{url}"

[[papers]]
name = "{PAPER}"
inbox = "inbox"

[delivery]
messages_per_second = {scenario.rate:g}
allow_paid_broadcast = {"true" if scenario.paid else "false"}
per_chat_interval_seconds = 1.0

[logging]
level = "WARNING"
""",
        encoding="utf-8",
    )
    return path


# --- the runs -----------------------------------------------------------------------------


class Receipts:
    """What the server received: arrival times and copies per chat."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.copies: collections.Counter[int] = collections.Counter()

    def __call__(self, event: str, message: Any) -> None:
        if event == "sent":
            self.times.append(time.perf_counter())
            self.copies[message.chat_id] += 1

    def rate(self) -> float:
        if len(self.times) < 2:
            return 0.0
        return (len(self.times) - 1) / max(self.times[-1] - self.times[0], 1e-9)


def _server(subscribers: int, limits: bool) -> Any:
    from bot.localapi.server import LocalBotApi

    server = (
        LocalBotApi(TOKEN)  # Telegram's limits: 30/s overall, 1/s per chat
        if limits
        else LocalBotApi(TOKEN, per_chat_rate=None, global_rate=None, paid_rate=None)
    )
    for chat in range(FIRST_CHAT, FIRST_CHAT + subscribers):
        server.user(chat)
    return server


async def _child(*args: str, timeout: float) -> tuple[int, str, str]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    env.pop("BAOZHAI_STORAGE_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.broadcast",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _last_json(out: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


async def run_send(
    scenario: Scenario, backend: str, subscribers: int, folder: Path
) -> dict[str, Any]:
    """One ``digest send`` to ``subscribers`` readers; the server's counts and the sender's."""
    row: dict[str, Any] = {"row": scenario.name, "backend": backend, "rate": scenario.rate}
    chats = range(FIRST_CHAT, FIRST_CHAT + subscribers)
    with database(backend, folder) as url:
        if url is None:
            return {**row, "skipped": "PostgreSQL not reachable"}
        await asyncio.to_thread(prepare, url, chats)
        server = _server(subscribers, scenario.server_limits)
        receipts = Receipts()
        server.add_listener(receipts)
        await server.start()
        try:
            config = write_config(folder, url, server.base_url, scenario)
            started, server_cpu = time.perf_counter(), time.process_time()
            # A ceiling, not a target: a busy small machine may manage a tenth of the rate.
            timeout = 300 + 10 * subscribers / min(scenario.rate, 100)
            code, out, err = await _child("--sender", str(config), timeout=timeout)
            wall = time.perf_counter() - started
            server_cpu = time.process_time() - server_cpu
        finally:
            await server.stop()
        if code != 0:
            tail = "\n".join((out + err).strip().splitlines()[-20:])
            raise RuntimeError(f"digest send exited {code}:\n{tail}")
        sender = _last_json(out)
        duplicates = sum(n - 1 for n in receipts.copies.values())
        missing = sum(1 for chat in chats if receipts.copies[chat] == 0)
        sending = receipts.times[-1] - receipts.times[0] if receipts.times else 0.0
        return {
            **row,
            "subscribers": subscribers,
            "messages": len(receipts.times),
            "achieved": receipts.rate(),
            "share": receipts.rate() / scenario.rate,
            "flood_429": server.flood_refusals,
            "duplicates": duplicates,
            "missing": missing,
            "seconds_sending": sending,
            "seconds_startup": max(0.0, wall - sending),
            "peak_rss_mib": sender["peak_rss_mib"],
            "cpu_ms_per_message": sender["cpu"] / max(1, len(receipts.times)) * 1000,
            "server_cpu_ms_per_message": server_cpu / max(1, len(receipts.times)) * 1000,
            "report": " ".join(out.strip().splitlines()[:-1]),
        }


BASELINE = "transport baseline"
STOCK = "stock PTB transport (httpx)"
TRANSPORTS = {BASELINE: "product", STOCK: "httpx"}


async def run_transport(subscribers: int, row: str = BASELINE) -> dict[str, Any]:
    """The same messages by a bare PTB Bot, no pacer and no database: the ceiling (``row``:
    on the product's transport, or on PTB's stock one)."""
    server = _server(subscribers, limits=False)
    receipts = Receipts()
    server.add_listener(receipts)
    await server.start()
    try:
        server_cpu = time.process_time()
        code, out, err = await _child(
            "--transport",
            server.base_url,
            str(subscribers),
            TRANSPORTS[row],
            timeout=300 + subscribers / 10,
        )
        server_cpu = time.process_time() - server_cpu
    finally:
        await server.stop()
    if code != 0:
        raise RuntimeError(f"transport baseline exited {code}:\n{err[-2000:]}")
    sender = _last_json(out)
    return {
        "row": row,
        "backend": "none",
        "subscribers": subscribers,
        "messages": len(receipts.times),
        "achieved": receipts.rate(),
        "duplicates": sum(n - 1 for n in receipts.copies.values()),
        "peak_rss_mib": sender["peak_rss_mib"],
        "cpu_ms_per_message": sender["cpu"] / max(1, len(receipts.times)) * 1000,
        "server_cpu_ms_per_message": server_cpu / max(1, len(receipts.times)) * 1000,
    }


async def _ledger_pass(url: str, chats: int, batched: bool) -> tuple[float, float]:
    """Claim, on the wire, confirmed, sent for ``chats`` chats by CONCURRENCY workers, as the
    fan-out does, without HTTP: (chats per second, CPU ms per chat)."""
    from bot.delivery.group_commit import LedgerWriter
    from bot.delivery.lease import new_holder_id
    from bot.storage.leases import sender_lease_name
    from bot.storage.store import Store

    with Store(url) as store:
        edition = store.editions.on(DATE, PAPER)
        assert edition is not None
        owner = new_holder_id()
        renew = dt.timedelta(seconds=15)
        store.leases.acquire(sender_lease_name(owner), owner, dt.timedelta(minutes=30))
        readers = store.deliveries.pending_chats(edition.id)[:chats]
        queue = iter(readers)
        deliveries = store.deliveries
        ledger = LedgerWriter(deliveries, owner, renew)
        ledger.expect(edition.id, [reader.chat_id for reader in readers])

        async def worker() -> None:
            for reader in queue:
                chat = reader.chat_id
                if batched:
                    claim = await ledger.claim(edition.id, chat)
                    assert claim is not None
                    assert await ledger.put_on_wire(claim.delivery_id, 0)
                    await ledger.confirm(claim.delivery_id, 0, 1, claim.rendered_from)
                    ledger.mark_sent(edition.id, chat)  # written behind, as the fan-out does
                else:  # one transaction per write, as before the group commit
                    claim = await asyncio.to_thread(deliveries.claim, edition.id, chat, owner)
                    assert claim is not None
                    put = deliveries.put_on_wire
                    assert await asyncio.to_thread(put, claim.delivery_id, 0, owner, renew)
                    confirm, version = deliveries.confirm, claim.rendered_from
                    await asyncio.to_thread(confirm, claim.delivery_id, 0, 1, version)
                    await asyncio.to_thread(deliveries.mark_sent, edition.id, chat)

        cpu, started = time.process_time(), time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for _ in range(CONCURRENCY):
                group.create_task(worker())
        await ledger.close()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        return chats / seconds, cpu / chats * 1000


async def run_ledger(backend: str, chats: int, folder: Path) -> dict[str, Any]:
    """The ledger's writes alone: one transaction per write (the baseline) against the
    group commit, each on a fresh database of ``chats`` readers."""
    row: dict[str, Any] = {"row": "ledger alone", "backend": backend, "chats": chats}
    for mode, batched in (("single", False), ("batched", True)):
        with database(backend, folder) as url:
            if url is None:
                return {**row, "skipped": "PostgreSQL not reachable"}
            await asyncio.to_thread(prepare, url, range(FIRST_CHAT, FIRST_CHAT + chats))
            rate, cpu_ms = await _ledger_pass(url, chats, batched)
        row[mode] = {"chats_per_second": rate, "cpu_ms_per_chat": cpu_ms}
    return row


# --- inside the child processes -----------------------------------------------------------


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def sender_main(config: str) -> int:
    """``baozhai digest send`` in this process, then its peak RSS as JSON on stdout."""
    from bot.cli import main as baozhai

    code = baozhai(["--config", config, "digest", "send", "--date", DATE.isoformat()])
    print(json.dumps({"code": code, "peak_rss_mib": peak_rss_mib(), "cpu": _cpu_seconds()}))
    return code


def transport_main(base_url: str, subscribers: int, transport: str) -> int:
    """PTB's Bot sending the digest's first message to every chat, CONCURRENCY at a time, on
    the product's transport or (``transport`` "httpx") on PTB's stock one."""
    from telegram import Bot, LinkPreviewOptions
    from telegram.constants import ParseMode
    from telegram.request import BaseRequest, HTTPXRequest

    from bot.render.digest import build_digest
    from bot.storage.store import Store
    from bot.transport import AiohttpRequest

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'edition.db'}"
        prepare(url, [])
        with Store(url) as store:
            edition = store.editions.on(DATE, PAPER)
            assert edition is not None
            messages = build_digest(edition, store.editions.articles(edition.id), "zh")

    async def send_all() -> None:
        request: BaseRequest = (
            HTTPXRequest(connection_pool_size=256)
            if transport == "httpx"
            else AiohttpRequest(connection_pool_size=256)
        )
        queue = iter(range(FIRST_CHAT, FIRST_CHAT + subscribers))
        async with Bot(TOKEN, base_url=base_url, request=request) as bot:

            async def worker() -> None:
                for chat in queue:
                    for message in messages:
                        await bot.send_message(
                            chat_id=chat,
                            text=message.text,
                            parse_mode=ParseMode.HTML,
                            reply_markup=message.keyboard,
                            link_preview_options=LinkPreviewOptions(is_disabled=True),
                            allow_paid_broadcast=True,
                        )

            async with asyncio.TaskGroup() as group:
                for _ in range(CONCURRENCY):
                    group.create_task(worker())

    asyncio.run(send_all())
    print(json.dumps({"peak_rss_mib": peak_rss_mib(), "cpu": _cpu_seconds()}))
    return 0


# --- results ------------------------------------------------------------------------------


def targets(result: dict[str, Any]) -> list[Target]:
    found = []
    for row in result["rows"]:
        if row["row"] in TRANSPORTS:
            continue
        name = f"{row['row']}, {row['backend']}"
        if "skipped" in row:
            found.append(Target(name, row["skipped"], "—", None))
            continue
        goal = RATE_SHARE * row["rate"]
        found.append(
            Target(
                f"{name}: achieved rate",
                f"{row['achieved']:.1f} msg/s ({row['share']:.1%} of {row['rate']:g})",
                f"≥ {goal:g} msg/s",
                row["achieved"] >= goal,
            )
        )
        clean = row["flood_429"] == 0 and row["duplicates"] == 0 and row["missing"] == 0
        found.append(
            Target(
                f"{name}: 429s, duplicates, readers without the digest",
                f"{row['flood_429']}, {row['duplicates']}, {row['missing']}",
                "0, 0, 0",
                clean,
            )
        )
    for row in result.get("ledger", []):
        name = f"ledger alone, {row['backend']}"
        if "skipped" in row:
            found.append(Target(name, row["skipped"], "—", None))
            continue
        single, batched = row["single"], row["batched"]
        found.append(
            Target(
                f"{name}: group commit",
                f"{batched['chats_per_second']:.0f} chats/s "
                f"({batched['chats_per_second'] / single['chats_per_second']:.1f}× one "
                "transaction per write)",
                f"≥ {PAID_RATE:g} chats/s",
                batched["chats_per_second"] >= PAID_RATE,
            )
        )
    return found


def own_cpu_ms(row: dict[str, Any], transport: dict[str, Any]) -> float:
    """The sender's CPU per message beyond the bare PTB ``Bot``'s: Baozhai's own overhead
    (database, ledger, pacer, rendering, start-up), the transport being the same."""
    return float(row["cpu_ms_per_message"] - transport["cpu_ms_per_message"])


def cpu_ceiling(rows: Sequence[dict[str, Any]], cpus: int) -> float | None:
    """Messages per second this machine could carry if the bare transport's client and the
    local server had every core to themselves: what no one-process sender built on PTB can
    pass here. The lower of two bounds: the client and the server share ``cpus`` cores, and
    one asyncio process (one GIL) uses at most one of them."""
    transport = next((r for r in rows if r["row"] == BASELINE), None)
    if transport is None or "server_cpu_ms_per_message" not in transport:
        return None
    client = transport["cpu_ms_per_message"]
    both = client + transport["server_cpu_ms_per_message"]
    if client <= 0:
        return None
    return float(min(cpus * 1000 / both, 1000 / client))


def render(result: dict[str, Any], console: Console) -> None:
    table = Table(
        title=f"broadcast: one digest to {result['subscribers']:,} readers over real HTTP "
        f"(load before: {result['load_before']}, after: {result['load_after']})"
    )
    columns = (
        "row",
        "db",
        "configured",
        "achieved",
        "of configured",
        "of transport",
        "429s",
        "dupes",
        "missing",
        "sending",
        "start-up",
        "CPU/msg",
        "of it ours",
        "server CPU/msg",
        "peak RSS",
    )
    for column in columns:
        table.add_column(column, justify="left" if column in ("row", "db") else "right")
    ceiling = next((r for r in result["rows"] if r["row"] == BASELINE), None)
    for row in result["rows"]:
        if "skipped" in row:
            table.add_row(row["row"], row["backend"], f"{row['rate']:g}", row["skipped"])
            continue
        baseline = row["row"] in TRANSPORTS
        of_transport = (
            f"{row['achieved'] / ceiling['achieved']:.2f}×"
            if ceiling and not baseline and row["rate"] > FREE_RATE
            else ""
        )
        table.add_row(
            row["row"],
            row["backend"],
            "unpaced" if baseline else f"{row['rate']:g}/s",
            f"{row['achieved']:.1f}/s",
            "" if baseline else f"{row['share']:.1%}",
            of_transport,
            "" if baseline else str(row["flood_429"]),
            str(row["duplicates"]),
            "" if baseline else str(row["missing"]),
            "" if baseline else f"{row['seconds_sending']:.1f} s",
            "" if baseline else f"{row['seconds_startup']:.1f} s",
            f"{row['cpu_ms_per_message']:.2f} ms",
            f"{own_cpu_ms(row, ceiling):+.2f} ms" if ceiling and not baseline else "",
            f"{row.get('server_cpu_ms_per_message', 0.0):.2f} ms",
            f"{row['peak_rss_mib']:.0f} MiB",
        )
    console.print(table)
    if result.get("cpu_ceiling"):
        console.print(
            f"CPU ceiling of this machine for a one-process PTB sender: {result['cpu_ceiling']:.0f}"
            f" msg/s (the lower of {result['cpus']} cores / (client + server CPU per message) "
            "and 1 core / client CPU per message, for the bare transport; were the machine "
            "otherwise idle)"
        )
    if not result.get("ledger"):
        return
    ledger = Table(
        title="the ledger's writes alone (claim, on the wire, confirmed, sent; "
        f"{CONCURRENCY} workers, no HTTP)"
    )
    for column in ("db", "chats", "one transaction per write", "group commit", "speed-up"):
        ledger.add_column(column, justify="left" if column == "db" else "right")
    for row in result["ledger"]:
        if "skipped" in row:
            ledger.add_row(row["backend"], str(row["chats"]), row["skipped"])
            continue
        single, batched = row["single"], row["batched"]
        ledger.add_row(
            row["backend"],
            str(row["chats"]),
            f"{single['chats_per_second']:.0f}/s, {single['cpu_ms_per_chat']:.2f} ms CPU",
            f"{batched['chats_per_second']:.0f}/s, {batched['cpu_ms_per_chat']:.2f} ms CPU",
            f"{batched['chats_per_second'] / single['chats_per_second']:.1f}×",
        )
    console.print(ledger)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def _measure(
    subscribers: int,
    rows: Sequence[str],
    backends: Sequence[str],
    limited_backends: Sequence[str],
    folder: Path,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    measured = [_progress(await run_transport(subscribers, row)) for row in TRANSPORTS]
    for scenario in (LIMITED, PAID):
        if scenario.name in rows:
            for backend in limited_backends if scenario is LIMITED else backends:
                measured.append(_progress(await run_send(scenario, backend, subscribers, folder)))
    ledger = []
    if "ledger" in rows:
        for backend in backends:
            chats = min(subscribers, LEDGER_CHATS)
            ledger.append(_progress(await run_ledger(backend, chats, folder)))
    return measured, ledger


def _progress(row: dict[str, Any]) -> dict[str, Any]:
    """Each row as it is measured (a long run that fails later keeps what it measured)."""
    print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
    return row


def run(
    *,
    subscribers: int = 10_000,
    rows: Sequence[str] = ROWS,
    backends: Sequence[str] = BACKENDS,
    limited_backends: Sequence[str] | None = None,
    out: Path = RESULTS_DIR / "broadcast.json",
    console: Console | None = None,
    check: bool = False,
) -> int:
    """Measure every row, print the table and targets, write the JSON.

    ``limited_backends`` (default: ``backends``) are where the limited row runs: it takes
    subscribers / 30 seconds on each."""
    console = console or console_for_tables()
    load_before = _load()
    limited = backends if limited_backends is None else limited_backends
    with tempfile.TemporaryDirectory(prefix="baozhai-bench-broadcast-") as folder:
        measured, ledger = asyncio.run(_measure(subscribers, rows, backends, limited, Path(folder)))
    result: dict[str, Any] = {
        "subscribers": subscribers,
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": _load(),
        "rows": measured,
        "ledger": ledger,
    }
    result["cpu_ceiling"] = cpu_ceiling(measured, os.cpu_count() or 1)
    return finish(result, targets(result), render, out, console, check=check)


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser("python -m bench.broadcast", __doc__)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="2,000 subscribers")
    parser.add_argument("--rows", type=lambda t: names_in(t, ROWS), default=list(ROWS))
    parser.add_argument("--backends", type=lambda t: names_in(t, BACKENDS), default=list(BACKENDS))
    parser.add_argument(
        "--limited-backends",
        type=lambda t: names_in(t, BACKENDS),
        default=None,
        help="where the limited row runs (default: --backends)",
    )
    out_option(parser, "broadcast.json")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--sender", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--transport", nargs=3, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sender is not None:
        return sender_main(args.sender)
    if args.transport is not None:
        return transport_main(args.transport[0], int(args.transport[1]), args.transport[2])
    subscribers = 2000 if args.quick else args.subscribers
    return run(
        subscribers=subscribers,
        rows=args.rows,
        backends=args.backends,
        limited_backends=args.limited_backends,
        out=args.out,
        check=args.check,
    )


if __name__ == "__main__":
    sys.exit(main())
