"""Specification of store.follows, store.alerts and the readers' own settings: caps,
idempotent decisions, the one-message ledger (claims, the lease fence, in doubt), on both
databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from bot.storage import alerts
from bot.storage.follows import FollowResult
from bot.storage.models import utcnow
from bot.storage.records import AlertClaim, AlertStatus
from bot.storage.store import Store
from tests.bot.storage.helpers import PAPER, add, edition, interleave, racing_as, run_together

ITEMS = [(1, "工会", "工会主席讲话。", "0a1b2c3d"), (3, "劳模", "", "")]


def live(store: Store, holder: str) -> None:
    """``holder`` is a sender with a live lease."""
    assert store.leases.acquire(f"sender:{holder}", holder, dt.timedelta(minutes=5))


def decided(store: Store, chat_id: int = 101) -> int:
    """An edition with one decided alert for ``chat_id``; the alert's id."""
    store.subscribers.subscribe(chat_id, "zh", [PAPER])
    record = add(store, edition())
    assert store.alerts.decide(record.id, {chat_id: (ITEMS, 2)}) == 1
    alert = store.alerts.get(record.id, chat_id)
    assert alert is not None
    return alert.id


# --------------------------------------------------------------------------- follows


def test_a_reader_follows_a_term_once(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    assert store.follows.add(1, "工会", cap=20) is FollowResult.ADDED
    assert store.follows.add(1, "工会", cap=20) is FollowResult.EXISTS
    assert store.follows.of(1) == ["工会"]


def test_the_cap_is_enforced(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    for n in range(3):
        assert store.follows.add(1, f"词{n}", cap=3) is FollowResult.ADDED
    assert store.follows.add(1, "再一个", cap=3) is FollowResult.FULL
    assert store.follows.count(1) == 3


def test_several_terms_are_followed_at_once_up_to_the_cap(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    store.follows.add(1, "工会", cap=3)

    results = store.follows.add_all(1, ["驿站", "工会", "电梯", "劳模"], cap=3)

    assert results == [
        FollowResult.ADDED,
        FollowResult.EXISTS,
        FollowResult.ADDED,
        FollowResult.FULL,
    ]
    assert store.follows.of(1) == ["工会", "驿站", "电梯"]


def test_an_unknown_chat_cannot_follow(store: Store) -> None:
    assert store.follows.add(404, "工会", cap=20) is FollowResult.UNKNOWN


def test_unfollowing_removes_only_that_term(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    store.follows.add(1, "工会", cap=20)
    store.follows.add(1, "劳模", cap=20)
    assert store.follows.remove(1, "工会")
    assert not store.follows.remove(1, "工会")
    assert store.follows.of(1) == ["劳模"]


def test_follows_of_readers_are_active_readers_of_the_paper_followed_before_a_time(
    store: Store,
) -> None:
    for chat in (1, 2, 3):
        store.subscribers.subscribe(chat, "zh", [PAPER])
        store.follows.add(chat, "工会", cap=20)
    store.subscribers.subscribe(4, "zh", ["别的报"])
    store.follows.add(4, "工会", cap=20)
    store.subscribers.unsubscribe(2)
    cutoff = utcnow()
    store.follows.add(3, "后来的", cap=20)
    assert store.follows.of_readers(PAPER, since_before=cutoff) == [(1, "工会"), (3, "工会")]


# --------------------------------------------------------------------------- settings


def test_a_readers_zone_and_quiet_hours_round_trip(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    store.subscribers.set_timezone(1, "Europe/Berlin")
    store.subscribers.set_quiet_hours(1, (dt.time(23, 0), dt.time(6, 30)))
    record = store.subscribers.get(1)
    assert record is not None
    assert record.timezone == "Europe/Berlin"
    assert record.quiet_hours == (dt.time(23, 0), dt.time(6, 30))
    store.subscribers.set_timezone(1, None)
    store.subscribers.set_quiet_hours(1, None)
    record = store.subscribers.get(1)
    assert record is not None and (record.timezone, record.quiet_hours) == (None, None)


# --------------------------------------------------------------------------- alerts


LATE_ITEMS = [*ITEMS, (8, "工会", "省总工会部署夏季高温劳动保护工作。", "8c8c8c8c")]


def test_deciding_again_adds_no_second_alert(store: Store) -> None:
    store.subscribers.subscribe(101, "zh", [PAPER])
    record = add(store, edition())
    assert store.alerts.decide(record.id, {101: (ITEMS, 2)}) == 1
    assert store.alerts.decide(record.id, {101: (ITEMS, 2), 102: (ITEMS, 2)}) == 1
    assert [alert.items for alert in store.alerts.of_chat(101)] == [tuple(ITEMS)]


def test_deciding_again_brings_an_alert_no_sender_has_taken_up_to_date(store: Store) -> None:
    alert_id = decided(store)
    [waiting] = store.alerts.of_chat(101)

    assert store.alerts.decide(waiting.edition_id, {101: (LATE_ITEMS, 3)}) == 0

    alert = store.alerts.get(waiting.edition_id, 101)
    assert alert is not None and alert.id == alert_id
    assert (alert.items, alert.matched, alert.status) == (
        tuple(LATE_ITEMS),
        3,
        AlertStatus.PENDING,
    )


@pytest.mark.parametrize("stage", ["claimed", "on_wire", "sent"])
def test_deciding_again_leaves_an_alert_a_sender_has_taken_as_it_was(
    store: Store, stage: str
) -> None:
    alert_id = decided(store)
    live(store, "me")
    assert store.alerts.claim(alert_id, "me") is not None
    if stage != "claimed":
        assert store.alerts.put_on_wire(alert_id, "me")
    if stage == "sent":
        store.alerts.confirm(alert_id, 777)
    [taken] = store.alerts.of_chat(101)

    store.alerts.decide(taken.edition_id, {101: (LATE_ITEMS, 3)})

    assert store.alerts.of_chat(101) == [taken]


def test_an_alert_decided_before_marks_is_read_with_empty_marks(store: Store) -> None:
    store.subscribers.subscribe(101, "zh", [PAPER])
    record = add(store, edition())
    store.alerts.decide(record.id, {101: ([(1, "工会", "工会主席讲话。")], 1)})  # type: ignore[list-item]
    alert = store.alerts.get(record.id, 101)
    assert alert is not None and alert.items == ((1, "工会", "工会主席讲话。", ""),)


def test_a_decided_alert_is_due_until_it_is_sent(store: Store) -> None:
    alert_id = decided(store)
    assert [a.id for a, _ in store.alerts.due()] == [alert_id]
    live(store, "me")
    claim = store.alerts.claim(alert_id, "me")
    assert claim is not None and not claim.in_doubt
    assert store.alerts.put_on_wire(alert_id, "me")
    store.alerts.confirm(alert_id, 777)
    assert store.alerts.due() == []
    assert store.alerts.claim(alert_id, "me") is None
    [alert] = store.alerts.of_chat(101)
    assert alert.status is AlertStatus.SENT


def test_an_inactive_readers_alert_is_not_due(store: Store) -> None:
    decided(store)
    store.subscribers.unsubscribe(101)
    assert store.alerts.due() == []


def test_a_live_senders_claim_is_never_taken(store: Store) -> None:
    alert_id = decided(store)
    live(store, "first")
    assert store.alerts.claim(alert_id, "first") is not None
    assert store.alerts.claim(alert_id, "second") is None
    assert store.alerts.due() == []


def test_a_dead_senders_claim_is_taken_over(store: Store) -> None:
    alert_id = decided(store)
    assert store.alerts.claim(alert_id, "dead") is not None  # no lease: dead at once
    claim = store.alerts.claim(alert_id, "next")
    assert claim is not None and not claim.in_doubt


def test_a_message_on_the_wire_when_its_sender_died_is_in_doubt(store: Store) -> None:
    alert_id = decided(store)
    live(store, "crashed")
    store.alerts.claim(alert_id, "crashed")
    assert store.alerts.put_on_wire(alert_id, "crashed")
    store.leases.release("sender:crashed", "crashed")  # it dies with the request out
    claim = store.alerts.claim(alert_id, "next")
    assert claim is not None and claim.in_doubt


def test_an_alert_put_on_the_wire_while_it_is_taken_over_is_in_doubt(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The old sender's lease runs out as it puts the alert on the wire: its fence passed a
    # moment before by its clock, the taker's claim goes through a moment after by its own
    # (here: the taker's clock 10 minutes on, past the 5-minute lease). The taker read the
    # alert before the old sender's write committed; it must still know the alert may be
    # out (in doubt), or not take it: never send it blind.
    alert_id = decided(store)
    live(store, "old")
    assert store.alerts.claim(alert_id, "old") is not None
    real = alerts.utcnow
    later = dt.timedelta(minutes=10)
    monkeypatch.setattr(
        alerts,
        "utcnow",
        lambda: real() + (later if racing_as() == "slow" else dt.timedelta()),
    )
    taken: list[AlertClaim | None] = []
    sent_by_old: list[bool] = []

    interleave(
        store,
        slow=lambda: taken.append(store.alerts.claim(alert_id, "new")),
        fast=lambda: sent_by_old.append(store.alerts.put_on_wire(alert_id, "old")),
        pause_after="FROM alerts",
    )

    [claim], [on_wire] = taken, sent_by_old
    assert claim is None or claim.in_doubt or not on_wire


def test_nothing_goes_on_the_wire_without_a_live_lease(store: Store) -> None:
    alert_id = decided(store)
    store.alerts.claim(alert_id, "nolease")
    assert not store.alerts.put_on_wire(alert_id, "nolease")


def test_nothing_goes_on_the_wire_for_a_sender_whose_claim_was_taken(store: Store) -> None:
    alert_id = decided(store)
    store.alerts.claim(alert_id, "slow")  # no lease yet: taken over below
    live(store, "fast")
    assert store.alerts.claim(alert_id, "fast") is not None
    live(store, "slow")
    assert not store.alerts.put_on_wire(alert_id, "slow")


def test_a_retryable_failure_frees_the_alert_and_a_final_one_ends_it(store: Store) -> None:
    alert_id = decided(store)
    live(store, "me")
    store.alerts.claim(alert_id, "me")
    store.alerts.release(alert_id, "network", retryable=True, owner="me")
    assert [a.id for a, _ in store.alerts.due()] == [alert_id]
    store.alerts.claim(alert_id, "me")
    store.alerts.release(alert_id, "blocked", retryable=False, owner="me")
    assert store.alerts.due() == []


def test_a_sent_alert_is_never_downgraded(store: Store) -> None:
    alert_id = decided(store)
    live(store, "me")
    store.alerts.claim(alert_id, "me")
    store.alerts.put_on_wire(alert_id, "me")
    store.alerts.confirm(alert_id, 5)
    store.alerts.release(alert_id, "late error", retryable=True, owner="me")
    [alert] = store.alerts.of_chat(101)
    assert alert.status is AlertStatus.SENT


def test_a_sender_whose_alert_was_taken_over_cannot_free_it(store: Store) -> None:
    alert_id = decided(store)
    store.alerts.claim(alert_id, "paused")  # no lease: as if it expired while paused
    live(store, "taker")
    assert store.alerts.claim(alert_id, "taker") is not None
    assert store.alerts.put_on_wire(alert_id, "taker")

    assert not store.alerts.release(alert_id, "TimedOut", retryable=True, owner="paused")

    [alert] = store.alerts.of_chat(101)
    assert (alert.status, alert.claimed_by) == (AlertStatus.ON_WIRE, "taker")
    assert store.alerts.due() == []


def test_an_alert_freed_while_on_the_wire_is_in_doubt_for_the_next_claim(store: Store) -> None:
    alert_id = decided(store)
    live(store, "me")
    store.alerts.claim(alert_id, "me")
    store.alerts.put_on_wire(alert_id, "me")

    assert store.alerts.release(alert_id, "cancelled", retryable=True, owner="me")

    claim = store.alerts.claim(alert_id, "me")
    assert claim is not None and claim.in_doubt


def test_deleting_a_subscriber_row_takes_its_follows_along(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    store.follows.add(1, "工会", cap=20)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM subscribers WHERE chat_id = 1"))
    assert store.follows.of(1) == []


def test_two_follows_at_once_at_the_cap_do_not_both_pass(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    for n in range(4):
        store.follows.add(1, f"词{n}", cap=5)
    results = run_together(2, lambda i: store.follows.add(1, f"新{i}", cap=5))
    assert sorted(results) == [FollowResult.ADDED, FollowResult.FULL]
    assert store.follows.count(1) == 5


def test_a_senders_own_stale_claims_are_freed_on_the_wire_ones_in_doubt(store: Store) -> None:
    for chat_id in (101, 102):
        store.subscribers.subscribe(chat_id, "zh", [PAPER])
    record = add(store, edition())
    assert record is not None
    store.alerts.decide(record.id, {101: (ITEMS, 2), 102: (ITEMS, 2)})
    waiting, out = (store.alerts.of_chat(chat_id)[0].id for chat_id in (101, 102))
    live(store, "me")
    store.alerts.claim(waiting, "me")
    store.alerts.claim(out, "me")
    store.alerts.put_on_wire(out, "me")
    assert store.alerts.due() == []  # a live sender's

    assert store.alerts.free_own("me") == 2

    assert sorted(a.id for a, _ in store.alerts.due()) == sorted([waiting, out])
    claim = store.alerts.claim(out, "me")
    assert claim is not None and claim.in_doubt
