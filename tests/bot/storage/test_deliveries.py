"""Specification of ``store.deliveries`` (claims, outcomes), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from bot.storage.deliveries import rendering_of
from bot.storage.leases import sender_lease_name
from bot.storage.records import Claim, DeliveryStatus, LedgerWrites, MessageState
from bot.storage.store import Store
from tests.bot.storage.helpers import (
    DAY,
    PAPER,
    add,
    article,
    edition,
    interleave,
    run_together,
    summaries,
)

LIVE = "live-sender"
TTL = dt.timedelta(seconds=60)


@pytest.fixture(autouse=True)
def live_sender(store: Store) -> None:
    """Claims in these tests belong to a sender with a live lease."""
    assert store.leases.acquire(sender_lease_name(LIVE), LIVE, TTL) is not None


@pytest.fixture
def edition_id(store: Store) -> int:
    rec = add(store, edition())
    assert rec is not None
    return rec.id


def test_claim_delivery_succeeds_once(store: Store, edition_id: int) -> None:
    assert store.deliveries.claim(edition_id, 1, LIVE) is not None
    assert store.deliveries.claim(edition_id, 1, LIVE) is None
    assert store.deliveries.claim(edition_id, 2, LIVE) is not None


def test_claim_delivery_from_two_threads_has_exactly_one_winner(
    store: Store, edition_id: int
) -> None:
    chats = range(1, 26)

    def claim_all(_: int) -> list[bool]:
        return [store.deliveries.claim(edition_id, chat, LIVE) is not None for chat in chats]

    a, b = run_together(2, claim_all)
    assert all(x != y for x, y in zip(a, b, strict=True))  # one True, one False per chat


def test_a_claim_survives_a_restart(db_url: str | URL) -> None:
    with Store(db_url) as first:
        first.leases.acquire(sender_lease_name(LIVE), LIVE, TTL)
        rec = add(first, edition())
        assert rec is not None
        assert first.deliveries.claim(rec.id, 1, LIVE)
    with Store(db_url) as second:
        assert second.deliveries.claim(rec.id, 1, LIVE) is None


def test_mark_delivered_records_the_send(store: Store, edition_id: int) -> None:
    store.deliveries.claim(edition_id, 1, LIVE)
    assert not store.deliveries.was_sent(edition_id, 1)
    store.deliveries.mark_sent(edition_id, 1)
    assert store.deliveries.was_sent(edition_id, 1)
    d = store.deliveries.get(edition_id, 1)
    assert d is not None and d.status == DeliveryStatus.SENT and d.error is None
    assert d.sent_at is not None and d.sent_at.utcoffset() == dt.timedelta(0)


def test_a_retryable_failure_frees_the_claim(store: Store, edition_id: int) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    store.deliveries.claim(edition_id, 1, LIVE)
    store.deliveries.mark_failed(edition_id, 1, "Timed out", retryable=True)
    assert [s.chat_id for s in store.deliveries.pending_chats(edition_id)] == [1]
    assert store.deliveries.claim(edition_id, 1, LIVE) is not None
    assert store.deliveries.claim(edition_id, 1, LIVE) is None
    d = store.deliveries.get(edition_id, 1)
    assert d is not None
    assert (d.status, d.attempts, d.error) == (DeliveryStatus.PENDING, 2, "Timed out")


def test_a_freed_claim_is_retaken_by_only_one_of_two_threads(store: Store, edition_id: int) -> None:
    for chat in range(1, 16):
        store.deliveries.claim(edition_id, chat, LIVE)
        store.deliveries.mark_failed(edition_id, chat, "flood", retryable=True)

    def claim_all(_: int) -> list[bool]:
        return [store.deliveries.claim(edition_id, chat, LIVE) is not None for chat in range(1, 16)]

    a, b = run_together(2, claim_all)
    assert all(x != y for x, y in zip(a, b, strict=True))


def test_a_final_failure_keeps_the_claim(store: Store, edition_id: int) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    store.deliveries.claim(edition_id, 1, LIVE)
    store.deliveries.mark_failed(edition_id, 1, "Bad Request: chat not found", retryable=False)
    assert store.deliveries.claim(edition_id, 1, LIVE) is None
    assert store.deliveries.pending_chats(edition_id) == []
    assert not store.deliveries.was_sent(edition_id, 1)
    assert store.deliveries.get(edition_id, 1).status == DeliveryStatus.FAILED  # type: ignore[union-attr]


def test_a_failure_reported_after_success_does_not_undo_it(store: Store, edition_id: int) -> None:
    store.deliveries.claim(edition_id, 1, LIVE)
    store.deliveries.mark_sent(edition_id, 1)
    store.deliveries.mark_failed(edition_id, 1, "late error", retryable=True)
    assert store.deliveries.was_sent(edition_id, 1)
    assert store.deliveries.claim(edition_id, 1, LIVE) is None


def test_pending_chats_are_active_subscribers_still_owed_the_digest(
    store: Store, edition_id: int
) -> None:
    for chat in (1, 2, 3, 4, 5):
        store.subscribers.subscribe(chat, "zh", [PAPER])
    store.subscribers.unsubscribe(5)
    store.deliveries.claim(edition_id, 1, LIVE)
    store.deliveries.mark_sent(edition_id, 1)
    store.deliveries.claim(edition_id, 2, LIVE)  # in flight
    store.deliveries.claim(edition_id, 3, LIVE)
    store.deliveries.mark_failed(edition_id, 3, "timeout", retryable=True)
    assert [s.chat_id for s in store.deliveries.pending_chats(edition_id)] == [3, 4]


def test_pending_chats_are_counted_without_reading_them(store: Store, edition_id: int) -> None:
    for chat in (1, 2, 3, 4):
        store.subscribers.subscribe(chat, "zh", [PAPER])
    store.deliveries.claim(edition_id, 1, LIVE)
    store.deliveries.mark_sent(edition_id, 1)
    store.deliveries.claim(edition_id, 2, LIVE)  # in flight
    assert store.deliveries.count_pending(edition_id) == 2


def test_deliveries_of_one_edition_do_not_affect_another(store: Store, edition_id: int) -> None:
    other = add(store, edition(DAY + dt.timedelta(days=1)))
    assert other is not None
    store.subscribers.subscribe(1, "zh", [PAPER])
    store.deliveries.claim(edition_id, 1, LIVE)
    store.deliveries.mark_sent(edition_id, 1)
    assert [s.chat_id for s in store.deliveries.pending_chats(other.id)] == [1]
    assert store.deliveries.claim(other.id, 1, LIVE) is not None


def test_delivery_statuses_are_stored_as_their_plain_strings(store: Store, edition_id: int) -> None:
    """The enum is Python-side only: the column keeps the strings the schema's CHECK lists."""
    store.deliveries.claim(edition_id, 1, LIVE)
    store.deliveries.mark_sent(edition_id, 1)
    store.deliveries.claim(edition_id, 2, LIVE)
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
    assert [s.value for s in DeliveryStatus] == ["pending", "sent", "in_doubt", "failed", "retry"]


