"""Combined digests: one message for several editions, claimed and recorded as one bundle.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 00:00:00

``deliveries.bundle`` names the lead row of a combined digest (the row whose ledger holds its
messages); the other editions' rows of that chat point at it. A plain column added in place
(no table rebuild: ``delivery_messages`` references ``deliveries`` with ON DELETE CASCADE).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("bundle", sa.Integer(), nullable=True))
    op.create_index("ix_deliveries_bundle", "deliveries", ["bundle"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_bundle", table_name="deliveries")
    op.drop_column("deliveries", "bundle")
