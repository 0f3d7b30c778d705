"""Subscribers: which chats get the daily digest, in which language, at what time.

Rows are never deleted: unsubscribing, being blocked and a group's migration only deactivate
a chat, so a returning reader keeps their settings and their delivery history.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.storage.models import (
    AlertRow,
    BroadcastDelivery,
    ChannelRow,
    Delivery,
    Follow,
    Paper,
    Subscriber,
    Subscription,
    utcnow,
)
from bot.storage.papers import paper_row
from bot.storage.records import DigestMode, SubscriberRecord
from bot.storage.transactions import Transactions

__all__ = ["Subscribers", "subscriber_record", "subscriber_records"]

log = logging.getLogger(__name__)


class Subscribers:
    """Subscriptions and per-chat settings (``store.subscribers``)."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def subscribe(self, chat_id: int, language: str, papers: Sequence[str] = ()) -> bool:
        """Make the chat an active subscriber of ``papers`` (and of those it had); True if it
        was not active before or a paper was added.

        A returning chat keeps its stored language, digest time and papers (its earlier
        choices); ``language`` applies to new chats only; use :meth:`set_language` to change it.
        """

        def work(session: Session) -> bool:
            row, changed = _active(session, chat_id, language)
            return _add_papers(session, row, papers) or changed

        changed = self._tx.write_retrying(work)
        if changed:
            log.info("chat %d subscribed", chat_id)
        return changed

    def subscribe_exactly(self, chat_id: int, language: str, papers: Sequence[str]) -> bool:
        """Make the chat an active subscriber of exactly ``papers``, in ``language``: a
        channel's binding, the binder's whole choice. One transaction with the chat's row
        locked, so two admins binding one channel at once leave it one binder's papers (each
        taking the other's away left it none). True as :meth:`subscribe`."""

        def work(session: Session) -> bool:
            row, changed = _active(session, chat_id, language, lock=True)
            added = _add_papers(session, row, papers)
            kept = [s for s in row.subscriptions if s.paper.name in set(papers)]
            if len(kept) != len(row.subscriptions):
                row.subscriptions = kept
            row.language = language
            return added or changed

        changed = self._tx.write_retrying(work)
        if changed:
            log.info("chat %d subscribed", chat_id)
        return changed

    def subscribe_many(self, chat_ids: Sequence[int], language: str, papers: Sequence[str]) -> int:
        """Subscribe many new chats at once to ``papers`` (an import, a benchmark's readers);
        chats that exist already are left as they are. Returns how many were added."""
        with self._tx.write() as session:
            known = set(
                session.scalars(select(Subscriber.chat_id).where(Subscriber.chat_id.in_(chat_ids)))
            )
            fresh = [c for c in dict.fromkeys(chat_ids) if c not in known]
            rows = [Subscriber(chat_id=c, language=language, active=True) for c in fresh]
            session.add_all(rows)
            session.flush()
            paper_ids = [paper_row(session, name).id for name in papers]
            session.add_all(
                Subscription(subscriber_id=row.id, paper_id=paper_id)
                for row in rows
                for paper_id in paper_ids
            )
        log.info("%d chats subscribed", len(fresh))
        return len(fresh)

    def add_paper(self, chat_id: int, paper: str) -> bool:
        """Add one paper to an existing chat's papers; True if it was not among them."""

        def work(session: Session) -> bool:
            row = _subscriber(session, chat_id)
            return row is not None and _add_papers(session, row, [paper])

        return self._tx.write_retrying(work)

    def remove_paper(self, chat_id: int, paper: str) -> bool:
        """Drop one paper from the chat's papers; True if it was among them."""
        with self._tx.write() as session:
            row = _subscriber(session, chat_id)
            if row is None:
                return False
            kept = [s for s in row.subscriptions if s.paper.name != paper]
            if len(kept) == len(row.subscriptions):
                return False
            row.subscriptions = kept
            return True

    def set_digest_mode(self, chat_id: int, mode: DigestMode) -> bool:
        """One digest per paper, or one combined message; False if the chat is unknown."""
        with self._tx.write() as session:
            row = _subscriber(session, chat_id)
            if row is None:
                return False
            row.digest_mode = DigestMode(mode)
            return True

    def unsubscribe(self, chat_id: int) -> bool:
        """Stop digests at the chat's request (/stop); True if it was active. Row is kept."""
        return self._deactivate(chat_id, "unsubscribed")

    def deactivate(self, chat_id: int) -> None:
        """Stop digests because Telegram refused delivery (403: blocked, kicked, deleted).

        Unlike deleting, this keeps the chat's settings and delivery history, and a later
        /start simply reactivates it.
        """
        self._deactivate(chat_id, "blocked")

    def _deactivate(self, chat_id: int, reason: str) -> bool:
        with self._tx.write() as session:
            row = _subscriber(session, chat_id)
            if row is None or not row.active:
                return False
            row.active, row.inactive_reason = False, reason
        log.info("chat %d deactivated (%s)", chat_id, reason)
        return True

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """Follow a group that became a supergroup (Telegram gives it a new chat id).

        The subscription and its delivery history (digests and broadcasts) move to ``new_id``
        in one transaction, so the new chat neither loses its subscription nor gets a digest or
        an announcement the old one already had (which is why this touches the delivery
        tables too), and so do its pending topic alerts. If ``new_id`` already has a row
        (someone sent /start in the new supergroup first), the two are merged (:func:`_merge`)
        and the old row is kept inactive with reason "migrated".
        """
        if old_id == new_id:
            return
        with self._tx.write() as session:
            # The channels a group bound stay bound by it, whether or not the group itself
            # ever subscribed (a group may bind a channel and read nothing itself).
            session.execute(
                update(ChannelRow)
                .where(ChannelRow.bound_by == old_id)
                .values(bound_by=new_id)
                .execution_options(synchronize_session=False)
            )
            # Both service messages may be handled at once: the rows are locked (in id
            # order, so two moves cannot deadlock) and read after the other move has
            # committed: a row it moved already is the new chat's, and nothing is left to move.
            rows = {
                row.chat_id: row
                for row in session.scalars(
                    select(Subscriber)
                    .where(Subscriber.chat_id.in_((old_id, new_id)))
                    .order_by(Subscriber.id)
                    .with_for_update()
                )
            }
            old, new = rows.get(old_id), rows.get(new_id)
            if old is None:
                return
            if new is None:
                old.chat_id = new_id
            else:
                _merge(session, old, new)
            for chat, key in (
                (Delivery.chat_id, Delivery.edition_id),
                (BroadcastDelivery.chat_id, BroadcastDelivery.broadcast_id),
                (AlertRow.chat_id, AlertRow.edition_id),
            ):
                _move_history(session, chat, key, old_id, new_id)
        log.info("chat %d migrated to %d", old_id, new_id)

    def set_digest_time(self, chat_id: int, time: dt.time | None) -> bool:
        """Set the chat's own digest time (None: back to the configured default).

        Returns False if the chat is unknown (it must /start first).
        """
        if time is not None and time.tzinfo is not None:
            raise ValueError("digest time is a wall-clock time in the configured timezone")
        with self._tx.write() as session:
            row = _subscriber(session, chat_id)
            if row is None:
                return False
            row.digest_time = time
            return True

    def set_timezone(self, chat_id: int, zone: str | None) -> bool:
        """Set the chat's IANA timezone (None: back to the configured one); the caller checks
        that ``zone`` exists. False if the chat is unknown."""
        with self._tx.write() as session:
            row = _subscriber(session, chat_id)
            if row is None:
                return False
            row.timezone = zone
            return True

    def set_quiet_hours(self, chat_id: int, window: tuple[dt.time, dt.time] | None) -> bool:
        """Set the chat's quiet hours for alerts, local ``(start, end)`` (may wrap midnight;
        equal ends: none; None: back to the configured default). False if the chat is unknown.
        """
        if window is not None and any(t.tzinfo is not None for t in window):
            raise ValueError("quiet hours are wall-clock times in the reader's timezone")
        with self._tx.write() as session:
            row = _subscriber(session, chat_id)
            if row is None:
                return False
            row.quiet_start, row.quiet_end = window if window is not None else (None, None)
            return True

    def set_language(self, chat_id: int, language: str) -> bool:
        """Set the chat's language; False if the chat is unknown."""
        with self._tx.write() as session:
            row = _subscriber(session, chat_id)
            if row is None:
                return False
            row.language = language
            return True

    def follow_language(self, chat_id: int, language: str) -> bool:
        """Set the chat's language if it is another: True if it changed. Read first, so
        that a chat already in ``language`` (nearly every call) takes no write lock."""
        record = self.get(chat_id)
        if record is None or record.language == language:
            return False
        return self.set_language(chat_id, language)

    def get(self, chat_id: int) -> SubscriberRecord | None:
        """The chat's subscription, active or not; None if it never subscribed."""
        with self._tx.read() as session:
            row = _subscriber(session, chat_id)
            return subscriber_record(row) if row is not None else None

    def active(self, paper: str | None = None) -> list[SubscriberRecord]:
        """Every chat that currently receives digests (of ``paper``, if given), by chat id."""
        where = [Subscriber.active.is_(True)]
        if paper is not None:
            where.append(Subscriber.id.in_(subscribers_of(paper)))
        with self._tx.read() as session:
            return subscriber_records(session, *where)

    def digest_moments(self) -> set[tuple[dt.time | None, str | None]]:
        """The distinct (digest time, time zone) pairs active chats chose; None for "the
        default". Distinct in the database: a handful of rows, however many readers."""
        query = (
            select(Subscriber.digest_time, Subscriber.timezone)
            .where(Subscriber.active.is_(True))
            .distinct()
        )
        with self._tx.read() as session:
            return {(when, zone) for when, zone in session.execute(query)}

    def count_active(self, paper: str | None = None) -> int:
        """How many chats receive digests (of ``paper``, if given; readers, groups and
        channels)."""
        query = select(func.count()).select_from(Subscriber).where(Subscriber.active.is_(True))
        if paper is not None:
            query = query.where(Subscriber.id.in_(subscribers_of(paper)))
        with self._tx.read() as session:
            return int(session.scalar(query) or 0)


