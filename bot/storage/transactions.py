"""Short transactions over one engine: the only way the store's aggregates reach the database.

Why one helper for all of them: every query is its own short transaction, SQLite writers must
take the write lock up front (``BEGIN IMMEDIATE``, see :mod:`bot.storage.engine`), get-or-create
needs one retry after a lost insert race, and an in-memory SQLite database (one connection)
needs its transactions to take turns. Written once here, each aggregate only says what it
reads or writes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage import engine as db

__all__ = ["Transactions"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Transactions:
    """Read and write transactions on ``engine``, safe to use from several threads."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # An in-memory SQLite database is one connection: transactions from several threads
        # would interleave on it, so they take turns. Files and servers need no lock.
        self._serial: AbstractContextManager[object] = (
            threading.RLock() if db.is_memory_sqlite(engine) else nullcontext()
        )
        # SQLite has one writer at a time (BEGIN IMMEDIATE queues the others); a server
        # database commits concurrent write transactions side by side.
        self.one_writer = db.is_sqlite(engine)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction for queries only; committed (harmlessly) on exit."""
        with self._serial, self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that writes; committed on exit, rolled back on an exception."""
        with self._serial, self._sessions() as session, session.begin():
            # On SQLite this makes the transaction BEGIN IMMEDIATE: take the write lock up
            # front so concurrent writers wait instead of deadlocking on lock upgrade.
            session.connection(execution_options=db.WRITE_OPTIONS)
            yield session

    def write_retrying(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a write transaction; once more if it lost an insert race.

        For get-or-create and upserts: a concurrent transaction may insert the same unique
        key between our SELECT and INSERT; the second try then finds the row.
        """
        try:
            with self.write() as session:
                return work(session)
        except IntegrityError:
            log.debug("insert race lost; retrying once", exc_info=True)
            with self.write() as session:
                return work(session)
