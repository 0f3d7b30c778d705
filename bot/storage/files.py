"""Ingested files: which edition files the inbox watcher has processed, and how it went.

Why keep them: the watcher must not ingest the same bytes twice (a restart, a re-drop, a copy
under another name), yet must try a file again once an operator drops it back after a fix.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import IngestedFile
from bot.storage.records import FileStatus
from bot.storage.transactions import Transactions

__all__ = ["IngestedFiles"]


class IngestedFiles:
    """Outcomes of edition files, keyed by content hash (``store.files``)."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def record(self, path: str, content_hash: str, status: FileStatus, reason: str | None) -> None:
        """Remember that a file with this content was processed, and how it went.

        Keyed by content hash: the same bytes under another name are the same file. Recording
        the same hash again overwrites the previous outcome (a failed file re-dropped after a
        parser fix and now ``ok``). Raises ValueError for a status that is not a
        :class:`FileStatus` value.
        """
        status = FileStatus(status)

        def work(session: Session) -> None:
            row = session.scalar(
                select(IngestedFile).where(IngestedFile.content_hash == content_hash)
            )
            if row is None:
                row = IngestedFile(content_hash=content_hash, path=path, status=status)
                session.add(row)
            row.path, row.status, row.reason = path, status, reason
            session.flush()

        self._tx.write_retrying(work)

    def seen(self, content_hash: str) -> bool:
        """True if a file with this content was ingested successfully: skip it.

        Failed files do not count: they were moved to ``failed/``, and an operator who drops
        one back in (typically after a fix) wants it tried again.
        """
        with self._tx.read() as session:
            found = session.scalar(
                select(IngestedFile.id).where(
                    IngestedFile.content_hash == content_hash,
                    IngestedFile.status == FileStatus.OK,
                )
            )
            return found is not None
