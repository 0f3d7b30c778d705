"""Specification of ``store.leases``: one holder at a time, and an expired lease stays dead."""

from __future__ import annotations

import datetime as dt

from bot.delivery.lease import expire_dead_senders
from bot.storage.store import Store

TTL = dt.timedelta(seconds=60)
GONE = dt.timedelta(seconds=-1)  # a lease that expired at once (its holder was killed)


def test_a_free_lease_is_taken(store: Store) -> None:
    lease = store.leases.acquire("leader", "a", TTL)
    assert lease is not None and (lease.holder, lease.token) == ("a", 1)


def test_a_held_lease_is_not_taken_by_another(store: Store) -> None:
    store.leases.acquire("leader", "a", TTL)
    assert store.leases.acquire("leader", "b", TTL) is None
    leader = store.leases.leader()
    assert leader is not None and leader.holder == "a"


def test_an_expired_lease_is_taken_over_with_a_new_fencing_token(store: Store) -> None:
    store.leases.acquire("leader", "a", GONE)
    lease = store.leases.acquire("leader", "b", TTL)
    assert lease is not None and (lease.holder, lease.token) == ("b", 2)


def test_the_holder_renews_its_live_lease(store: Store) -> None:
    first = store.leases.acquire("leader", "a", dt.timedelta(seconds=5))
    renewed = store.leases.renew("leader", "a", TTL)
    assert first is not None and renewed is not None
    assert renewed.expires_at > first.expires_at and renewed.token == first.token


def test_an_expired_lease_cannot_be_renewed(store: Store) -> None:
    store.leases.acquire("leader", "a", GONE)
    assert store.leases.renew("leader", "a", TTL) is None
    assert store.leases.leader() is None


def test_a_lease_taken_over_cannot_be_renewed_by_its_old_holder(store: Store) -> None:
    store.leases.acquire("leader", "a", GONE)
    store.leases.acquire("leader", "b", TTL)
    assert store.leases.renew("leader", "a", TTL) is None


def test_a_released_lease_is_free_at_once(store: Store) -> None:
    store.leases.acquire("leader", "a", TTL)
    store.leases.release("leader", "a")
    lease = store.leases.acquire("leader", "b", TTL)
    assert lease is not None and lease.holder == "b"


async def test_sender_leases_dead_for_a_day_are_deleted_and_no_other(store: Store) -> None:
    store.leases.acquire("sender:long-gone", "long-gone", -dt.timedelta(days=1, minutes=1))
    store.leases.acquire("sender:just-gone", "just-gone", -dt.timedelta(hours=1))
    store.leases.acquire("sender:alive", "alive", dt.timedelta(minutes=5))
    store.leases.acquire("leader", "old-leader", -dt.timedelta(days=2))

    assert await expire_dead_senders(store) == 1

    assert store.leases.get("sender:long-gone") is None
    assert all(store.leases.get(n) for n in ("sender:just-gone", "sender:alive", "leader"))
