"""Specification of the inbox scan (:class:`bot.sources.inbox.InboxSource`) on what is odd in
an inbox: names that are not UTF-8, folders that cannot be listed, copies in flight, more
than one scan should read. Real files in a temporary inbox; where the whole ingest matters,
a real SQLite Store."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import bot
from bot.config import PaperConfig
from bot.ingest import IngestReport, ingest_inbox
from bot.sources.inbox import DEFAULT_GRACE, InboxSource
from bot.storage.store import Store
from summarizer.errors import EditionError
from summarizer.limits import Limits

SEED = Path(bot.__file__).parent / "sample" / "zjgrrb-2024-07-01-p01.txt"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2024, 7, 2, 8, 0, tzinfo=SHANGHAI)
AN_HOUR = dt.timedelta(hours=1)
GBK_PAGE_1 = b"2024-07-01-\xb5\xda1\xb0\xe6.txt"  # "2024-07-01-第1版.txt" in GBK
"""A page name as a Chinese Windows share or zip archive hands it over."""


@pytest.fixture
def paper(tmp_path: Path) -> PaperConfig:
    return PaperConfig(name="浙江工人日报", inbox=tmp_path / "inbox")


def drop(
    paper: PaperConfig, name: str | bytes, data: bytes, *, arrived: dt.datetime = NOW - AN_HOUR
) -> bytes:
    """Put a file into the inbox as if fully written at ``arrived``; returns its path as bytes
    (a name that is not UTF-8 has no str path that the test could print)."""
    path = os.path.join(os.fsencode(paper.inbox), os.fsencode(name))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as file:
        file.write(data)
    os.utime(path, (arrived.timestamp(), arrived.timestamp()))
    return path


def scan(store: Store, paper: PaperConfig) -> IngestReport:
    return ingest_inbox(store, paper, sentences=3, now=NOW)


def listing(folder: Path) -> list[bytes]:
    """The folder's names, as bytes, without hidden ones (the ingest's lock file)."""
    return sorted(name for name in os.listdir(os.fsencode(folder)) if not name.startswith(b"."))


# ---------------------------------------------------------------------------------------------
# File names that are not UTF-8


def test_a_page_whose_name_is_not_utf8_stops_no_other_edition(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, GBK_PAGE_1, SEED.read_bytes())
    drop(paper, "zjgrrb-2024-07-02-p01.txt", SEED.read_bytes().replace("徐留平".encode(), b"X"))

    report = scan(one_store, paper)

    assert [e.date for e in report.new] == [dt.date(2024, 7, 2)]
    assert listing(paper.inbox) == [b"done", b"failed"]


def test_a_page_whose_name_is_not_utf8_is_set_aside_under_its_gb18030_reading(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, GBK_PAGE_1, SEED.read_bytes())

    report = scan(one_store, paper)

    [failure] = report.failures
    assert failure.file == "2024-07-01-第1版.txt"
    kept = paper.inbox / "failed" / "2024-07-01-第1版.txt"
    assert failure.moved_to == str(kept)
    assert kept.read_bytes() == SEED.read_bytes()
    assert report.new == [] and one_store.editions.latest(paper.name) is None


def test_the_reason_note_of_a_name_that_is_not_utf8_keeps_the_original_bytes(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, GBK_PAGE_1, SEED.read_bytes())

    scan(one_store, paper)

    note = paper.inbox / "failed" / "2024-07-01-第1版.txt.reason.txt"
    text = note.read_text(encoding="utf-8")
    assert "not UTF-8" in text and repr(GBK_PAGE_1) in text


def test_a_name_neither_utf8_nor_gb18030_is_set_aside_with_replacement_characters(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, b"2024-07-01-\xff\xfe.txt", b"whatever it holds")

    report = scan(one_store, paper)

    assert [f.file for f in report.failures] == ["2024-07-01-\ufffd\ufffd.txt"]
    assert (paper.inbox / "failed" / "2024-07-01-\ufffd\ufffd.txt").read_bytes() == (
        b"whatever it holds"
    )


def test_a_page_whose_name_is_not_utf8_sets_aside_its_whole_edition(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, GBK_PAGE_1, SEED.read_bytes())
    drop(paper, "2024-07-01-p02.txt", SEED.read_bytes().replace("徐留平".encode(), b"X"))

    report = scan(one_store, paper)

    assert sorted(f.file for f in report.failures) == [
        "2024-07-01-p02.txt",
        "2024-07-01-第1版.txt",
    ]
    assert report.new == []


def test_a_renamed_page_moved_back_from_failed_is_ingested(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, GBK_PAGE_1, SEED.read_bytes())
    scan(one_store, paper)
    kept = paper.inbox / "failed" / "2024-07-01-第1版.txt"
    os.replace(kept, paper.inbox / kept.name)

    report = scan(one_store, paper)

    assert [e.date for e in report.new] == [dt.date(2024, 7, 1)]


# ---------------------------------------------------------------------------------------------
# Folders that cannot be listed


@pytest.fixture
def shared_paper() -> Iterator[PaperConfig]:
    """A paper whose inbox another user may enter (for :func:`as_other_user`)."""
    root = Path(tempfile.mkdtemp(prefix="baozhai-inbox-"))
    root.chmod(0o755)
    try:
        yield PaperConfig(name="浙江工人日报", inbox=root / "inbox")
    finally:
        shutil.rmtree(root)


@contextlib.contextmanager
def as_other_user(folder: Path) -> Iterator[None]:
    """The scan meanwhile sees ``folder`` as another user's mode-0700 folder: it cannot list
    it. Root may list anything, so then the scan runs as ``nobody`` instead."""
    folder.chmod(0o700 if os.geteuid() == 0 else 0o000)
    try:
        if os.geteuid() == 0:
            os.seteuid(pwd.getpwnam("nobody").pw_uid)
            try:
                yield
            finally:
                os.seteuid(0)
        else:
            yield
    finally:
        folder.chmod(0o755)


def test_a_folder_that_cannot_be_listed_stops_no_other_edition(
    shared_paper: PaperConfig,
) -> None:
    drop(shared_paper, "zjgrrb-2024-07-01-p01.txt", SEED.read_bytes())
    drop(shared_paper, "2024-07-02/p01.txt", SEED.read_bytes())
    source = InboxSource(shared_paper.name, shared_paper.inbox)

    with as_other_user(shared_paper.inbox / "2024-07-02"):
        batches = source.poll(NOW)

    assert [b.date for b in batches] == [dt.date(2024, 7, 1)]
    assert source.pending == ["2024-07-02/"]


def test_a_folder_that_cannot_be_listed_holds_back_the_edition_of_its_date(
    shared_paper: PaperConfig,
) -> None:
    drop(shared_paper, "zjgrrb-2024-07-02-p01.txt", SEED.read_bytes())
    drop(shared_paper, "2024-07-02/p02.txt", SEED.read_bytes())
    source = InboxSource(shared_paper.name, shared_paper.inbox)

    with as_other_user(shared_paper.inbox / "2024-07-02"):
        batches = source.poll(NOW)

    assert batches == []
    assert source.pending == ["2024-07-02/", "zjgrrb-2024-07-02-p01.txt"]


# ---------------------------------------------------------------------------------------------
# Copies in flight (rsync -a, cp -p)

RSYNC_P02 = ".zjgrrb-2024-07-01-p02.txt.Xa91Qz"
"""What ``rsync`` writes ``zjgrrb-2024-07-01-p02.txt`` as, until it renames it."""


def test_an_rsync_temporary_file_holds_back_the_edition_of_its_final_name(
    paper: PaperConfig,
) -> None:
    drop(paper, "zjgrrb-2024-07-01-p01.txt", SEED.read_bytes())  # renamed, old mtime kept
    drop(paper, RSYNC_P02, SEED.read_bytes()[:3000], arrived=NOW - dt.timedelta(seconds=1))
    source = InboxSource(paper.name, paper.inbox)

    batches = source.poll(NOW)

    assert batches == []
    assert source.pending == [RSYNC_P02, "zjgrrb-2024-07-01-p01.txt"]


def test_an_rsync_temporary_file_in_a_dated_folder_holds_back_the_folders_date(
    paper: PaperConfig,
) -> None:
    drop(paper, "2024-07-01/p01.txt", SEED.read_bytes())
    drop(paper, "2024-07-01/.p02.txt.u7Rk2P", b"", arrived=NOW - dt.timedelta(seconds=1))
    source = InboxSource(paper.name, paper.inbox)

    assert source.poll(NOW) == []


def test_an_abandoned_rsync_temporary_file_no_longer_holds_back_its_edition(
    paper: PaperConfig,
) -> None:
    drop(paper, "zjgrrb-2024-07-01-p01.txt", SEED.read_bytes())
    drop(paper, RSYNC_P02, SEED.read_bytes()[:3000], arrived=NOW - AN_HOUR)
    source = InboxSource(paper.name, paper.inbox)

    [batch] = source.poll(NOW)

    assert [p.name for p in batch.pages] == ["zjgrrb-2024-07-01-p01.txt"]


def test_a_page_copied_with_its_old_mtime_waits_as_one_just_written(paper: PaperConfig) -> None:
    now = dt.datetime.now(SHANGHAI)  # the file system's present: the copy's ctime is now
    drop(paper, "zjgrrb-2024-07-01-p01.txt", SEED.read_bytes(), arrived=now - 6 * AN_HOUR)
    source = InboxSource(paper.name, paper.inbox)

    assert source.poll(now) == []
    assert source.pending == ["zjgrrb-2024-07-01-p01.txt"]


def test_a_page_copied_with_its_old_mtime_is_taken_once_settled_since_the_copy(
    paper: PaperConfig,
) -> None:
    now = dt.datetime.now(SHANGHAI)
    drop(paper, "zjgrrb-2024-07-01-p01.txt", SEED.read_bytes(), arrived=now - 6 * AN_HOUR)
    source = InboxSource(paper.name, paper.inbox)

    later = now + DEFAULT_GRACE + dt.timedelta(seconds=1)

    assert [b.date for b in source.poll(later)] == [dt.date(2024, 7, 1)]


# ---------------------------------------------------------------------------------------------
# What one scan reads

PAGE = SEED.read_bytes()


def test_a_backlog_beyond_what_one_scan_reads_is_taken_oldest_dates_first(
    paper: PaperConfig,
) -> None:
    for day in (3, 1, 2):
        drop(paper, f"zjgrrb-2024-07-0{day}-p01.txt", PAGE + bytes([day]))
    source = InboxSource(paper.name, paper.inbox, scan_bytes=2 * len(PAGE) + 2)

    batches = source.poll(NOW)

    assert [b.date for b in batches] == [dt.date(2024, 7, 1), dt.date(2024, 7, 2)]
    assert source.pending == ["zjgrrb-2024-07-03-p01.txt"]


def test_what_one_scan_left_is_taken_by_the_next(paper: PaperConfig) -> None:
    for day in (1, 2, 3):
        drop(paper, f"zjgrrb-2024-07-0{day}-p01.txt", PAGE + bytes([day]))
    source = InboxSource(paper.name, paper.inbox, scan_bytes=2 * len(PAGE) + 2)
    for batch in source.poll(NOW):
        source.accept(batch)

    batches = source.poll(NOW)

    assert [b.date for b in batches] == [dt.date(2024, 7, 3)] and source.pending == []


def test_an_edition_larger_than_one_scan_reads_is_still_taken_whole(paper: PaperConfig) -> None:
    drop(paper, "zjgrrb-2024-07-01-p01.txt", PAGE)
    drop(paper, "zjgrrb-2024-07-01-p02.txt", PAGE + b"2")
    drop(paper, "zjgrrb-2024-07-02-p01.txt", PAGE + b"3")
    source = InboxSource(paper.name, paper.inbox, scan_bytes=1)

    [batch] = source.poll(NOW)

    assert [p.name for p in batch.pages] == [
        "zjgrrb-2024-07-01-p01.txt",
        "zjgrrb-2024-07-01-p02.txt",
    ]
    assert source.pending == ["zjgrrb-2024-07-02-p01.txt"]


def test_a_page_refused_unread_for_its_size_costs_a_scan_nothing(paper: PaperConfig) -> None:
    limits = Limits(file_bytes=len(PAGE) + 1)
    drop(paper, "zjgrrb-2024-07-01-p01.txt", PAGE * 100)
    drop(paper, "zjgrrb-2024-07-02-p01.txt", PAGE)
    source = InboxSource(paper.name, paper.inbox, limits=limits, scan_bytes=len(PAGE))

    batches = source.poll(NOW)

    assert [b.date for b in batches] == [dt.date(2024, 7, 1), dt.date(2024, 7, 2)]
    assert batches[0].pages[0].refused is not None


def test_a_stored_page_grown_beyond_the_file_limit_is_not_read_back(paper: PaperConfig) -> None:
    done = paper.inbox / "done" / "2024-07-01"
    done.mkdir(parents=True)
    (done / "zjgrrb-2024-07-01-p01.txt").write_bytes(PAGE)
    source = InboxSource(paper.name, paper.inbox, limits=Limits(file_bytes=len(PAGE) - 1))

    with pytest.raises(EditionError, match="file_bytes"):
        source.settled_pages(dt.date(2024, 7, 1))
