"""E-paper sources: state kept between polls, and editions stored by a backfill.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 00:00:00

``source_state`` holds a site's validators and parsed listings (so the first poll after a
restart is still only conditional requests) and what each edition is still missing.
``editions.backfilled`` marks editions stored by ``baozhai backfill``: archive, never a digest.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name="fk_source_state_paper_id_papers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_source_state"),
        sa.UniqueConstraint("paper_id", "key", name="uq_source_state_paper_id_key"),
    )
    # A plain ADD COLUMN, never a batch rebuild: on SQLite, rebuilding ``editions`` drops the
    # old table, and with foreign keys on that cascades to every article of the archive.
    op.add_column(
        "editions",
        sa.Column("backfilled", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place; a batch rebuild would cascade (see upgrade).
    op.execute("ALTER TABLE editions DROP COLUMN backfilled")
    op.drop_table("source_state")
