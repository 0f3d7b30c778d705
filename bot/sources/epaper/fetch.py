"""A polite, bounded HTTP fetcher for e-paper sites (httpx, async).

Polite: a User-Agent naming the bot, at most :attr:`FetchLimits.per_site` requests in flight
per site, conditional requests (``If-None-Match`` / ``If-Modified-Since``) when the caller
passes the validators it kept, back-off between retries, and a site that answers 429 or 503
is left alone for a while: every request to it waits (see :class:`Fetcher`), for what its
``Retry-After`` asks (capped) and at least the first back-off step.
Bounded: a deadline per attempt (connect to last byte), a retry budget, at most
:attr:`FetchLimits.max_redirects` redirects, only http and https, at most
:attr:`FetchLimits.max_bytes` per response (streamed, so a huge body is never held; a
compressed one is inflated here, never more than the limit at a time: httpx inflates each
64 KiB read whole, 64 MB of a gzip bomb in one piece).

Public addresses only: a site must not point the bot at ``localhost``, the office network or
a cloud's metadata address and have the answer published. Every connection (the request asked
for and each redirect) is checked where it is made: the host httpx connects to (IDNA-normalised:
``127。0。0。2`` is ``127.0.0.2``) is resolved, refused when any of its addresses is not
public (:func:`is_public_address`), and the connection goes to the address checked, so a name
that resolves otherwise a moment later (DNS rebinding) gains nothing. The one exception is
:attr:`FetchLimits.allow_addresses`, addresses written as such in a URL (a test site on
``127.0.0.1``). Proxies from the environment are not used: through one, the address checked
would be the proxy's. With ``within``, :meth:`Fetcher.get` also refuses a redirect off that
site (:func:`same_site`).

Retries use ``stamina`` (hynek's well-kept wrapper over tenacity's ideas): exponential back-off
with jitter, attempt and total-time limits, and a hook that decides per exception whether to
retry; writing that loop by hand is easy to get subtly wrong (jitter, budget, cancellation).
Transient failures are retried: network errors, timeouts, 5xx, 429. A 4xx other than 429, an
oversized body, a redirect loop or a refused address is not: asking again at once would get
the same answer.

Errors (:mod:`bot.errors`): :class:`FetchError` (after the retries; ``status`` when there
was one), :class:`ResponseTooLargeError`, :class:`UnsupportedURLError`; nothing else, whatever
the server sends (a body that does not inflate, a header that is no ASCII, a 304 to a request
that asked for none), so a caller loses one page or article to a bad answer, never the edition.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import importlib.metadata
import ipaddress
import logging
import socket
import time
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Final, Self, TypeGuard
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx
import stamina

from bot.errors import FetchError, ResponseTooLargeError, UnsupportedURLError
from bot.sources.epaper.decode import decode_document

__all__ = [
    "FetchLimits",
    "Fetched",
    "Fetcher",
    "Validators",
    "is_public_address",
    "same_site",
    "site",
    "user_agent",
]

log = logging.getLogger(__name__)

_TRANSIENT_STATUS: Final = frozenset({408, 425, 429, 500, 502, 503, 504})
_HOLD_STATUS: Final = frozenset({429, 503})
"""Answers that leave the whole site alone for a while (:meth:`Fetcher._hold`)."""
_WITHIN: contextvars.ContextVar[tuple[str, int | None] | None] = contextvars.ContextVar("within")
"""The site a request and its redirects must stay on, while they run (:meth:`Fetcher._guard`)."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64: Final = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def is_public_address(address: IPAddress) -> bool:
    """Whether ``address`` is a global unicast address, and so is any IPv4 address it carries
    (``::ffff:127.0.0.1``, 6to4 ``2002:7f00:1::``, NAT64 ``64:ff9b::a9fe:a9fe``)."""
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and any(address in net for net in _NAT64):
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            return is_public_address(inner)
    return True


