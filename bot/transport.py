"""The Bot API's HTTP transport: python-telegram-bot's request interface over aiohttp.

Why not PTB's default ``HTTPXRequest``: a fan-out sends hundreds of messages a second, and
its per-request cost was the ceiling. Profiled on a paid broadcast, httpcore checked every
idle connection of its pool for expiry on each request (a ``poll`` and a ``getpeername``
system call per connection), and the form encoding of a digest's Chinese text quoted it byte
by byte in Python. Measured on the same machine, same server, a bare ``Bot`` sending 3,000
digests 16 at a time: 1.65-1.86 ms of client CPU per message with httpx, 0.48 ms with
aiohttp (535-605 against 2,090 messages a second). aiohttp is already here (the local Bot API
server runs on it); its parser and pool are made for this.

Bodies are JSON (:attr:`telegram.request.RequestData.json_payload`, which PTB provides for
request classes like this one); uploads are multipart. Every error becomes PTB's: a timeout
:class:`~telegram.error.TimedOut`, anything else :class:`~telegram.error.NetworkError`, with
the aiohttp exception as its cause, so delivery can tell "never sent" (:data:`NOT_SENT`) from
"maybe delivered". A 502 or 504 that is not the Bot API's own JSON (a reverse proxy's page
after its upstream broke off or timed out) is "maybe delivered" too (:class:`GatewayAnswer`).
"""

from __future__ import annotations

import json
import math
import os
import re
import ssl
import urllib.request
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import certifi
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.logs import redactor

__all__ = ["NOT_SENT", "AiohttpRequest", "GatewayAnswer", "env_proxy", "tls_context"]

NOT_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,  # no connection: refused, unreachable, name not resolved
    aiohttp.ConnectionTimeoutError,  # no free connection in time, or connecting timed out
)
"""Causes that prove the request never left this process, so sending it again is safe."""

JSON = {"Content-Type": "application/json"}

_GATEWAY_STATUS = frozenset({502, 504})
"""Statuses a reverse proxy or gateway answers after forwarding a request whose answer it did
not get (the upstream broke off or was too slow): Telegram may have acted on it."""


class GatewayAnswer(Exception):
    """The cause of the ``NetworkError`` for a gateway's 502/504 that is not the Bot API's own
    answer: the request may have reached Telegram, so a message sent this way is in doubt
    (unlike Telegram's own error answers, which prove it was not sent)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status} not from the Bot API")
        self.status = status


def _bot_api_answer(payload: bytes) -> bool:
    """True if ``payload`` is the Bot API's own JSON answer (``{"ok": …}``)."""
    try:
        answer = json.loads(payload)
    except ValueError:
        return False
    return isinstance(answer, dict) and "ok" in answer