def _move_history(
    session: Session,
    chat: InstrumentedAttribute[int],
    key: InstrumentedAttribute[int],
    old_id: int,
    new_id: int,
) -> None:
    """A table's rows of chat ``old_id`` become ``new_id``'s, but for the ``key`` values
    (editions, broadcasts) ``new_id`` already has a row of: that one stands."""
    held = select(key).where(chat == new_id)
    session.execute(
        update(chat.class_)
        .where(chat == old_id, key.not_in(held))
        .values({chat.key: new_id})
        .execution_options(synchronize_session=False)
    )


def _merge(session: Session, old: Subscriber, new: Subscriber) -> None:
    """The group's row ``old`` into the supergroup's ``new``, which usually holds only what a
    /start there made (the default paper, the language of whoever sent it): the group's
    papers and topics are added, and its settings fill what ``new`` leaves at the default
    (its language wins: the group chose it). ``old`` stays, inactive, "migrated"."""
    new.active = new.active or old.active
    new.inactive_reason = None if new.active else new.inactive_reason
    new.language = old.language
    new.digest_time = new.digest_time or old.digest_time
    new.timezone = new.timezone or old.timezone
    if new.digest_mode == DigestMode.PER_PAPER:
        new.digest_mode = old.digest_mode
    if new.quiet_start is None and new.quiet_end is None:
        new.quiet_start, new.quiet_end = old.quiet_start, old.quiet_end
    reading = {s.paper_id: s for s in new.subscriptions}
    for subscription in old.subscriptions:
        # Since when it reads the paper carries over (the earlier start where both read it):
        # what it is owed, its pending alerts included, stays as it was.
        same = reading.get(subscription.paper_id)
        if same is None:
            new.subscriptions.append(
                Subscription(paper_id=subscription.paper_id, created_at=subscription.created_at)
            )
        elif subscription.created_at < same.created_at:
            same.created_at = subscription.created_at
    followed = select(Follow.term).where(Follow.subscriber_id == new.id)
    session.execute(
        update(Follow)
        .where(Follow.subscriber_id == old.id, Follow.term.not_in(followed))
        .values(subscriber_id=new.id)
        .execution_options(synchronize_session=False)
    )
    old.active, old.inactive_reason = False, "migrated"


