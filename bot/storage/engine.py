"""Engines, sessions and migrations: everything that knows which database we talk to.

Why a module of its own: SQLite and PostgreSQL need different connection set-up (threads,
WAL, locking), and both the :class:`bot.storage.store.Store` and the Alembic ``env.py`` must build
engines the same way. Keeping that here lets the store be written once for both backends.

SQLite notes. The bot calls the store from worker threads (``asyncio.to_thread``), so connections
are opened with ``check_same_thread=False`` and, for a file, in WAL mode (readers never block the
writer). Python's sqlite3 driver begins transactions lazily and only before DML, which breaks
SAVEPOINTs and lets two "read, then write" transactions deadlock on lock upgrade; we therefore
take over transaction control (the recipe from the SQLAlchemy docs) and start write transactions
with ``BEGIN IMMEDIATE`` (see :data:`WRITE_OPTIONS`), so writers queue on the busy timeout
instead of failing with "database is locked".
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from bot.errors import DatabaseOpenError

__all__ = [
    "MIGRATIONS_DIR",
    "STUCK_SETTING",
    "WRITE_OPTIONS",
    "alembic_config",
    "allow_long_pauses",
    "current_revision",
    "downgrade",
    "driver_message",
    "head_revision",
    "is_memory_sqlite",
    "is_sqlite",
    "make_engine",
    "masked_url",
    "resolve_url",
    "upgrade",
]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Execution option a write transaction sets on its connection before it begins.
_IMMEDIATE = "baozhai_sqlite_immediate"
WRITE_OPTIONS: dict[str, Any] = {_IMMEDIATE: True}

_SQLITE_BUSY_TIMEOUT_S = 30.0


def _json_dumps(value: Any) -> str:
    # Keep Chinese readable in the database (psql, sqlite3 shell) instead of \uXXXX escapes.
    return json.dumps(value, ensure_ascii=False)


def driver_message(exc: BaseException, limit: int = 200) -> str:
    """``Type: first line`` of the driver's own message under a database error, for one log or
    error line: SQLAlchemy's text adds the statement and a link over several lines."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    first = lines[0][:limit] if lines else ""
    return f"{type(cause).__name__}: {first}" if first else type(cause).__name__


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or bool(url.query.get("mode") == "memory")


def is_memory_sqlite(url: str | URL | Engine) -> bool:
    """True for an in-memory SQLite database (one connection, shared by all threads)."""
    parsed = url.url if isinstance(url, Engine) else make_url(url)
    return parsed.get_backend_name() == "sqlite" and _is_memory(parsed)


def is_sqlite(url: str | URL | Engine) -> bool:
    """True for any SQLite URL or engine."""
    if isinstance(url, Engine):
        return url.dialect.name == "sqlite"
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str | URL) -> Path | None:
    """The file a SQLite URL names, as SQLite reads it; None for other databases and
    in-memory ones. A ``uri=true`` URL names its file as ``file:path?…`` (percent-encoded,
    no "~")."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or _is_memory(parsed):
        return None
    database = parsed.database or ""
    if parsed.query.get("uri"):
        path = urllib.parse.unquote(urllib.parse.urlsplit(database).path)
        return None if path in ("", ":memory:") else Path(path)
    return Path(database).expanduser()


def sqlite_file_missing(url: str | URL) -> bool:
    """True for a SQLite URL whose database file is not there (or is no file: a directory):
    what a command that only reads or steps down a database must say, not create an empty
    one by opening it. :class:`DatabaseOpenError` when this user may not look."""
    path = sqlite_file(url)
    if path is None:
        return False
    try:
        return not path.is_file()
    except OSError as exc:  # the service user's folder, looked at by another user
        raise DatabaseOpenError(f"cannot look at {path}: {exc.strerror or exc}") from exc


def masked_url(url: str | URL) -> str:
    """The database URL with its password replaced by ``***`` (the one after the user name
    and any given as a query parameter: libpq takes ``?password=…`` and ``sslpassword=…``):
    the only form in which a URL is shown or logged."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "<unparsable URL>"
    shown = parsed.render_as_string(hide_password=True)
    if "@" in (parsed.host or ""):  # an unescaped "@" in the password: its tail is the "host"
        shown = _CREDENTIALS.sub("://***@", shown)
    return _QUERY_PASSWORD.sub(r"\1***", shown)


