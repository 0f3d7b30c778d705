"""A real HTTP server on 127.0.0.1 serving a fixture site (aiohttp.web), with a request log.

Answers like a static web server: ETag and Last-Modified on every resource that has
``validators``, 304 to a matching ``If-None-Match`` / ``If-Modified-Since``, 404 for unknown
paths; plus the misbehaviour a :class:`~tests.bot.sources.epaper.sites.Resource` asks for (delay,
503 the first N times, any status and headers). The site dict may be changed between polls.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field

from aiohttp import web

from tests.bot.sources.epaper.sites import Resource

__all__ = ["LOCAL", "Hit", "SiteServer"]

LOCAL: frozenset[str] = frozenset({"127.0.0.1"})
"""The test allowance: the one address that is not public the fetcher may reach (as
``FetchLimits.allow_addresses`` / ``[sources] allow_addresses``), the one this server serves on."""

LAST_MODIFIED = "Mon, 01 Jul 2024 00:00:00 GMT"


@dataclass(frozen=True)
class Hit:
    """One request the server answered."""

    path: str
    status: int
    user_agent: str
    conditional: bool
    at: float = 0.0
    """When the request came (``time.monotonic()``)."""


@dataclass
class SiteServer:
    """Serve ``site`` (path → Resource) on ``address`` until :meth:`stop`."""

    site: dict[str, Resource] = field(default_factory=dict)
    address: str = "127.0.0.1"
    hits: list[Hit] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _runner: web.AppRunner | None = None
    _port: int = 0
    _failures: dict[str, int] = field(default_factory=dict)

    def url(self, path: str = "/") -> str:
        return f"http://{self.address}:{self._port}{path}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.address, 0)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def statuses(self) -> list[int]:
        return [hit.status for hit in self.hits]

    def reset(self) -> None:
        self.hits.clear()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            response = await self._answer(request)
        finally:
            self.in_flight -= 1
        conditional = "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
        self.hits.append(
            Hit(
                request.path,
                response.status,
                request.headers.get("User-Agent", ""),
                conditional,
                at,
            )
        )
        return response

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        resource = self.site.get(request.path)
        if resource is None:
            return web.Response(status=404, text="not found")
        if resource.delay:
            await asyncio.sleep(resource.delay)
        failed = self._failures.get(request.path, 0)
        if failed < resource.fail_first:
            self._failures[request.path] = failed + 1
            return web.Response(status=503, text="busy", headers=resource.headers)
        headers = dict(resource.headers)
        if resource.validators and resource.status == 200:
            etag = '"' + hashlib.sha256(resource.body).hexdigest()[:16] + '"'
            headers.update(ETag=etag, **{"Last-Modified": LAST_MODIFIED})
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers=headers)
        return web.Response(
            status=resource.status,
            body=resource.body,
            headers={"Content-Type": resource.content_type, **headers},
        )
