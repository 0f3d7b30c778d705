"""Deliveries and their ledger: one row per edition and chat, one per message sent.

Why a row before sending: the claim under UNIQUE(edition_id, chat_id) names its sender
(``claimed_by``), so two live senders never send the same digest. Why a row per message, written
*before* its request goes out (``on_wire``) and after Telegram's answer (``confirmed``, with the
message id): after a crash the truth per chat is known — nothing sent (safe to send), some
messages confirmed (send the rest), or a request on the wire without an answer (in doubt; the
``[delivery] in_doubt`` policy decides). A claim whose sender has no live lease
(:mod:`bot.storage.leases`) is taken over by the next claim; a live sender's never is.

Resuming by message number is right only while the digest renders the same messages. Each
claim records what its editions held (``rendered_from``, :func:`rendering_of`), and the sender
renders from that version. A claim taken over after a late page changed an edition comes back
``changed``, its ledger untouched: the sender's in-doubt policy decides between sending it
again whole (:meth:`Deliveries.restart`) and leaving it in doubt, never a digest stitched from
two versions. For the same reason each claim records the reader's language (``language``): a
digest taken over with messages sent is rendered in the language they went out in, even if the
reader switched since (a private chat's language follows the Telegram client).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.storage.leases import extend_live_lease, holds_live_lease, live_holders
from bot.storage.models import (
    Delivery,
    DeliveryMessage,
    Edition,
    LeaseRow,
    Paper,
    Subscriber,
    Subscription,
    utcnow,
)
from bot.storage.records import (
    DELIVERED,
    Claim,
    DeliveryRecord,
    DeliveryStatus,
    LedgerWrites,
    LedgerWritten,
    MessageState,
    SubscriberRecord,
)
from bot.storage.subscribers import subscriber_records
from bot.storage.transactions import Transactions

__all__ = ["Deliveries", "rendering_of"]

log = logging.getLogger(__name__)

_ERROR_MAX = 2000  # keep stored error texts bounded; a traceback is for the log


def rendering_of(contents: Sequence[tuple[int, str]]) -> str:
    """The fingerprint of what a digest is rendered from: its editions' ids and content
    hashes (a late page merged in changes an edition's hash). 32 hex characters."""
    text = "\n".join(f"{edition_id}:{content}" for edition_id, content in sorted(contents))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _rendering(session: Session, edition_ids: Sequence[int]) -> str | None:
    """:func:`rendering_of` the stored editions (None if one is gone)."""
    rows = session.execute(
        select(Edition.id, Edition.content_hash).where(Edition.id.in_(list(edition_ids)))
    ).all()
    if len(rows) != len(set(edition_ids)):
        return None
    return rendering_of([(edition_id, content) for edition_id, content in rows])


def _takeover(
    session: Session,
    delivery_id: int,
    parts: dict[int, MessageState],
    was: str | None,
    now: str | None,
) -> bool:
    """Whether a taken-over claim is ``changed``: it has messages in its ledger, rendered
    from editions (fingerprint ``was``) that differ now. A claim with an empty ledger just
    gets the fingerprint of now; so does one from before fingerprints (``was`` None) with
    messages, resumed by number as it always was (its sender's confirmations then carry the
    fingerprint of now: :meth:`Deliveries.confirm`)."""
    if now is None or was == now:
        return False
    if parts and was is not None:
        return True
    _set_row(session, delivery_id, rendered_from=now)
    return False


def _set_row(session: Session, delivery_id: int, **values: str) -> None:
    """Write ``values`` to one delivery row (around the session: no ORM object is loaded)."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _live_holders(now: dt.datetime) -> ColumnElement[bool]:
    """``Delivery.claimed_by`` names a holder with a live lease."""
    return Delivery.claimed_by.in_(live_holders(now))


def _resume_language(
    session: Session,
    delivery_id: int,
    parts: dict[int, MessageState],
    was: str | None,
    now: str | None,
) -> str | None:
    """The language a taken-over claim renders in: the one its messages went out in
    (``was``), so that the rest matches them; with nothing in its ledger, the reader's now
    (``now``), recorded. A row from before languages were recorded (``was`` None) takes the
    reader's now, as it always did."""
    if parts and was is not None:
        return was
    if now is not None and now != was:
        _set_row(session, delivery_id, language=now)
    return now


def _language(session: Session, chat_id: int) -> str | None:
    """The reader's language now (None: the chat has no reader row)."""
    return session.scalar(select(Subscriber.language).where(Subscriber.chat_id == chat_id))


def _taken_over_by(owner: str, now: dt.datetime) -> dict[str, Any]:
    """The values a claim taken over (from a dead sender, or after a retry) writes: one
    more attempt, now ``owner``'s."""
    return {
        "status": DeliveryStatus.PENDING,
        "claimed_by": owner,
        "attempts": Delivery.attempts + 1,
        "claimed_at": now,
        "updated_at": now,
    }


def _takeable(now: dt.datetime) -> ColumnElement[bool]:
    """A row a new claim may take: freed for retry, or pending under a dead sender."""
    return or_(
        Delivery.status == DeliveryStatus.RETRY,
        (Delivery.status == DeliveryStatus.PENDING)
        & or_(Delivery.claimed_by.is_(None), ~_live_holders(now)),
    )


class Deliveries:
    """Claims, the per-message ledger and outcomes of digest sends (``store.deliveries``)."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    @property
    def write_concurrency(self) -> int:
        """How many :meth:`write` transactions are worth running at once: one on SQLite
        (one writer at a time), two on a server, where commit latency, not work, limits. Not
        more: each flusher commits what has gathered meanwhile, so more of them make smaller
        batches; a paid broadcast on a 2-core machine needed 40 % fewer transactions (and
        16 % less sender CPU) with two than with four, and the ledger alone was no slower."""
        return 1 if self._tx.one_writer else 2

    def claim(self, edition_id: int, chat_id: int, owner: str) -> Claim | None:
        """Claim the right to send this edition's digest to this chat for ``owner``.

        A new row is inserted (``INSERT … ON CONFLICT DO NOTHING``); an existing one is taken
        over by a conditional UPDATE only if it is ``retry`` or ``pending`` under a sender
        without a live lease — atomic on both backends. None: someone else has it (sending,
        sent, given up), the edition is unknown, or the row belongs to a combined digest
        (only :meth:`claim_bundle` resumes those, as a whole).
        """
        now = utcnow()
        with self._tx.write() as session:
            return _claim_row(session, edition_id, chat_id, owner, now)

    def claim_bundle(self, edition_ids: Sequence[int], chat_id: int, owner: str) -> Claim | None:
        """Claim one digest for this chat covering as many of ``edition_ids`` as are owed.

        In this order, in one transaction:

        1. an unfinished combined digest (a bundle) holding one of them is resumed whole —
           its own editions, whatever was asked — since its ledger counts the messages of
           *that* message; an edition that arrived since goes into a later digest;
        2. an unfinished single digest with messages in its ledger is resumed alone, for the
           same reason;
        3. otherwise every edition whose row can be claimed (as :meth:`claim`) is claimed:
           one gives a plain claim, several a bundle led by the first asked for
           (``Claim.editions``).

        None: nothing of ``edition_ids`` is owed or claimable now. Call again with the
        editions the claim does not cover (``Claim.covers``) until it returns None. Rows are
        locked in edition-id order, so two senders never deadlock over a chat.
        """
        wanted = list(dict.fromkeys(edition_ids))
        if not wanted:
            return None
        now = utcnow()
        with self._tx.write() as session:
            rows = {
                row.edition_id: row
                for row in session.scalars(
                    select(Delivery).where(
                        Delivery.chat_id == chat_id, Delivery.edition_id.in_(wanted)
                    )
                )
            }
            for edition_id in wanted:
                row = rows.get(edition_id)
                if row is not None and row.bundle is not None:
                    resumed = _resume_bundle(session, row.bundle, owner, now)
                    if resumed is not None:
                        return resumed
            for edition_id in wanted:
                row = rows.get(edition_id)
                if row is not None and row.bundle is None and _parts(session, row.id):
                    claim = _claim_row(session, edition_id, chat_id, owner, now)
                    if claim is not None:
                        return claim
            claims: dict[int, Claim] = {}
            for edition_id in sorted(wanted):
                claim = _claim_row(session, edition_id, chat_id, owner, now)
                if claim is not None:
                    claims[edition_id] = claim
            ordered = [claims[e] for e in wanted if e in claims]
            if len(ordered) <= 1:
                return ordered[0] if ordered else None
            lead = ordered[0]
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_([c.delivery_id for c in ordered]))
                .values(bundle=lead.delivery_id)
                .execution_options(synchronize_session=False)
            )
            rendering = _rendering(session, [c.edition_id for c in ordered])
            session.execute(
                update(Delivery)
                .where(Delivery.id == lead.delivery_id)
                .values(rendered_from=rendering)
                .execution_options(synchronize_session=False)
            )
            return Claim(
                lead.delivery_id,
                lead.edition_id,
                chat_id,
                resumed=False,
                parts={},
                editions=tuple(c.edition_id for c in ordered),
                rendered_from=rendering,
                language=lead.language,
            )

    def restart(self, claim: Claim, owner: str) -> bool:
        """Start a ``changed`` claim again from its first message: its ledger is emptied and
        its fingerprint set to ``claim.rendered_from``, in one transaction, only while the
        claim is still ``owner``'s under a live lease (the fence, as for a message put on the
        wire). False (nothing done) once it is not."""
        now = utcnow()
        with self._tx.write() as session:
            taken = session.execute(
                update(Delivery)
                .where(
                    Delivery.id == claim.delivery_id,
                    Delivery.claimed_by == owner,
                    Delivery.status == DeliveryStatus.PENDING.value,
                    holds_live_lease(owner, now),
                )
                .values(rendered_from=claim.rendered_from, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return False
            session.execute(
                delete(DeliveryMessage).where(DeliveryMessage.delivery_id == claim.delivery_id)
            )
            return True

    def put_on_wire(
        self, delivery_id: int, part: int, owner: str, renew: dt.timedelta | None = None
    ) -> bool:
        """Record that message ``part`` is about to be sent; False if ``owner`` may not.

        The fence: the claim must still be ``owner``'s and ``owner``'s lease live *now*. A
        sender that was paused past its lease, or whose claim was taken over, gets False and
        must send nothing. ``renew`` extends the live lease by that much in the same
        transaction: a sender making progress is alive, even when its heartbeat thread waits
        for a busy SQLite write lock.
        """
        now = utcnow()
        own_lease = holds_live_lease(owner, now)
        with self._tx.write() as session:
            fenced = session.execute(
                update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    Delivery.claimed_by == owner,
                    Delivery.status == DeliveryStatus.PENDING,
                    own_lease,
                )
                .values(updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if fenced.rowcount != 1:  # type: ignore[attr-defined]
                row = session.get(Delivery, delivery_id)
                lease = session.scalar(select(LeaseRow).where(LeaseRow.holder == owner))
                log.warning(
                    "delivery %d: not put on the wire for %s (claim: %s by %s; lease until %s, "
                    "now %s)",
                    delivery_id,
                    owner,
                    row.status if row is not None else None,
                    row.claimed_by if row is not None else None,
                    lease.expires_at if lease is not None else None,
                    now,
                )
                return False
            if renew is not None:
                extend_live_lease(session, owner, now, renew)
            self._set_part(session, delivery_id, part, MessageState.ON_WIRE, None)
            return True

    def confirm(
        self, delivery_id: int, part: int, message_id: int, rendered_from: str | None
    ) -> bool:
        """Telegram answered with ``message_id``: the message arrived (a fact, whoever owns
        the claim now), recorded if the claim still sends the version it was rendered from
        (``rendered_from``, the sender's ``Claim.rendered_from``; None: nothing to check).

        Why the version: a sender paused with a message in flight can answer after another
        one restarted the claim from a newer version (a late page). Its part N belongs to a
        digest no longer sent; recorded, it would tell a third sender that the new digest's
        part N arrived. False: not recorded, for that reason."""
        with self._tx.write() as session:
            if not _same_versions(session, [(delivery_id, rendered_from)]):
                return False
            self._set_part(session, delivery_id, part, MessageState.CONFIRMED, message_id)
            return True

    def skip(self, delivery_id: int, part: int) -> None:
        """The message was in doubt and, by policy, is not sent again."""
        with self._tx.write() as session:
            self._set_part(session, delivery_id, part, MessageState.SKIPPED, None)

    def refused(self, delivery_id: int, part: int) -> None:
        """Telegram refused the message (or it never left): nothing is on the wire."""
        with self._tx.write() as session:
            session.execute(
                delete(DeliveryMessage).where(
                    DeliveryMessage.delivery_id == delivery_id,
                    DeliveryMessage.part == part,
                    DeliveryMessage.state == MessageState.ON_WIRE,
                )
            )

    @staticmethod
    def _set_part(
        session: Session,
        delivery_id: int,
        part: int,
        state: MessageState,
        message_id: int | None,
    ) -> None:
        row = session.scalar(  # locked: a confirmation committed meanwhile is seen, and kept
            select(DeliveryMessage)
            .where(DeliveryMessage.delivery_id == delivery_id, DeliveryMessage.part == part)
            .with_for_update()
        )
        if row is None:
            session.add(
                DeliveryMessage(
                    delivery_id=delivery_id, part=part, state=state, message_id=message_id
                )
            )
        elif row.state != MessageState.CONFIRMED:  # a confirmation is never undone
            row.state, row.message_id = state, message_id

    def write(self, writes: LedgerWrites) -> LedgerWritten:
        """Apply many ledger writes in one transaction (a group commit of a fan-out's workers).

        Every entry means what its single-row method means — :meth:`confirm`,
        :meth:`mark_sent`, :meth:`claim`, :meth:`put_on_wire` (the fence: the claim still
        ``writes.owner``'s and its lease live now) — and the commit comes before any caller
        acts on the result, so the crash guarantees are those of the single-row methods; set
        statements only make the writes cheap. Refused on-wire entries are left out of the
        result (that sender must stop).
        """
        now = utcnow()
        with self._tx.write() as session:
            if writes.confirmed:
                same = _same_versions(session, [(d, v) for d, _, _, v in writes.confirmed])
                _upsert_parts(
                    session,
                    [
                        (d, p, MessageState.CONFIRMED, m)
                        for d, p, m, v in writes.confirmed
                        if (d, v) in same
                    ],
                )
            if writes.finished:
                _finish(session, writes.finished, now)
            claims: dict[tuple[int, int], Claim | None] = {}
            for edition_id in sorted({e for e, _ in writes.claims}):  # lock order, as chats
                chats = [c for e, c in writes.claims if e == edition_id]
                got = _claim_many(session, edition_id, chats, writes.owner, now)
                claims.update(((edition_id, chat), got.get(chat)) for chat in chats)
            fenced = (
                _fence(session, writes.on_wire, writes.owner, writes.renew, now)
                if writes.on_wire
                else frozenset()
            )
            return LedgerWritten(claims, fenced)

    def parts(self, edition_id: int, chat_id: int) -> dict[int, MessageState]:
        """The ledger of one delivery: message number → state."""
        with self._tx.read() as session:
            row = _delivery(session, edition_id, chat_id)
            return _parts(session, row.id) if row is not None else {}

    def held_elsewhere(self, edition_id: int, owner: str) -> dt.datetime | None:
        """When the last live lease of another sender holding a claim of this edition expires
        (None: no such claim). A run that found chats held waits until then to take them over."""
        now = utcnow()
        with self._tx.read() as session:
            return session.scalar(
                select(func.max(LeaseRow.expires_at))
                .join(Delivery, Delivery.claimed_by == LeaseRow.holder)
                .where(
                    Delivery.edition_id == edition_id,
                    Delivery.status == DeliveryStatus.PENDING,
                    Delivery.claimed_by != owner,
                    LeaseRow.expires_at > now,
                )
            )

    def counts(self, edition_id: int) -> dict[DeliveryStatus, int]:
        """How many chats of this edition are in each status (for /status)."""
        with self._tx.read() as session:
            rows = session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.edition_id == edition_id)
                .group_by(Delivery.status)
            ).all()
            return {DeliveryStatus(status): int(n) for status, n in rows}

    def waiting(self, edition_id: int) -> int:
        """Active subscribers of the edition's paper that do not have its digest yet: no row,
        or one being sent or left for a retry (the "pending" of /status)."""
        finished = (DeliveryStatus.SENT, DeliveryStatus.IN_DOUBT, DeliveryStatus.FAILED)
        done = select(Delivery.chat_id).where(
            Delivery.edition_id == edition_id, Delivery.status.in_(finished)
        )
        readers = select(Subscription.subscriber_id).where(
            Subscription.paper_id
            == select(Edition.paper_id).where(Edition.id == edition_id).scalar_subquery()
        )
        with self._tx.read() as session:
            count = session.scalar(
                select(func.count())
                .select_from(Subscriber)
                .where(
                    Subscriber.active.is_(True),
                    Subscriber.id.in_(readers),
                    Subscriber.chat_id.not_in(done),
                )
            )
            return int(count or 0)

    def delivered_same_day(self, edition_id: int, chat_id: int) -> list[int]:
        """The other editions of ``edition_id``'s date whose digest this chat has (sent, or in
        doubt and not resent), by id: what a late digest of that day marks as told before."""
        day = select(Edition.date).where(Edition.id == edition_id).scalar_subquery()
        with self._tx.read() as session:
            rows = session.scalars(
                select(Delivery.edition_id)
                .join(Edition, Edition.id == Delivery.edition_id)
                .where(
                    Delivery.chat_id == chat_id,
                    Delivery.edition_id != edition_id,
                    Delivery.status.in_(DELIVERED),
                    Edition.date == day,
                )
                .order_by(Delivery.edition_id)
            )
            return list(rows)

    def papers_delivered_on(self, chat_id: int, date: dt.date) -> set[str]:
        """The papers whose edition of ``date`` this chat has had its digest of (sent, or in
        doubt and not resent): whether its next digest is that day's or the next."""
        with self._tx.read() as session:
            rows = session.scalars(
                select(Paper.name)
                .join(Edition, Edition.paper_id == Paper.id)
                .join(Delivery, Delivery.edition_id == Edition.id)
                .where(
                    Delivery.chat_id == chat_id,
                    Delivery.status.in_(DELIVERED),
                    Edition.date == date,
                )
            )
            return set(rows)

    def mark_sent(
        self, edition_id: int, chat_id: int, status: DeliveryStatus = DeliveryStatus.SENT
    ) -> None:
        """Record a finished send (``status``: SENT, or IN_DOUBT when an in-doubt message was
        skipped), for every edition of its combined digest if it was one. Without a prior
        claim the row is created anyway: the message is out, and recording that is what keeps
        it from going out twice."""

        def work(session: Session) -> None:
            row = _delivery(session, edition_id, chat_id)
            if row is None:
                log.warning("delivery %d -> %d marked sent without a claim", edition_id, chat_id)
                row = Delivery(edition_id=edition_id, chat_id=chat_id, attempts=1)
                session.add(row)
            for one in _bundle_rows(session, row):
                one.status, one.sent_at, one.error = status, utcnow(), None
            session.flush()

        self._tx.write_retrying(work)

    def mark_failed(
        self,
        edition_id: int,
        chat_id: int,
        error: str,
        retryable: bool,
        *,
        owner: str | None = None,
    ) -> None:
        """Record a failed send.

        ``retryable`` (network error, flood wait, server error) frees the claim: the row goes
        to ``retry`` and a later run's :meth:`claim` takes it and sends what the ledger does
        not have confirmed. Otherwise (bad request, blocked) the claim is kept as ``failed``
        and nobody tries again. Either way the error
        text is kept for /stats and debugging. A ``sent`` row is never downgraded. The rows
        of a combined digest fail together (a later run resumes the bundle whole).

        With ``owner`` (the sender that failed), a claim another sender has taken over since
        is left alone: a sender paused past its lease must not free, or fail, the claim a
        live one is sending on.
        """
        status = DeliveryStatus.RETRY if retryable else DeliveryStatus.FAILED
        error = error[:_ERROR_MAX]

        def work(session: Session) -> None:
            # Locked, as the bundle's rows below: a sender that took the claim over and sent
            # meanwhile commits first, and this sees it (sent, or another's claim).
            row = _delivery(session, edition_id, chat_id, lock=True)
            if row is None:
                row = Delivery(edition_id=edition_id, chat_id=chat_id, attempts=1)
                session.add(row)
            elif row.status == DeliveryStatus.SENT:
                log.warning("delivery %d -> %d already sent; failure ignored", edition_id, chat_id)
                return
            elif owner is not None and row.claimed_by not in (None, owner):
                log.info(
                    "delivery %d -> %d: claim taken over by %s; %s's failure not recorded",
                    edition_id,
                    chat_id,
                    row.claimed_by,
                    owner,
                )
                return
            for one in _bundle_rows(session, row, lock=True):
                if one.status != DeliveryStatus.SENT:
                    one.status, one.error = status, error
            session.flush()

        self._tx.write_retrying(work)

    def free_own(self, owner: str, edition_ids: Sequence[int]) -> int:
        """Free ``owner``'s pending claims of these editions (a combined digest's whole) for
        a retry; how many rows. For a live sender that knows no run of its own holds them:
        a claim whose outcome or release could not be written stays pending under its live
        lease, which nobody else may take while it lives. The ledger stays: what is
        confirmed is not sent again, a message on the wire is in doubt for the next claim."""
        if not edition_ids:
            return 0
        now = utcnow()
        own = (Delivery.claimed_by == owner) & (Delivery.status == DeliveryStatus.PENDING)
        with self._tx.write() as session:
            bundles = select(Delivery.bundle).where(
                Delivery.edition_id.in_(list(edition_ids)), own, Delivery.bundle.is_not(None)
            )
            freed = session.execute(
                update(Delivery)
                .where(
                    own,
                    or_(Delivery.edition_id.in_(list(edition_ids)), Delivery.bundle.in_(bundles)),
                )
                .values(status=DeliveryStatus.RETRY, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            return int(freed.rowcount)  # type: ignore[attr-defined]

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

    def pending_chats(self, edition_id: int, chat_id: int | None = None) -> list[SubscriberRecord]:
        """Active subscribers of this edition's paper that still need its digest, by chat id
        (only ``chat_id``, when given: whether that one does).

        That is: no delivery row at all, one freed for retry, or one pending under a sender
        without a live lease (taken over by the next claim). Chats whose digest is sent, being
        sent by a live sender or given up are left out, since a claim for them would fail.
        """
        with self._tx.read() as session:
            return subscriber_records(session, *_pending(edition_id, chat_id))

    def owed_older(
        self, edition_id: int, newer: Sequence[int], chat_id: int | None = None
    ) -> list[SubscriberRecord]:
        """:meth:`pending_chats` of an edition its paper has ``newer`` ones of: only chats
        that read the paper when the edition was stored (a new reader's first digest is the
        newest edition, never yesterday's), and none a newer edition reached or is reaching
        (sent, being sent by a live sender, given up): never an older one after a newer."""
        stored = select(Edition.ingested_at).where(Edition.id == edition_id).scalar_subquery()
        paper = select(Edition.paper_id).where(Edition.id == edition_id).scalar_subquery()
        readers_then = select(Subscription.subscriber_id).where(
            Subscription.paper_id == paper, Subscription.created_at <= stored
        )
        reached = select(Delivery.chat_id).where(
            Delivery.edition_id.in_(list(newer)), ~_takeable(utcnow())
        )
        with self._tx.read() as session:
            return subscriber_records(
                session,
                *_pending(edition_id, chat_id),
                Subscriber.id.in_(readers_then),
                Subscriber.chat_id.not_in(reached),
            )

    def count_pending(self, edition_id: int) -> int:
        """How many chats :meth:`pending_chats` would return, without reading them."""
        with self._tx.read() as session:
            query = select(func.count()).select_from(Subscriber).where(*_pending(edition_id))
            return int(session.scalar(query) or 0)


def _pending(edition_id: int, chat_id: int | None = None) -> tuple[ColumnElement[bool], ...]:
    """The conditions of :meth:`Deliveries.pending_chats` on ``Subscriber`` (of ``chat_id``
    alone, when given)."""
    taken = select(Delivery.chat_id).where(
        Delivery.edition_id == edition_id, ~_takeable(utcnow())
    )
    readers = select(Subscription.subscriber_id).where(
        Subscription.paper_id
        == select(Edition.paper_id).where(Edition.id == edition_id).scalar_subquery()
    )
    pending = (
        Subscriber.active.is_(True),
        Subscriber.id.in_(readers),
        Subscriber.chat_id.not_in(taken),
    )
    return pending if chat_id is None else (*pending, Subscriber.chat_id == chat_id)


def _insert(session: Session) -> sqlite.Insert | postgresql.Insert:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert(Delivery) if dialect == "postgresql" else sqlite.insert(Delivery)


_DELIVERIES: Table = Delivery.__table__  # type: ignore[assignment]
_MESSAGES: Table = DeliveryMessage.__table__  # type: ignore[assignment]
_LEASES: Table = LeaseRow.__table__  # type: ignore[assignment]
_EDITIONS: Table = Edition.__table__  # type: ignore[assignment]
_SUBSCRIBERS: Table = Subscriber.__table__  # type: ignore[assignment]


class _BatchStatements:
    """The statements of :meth:`Deliveries.write`, built once per dialect.

    Why: at a thousand messages a second, building and compiling SQLAlchemy statements cost
    more than the database work. These are Core statements with bind parameters (expanding
    ones for the id lists) that SQLAlchemy compiles once and caches; rows go in as
    executemany (its insertmanyvalues batching), not as a ``values([...])`` per batch.
    """

    def __init__(self, dialect: str) -> None:
        def insert(table: Table) -> sqlite.Insert | postgresql.Insert:
            return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)

        deliveries, messages, leases = _DELIVERIES.c, _MESSAGES.c, _LEASES.c
        upsert = insert(_MESSAGES)
        self.set_parts = upsert.on_conflict_do_update(
            index_elements=["delivery_id", "part"],
            set_={"state": upsert.excluded.state, "message_id": upsert.excluded.message_id},
            where=messages.state != MessageState.CONFIRMED.value,
        )
        self.versions = (
            select(deliveries.id, deliveries.rendered_from)
            .where(deliveries.id.in_(bindparam("ids", expanding=True)))
            .order_by(deliveries.id)
            .with_for_update(read=True)
        )
        self.edition = select(_EDITIONS.c.id, _EDITIONS.c.content_hash).where(
            _EDITIONS.c.id == bindparam("edition")
        )
        readers = _SUBSCRIBERS.c
        self.languages = select(readers.chat_id, readers.language).where(
            readers.chat_id.in_(bindparam("chats", expanding=True))
        )
        self.claim = (
            insert(_DELIVERIES)
            .on_conflict_do_nothing(index_elements=["edition_id", "chat_id"])
            .returning(deliveries.id, deliveries.chat_id)
        )
        self.finish = (
            update(_DELIVERIES)
            .where(
                deliveries.edition_id == bindparam("edition"),
                deliveries.chat_id.in_(bindparam("chats", expanding=True)),
            )
            .values(status=bindparam("to"), sent_at=bindparam("at"), error=None)
            .values(updated_at=bindparam("at"))
            .returning(deliveries.chat_id)
        )
        self.fence = (
            update(_DELIVERIES)
            .where(
                deliveries.id.in_(bindparam("ids", expanding=True)),
                deliveries.claimed_by == bindparam("owner"),
                deliveries.status == DeliveryStatus.PENDING.value,
                exists().where(
                    leases.holder == bindparam("owner"), leases.expires_at > bindparam("at")
                ),
            )
            .values(updated_at=bindparam("at"))
            .returning(deliveries.id)
        )
        self.renew = (
            update(_LEASES)
            .where(leases.holder == bindparam("owner"), leases.expires_at > bindparam("at"))
            .values(expires_at=bindparam("until"))
        )


_STATEMENTS: dict[str, _BatchStatements] = {}


def _statements(session: Session) -> _BatchStatements:
    dialect = session.get_bind().dialect.name
    if dialect not in _STATEMENTS:
        _STATEMENTS[dialect] = _BatchStatements(dialect)
    return _STATEMENTS[dialect]


def _same_versions(
    session: Session, confirmed: Sequence[tuple[int, str | None]]
) -> set[tuple[int, str | None]]:
    """The pairs of ``confirmed`` (delivery id, the version its sender rendered) whose claim
    still sends that version (:meth:`Deliveries.confirm`): no version to check, the same
    fingerprint, or a delivery not found (the insert then fails as it would have). On
    PostgreSQL the rows are share-locked in id order, so a restart (an UPDATE of the row, then
    the ledger emptied) lands wholly before this read or wholly after these writes."""
    ids = sorted({d for d, version in confirmed if version is not None})
    current: dict[int, str | None] = {}
    if ids:
        rows = session.connection().execute(_statements(session).versions, {"ids": ids})
        current = {row.id: row.rendered_from for row in rows}
    same = set()
    for delivery_id, version in confirmed:
        if version is None or current.get(delivery_id, version) == version:
            same.add((delivery_id, version))
        else:
            log.info(
                "delivery %d: a confirmation for the version it was restarted from; not recorded",
                delivery_id,
            )
    return same


def _upsert_parts(session: Session, rows: list[tuple[int, int, MessageState, int | None]]) -> None:
    """Set ledger rows to these states in one statement; a confirmation is never undone."""
    latest = {(d, p): (state, m) for d, p, state, m in rows}  # one row may appear once only
    if not latest:
        return  # (an empty executemany would insert one row of defaults)
    session.connection().execute(
        _statements(session).set_parts,
        [
            {"delivery_id": d, "part": p, "state": state.value, "message_id": m}
            for (d, p), (state, m) in latest.items()
        ],
    )


def _finish(
    session: Session, finished: tuple[tuple[int, int, DeliveryStatus], ...], now: dt.datetime
) -> None:
    """:meth:`Deliveries.mark_sent` for many chats: one UPDATE per edition and status."""
    groups: dict[tuple[int, DeliveryStatus], list[int]] = {}
    for edition_id, chat_id, status in finished:
        groups.setdefault((edition_id, status), []).append(chat_id)
    connection = session.connection()
    for (edition_id, status), chats in groups.items():
        params = {"edition": edition_id, "chats": chats, "to": status.value, "at": now}
        done = set(connection.execute(_statements(session).finish, params).scalars())
        for chat_id in chats:
            if chat_id not in done:  # no claim: recorded anyway, as mark_sent does
                log.warning("delivery %d -> %d marked sent without a claim", edition_id, chat_id)
                session.add(
                    Delivery(
                        edition_id=edition_id,
                        chat_id=chat_id,
                        attempts=1,
                        status=status,
                        sent_at=now,
                    )
                )
    session.flush()


def _claim_many(
    session: Session, edition_id: int, chats: list[int], owner: str, now: dt.datetime
) -> dict[int, Claim]:
    """:meth:`Deliveries.claim` for many chats of one edition: one INSERT for the new rows,
    one conditional UPDATE taking over the takeable ones, one SELECT of their ledgers."""
    statements = _statements(session)
    connection = session.connection()
    edition = connection.execute(statements.edition, {"edition": edition_id}).first()
    if edition is None:
        return {}
    rendering = rendering_of([(edition_id, edition.content_hash)])
    unique = sorted(set(chats))  # every sender locks rows in one order (no deadlock)
    languages = {
        row.chat_id: row.language
        for row in connection.execute(statements.languages, {"chats": unique})
    }
    inserted = connection.execute(
        statements.claim,
        [
            {
                "edition_id": edition_id,
                "chat_id": chat_id,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 1,
                "claimed_by": owner,
                "claimed_at": now,
                "updated_at": now,
                "rendered_from": rendering,
                "language": languages.get(chat_id),
            }
            for chat_id in unique
        ],
    ).all()
    claims = {
        chat_id: Claim(
            delivery_id,
            edition_id,
            chat_id,
            resumed=False,
            parts={},
            rendered_from=rendering,
            language=languages.get(chat_id),
        )
        for delivery_id, chat_id in inserted
    }
    rest = [chat_id for chat_id in unique if chat_id not in claims]
    if not rest:
        return claims
    taken = session.execute(
        update(Delivery)
        .where(
            Delivery.edition_id == edition_id,
            Delivery.chat_id.in_(rest),
            Delivery.bundle.is_(None),  # a combined digest's row is resumed whole, never alone
            _takeable(now),
        )
        .values(_taken_over_by(owner, now))
        .returning(Delivery.id, Delivery.chat_id, Delivery.rendered_from, Delivery.language)
        .execution_options(synchronize_session=False)
    ).all()
    parts: dict[int, dict[int, MessageState]] = {row.id: {} for row in taken}
    if taken:
        rows = session.execute(
            select(DeliveryMessage.delivery_id, DeliveryMessage.part, DeliveryMessage.state).where(
                DeliveryMessage.delivery_id.in_(list(parts))
            )
        )
        for delivery_id, part, state in rows:
            parts[delivery_id][part] = MessageState(state)
    for delivery_id, chat_id, was, spoken in taken:
        ledger = parts[delivery_id]
        language = _resume_language(session, delivery_id, ledger, spoken, languages.get(chat_id))
        claims[chat_id] = Claim(
            delivery_id,
            edition_id,
            chat_id,
            resumed=True,
            parts=ledger,
            rendered_from=rendering,
            changed=_takeover(session, delivery_id, ledger, was, rendering),
            language=language,
        )
    return claims


def _fence(
    session: Session,
    on_wire: tuple[tuple[int, int], ...],
    owner: str,
    renew: dt.timedelta | None,
    now: dt.datetime,
) -> frozenset[tuple[int, int]]:
    """:meth:`Deliveries.put_on_wire` for many messages: the claims that are still
    ``owner``'s under a live lease get their messages written ``on_wire``."""
    statements = _statements(session)
    connection = session.connection()
    ids = list(dict.fromkeys(d for d, _ in on_wire))
    held = set(
        connection.execute(statements.fence, {"ids": ids, "owner": owner, "at": now}).scalars()
    )
    if len(held) < len(ids):
        lease = session.scalar(select(LeaseRow.expires_at).where(LeaseRow.holder == owner))
        for delivery_id in ids:
            if delivery_id not in held:
                row = session.get(Delivery, delivery_id)
                log.warning(
                    "delivery %d: not put on the wire for %s (claim: %s by %s; lease until "
                    "%s, now %s)",
                    delivery_id,
                    owner,
                    row.status if row is not None else None,
                    row.claimed_by if row is not None else None,
                    lease,
                    now,
                )
    fenced = frozenset((d, p) for d, p in on_wire if d in held)
    if not fenced:
        return fenced
    if renew is not None:
        connection.execute(statements.renew, {"owner": owner, "at": now, "until": now + renew})
    _upsert_parts(session, [(d, p, MessageState.ON_WIRE, None) for d, p in sorted(fenced)])
    return fenced


def _claim_row(
    session: Session, edition_id: int, chat_id: int, owner: str, now: dt.datetime
) -> Claim | None:
    """Insert or take over the row of (edition, chat) for ``owner``; None if not claimable
    (someone has it, it is finished, it belongs to a bundle, the edition is unknown)."""
    edition = session.get(Edition, edition_id)
    if edition is None:
        return None
    rendering = rendering_of([(edition_id, edition.content_hash)])
    language = _language(session, chat_id)
    insert = _insert(session).values(
        edition_id=edition_id,
        chat_id=chat_id,
        status=DeliveryStatus.PENDING.value,
        attempts=1,
        claimed_by=owner,
        claimed_at=now,
        updated_at=now,
        rendered_from=rendering,
        language=language,
    )
    inserted = session.scalar(
        insert.on_conflict_do_nothing(index_elements=["edition_id", "chat_id"]).returning(
            Delivery.id
        )
    )
    if inserted is not None:
        return Claim(
            inserted,
            edition_id,
            chat_id,
            resumed=False,
            parts={},
            rendered_from=rendering,
            language=language,
        )
    taken = session.execute(
        update(Delivery)
        .where(
            Delivery.edition_id == edition_id,
            Delivery.chat_id == chat_id,
            Delivery.bundle.is_(None),
            _takeable(now),
        )
        .values(_taken_over_by(owner, now))
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = _delivery(session, edition_id, chat_id)
    assert row is not None
    session.refresh(row)  # the UPDATE above went around the session
    ledger = _parts(session, row.id)
    return Claim(
        row.id,
        edition_id,
        chat_id,
        resumed=True,
        parts=ledger,
        rendered_from=rendering,
        changed=_takeover(session, row.id, ledger, row.rendered_from, rendering),
        language=_resume_language(session, row.id, ledger, row.language, language),
    )


def _resume_bundle(session: Session, lead_id: int, owner: str, now: dt.datetime) -> Claim | None:
    """Take over an unfinished combined digest whole (lead row and members); None if its
    sender is alive or it is finished."""
    taken = session.execute(
        update(Delivery)
        .where(Delivery.id == lead_id, _takeable(now))
        .values(_taken_over_by(owner, now))
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.execute(
        update(Delivery)
        .where(Delivery.bundle == lead_id, Delivery.id != lead_id)
        .values(status=DeliveryStatus.PENDING, claimed_by=owner, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    lead = session.get(Delivery, lead_id)
    assert lead is not None
    session.refresh(lead)
    members = session.execute(
        select(Delivery.id, Delivery.edition_id).where(Delivery.bundle == lead_id)
    ).all()
    # The lead first; the renderer orders the sections by paper, not by this.
    order = sorted(members, key=lambda m: (m.id != lead_id, m.id))
    editions = tuple(m.edition_id for m in order)
    rendering = _rendering(session, editions)
    ledger = _parts(session, lead_id)
    return Claim(
        lead_id,
        lead.edition_id,
        lead.chat_id,
        resumed=True,
        parts=ledger,
        editions=editions,
        rendered_from=rendering,
        changed=_takeover(session, lead_id, ledger, lead.rendered_from, rendering),
        language=_resume_language(
            session, lead_id, ledger, lead.language, _language(session, lead.chat_id)
        ),
    )


def _bundle_rows(session: Session, row: Delivery, *, lock: bool = False) -> list[Delivery]:
    """``row`` and, when it is part of a combined digest, the other rows of that digest
    (``lock``: locked for update, in id order)."""
    if row.bundle is None:
        return [row]
    query = select(Delivery).where(Delivery.bundle == row.bundle).order_by(Delivery.id)
    return list(session.scalars(query.with_for_update() if lock else query))


def _parts(session: Session, delivery_id: int) -> dict[int, MessageState]:
    rows = session.execute(
        select(DeliveryMessage.part, DeliveryMessage.state).where(
            DeliveryMessage.delivery_id == delivery_id
        )
    ).all()
    return {part: MessageState(state) for part, state in rows}


def _delivery(
    session: Session, edition_id: int, chat_id: int, *, lock: bool = False
) -> Delivery | None:
    """The row of ``edition_id`` to ``chat_id`` (``lock``: locked for update, for a write
    that decides on what it reads)."""
    query = select(Delivery).where(Delivery.edition_id == edition_id, Delivery.chat_id == chat_id)
    return session.scalar(query.with_for_update() if lock else query)


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
