"""A polite, bounded HTTP fetcher for e-paper sites (httpx, async).

Polite: a User-Agent naming the bot, at most :attr:`FetchLimits.per_site` requests in flight
per host, conditional requests (``If-None-Match`` / ``If-Modified-Since``) when the caller
passes the validators it kept, back-off between retries, ``Retry-After`` honoured (capped).
Bounded: a deadline per attempt (connect to last byte), a retry budget, at most
:attr:`FetchLimits.max_redirects` redirects, only http and https, no redirect to another host
that is no public address (:func:`is_public_host`: a site must not point the bot at
``localhost`` or a cloud's metadata address and have the answer published), at most
:attr:`FetchLimits.max_bytes` per response (streamed, so a huge body is never held; a
compressed one is inflated here, never more than the limit at a time: httpx inflates each
64 KiB read whole, 64 MB of a gzip bomb in one piece).

Retries use ``stamina`` (hynek's well-kept wrapper over tenacity's ideas): exponential back-off
with jitter, attempt and total-time limits, and a hook that decides per exception whether to
retry and may return the wait (``Retry-After``); writing that loop by hand is easy to get
subtly wrong (jitter, budget, cancellation). Transient failures are retried: network errors,
timeouts, 5xx, 429. A 4xx other than 429, an oversized body or a redirect loop is not: asking
again at once would get the same answer.

Errors (:mod:`bot.errors`): :class:`FetchError` (after the retries; ``status`` when there
was one), :class:`ResponseTooLargeError`, :class:`UnsupportedURLError`; nothing else, whatever
the server sends (a body that does not inflate, a header that is no ASCII), so a caller loses
one page or article to a bad answer, never the edition.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Final, Self, TypeGuard
from urllib.parse import urlsplit

import httpx
import stamina

from bot.errors import FetchError, ResponseTooLargeError, UnsupportedURLError
from bot.sources.epaper.decode import decode_document

__all__ = [
    "FetchLimits",
    "Fetched",
    "Fetcher",
    "Validators",
    "is_public_host",
    "may_lead",
    "user_agent",
]

log = logging.getLogger(__name__)

_TRANSIENT_STATUS: Final = frozenset({408, 425, 429, 500, 502, 503, 504})
_ASKED: contextvars.ContextVar[str] = contextvars.ContextVar("asked")
"""The host the caller asked for, while its request and redirects run (:func:`_guard`)."""


def is_public_host(host: str) -> bool:
    """Whether ``host`` may be a public web site's: not ``localhost`` and not an address of
    a private, loopback, link-local or otherwise reserved range, written as an IP address.
    (Names are not resolved: a public name pointing inside is the operator's to configure.)"""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    try:  # the forms the resolver also reads as IPv4: 127.1, 2130706433, 0x7f000001, 0
        return ipaddress.IPv4Address(socket.inet_aton(host)).is_global
    except OSError:
        return True


def may_lead(source_host: str, target_host: str) -> bool:
    """Whether what a site at ``source_host`` sends (a redirect, a link) may take the bot to
    ``target_host``: the same host, or another that is a public address (a paper may keep its
    articles on a sibling host, or redirect to ``www.``)."""
    return target_host == source_host or is_public_host(target_host)


async def _guard(request: httpx.Request) -> None:
    """Refuse a redirect to another host that is no public address (see the module docstring);
    the host first asked for is the operator's choice and always allowed."""
    host = request.url.host
    if not may_lead(_ASKED.get(host), host):
        raise UnsupportedURLError(str(request.url), "redirected to an address that is not public")


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
    """Requests in flight at once per host."""


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
        self.retry_after: float | None = None


class Fetcher:
    """Fetch pages of e-paper sites; one instance per bot (it holds the connection pool).

    ``transport`` replaces httpx's network layer; its responses must stream their bodies,
    as a network's do (the body is read raw, to inflate it within the limit).
    Use as ``async with Fetcher() as fetcher:`` or call :meth:`aclose`.
    """

    def __init__(
        self,
        limits: FetchLimits | None = None,
        *,
        contact: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.limits = limits or FetchLimits()
        self.user_agent = user_agent(contact)
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=True,
            max_redirects=self.limits.max_redirects,
            timeout=httpx.Timeout(self.limits.timeout),
            event_hooks={"request": [_guard]},
            headers={
                "User-Agent": self.user_agent,
                "Accept": "text/html,application/xml,*/*",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
        )
        self._per_site: dict[str, asyncio.Semaphore] = {}

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

    async def get(self, url: str, validators: Validators | None = None) -> Fetched:
        """GET ``url``; with ``validators``, a conditional GET that may answer 304.

        Raises FetchError, ResponseTooLargeError or UnsupportedURLError (see the module
        docstring).
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UnsupportedURLError(url, "only http and https URLs are fetched")
        limits = self.limits
        try:
            async for attempt in stamina.retry_context(
                on=_retry_hook(limits.backoff_max),
                attempts=limits.attempts,
                timeout=limits.retry_budget,
                wait_initial=limits.backoff_initial,
                wait_max=limits.backoff_max,
                wait_jitter=limits.backoff_jitter,
            ):
                with attempt:
                    if attempt.num > 1:
                        log.info("%s: try %d of %d", url, attempt.num, limits.attempts)
                    return await self._once(url, parts.netloc.lower(), validators)
        except _Transient as failure:
            raise FetchError(url, failure.reason, status=failure.status) from failure
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    async def _once(self, url: str, host: str, validators: Validators | None) -> Fetched:
        semaphore = self._per_site.setdefault(host, asyncio.Semaphore(self.limits.per_site))
        headers = validators.headers() if validators else {}
        async with semaphore:
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.limits.timeout):
                    return await self._request(url, headers, validators)
            except (TimeoutError, httpx.TimeoutException):
                raise _Transient(url, f"timed out after {self.limits.timeout:g} s") from None
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
                log.debug("GET %s took %.3f s", url, time.monotonic() - started)

    async def _request(
        self, url: str, headers: dict[str, str], validators: Validators | None
    ) -> Fetched:
        asked = _ASKED.set(httpx.URL(url).host)
        try:
            return await self._answer(url, headers, validators)
        finally:
            _ASKED.reset(asked)

    async def _answer(
        self, url: str, headers: dict[str, str], validators: Validators | None
    ) -> Fetched:
        async with self._client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            final_url = str(response.url)
            if status == 304:
                return Fetched(
                    url, final_url, status, None, _refreshed(validators, _validators(response))
                )
            if status in _TRANSIENT_STATUS or status >= 500:
                failure = _Transient(url, f"HTTP {status}", status=status)
                failure.retry_after = _retry_after(response.headers.get("Retry-After"))
                raise failure
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
        if declared.isdigit() and int(declared) > limit:
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
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _retry_hook(cap: float) -> Callable[[Exception], bool | float]:
    """Retry :class:`_Transient` failures only; wait what ``Retry-After`` asks, at most ``cap``."""

    def hook(error: Exception) -> bool | float:
        if not isinstance(error, _Transient):
            return False
        if error.retry_after is not None:
            return min(error.retry_after, cap)
        return True

    return hook
