"""Specification of the Store facade itself: opening, migrating, engines and threads."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from bot.storage import engine as db
from bot.storage.models import LeaseRow
from bot.storage.records import Lease
from bot.storage.store import Store
from tests.bot.delivery.editions import PAPER, long_edition
from tests.bot.storage.helpers import run_together


def test_a_fresh_sqlite_file_and_its_directory_are_created_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bz.db"
    with Store(f"sqlite:///{path}") as store:
        assert store.subscribers.subscribe(1, "zh")
    assert path.is_file()
    assert db.current_revision(f"sqlite:///{path}") == db.head_revision()


def test_a_sqlite_file_under_the_home_directory_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with Store("sqlite:///~/baozhai/archive.db") as store:
        store.subscribers.subscribe(1, "zh")
    assert (tmp_path / "baozhai" / "archive.db").is_file()


def test_an_in_memory_store_is_shared_across_threads() -> None:
    with Store("sqlite://") as store:
        store.subscribers.subscribe(1, "zh")
        seen = run_together(3, lambda _: store.subscribers.get(1))
        assert all(s is not None and s.active for s in seen)


def test_sqlite_files_use_write_ahead_logging(sqlite_url: str) -> None:
    with Store(sqlite_url) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


FROZEN_SQLITE = (
    "SQLite cannot end another process's transaction: a process frozen inside a write "
    "transaction holds the write lock until it runs again or dies"
)
NO_LIMIT_SQLITE = "the stuck-transaction limit is a PostgreSQL server setting; SQLite has none"


def test_postgresql_ends_a_transaction_left_idle_so_a_frozen_process_frees_the_lease_row(
    db_url: str | URL,
) -> None:
    if db.is_sqlite(db_url):
        pytest.skip(FROZEN_SQLITE)
    with (
        Store(db_url, stuck_transaction_seconds=0.5) as frozen,
        Store(db_url, migrate=False, stuck_transaction_seconds=0.5) as standby,
    ):
        frozen.leases.acquire("leader", "a", dt.timedelta(seconds=-1))  # expired at once
        taken: list[Lease | None] = []
        standby_thread = threading.Thread(
            target=lambda: taken.append(
                standby.leases.acquire("leader", "b", dt.timedelta(seconds=60))
            )
        )
        conn = frozen.engine.connect()
        try:
            # The holder froze between the statements of a renewal: the row stays locked.
            conn.execute(select(LeaseRow).where(LeaseRow.name == "leader").with_for_update())
            standby_thread.start()
            standby_thread.join(timeout=10)
            assert taken and taken[0] is not None and taken[0].holder == "b"
        finally:
            conn.invalidate()  # its session was ended by the server (or is ended now)
            if standby_thread.is_alive():
                standby_thread.join(timeout=10)


def test_a_url_keeps_its_own_server_options_beside_the_stuck_transaction_limit(
    db_url: str | URL,
) -> None:
    if db.is_sqlite(db_url):
        pytest.skip(NO_LIMIT_SQLITE)
    url = make_url(db_url).update_query_dict({"options": "-c application_name=baozhai-test"})
    with Store(url, stuck_transaction_seconds=2) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar() == "2s"
        assert conn.exec_driver_sql("SHOW application_name").scalar() == "baozhai-test"


def test_migrating_lifts_the_stuck_transaction_limit_only_while_it_runs(
    db_url: str | URL,
) -> None:
    if db.is_sqlite(db_url):
        pytest.skip(NO_LIMIT_SQLITE)
    engine = db.make_engine(db_url, stuck_transaction_seconds=2)
    try:
        with db._migrating(engine) as conn:  # a migration indexes in Python between statements
            assert conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar() == "0"
        with engine.connect() as conn:  # the same pooled connection, as the store uses it next
            assert conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar() == "2s"
    finally:
        engine.dispose()


def test_a_database_error_is_told_in_one_line_by_the_drivers_own_words(sqlite_url: str) -> None:
    with (
        Store(sqlite_url) as store,
        store.engine.connect() as conn,
        pytest.raises(OperationalError) as caught,
    ):
        conn.execute(text("SELECT * FROM no_such_table"))
    assert db.driver_message(caught.value) == "OperationalError: no such table: no_such_table"
    assert "SELECT" in str(caught.value)  # SQLAlchemy's own text: the statement, a link


def test_an_edition_whose_indexing_outlasts_the_stuck_transaction_limit_is_stored(
    db_url: str | URL,
) -> None:
    if db.is_sqlite(db_url):
        pytest.skip(NO_LIMIT_SQLITE)
    # Indexing 400 articles is far more than 50 ms of Python between two statements. (Only
    # the writes are the subject: a busy machine can pause 50 ms in a read's Python too.)
    with Store(db_url, stuck_transaction_seconds=0.05) as store:
        edition = store.editions.add(PAPER, *long_edition(count=400), "long-hash")
        assert edition is not None and edition.article_count == 400
        replaced = store.editions.replace(
            edition.id, *long_edition(count=400), content_hash="long-hash-2"
        )
        assert replaced.article_count == 400


def test_a_url_that_sets_the_stuck_transaction_limit_itself_keeps_its_own(
    db_url: str | URL,
) -> None:
    if db.is_sqlite(db_url):
        pytest.skip(NO_LIMIT_SQLITE)
    options = "-c idle_in_transaction_session_timeout=0"
    url = make_url(db_url)
    url = url.update_query_dict({"options": f"{url.query.get('options', '')} {options}"})
    with Store(url, stuck_transaction_seconds=2) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar() == "0"
