"""Webhook mode over real HTTP: ``baozhai run --webhook`` as a real process.

The process registers its webhook with the local Bot API server, listens on a local port (where
a reverse proxy would forward Telegram's requests) and processes an update only when it carries
the secret token in ``X-Telegram-Bot-Api-Secret-Token``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.localapi.server import LocalBotApi
from bot.operations import EXIT_STOPPED
from bot.storage.store import Store
from tests.bot.processes import BotProcess, start_baozhai
from tests.bot.running_bot import TOKEN, eventually

pytestmark = pytest.mark.timeout(120)

SECRET = "s3cret-token_for-tests"
PUBLIC_URL = "https://bot.example.org/telegram/hook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_config(
    folder: Path,
    server: LocalBotApi,
    port: int,
    sqlite_url: str,
    extra: str = "",
    url: str = PUBLIC_URL,
) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f"""
[telegram]
api_base_url = "{server.base_url}"
webhook_url = "{url}"
webhook_listen = "127.0.0.1"
webhook_port = {port}

[storage]
url = "{sqlite_url}"

[[papers]]
name = "浙江工人日报"
inbox = "inbox"
{extra}""",
        encoding="utf-8",
    )
    return path


def update(update_id: int, chat_id: int, text: str) -> dict[str, object]:
    user = {"id": chat_id, "is_bot": False, "first_name": "李雷", "language_code": "zh-hans"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user,
            "chat": {"id": chat_id, "type": "private", "first_name": "李雷"},
            "date": int(time.time()),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


@pytest.fixture
async def webhook_bot(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[LocalBotApi, BotProcess, str]:
    server = LocalBotApi(TOKEN)
    await server.start()
    port = free_port()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    process = await start_baozhai(
        webhook_config(tmp_path, server, port, sqlite_url), "run", "--webhook"
    )
    await eventually(lambda: server.webhook_url, timeout=60)
    yield server, process, f"http://127.0.0.1:{port}/telegram/hook"
    process.process.terminate()
    await process.wait(30)
    await server.stop()


async def post(url: str, body: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with aiohttp.ClientSession() as session:
        for _ in range(50):  # the listener may come up a moment after setWebhook
            try:
                async with session.post(url, data=json.dumps(body), headers=headers) as reply:
                    return reply.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError(f"nothing listens on {url}")


async def test_the_webhook_is_registered_with_its_public_url(
    webhook_bot: tuple[LocalBotApi, BotProcess, str],
) -> None:
    server, _, _ = webhook_bot
    assert server.webhook_url == PUBLIC_URL


async def test_an_update_with_the_secret_token_is_answered(
    webhook_bot: tuple[LocalBotApi, BotProcess, str],
) -> None:
    server, _, url = webhook_bot
    reader = server.user(1001)

    assert await post(url, update(1, 1001, "/help"), SECRET) == 200

    [reply] = await reader.wait_for_messages(1, timeout=20)
    assert "/today" in reply.text


async def test_a_webhook_url_telegram_refuses_stops_the_process_in_one_line(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = LocalBotApi(TOKEN)
    await server.start()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    unresolvable = "https://bot.invalid/telegram/hook"
    config = webhook_config(tmp_path, server, free_port(), sqlite_url, url=unresolvable)
    try:
        process = await start_baozhai(config, "run", "--webhook")
        code = await process.wait(60)
    finally:
        await server.stop()

    assert code == EXIT_STOPPED
    assert "Traceback" not in process.output()
    assert process.stderr.decode().strip().splitlines()[-1] == (
        f"baozhai: stopped: Telegram refused the webhook {unresolvable}: "
        "Bad webhook: failed to resolve host: name or service not known"
    )
    with Store(sqlite_url, migrate=False) as store:
        assert store.leases.leader() is None  # released: a standby may take over at once


@pytest.mark.parametrize(("status", "retry_after"), [(429, 2), (502, None)])
async def test_a_passing_refusal_of_set_webhook_is_waited_out(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, status: int, retry_after
) -> None:
    # Telegram answers a quick restart's setWebhook with 429, and an outage with a 5xx.
    server = LocalBotApi(TOKEN)
    await server.start()
    server.force_error("setWebhook", status, times=1, retry_after=retry_after)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    port = free_port()
    process = await start_baozhai(
        webhook_config(tmp_path, server, port, sqlite_url), "run", "--webhook"
    )
    try:
        await eventually(lambda: server.webhook_url, timeout=60)
        reader = server.user(1001)
        hook = f"http://127.0.0.1:{port}/telegram/hook"
        assert await post(hook, update(1, 1001, "/help"), SECRET) == 200
        [reply] = await reader.wait_for_messages(1, timeout=20)
        assert "/today" in reply.text
        assert "Traceback" not in process.output()
    finally:
        process.process.terminate()
        await process.wait(30)
        await server.stop()


async def test_set_webhook_failing_on_every_try_stops_the_process_in_one_line(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = LocalBotApi(TOKEN)
    await server.start()
    server.force_error("setWebhook", 500, times=100)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    config = webhook_config(tmp_path, server, free_port(), sqlite_url)
    try:
        process = await start_baozhai(config, "run", "--webhook")
        code = await process.wait(90)
    finally:
        await server.stop()

    assert code == EXIT_STOPPED  # for systemd's Restart=on-failure to try again later
    assert "Traceback" not in process.output()
    last = process.stderr.decode().strip().splitlines()[-1]
    assert last.startswith("baozhai: stopped: setWebhook failed 5 times")
    assert "Internal Server Error" in last
    with Store(sqlite_url, migrate=False) as store:
        assert store.leases.leader() is None


@pytest.mark.parametrize(
    ("listen", "reason"),
    [
        ("192.0.2.1", "Cannot assign requested address"),  # TEST-NET-1: no host has it
        ("nonexistent.invalid", "Name or service not known"),
    ],
)
async def test_a_listen_address_that_cannot_be_bound_is_one_line_and_exit_2(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, listen: str, reason: str
) -> None:
    server = LocalBotApi(TOKEN)
    await server.start()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    port = free_port()
    config = webhook_config(tmp_path, server, port, sqlite_url)
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'webhook_listen = "127.0.0.1"', f'webhook_listen = "{listen}"'
        ),
        encoding="utf-8",
    )
    try:
        process = await start_baozhai(config, "run", "--webhook")
        code = await process.wait(60)
    finally:
        await server.stop()

    assert code == 2
    assert "Traceback" not in process.output()
    assert process.stderr.decode().strip().splitlines()[-1] == (
        f"baozhai: cannot listen on {listen}:{port} ([telegram] webhook_listen, "
        f"webhook_port): {reason}"
    )


@pytest.mark.parametrize("secret", [None, "wrong-token"])
async def test_an_update_without_the_right_secret_gets_403_and_is_ignored(
    webhook_bot: tuple[LocalBotApi, BotProcess, str], secret: str | None
) -> None:
    server, _, url = webhook_bot
    reader = server.user(1002)

    assert await post(url, update(2, 1002, "/help"), secret) == 403

    await asyncio.sleep(1.0)
    assert reader.new_messages() == []


async def raw_answer(url: str, head: bytes) -> bytes:
    """What the server answers ``head`` (a request line and headers, no body yet) with, read
    for 10 s at most: a server still waiting for the body answers nothing."""
    parts = url.split("/", 3)
    host, port = parts[2].split(":")
    for _ in range(50):  # the listener may come up a moment after setWebhook
        try:
            reader, writer = await asyncio.open_connection(host, int(port))
            break
        except OSError:
            await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"nothing listens on {url}")
    writer.write(head)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(200), timeout=10)
    except TimeoutError:
        return b""
    finally:
        writer.close()


async def test_a_body_far_larger_than_any_update_is_refused_before_it_is_read(
    webhook_bot: tuple[LocalBotApi, BotProcess, str],
) -> None:
    # Updates are a few kB: a 2 MB post (no secret needed to send one) is not buffered.
    _, _, url = webhook_bot
    path = "/" + url.split("/", 3)[3]
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {2 * 1024 * 1024}\r\n\r\n"
    ).encode()
    assert (await raw_answer(url, head)).startswith(b"HTTP/1.1 400")


async def test_malformed_requests_leave_no_line_in_the_log(
    webhook_bot: tuple[LocalBotApi, BotProcess, str],
) -> None:
    # Anyone who reaches the port can send them, no secret needed: one line each would let
    # them fill the journal.
    _, process, url = webhook_bot
    for _ in range(20):
        assert (await raw_answer(url, b"NOT HTTP AT ALL\r\n\r\n")).startswith(b"HTTP/1.1 400")
    await asyncio.sleep(0.5)
    assert "Malformed" not in process.output() and "tornado" not in process.output()


async def test_an_update_of_telegrams_largest_size_is_still_taken(
    webhook_bot: tuple[LocalBotApi, BotProcess, str],
) -> None:
    server, _, url = webhook_bot
    reader = server.user(1001)
    padded = update(1, 1001, "/help")
    padded["padding"] = "字" * 30_000  # ~90 kB of UTF-8: far beyond a 4096-character message

    assert await post(url, padded, SECRET) == 200
    [reply] = await reader.wait_for_messages(1, timeout=20)
    assert "/today" in reply.text


async def test_the_secret_is_never_in_the_log_even_at_debug(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = LocalBotApi(TOKEN)
    await server.start()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    config = webhook_config(tmp_path, server, free_port(), sqlite_url)
    process = await start_baozhai(config, "--verbose", "run", "--webhook")
    try:
        await eventually(lambda: server.webhook_url, timeout=60)
        await eventually(lambda: "setWebhook" in process.output(), timeout=30)
    finally:
        process.process.terminate()
        await process.wait(30)
        await server.stop()
    assert "secret_token" in process.output()  # the call's arguments were logged, masked
    assert SECRET not in process.output()


@contextlib.asynccontextmanager
async def a_leader_and_its_standby(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[LocalBotApi, BotProcess, BotProcess, str]]:
    """Two ``baozhai run --webhook`` on one port and database (a 3 s lease): A serving, B a
    standby. Yields the server, A, B and the webhook's local URL."""
    server = LocalBotApi(TOKEN)
    await server.start()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    config = webhook_config(
        tmp_path, server, port, sqlite_url, extra="\n[service]\nlease_seconds = 3.0\n"
    )
    processes: list[BotProcess] = []
    try:
        a = await start_baozhai(config, "run", "--webhook")
        processes.append(a)
        await eventually(lambda: server.webhook_url, timeout=60)
        assert await post(url, update(1, 1001, "/help"), SECRET) == 200  # A serves
        await server.user(1001).wait_for_messages(1, timeout=20)
        b = await start_baozhai(config, "run", "--webhook")
        processes.append(b)
        await eventually(lambda: "waiting to take over" in b.output(), timeout=60)
        yield server, a, b, url
    finally:
        for process in processes:
            if process.process.returncode is None:
                process.process.send_signal(signal.SIGCONT)
                process.process.terminate()
                await process.wait(30)
        await server.stop()


