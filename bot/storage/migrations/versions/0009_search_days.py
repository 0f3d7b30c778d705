"""Search on PostgreSQL: each article's ``tsvector`` also holds its edition's day lexeme.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 12:00:00

A search walks back through slices of days and asks GIN for "these words on one of these
days" (:mod:`bot.storage.fulltext.postgres`), so a phrase of common bigrams is rechecked only
on that slice's articles. This adds ``'#<date ordinal>'`` to every stored vector, in batches
of :data:`~bot.storage.fulltext.schema.BATCH` articles with a progress line each, after
dropping the GIN (one sorted build afterwards beats a million GIN updates). SQLite: nothing
to do (FTS5 seeks its rowids, the recency keys, by itself).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from bot.storage.fulltext import schema

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        schema.add_days(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        schema.remove_days(conn)
