"""The per-chat throttle on its own: counting, one warning per window, bounded memory; what
it counts and whom an update is counted against, on updates as Telegram sends them."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.components.throttle import ChatThrottle, Verdict, counts, key_of
from bot.localapi.server import ANONYMOUS_ADMIN

BOT = "baozhai_bot"
GROUP = {"id": -1001600000001, "type": "supergroup", "title": "读报会"}
CHANNEL = {"id": -1001700000002, "type": "channel", "title": "早报频道"}
MEMBER = {"id": 2002, "is_bot": False, "first_name": "群友"}


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


def test_group_members_whose_window_passed_are_forgotten() -> None:
    clock = Clock()
    throttle = ChatThrottle(5, 1, clock=clock)
    for member in range(100_000):
        throttle.check((GROUP["id"], member))
        clock.now += 0.01
    assert len(throttle) <= 2 * 1024


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (1, 0)])
def test_a_throttle_that_would_stop_everything_is_refused(limit: int, window: float) -> None:
    with pytest.raises(ValueError):
        ChatThrottle(limit, window)


# --------------------------------------------------------------------------- updates


def message(chat: dict[str, Any], text: str, **fields: Any) -> Update:
    data = {"message_id": 1, "date": 0, "chat": chat, "text": text, **fields}
    return Update.de_json({"update_id": 1, "message": data}, None)


def press(chat: dict[str, Any], user: dict[str, Any]) -> Update:
    bots_message = {"message_id": 1, "date": 0, "chat": chat, "text": "digest"}
    query = {"id": "1", "from": user, "chat_instance": "1", "data": "a:1:1"}
    return Update.de_json(
        {"update_id": 1, "callback_query": {**query, "message": bots_message}}, None
    )


@pytest.mark.parametrize("text", ["/today", f"/today@{BOT}", "/today@BaoZhai_Bot 2"])
def test_in_a_group_commands_to_this_bot_count(text: str) -> None:
    assert counts(message(GROUP, text, **{"from": MEMBER}), BOT)


@pytest.mark.parametrize("text", ["/start@some_other_bot", "/start@some_other_bot baozhai_bot"])
def test_in_a_group_commands_to_other_bots_do_not_count(text: str) -> None:
    assert not counts(message(GROUP, text, **{"from": MEMBER}), BOT)


def test_in_a_group_plain_text_does_not_count() -> None:
    assert not counts(message(GROUP, "早上好", **{"from": MEMBER}), BOT)


def test_in_a_private_chat_everything_counts() -> None:
    chat = {"id": 2002, "type": "private", "first_name": "群友"}
    assert counts(message(chat, "/start@some_other_bot", **{"from": MEMBER}), BOT)
    assert counts(message(chat, "早上好", **{"from": MEMBER}), BOT)


def test_a_private_chat_is_counted_as_itself() -> None:
    chat = {"id": 2002, "type": "private", "first_name": "群友"}
    assert key_of(message(chat, "/today", **{"from": MEMBER})) == 2002


def test_a_group_members_command_is_counted_against_them_in_that_group() -> None:
    assert key_of(message(GROUP, "/today", **{"from": MEMBER})) == (GROUP["id"], 2002)


def test_a_group_members_press_is_counted_against_them_in_that_group() -> None:
    assert key_of(press(GROUP, MEMBER)) == (GROUP["id"], 2002)


def test_an_anonymous_admins_command_is_counted_against_the_group_itself() -> None:
    update = message(GROUP, "/today", **{"from": ANONYMOUS_ADMIN, "sender_chat": GROUP})
    assert key_of(update) == (GROUP["id"], GROUP["id"])


def test_a_command_sent_as_a_channel_is_counted_against_that_channel() -> None:
    channel_bot = {"id": 136817688, "is_bot": True, "first_name": "Channel"}
    update = message(GROUP, "/today", **{"from": channel_bot, "sender_chat": CHANNEL})
    assert key_of(update) == (GROUP["id"], CHANNEL["id"])


def test_a_press_under_a_channels_digest_is_counted_against_the_one_who_pressed() -> None:
    assert key_of(press(CHANNEL, MEMBER)) == 2002