async def test_a_standby_on_the_same_port_serves_once_the_paused_leader_it_replaced_exits(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with a_leader_and_its_standby(tmp_path, sqlite_url, monkeypatch) as (server, a, b, url):
        await a.freeze(sqlite_url)  # paused, A keeps its socket on the port
        await eventually(lambda: "is in use" in b.output(), timeout=30)  # B leads, waits for it
        a.process.send_signal(signal.SIGCONT)
        assert await a.wait(30) == 3, a.output()  # A finds its lease lost and frees the port

        await eventually(lambda: "is free now" in b.output(), timeout=30)
        reader = server.user(1003)
        assert await post(url, update(3, 1003, "/help"), SECRET) == 200
        await reader.wait_for_messages(1, timeout=30)  # B serves now
        assert b.process.returncode is None, b.output()


async def deliver_as_telegram(url: str, body: dict[str, object]) -> list[int | None]:
    """POST an update as Telegram delivers a webhook: again after a pause until it is answered
    with a success (for at most a minute). The answers, None for a connection that failed."""
    answers: list[int | None] = []
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for _ in range(120):
            try:
                async with session.post(url, data=json.dumps(body), headers=headers) as reply:
                    answers.append(reply.status)
                    if reply.status == 200:
                        return answers
            except aiohttp.ClientConnectionError:
                answers.append(None)
            await asyncio.sleep(0.5)
    raise AssertionError(f"the update was never accepted: {answers}")


async def test_an_update_sent_to_a_paused_leader_is_refused_and_handled_by_the_new_one_once(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with a_leader_and_its_standby(tmp_path, sqlite_url, monkeypatch) as (server, a, b, url):
        reader = server.user(1004)
        await a.freeze(sqlite_url)
        sending = asyncio.create_task(deliver_as_telegram(url, update(4, 1004, "/help")))
        await eventually(lambda: "is in use" in b.output(), timeout=30)  # A's lease ran out
        a.process.send_signal(signal.SIGCONT)  # A reads the request it accepted meanwhile
        assert await a.wait(30) == 3, a.output()

        answers = await sending

        # A never took it: it answered 503, or stopped before reading it (the request cut off)
        assert "refused (503" in a.output() or None in answers, (answers, a.output())
        [reply] = await reader.wait_for_messages(1, timeout=30)  # B handled it
        assert "/today" in reply.text
        await asyncio.sleep(1.0)
        assert reader.new_messages() == []  # once
