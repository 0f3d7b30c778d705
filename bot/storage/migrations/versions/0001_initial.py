"""Initial schema: papers, editions, articles, subscribers, deliveries, ingested files.

Revision ID: 0001
Revises:
Create Date: 2024-07-01 00:00:00

Written by hand to match ``bot.storage.models`` (tests/bot/storage/test_migrations.py checks
that autogenerate finds no difference on SQLite and PostgreSQL). Constraint names follow the
models' naming convention so later migrations can drop or alter them by name on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_papers"),
        sa.UniqueConstraint("name", name="uq_papers_name"),
    )
    op.create_table(
        "editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        _timestamp("ingested_at"),
        sa.PrimaryKeyConstraint("id", name="pk_editions"),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name="fk_editions_paper_id_papers", ondelete="CASCADE"
        ),
        sa.UniqueConstraint(
            "paper_id", "date", "content_hash", name="uq_editions_paper_id_date_content_hash"
        ),
    )
    op.create_index("ix_editions_date", "editions", ["date"])
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(32), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("byline", sa.Text(), nullable=True),
        sa.Column("paragraphs", sa.JSON(), nullable=False),
        sa.Column("captions", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("continued_on", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name="fk_articles_edition_id_editions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("edition_id", "number", name="uq_articles_edition_id_number"),
    )
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("digest_time", sa.Time(), nullable=True),
        sa.Column("inactive_reason", sa.String(32), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_subscribers"),
        sa.UniqueConstraint("chat_id", name="uq_subscribers_chat_id"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _timestamp("claimed_at"),
        _timestamp("sent_at", nullable=True),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name="fk_deliveries_edition_id_editions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("edition_id", "chat_id", name="uq_deliveries_edition_id_chat_id"),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'retry')",
            name="ck_deliveries_delivery_status",
        ),
    )
    op.create_index("ix_deliveries_chat_id", "deliveries", ["chat_id"])
    op.create_table(
        "ingested_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_ingested_files"),
        sa.UniqueConstraint("content_hash", name="uq_ingested_files_content_hash"),
        sa.CheckConstraint("status IN ('ok', 'failed')", name="ck_ingested_files_file_status"),
    )


def downgrade() -> None:
    op.drop_table("ingested_files")
    op.drop_index("ix_deliveries_chat_id", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("subscribers")
    op.drop_table("articles")
    op.drop_index("ix_editions_date", table_name="editions")
    op.drop_table("editions")
    op.drop_table("papers")
