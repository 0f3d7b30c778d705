"""Specification of ``store.files`` (ingested edition files), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.storage.records import FileStatus
from bot.storage.store import Store


def test_a_successfully_ingested_file_is_seen_by_its_hash(store: Store) -> None:
    assert not store.files.seen("h1")
    store.files.record("inbox/a.txt", "h1", FileStatus.OK, None)
    assert store.files.seen("h1")
    assert not store.files.seen("h2")


def test_a_failed_file_is_recorded_but_tried_again(store: Store) -> None:
    store.files.record("inbox/bad.txt", "h1", FileStatus.FAILED, "no date")
    assert not store.files.seen("h1")
    store.files.record("inbox/bad.txt", "h1", FileStatus.OK, None)  # re-dropped after a fix
    assert store.files.seen("h1")


def test_record_file_rejects_an_unknown_status(store: Store) -> None:
    with pytest.raises(ValueError):
        store.files.record("a", "h", "maybe", None)


def test_file_statuses_are_stored_as_their_plain_strings(store: Store) -> None:
    store.files.record("inbox/a.txt", "h1", FileStatus.OK, None)
    store.files.record("inbox/b.txt", "h2", FileStatus.FAILED, "binary")
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT content_hash, status FROM ingested_files")).all()
    assert sorted((h, s) for h, s in rows) == [("h1", "ok"), ("h2", "failed")]
    assert [s.value for s in FileStatus] == ["ok", "failed"]
