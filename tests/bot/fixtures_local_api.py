"""Fixtures for talking to ``bot.localapi.server.LocalBotApi`` over real HTTP.

Import the fixtures into a test module or a conftest
(``from tests.bot.fixtures_local_api import *``, or
``pytest_plugins = ["tests.bot.fixtures_local_api"]`` in a test module):

* ``local_api`` — a started server with Telegram-like limits (per chat: burst 3, then 1/s;
  overall: burst 30, then 30/s), stopped after the test.
* ``local_api_factory`` — ``await local_api_factory(per_chat_rate=None, ...)`` starts more
  servers with other settings; all are stopped after the test.
* ``local_api_bot`` — an initialised ``telegram.Bot`` pointed at ``local_api``, on the product's
  transport (:mod:`bot.transport`, for its requests and its getUpdates); tests that build their
  own ``telegram.Bot`` without ``api_bot`` talk to the server through PTB's stock httpx
  transport.
* ``local_api_user`` — user/chat 1001 "李雷" (language ``zh-hans``) who has started the bot.

Helpers: ``TEST_TOKEN``, ``api_bot()``, ``serving()`` (a Bot API of one's own: an aiohttp
handler answering every path on 127.0.0.1), ``png_bytes()``, ``jpeg_bytes()``,
``retry_after_seconds()``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import struct
import warnings
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import telegram
from aiohttp import web
from telegram.error import RetryAfter

from bot.localapi.server import LocalBotApi, LocalUser
from bot.transport import AiohttpRequest

__all__ = [
    "TEST_TOKEN",
    "api_bot",
    "jpeg_bytes",
    "local_api",
    "local_api_bot",
    "local_api_factory",
    "local_api_user",
    "png_bytes",
    "retry_after_seconds",
    "serving",
]

TEST_TOKEN = "123456:LOCAL-TEST-TOKEN"


def api_bot(base_url: str, token: str = TEST_TOKEN, **request: Any) -> telegram.Bot:
    """A ``telegram.Bot`` on the product's transport (``request``: its timeouts, pool size)."""
    return telegram.Bot(
        token,
        base_url=base_url,
        request=AiohttpRequest(**request),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )


@contextlib.asynccontextmanager
async def serving(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    tls: ssl.SSLContext | None = None,
) -> AsyncIterator[str]:
    """Serve ``handler`` for every path on a free port of 127.0.0.1 (over TLS with ``tls``);
    yields the base URL a ``telegram.Bot`` takes (``…/bot``)."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock, ssl_context=tls).start()
        scheme = "https" if tls else "http"
        yield f"{scheme}://127.0.0.1:{sock.getsockname()[1]}/bot"
    finally:
        await runner.cleanup()


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG of the given size (so tests don't need image files or matplotlib)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(width: int = 8, height: int = 6) -> bytes:
    """The header of a baseline JPEG (SOI, APP0, SOF0): enough for the server's size sniffing."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def retry_after_seconds(error: RetryAfter) -> float:
    """``RetryAfter.retry_after`` in seconds, without PTB 22's int-vs-timedelta warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


@pytest.fixture
async def local_api_factory() -> AsyncIterator[Callable[..., Awaitable[LocalBotApi]]]:
    servers: list[LocalBotApi] = []

    async def start(**kwargs: Any) -> LocalBotApi:
        kwargs.setdefault("token", TEST_TOKEN)
        server = LocalBotApi(**kwargs)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in reversed(servers):
        await server.stop()


@pytest.fixture
async def local_api(
    local_api_factory: Callable[..., Awaitable[LocalBotApi]],
) -> LocalBotApi:
    return await local_api_factory()


@pytest.fixture
async def local_api_bot(local_api: LocalBotApi) -> AsyncIterator[telegram.Bot]:
    bot = api_bot(local_api.base_url)
    async with bot:
        yield bot


@pytest.fixture
def local_api_user(local_api: LocalBotApi) -> LocalUser:
    return local_api.user(chat_id=1001, first_name="李雷", language_code="zh-hans")
