"""The short-lived cache behind /stats and /today: one computation per key, keys independent."""

from __future__ import annotations

import asyncio

import pytest

from bot.cache import TtlCache


class Maker:
    """A computation that counts its runs and finishes when told to."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.runs = 0
        self.release = asyncio.Event()

    async def __call__(self) -> str:
        self.runs += 1
        await self.release.wait()
        return self.value


async def test_readers_asking_at_once_share_one_computation() -> None:
    cache: TtlCache[str] = TtlCache()
    make = Maker("chart")
    askers = [asyncio.create_task(cache.get("stats", make)) for _ in range(5)]
    await asyncio.sleep(0)
    make.release.set()
    assert await asyncio.gather(*askers) == ["chart"] * 5
    assert make.runs == 1


async def test_a_slow_key_does_not_hold_up_another() -> None:
    cache: TtlCache[str] = TtlCache()
    slow, quick = Maker("slow"), Maker("quick")
    quick.release.set()
    waiting = asyncio.create_task(cache.get("a", slow))
    await asyncio.sleep(0)
    assert await asyncio.wait_for(cache.get("b", quick), timeout=5) == "quick"
    assert not waiting.done()
    slow.release.set()
    assert await waiting == "slow"


async def test_a_value_is_kept_for_its_ttl_then_made_again() -> None:
    now = [0.0]
    cache: TtlCache[str] = TtlCache(ttl=60, clock=lambda: now[0])
    make = Maker("v")
    make.release.set()
    await cache.get("k", make)
    now[0] = 59.0
    await cache.get("k", make)
    assert make.runs == 1
    now[0] = 61.0
    await cache.get("k", make)
    assert make.runs == 2


async def test_a_failure_reaches_every_asker_and_is_not_kept() -> None:
    cache: TtlCache[str] = TtlCache()
    runs = 0

    async def broken() -> str:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0)
        raise OSError("archive unreadable")

    results = await asyncio.gather(
        cache.get("k", broken), cache.get("k", broken), return_exceptions=True
    )
    assert [type(r) for r in results] == [OSError, OSError] and runs == 1
    with pytest.raises(OSError):
        await cache.get("k", broken)
    assert runs == 2


async def test_one_asker_giving_up_does_not_cancel_it_for_the_others() -> None:
    cache: TtlCache[str] = TtlCache()
    make = Maker("chart")
    first = asyncio.create_task(cache.get("k", make))
    second = asyncio.create_task(cache.get("k", make))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    make.release.set()
    assert await second == "chart" and make.runs == 1
    assert first.cancelled()