class AiohttpRequest(BaseRequest):
    """PTB's :class:`~telegram.request.BaseRequest` on one :class:`aiohttp.ClientSession`.

    The timeouts mean what they mean for ``HTTPXRequest``: ``pool_timeout`` and
    ``connect_timeout`` bound getting a connection (a free one from the pool, or a new one),
    ``read_timeout`` each wait for the answer's bytes, so a slow answer that keeps coming is
    not cut off. aiohttp has no write timeout, so an upload alone (the one body big enough to
    stall while it is written) is bounded as a whole: the four added up, with
    ``media_write_timeout`` as its write part.
    """

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size,
                limit_per_host=0,
                ssl=tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")),
            )
            # Not trust_env: aiohttp would then read the proxy variables and ~/.netrc again for
            # every request, in a worker thread (29 % of a paid broadcast sender's samples,
            # measured); the proxy of an origin is looked up once instead (:func:`env_proxy`).
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _timeout(
        self,
        read: Any,
        write: Any,
        connect: Any,
        pool: Any,
        upload: bool,
        connect_within: float | None = None,
    ) -> aiohttp.ClientTimeout:
        """One request's timeouts, the defaults of this object where PTB passes none; getting
        a connection (pool wait and connecting) bounded by ``connect_within`` seconds too."""
        read = self._read_timeout if isinstance(read, DefaultValue) else read
        connect = self._connect_timeout if isinstance(connect, DefaultValue) else connect
        pool = self._pool_timeout if isinstance(pool, DefaultValue) else pool
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if upload else self._write_timeout
        total = None
        if upload and None not in (read, write, connect, pool):
            total = read + write + connect + pool
        getting = None if connect is None or pool is None else connect + pool
        if connect_within is None:
            return aiohttp.ClientTimeout(
                total=total, connect=getting, sock_connect=connect, sock_read=read
            )
        getting = connect_within if getting is None else min(getting, connect_within)
        connect = connect_within if connect is None else min(connect, connect_within)
        # Not rounded up to the next second (aiohttp does so past 5 s): a bound, not a hint.
        return aiohttp.ClientTimeout(
            total=total,
            connect=getting,
            sock_connect=connect,
            sock_read=read,
            ceil_threshold=math.inf,
        )

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
        *,
        connect_within: float | None = None,
    ) -> tuple[int, bytes]:
        """One Bot API request; ``connect_within``: seconds it may spend getting a connection
        at most, whatever its pool and connect timeouts (the leader's fence: the bytes must
        leave while the lease is valid). Past it the request is not sent (``TimedOut``)."""
        if self._session is None or self._session.closed:
            # As PTB's own request class, usable before initialize(): a Bot used without
            # ``async with``. Whoever does so closes it with shutdown().
            await self.initialize()
        assert self._session is not None
        upload = bool(request_data and request_data.contains_files)
        timeout = self._timeout(
            read_timeout, write_timeout, connect_timeout, pool_timeout, upload, connect_within
        )
        body: Any = None
        headers: dict[str, str] | None = None
        if request_data is not None and upload:
            body = _multipart(request_data)
        elif request_data is not None:
            body, headers = request_data.json_payload, JSON
        try:
            # No redirects, as PTB's stock transport: the Bot API never sends one, and following
            # it would turn a POST into a GET or hand the token in the URL to another host.
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                proxy=env_proxy(url),
                allow_redirects=False,
            ) as response:
                payload = await response.read()
                if response.status in _GATEWAY_STATUS and not _bot_api_answer(payload):
                    raise NetworkError(
                        f"HTTP {response.status} from a proxy or gateway before the Bot API"
                    ) from GatewayAnswer(response.status)
                return response.status, payload
        except NOT_SENT as err:
            message = _describe(err, "request not sent: ")
            if isinstance(err, TimeoutError):
                raise TimedOut(message) from err
            raise NetworkError(message) from err
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(_describe(err)) from err


_TOKEN_IN_PATH = re.compile(r"(/bot)[^/\s'\"]+")
"""The token's place in a Bot API URL (``/bot<token>/method``, ``/file/bot<token>/path``)."""


def _describe(err: BaseException, what: str = "") -> str:
    """The error as one line without the bot token, which is in every request URL and in the
    text of some aiohttp errors (an invalid URL, a redirect)."""
    text = _TOKEN_IN_PATH.sub(r"\1<token>", f"aiohttp.{type(err).__name__}: {what}{err}")
    return redactor().redact(text)


@lru_cache(maxsize=4)
def tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """The certificates HTTPS is verified against, as PTB's stock transport (httpx) chose
    them: ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` where set, else certifi's bundle (not the
    system's store, which a slim container may lack). Made once per setting: loading the
    bundle takes ~20 ms."""
    if cert_file:
        return ssl.create_default_context(cafile=cert_file)
    if cert_dir:
        return ssl.create_default_context(capath=cert_dir)
    return ssl.create_default_context(cafile=certifi.where())


def env_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url``'s origin (``HTTPS_PROXY``, ``HTTP_PROXY``,
    ``ALL_PROXY``; none where ``NO_PROXY`` exempts the host), as httpx would use it."""
    parts = urlsplit(url)
    return _origin_proxy(parts.scheme, parts.hostname or "")


@lru_cache(maxsize=64)
def _origin_proxy(scheme: str, host: str) -> str | None:
    proxies = urllib.request.getproxies()
    proxy = proxies.get(scheme) or proxies.get("all")
    if proxy is None or urllib.request.proxy_bypass(host):
        return None
    if "://" not in proxy:
        return "http://" + proxy  # "host:3128", as httpx reads it
    if urlsplit(proxy).scheme.lower() not in ("http", "https"):
        # Not silently around it (the network may allow no other way out), and not as an
        # HTTP proxy: nothing leaves, and preflight says so at start-up.
        raise NetworkError(
            f"request not sent: the proxy for {scheme}:// is {urlsplit(proxy).scheme}://, and"
            " only http:// and https:// proxies are supported"
        )
    return proxy


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    """The parameters as form fields and the files as parts, as the Bot API takes uploads."""
    # Names as written (UTF-8), as httpx sends them; aiohttp would percent-encode them.
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
