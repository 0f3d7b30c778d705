"""Database fixtures: every store-backed test runs on a real SQLite file and on real PostgreSQL
(or on one of them: ``BAOZHAI_TEST_BACKEND=sqlite|postgresql``, as ``.ci/run`` does).

PostgreSQL: ``$BAOZHAI_TEST_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
Each test gets its own freshly created schema, named after this test session, selected through
the connection's ``search_path`` and dropped afterwards, so parallel and repeated runs on one
server never see each other's tables. When the server is not reachable the PostgreSQL variants
are skipped with the reason, and the SQLite ones still run.

``bot`` is the whole bot running on ``db`` against a local Bot API server; a module that needs
it otherwise (admins, a second paper) defines its own.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bot.storage.store import Store
from tests.bot.running_bot import RunningBot, bot_running
from tests.bot.sources.epaper.server import SiteServer

PG_ENV = "BAOZHAI_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKEND_ENV = "BAOZHAI_TEST_BACKEND"
BACKENDS = ("sqlite", "postgresql")


def _backends() -> list[str]:
    """``$BAOZHAI_TEST_BACKEND`` (sqlite or postgresql) runs every store-backed test on that
    backend only (CI runs the suite once per backend); unset, each runs on both."""
    chosen = os.environ.get(BACKEND_ENV, "").strip().lower()
    if not chosen:
        return list(BACKENDS)
    if chosen not in BACKENDS:
        raise pytest.UsageError(f"{BACKEND_ENV} must be one of {', '.join(BACKENDS)}")
    return [chosen]


@dataclass
class _PgServer:
    url: URL
    admin: Engine
    prefix: str
    counter: itertools.count

    def new_schema(self) -> str:
        name = f"{self.prefix}_{next(self.counter)}"
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        return name

    def drop_schema(self, name: str) -> None:
        with self.admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))

    def url_for(self, schema: str) -> URL:
        return self.url.update_query_dict({"options": f"-csearch_path={schema}"})


@pytest.fixture(scope="session")
def pg_server() -> Iterator[_PgServer]:
    """A reachable PostgreSQL server, or a skip saying which one was tried."""
    url = make_url(os.environ.get(PG_ENV, DEFAULT_PG_URL))
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip(f"psycopg not installed; PostgreSQL tests need it (set {PG_ENV})")
    admin = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with admin.connect():
            pass
    except OperationalError as exc:
        admin.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        message = f"PostgreSQL not reachable at {where} (set {PG_ENV}): {reason}"
        if _backends() == ["postgresql"]:
            pytest.fail(f"{BACKEND_ENV}=postgresql, but {message}")
        pytest.skip(message)
    prefix = f"baozhai_test_{uuid.uuid4().hex[:10]}"
    server = _PgServer(url=url, admin=admin, prefix=prefix, counter=itertools.count(1))
    try:
        yield server
    finally:
        # Safety net for schemas a crashed test left behind.
        with admin.begin() as conn:
            names = conn.execute(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
                {"p": prefix + "_%"},
            ).scalars()
            for name in list(names):
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_server: _PgServer) -> Iterator[URL]:
    """The URL of an empty PostgreSQL schema that exists for this test only."""
    schema = pg_server.new_schema()
    try:
        yield pg_server.url_for(schema)
    finally:
        pg_server.drop_schema(schema)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a not-yet-existing SQLite file in this test's temporary directory."""
    return f"sqlite:///{tmp_path / 'db' / 'baozhai.db'}"


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest) -> str | URL:
    """An empty database on each backend chosen (the PostgreSQL one may be skipped)."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def one_db_url(request: pytest.FixtureRequest) -> str | URL:
    """One empty database, for tests whose subject does not depend on the backend: SQLite,
    or PostgreSQL when ``BAOZHAI_TEST_BACKEND=postgresql``."""
    if _backends() == ["postgresql"]:
        return request.getfixturevalue("pg_url")
    return request.getfixturevalue("sqlite_url")


@pytest.fixture
def store(db_url: str | URL) -> Iterator[Store]:
    """A Store on a fresh, migrated database of each backend."""
    s = Store(db_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def one_store(one_db_url: str | URL) -> Iterator[Store]:
    """A Store on one backend (``one_db_url``): for what does not depend on it, such as
    ingestion (the store's own tests cover both)."""
    s = Store(one_db_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def db(db_url: str | URL) -> str:
    """``db_url`` as a string (PostgreSQL's with its password), for a config file."""
    return db_url if isinstance(db_url, str) else db_url.render_as_string(hide_password=False)


@pytest.fixture
async def site() -> AsyncIterator[SiteServer]:
    """An e-paper site on 127.0.0.1 (empty: tests put the pages they need into ``site.site``)."""
    server = SiteServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(tmp_path: Path, db: str) -> AsyncIterator[RunningBot]:
    """The bot with the default test config, polling a fresh local Bot API server."""
    async with bot_running(tmp_path, db) as running:
        yield running
