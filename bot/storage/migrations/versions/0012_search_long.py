"""Search on PostgreSQL: vectors past the server's limits carry the long lexeme.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 08:00:00

PostgreSQL keeps a lexeme's first 256 positions and clamps positions past 16383, so a phrase
late in a long article (a speech, a report) was never found there. Such vectors now hold
``'#long'`` and a phrase matches them by its terms alone (:mod:`bot.storage.fulltext.
postgres`). This marks the vectors already stored, reading each once, in batches with a
progress line. SQLite: nothing to do (FTS5 keeps every position).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from bot.storage.fulltext import schema

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        schema.mark_long(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        schema.unmark_long(conn)
