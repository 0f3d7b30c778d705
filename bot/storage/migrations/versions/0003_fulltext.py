"""Full-text search made for Chinese; each article's text stored once (``body`` dropped).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:00:00

Creates the index of :mod:`bot.storage.fulltext` (FTS5 on SQLite, a ``tsvector`` table with
GIN on PostgreSQL), fills it from the stored articles with a log line every
:data:`~bot.storage.fulltext.schema.BATCH` articles, then drops ``articles.body``, which only
repeated the paragraphs for LIKE search. On SQLite the file keeps its size until ``VACUUM``
(freed pages are reused by new articles). Downgrading restores ``body`` from the paragraphs.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.storage.fulltext import schema

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    schema.create(conn, indexes=False)
    schema.build(conn)
    schema.create_indexes(conn)
    op.execute("ALTER TABLE articles DROP COLUMN body")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.execute("ALTER TABLE articles ADD COLUMN body TEXT NOT NULL DEFAULT ''")
        op.execute(
            "UPDATE articles SET body = coalesce("
            "(SELECT group_concat(value, char(10)) FROM json_each(articles.paragraphs)), '')"
        )
    else:
        op.add_column("articles", sa.Column("body", sa.Text(), nullable=False, server_default=""))
        op.execute(
            "UPDATE articles SET body = array_to_string(ARRAY("
            "SELECT json_array_elements_text(paragraphs)), E'\\n')"
        )
        op.alter_column("articles", "body", server_default=None)
    schema.drop(conn)
