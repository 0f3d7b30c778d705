"""Search: the index is rebuilt with a prefix index (SQLite) and phrase boundaries (both).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 12:00:00

SQLite: a single Han character is a prefix query (``"的" *``). Without a prefix index FTS5
merges the doclists of every term starting with it inside one step of SQLite's virtual
machine, where the progress handler that enforces a search's time limit never looks:
``的 是 在 了 和 有 人 中`` ran 0.91 s under a limit of 0.05 s, and longer as the archive
grows. With ``prefix='1'`` (:data:`~bot.storage.fulltext.sqlite.CREATE`) that is one doclist
read (1.28 s → 0.02 s for the statement at 30,000 articles). FTS5 cannot add a prefix index
to a table, so the table is created again.

Both: the terms now hold a separator at each line break and before each run's tail
(:data:`~bot.storage.fulltext.terms.SEPARATOR`), and PostgreSQL leaves a position free
between the title and the text: a phrase no longer matches across paragraphs, across the
title's end and the text's start, or across the tails of two runs (中、美 in 会议中，完美).

So the index is dropped, created again and rebuilt from the stored articles, with a log line
every :data:`~bot.storage.fulltext.schema.BATCH` articles (as migration 0003 built it), once
for both changes (SQLite: 179 s for 30,000 generated articles of ~1,000 characters, measured).
Downgrading: SQLite rebuilds it without the prefix index and without
separators (FTS5 deletes a row by re-sending exactly the terms it indexed); PostgreSQL keeps
the vectors (rows are deleted by id, and the code before reads them alike).
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
    schema.drop(conn)
    schema.create(conn, indexes=False)
    schema.build(conn)
    schema.create_indexes(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        schema.drop(conn)
        schema.create(conn, fts5=BEFORE)
        schema.build(conn, separators=False)
