"""Readers choose their papers: subscriptions (chat × paper) and a digest mode per chat.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 00:00:00

Before this revision every active chat received every paper's digest. So that nothing changes
for them, each existing subscriber is subscribed to every paper known so far; chats that come
later start with the configured default papers instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_subscriptions_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name="fk_subscriptions_paper_id_papers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.UniqueConstraint(
            "subscriber_id", "paper_id", name="uq_subscriptions_subscriber_id_paper_id"
        ),
    )
    op.create_index("ix_subscriptions_paper_id", "subscriptions", ["paper_id"])
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(
            sa.Column(
                "digest_mode", sa.String(16), nullable=False, server_default="per_paper"
            )
        )
        batch.create_check_constraint(
            "ck_subscribers_digest_mode", "digest_mode IN ('per_paper', 'combined')"
        )
    # Everyone keeps what they had: every paper.
    op.execute(
        "INSERT INTO subscriptions (subscriber_id, paper_id, created_at) "
        "SELECT subscribers.id, papers.id, CURRENT_TIMESTAMP FROM subscribers CROSS JOIN papers"
    )


def downgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_constraint("ck_subscribers_digest_mode", type_="check")
        batch.drop_column("digest_mode")
    op.drop_index("ix_subscriptions_paper_id", table_name="subscriptions")
    op.drop_table("subscriptions")