_QUERY_PASSWORD = re.compile(r"(?i)([?&][^=&]*password=)[^&]*")
_CREDENTIALS = re.compile(r"://[^/?#]*@")  # greedy: up to the last "@" before the path


def resolve_url(url: str, base_dir: Path) -> str:
    """Make a relative SQLite file path absolute against ``base_dir``; leave others alone.

    Why: ``sqlite:///data/baozhai.db`` in a config file means "next to the config file", not
    "wherever the process happened to be started". Raises ValueError for an unparsable URL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(str(exc)) from None
    if parsed.get_backend_name() != "sqlite" or _is_memory(parsed) or parsed.query.get("uri"):
        return url
    written = Path(parsed.database or "")
    database = written.expanduser()
    if database.is_absolute():
        if database == written:
            return url
        return parsed.set(database=str(database)).render_as_string(hide_password=False)
    absolute = (base_dir / database).resolve()
    return parsed.set(database=str(absolute)).render_as_string(hide_password=False)


STUCK_SETTING = "idle_in_transaction_session_timeout"
"""PostgreSQL's limit on a transaction left idle: see :func:`make_engine`."""


def _limit_stuck_transactions(engine: Engine, seconds: float) -> None:
    """Set :data:`STUCK_SETTING` on each new connection of ``engine`` (a session setting,
    committed: ``SET`` is transactional in PostgreSQL)."""
    ms = max(1, round(seconds * 1000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET {STUCK_SETTING} = {ms}")
        finally:
            cursor.close()
        dbapi_connection.commit()


def allow_long_pauses(session: Session | Connection) -> None:
    """Lift the stuck-transaction limit for the rest of this transaction (PostgreSQL), for
    work that runs Python between its statements for long: indexing an edition's articles
    (15 s for 500 articles of 50,000 characters), a migration. Such a transaction holds
    nothing another process waits for to take over (the leases are written apart)."""
    bind = session.get_bind() if isinstance(session, Session) else session
    if bind.dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL {STUCK_SETTING} = 0"))


def make_engine(url: str | URL, *, stuck_transaction_seconds: float | None = None) -> Engine:
    """A thread-safe engine for ``url`` set up for the bot's access pattern.

    SQLite: creates the file's directory, WAL, foreign keys on, 30 s busy timeout, explicit
    transaction control (see the module docstring); ``:memory:`` shares one connection so every
    thread sees the same database. Others (PostgreSQL): a pool with pre-ping, because the bot
    idles for hours between editions and server-side idle timeouts close connections.

    ``stuck_transaction_seconds`` (PostgreSQL): the server ends a session that sits that long
    inside a transaction without a statement (``idle_in_transaction_session_timeout``, set on
    each new connection, unless the URL's ``options`` set it already). Why: a process frozen
    mid-transaction (SIGSTOP, a suspended VM, a cut network) keeps its row locks until then,
    and the lease row among them would keep a standby waiting for good. Long Python work
    inside one transaction asks for :func:`allow_long_pauses`. SQLite has no such thing: a
    process frozen inside a write transaction holds the database's write lock until it runs
    again or dies.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        try:
            engine = create_engine(parsed, pool_pre_ping=True, json_serializer=_json_dumps)
        except ImportError as exc:
            raise DatabaseOpenError(
                f"its driver is not installed ({exc.name or exc}). Baozhai runs on SQLite and"
                " on PostgreSQL with psycopg 3: postgresql+psycopg://…, pip install"
                " 'baozhai[postgres]'"
            ) from exc
        given = parsed.query.get("options", "")  # the URL's own setting wins
        if (
            stuck_transaction_seconds is not None
            and parsed.get_backend_name() == "postgresql"
            and STUCK_SETTING not in " ".join([given] if isinstance(given, str) else given)
        ):
            _limit_stuck_transactions(engine, stuck_transaction_seconds)
        return engine

    connect_args: dict[str, Any] = {
        "check_same_thread": False,
        "timeout": _SQLITE_BUSY_TIMEOUT_S,
    }
    memory = _is_memory(parsed)
    if memory:
        engine = create_engine(
            parsed, connect_args=connect_args, poolclass=StaticPool, json_serializer=_json_dumps
        )
    else:
        if parsed.database and not parsed.query.get("uri"):
            path = Path(parsed.database).expanduser()  # SQLite itself knows no "~"
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseOpenError(
                    f"cannot make its folder {path.parent}: {exc.strerror or exc}"
                ) from exc
            parsed = parsed.set(database=str(path))
        engine = create_engine(parsed, connect_args=connect_args, json_serializer=_json_dumps)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver; "begin" below issues BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


# --------------------------------------------------------------------------------------------
# Migrations (Alembic, run from code: no alembic.ini is needed at runtime)


def alembic_config(url: str | URL | None = None, connection: Connection | None = None) -> Any:
    """An ``alembic.config.Config`` for the migrations shipped inside this package.

    The URL and/or an open connection travel in ``config.attributes`` (not the ini options,
    whose ``%`` interpolation would mangle URL-encoded passwords); ``env.py`` reads them.
    """
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _connection(target: str | URL | Engine) -> Iterator[Connection]:
    if isinstance(target, Engine):
        with target.connect() as conn:
            yield conn
        return
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


MIGRATION_LOCK = 0x62616F7A686169  # "baozhai": the PostgreSQL advisory lock of migrations


@contextmanager
def _migrating(target: str | URL | Engine) -> Iterator[Connection]:
    """A connection to migrate on, one process at a time.

    Several ``baozhai run`` (a leader and its hot standbys) open the database at once after a
    deploy, and each migrates on open: run side by side, one failed (SQLite: "database is
    locked" upgrading its read lock; PostgreSQL: the column the other just added). SQLite:
    all migrations run in one transaction that takes the write lock up front (``BEGIN
    IMMEDIATE``), so the other waits on the busy timeout and then finds nothing left to do.
    PostgreSQL: a session advisory lock held until the migrations are committed."""
    with _connection(target) as conn:
        if conn.dialect.name == "sqlite":
            # One transaction for the whole upgrade: Alembic commits after each migration of
            # its own, and a process paused between two would find the next done by another.
            conn.execution_options(**WRITE_OPTIONS).begin()
            yield conn
            return
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        # A migration indexes the archive in Python between its statements: never "stuck".
        # (Alembic commits per migration, so SET LOCAL would not last: set for the session,
        # and give the pooled connection its own value back afterwards.)
        limit = conn.scalar(text(f"SELECT current_setting('{STUCK_SETTING}')"))
        conn.execute(text(f"SET {STUCK_SETTING} = 0"))
        conn.commit()
        try:
            yield conn
        finally:
            if conn.in_transaction():
                conn.rollback()  # a failed migration: its transaction is over anyway
            conn.execute(
                text(f"SELECT set_config('{STUCK_SETTING}', :limit, false)"), {"limit": limit}
            )
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()


def upgrade(target: str | URL | Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest). A no-op when already there.

    Accepts an engine too, so an in-memory SQLite database is migrated on the very connection
    the store will use rather than on a throwaway one. Processes that migrate at once take
    turns (:func:`_migrating`).
    """
    from alembic import command

    with _migrating(target) as conn:
        config = alembic_config(connection=conn)
        _refuse_unknown_revision(conn)
        command.upgrade(config, revision)
        if conn.in_transaction():
            conn.commit()


def _refuse_unknown_revision(conn: Connection) -> None:
    """Raise :class:`~bot.errors.SchemaTooNewError` when the database is at a revision this
    code does not ship (alembic would say only "Can't locate revision")."""
    from alembic.runtime.migration import MigrationContext

    from bot.errors import SchemaTooNewError

    current = MigrationContext.configure(conn).get_current_revision()
    if current is not None and not known_revision(current):
        raise SchemaTooNewError(current, head_revision())


def known_revision(revision: str) -> bool:
    """Whether this code ships the schema revision ``revision`` (False: a newer Baozhai's)."""
    from alembic.script import ScriptDirectory
    from alembic.script.revision import ResolutionError
    from alembic.util import CommandError

    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except (ResolutionError, CommandError):
        return False
    return True


def downgrade(target: str | URL | Engine, revision: str) -> None:
    """Migrate down to ``revision`` (``"base"`` drops everything). For operators and tests."""
    from alembic import command

    with _migrating(target) as conn:
        command.downgrade(alembic_config(connection=conn), revision)
        if conn.in_transaction():
            conn.commit()


def head_revision() -> str:
    """The newest revision shipped with this code."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(target: str | URL | Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with _connection(target) as conn:
        return MigrationContext.configure(conn).get_current_revision()
