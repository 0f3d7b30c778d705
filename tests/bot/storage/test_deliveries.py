"""Specification of ``store.deliveries`` (claims, outcomes), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from bot.storage.records import DeliveryStatus
from bot.storage.store import Store
from tests.bot.storage.helpers import DAY, PAPER, add, edition, run_together


@pytest.fixture
def edition_id(store: Store) -> int:
    rec = add(store, edition())
    assert rec is not None
    return rec.id


def test_claim_delivery_succeeds_once(store: Store, edition_id: int) -> None:
    assert store.deliveries.claim(edition_id, 1) is True
    assert store.deliveries.claim(edition_id, 1) is False
    assert store.deliveries.claim(edition_id, 2) is True


def test_claim_delivery_from_two_threads_has_exactly_one_winner(
    store: Store, edition_id: int
) -> None:
    chats = range(1, 26)

    def claim_all(_: int) -> list[bool]:
        return [store.deliveries.claim(edition_id, chat) for chat in chats]

    a, b = run_together(2, claim_all)
    assert all(x != y for x, y in zip(a, b, strict=True))  # one True, one False per chat


def test_a_claim_survives_a_restart(db_url: str | URL) -> None:
    with Store(db_url) as first:
        rec = add(first, edition())
        assert rec is not None
        assert first.deliveries.claim(rec.id, 1)
    with Store(db_url) as second:
        assert second.deliveries.claim(rec.id, 1) is False


def test_mark_delivered_records_the_send(store: Store, edition_id: int) -> None:
    store.deliveries.claim(edition_id, 1)
    assert not store.deliveries.was_sent(edition_id, 1)
    store.deliveries.mark_sent(edition_id, 1)
    assert store.deliveries.was_sent(edition_id, 1)
    d = store.deliveries.get(edition_id, 1)
    assert d is not None and d.status == DeliveryStatus.SENT and d.error is None
    assert d.sent_at is not None and d.sent_at.utcoffset() == dt.timedelta(0)


def test_a_retryable_failure_frees_the_claim(store: Store, edition_id: int) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    store.deliveries.claim(edition_id, 1)
    store.deliveries.mark_failed(edition_id, 1, "Timed out", retryable=True)
    assert [s.chat_id for s in store.deliveries.pending_chats(edition_id)] == [1]
    assert store.deliveries.claim(edition_id, 1) is True
    assert store.deliveries.claim(edition_id, 1) is False
    d = store.deliveries.get(edition_id, 1)
    assert d is not None
    assert (d.status, d.attempts, d.error) == (DeliveryStatus.PENDING, 2, "Timed out")


def test_a_freed_claim_is_retaken_by_only_one_of_two_threads(store: Store, edition_id: int) -> None:
    for chat in range(1, 16):
        store.deliveries.claim(edition_id, chat)
        store.deliveries.mark_failed(edition_id, chat, "flood", retryable=True)

    def claim_all(_: int) -> list[bool]:
        return [store.deliveries.claim(edition_id, chat) for chat in range(1, 16)]

    a, b = run_together(2, claim_all)
    assert all(x != y for x, y in zip(a, b, strict=True))


def test_a_final_failure_keeps_the_claim(store: Store, edition_id: int) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    store.deliveries.claim(edition_id, 1)
    store.deliveries.mark_failed(edition_id, 1, "Bad Request: chat not found", retryable=False)
    assert store.deliveries.claim(edition_id, 1) is False
    assert store.deliveries.pending_chats(edition_id) == []
    assert not store.deliveries.was_sent(edition_id, 1)
    assert store.deliveries.get(edition_id, 1).status == DeliveryStatus.FAILED  # type: ignore[union-attr]


def test_a_failure_reported_after_success_does_not_undo_it(store: Store, edition_id: int) -> None:
    store.deliveries.claim(edition_id, 1)
    store.deliveries.mark_sent(edition_id, 1)
    store.deliveries.mark_failed(edition_id, 1, "late error", retryable=True)
    assert store.deliveries.was_sent(edition_id, 1)
    assert store.deliveries.claim(edition_id, 1) is False


def test_pending_chats_are_active_subscribers_still_owed_the_digest(
    store: Store, edition_id: int
) -> None:
    for chat in (1, 2, 3, 4, 5):
        store.subscribers.subscribe(chat, "zh", [PAPER])
    store.subscribers.unsubscribe(5)
    store.deliveries.claim(edition_id, 1)
    store.deliveries.mark_sent(edition_id, 1)
    store.deliveries.claim(edition_id, 2)  # in flight
    store.deliveries.claim(edition_id, 3)
    store.deliveries.mark_failed(edition_id, 3, "timeout", retryable=True)
    assert [s.chat_id for s in store.deliveries.pending_chats(edition_id)] == [3, 4]


def test_deliveries_of_one_edition_do_not_affect_another(store: Store, edition_id: int) -> None:
    other = add(store, edition(DAY + dt.timedelta(days=1)))
    assert other is not None
    store.subscribers.subscribe(1, "zh", [PAPER])
    store.deliveries.claim(edition_id, 1)
    store.deliveries.mark_sent(edition_id, 1)
    assert [s.chat_id for s in store.deliveries.pending_chats(other.id)] == [1]
    assert store.deliveries.claim(other.id, 1) is True


def test_delivery_statuses_are_stored_as_their_plain_strings(store: Store, edition_id: int) -> None:
    """The enum is Python-side only: the column keeps the strings the schema's CHECK lists."""
    store.deliveries.claim(edition_id, 1)
    store.deliveries.mark_sent(edition_id, 1)
    store.deliveries.claim(edition_id, 2)
    store.deliveries.mark_failed(edition_id, 3, "flood", retryable=True)
    store.deliveries.mark_failed(edition_id, 4, "blocked", retryable=False)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT chat_id, status FROM deliveries")).all()
    assert sorted((c, s) for c, s in rows) == [
        (1, "sent"),
        (2, "pending"),
        (3, "retry"),
        (4, "failed"),
    ]
    record = store.deliveries.get(edition_id, 1)
    assert record is not None and record.status is DeliveryStatus.SENT
    assert [s.value for s in DeliveryStatus] == ["pending", "sent", "failed", "retry"]


def test_pending_chats_are_only_the_readers_of_the_editions_paper(store: Store) -> None:
    ours = add(store, edition(DAY), paper="甲报")
    store.subscribers.subscribe(1, "zh", ["甲报"])
    store.subscribers.subscribe(2, "zh", ["乙报"])
    store.subscribers.subscribe(3, "zh", ["乙报", "甲报"])
    assert [s.chat_id for s in store.deliveries.pending_chats(ours.id)] == [1, 3]
