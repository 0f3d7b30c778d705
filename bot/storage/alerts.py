"""Topic alerts and their one-message ledger: decided at ingest, claimed, sent once.

Why a row per (edition, chat), written when the edition is ingested: the decision survives a
restart and a quiet night (the alert waits in ``pending`` until the reader's quiet hours end),
and UNIQUE(edition_id, chat_id) makes "one alert per edition, never twice" a database fact.
Sending follows the digest ledger's rules (:mod:`bot.storage.deliveries`) for a single
message: a claim names its sender, ``on_wire`` is written before the request — the fence, it
fails once the sender's lease is gone — and ``sent`` with Telegram's message id after. A
claim whose sender has no live lease is taken over; if that sender had the message on the
wire it is *in doubt* and the ``[delivery] in_doubt`` policy decides.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.storage.leases import extend_live_lease, holds_live_lease, live_holders
from bot.storage.models import AlertRow, Edition, Subscriber, Subscription, utcnow
from bot.storage.records import AlertClaim, AlertRecord, AlertStatus, SubscriberRecord
from bot.storage.subscribers import subscriber_record
from bot.storage.transactions import Transactions

__all__ = ["Alerts"]

log = logging.getLogger(__name__)

_ERROR_MAX = 2000
_BATCH = 500  # rows per INSERT when deciding an edition's alerts

AlertItems = Sequence[tuple[int, str, str, str]]  # number, term, sentence, mark
Decision = tuple[AlertItems, int]  # the listed articles, and how many matched in all


def _takeable(now: dt.datetime) -> ColumnElement[bool]:
    """Not sent nor given up, and unclaimed or claimed by a sender without a live lease."""
    live = live_holders(now)
    return AlertRow.status.in_((AlertStatus.PENDING, AlertStatus.ON_WIRE)) & or_(
        AlertRow.claimed_by.is_(None), AlertRow.claimed_by.not_in(live)
    )


class Alerts:
    """Decided alerts and their sends (``store.alerts``)."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def decide(self, edition_id: int, decisions: Mapping[int, Decision]) -> int:
        """Record each chat's alert of this edition; how many were new.

        ``INSERT … ON CONFLICT DO UPDATE`` of an alert still waiting (pending, unclaimed):
        deciding again (a restart, a late page) never makes a second alert, and brings one no
        sender has taken up to date, so a late page's articles join an alert held by quiet
        hours. One a sender has claimed, sent or given up is left as it was: what it sends,
        or sent, is what was decided.
        """
        rows = [
            {
                "edition_id": edition_id,
                "chat_id": chat_id,
                "items": [list(item) for item in chat_items],
                "matched": max(matched, len(chat_items)),
                "status": AlertStatus.PENDING.value,
                "attempts": 0,
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
            for chat_id, (chat_items, matched) in sorted(decisions.items())
            if chat_items
        ]
        with self._tx.write() as session:
            if session.get(Edition, edition_id) is None:
                return 0
            had = _alert_count(session, edition_id)
            insert = _insert(session)
            upsert = insert.on_conflict_do_update(
                index_elements=["edition_id", "chat_id"],
                set_={
                    "items": insert.excluded["items"],  # .items is the collection's own
                    "matched": insert.excluded.matched,
                    "updated_at": insert.excluded.updated_at,
                },
                where=(AlertRow.status == AlertStatus.PENDING) & AlertRow.claimed_by.is_(None),
            )
            for start in range(0, len(rows), _BATCH):
                session.execute(upsert, rows[start : start + _BATCH])
            return _alert_count(session, edition_id) - had

    def due(self) -> list[tuple[AlertRecord, SubscriberRecord]]:
        """Alerts not yet sent that a sender may take now, with their active readers.

        Only to a reader still reading the edition's paper since before the alert was
        decided: one who dropped the paper, or left and came back (a returning reader's
        subscriptions start anew, :meth:`Subscribers.subscribe`), is not owed an alert that
        waited out quiet hours meanwhile, as an edition stored while away is not owed.
        Quiet hours are the caller's business (they need each reader's timezone).
        """
        with self._tx.read() as session:
            rows = session.execute(
                select(AlertRow, Subscriber)
                .join(Subscriber, Subscriber.chat_id == AlertRow.chat_id)
                .join(Edition, Edition.id == AlertRow.edition_id)
                .join(
                    Subscription,
                    (Subscription.subscriber_id == Subscriber.id)
                    & (Subscription.paper_id == Edition.paper_id)
                    & (Subscription.created_at <= AlertRow.created_at),
                )
                .where(_takeable(utcnow()), Subscriber.active.is_(True))
                .order_by(AlertRow.edition_id, AlertRow.chat_id)
            ).all()
            return [(_record(alert), subscriber_record(sub)) for alert, sub in rows]

    def claim(self, alert_id: int, owner: str) -> AlertClaim | None:
        """Claim one alert for ``owner``; None if it is sent, given up or a live sender's."""
        now = utcnow()
        with self._tx.write() as session:
            # Locked: a sender putting it on the wire meanwhile commits first, and this reads
            # its on-the-wire state (in doubt), not the state before it.
            row = session.get(AlertRow, alert_id, with_for_update=True)
            if row is None:
                return None
            in_doubt = row.status == AlertStatus.ON_WIRE
            taken = session.execute(
                update(AlertRow)
                .where(AlertRow.id == alert_id, _takeable(now))
                .values(
                    status=AlertStatus.PENDING,
                    claimed_by=owner,
                    attempts=AlertRow.attempts + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None
            session.refresh(row)
            return AlertClaim(_record(row), in_doubt=in_doubt)

    def put_on_wire(self, alert_id: int, owner: str, renew: dt.timedelta | None = None) -> bool:
        """Record that the alert is about to be sent; False if ``owner`` may not (the fence:
        the claim must still be ``owner``'s and its lease live now). ``renew`` extends that
        lease, as for digests."""
        now = utcnow()
        own_lease = holds_live_lease(owner, now)
        with self._tx.write() as session:
            fenced = session.execute(
                update(AlertRow)
                .where(
                    AlertRow.id == alert_id,
                    AlertRow.claimed_by == owner,
                    AlertRow.status == AlertStatus.PENDING,
                    own_lease,
                )
                .values(status=AlertStatus.ON_WIRE, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if fenced.rowcount != 1:  # type: ignore[attr-defined]
                log.warning("alert %d: not put on the wire for %s", alert_id, owner)
                return False
            if renew is not None:
                extend_live_lease(session, owner, now, renew)
            return True

    def confirm(self, alert_id: int, message_id: int) -> None:
        """Telegram answered with ``message_id``: sent (a fact, whoever holds the claim)."""
        self._set(alert_id, AlertStatus.SENT, message_id=message_id, sent_at=utcnow(), error=None)

    def refused(self, alert_id: int) -> None:
        """Telegram refused it (or it never left): nothing on the wire, the claim stays."""
        with self._tx.write() as session:
            session.execute(
                update(AlertRow)
                .where(AlertRow.id == alert_id, AlertRow.status == AlertStatus.ON_WIRE)
                .values(status=AlertStatus.PENDING, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )

    def skip(self, alert_id: int) -> None:
        """It was in doubt and, by policy, is not sent again."""
        self._set(alert_id, AlertStatus.IN_DOUBT)

    def release(self, alert_id: int, error: str, *, retryable: bool, owner: str) -> bool:
        """``owner`` stops sending it in this run: ``retryable`` frees the claim for a later
        run, else it is given up. An alert freed while on the wire stays so: in doubt for
        the next claim (``[delivery] in_doubt`` decides). Only ``owner``'s claim of an alert
        not yet finished is changed: a sent alert is never downgraded, and a claim another
        sender took over while ``owner`` was paused past its lease is left alone (as
        :meth:`Deliveries.mark_failed <bot.storage.deliveries.Deliveries.mark_failed>` does),
        or the alert that sender has on the wire would be due again. True if recorded."""
        with self._tx.write() as session:
            values: dict[str, object] = {"error": error[:_ERROR_MAX], "updated_at": utcnow()}
            if retryable:
                values |= {"claimed_by": None}
            else:
                values |= {"status": AlertStatus.FAILED}
            released = session.execute(
                update(AlertRow)
                .where(
                    AlertRow.id == alert_id,
                    AlertRow.claimed_by == owner,
                    AlertRow.status.in_((AlertStatus.PENDING, AlertStatus.ON_WIRE)),
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if released.rowcount != 1:  # type: ignore[attr-defined]
                log.info("alert %d: not released for %s (finished, or taken over)", alert_id, owner)
                return False
            return True

    def free_own(self, owner: str) -> int:
        """Free ``owner``'s claims of alerts not yet sent; how many (see
        :meth:`Deliveries.free_own <bot.storage.deliveries.Deliveries.free_own>`). One on the
        wire stays so: in doubt for the next claim."""
        with self._tx.write() as session:
            freed = session.execute(
                update(AlertRow)
                .where(
                    AlertRow.claimed_by == owner,
                    AlertRow.status.in_((AlertStatus.PENDING, AlertStatus.ON_WIRE)),
                )
                .values(claimed_by=None, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return int(freed.rowcount)  # type: ignore[attr-defined]

    def get(self, edition_id: int, chat_id: int) -> AlertRecord | None:
        with self._tx.read() as session:
            row = session.scalar(
                select(AlertRow).where(
                    AlertRow.edition_id == edition_id, AlertRow.chat_id == chat_id
                )
            )
            return _record(row) if row is not None else None

    def of_chat(self, chat_id: int) -> list[AlertRecord]:
        """The chat's alerts, oldest edition first."""
        with self._tx.read() as session:
            rows = session.scalars(
                select(AlertRow).where(AlertRow.chat_id == chat_id).order_by(AlertRow.edition_id)
            )
            return [_record(row) for row in rows]

    def _set(self, alert_id: int, status: AlertStatus, **values: object) -> None:
        with self._tx.write() as session:
            session.execute(
                update(AlertRow)
                .where(AlertRow.id == alert_id, AlertRow.status != AlertStatus.SENT)
                .values(status=status, updated_at=utcnow(), **values)
                .execution_options(synchronize_session=False)
            )


def _alert_count(session: Session, edition_id: int) -> int:
    """How many chats have an alert of the edition (what :meth:`Alerts.decide` added is the
    difference: its upsert's RETURNING would name the updated rows too)."""
    return int(session.scalar(select(func.count()).where(AlertRow.edition_id == edition_id)) or 0)


def _insert(session: Session) -> sqlite.Insert | postgresql.Insert:
    dialect = session.get_bind().dialect.name
    return postgresql.insert(AlertRow) if dialect == "postgresql" else sqlite.insert(AlertRow)


def _record(row: AlertRow) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        edition_id=row.edition_id,
        chat_id=row.chat_id,
        items=tuple(_item(*item) for item in row.items),
        status=AlertStatus(row.status),
        matched=row.matched,
        attempts=row.attempts,
        claimed_by=row.claimed_by,
    )


def _item(number: int, term: str, sentence: str, mark: str = "") -> tuple[int, str, str, str]:
    """One stored item; alerts decided before marks have three parts."""
    return int(number), str(term), str(sentence), str(mark)
