"""Broadcasts and their ledger: an announcement to every active subscriber, sent at most once.

A broadcast has its own ledger identity, ``broadcast_deliveries`` (UNIQUE(broadcast_id,
chat_id)), with the same guarantees as a digest's (:mod:`bot.storage.deliveries`): the row is
the claim and names its sender (``claimed_by``, a lease holder); a dead sender's claim is
taken over, a live one's never. A broadcast being one message, the row also carries that
message's ledger state: ``on_wire`` before the request (the fence: refused once the sender's
lease is gone), ``confirmed`` with Telegram's message id after, cleared again when Telegram
refused it. After a crash each chat is known to have it, not to have it, or to be in doubt.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.storage.leases import extend_live_lease, holds_live_lease, live_holders
from bot.storage.models import Broadcast, BroadcastDelivery, Subscriber, utcnow
from bot.storage.records import (
    BroadcastRecord,
    Claim,
    DeliveryRecord,
    DeliveryStatus,
    MessageState,
    SubscriberRecord,
)
from bot.storage.subscribers import subscriber_records
from bot.storage.transactions import Transactions

__all__ = ["Broadcasts"]

log = logging.getLogger(__name__)

_ERROR_MAX = 2000
_PART = 0  # a broadcast is one message


def _takeable(now: dt.datetime) -> ColumnElement[bool]:
    """A row a new claim may take: freed for retry, or pending under a sender without a live
    lease (the same rule as for digests)."""
    live = live_holders(now)
    return or_(
        BroadcastDelivery.status == DeliveryStatus.RETRY,
        (BroadcastDelivery.status == DeliveryStatus.PENDING)
        & or_(BroadcastDelivery.claimed_by.is_(None), ~BroadcastDelivery.claimed_by.in_(live)),
    )


class Broadcasts:
    """``store.broadcasts``: announcements, their claims and their one-message ledger."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    # -- the broadcast --------------------------------------------------------------------

    def create(self, text: str, author_chat_id: int) -> BroadcastRecord:
        """A draft: nothing is sent before :meth:`confirm`."""
        with self._tx.write() as session:
            row = Broadcast(text=text, author_chat_id=author_chat_id)
            session.add(row)
            session.flush()
            return _record(row)

    def get(self, broadcast_id: int) -> BroadcastRecord | None:
        with self._tx.read() as session:
            row = session.get(Broadcast, broadcast_id)
            return _record(row) if row is not None else None

    def confirm(self, broadcast_id: int) -> bool:
        """Mark the draft confirmed; False if it was confirmed already (a second press) or
        does not exist."""
        with self._tx.write() as session:
            done = session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.confirmed_at.is_(None))
                .values(confirmed_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return done.rowcount == 1  # type: ignore[attr-defined]

    def discard(self, broadcast_id: int) -> bool:
        """Drop a draft nobody confirmed (the cancel button); False if it was confirmed."""
        with self._tx.write() as session:
            # Locked: Send pressed at the same moment either commits first (and this sees it
            # confirmed) or waits for the draft to be gone; exactly one of the two wins.
            row = session.get(Broadcast, broadcast_id, with_for_update=True)
            if row is None or row.confirmed_at is not None:
                return False
            session.delete(row)
            return True

    def finish_if_done(self, broadcast_id: int) -> bool:
        """Mark the broadcast finished (resumption stops) when no chat is left: every active
        subscriber has a row, and none of theirs is pending or left for a retry. True if
        finished.

        Readers who left (inactive) do not hold it open: the chats it can still go to are
        the active subscribers' (:meth:`pending_chats`), so a row of a departed reader left
        for a retry would keep it unfinished, and resumed, for good. Once it is finished it
        is over for them too: a reader who comes back later does not get the old
        announcement (one who comes back while it is still going out does)."""
        open_rows = (
            select(BroadcastDelivery.id)
            .join(Subscriber, Subscriber.chat_id == BroadcastDelivery.chat_id)
            .where(
                BroadcastDelivery.broadcast_id == broadcast_id,
                BroadcastDelivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.RETRY)),
                Subscriber.active.is_(True),
            )
        )
        with self._tx.write() as session:
            if session.scalar(select(exists(open_rows))) or self._unreached(
                session, broadcast_id
            ):
                return False
            session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.finished_at.is_(None))
                .values(finished_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return True

    @staticmethod
    def _unreached(session: Session, broadcast_id: int) -> int:
        """Active subscribers without a row for this broadcast."""
        reached = select(BroadcastDelivery.chat_id).where(
            BroadcastDelivery.broadcast_id == broadcast_id
        )
        count = session.scalar(
            select(func.count())
            .select_from(Subscriber)
            .where(Subscriber.active.is_(True), Subscriber.chat_id.not_in(reached))
        )
        return int(count or 0)

    def waiting(self, broadcast_id: int) -> int:
        """Active subscribers that do not have it yet: no row, or one being sent or left for
        a retry (the "pending" of /status)."""
        finished = (DeliveryStatus.SENT, DeliveryStatus.IN_DOUBT, DeliveryStatus.FAILED)
        done = select(BroadcastDelivery.chat_id).where(
            BroadcastDelivery.broadcast_id == broadcast_id,
            BroadcastDelivery.status.in_(finished),
        )
        with self._tx.read() as session:
            count = session.scalar(
                select(func.count())
                .select_from(Subscriber)
                .where(Subscriber.active.is_(True), Subscriber.chat_id.not_in(done))
            )
            return int(count or 0)

    def unfinished(self) -> list[BroadcastRecord]:
        """Confirmed broadcasts not finished yet, oldest first (to resume after a crash)."""
        with self._tx.read() as session:
            rows = session.scalars(
                select(Broadcast)
                .where(Broadcast.confirmed_at.is_not(None), Broadcast.finished_at.is_(None))
                .order_by(Broadcast.id)
            )
            return [_record(r) for r in rows]

    def latest(self) -> BroadcastRecord | None:
        """The newest confirmed broadcast (for /status)."""
        with self._tx.read() as session:
            row = session.scalar(
                select(Broadcast)
                .where(Broadcast.confirmed_at.is_not(None))
                .order_by(Broadcast.id.desc())
                .limit(1)
            )
            return _record(row) if row is not None else None

    # -- the ledger -----------------------------------------------------------------------

    def claim(self, broadcast_id: int, chat_id: int, owner: str) -> Claim | None:
        """Claim the right to send this broadcast to this chat for ``owner`` (see
        :meth:`bot.storage.Deliveries.claim`; atomic on both backends). ``Claim.edition_id``
        holds the broadcast's id."""
        now = utcnow()
        with self._tx.write() as session:
            if session.get(Broadcast, broadcast_id) is None:
                return None
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            inserted = session.scalar(
                insert(BroadcastDelivery)
                .values(
                    broadcast_id=broadcast_id,
                    chat_id=chat_id,
                    status=DeliveryStatus.PENDING.value,
                    attempts=1,
                    claimed_by=owner,
                    claimed_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["broadcast_id", "chat_id"])
                .returning(BroadcastDelivery.id)
            )
            if inserted is not None:
                return Claim(inserted, broadcast_id, chat_id, resumed=False, parts={})
            taken = session.execute(
                update(BroadcastDelivery)
                .where(
                    BroadcastDelivery.broadcast_id == broadcast_id,
                    BroadcastDelivery.chat_id == chat_id,
                    _takeable(now),
                )
                .values(
                    status=DeliveryStatus.PENDING,
                    claimed_by=owner,
                    attempts=BroadcastDelivery.attempts + 1,
                    claimed_at=now,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = _row(session, broadcast_id, chat_id)
            assert row is not None
            parts = {_PART: MessageState(row.state)} if row.state else {}
            return Claim(row.id, broadcast_id, chat_id, resumed=True, parts=parts)

    def put_on_wire(
        self, delivery_id: int, part: int, owner: str, renew: dt.timedelta | None = None
    ) -> bool:
        """Record that the message is about to be sent; False (send nothing) unless the claim
        is still ``owner``'s and ``owner``'s lease is live now. ``renew`` extends that lease."""
        now = utcnow()
        own_lease = holds_live_lease(owner, now)
        with self._tx.write() as session:
            fenced = session.execute(
                update(BroadcastDelivery)
                .where(
                    BroadcastDelivery.id == delivery_id,
                    BroadcastDelivery.claimed_by == owner,
                    BroadcastDelivery.status == DeliveryStatus.PENDING,
                    or_(
                        BroadcastDelivery.state.is_(None),
                        BroadcastDelivery.state != MessageState.CONFIRMED,
                    ),
                    own_lease,
                )
                .values(state=MessageState.ON_WIRE, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if fenced.rowcount != 1:  # type: ignore[attr-defined]
                log.warning("broadcast delivery %d: not put on the wire for %s", delivery_id, owner)
                return False
            if renew is not None:
                extend_live_lease(session, owner, now, renew)
            return True

    def confirm_part(self, delivery_id: int, part: int, message_id: int) -> None:
        """Telegram answered with ``message_id``: the message arrived."""
        self._set_state(delivery_id, MessageState.CONFIRMED, message_id)

    def skip(self, delivery_id: int, part: int) -> None:
        """In doubt and, by policy, not sent again."""
        self._set_state(delivery_id, MessageState.SKIPPED, None)

    def refused(self, delivery_id: int, part: int) -> None:
        """Telegram refused the message (or it never left): nothing is on the wire."""
        with self._tx.write() as session:
            session.execute(
                update(BroadcastDelivery)
                .where(
                    BroadcastDelivery.id == delivery_id,
                    BroadcastDelivery.state == MessageState.ON_WIRE,
                )
                .values(state=None)
                .execution_options(synchronize_session=False)
            )

    def _set_state(self, delivery_id: int, state: MessageState, message_id: int | None) -> None:
        with self._tx.write() as session:
            # Locked: a confirmation committed meanwhile is seen, and never undone.
            row = session.get(BroadcastDelivery, delivery_id, with_for_update=True)
            if row is not None and row.state != MessageState.CONFIRMED:
                row.state, row.message_id = state, message_id

    def mark_sent(
        self, broadcast_id: int, chat_id: int, status: DeliveryStatus = DeliveryStatus.SENT
    ) -> None:
        """Record a finished send (SENT, or IN_DOUBT when the in-doubt message was skipped)."""

        def work(session: Session) -> None:
            row = _row(session, broadcast_id, chat_id)
            if row is None:  # a migrated chat: the claim stayed with the old id
                row = BroadcastDelivery(broadcast_id=broadcast_id, chat_id=chat_id, attempts=1)
                session.add(row)
            row.status, row.sent_at, row.error = status, utcnow(), None
            session.flush()

        self._tx.write_retrying(work)

    def mark_failed(
        self,
        broadcast_id: int,
        chat_id: int,
        error: str,
        retryable: bool,
        *,
        owner: str | None = None,
    ) -> None:
        """Record a failed send; ``retryable`` frees the claim for a later run. A ``sent``
        row is never downgraded, nor (with ``owner``) a claim another sender has taken over
        (as :meth:`Deliveries.mark_failed <bot.storage.deliveries.Deliveries.mark_failed>`)."""
        status = DeliveryStatus.RETRY if retryable else DeliveryStatus.FAILED

        def work(session: Session) -> None:
            row = _row(session, broadcast_id, chat_id, lock=True)  # a take-over's send is seen
            if row is None:
                row = BroadcastDelivery(broadcast_id=broadcast_id, chat_id=chat_id, attempts=1)
                session.add(row)
            elif row.status == DeliveryStatus.SENT:
                return
            elif owner is not None and row.claimed_by not in (None, owner):
                return  # taken over by a live sender since
            row.status, row.error = status, error[:_ERROR_MAX]
            session.flush()

        self._tx.write_retrying(work)

    def free_own(self, owner: str, broadcast_id: int) -> int:
        """Free ``owner``'s pending claims of this broadcast for a retry; how many (see
        :meth:`Deliveries.free_own <bot.storage.deliveries.Deliveries.free_own>`)."""
        with self._tx.write() as session:
            freed = session.execute(
                update(BroadcastDelivery)
                .where(
                    BroadcastDelivery.broadcast_id == broadcast_id,
                    BroadcastDelivery.claimed_by == owner,
                    BroadcastDelivery.status == DeliveryStatus.PENDING,
                )
                .values(status=DeliveryStatus.RETRY, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return int(freed.rowcount)  # type: ignore[attr-defined]

    def get_delivery(self, broadcast_id: int, chat_id: int) -> DeliveryRecord | None:
        with self._tx.read() as session:
            row = _row(session, broadcast_id, chat_id)
            if row is None:
                return None
            return DeliveryRecord(
                edition_id=row.broadcast_id,
                chat_id=row.chat_id,
                status=DeliveryStatus(row.status),
                attempts=row.attempts,
                error=row.error,
                claimed_at=row.claimed_at,
                sent_at=row.sent_at,
            )

    def message_ids(self, broadcast_id: int) -> dict[int, int]:
        """Chat id → Telegram message id of every confirmed message of this broadcast."""
        with self._tx.read() as session:
            rows = session.execute(
                select(BroadcastDelivery.chat_id, BroadcastDelivery.message_id).where(
                    BroadcastDelivery.broadcast_id == broadcast_id,
                    BroadcastDelivery.state == MessageState.CONFIRMED,
                )
            ).all()
            return {int(chat): int(message) for chat, message in rows if message is not None}

    def pending_chats(self, broadcast_id: int) -> list[SubscriberRecord]:
        """Active subscribers (any paper, groups and channels too) that still need it."""
        taken = select(BroadcastDelivery.chat_id).where(
            BroadcastDelivery.broadcast_id == broadcast_id, ~_takeable(utcnow())
        )
        with self._tx.read() as session:
            return subscriber_records(
                session, Subscriber.active.is_(True), Subscriber.chat_id.not_in(taken)
            )

    def counts(self, broadcast_id: int) -> dict[DeliveryStatus, int]:
        """How many chats of this broadcast are in each status."""
        with self._tx.read() as session:
            rows = session.execute(
                select(BroadcastDelivery.status, func.count())
                .where(BroadcastDelivery.broadcast_id == broadcast_id)
                .group_by(BroadcastDelivery.status)
            ).all()
            return {DeliveryStatus(status): int(n) for status, n in rows}


def _row(
    session: Session, broadcast_id: int, chat_id: int, *, lock: bool = False
) -> BroadcastDelivery | None:
    """The delivery row of the broadcast to the chat (``lock``: locked for update, for a
    write that decides on what it reads)."""
    query = select(BroadcastDelivery).where(
        BroadcastDelivery.broadcast_id == broadcast_id, BroadcastDelivery.chat_id == chat_id
    )
    return session.scalar(query.with_for_update() if lock else query)


def _record(row: Broadcast) -> BroadcastRecord:
    return BroadcastRecord(
        id=row.id,
        text=row.text,
        author_chat_id=row.author_chat_id,
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
        finished_at=row.finished_at,
    )
