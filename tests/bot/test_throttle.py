"""The per-chat throttle on its own: counting, one warning per window, bounded memory."""

from __future__ import annotations

import pytest

from bot.components.throttle import ChatThrottle, Verdict


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_within_the_limit_everything_passes_then_one_warning_then_silence() -> None:
    throttle = ChatThrottle(3, 60, clock=Clock())
    verdicts = [throttle.check(1) for _ in range(6)]
    assert verdicts == [Verdict.ADMIT] * 3 + [Verdict.WARN] + [Verdict.DROP] * 2


def test_a_chat_is_heard_again_once_its_window_has_passed() -> None:
    clock = Clock()
    throttle = ChatThrottle(1, 60, clock=clock)
    assert [throttle.check(1), throttle.check(1)] == [Verdict.ADMIT, Verdict.WARN]
    clock.now += 60
    assert throttle.check(1) is Verdict.ADMIT


def test_one_chat_over_its_limit_does_not_touch_another() -> None:
    throttle = ChatThrottle(1, 60, clock=Clock())
    for _ in range(5):
        throttle.check(1)
    assert throttle.check(2) is Verdict.ADMIT


def test_the_time_left_counts_down_from_the_first_update() -> None:
    clock = Clock()
    throttle = ChatThrottle(1, 60, clock=clock)
    throttle.check(1)
    clock.now += 45
    assert throttle.remaining(1) == pytest.approx(15)
    assert throttle.remaining(2) == 0


def test_chats_whose_window_passed_are_forgotten() -> None:
    clock = Clock()
    throttle = ChatThrottle(5, 1, clock=clock)
    for chat in range(100_000):
        throttle.check(chat)
        clock.now += 0.01  # a hundred new chats a second: windows keep passing
    assert len(throttle) <= 2 * 1024


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (1, 0)])
def test_a_throttle_that_would_stop_everything_is_refused(limit: int, window: float) -> None:
    with pytest.raises(ValueError):
        ChatThrottle(limit, window)
