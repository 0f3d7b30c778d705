"""Readers: followed topics, their alerts, and each reader's own timezone and quiet hours.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-29 00:00:00

``follows`` holds each reader's topics (``/follow``); ``alerts`` one alert per edition and
chat, decided at ingest, with the ledger of its one message (claimed, on the wire, sent).
``subscribers`` gains ``timezone``, ``quiet_start`` and ``quiet_end``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "status IN ('pending', 'on_wire', 'sent', 'in_doubt', 'failed')"


def upgrade() -> None:
    # Plain ADD COLUMNs, never a batch rebuild: on SQLite, rebuilding ``subscribers`` drops
    # the old table, and with foreign keys on that cascades to every subscription and follow.
    op.add_column("subscribers", sa.Column("timezone", sa.String(64), nullable=True))
    op.add_column("subscribers", sa.Column("quiet_start", sa.Time(), nullable=True))
    op.add_column("subscribers", sa.Column("quiet_end", sa.Time(), nullable=True))
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_follows_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_follows"),
        sa.UniqueConstraint("subscriber_id", "term", name="uq_follows_subscriber_id_term"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name="fk_alerts_edition_id_editions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("edition_id", "chat_id", name="uq_alerts_edition_id_chat_id"),
        sa.CheckConstraint(_STATUSES, name="ck_alerts_alert_status"),
    )
    op.create_index("ix_alerts_status", "alerts", ["status"])


def downgrade() -> None:
    op.drop_index("ix_alerts_status", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("follows")
    # SQLite (3.35+) drops a column in place; a batch rebuild would cascade (see upgrade).
    op.execute("ALTER TABLE subscribers DROP COLUMN quiet_end")
    op.execute("ALTER TABLE subscribers DROP COLUMN quiet_start")
    op.execute("ALTER TABLE subscribers DROP COLUMN timezone")