def _subscriber(session: Session, chat_id: int, *, lock: bool = False) -> Subscriber | None:
    query = select(Subscriber).where(Subscriber.chat_id == chat_id)
    return session.scalar(query.with_for_update() if lock else query)


def _active(
    session: Session, chat_id: int, language: str, *, lock: bool = False
) -> tuple[Subscriber, bool]:
    """The chat's row, made (in ``language``) or made active again; whether it was not
    active before. A lost insert race raises IntegrityError: the caller retries."""
    row = _subscriber(session, chat_id, lock=lock)
    if row is None:
        row = Subscriber(chat_id=chat_id, language=language, active=True)
        session.add(row)
        session.flush()
        return row, True
    if row.active:
        return row, False
    row.active, row.inactive_reason = True, None
    # Reading again from now: an edition stored while away is not owed to it
    # (``Deliveries.owed_older``), only the newest, as to a new reader.
    for subscription in row.subscriptions:
        subscription.created_at = utcnow()
    return row, True


def _add_papers(session: Session, row: Subscriber, papers: Sequence[str]) -> bool:
    """Subscribe ``row`` to each of ``papers`` it lacks; True if any was added."""
    have = {s.paper.name for s in row.subscriptions}
    added = False
    for name in papers:
        if name not in have:
            row.subscriptions.append(Subscription(paper=paper_row(session, name)))
            have.add(name)
            added = True
    if added:
        session.flush()
    return added


