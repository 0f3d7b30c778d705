"""Source state: small JSON documents a source keeps between polls, per paper and key.

Why in the database: an e-paper site's validators must survive a restart (or the first poll
after it re-downloads the whole edition), and a second process taking over must see what the
first one knew about missing articles.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.storage.models import Paper, SourceState
from bot.storage.papers import paper_row
from bot.storage.records import PollOutcome, PollRecord
from bot.storage.transactions import Transactions

__all__ = ["LAST_POLL_KEY", "SourceStates"]


class SourceStates:
    """``store.state``: ``get``/``put``/``drop`` JSON values by (paper, key)."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def get(self, paper: str, key: str) -> Any | None:
        """The value stored under (paper, key), or None."""
        with self._tx.read() as session:
            text = session.scalar(_value(paper, key))
        return json.loads(text) if text is not None else None

    def put(self, paper: str, key: str, value: Any) -> None:
        """Store ``value`` (anything JSON can hold) under (paper, key), replacing what was."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))

        def work(session: Session) -> None:
            row = session.scalar(_row(paper, key))
            if row is None:
                session.add(SourceState(paper=paper_row(session, paper), key=key, value=text))
                session.flush()
            else:
                row.value = text

        self._tx.write_retrying(work)

    def keys(self, paper: str, prefix: str = "") -> list[str]:
        """The keys stored for ``paper`` that start with ``prefix``, sorted."""
        with self._tx.read() as session:
            keys = session.scalars(
                select(SourceState.key)
                .join(Paper, Paper.id == SourceState.paper_id)
                .where(Paper.name == paper, SourceState.key.startswith(prefix, autoescape=True))
                .order_by(SourceState.key)
            )
            return list(keys)

    def record_poll(self, paper: str, outcome: PollOutcome, detail: str = "") -> None:
        """Remember that ``paper``'s source was polled now and how it went (for /status and
        ``baozhai status``, which may run in another process: hence the database)."""
        now = dt.datetime.now(dt.UTC)
        value = {"at": now.isoformat(), "outcome": outcome.value, "detail": detail[:300]}
        self.put(paper, LAST_POLL_KEY, value)

    def last_poll(self, paper: str) -> PollRecord | None:
        """The last poll of ``paper`` recorded by :meth:`record_poll`, if any."""
        return poll_record(self.get(paper, LAST_POLL_KEY))

    def drop(self, paper: str, key: str) -> None:
        """Forget (paper, key); nothing happens if it was not stored."""
        with self._tx.write() as session:
            ids = select(Paper.id).where(Paper.name == paper).scalar_subquery()
            session.execute(
                delete(SourceState).where(SourceState.paper_id == ids, SourceState.key == key)
            )


def _row(paper: str, key: str) -> Any:
    return (
        select(SourceState)
        .join(Paper, Paper.id == SourceState.paper_id)
        .where(Paper.name == paper, SourceState.key == key)
    )


def _value(paper: str, key: str) -> Any:
    return (
        select(SourceState.value)
        .join(Paper, Paper.id == SourceState.paper_id)
        .where(Paper.name == paper, SourceState.key == key)
    )


LAST_POLL_KEY = "last-poll"


def poll_record(value: Any) -> PollRecord | None:
    """A stored last-poll document as a record (None when absent or not understood)."""
    if not isinstance(value, dict):
        return None
    try:
        return PollRecord(
            at=dt.datetime.fromisoformat(value["at"]),
            outcome=PollOutcome(value["outcome"]),
            detail=str(value.get("detail", "")),
        )
    except (KeyError, TypeError, ValueError):
        return None