def test_pending_chats_are_only_the_readers_of_the_editions_paper(store: Store) -> None:
    ours = add(store, edition(DAY), paper="甲报")
    store.subscribers.subscribe(1, "zh", ["甲报"])
    store.subscribers.subscribe(2, "zh", ["乙报"])
    store.subscribers.subscribe(3, "zh", ["乙报", "甲报"])
    assert [s.chat_id for s in store.deliveries.pending_chats(ours.id)] == [1, 3]


# --------------------------------------------------------------------------- the ledger

DEAD = "dead-sender"


def dead_sender(store: Store) -> None:
    """A sender whose heartbeat lease expired (it was killed)."""
    store.leases.acquire(sender_lease_name(DEAD), DEAD, dt.timedelta(seconds=-1))


def test_a_dead_senders_claim_is_taken_over_with_its_ledger(store: Store, edition_id: int) -> None:
    dead_sender(store)
    claim = store.deliveries.claim(edition_id, 1, DEAD)
    assert claim is not None
    store.deliveries.confirm(claim.delivery_id, 0, message_id=11, rendered_from=claim.rendered_from)
    store.deliveries.confirm(claim.delivery_id, 1, message_id=12, rendered_from=claim.rendered_from)

    taken = store.deliveries.claim(edition_id, 1, LIVE)

    assert taken is not None and taken.resumed
    assert taken.parts == {0: MessageState.CONFIRMED, 1: MessageState.CONFIRMED}


def late_page(store: Store, edition_id: int) -> None:
    """A late page merged into the edition: more articles, another content hash."""
    grown = edition(DAY, article("头条"), article("晚到的一版"))
    assert store.editions.replace(edition_id, grown, summaries(grown), "hash-with-page-2")


