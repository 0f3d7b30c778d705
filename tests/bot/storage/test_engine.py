"""Engine helpers that decide from a URL alone, before any connection is opened."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.engine import sqlite_file_missing
from tests.bot.rights import without_rights


@pytest.fixture
def there(tmp_path: Path) -> Path:
    path = tmp_path / "有 空格.sqlite"
    path.write_bytes(b"")
    return path


def test_a_sqlite_file_that_exists_is_not_missing(there: Path) -> None:
    assert not sqlite_file_missing(f"sqlite:///{there}")


def test_a_sqlite_file_that_does_not_exist_is_missing(tmp_path: Path) -> None:
    assert sqlite_file_missing(f"sqlite:///{tmp_path / 'typo.sqlite'}")


def test_a_folder_is_no_database_file(tmp_path: Path) -> None:
    assert sqlite_file_missing(f"sqlite:///{tmp_path}")


def test_a_file_in_a_folder_this_user_may_not_enter_is_a_clear_error(tmp_path: Path) -> None:
    # `baozhai status` run by an operator beside the service user's /var/lib/baozhai (0700).
    folder = tmp_path / "var-lib-baozhai"
    folder.mkdir()
    database = folder / "baozhai.db"
    database.write_bytes(b"")
    said = without_rights(folder, lambda: sqlite_file_missing(f"sqlite:///{database}"))
    assert said == f"raised DatabaseOpenError: cannot look at {database}: Permission denied"


@pytest.mark.parametrize("form", ["file:{path}", "file://{path}", "file://localhost{path}"])
def test_a_uri_url_names_its_file_after_file_colon(there: Path, form: str) -> None:
    encoded = str(there).replace(" ", "%20")
    url = "sqlite:///" + form.format(path=encoded) + "?mode=rw&uri=true"
    assert not sqlite_file_missing(url)
    assert sqlite_file_missing(url.replace(".sqlite?", ".db?"))


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:mem1?mode=memory&cache=shared&uri=true",
        "sqlite:///file::memory:?uri=true",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    ],
)
def test_databases_without_a_file_are_never_missing(url: str) -> None:
    assert not sqlite_file_missing(url)
