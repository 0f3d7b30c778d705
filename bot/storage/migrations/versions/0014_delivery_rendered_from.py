"""Deliveries remember what their digest was rendered from.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 17:00:00

``deliveries.rendered_from`` is a fingerprint of the stored content of the edition (or of
every edition of a combined digest) when the digest was claimed. A digest half-sent by a
sender that died is resumed by message number: right only if the messages are the same. A
late page merged in meanwhile changes the edition's content and so its rendering: message 3
of the new one is not message 3 of the old. A claim taken over with another fingerprint
starts again from the first message (:mod:`bot.storage.deliveries`). A plain nullable column:
rows claimed before it (no fingerprint) are resumed by number as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("rendered_from", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("deliveries", "rendered_from")