def claimed_and_begun(store: Store, edition_id: int, chat: int = 1) -> int:
    """A dead sender's claim with its first message confirmed: its delivery id."""
    claim = store.deliveries.claim(edition_id, chat, DEAD)
    assert claim is not None
    store.deliveries.confirm(
        claim.delivery_id, 0, message_id=10 + chat, rendered_from=claim.rendered_from
    )
    return claim.delivery_id


def begun_then_a_late_page(store: Store, edition_id: int) -> None:
    """A dead sender's claim with its first message out, then a late page in the edition."""
    dead_sender(store)
    claimed_and_begun(store, edition_id)
    late_page(store, edition_id)


def test_a_claim_records_the_version_of_its_edition(store: Store, edition_id: int) -> None:
    claim = store.deliveries.claim(edition_id, 1, LIVE)
    assert claim is not None
    assert claim.rendered_from == rendering_of([(edition_id, f"hash-{DAY}-{PAPER}")])


def test_a_dead_senders_claim_on_an_unchanged_edition_is_resumed_by_number(
    store: Store, edition_id: int
) -> None:
    dead_sender(store)
    claimed_and_begun(store, edition_id)

    taken = store.deliveries.claim(edition_id, 1, LIVE)

    assert taken is not None and not taken.changed
    assert taken.parts == {0: MessageState.CONFIRMED}


def test_a_dead_senders_claim_on_an_edition_changed_since_comes_back_changed_with_its_ledger(
    store: Store, edition_id: int
) -> None:
    begun_then_a_late_page(store, edition_id)

    taken = store.deliveries.claim(edition_id, 1, LIVE)

    assert taken is not None and taken.resumed and taken.changed
    assert taken.parts == {0: MessageState.CONFIRMED}  # the sender's policy decides
    assert taken.rendered_from == rendering_of([(edition_id, "hash-with-page-2")])


def test_a_batch_claim_on_an_edition_changed_since_comes_back_changed(
    store: Store, edition_id: int
) -> None:
    dead_sender(store)
    for chat in (1, 2):
        claimed_and_begun(store, edition_id, chat)
    late_page(store, edition_id)

    written = store.deliveries.write(LedgerWrites(LIVE, claims=((edition_id, 1), (edition_id, 2))))

    assert [c.changed for c in written.claims.values()] == [True, True]


def test_a_restarted_claim_has_an_empty_ledger_and_is_resumed_by_number_after(
    store: Store, edition_id: int
) -> None:
    begun_then_a_late_page(store, edition_id)
    second = "second-sender"
    store.leases.acquire(sender_lease_name(second), second, TTL)
    taken = store.deliveries.claim(edition_id, 1, second)
    assert taken is not None and store.deliveries.restart(taken, second)
    assert store.deliveries.parts(edition_id, 1) == {}
    store.deliveries.confirm(taken.delivery_id, 0, message_id=21, rendered_from=taken.rendered_from)
    store.leases.release(sender_lease_name(second), second)  # then it died too

    third = store.deliveries.claim(edition_id, 1, LIVE)

    assert third is not None and not third.changed
    assert third.parts == {0: MessageState.CONFIRMED}


def test_a_sender_whose_lease_ran_out_cannot_restart_its_claim(
    store: Store, edition_id: int
) -> None:
    begun_then_a_late_page(store, edition_id)
    paused = "paused-sender"
    store.leases.acquire(sender_lease_name(paused), paused, TTL)
    taken = store.deliveries.claim(edition_id, 1, paused)
    assert taken is not None and taken.changed
    store.leases.release(sender_lease_name(paused), paused)  # paused past its lease

    assert not store.deliveries.restart(taken, paused)
    assert store.deliveries.parts(edition_id, 1) == {0: MessageState.CONFIRMED}


def test_a_claim_taken_over_meanwhile_is_not_restarted(store: Store, edition_id: int) -> None:
    begun_then_a_late_page(store, edition_id)
    stale = store.deliveries.claim(edition_id, 1, "second-dead-sender")
    assert stale is not None
    assert store.deliveries.claim(edition_id, 1, LIVE) is not None  # took it over

    assert not store.deliveries.restart(stale, "second-dead-sender")
    assert store.deliveries.parts(edition_id, 1) == {0: MessageState.CONFIRMED}


