"""The pacer's schedule under simulated time: groups and channels get 20 messages a minute,
private chats about one a second, everyone together at most the overall rate.

Time is a :class:`SimulatedTime`: the pacer's ``sleep`` moves its ``clock`` forward instead of
waiting, so a minute of sending takes milliseconds and the numbers are exact.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot.delivery import Pacer
from bot.delivery.pacer import FloodPaused

GROUP = -1001234567890  # a supergroup or a channel: negative ids
CHANNEL = -1009876543210
READER = 1001
T = TypeVar("T")


class SimulatedTime:
    """A clock that moves only when every task waits: then straight to the earliest wake-up.

    ``sleep`` registers when it wants to wake and yields until the clock is there;
    :meth:`run` drives the clock while the given coroutines run.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self._wakeups: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # As on a real clock, a sleep takes a little time however short it was asked to be.
        target = self.now + max(1e-9, seconds)
        self._wakeups.append(target)
        try:
            while self.now < target:
                await asyncio.sleep(0)
        finally:
            self._wakeups.remove(target)

    async def run(self, *work: Coroutine[Any, Any, T]) -> list[T]:
        done = False

        async def tick() -> None:
            while not done:
                for _ in range(20):  # let every runnable task reach its next wait
                    await asyncio.sleep(0)
                if self._wakeups:
                    self.now = max(self.now, min(self._wakeups))

        ticker = asyncio.create_task(tick())
        try:
            return list(await asyncio.gather(*work))
        finally:
            done = True
            await ticker


def pacer(time: SimulatedTime, **options: float) -> Pacer:
    return Pacer(
        options.pop("rate", 30.0),
        chat_interval=options.pop("chat_interval", 1.05),
        group_interval=options.pop("group_interval", 3.1),
        clock=time.clock,
        sleep=time.sleep,
    )


async def send_times(pacer: Pacer, time: SimulatedTime, chat_id: int, count: int) -> list[float]:
    """When each of ``count`` sends to ``chat_id`` got its slot (sends take no time)."""
    stamps = []
    for _ in range(count):
        async with pacer.slot(chat_id):
            stamps.append(time.now)
    return stamps


def most_in_any_minute(stamps: list[float]) -> int:
    return max(sum(1 for t in stamps if start <= t < start + 60.0) for start in stamps)


async def test_a_group_gets_at_most_20_messages_in_any_minute() -> None:
    time = SimulatedTime()
    [stamps] = await time.run(send_times(pacer(time), time, GROUP, 45))
    assert most_in_any_minute(stamps) == 20
    assert all(b - a >= 3.1 - 1e-9 for a, b in itertools.pairwise(stamps))


async def test_a_channel_is_paced_like_a_group() -> None:
    time = SimulatedTime()
    [stamps] = await time.run(send_times(pacer(time), time, CHANNEL, 21))
    assert stamps[-1] - stamps[0] >= 60.0  # the 21st is outside the first one's minute


async def test_a_private_chat_keeps_about_one_message_a_second() -> None:
    time = SimulatedTime()
    [stamps] = await time.run(send_times(pacer(time), time, READER, 10))
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(1.05 - 1e-9 <= gap < 1.1 for gap in gaps)


async def test_a_slow_group_does_not_hold_up_private_chats() -> None:
    time = SimulatedTime()
    shared = pacer(time)
    group, reader = await time.run(
        send_times(shared, time, GROUP, 5), send_times(shared, time, READER, 12)
    )
    assert reader[-1] < group[-1]  # 12 private messages before the 5th group message
    assert all(b - a >= 3.1 - 1e-9 for a, b in itertools.pairwise(group))


async def test_many_chats_together_stay_within_the_overall_rate() -> None:
    time = SimulatedTime()
    shared = pacer(time, rate=30.0)
    chats = [READER + n for n in range(60)] + [GROUP - n for n in range(60)]
    runs = await time.run(*(send_times(shared, time, chat, 1) for chat in chats))
    stamps = sorted(t for run in runs for t in run)
    # A bucket of 5 at first, then 30 a second: 120 messages need at least (120 - 5) / 30 s.
    assert stamps[-1] >= (120 - 5) / 30
    for start in stamps:
        assert sum(1 for t in stamps if start <= t < start + 1.0) <= 30 + 5


async def test_a_sender_waiting_when_a_long_pause_begins_is_told_instead_of_kept_waiting() -> None:
    time = SimulatedTime()
    shared = pacer(time, chat_interval=0.0)
    for _ in range(5):  # the bucket is empty: the next send has to wait for a token
        await shared.acquire(READER)
        shared.release(READER)

    async def waiting() -> BaseException | None:
        try:
            await shared.acquire(READER + 1, within=600)
        except FloodPaused as exc:
            return exc
        return None

    async def long_429() -> None:
        await asyncio.sleep(0)  # the other sender is waiting for its token by now
        shared.pause(3600)

    told, _ = await time.run(waiting(), long_429())

    assert isinstance(told, FloodPaused) and told.seconds > 3599
    assert time.now < 1  # not an hour later


async def test_a_patient_sender_in_a_pause_keeps_no_impatient_one_from_giving_up() -> None:
    # A fan-out worker waits out a 10-minute 429; a reader's reply (a minute of patience)
    # is told at once instead of queueing behind it.
    time = SimulatedTime()
    shared = pacer(time)
    shared.pause(600)

    async def patient() -> float:
        await shared.acquire(READER, within=600)
        shared.release(READER)
        return time.now

    async def impatient() -> tuple[float, BaseException | None]:
        await asyncio.sleep(0)  # the patient one is waiting by now
        try:
            await shared.acquire(READER + 1, within=60)
        except FloodPaused as exc:
            return time.now, exc
        return time.now, None

    sent_at, (told_at, told) = await time.run(patient(), impatient())

    assert isinstance(told, FloodPaused) and told_at < 1
    assert sent_at >= 600
