"""The delivery ledger and leases: per-message states, claim owners, the leader lease.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 00:00:00

Before this revision a claim was only a ``pending`` row: whether its digest reached the chat was
unknown once its sender died. Such rows are closed as ``failed`` here (the old at-most-once
promise for them stands); from now on each message is recorded before and after it is sent
(``delivery_messages``), a claim names its sender (``deliveries.claimed_by``), and a sender's
liveness is a lease row with an expiry (``leases``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STATUSES = "status IN ('pending', 'sent', 'failed', 'retry')"
_NEW_STATUSES = "status IN ('pending', 'sent', 'in_doubt', 'failed', 'retry')"


def upgrade() -> None:
    op.execute(
        "UPDATE deliveries SET status = 'failed', "
        "error = 'claimed before the ledger existed; may have been sent' "
        "WHERE status = 'pending'"
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(64), nullable=True))
        batch.drop_constraint("ck_deliveries_delivery_status", type_="check")
        batch.create_check_constraint("ck_deliveries_delivery_status", _NEW_STATUSES)
    op.create_table(
        "delivery_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name="fk_delivery_messages_delivery_id_deliveries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_messages"),
        sa.UniqueConstraint(
            "delivery_id", "part", name="uq_delivery_messages_delivery_id_part"
        ),
        sa.CheckConstraint(
            "state IN ('on_wire', 'confirmed', 'skipped')",
            name="ck_delivery_messages_message_state",
        ),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_leases"),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_table("delivery_messages")
    op.execute("UPDATE deliveries SET status = 'failed' WHERE status = 'in_doubt'")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("ck_deliveries_delivery_status", type_="check")
        batch.create_check_constraint("ck_deliveries_delivery_status", _OLD_STATUSES)
        batch.drop_column("claimed_by")
