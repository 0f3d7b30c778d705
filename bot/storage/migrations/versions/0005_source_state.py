"""E-paper sources: state kept between polls, and editions stored by a backfill.

Revision ID: 0005
Revises: 0002
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
down_revision: str | None = "0002"
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
    with op.batch_alter_table("editions") as batch:
        batch.add_column(
            sa.Column("backfilled", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("editions") as batch:
        batch.drop_column("backfilled")
    op.drop_table("source_state")
