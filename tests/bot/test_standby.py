"""A standby waits through database errors instead of dying on the first one.

In-process, on a real database whose ``leases`` table is renamed away for a while (every
query of it then fails, as it would while the server restarts), then given back.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from bot.delivery import LeaseKeeper, new_holder_id
from bot.leader import LEADER, wait_for_leadership
from bot.storage.store import Store

FAILING_ROUNDS = 5


def rename(store: Store, old: str, new: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))


def test_a_standby_keeps_waiting_through_database_errors_with_one_warning(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.leader")
    keeper = LeaseKeeper(store, LEADER, new_holder_id(), ttl_seconds=3)
    rename(store, "leases", "leases_away")
    rounds = 0

    def sleep(seconds: float) -> None:  # the database is back after a few rounds
        nonlocal rounds
        rounds += 1
        if rounds == FAILING_ROUNDS:
            rename(store, "leases_away", "leases")

    wait_for_leadership(keeper, sleep=sleep)

    assert keeper.lease is not None and keeper.lease.holder == keeper.holder
    assert rounds == FAILING_ROUNDS
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "cannot reach the database" in warnings[0].getMessage()
    assert "the database answers again" in caplog.text
