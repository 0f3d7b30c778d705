"""The fan-out's ledger writer: every worker's write is committed before it returns, and what
workers wait for at the same time shares one transaction (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from bot.delivery.group_commit import LedgerWriter
from bot.storage.leases import sender_lease_name
from bot.storage.records import DeliveryStatus, MessageState
from bot.storage.store import Store
from tests.bot.delivery.editions import add_seed_edition

OWNER = "ledger-test-sender"
CHATS = range(1, 41)


@pytest.fixture
def edition_id(store: Store) -> int:
    store.leases.acquire(sender_lease_name(OWNER), OWNER, dt.timedelta(minutes=5))
    edition, _ = add_seed_edition(store)
    return edition.id


async def test_concurrent_workers_share_transactions_and_every_write_is_stored(
    store: Store, edition_id: int
) -> None:
    ledger = LedgerWriter(store.deliveries, OWNER, renew=dt.timedelta(seconds=15))
    queue = iter(CHATS)

    async def worker() -> None:
        for chat in queue:
            claim = await ledger.claim(edition_id, chat)
            assert claim is not None
            assert await ledger.put_on_wire(claim.delivery_id, 0)
            await ledger.confirm(
                claim.delivery_id, 0, message_id=chat, rendered_from=claim.rendered_from
            )
            ledger.mark_sent(edition_id, chat)

    await asyncio.gather(*(worker() for _ in range(8)))
    await ledger.close()

    assert store.deliveries.counts(edition_id) == {DeliveryStatus.SENT: len(CHATS)}
    assert all(store.deliveries.parts(edition_id, c) == {0: MessageState.CONFIRMED} for c in CHATS)
    assert ledger.transactions < 4 * len(CHATS) / 2  # writes per chat: 4


async def test_a_write_is_stored_when_the_call_returns(store: Store, edition_id: int) -> None:
    ledger = LedgerWriter(store.deliveries, OWNER)
    claim = await ledger.claim(edition_id, 1)
    assert claim is not None

    assert await ledger.put_on_wire(claim.delivery_id, 0)

    assert store.deliveries.parts(edition_id, 1) == {0: MessageState.ON_WIRE}


async def test_a_failing_write_fails_only_its_own_caller(store: Store, edition_id: int) -> None:
    ledger = LedgerWriter(store.deliveries, OWNER)
    claim = await ledger.claim(edition_id, 1)
    assert claim is not None

    good, bad = await asyncio.gather(
        ledger.confirm(claim.delivery_id, 0, message_id=5, rendered_from=claim.rendered_from),
        ledger.confirm(
            claim.delivery_id + 999, 0, message_id=6, rendered_from=claim.rendered_from
        ),  # no such delivery
        return_exceptions=True,
    )

    assert good is None and isinstance(bad, IntegrityError)
    assert store.deliveries.parts(edition_id, 1) == {0: MessageState.CONFIRMED}


async def test_a_sender_without_its_lease_gets_no_message_on_the_wire(
    store: Store, edition_id: int
) -> None:
    ledger = LedgerWriter(store.deliveries, OWNER)
    claim = await ledger.claim(edition_id, 1)
    assert claim is not None
    store.leases.release(sender_lease_name(OWNER), OWNER)

    assert not await ledger.put_on_wire(claim.delivery_id, 0)
    assert store.deliveries.parts(edition_id, 1) == {}


async def test_claims_taken_ahead_and_not_used_are_freed_at_close(
    store: Store, edition_id: int
) -> None:
    ledger = LedgerWriter(store.deliveries, OWNER)
    ledger.expect(edition_id, [1, 2, 3, 4, 5])

    claim = await ledger.claim(edition_id, 1)  # takes 2 … 5 along in the same transaction
    second = await ledger.claim(edition_id, 2)
    transactions = ledger.transactions
    await ledger.close()

    assert claim is not None and second is not None and transactions == 1
    # The live sender keeps what it started; the rest is free for the next run at once.
    assert store.deliveries.counts(edition_id) == {
        DeliveryStatus.PENDING: 2,
        DeliveryStatus.RETRY: 3,
    }


async def test_a_stalled_sender_closing_late_leaves_the_claims_a_live_one_took_over(
    store: Store, edition_id: int
) -> None:
    ledger = LedgerWriter(store.deliveries, OWNER)
    ledger.expect(edition_id, [1, 2])
    assert await ledger.claim(edition_id, 1) is not None  # takes 2 along
    store.leases.release(sender_lease_name(OWNER), OWNER)  # it stalled past its lease
    live = "live-sender"
    store.leases.acquire(sender_lease_name(live), live, dt.timedelta(minutes=5))
    taken = store.deliveries.claim(edition_id, 2, live)
    assert taken is not None and store.deliveries.put_on_wire(taken.delivery_id, 0, live)

    await ledger.close()  # the stalled sender comes back and frees what it took ahead

    delivery = store.deliveries.get(edition_id, 2)
    assert delivery is not None and delivery.status == DeliveryStatus.PENDING
    assert store.deliveries.put_on_wire(taken.delivery_id, 1, live)  # the live one goes on


async def test_an_outcome_is_written_behind_and_stored_by_close(
    store: Store, edition_id: int
) -> None:
    ledger = LedgerWriter(store.deliveries, OWNER)
    claim = await ledger.claim(edition_id, 1)
    assert claim is not None

    ledger.mark_sent(edition_id, 1)
    await ledger.close()

    assert store.deliveries.was_sent(edition_id, 1)
