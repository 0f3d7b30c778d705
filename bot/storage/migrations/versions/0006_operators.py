"""Operators: broadcasts with their own delivery ledger, and channels bound to a chat.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 00:00:00

A broadcast (``/broadcast``) is one message to every active subscriber. It has a ledger of
its own, ``broadcast_deliveries``: one row per (broadcast, chat) that is the claim (UNIQUE,
``claimed_by`` a lease holder, as for digests) and, since a broadcast is a single message,
also that message's ledger state (``on_wire`` before the request, ``confirmed`` with the
message id after). So a crashed broadcast resumes where it stopped and never reaches a chat
twice, exactly like a digest. New tables only: ``deliveries`` is referenced with ON DELETE
CASCADE and must not be rebuilt on SQLite.

``channels``: a channel a group or reader bound with ``/channel @name``; the channel itself is
a subscriber (its chat id, negative), this row remembers who bound it and by which name.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_broadcasts"),
    )
    op.create_table(
        "broadcast_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(16), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name="fk_broadcast_deliveries_broadcast_id_broadcasts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_broadcast_deliveries"),
        sa.UniqueConstraint(
            "broadcast_id", "chat_id", name="uq_broadcast_deliveries_broadcast_id_chat_id"
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'in_doubt', 'failed', 'retry')",
            name="ck_broadcast_deliveries_broadcast_status",
        ),
        sa.CheckConstraint(
            "state IN ('on_wire', 'confirmed', 'skipped')",
            name="ck_broadcast_deliveries_broadcast_state",
        ),
    )
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("bound_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_channels"),
        sa.UniqueConstraint("chat_id", name="uq_channels_chat_id"),
    )
    op.create_index("ix_channels_bound_by", "channels", ["bound_by"])


def downgrade() -> None:
    op.drop_index("ix_channels_bound_by", table_name="channels")
    op.drop_table("channels")
    op.drop_table("broadcast_deliveries")
    op.drop_table("broadcasts")
