"""Channels bound with ``/channel @name``: the digest is posted there.

A bound channel is a subscriber under its own chat id (negative, like every channel's), so the
digest fan-out, the ledger and the pacer (20 messages a minute for groups and channels) treat
it like any reader. This table only remembers by which name it was bound and by whom, so
``/channel`` can show and undo it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.storage.models import ChannelRow, Subscriber
from bot.storage.records import ChannelRecord
from bot.storage.subscribers import Subscribers
from bot.storage.transactions import Transactions

__all__ = ["Channels"]


class Channels:
    """``store.channels``: bind, list and unbind channels."""

    def __init__(self, tx: Transactions, subscribers: Subscribers) -> None:
        self._tx = tx
        self._subscribers = subscribers

    def bind(
        self,
        chat_id: int,
        username: str,
        title: str | None,
        bound_by: int,
        language: str,
        papers: Sequence[str],
    ) -> bool:
        """Subscribe the channel to ``papers`` in ``language`` and remember the binding.

        The papers and the language are the binder's even for a channel bound before (its
        papers are set to ``papers``, not added to): binding is an admin's explicit choice,
        the reply names those papers, and a channel has no ``/settings`` to change it later.
        True when the channel was not bound (or not active) before.
        """

        def work(session: Session) -> None:
            row = session.scalar(select(ChannelRow).where(ChannelRow.chat_id == chat_id))
            if row is None:
                session.add(
                    ChannelRow(chat_id=chat_id, username=username, title=title, bound_by=bound_by)
                )
            else:
                row.username, row.title, row.bound_by = username, title, bound_by
            session.flush()

        self._tx.write_retrying(work)
        return self._subscribers.subscribe_exactly(chat_id, language, papers)

    def unbind(self, chat_id: int) -> bool:
        """Stop posting to the channel (its subscription ends; history is kept)."""
        with self._tx.write() as session:
            session.execute(delete(ChannelRow).where(ChannelRow.chat_id == chat_id))
        return self._subscribers.unsubscribe(chat_id)

    def bound_by(self, chat_id: int) -> list[ChannelRecord]:
        """The channels the chat ``chat_id`` bound that still get the digest, by name (not
        one that removed the bot or took its right to post: binding it again brings it back)."""
        with self._tx.read() as session:
            rows = session.scalars(
                select(ChannelRow)
                .join(Subscriber, Subscriber.chat_id == ChannelRow.chat_id)
                .where(ChannelRow.bound_by == chat_id, Subscriber.active.is_(True))
                .order_by(ChannelRow.username)
            )
            return [_record(r) for r in rows]

    def get(self, chat_id: int) -> ChannelRecord | None:
        with self._tx.read() as session:
            row = session.scalar(select(ChannelRow).where(ChannelRow.chat_id == chat_id))
            return _record(row) if row is not None else None


def _record(row: ChannelRow) -> ChannelRecord:
    return ChannelRecord(
        chat_id=row.chat_id, username=row.username, title=row.title, bound_by=row.bound_by
    )
