"""Fixtures of the e-paper tests: a real local HTTP server and a fetcher with test-sized limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sources.epaper import Fetcher, FetchLimits
from tests.bot.sources.epaper.server import LOCAL, SiteServer

FAST = FetchLimits(
    timeout=1.0,  # roomy: a loaded CI machine must not time out a fast answer
    attempts=3,
    retry_budget=5.0,
    backoff_initial=0.01,
    backoff_max=0.05,
    backoff_jitter=0.01,
    per_site=4,
    allow_addresses=LOCAL,
)
"""Small timeouts and back-offs so that failure paths stay fast; the local server allowed."""


@pytest.fixture
def server(site: SiteServer) -> SiteServer:
    """The e-paper tests call the site fixture (tests/bot/conftest.py) their server."""
    return site


@pytest.fixture
async def elsewhere() -> AsyncIterator[SiteServer]:
    """Another site: the same address (allowed), another port, so another site."""
    other = SiteServer()
    await other.start()
    try:
        yield other
    finally:
        await other.stop()


@pytest.fixture
async def inside() -> AsyncIterator[SiteServer]:
    """A server on 127.0.0.2: an address that is not public and not allowed (a stand-in for
    a cloud's metadata service or the office network)."""
    private = SiteServer(address="127.0.0.2")
    await private.start()
    try:
        yield private
    finally:
        await private.stop()


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FAST, contact="https://example.org/baozhai") as client:
        yield client
