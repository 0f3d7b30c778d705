"""Deliveries: one row per edition and chat, claimed before the digest goes out.

Why a row before sending: the claim under UNIQUE(edition_id, chat_id) is what makes delivery at
most once across restarts and concurrent senders (see :meth:`Deliveries.claim`).
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import Delivery, Edition, Subscriber, Subscription, utcnow
from bot.storage.records import DeliveryRecord, DeliveryStatus, SubscriberRecord
from bot.storage.subscribers import subscriber_record
from bot.storage.transactions import Transactions

__all__ = ["Deliveries"]

log = logging.getLogger(__name__)

_ERROR_MAX = 2000  # keep stored error texts bounded; a traceback is for the log


class Deliveries:
    """Claims and outcomes of digest sends (``store.deliveries``)."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def claim(self, edition_id: int, chat_id: int) -> bool:
        """Claim the right to send this edition's digest to this chat; True if we got it.

        The claim is a row under UNIQUE(edition_id, chat_id), inserted *before* sending. A
        second claim, from this process after a restart or from a concurrent sender, hits the
        constraint and gets False: a digest is sent at most once. The price is that a sender
        dying mid-send leaves the row ``pending`` and that chat misses this edition; a
        duplicate morning digest is the worse failure. A row left in ``retry`` by
        :meth:`mark_failed` is taken over by a conditional UPDATE, atomic on both backends.
        An unknown ``edition_id`` cannot be claimed (False; the foreign key refuses it).
        """
        try:
            with self._tx.write() as session:
                session.add(
                    Delivery(
                        edition_id=edition_id,
                        chat_id=chat_id,
                        status=DeliveryStatus.PENDING,
                        attempts=1,
                    )
                )
                session.flush()
            return True
        except IntegrityError:
            pass
        with self._tx.write() as session:
            result = session.execute(
                update(Delivery)
                .where(
                    Delivery.edition_id == edition_id,
                    Delivery.chat_id == chat_id,
                    Delivery.status == DeliveryStatus.RETRY,
                )
                .values(
                    status=DeliveryStatus.PENDING,
                    attempts=Delivery.attempts + 1,
                    claimed_at=utcnow(),
                    updated_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    def mark_sent(self, edition_id: int, chat_id: int) -> None:
        """Record a successful send. Without a prior claim the row is created anyway: the
        message is out, and recording that is what keeps it from going out twice."""

        def work(session: Session) -> None:
            row = _delivery(session, edition_id, chat_id)
            if row is None:
                log.warning("delivery %d -> %d marked sent without a claim", edition_id, chat_id)
                row = Delivery(edition_id=edition_id, chat_id=chat_id, attempts=1)
                session.add(row)
            row.status, row.sent_at, row.error = DeliveryStatus.SENT, utcnow(), None
            session.flush()

        self._tx.write_retrying(work)

    def mark_failed(self, edition_id: int, chat_id: int, error: str, retryable: bool) -> None:
        """Record a failed send.

        ``retryable`` (network error, flood wait, server error) frees the claim: the row goes
        to ``retry`` and a later run's :meth:`claim` may take it. Otherwise (bad request,
        blocked) the claim is kept as ``failed`` and nobody tries again. Either way the error
        text is kept for /stats and debugging. A ``sent`` row is never downgraded.
        """
        status = DeliveryStatus.RETRY if retryable else DeliveryStatus.FAILED
        error = error[:_ERROR_MAX]

        def work(session: Session) -> None:
            row = _delivery(session, edition_id, chat_id)
            if row is None:
                row = Delivery(edition_id=edition_id, chat_id=chat_id, attempts=1)
                session.add(row)
            elif row.status == DeliveryStatus.SENT:
                log.warning("delivery %d -> %d already sent; failure ignored", edition_id, chat_id)
                return
            row.status, row.error = status, error
            session.flush()

        self._tx.write_retrying(work)

    def was_sent(self, edition_id: int, chat_id: int) -> bool:
        """True if this edition's digest was sent to this chat."""
        with self._tx.read() as session:
            row = _delivery(session, edition_id, chat_id)
            return row is not None and row.status == DeliveryStatus.SENT

    def get(self, edition_id: int, chat_id: int) -> DeliveryRecord | None:
        """The delivery row of this edition and chat (status, attempts, last error)."""
        with self._tx.read() as session:
            row = _delivery(session, edition_id, chat_id)
            return _delivery_record(row) if row is not None else None

    def pending_chats(self, edition_id: int) -> list[SubscriberRecord]:
        """Active subscribers of this edition's paper that still need its digest, by chat id.

        That is: no delivery row at all, or one freed for retry. Chats whose digest is sent,
        being sent (``pending``) or given up (``failed``) are left out, since a claim for
        them would fail anyway.
        """
        taken = select(Delivery.chat_id).where(
            Delivery.edition_id == edition_id, Delivery.status != DeliveryStatus.RETRY
        )
        readers = select(Subscription.subscriber_id).where(
            Subscription.paper_id == select(Edition.paper_id).where(Edition.id == edition_id)
            .scalar_subquery()
        )
        with self._tx.read() as session:
            rows = session.scalars(
                select(Subscriber)
                .where(
                    Subscriber.active.is_(True),
                    Subscriber.id.in_(readers),
                    Subscriber.chat_id.not_in(taken),
                )
                .order_by(Subscriber.chat_id)
            )
            return [subscriber_record(r) for r in rows]


def _delivery(session: Session, edition_id: int, chat_id: int) -> Delivery | None:
    return session.scalar(
        select(Delivery).where(Delivery.edition_id == edition_id, Delivery.chat_id == chat_id)
    )


def _delivery_record(row: Delivery) -> DeliveryRecord:
    return DeliveryRecord(
        edition_id=row.edition_id,
        chat_id=row.chat_id,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        error=row.error,
        claimed_at=row.claimed_at,
        sent_at=row.sent_at,
    )