def subscribers_of(paper: str) -> Select[int]:
    """The ids of the subscriber rows subscribed to ``paper`` (a subquery)."""
    return (
        select(Subscription.subscriber_id)
        .join(Paper, Paper.id == Subscription.paper_id)
        .where(Paper.name == paper)
    )


def subscriber_record(row: Subscriber) -> SubscriberRecord:
    """The record of a subscriber row (also used by the deliveries' ``pending_chats``)."""
    return SubscriberRecord(
        chat_id=row.chat_id,
        language=row.language,
        active=row.active,
        digest_time=row.digest_time,
        papers=tuple(s.paper.name for s in row.subscriptions),
        digest_mode=DigestMode(row.digest_mode),
        timezone=row.timezone,
        quiet_hours=(
            (row.quiet_start, row.quiet_end)
            if row.quiet_start is not None and row.quiet_end is not None
            else None
        ),
    )


_RECORD_COLUMNS = (
    Subscriber.id,
    Subscriber.chat_id,
    Subscriber.language,
    Subscriber.active,
    Subscriber.digest_time,
    Subscriber.digest_mode,
    Subscriber.timezone,
    Subscriber.quiet_start,
    Subscriber.quiet_end,
)


def subscriber_records(session: Session, *where: ColumnElement[bool]) -> list[SubscriberRecord]:
    """The records of the subscribers matching ``where``, by chat id, as :func:`subscriber_record`
    makes them.

    Why not ORM rows: a fan-out reads every reader before its first send, and loading 10,000
    ``Subscriber`` objects with their subscriptions and papers cost most of a second of CPU on
    each read. Two plain queries (the rows, then their papers in subscription order) do it
    with a fraction of that.
    """
    rows = session.execute(
        select(*_RECORD_COLUMNS).where(*where).order_by(Subscriber.chat_id)
    ).all()
    papers: dict[int, list[str]] = {}
    named = session.execute(
        select(Subscription.subscriber_id, Paper.name)
        .join(Paper, Paper.id == Subscription.paper_id)
        .where(Subscription.subscriber_id.in_(select(Subscriber.id).where(*where)))
        .order_by(Subscription.id)
    )
    for subscriber_id, name in named:
        papers.setdefault(subscriber_id, []).append(name)
    return [
        SubscriberRecord(
            chat_id=chat_id,
            language=language,
            active=active,
            digest_time=digest_time,
            papers=tuple(papers.get(subscriber_id, ())),
            digest_mode=DigestMode(digest_mode),
            timezone=timezone,
            quiet_hours=(
                (quiet_start, quiet_end)
                if quiet_start is not None and quiet_end is not None
                else None
            ),
        )
        for (
            subscriber_id,
            chat_id,
            language,
            active,
            digest_time,
            digest_mode,
            timezone,
            quiet_start,
            quiet_end,
        ) in rows
    ]
