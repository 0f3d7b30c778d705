"""Search on SQLite: FTS5 merges its segments eight at a time.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 21:00:00

Every edition stored writes a segment of the index, and FTS5 merges four segments of a level
into one by default; eight at a time rewrites each article's terms less often, which is most
of what storing the index costs beyond the insert itself (:data:`~bot.storage.fulltext.sqlite.
AUTOMERGE`). A setting kept in the FTS5 table's configuration: nothing is rewritten now.
PostgreSQL: nothing to do.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from bot.storage.fulltext import sqlite

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(sqlite.AUTOMERGE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO article_fts(article_fts, rank) VALUES ('automerge', 4)")
