"""Search on SQLite: FTS5 keeps an index of each term's first character.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 12:00:00

A single Han character is a prefix query (``"的" *``). Without a prefix index FTS5 merges the
doclists of every term starting with it inside one step of SQLite's virtual machine, where the
progress handler that enforces a search's time limit never looks: ``的 是 在 了 和 有 人 中``
ran 0.91 s under a limit of 0.05 s, and longer as the archive grows. With ``prefix='1'``
(:data:`~bot.storage.fulltext.sqlite.CREATE`) that is one doclist read (1.28 s → 0.02 s for
the statement at 30,000 articles). FTS5 cannot add a prefix index to a table, so the index is
dropped, created again and rebuilt from the stored articles, with a log line every
:data:`~bot.storage.fulltext.schema.BATCH` articles (as migration 0003 built it). Downgrading
rebuilds it without the prefix index. PostgreSQL: nothing to do.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from bot.storage.fulltext import schema

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "CREATE VIRTUAL TABLE article_fts USING fts5("
    "title, body, paper, content='', tokenize='ascii', detail=full)"
)
"""The FTS5 table as migrations 0003-0012 left it (no prefix index)."""


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        schema.drop(conn)
        schema.create(conn)
        schema.build(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        schema.drop(conn)
        schema.create(conn, fts5=BEFORE)
        schema.build(conn)
