"""Followed topics: the terms each reader asked to be alerted about (``/follow``).

Terms arrive normalised (``bot.ingest.follows.normalize_term``), so 工会 and ＡＰＰＬＥ/apple
are one entry each; the per-reader cap is enforced here, inside the write transaction, so two
``/follow`` at once cannot pass it together.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.models import Follow, Subscriber
from bot.storage.subscribers import subscribers_of
from bot.storage.transactions import Transactions

__all__ = ["FollowResult", "Follows"]

log = logging.getLogger(__name__)


class FollowResult(enum.StrEnum):
    """What ``/follow`` did."""

    ADDED = "added"
    EXISTS = "exists"  # the reader follows it already
    FULL = "full"  # the reader follows as many terms as allowed
    UNKNOWN = "unknown"  # no such chat (it must /subscribe first)


class Follows:
    """Each reader's followed terms (``store.follows``)."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def add(self, chat_id: int, term: str, *, cap: int) -> FollowResult:
        """Follow ``term`` (normalised) unless the chat already does or has ``cap`` terms."""
        [result] = self.add_all(chat_id, [term], cap=cap)
        return result

    def add_all(self, chat_id: int, terms: Sequence[str], *, cap: int) -> list[FollowResult]:
        """Follow each of ``terms`` (normalised) in order, as :meth:`add` would, in one
        transaction (a list typed in one ``/follow``); what each got."""

        def work(session: Session) -> list[FollowResult]:
            # The reader's row locked (PostgreSQL; SQLite's write transaction is exclusive):
            # a concurrent /follow waits here, then counts this one.
            subscriber = session.scalar(
                select(Subscriber.id).where(Subscriber.chat_id == chat_id).with_for_update()
            )
            if subscriber is None:
                return [FollowResult.UNKNOWN for _ in terms]
            followed = set(
                session.scalars(select(Follow.term).where(Follow.subscriber_id == subscriber))
            )
            results = []
            for term in terms:
                if term in followed:
                    results.append(FollowResult.EXISTS)
                elif len(followed) >= cap:
                    results.append(FollowResult.FULL)
                else:
                    session.add(Follow(subscriber_id=subscriber, term=term))
                    session.flush()  # in order: /following lists them as typed
                    followed.add(term)
                    results.append(FollowResult.ADDED)
            return results

        return self._tx.write_retrying(work)

    def remove(self, chat_id: int, term: str) -> bool:
        """Stop following ``term``; False if the chat did not follow it."""
        with self._tx.write() as session:
            row = session.scalar(
                select(Follow)
                .join(Subscriber, Subscriber.id == Follow.subscriber_id)
                .where(Subscriber.chat_id == chat_id, Follow.term == term)
            )
            if row is None:
                return False
            session.delete(row)
            return True

    def of(self, chat_id: int) -> list[str]:
        """The chat's terms, in the order it followed them."""
        with self._tx.read() as session:
            return list(
                session.scalars(
                    select(Follow.term)
                    .join(Subscriber, Subscriber.id == Follow.subscriber_id)
                    .where(Subscriber.chat_id == chat_id)
                    .order_by(Follow.id)
                )
            )

    def count(self, chat_id: int) -> int:
        with self._tx.read() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(Follow)
                    .join(Subscriber, Subscriber.id == Follow.subscriber_id)
                    .where(Subscriber.chat_id == chat_id)
                )
                or 0
            )

    def of_readers(self, paper: str, *, since_before: dt.datetime) -> list[tuple[int, str]]:
        """``(chat_id, term)`` of every active reader of ``paper``, for terms followed before
        ``since_before`` (the edition's ingest time: a topic followed later waits for the
        next edition, so deciding an edition's alerts again gives the same answer)."""
        with self._tx.read() as session:
            rows = session.execute(
                select(Subscriber.chat_id, Follow.term)
                .join(Follow, Follow.subscriber_id == Subscriber.id)
                .where(
                    Subscriber.active.is_(True),
                    Subscriber.id.in_(subscribers_of(paper)),
                    Follow.created_at <= since_before,
                )
                .order_by(Subscriber.chat_id, Follow.id)
            ).all()
            return [(int(chat), str(term)) for chat, term in rows]
