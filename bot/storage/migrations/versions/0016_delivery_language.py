"""Deliveries remember the language their digest is rendered in.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 14:30:00

A digest half-sent by a sender that died is resumed by message number. Since a private chat's
language follows the reader's Telegram client, the reader may have switched language between
the crash and the takeover; rendered in the new language, the rest of the digest would not
continue the messages that arrived. ``deliveries.language`` is the reader's language when the
digest was claimed; a claim taken over with messages sent renders in it
(:mod:`bot.storage.deliveries`). A plain nullable column: rows claimed before it render in the
reader's language of the day, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("deliveries", "language")
