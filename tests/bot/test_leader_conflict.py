"""A 409 Conflict (another process polls with this token) never stops the lease holder.

In-process, with the real Application and error handler under a real leader lease that
nothing renews, so it runs into its safety margin and out, as a starved leader's would.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from telegram.error import Conflict

from tests.bot.running_bot import eventually
from tests.bot.test_leader_gate import leader_bot

pytestmark = pytest.mark.timeout(60)

CONFLICT = "Conflict: terminated by other getUpdates request"


async def test_a_409_does_not_stop_the_lease_holder_inside_the_fences_safety_margin(
    tmp_path: Path, db: str
) -> None:
    async with leader_bot(tmp_path, db, lease_seconds=10) as bot:
        lease = bot.services.lease
        assert lease is not None and lease.lease is not None
        await eventually(lambda: not lease.valid, timeout=15)  # its last second: still ours
        assert time.time() < lease.lease.expires_at.timestamp()

        await bot.application.process_error(update=None, error=Conflict(CONFLICT))
        assert bot.services.stop_reason is None


async def test_a_409_stops_a_process_whose_lease_the_database_refused_to_renew(
    tmp_path: Path, db: str
) -> None:
    async with leader_bot(tmp_path, db, lease_seconds=1) as bot:
        lease = bot.services.lease
        assert lease is not None
        await eventually(lambda: time.time() > lease.lease.expires_at.timestamp(), timeout=5)
        assert not lease.renew()  # expired: lost for good

        await bot.application.process_error(update=None, error=Conflict(CONFLICT))
        assert bot.services.stop_reason is not None