def _address(host: str) -> IPAddress | None:
    """``host`` as an IP address, when it is one written out (``127.0.0.1``, ``::1``)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _numeric(host: str) -> IPAddress | None:
    """``host`` as the resolver reads it when it is an address in any form it takes
    (``127.0.0.1``, and ``127.1``, ``2130706433``, ``0x7f000001``), else None (a name)."""
    written = _address(host)
    if written is not None:
        return written
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def site(url: str) -> tuple[str, int | None] | None:
    """The host httpx connects to for ``url`` (IDNA-normalised, lower case, no final dot) and
    its port (None for the scheme's default): ``http://EPAPER.example.com:80/`` and
    ``https://epaper。example。com/`` are one site. None for what names no host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, UnicodeError):
        return None
    host = parsed.host.lower().rstrip(".")
    return (host, parsed.port) if host else None


def same_site(url: str, other: str) -> bool:
    """Whether ``url`` is on the site of ``other`` (:func:`site`; the scheme may differ)."""
    here = site(url)
    return here is not None and here == site(other)


class _OffSite(Exception):
    """A redirect to another site than the one the request is within; names the target."""


class _NotPublic(Exception):
    """A connection refused before it was made: ``host`` is at ``address``, not public."""

    def __init__(self, host: str, address: IPAddress) -> None:
        written = str(address) == host.strip("[]")
        super().__init__(
            f"{host} is not public" if written else f"{host} is at {address}, not public"
        )


class _PublicOnly(httpcore.AsyncNetworkBackend):
    """httpcore's network layer, connecting only to public addresses (and ``allowed`` ones
    written as such): the name is resolved here, every address checked, and the connection
    made to a checked address, never to the name (resolved again, it might say otherwise)."""

    def __init__(self, allowed: Collection[IPAddress]) -> None:
        self._allowed = allowed
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        written = _address(host)
        if written is not None and written in self._allowed:
            addresses = [written]
        else:
            addresses = await _resolve(host, port)
            refused = next((a for a in addresses if not is_public_address(a)), None)
            if refused is not None:
                raise _NotPublic(host, refused)
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._network.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None  # _resolve returns at least one address
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no Unix sockets here: public addresses only")

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


async def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order (a failure is a
    :class:`httpcore.ConnectError`, retried like any network error)."""
    try:
        found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise httpcore.ConnectError(f"{host}: {exc}") from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in found]
    if not addresses:
        raise httpcore.ConnectError(f"{host} resolves to no address")
    return list(dict.fromkeys(addresses))


def _transport(allowed: Collection[IPAddress]) -> httpx.AsyncHTTPTransport:
    """httpx's transport with :class:`_PublicOnly` as its network layer (httpx takes no
    network backend itself: its connection pool is replaced by one that has it, as the pool
    httpx makes, with httpx's default limits)."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    defaults = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=defaults.max_connections,
        max_keepalive_connections=defaults.max_keepalive_connections,
        keepalive_expiry=defaults.keepalive_expiry,
        network_backend=_PublicOnly(allowed),
    )
    return transport


def user_agent(contact: str | None = None) -> str:
    """``Baozhai/<version> (+<contact>)``: who is asking and how to reach its operator."""
    try:
        version = importlib.metadata.version("baozhai")
    except importlib.metadata.PackageNotFoundError:  # running from a bare checkout
        version = "0"
    about = f"+{contact}" if contact else "Telegram news digest bot"
    return f"Baozhai/{version} ({about})"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Every limit of the fetcher; the defaults suit a poll every few minutes."""

    timeout: float = 20.0
    """Seconds for one attempt, from connecting to the last byte."""
    max_bytes: int = 5 * 1024 * 1024
    """Largest response body accepted (after decompression)."""
    max_redirects: int = 5
    attempts: int = 3
    """Tries per request, the first included."""
    retry_budget: float = 120.0
    """Seconds all tries of one request may take together (back-off included)."""
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    """Also the cap on a server's ``Retry-After``."""
    backoff_jitter: float = 1.0
    per_site: int = 4
    """Requests in flight at once per site."""
    allow_addresses: frozenset[str] = frozenset()
    """Addresses that are not public but may be fetched from, when a URL writes one of them as
    its host (a test site's ``127.0.0.1``); a name resolving to one is refused all the same."""


