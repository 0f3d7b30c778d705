"""Papers: the row every edition and subscription hangs off, created on first use by name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Paper

__all__ = ["paper_row"]


def paper_row(session: Session, name: str) -> Paper:
    """The paper's row, created on first use (the caller retries a lost insert race)."""
    row = session.scalar(select(Paper).where(Paper.name == name))
    if row is None:
        row = Paper(name=name)
        session.add(row)
        session.flush()  # IntegrityError here = a concurrent insert; caller retries
    return row
