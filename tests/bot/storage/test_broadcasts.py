"""Specification of ``store.broadcasts``: drafts, confirmation, and a ledger of their own with
the digest ledger's guarantees (one claim per chat, a dead sender's claim taken over with what
it sent, the fence of a live lease), on both databases."""

from __future__ import annotations

import datetime as dt

from bot.storage.leases import sender_lease_name
from bot.storage.records import DeliveryStatus, MessageState
from bot.storage.store import Store
from tests.bot.storage.helpers import interleave, run_together

LIVE, OTHER, DEAD = "live-sender", "other-sender", "dead-sender"
TTL = dt.timedelta(minutes=5)


def senders(store: Store) -> None:
    for holder in (LIVE, OTHER):
        assert store.leases.acquire(sender_lease_name(holder), holder, TTL) is not None
    store.leases.acquire(sender_lease_name(DEAD), DEAD, dt.timedelta(seconds=-1))


def confirmed(store: Store, text: str = "通知") -> int:
    draft = store.broadcasts.create(text, author_chat_id=9001)
    assert store.broadcasts.confirm(draft.id)
    return draft.id


def test_a_draft_is_neither_sent_nor_resumed_until_confirmed(store: Store) -> None:
    draft = store.broadcasts.create("明天停刊", author_chat_id=9001)
    assert store.broadcasts.unfinished() == []
    assert store.broadcasts.latest() is None
    assert store.broadcasts.confirm(draft.id)
    assert not store.broadcasts.confirm(draft.id)  # a second press confirms nothing
    assert [b.id for b in store.broadcasts.unfinished()] == [draft.id]


def test_a_confirmed_broadcast_cannot_be_discarded(store: Store) -> None:
    kept = confirmed(store)
    dropped = store.broadcasts.create("草稿", author_chat_id=9001).id
    assert not store.broadcasts.discard(kept)
    assert store.broadcasts.discard(dropped)
    assert store.broadcasts.get(dropped) is None


def test_a_chat_is_claimed_by_exactly_one_of_two_senders(store: Store) -> None:
    senders(store)
    broadcast_id = confirmed(store)
    claims = run_together(2, lambda i: store.broadcasts.claim(broadcast_id, 1001, (LIVE, OTHER)[i]))
    assert sum(c is not None for c in claims) == 1


def test_a_dead_senders_claim_is_taken_over_with_its_ledger(store: Store) -> None:
    senders(store)
    broadcast_id = confirmed(store)
    store.leases.acquire(sender_lease_name(DEAD), DEAD, TTL)
    claim = store.broadcasts.claim(broadcast_id, 1001, DEAD)
    assert claim is not None and store.broadcasts.put_on_wire(claim.delivery_id, 0, DEAD)
    store.leases.release(sender_lease_name(DEAD), DEAD)
    resumed = store.broadcasts.claim(broadcast_id, 1001, LIVE)
    assert resumed is not None and resumed.resumed
    assert resumed.parts == {0: MessageState.ON_WIRE}  # in doubt: the policy decides


def test_a_live_senders_claim_is_never_taken_over(store: Store) -> None:
    senders(store)
    broadcast_id = confirmed(store)
    assert store.broadcasts.claim(broadcast_id, 1001, LIVE) is not None
    assert store.broadcasts.claim(broadcast_id, 1001, OTHER) is None


def test_nothing_goes_on_the_wire_without_a_live_lease(store: Store) -> None:
    senders(store)
    broadcast_id = confirmed(store)
    claim = store.broadcasts.claim(broadcast_id, 1001, DEAD)
    assert claim is not None
    assert not store.broadcasts.put_on_wire(claim.delivery_id, 0, DEAD)


def test_a_confirmed_message_is_never_put_on_the_wire_again(store: Store) -> None:
    senders(store)
    broadcast_id = confirmed(store)
    claim = store.broadcasts.claim(broadcast_id, 1001, LIVE)
    assert claim is not None and store.broadcasts.put_on_wire(claim.delivery_id, 0, LIVE)
    store.broadcasts.confirm_part(claim.delivery_id, 0, message_id=5)
    assert not store.broadcasts.put_on_wire(claim.delivery_id, 0, LIVE)
    assert store.broadcasts.message_ids(broadcast_id) == {1001: 5}


def test_pending_chats_are_active_subscribers_that_lack_it(store: Store) -> None:
    senders(store)
    for chat_id in (1001, 1002, 1003, -1004):
        store.subscribers.subscribe(chat_id, "zh", ["甲报"])
    store.subscribers.unsubscribe(1003)
    broadcast_id = confirmed(store)
    store.broadcasts.mark_sent(broadcast_id, 1001)
    assert [s.chat_id for s in store.broadcasts.pending_chats(broadcast_id)] == [-1004, 1002]
    assert store.broadcasts.waiting(broadcast_id) == 2