@dataclass(frozen=True, slots=True)
class Validators:
    """What a response said to identify its version: sent back to ask "changed since?"."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """The conditional-request headers these validators make (only values a header can
        carry: one kept before that check, from an older cache, is left out)."""
        headers: dict[str, str] = {}
        if _sendable(self.etag):
            headers["If-None-Match"] = self.etag
        if _sendable(self.last_modified):
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True, slots=True)
class Fetched:
    """One response: the decoded text (200), or ``not_modified`` (304, no text)."""

    url: str
    """The URL asked for."""
    final_url: str
    """Where it was found after redirects (relative links resolve against this)."""
    status: int
    text: str | None
    validators: Validators = field(default_factory=Validators)
    encoding: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _Transient(Exception):
    """A failure worth another try; becomes a FetchError once the tries are spent."""

    def __init__(self, url: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason
        self.status = status


class Fetcher:
    """Fetch pages of e-paper sites; one instance per bot (it holds the connection pool).

    A 429 or 503 from a site holds every request to that site until its ``Retry-After``
    (at most :attr:`FetchLimits.backoff_max`, at least :attr:`FetchLimits.backoff_initial`) has
    passed: requests already queued wait too, instead of each asking once more; one whose
    retry budget ends before then fails at once, unasked.
    Use as ``async with Fetcher() as fetcher:`` or call :meth:`aclose`.
    """

    def __init__(self, limits: FetchLimits | None = None, *, contact: str | None = None) -> None:
        self.limits = limits or FetchLimits()
        self.user_agent = user_agent(contact)
        self._allowed = frozenset(ipaddress.ip_address(a) for a in self.limits.allow_addresses)
        self._client = httpx.AsyncClient(
            transport=_transport(self._allowed),
            follow_redirects=True,
            max_redirects=self.limits.max_redirects,
            timeout=httpx.Timeout(self.limits.timeout),
            event_hooks={"request": [self._guard]},
            headers={
                "User-Agent": self.user_agent,
                "Accept": "text/html,application/xml,*/*",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
        )
        self._per_site: dict[tuple[str, int | None], asyncio.Semaphore] = {}
        self._held: dict[tuple[str, int | None], tuple[float, int]] = {}
        """Per site: the monotonic time before which nothing is asked, and the status that
        asked for it."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(
        self, url: str, validators: Validators | None = None, *, within: str | None = None
    ) -> Fetched:
        """GET ``url``; with ``validators``, a conditional GET that may answer 304; with
        ``within`` (a URL), only on that URL's site, redirects included (:func:`same_site`).

        Raises FetchError, ResponseTooLargeError or UnsupportedURLError (see the module
        docstring).
        """
        parts = urlsplit(url)
        key = site(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or key is None:
            raise UnsupportedURLError(url, "only http and https URLs are fetched")
        home = site(within) if within is not None else None
        if within is not None and key != home:
            raise UnsupportedURLError(url, f"not on the site of {within}")
        limits = self.limits
        budget_end = time.monotonic() + limits.retry_budget
        last = ""
        try:
            async for attempt in stamina.retry_context(
                on=_Transient,
                attempts=limits.attempts,
                timeout=limits.retry_budget,
                wait_initial=limits.backoff_initial,
                wait_max=limits.backoff_max,
                wait_jitter=limits.backoff_jitter,
            ):
                with attempt:
                    if attempt.num > 1:  # (stamina's own line names no URL: quieted in logs)
                        log.info("%s: %s; try %d of %d", url, last, attempt.num, limits.attempts)
                    try:
                        return await self._once(url, key, home, validators, budget_end)
                    except _Transient as failure:
                        last = failure.reason
                        raise
        except _Transient as failure:
            raise FetchError(url, failure.reason, status=failure.status) from failure
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    async def _once(
        self,
        url: str,
        key: tuple[str, int | None],
        home: tuple[str, int | None] | None,
        validators: Validators | None,
        budget_end: float,
    ) -> Fetched:
        semaphore = self._per_site.setdefault(key, asyncio.Semaphore(self.limits.per_site))
        headers = validators.headers() if validators else {}
        async with semaphore:
            await self._wait_if_held(url, key, budget_end)
            started = time.monotonic()
            within = _WITHIN.set(home)
            try:
                async with asyncio.timeout(self.limits.timeout):
                    return await self._answer(url, key, headers, validators, budget_end)
            except (TimeoutError, httpx.TimeoutException):
                raise _Transient(url, f"timed out after {self.limits.timeout:g} s") from None
            except _NotPublic as exc:
                raise UnsupportedURLError(url, str(exc)) from None
            except _OffSite as exc:
                # Named by the address asked for (configured, or linked from it), not the
                # target: the operator sees which address moved, and where to.
                raise UnsupportedURLError(url, f"redirected off the site, to {exc}") from None
            except httpx.TooManyRedirects:
                limit = self.limits.max_redirects
                raise FetchError(url, f"more than {limit} redirects (a loop?)") from None
            except httpx.UnsupportedProtocol as exc:
                raise UnsupportedURLError(url, f"redirected to a non-http(s) URL: {exc}") from None
            except httpx.TransportError as exc:
                raise _Transient(url, f"{type(exc).__name__}: {exc}") from None
            except httpx.InvalidURL as exc:
                raise UnsupportedURLError(url, f"not a URL httpx can ask for: {exc}") from None
            except (httpx.HTTPError, UnicodeError) as exc:
                # Not worth another try: the same answer again (a body that does not inflate).
                raise FetchError(url, f"{type(exc).__name__}: {exc}") from None
            finally:
                _WITHIN.reset(within)
                log.debug("GET %s took %.3f s", url, time.monotonic() - started)

    async def _guard(self, request: httpx.Request) -> None:
        """Before each request (the first and every redirect): refuse an address written out
        that is not public (the rest is checked where the connection is made, see the module
        docstring), and a redirect off the site the caller named."""
        host = request.url.host  # as httpx connects to it: 127。0。0。2 is 127.0.0.2 here
        address = _numeric(host)
        if address is not None and not (
            is_public_address(address) or (address == _address(host) and address in self._allowed)
        ):
            raise UnsupportedURLError(str(request.url), f"{host} is not public")
        home = _WITHIN.get(None)
        if home is not None and site(str(request.url)) != home:
            raise _OffSite(str(request.url))

    async def _wait_if_held(self, url: str, key: tuple[str, int | None], budget_end: float) -> None:
        """Wait while the site is held (a 429 or 503 asked for a pause); FetchError at once
        when the pause outlasts this request's retry budget."""
        while (held := self._held.get(key)) is not None and held[0] > time.monotonic():
            self._check_hold(url, key, budget_end)
            await asyncio.sleep(held[0] - time.monotonic())

    def _check_hold(self, url: str, key: tuple[str, int | None], budget_end: float) -> None:
        """FetchError when the site's hold outlasts this request's retry budget."""
        held = self._held.get(key)
        if held is not None and held[0] > budget_end:
            reason = f"HTTP {held[1]}: the site asked for a pause beyond the retry budget"
            raise FetchError(url, reason, status=held[1])

    def _hold(self, key: tuple[str, int | None], status: int, retry_after: float | None) -> None:
        """Hold the site for its ``Retry-After`` (capped at ``backoff_max``), at least for the
        first back-off step (``Retry-After: 0`` or a date past is no licence to hurry)."""
        limits = self.limits
        pause = max(min(retry_after or 0.0, limits.backoff_max), limits.backoff_initial)
        until = time.monotonic() + pause
        held = self._held.get(key)
        if held is None or held[0] < until:
            self._held[key] = (until, status)

    async def _answer(
        self,
        url: str,
        key: tuple[str, int | None],
        headers: dict[str, str],
        validators: Validators | None,
        budget_end: float,
    ) -> Fetched:
        async with self._client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            final_url = str(response.url)
            if status == 304:
                if not headers:
                    raise FetchError(url, "304 to an unconditional request", status=304)
                return Fetched(
                    url, final_url, status, None, _refreshed(validators, _validators(response))
                )
            if status in _TRANSIENT_STATUS or status >= 500:
                retry_after = _retry_after(response.headers.get("Retry-After"))
                if status in _HOLD_STATUS:
                    self._hold(key, status, retry_after)
                    self._check_hold(url, key, budget_end)
                raise _Transient(url, f"HTTP {status}", status=status)
            if not 200 <= status < 300:
                raise FetchError(url, f"HTTP {status}", status=status)
            body = await self._read_bounded(url, response)
            decoded = decode_document(body, response.headers.get("Content-Type"))
            return Fetched(
                url, final_url, status, decoded.text, _validators(response), decoded.encoding
            )

    async def _read_bounded(self, url: str, response: httpx.Response) -> bytes:
        limit = self.limits.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise ResponseTooLargeError(url, limit)
        body = _Inflated(url, response.headers.get("Content-Encoding", ""), limit)
        async for chunk in response.aiter_raw():
            body.feed(chunk)
        return body.bytes()


ACCEPT_ENCODING: Final = "gzip, deflate"
"""What the fetcher can inflate within its limit (:class:`_Inflated`)."""


_INFLATED: Final = frozenset({"gzip", "x-gzip", "deflate"})
_NOT_ASKED: Final = frozenset({"br", "zstd", "compress", "x-compress"})
"""Compressions this fetcher does not undo (and never asks for)."""


class _Inflated:
    """A response body with its ``Content-Encoding`` undone, never more than ``limit`` bytes
    of it made (zlib's ``max_length``): :class:`ResponseTooLargeError` at once past it."""

    def __init__(self, url: str, encoding: str, limit: int) -> None:
        # As httpx: a coding nobody knows ("none", "UTF-8": misconfigured servers) is none.
        codings = [c.strip().lower() for c in encoding.split(",")]
        codings = [c for c in codings if c in _INFLATED or c in _NOT_ASKED]
        if len(codings) > 1 or (codings and codings[0] in _NOT_ASKED):
            raise FetchError(url, f"Content-Encoding {encoding!r} was not asked for")
        self._url, self._limit = url, limit
        self._coding = codings[0] if codings else None
        # A gzip or zlib header, told apart by zlib (47); raw deflate (-15) is tried when a
        # "deflate" body has neither, as some servers send it (httpx does the same).
        self._zlib = zlib.decompressobj(47) if self._coding else None
        self._fed = False
        self._body = bytearray()

    def feed(self, data: bytes) -> None:
        if self._zlib is None:
            self._take(data)
            return
        first, self._fed = not self._fed, True
        while data:
            try:
                out = self._zlib.decompress(data, self._limit + 1 - len(self._body))
            except zlib.error as exc:
                if first and self._coding == "deflate" and not self._body:
                    self._zlib, first = zlib.decompressobj(-15), False
                    continue
                reason = f"the {self._coding} body does not inflate: {exc}"
                raise FetchError(self._url, reason) from None
            self._take(out)
            data = self._zlib.unconsumed_tail

    def _take(self, data: bytes) -> None:
        self._body.extend(data)
        if len(self._body) > self._limit:
            raise ResponseTooLargeError(self._url, self._limit)

    def bytes(self) -> bytes:
        if self._zlib is not None:
            self._take(self._zlib.flush())
        return bytes(self._body)


def _sendable(value: str | None) -> TypeGuard[str]:
    """Whether a validator can go back in a request header (printable ASCII: httpx sends no
    other, and raised for a server's ``ETag: "中"`` on every later poll)."""
    return value is not None and value != "" and value.isascii() and value.isprintable()


def _validators(response: httpx.Response) -> Validators:
    etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    return Validators(
        etag=etag if _sendable(etag) else None,
        last_modified=modified if _sendable(modified) else None,
    )


def _refreshed(kept: Validators | None, fresh: Validators) -> Validators:
    """The validators after a 304: the ones it sent replace those kept, the others stay
    (RFC 9111 4.3.4: a 304 updates the stored response's headers it carries)."""
    if kept is None:
        return fresh
    return Validators(
        etag=fresh.etag or kept.etag, last_modified=fresh.last_modified or kept.last_modified
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() too, yet float("²") fails
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