PAUSED = "paused-sender"


def paused_with_a_message_in_flight_then_restarted(store: Store, edition_id: int) -> Claim:
    """A sender paused past its lease with message 1 on the wire, a late page, and another
    sender that took the claim over and restarted it from the new version: the paused
    sender's claim (of the old version)."""
    store.leases.acquire(sender_lease_name(PAUSED), PAUSED, TTL)
    paused = store.deliveries.claim(edition_id, 1, PAUSED)
    assert paused is not None
    store.deliveries.confirm(paused.delivery_id, 0, 10, paused.rendered_from)
    assert store.deliveries.put_on_wire(paused.delivery_id, 1, PAUSED)
    store.leases.release(sender_lease_name(PAUSED), PAUSED)  # paused past its lease
    late_page(store, edition_id)
    taken = store.deliveries.claim(edition_id, 1, LIVE)
    assert taken is not None and taken.changed and store.deliveries.restart(taken, LIVE)
    return paused


def test_a_late_confirmation_for_the_version_a_claim_was_restarted_from_is_not_recorded(
    store: Store, edition_id: int
) -> None:
    paused = paused_with_a_message_in_flight_then_restarted(store, edition_id)

    recorded = store.deliveries.confirm(paused.delivery_id, 1, 11, paused.rendered_from)

    assert not recorded
    assert store.deliveries.parts(edition_id, 1) == {}  # the new digest's part 1 is unsent


def test_a_late_batched_confirmation_for_the_version_a_claim_was_restarted_from_is_not_recorded(
    store: Store, edition_id: int
) -> None:
    paused = paused_with_a_message_in_flight_then_restarted(store, edition_id)

    store.deliveries.write(
        LedgerWrites(PAUSED, confirmed=((paused.delivery_id, 1, 11, paused.rendered_from),))
    )

    assert store.deliveries.parts(edition_id, 1) == {}


def test_a_late_confirmation_is_dropped_even_batched_with_one_for_the_current_version(
    store: Store, edition_id: int
) -> None:
    paused = paused_with_a_message_in_flight_then_restarted(store, edition_id)
    now = rendering_of([(edition_id, "hash-with-page-2")])

    store.deliveries.write(
        LedgerWrites(
            LIVE,
            confirmed=(
                (paused.delivery_id, 1, 11, paused.rendered_from),
                (paused.delivery_id, 0, 20, now),
            ),
        )
    )

    assert store.deliveries.parts(edition_id, 1) == {0: MessageState.CONFIRMED}


def test_a_late_confirmation_from_a_sender_taken_over_on_the_same_version_is_recorded(
    store: Store, edition_id: int
) -> None:
    store.leases.acquire(sender_lease_name(PAUSED), PAUSED, TTL)
    paused = store.deliveries.claim(edition_id, 1, PAUSED)
    assert paused is not None and store.deliveries.put_on_wire(paused.delivery_id, 0, PAUSED)
    store.leases.release(sender_lease_name(PAUSED), PAUSED)
    taken = store.deliveries.claim(edition_id, 1, LIVE)
    assert taken is not None and not taken.changed

    recorded = store.deliveries.confirm(paused.delivery_id, 0, 10, paused.rendered_from)

    assert recorded  # the message did arrive: the new sender must not send it again
    assert store.deliveries.parts(edition_id, 1) == {0: MessageState.CONFIRMED}


def test_a_claim_from_before_fingerprints_is_resumed_by_number_and_its_confirmations_count(
    store: Store, edition_id: int
) -> None:
    delivery_id = claimed_and_begun(store, edition_id)
    with store.engine.begin() as conn:  # stored by a release before migration 0014
        conn.execute(text("UPDATE deliveries SET rendered_from = NULL"))

    taken = store.deliveries.claim(edition_id, 1, LIVE)
    assert taken is not None and not taken.changed

    assert store.deliveries.confirm(delivery_id, 1, 12, taken.rendered_from)
    assert store.deliveries.parts(edition_id, 1) == {
        0: MessageState.CONFIRMED,
        1: MessageState.CONFIRMED,
    }


