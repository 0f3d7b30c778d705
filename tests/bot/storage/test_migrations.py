"""Specification of the migrations: they build the schema the ORM models describe, on both
backends, from an empty database, and can be undone."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL

from bot.storage import engine as db
from bot.storage.models import Base

TABLES = {
    "papers",
    "editions",
    "articles",
    "subscribers",
    "subscriptions",
    "deliveries",
    "delivery_messages",
    "leases",
    "ingested_files",
}


def _diff(engine: sa.Engine, metadata: sa.MetaData) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def _tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def test_upgrade_takes_an_empty_database_to_head(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        assert db.current_revision(engine) is None
        assert _tables(engine) == set()
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
        assert _tables(engine) == TABLES | {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_by_url_opens_its_own_connection(db_url: str | URL) -> None:
    db.upgrade(db_url)
    assert db.current_revision(db_url) == db.head_revision()


def test_orm_models_match_the_migrations(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine)
        assert _diff(engine, Base.metadata) == []
    finally:
        engine.dispose()


def test_the_comparison_would_notice_a_model_without_migration(db_url: str | URL) -> None:
    """Guards the test above against comparing nothing with nothing."""
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine)
        drifted = sa.MetaData()
        for table in Base.metadata.sorted_tables:
            table.to_metadata(drifted)
        sa.Table("subscribers", drifted, sa.Column("nickname", sa.Text()), extend_existing=True)
        diff = _diff(engine, drifted)
        assert [(d[0], d[3].name) for d in diff] == [("add_column", "nickname")]
    finally:
        engine.dispose()


def test_upgrade_at_head_is_a_no_op(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO papers (name, created_at) VALUES ('x', :t)"),
                {"t": "2024-07-01 00:00:00+00:00"},
            )
        db.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM papers")).scalar() == 1
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_everything_and_upgrade_rebuilds_it(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine)
        db.downgrade(engine, "base")
        assert db.current_revision(engine) is None
        assert _tables(engine) - {"alembic_version"} == set()
        db.upgrade(engine)
        assert _tables(engine) == TABLES | {"alembic_version"}
        assert _diff(engine, Base.metadata) == []
    finally:
        engine.dispose()


def test_migrations_need_no_alembic_ini() -> None:
    config = db.alembic_config()
    assert config.config_file_name is None
    assert (db.MIGRATIONS_DIR / "env.py").is_file()
    newest = max(p.name for p in (db.MIGRATIONS_DIR / "versions").glob("[0-9]*.py"))
    assert db.head_revision() == newest.split("_", 1)[0]


def test_readers_from_before_paper_choice_keep_every_paper(db_url: str | URL) -> None:
    """0002: every chat used to get every paper; after the upgrade it still does."""
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine, "0001")
        with engine.begin() as conn:
            now = {"t": "2024-07-01 00:00:00+00:00"}
            for name in ("甲报", "乙报"):
                conn.execute(
                    sa.text("INSERT INTO papers (name, created_at) VALUES (:n, :t)"),
                    {"n": name, **now},
                )
            conn.execute(
                sa.text(
                    "INSERT INTO subscribers (chat_id, language, active, created_at, updated_at)"
                    " VALUES (7, 'zh', true, :t, :t)"
                ),
                now,
            )
        db.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT p.name, s.digest_mode FROM subscriptions x"
                    " JOIN papers p ON p.id = x.paper_id"
                    " JOIN subscribers s ON s.id = x.subscriber_id ORDER BY p.name"
                )
            ).all()
        assert [tuple(r) for r in rows] == [("乙报", "per_paper"), ("甲报", "per_paper")]
    finally:
        engine.dispose()
