"""Specification of ``store.files`` (ingested edition files), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.storage.store import Store


def test_a_successfully_ingested_file_is_seen_by_its_hash(store: Store) -> None:
    assert not store.files.seen("h1")
    store.files.record("inbox/a.txt", "h1", "ok", None)
    assert store.files.seen("h1")
    assert not store.files.seen("h2")


def test_a_failed_file_is_recorded_but_tried_again(store: Store) -> None:
    store.files.record("inbox/bad.txt", "h1", "failed", "no date")
    assert not store.files.seen("h1")
    store.files.record("inbox/bad.txt", "h1", "ok", None)  # re-dropped after a fix
    assert store.files.seen("h1")


def test_record_file_rejects_an_unknown_status(store: Store) -> None:
    with pytest.raises(ValueError):
        store.files.record("a", "h", "maybe", None)
