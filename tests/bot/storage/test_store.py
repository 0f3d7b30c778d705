"""Specification of the Store facade itself: opening, migrating, engines and threads."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import engine as db
from bot.storage.store import Store
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