def test_it_finishes_once_every_active_subscriber_has_it(store: Store) -> None:
    senders(store)
    for chat_id in (1001, 1002):
        store.subscribers.subscribe(chat_id, "zh", ["甲报"])
    broadcast_id = confirmed(store)
    store.broadcasts.mark_sent(broadcast_id, 1001)
    assert not store.broadcasts.finish_if_done(broadcast_id)
    store.broadcasts.mark_failed(broadcast_id, 1002, "network", retryable=True)
    assert not store.broadcasts.finish_if_done(broadcast_id)  # left for a retry
    store.broadcasts.mark_sent(broadcast_id, 1002)
    assert store.broadcasts.finish_if_done(broadcast_id)
    assert store.broadcasts.unfinished() == []
    assert store.broadcasts.counts(broadcast_id) == {DeliveryStatus.SENT: 2}


def test_a_reader_who_left_before_it_reached_them_does_not_hold_it_open(store: Store) -> None:
    senders(store)
    for chat_id in (1001, 1002):
        store.subscribers.subscribe(chat_id, "zh", ["甲报"])
    broadcast_id = confirmed(store)
    store.broadcasts.mark_sent(broadcast_id, 1001)
    store.broadcasts.mark_failed(broadcast_id, 1002, "network", retryable=True)

    store.subscribers.unsubscribe(1002)

    assert store.broadcasts.finish_if_done(broadcast_id)
    assert store.broadcasts.unfinished() == []


def test_a_reader_who_comes_back_after_it_finished_is_not_owed_it(store: Store) -> None:
    senders(store)
    for chat_id in (1001, 1002):
        store.subscribers.subscribe(chat_id, "zh", ["甲报"])
    broadcast_id = confirmed(store)
    store.broadcasts.mark_sent(broadcast_id, 1001)
    store.broadcasts.mark_failed(broadcast_id, 1002, "network", retryable=True)
    store.subscribers.unsubscribe(1002)
    assert store.broadcasts.finish_if_done(broadcast_id)

    store.subscribers.subscribe(1002, "zh", ["甲报"])

    assert store.broadcasts.unfinished() == []  # never resumed: it is over for them


def test_a_migrated_group_keeps_the_broadcast_it_had(store: Store) -> None:
    senders(store)
    store.subscribers.subscribe(-100, "zh", ["甲报"])
    broadcast_id = confirmed(store)
    store.broadcasts.mark_sent(broadcast_id, -100)
    store.subscribers.migrate_chat(-100, -1001000)
    assert store.broadcasts.claim(broadcast_id, -1001000, LIVE) is None
    assert store.broadcasts.pending_chats(broadcast_id) == []


def test_a_failure_reported_by_a_sender_whose_claim_was_taken_over_changes_nothing(
    store: Store,
) -> None:
    senders(store)
    broadcast_id = confirmed(store)
    assert store.broadcasts.claim(broadcast_id, 1001, DEAD) is not None
    assert store.broadcasts.claim(broadcast_id, 1001, LIVE) is not None

    store.broadcasts.mark_failed(broadcast_id, 1001, "network", retryable=True, owner=DEAD)

    assert store.broadcasts.counts(broadcast_id) == {DeliveryStatus.PENDING: 1}
    assert store.broadcasts.claim(broadcast_id, 1001, OTHER) is None


def test_a_late_failure_does_not_reopen_a_broadcast_another_sender_sent(store: Store) -> None:
    senders(store)
    store.subscribers.subscribe(1, "zh")
    broadcast_id = confirmed(store)
    assert store.broadcasts.claim(broadcast_id, 1, DEAD) is not None  # paused past its lease

    def take_over_and_send() -> None:
        assert store.broadcasts.claim(broadcast_id, 1, LIVE) is not None
        store.broadcasts.mark_sent(broadcast_id, 1)

    interleave(
        store,
        slow=lambda: store.broadcasts.mark_failed(broadcast_id, 1, "timed out", True, owner=DEAD),
        fast=take_over_and_send,
        pause_after="FROM broadcast_deliveries",
    )

    delivery = store.broadcasts.get_delivery(broadcast_id, 1)
    assert delivery is not None and delivery.status is DeliveryStatus.SENT
    assert store.broadcasts.claim(broadcast_id, 1, OTHER) is None


def test_a_broadcast_confirmed_while_it_is_cancelled_is_either_sent_or_gone(
    store: Store,
) -> None:
    # Send and Cancel pressed at once (two admins, or a double tap): exactly one wins.
    draft = store.broadcasts.create("通知", author_chat_id=9001)
    outcome: dict[str, bool] = {}

    interleave(
        store,
        slow=lambda: outcome.__setitem__("discarded", store.broadcasts.discard(draft.id)),
        fast=lambda: outcome.__setitem__("confirmed", store.broadcasts.confirm(draft.id)),
        pause_after="FROM broadcasts",
    )

    assert outcome["confirmed"] != outcome["discarded"], outcome
