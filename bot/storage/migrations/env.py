"""Alembic environment for Baozhai, run from code via :func:`bot.storage.engine.upgrade`.

No alembic.ini: :func:`bot.storage.engine.alembic_config` passes either an open connection
(preferred: the caller's engine, so an in-memory SQLite database is migrated where it lives)
or a URL in ``config.attributes``. ``render_as_batch`` lets future migrations alter tables on
SQLite, which
has almost no ALTER TABLE.
"""

from __future__ import annotations

import logging

from alembic import context
from sqlalchemy import Connection

from bot.storage.engine import make_engine
from bot.storage.fulltext.schema import is_index_table
from bot.storage.models import Base

log = logging.getLogger("bot.storage.migrations")

config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Leave the full-text index's tables (not in the models) out of autogenerate."""
    return not (type_ == "table" and name is not None and is_index_table(name))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (``alembic upgrade --sql``)."""
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the connection handed in, or one opened from the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("bot.storage.migrations: no connection or url in the Alembic config")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _configure(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
