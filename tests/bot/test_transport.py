"""The Bot API transport (``bot.transport``): PTB's request interface over aiohttp, tested over
real HTTP against the local Bot API server and small aiohttp servers on 127.0.0.1."""

# Fixtures are imported by name and requested as parameters (pyflakes reads redefinitions).
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
import telegram
from aiohttp import web
from telegram.error import NetworkError, TimedOut

from bot.config import load_config
from bot.localapi.server import LocalBotApi
from bot.operations import preflight
from bot.transport import NOT_SENT, AiohttpRequest, GatewayAnswer
from tests.bot.fixtures_local_api import (
    TEST_TOKEN,
    api_bot,
    local_api,  # noqa: F401  (fixture)
    local_api_bot,  # noqa: F401  (fixture)
    local_api_factory,  # noqa: F401  (fixture)
    png_bytes,
    serving,
)
from tests.bot.running_bot import TOKEN, write_config

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Starts an aiohttp server answering every path with ``handler`` (over TLS with
    ``tls``); yields its base URL. All are stopped after the test."""
    async with contextlib.AsyncExitStack() as servers:

        async def start(handler: Handler, tls: ssl.SSLContext | None = None) -> str:
            return await servers.enter_async_context(serving(handler, tls))

        yield start


async def test_a_message_arrives_as_written_with_its_keyboard(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    user = local_api.user(2101)
    text = "<b>要闻</b> a&amp;b = c+d % 100 ‘引号’ 🙂\n第二行"
    keyboard = telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton("全文", callback_data="a:1:2")]]
    )

    sent = await local_api_bot.send_message(
        user.chat_id, text, parse_mode="HTML", reply_markup=keyboard
    )

    [message] = user.history
    assert message.html == text and message.message_id == sent.message_id
    assert message.button("全文")["callback_data"] == "a:1:2"


async def test_an_upload_goes_as_multipart_with_its_caption(
    local_api: LocalBotApi, local_api_bot: telegram.Bot
) -> None:
    user = local_api.user(2102)

    sent = await local_api_bot.send_photo(user.chat_id, png_bytes(), caption="统计图")

    [message] = user.history
    assert message.caption == "统计图" and message.photo_uploaded
    assert sent.photo and sent.photo[-1].width == 4


async def test_an_uploads_file_name_goes_as_written(
    serve: Callable[..., Awaitable[str]],
) -> None:
    # As httpx sends it: UTF-8 in quotes, not percent-encoded (which the Bot API would show).
    seen: list[str] = []

    async def upload(request: web.Request) -> web.Response:
        async for part in await request.multipart():
            seen.append(part.headers.get("Content-Disposition", ""))  # type: ignore[union-attr]
        chat = {"id": 2103, "type": "private"}
        return web.json_response({"ok": True, "result": {"message_id": 1, "date": 0, "chat": chat}})

    bot = api_bot(await serve(upload))
    try:
        await bot.send_document(2103, png_bytes(), filename='统计 "图".png')
    finally:
        await bot.request.shutdown()

    assert any('filename="统计 \\"图\\".png"' in header for header in seen), seen


async def failed_post(url: str) -> NetworkError:
    """The error of a POST to ``url`` that must fail (a fresh transport, closed after)."""
    request = AiohttpRequest()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(url)
    finally:
        await request.shutdown()
    return raised.value


async def test_a_refused_connection_is_a_network_error_proven_not_sent() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there

    error = await failed_post(f"http://127.0.0.1:{port}/bot{TEST_TOKEN}/getMe")

    assert isinstance(error.__cause__, NOT_SENT)
    assert "not sent" in error.message


async def test_an_error_naming_the_url_does_not_carry_the_token() -> None:
    error = await failed_post(f"htp://127.0.0.1/bot{TEST_TOKEN}/getMe")  # not HTTP

    assert "htp://127.0.0.1/bot" in error.message
    assert TEST_TOKEN not in error.message


async def test_a_redirect_is_not_followed(serve: Callable[..., Awaitable[str]]) -> None:
    asked: list[str] = []

    async def redirect(request: web.Request) -> web.Response:
        asked.append(request.path)
        raise web.HTTPFound("/elsewhere")

    base_url = await serve(redirect)
    await failed_post(f"{base_url}{TEST_TOKEN}/sendMessage")

    assert asked == [f"/bot{TEST_TOKEN}/sendMessage"]


async def test_a_gateways_own_504_page_is_a_network_error_that_may_have_been_delivered(
    serve: Callable[..., Awaitable[str]],
) -> None:
    async def gateway(request: web.Request) -> web.Response:
        return web.Response(status=504, text="<html><h1>504 Gateway Time-out</h1></html>")

    error = await failed_post(f"{await serve(gateway)}{TEST_TOKEN}/sendMessage")

    assert isinstance(error.__cause__, GatewayAnswer) and error.__cause__.status == 504


async def test_the_bot_apis_own_502_answer_stays_telegrams_error(
    serve: Callable[..., Awaitable[str]],
) -> None:
    async def bot_api(request: web.Request) -> web.Response:
        answer = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        return web.json_response(answer, status=502)

    error = await failed_post(f"{await serve(bot_api)}{TEST_TOKEN}/sendMessage")

    assert error.__cause__ is None and "Bad Gateway" in error.message


async def test_a_slow_answer_that_keeps_coming_is_not_cut_off(
    serve: Callable[..., Awaitable[str]],
) -> None:
    # As with httpx, the read timeout bounds each wait for bytes, not the whole answer.
    async def dribble(request: web.Request) -> web.StreamResponse:
        body = b'{"ok": true, "result": true}' + b" " * 12
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = len(body)
        await response.prepare(request)
        for start in range(0, len(body), 2):  # 20 pieces, 0.1 s apart: 2 s in all
            await response.write(body[start : start + 2])
            await asyncio.sleep(0.1)
        return response

    base_url = await serve(dribble)
    # 1.3 s in all, under the 2 s; each gap (0.1 s) far under the read timeout, so only a
    # stall of the test's own event loop near a second long could cut it (server and client
    # share the loop).
    timeouts = {"read_timeout": 1.0, "write_timeout": 0.1, "connect_timeout": 0.1}
    request = AiohttpRequest(**timeouts, pool_timeout=0.1)
    try:
        assert await request.post(f"{base_url}{TEST_TOKEN}/getMe") is True
    finally:
        await request.shutdown()


async def test_an_answer_later_than_the_read_timeout_is_timed_out_and_in_doubt(
    serve: Callable[..., Awaitable[str]],
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.0)
        return web.json_response({"ok": True, "result": True})

    base_url = await serve(slow)
    request = AiohttpRequest(read_timeout=0.2)
    try:
        with pytest.raises(TimedOut) as raised:
            await request.post(f"{base_url}{TEST_TOKEN}/sendMessage", None)
    finally:
        await request.shutdown()

    assert not isinstance(raised.value.__cause__, NOT_SENT)  # the request did leave


async def test_waiting_for_a_free_connection_too_long_is_timed_out_and_proven_not_sent(
    serve: Callable[..., Awaitable[str]],
) -> None:
    release, arrived = asyncio.Event(), asyncio.Event()

    async def held(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    base_url = await serve(held)
    request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.1, connect_timeout=0.1)
    url = f"{base_url}{TEST_TOKEN}/sendMessage"
    try:
        first = asyncio.create_task(request.post(url, None, read_timeout=5.0))
        await arrived.wait()  # the only connection is taken
        with pytest.raises(TimedOut) as raised:
            await request.post(url, None)
        release.set()
        assert await first is True
    finally:
        await request.shutdown()

    assert isinstance(raised.value.__cause__, NOT_SENT)


async def test_a_long_poll_waits_past_the_default_read_timeout(
    serve: Callable[..., Awaitable[str]],
) -> None:
    async def long_poll(request: web.Request) -> web.Response:
        await asyncio.sleep(0.5)
        return web.json_response({"ok": True, "result": []})

    base_url = await serve(long_poll)
    polling = AiohttpRequest(read_timeout=0.2)
    bot = telegram.Bot(TEST_TOKEN, base_url=base_url, get_updates_request=polling)
    try:
        # PTB adds the poll's own timeout to the read timeout, as for its stock transport.
        assert await bot.get_updates(timeout=1) == ()
    finally:
        await polling.shutdown()


async def test_a_bot_used_without_initialising_it_still_sends(local_api: LocalBotApi) -> None:
    user = local_api.user(2103)
    bot = api_bot(local_api.base_url)
    try:
        await bot.send_message(user.chat_id, "早上好")
    finally:
        await bot.request.shutdown()

    assert [m.html for m in user.history] == ["早上好"]


async def test_the_start_up_check_builds_no_client_of_the_stock_transport(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB gives a Bot without its own getUpdates request an httpx client: a TLS context and
    # a connection pool for every `digest send`, never used.
    built: list[httpx.AsyncClient] = []
    build = httpx.AsyncClient.__init__

    def counted(client: httpx.AsyncClient, *args: object, **kwargs: object) -> None:
        built.append(client)
        build(client, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.AsyncClient, "__init__", counted)
    server = LocalBotApi(TOKEN)
    await server.start()
    try:
        config = load_config(
            write_config(tmp_path, db_url="sqlite://", api_base_url=server.base_url)
        )
        assert await preflight(config) is None
    finally:
        await server.stop()
    assert built == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (made by the openssl CLI)."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command here to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


async def https_get_me(
    serve: Callable[..., Awaitable[str]], certificate: tuple[Path, Path]
) -> object:
    async def get_me(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": True})

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(*certificate)
    base_url = await serve(get_me, tls)
    request = AiohttpRequest()
    try:
        return await request.post(f"{base_url}{TEST_TOKEN}/getMe")
    finally:
        await request.shutdown()


async def test_https_is_verified_against_the_certificates_ssl_cert_file_names(
    serve: Callable[..., Awaitable[str]],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))

    assert await https_get_me(serve, certificate) is True


async def test_a_certificate_nobody_vouches_for_is_refused_before_anything_is_sent(
    serve: Callable[..., Awaitable[str]],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)

    with pytest.raises(NetworkError) as raised:
        await https_get_me(serve, certificate)  # certifi's bundle does not hold it

    assert isinstance(raised.value.__cause__, NOT_SENT)
    assert "certificate" in raised.value.message.lower()


async def test_requests_go_through_the_proxy_the_environment_names(
    serve: Callable[..., Awaitable[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    hosts: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        hosts.append(request.host)  # a forward proxy is asked for the absolute URL
        return web.json_response({"ok": True, "result": True})

    proxy_url = (await serve(proxy)).removesuffix("/bot")
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.setenv("NO_PROXY", "exempt.invalid")
    request = AiohttpRequest(connect_timeout=2.0)
    try:
        assert await request.post(f"http://api.invalid/bot{TEST_TOKEN}/getMe") is True
        with pytest.raises(NetworkError) as raised:  # exempt: resolved directly, and fails
            await request.post(f"http://exempt.invalid/bot{TEST_TOKEN}/getMe")
    finally:
        await request.shutdown()

    assert hosts == ["api.invalid"]
    assert isinstance(raised.value.__cause__, NOT_SENT)


async def test_a_proxy_named_without_a_scheme_is_an_http_proxy(
    serve: Callable[..., Awaitable[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    hosts: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        hosts.append(request.host)
        return web.json_response({"ok": True, "result": True})

    proxy_url = (await serve(proxy)).removesuffix("/bot")
    monkeypatch.setenv("HTTP_PROXY", proxy_url.removeprefix("http://"))  # "127.0.0.1:port"
    request = AiohttpRequest()
    try:
        assert await request.post(f"http://bare-proxy.invalid/bot{TEST_TOKEN}/getMe") is True
    finally:
        await request.shutdown()

    assert hosts == ["bare-proxy.invalid"]


async def test_a_socks_proxy_is_refused_with_a_clear_error_and_nothing_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")

    error = await failed_post(f"http://socks-proxy.invalid/bot{TEST_TOKEN}/getMe")

    assert "socks5://" in error.message and "not sent" in error.message


async def test_a_proxys_password_never_shows_in_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # the CONNECT
        writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    proxy = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = proxy.sockets[0].getsockname()[1]
    monkeypatch.setenv("HTTPS_PROXY", f"http://alice:hunter2secret@127.0.0.1:{port}")
    try:
        error = await failed_post(f"https://password-proxy.invalid/bot{TEST_TOKEN}/getMe")
    finally:
        proxy.close()
        await proxy.wait_closed()

    assert "407" in error.message
    assert "hunter2secret" not in error.message and "alice" not in error.message
    assert TEST_TOKEN not in error.message
