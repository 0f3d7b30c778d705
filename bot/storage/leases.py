"""Leases: named rows with a holder and an expiry, the only coordination between processes.

Why rows and not PostgreSQL advisory locks: a lease row works the same on SQLite and
PostgreSQL, survives a dropped connection without surprises (an advisory lock dies with its
session, so a flaky network would silently hand leadership over while the old holder keeps
running), and its state can be read by anyone (``/status`` shows the leader and until when).

The rule that makes them safe: **an expired lease is dead for its holder.** Renewal only
extends a lease that has not expired yet, so a holder that was paused (SIGSTOP, a long GC, a
suspended VM) past its expiry can never come back to life; it must notice and stop. Another
process may take a lease over only once it has expired, and claims are taken over only from
holders without a live lease. Times are the processes' own clocks (UTC), so holders of one
database must keep their clocks in sync (NTP), which any two processes on one machine do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, select, update
from sqlalchemy.orm import Session

from bot.storage.models import LeaseRow, utcnow
from bot.storage.records import Lease
from bot.storage.transactions import Transactions

__all__ = ["Leases", "extend_live_lease", "holds_live_lease", "live_holders", "sender_lease_name"]

LEADER = "leader"


def sender_lease_name(holder: str) -> str:
    """The heartbeat lease of one sending process."""
    return f"sender:{holder}"


def live_holders(now: dt.datetime) -> Select[Any]:
    """The holders whose lease is live at ``now``: a claim of anyone else may be taken over."""
    return select(LeaseRow.holder).where(LeaseRow.expires_at > now)


def holds_live_lease(owner: str, now: dt.datetime) -> ColumnElement[bool]:
    """True where ``owner``'s lease is live at ``now``: the fence every ledger puts in the
    statement that marks a message as on the wire, so a paused sender sends nothing."""
    return exists().where(LeaseRow.holder == owner, LeaseRow.expires_at > now)


def extend_live_lease(session: Session, owner: str, now: dt.datetime, by: dt.timedelta) -> None:
    """Extend ``owner``'s lease to ``now + by`` if it is still live (never revive a dead one),
    in the caller's transaction: a sender making progress is alive."""
    session.execute(
        update(LeaseRow)
        .where(LeaseRow.holder == owner, LeaseRow.expires_at > now)
        .values(expires_at=now + by)
        .execution_options(synchronize_session=False)
    )


class Leases:
    """Acquire, renew and read leases (``store.leases``)."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def acquire(self, name: str, holder: str, ttl: dt.timedelta) -> Lease | None:
        """Take ``name`` for ``holder`` if it is free, expired or already ours; None if another
        holder has it. A change of holder increments the fencing token."""
        now = utcnow()

        def work(session: Session) -> Lease | None:
            row = session.get(LeaseRow, name, with_for_update=True)
            if row is None:
                row = LeaseRow(name=name, holder=holder, token=1, expires_at=now + ttl)
                session.add(row)
                session.flush()
                return _record(row)
            if row.holder == holder and row.expires_at > now:
                row.expires_at = now + ttl
                return _record(row)
            if row.expires_at > now:
                return None
            row.holder, row.token = holder, row.token + 1
            row.expires_at, row.acquired_at = now + ttl, now
            return _record(row)

        return self._tx.write_retrying(work)

    def renew(self, name: str, holder: str, ttl: dt.timedelta) -> Lease | None:
        """Extend ``holder``'s live lease; None if it expired or changed hands (it is lost)."""
        now = utcnow()
        with self._tx.write() as session:
            result = session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, LeaseRow.holder == holder, LeaseRow.expires_at > now)
                .values(expires_at=now + ttl)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.get(LeaseRow, name)
            return _record(row) if row is not None else None

    def release(self, name: str, holder: str) -> None:
        """Give the lease up now (a clean shutdown), so a successor need not wait it out."""
        with self._tx.write() as session:
            session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, LeaseRow.holder == holder)
                .values(expires_at=utcnow())
                .execution_options(synchronize_session=False)
            )

    def get(self, name: str) -> Lease | None:
        """The lease called ``name``, live or expired (None: never taken)."""
        with self._tx.read() as session:
            row = session.get(LeaseRow, name)
            return _record(row) if row is not None else None

    def leader(self) -> Lease | None:
        """The leader lease if it is live."""
        lease = self.get(LEADER)
        return lease if lease is not None and lease.expires_at > utcnow() else None

    def expire_dead(self, before: dt.datetime) -> int:
        """Delete sender leases that expired before ``before`` (housekeeping); how many."""
        with self._tx.write() as session:
            rows = session.scalars(
                select(LeaseRow).where(
                    LeaseRow.name.like("sender:%"), LeaseRow.expires_at < before
                )
            ).all()
            for row in rows:
                session.delete(row)
            return len(rows)


def _record(row: LeaseRow) -> Lease:
    return Lease(name=row.name, holder=row.holder, token=row.token, expires_at=row.expires_at)