def test_a_claim_renders_in_the_readers_language(store: Store, edition_id: int) -> None:
    store.subscribers.subscribe(1, "en", [PAPER])
    claim = store.deliveries.claim(edition_id, 1, LIVE)
    batched = store.deliveries.write(LedgerWrites(LIVE, claims=((edition_id, 2),)))

    assert claim is not None and claim.language == "en"
    assert batched.claims[(edition_id, 2)] is not None
    assert batched.claims[(edition_id, 2)].language is None  # no reader row: the sender's choice


def reader_switched_after_a_crash(store: Store, edition_id: int, begun: bool) -> None:
    """Readers 1 and 2 read Chinese; a sender claims both digests (and sends the first message
    of each when ``begun``) and dies; then both readers switch to English."""
    dead_sender(store)
    for chat in (1, 2):
        store.subscribers.subscribe(chat, "zh", [PAPER])
        if begun:
            claimed_and_begun(store, edition_id, chat)
        else:
            assert store.deliveries.claim(edition_id, chat, DEAD) is not None
        store.subscribers.set_language(chat, "en")


def test_a_digest_taken_over_with_messages_sent_keeps_the_language_they_went_out_in(
    store: Store, edition_id: int
) -> None:
    reader_switched_after_a_crash(store, edition_id, begun=True)

    taken = store.deliveries.claim(edition_id, 1, LIVE)
    batched = store.deliveries.write(LedgerWrites(LIVE, claims=((edition_id, 2),)))

    assert taken is not None and taken.resumed and taken.language == "zh"
    assert batched.claims[(edition_id, 2)].language == "zh"  # type: ignore[union-attr]


def test_a_digest_taken_over_with_nothing_sent_takes_the_readers_language_now(
    store: Store, edition_id: int
) -> None:
    reader_switched_after_a_crash(store, edition_id, begun=False)

    taken = store.deliveries.claim(edition_id, 1, DEAD + "-2")
    batched = store.deliveries.write(LedgerWrites(LIVE, claims=((edition_id, 2),)))

    assert taken is not None and taken.resumed and taken.language == "en"
    assert batched.claims[(edition_id, 2)].language == "en"  # type: ignore[union-attr]
    # Recorded: a sender that takes it over again after this one sent in English stays in it.
    store.deliveries.confirm(taken.delivery_id, 0, message_id=5, rendered_from=taken.rendered_from)
    store.subscribers.set_language(1, "zh")
    again = store.deliveries.claim(edition_id, 1, LIVE)
    assert again is not None and again.language == "en"


def test_a_live_senders_claim_is_never_taken_over(store: Store, edition_id: int) -> None:
    other = "other-live-sender"
    store.leases.acquire(sender_lease_name(other), other, TTL)
    assert store.deliveries.claim(edition_id, 1, other) is not None

    assert store.deliveries.claim(edition_id, 1, LIVE) is None
    assert store.deliveries.pending_chats(edition_id) == []


def test_a_failure_reported_by_a_sender_whose_claim_was_taken_over_changes_nothing(
    store: Store, edition_id: int
) -> None:
    dead_sender(store)
    assert store.deliveries.claim(edition_id, 1, DEAD) is not None
    taken = store.deliveries.claim(edition_id, 1, LIVE)
    assert taken is not None

    store.deliveries.mark_failed(edition_id, 1, "timed out", retryable=True, owner=DEAD)

    delivery = store.deliveries.get(edition_id, 1)
    assert delivery is not None and delivery.status == DeliveryStatus.PENDING
    assert store.deliveries.claim(edition_id, 1, "third-sender") is None


def test_a_failure_reported_by_the_claims_owner_is_recorded(store: Store, edition_id: int) -> None:
    assert store.deliveries.claim(edition_id, 1, LIVE) is not None
    store.deliveries.mark_failed(edition_id, 1, "timed out", retryable=True, owner=LIVE)
    delivery = store.deliveries.get(edition_id, 1)
    assert delivery is not None and delivery.status == DeliveryStatus.RETRY


def test_a_dead_senders_chat_is_pending_again(store: Store, edition_id: int) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER])
    dead_sender(store)
    store.deliveries.claim(edition_id, 1, DEAD)

    assert [s.chat_id for s in store.deliveries.pending_chats(edition_id)] == [1]


def test_a_message_goes_on_the_wire_only_for_the_claims_live_owner(
    store: Store, edition_id: int
) -> None:
    claim = store.deliveries.claim(edition_id, 1, LIVE)
    assert claim is not None

    assert store.deliveries.put_on_wire(claim.delivery_id, 0, LIVE)
    assert not store.deliveries.put_on_wire(claim.delivery_id, 1, "someone-else")
    assert store.deliveries.parts(edition_id, 1) == {0: MessageState.ON_WIRE}


