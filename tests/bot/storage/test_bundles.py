"""Specification of combined-digest claims (``store.deliveries.claim_bundle``): one message for
several editions is claimed, resumed and finished as one, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.storage.leases import sender_lease_name
from bot.storage.records import DeliveryStatus, MessageState
from bot.storage.store import Store
from tests.bot.storage.helpers import DAY, add, article, edition, run_together, summaries

LIVE = "live-sender"
DEAD = "dead-sender"
TTL = dt.timedelta(seconds=60)


@pytest.fixture(autouse=True)
def live_sender(store: Store) -> None:
    assert store.leases.acquire(sender_lease_name(LIVE), LIVE, TTL) is not None


@pytest.fixture
def editions(store: Store) -> tuple[int, int, int]:
    """One edition each of three papers on the same day."""
    ids = []
    for paper in ("甲报", "乙报", "丙报"):
        rec = add(store, edition(DAY), paper=paper)
        assert rec is not None
        ids.append(rec.id)
    return ids[0], ids[1], ids[2]


def dead_sender(store: Store) -> None:
    store.leases.acquire(sender_lease_name(DEAD), DEAD, dt.timedelta(seconds=-1))


def test_a_bundle_claims_every_edition_for_one_message(store: Store, editions) -> None:
    a, b, _ = editions
    claim = store.deliveries.claim_bundle([a, b], 1, LIVE)
    assert claim is not None and claim.covers == (a, b) and not claim.resumed
    assert store.deliveries.claim(a, 1, LIVE) is None
    assert store.deliveries.claim(b, 1, LIVE) is None


def test_a_single_edition_bundle_is_a_plain_claim(store: Store, editions) -> None:
    a, _, _ = editions
    claim = store.deliveries.claim_bundle([a], 1, LIVE)
    assert claim is not None and claim.editions == () and claim.covers == (a,)


def test_marking_the_lead_sent_marks_the_whole_bundle(store: Store, editions) -> None:
    a, b, _ = editions
    claim = store.deliveries.claim_bundle([a, b], 1, LIVE)
    assert claim is not None
    store.deliveries.mark_sent(claim.edition_id, 1)
    assert store.deliveries.was_sent(a, 1) and store.deliveries.was_sent(b, 1)


def test_an_edition_arriving_after_the_combined_digest_is_claimed_alone(
    store: Store, editions
) -> None:
    a, b, c = editions
    first = store.deliveries.claim_bundle([a, b], 1, LIVE)
    assert first is not None
    store.deliveries.mark_sent(first.edition_id, 1)

    late = store.deliveries.claim_bundle([a, b, c], 1, LIVE)

    assert late is not None and late.covers == (c,)
    assert store.deliveries.claim_bundle([a, b, c], 1, LIVE) is None


def test_only_what_is_owed_joins_a_bundle(store: Store, editions) -> None:
    a, b, c = editions
    assert store.deliveries.claim(b, 1, LIVE) is not None  # b is being sent on its own
    claim = store.deliveries.claim_bundle([a, b, c], 1, LIVE)
    assert claim is not None and claim.covers == (a, c)


def test_a_dead_senders_bundle_is_resumed_whole_with_its_ledger(store: Store, editions) -> None:
    a, b, c = editions
    dead_sender(store)
    crashed = store.deliveries.claim_bundle([a, b], 1, DEAD)
    assert crashed is not None
    store.deliveries.confirm(
        crashed.delivery_id, 0, message_id=7, rendered_from=crashed.rendered_from
    )

    # Asked with an edition that arrived since: the bundle comes back as it was.
    taken = store.deliveries.claim_bundle([c, b, a], 1, LIVE)

    assert taken is not None and taken.resumed
    assert set(taken.covers) == {a, b} and taken.delivery_id == crashed.delivery_id
    assert taken.parts == {0: MessageState.CONFIRMED}
    rest = store.deliveries.claim_bundle([c], 1, LIVE)
    assert rest is not None and rest.covers == (c,)


def test_a_dead_senders_bundle_with_an_edition_changed_since_comes_back_changed(
    store: Store, editions
) -> None:
    a, b, _ = editions
    dead_sender(store)
    crashed = store.deliveries.claim_bundle([a, b], 1, DEAD)
    assert crashed is not None
    store.deliveries.confirm(
        crashed.delivery_id, 0, message_id=7, rendered_from=crashed.rendered_from
    )
    grown = edition(DAY, article("头条"), article("晚到的一版"))
    assert store.editions.replace(b, grown, summaries(grown), "乙报-with-page-2")

    taken = store.deliveries.claim_bundle([a, b], 1, LIVE)

    assert taken is not None and taken.resumed and taken.changed
    assert set(taken.covers) == {a, b} and taken.parts == {0: MessageState.CONFIRMED}
    assert store.deliveries.restart(taken, LIVE)
    assert store.deliveries.parts(a, 1) == {}


def test_an_edition_of_a_crashed_bundle_is_never_claimed_on_its_own(store: Store, editions) -> None:
    a, b, _ = editions
    dead_sender(store)
    assert store.deliveries.claim_bundle([a, b], 1, DEAD) is not None
    assert store.deliveries.claim(b, 1, LIVE) is None
    resumed = store.deliveries.claim_bundle([b], 1, LIVE)
    assert resumed is not None and set(resumed.covers) == {a, b}


def test_a_retryable_failure_frees_the_whole_bundle(store: Store, editions) -> None:
    a, b, _ = editions
    claim = store.deliveries.claim_bundle([a, b], 1, LIVE)
    assert claim is not None
    store.deliveries.mark_failed(claim.edition_id, 1, "Timed out", retryable=True)
    member = store.deliveries.get(b, 1)
    assert member is not None and member.status == DeliveryStatus.RETRY
    again = store.deliveries.claim_bundle([b], 1, LIVE)
    assert again is not None and again.resumed and set(again.covers) == {a, b}


def test_a_single_digest_begun_is_resumed_alone_not_bundled(store: Store, editions) -> None:
    a, b, _ = editions
    dead_sender(store)
    single = store.deliveries.claim(a, 1, DEAD)
    assert single is not None
    store.deliveries.confirm(
        single.delivery_id, 0, message_id=3, rendered_from=single.rendered_from
    )

    taken = store.deliveries.claim_bundle([a, b], 1, LIVE)

    assert taken is not None and taken.covers == (a,) and taken.resumed
    rest = store.deliveries.claim_bundle([a, b], 1, LIVE)
    assert rest is not None and rest.covers == (b,)


def test_two_senders_bundling_the_same_chat_never_share_an_edition(store: Store, editions) -> None:
    def claim(_: int) -> tuple[int, ...]:
        got = store.deliveries.claim_bundle(list(editions), 1, LIVE)
        return got.covers if got is not None else ()

    first, second = run_together(2, claim)
    assert not set(first) & set(second)
    assert set(first) | set(second) == set(editions)


def test_delivered_same_day_names_the_days_other_editions_the_chat_has(
    store: Store, editions
) -> None:
    a, b, c = editions
    claim = store.deliveries.claim_bundle([a, b], 1, LIVE)
    assert claim is not None
    store.deliveries.mark_sent(claim.edition_id, 1)
    other_day = add(store, edition(DAY + dt.timedelta(days=1)), paper="甲报")
    assert other_day is not None
    store.deliveries.claim(other_day.id, 1, LIVE)
    store.deliveries.mark_sent(other_day.id, 1)
    store.deliveries.claim(c, 2, LIVE)  # another chat's digest, and one not sent yet
    store.deliveries.claim(b, 3, LIVE)

    assert store.deliveries.delivered_same_day(c, 1) == [a, b]
    assert store.deliveries.delivered_same_day(a, 1) == [b]
    assert store.deliveries.delivered_same_day(a, 2) == []
    assert store.deliveries.delivered_same_day(a, 3) == []


def test_a_live_senders_stale_bundle_is_freed_whole_and_resumed_whole(
    store: Store, editions
) -> None:
    a, b, _ = editions
    claim = store.deliveries.claim_bundle([a, b], 1, LIVE)
    assert claim is not None
    assert store.deliveries.put_on_wire(claim.delivery_id, 0, LIVE)

    assert store.deliveries.free_own(LIVE, [b]) == 2  # asked for one edition: both rows

    resumed = store.deliveries.claim_bundle([a], 1, LIVE)
    assert resumed is not None and resumed.resumed and resumed.covers == (a, b)
    assert resumed.parts == {0: MessageState.ON_WIRE}  # in doubt