def test_a_sender_whose_lease_expired_may_send_nothing_more(store: Store, edition_id: int) -> None:
    claim = store.deliveries.claim(edition_id, 1, LIVE)
    assert claim is not None
    store.leases.release(sender_lease_name(LIVE), LIVE)

    assert not store.deliveries.put_on_wire(claim.delivery_id, 0, LIVE)


def test_a_message_on_the_wire_at_a_crash_is_in_doubt_for_the_next_sender(
    store: Store, edition_id: int
) -> None:
    dead_sender(store)
    store.leases.acquire(sender_lease_name(DEAD), DEAD, TTL)  # alive while sending …
    claim = store.deliveries.claim(edition_id, 1, DEAD)
    assert claim is not None
    assert store.deliveries.put_on_wire(claim.delivery_id, 0, DEAD)
    store.leases.release(sender_lease_name(DEAD), DEAD)  # … then killed

    taken = store.deliveries.claim(edition_id, 1, LIVE)

    assert taken is not None and taken.parts == {0: MessageState.ON_WIRE}


def test_a_refused_message_leaves_the_ledger(store: Store, edition_id: int) -> None:
    claim = store.deliveries.claim(edition_id, 1, LIVE)
    assert claim is not None
    store.deliveries.put_on_wire(claim.delivery_id, 0, LIVE)

    store.deliveries.refused(claim.delivery_id, 0)

    assert store.deliveries.parts(edition_id, 1) == {}


def test_a_confirmation_is_never_undone(store: Store, edition_id: int) -> None:
    claim = store.deliveries.claim(edition_id, 1, LIVE)
    assert claim is not None
    store.deliveries.confirm(claim.delivery_id, 0, message_id=5, rendered_from=claim.rendered_from)

    store.deliveries.put_on_wire(claim.delivery_id, 0, LIVE)
    store.deliveries.refused(claim.delivery_id, 0)

    assert store.deliveries.parts(edition_id, 1) == {0: MessageState.CONFIRMED}


def test_counts_per_status_of_an_edition(store: Store, edition_id: int) -> None:
    for chat in (1, 2, 3):
        store.deliveries.claim(edition_id, chat, LIVE)
    store.deliveries.mark_sent(edition_id, 1)
    store.deliveries.mark_sent(edition_id, 2, DeliveryStatus.IN_DOUBT)

    assert store.deliveries.counts(edition_id) == {
        DeliveryStatus.SENT: 1,
        DeliveryStatus.IN_DOUBT: 1,
        DeliveryStatus.PENDING: 1,
    }


# --- many writes in one transaction (the fan-out's group commit) ---------------------------


def test_batched_claims_are_new_taken_over_or_refused_as_single_claims_are(
    store: Store, edition_id: int
) -> None:
    dead_sender(store)
    dead = store.deliveries.claim(edition_id, 2, DEAD)
    assert dead is not None
    store.deliveries.confirm(dead.delivery_id, 0, message_id=7, rendered_from=dead.rendered_from)
    other = "other-live-sender"
    store.leases.acquire(sender_lease_name(other), other, TTL)
    store.deliveries.claim(edition_id, 3, other)

    written = store.deliveries.write(
        LedgerWrites(LIVE, claims=((edition_id, 1), (edition_id, 2), (edition_id, 3)))
    )

    new, taken, held = (written.claims[(edition_id, chat)] for chat in (1, 2, 3))
    assert new is not None and not new.resumed and new.parts == {}
    assert taken is not None and taken.resumed and taken.parts == {0: MessageState.CONFIRMED}
    assert held is None


def test_a_batched_claim_of_an_unknown_edition_is_refused(store: Store, edition_id: int) -> None:
    written = store.deliveries.write(LedgerWrites(LIVE, claims=((edition_id + 99, 1),)))

    assert written.claims == {(edition_id + 99, 1): None}


def test_batched_messages_go_on_the_wire_only_for_claims_of_the_live_owner(
    store: Store, edition_id: int
) -> None:
    mine = store.deliveries.claim(edition_id, 1, LIVE)
    other = "other-live-sender"
    store.leases.acquire(sender_lease_name(other), other, TTL)
    theirs = store.deliveries.claim(edition_id, 2, other)
    assert mine is not None and theirs is not None

    written = store.deliveries.write(
        LedgerWrites(LIVE, on_wire=((mine.delivery_id, 0), (theirs.delivery_id, 0)))
    )

    assert written.on_wire == {(mine.delivery_id, 0)}
    assert store.deliveries.parts(edition_id, 1) == {0: MessageState.ON_WIRE}
    assert store.deliveries.parts(edition_id, 2) == {}


def test_a_batch_puts_nothing_on_the_wire_once_the_lease_expired(
    store: Store, edition_id: int
) -> None:
    claim = store.deliveries.claim(edition_id, 1, LIVE)
    assert claim is not None
    store.leases.release(sender_lease_name(LIVE), LIVE)

    written = store.deliveries.write(LedgerWrites(LIVE, on_wire=((claim.delivery_id, 0),)))

    assert written.on_wire == frozenset()
    assert store.deliveries.parts(edition_id, 1) == {}


def test_a_batch_on_the_wire_renews_the_live_lease(store: Store, edition_id: int) -> None:
    claim = store.deliveries.claim(edition_id, 1, LIVE)
    assert claim is not None
    before = store.leases.get(sender_lease_name(LIVE))

    store.deliveries.write(
        LedgerWrites(LIVE, on_wire=((claim.delivery_id, 0),), renew=dt.timedelta(hours=1))
    )

    after = store.leases.get(sender_lease_name(LIVE))
    assert before is not None and after is not None and after.expires_at > before.expires_at


def test_batched_confirmations_and_outcomes_are_recorded_and_end_the_sending(
    store: Store, edition_id: int
) -> None:
    one, two = (store.deliveries.claim(edition_id, chat, LIVE) for chat in (1, 2))
    assert one is not None and two is not None
    store.deliveries.write(
        LedgerWrites(
            LIVE,
            confirmed=(
                (one.delivery_id, 0, 11, one.rendered_from),
                (two.delivery_id, 0, 21, two.rendered_from),
            ),
            finished=(
                (edition_id, 1, DeliveryStatus.SENT),
                (edition_id, 2, DeliveryStatus.IN_DOUBT),
                (edition_id, 3, DeliveryStatus.SENT),  # no claim: recorded anyway
            ),
        )
    )
    store.deliveries.write(LedgerWrites(LIVE, on_wire=((one.delivery_id, 0),)))

    assert store.deliveries.parts(edition_id, 1) == {0: MessageState.CONFIRMED}
    assert store.deliveries.counts(edition_id) == {
        DeliveryStatus.SENT: 2,
        DeliveryStatus.IN_DOUBT: 1,
    }


def test_a_late_failure_does_not_reopen_a_digest_another_sender_sent(
    store: Store, edition_id: int
) -> None:
    # A sender paused past its lease reads its row, a live sender takes it over and sends it,
    # then the paused one records its failure: the digest stays sent, and is not sent again.
    old = "paused-sender"
    store.leases.acquire(sender_lease_name(old), old, TTL)
    assert store.deliveries.claim(edition_id, 1, old) is not None
    store.leases.release(sender_lease_name(old), old)

    def take_over_and_send() -> None:
        assert store.deliveries.claim(edition_id, 1, LIVE) is not None
        store.deliveries.mark_sent(edition_id, 1)

    interleave(
        store,
        slow=lambda: store.deliveries.mark_failed(edition_id, 1, "timed out", True, owner=old),
        fast=take_over_and_send,
        pause_after="FROM deliveries",
    )

    assert store.deliveries.was_sent(edition_id, 1)
    assert store.deliveries.claim(edition_id, 1, LIVE) is None


def test_a_skip_does_not_undo_a_confirmation_that_lands_meanwhile(
    store: Store, edition_id: int
) -> None:
    claim = store.deliveries.claim(edition_id, 1, LIVE)
    assert claim is not None and store.deliveries.put_on_wire(claim.delivery_id, 0, LIVE)

    interleave(
        store,
        slow=lambda: store.deliveries.skip(claim.delivery_id, 0),
        fast=lambda: store.deliveries.confirm(claim.delivery_id, 0, 4242, claim.rendered_from),
        pause_after="FROM delivery_messages",
    )

    assert store.deliveries.parts(edition_id, 1) == {0: MessageState.CONFIRMED}
