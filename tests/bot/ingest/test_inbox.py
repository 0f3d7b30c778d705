"""Specification of inbox ingestion: real files in a temporary inbox, a real SQLite Store."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bot
from bot.config import PaperConfig
from bot.errors import InboxError, TellOperator
from bot.ingest import IngestReport, ingest_inbox
from bot.ingest.inbox import MAX_UNSETTLED_SEARCH, _stored_with_some, ingest
from bot.sources import EditionBatch, Page, content_hash
from bot.sources.inbox import DEFAULT_GRACE, InboxSource, _file_time
from bot.storage.fulltext import parse_query
from bot.storage.records import EditionRecord
from bot.storage.store import Store
from summarizer.edition import Edition, merge_pages
from summarizer.filenames import date_from_path
from summarizer.limits import DEFAULT_LIMITS, Limits, summarizer_for
from summarizer.parser import read_page
from tests.bot.processes import inbox_held_by_another_process

SEED = Path(bot.__file__).parent / "sample" / "zjgrrb-2024-07-01-p01.txt"
SEED_NAME = SEED.name
SEED_ARTICLES = 7
JULY_1 = dt.date(2024, 7, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# 08:00 in Shanghai is 00:00 UTC: "today" differs between the two zones an hour earlier.
NOW = dt.datetime(2024, 7, 1, 8, 0, tzinfo=SHANGHAI)
AN_HOUR = dt.timedelta(hours=1)

PAGE_4 = """\
## 《求是》杂志发表习近平总书记重要文章

（上接第1版）

文章指出，从现在起，中国共产党的中心任务就是团结带领全国各族人民全面建成社会主义现代化强国、实现第二个百年奋斗目标。

## 我省职工书屋建设再上新台阶

本报讯 记者阮向民报道 近日，全省新建职工书屋一百余家，覆盖一线职工十万余人。

各地工会持续推进职工书屋提质扩面，丰富数字阅读资源，让职工在家门口就能读好书。
"""

PAGE_2 = """\
## 省总工会部署夏季高温劳动保护工作

本报讯 各级工会要督促用人单位落实高温津贴，合理安排户外作业时间。

## 职工疗休养基地新增二十家

本报讯 今年全省新增职工疗休养基地二十家，疗休养线路更加丰富。
"""

PAGE_3 = """\
## 我省评选一百名最美职工

本报讯 经过层层推荐，一百名最美职工近日揭晓，涵盖制造、交通、医疗等行业。
"""

BROKEN = {
    "empty": b"",
    "binary": bytes(range(256)) * 8,
    "heading-less": "这是一段没有标题的文字。\n\n又是一段没有标题的文字。\n".encode(),
}


@pytest.fixture
def paper(tmp_path: Path) -> PaperConfig:
    return PaperConfig(name="浙江工人日报", inbox=tmp_path / "inbox")


def drop(
    paper: PaperConfig, name: str, data: bytes, *, arrived: dt.datetime = NOW - AN_HOUR
) -> Path:
    """Put a file into the inbox as if it had been fully written at ``arrived``."""
    path = paper.inbox / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (arrived.timestamp(), arrived.timestamp()))
    return path


def scan(one_store: Store, paper: PaperConfig, *, now: dt.datetime = NOW) -> IngestReport:
    return ingest_inbox(one_store, paper, sentences=3, now=now)


def page_name(number: int) -> str:
    return f"zjgrrb-2024-07-01-p{number:02d}.txt"


def ingest_first_page(one_store: Store, paper: PaperConfig) -> EditionRecord:
    """Page 1 of July 1st, ingested alone: the edition that late pages then extend."""
    drop(paper, SEED_NAME, SEED.read_bytes())
    (record,) = scan(one_store, paper).new
    return record


def test_seed_edition_is_stored_with_seven_summarized_articles(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())

    report = scan(one_store, paper)

    assert [(e.paper, e.date, e.article_count) for e in report.new] == [
        (paper.name, JULY_1, SEED_ARTICLES)
    ]
    articles = one_store.editions.articles(report.new[0].id)
    assert len(articles) == SEED_ARTICLES
    assert all(article.summary for article in articles)
    assert report.failures == []


def test_ingested_file_is_moved_to_the_done_folder_of_its_date(
    one_store: Store, paper: PaperConfig
) -> None:
    dropped = drop(paper, SEED_NAME, SEED.read_bytes())

    scan(one_store, paper)

    assert not dropped.exists()
    assert (paper.inbox / "done" / "2024-07-01" / SEED_NAME).read_bytes() == SEED.read_bytes()


def test_dropping_the_same_file_again_is_a_no_op(one_store: Store, paper: PaperConfig) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    scan(one_store, paper)
    drop(paper, SEED_NAME, SEED.read_bytes())

    again = scan(one_store, paper)

    assert again.new == []
    assert [(s.date, s.files) for s in again.skipped] == [(JULY_1, (SEED_NAME,))]
    assert one_store.stats.as_of(JULY_1).editions == 1
    assert not (paper.inbox / SEED_NAME).exists()  # out of the inbox, not rescanned forever


def test_the_same_edition_under_another_name_is_a_no_op(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    scan(one_store, paper)
    drop(paper, "zjgrrb_20240701_01.txt", SEED.read_bytes())

    again = scan(one_store, paper)

    assert again.new == []
    assert one_store.stats.as_of(JULY_1).editions == 1


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_file_goes_to_failed_with_its_reason_while_a_good_file_is_ingested(
    one_store: Store, paper: PaperConfig, kind: str
) -> None:
    broken = "zjgrrb-2024-07-02-p01.txt"
    drop(paper, broken, BROKEN[kind])
    drop(paper, SEED_NAME, SEED.read_bytes())

    report = scan(one_store, paper)

    assert [e.date for e in report.new] == [JULY_1]
    assert [f.file for f in report.failures] == [broken]
    reason = report.failures[0].reason
    assert reason
    assert not (paper.inbox / broken).exists()
    assert (paper.inbox / "failed" / broken).read_bytes() == BROKEN[kind]
    assert reason in (paper.inbox / "failed" / f"{broken}.reason.txt").read_text("utf-8")


def test_a_broken_file_dropped_again_is_tried_again(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, "zjgrrb-2024-07-02-p01.txt", BROKEN["empty"])
    scan(one_store, paper)
    drop(paper, "zjgrrb-2024-07-02-p01.txt", BROKEN["empty"])

    again = scan(one_store, paper)

    assert [f.file for f in again.failures] == ["zjgrrb-2024-07-02-p01.txt"]
    assert not one_store.files.seen(hashlib.sha256(BROKEN["empty"]).hexdigest())


@pytest.mark.parametrize("odd", ["①01-2024-07-02.txt", "²2024-07-02.txt", "p١٢-2024-07-02.txt"])
def test_a_file_name_with_unusual_digits_stops_no_other_edition(
    one_store: Store, paper: PaperConfig, odd: str
) -> None:
    drop(paper, odd, BROKEN["empty"])
    drop(paper, SEED_NAME, SEED.read_bytes())

    report = scan(one_store, paper)

    assert [e.date for e in report.new] == [JULY_1]
    assert [f.file for f in report.failures] == [odd]


def test_a_reason_note_moved_back_with_its_repaired_page_is_not_read_as_a_page(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    drop(paper, f"{SEED_NAME}.reason.txt", f"{SEED_NAME}: no article headings\n".encode())

    report = scan(one_store, paper)

    assert [e.article_count for e in report.new] == [SEED_ARTICLES]
    assert report.failures == []


def test_a_broken_file_with_a_name_too_long_for_a_note_beside_it_is_still_set_aside(
    one_store: Store, paper: PaperConfig
) -> None:
    name = "zjgrrb-2024-07-02-" + "长" * 75 + "-p01.txt"  # 251 bytes: legal, and no room left
    drop(paper, name, BROKEN["empty"])

    first = scan(one_store, paper)
    again = scan(one_store, paper)

    assert [f.file for f in first.failures] == [name] and again.failures == []
    assert not (paper.inbox / name).exists()
    [kept] = [p for p in (paper.inbox / "failed").iterdir() if not p.name.endswith(".reason.txt")]
    assert kept.name.startswith("zjgrrb-2024-07-02-") and kept.name.endswith("-p01.txt")
    assert kept.read_bytes() == BROKEN["empty"]


def test_a_file_modified_a_moment_in_the_future_waits_as_one_still_being_written(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes(), arrived=NOW + dt.timedelta(minutes=1))

    report = scan(one_store, paper)

    assert report.new == [] and report.pending == [SEED_NAME]


def test_a_file_dated_in_the_future_is_taken_once_it_has_rested_by_our_clock(
    one_store: Store, paper: PaperConfig
) -> None:
    # A writer's clock a year ahead, or a file still being written on a server whose clock is
    # ahead: which, only its staying unchanged tells.
    drop(paper, SEED_NAME, SEED.read_bytes(), arrived=NOW + dt.timedelta(days=365))
    rest = dt.timedelta(seconds=0.2)

    first = ingest_inbox(one_store, paper, sentences=3, now=NOW, grace=rest)
    time.sleep(rest.total_seconds())
    later = ingest_inbox(one_store, paper, sentences=3, now=NOW, grace=rest)

    assert first.new == [] and first.pending == [SEED_NAME]
    assert [e.date for e in later.new] == [JULY_1]


def test_a_file_dated_after_tomorrow_is_set_aside_and_todays_edition_flows(
    one_store: Store, paper: PaperConfig
) -> None:
    typo = "zjgrrb-2025-07-01-p01.txt"  # a year ahead
    drop(paper, typo, SEED.read_bytes().replace("工会".encode(), "工會".encode()))
    drop(paper, SEED_NAME, SEED.read_bytes())

    report = scan(one_store, paper)

    assert [e.date for e in report.new] == [JULY_1]
    [failure] = report.failures
    assert failure.file == typo
    assert "dated 2025-07-01 by its name, after tomorrow (2024-07-02)" in failure.reason
    assert (paper.inbox / "failed" / typo).exists()
    assert one_store.editions.latest("浙江工人日报").date == JULY_1  # type: ignore[union-attr]


def test_tomorrows_edition_dropped_the_evening_before_is_stored(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, "zjgrrb-2024-07-02-p01.txt", SEED.read_bytes())

    report = scan(one_store, paper, now=NOW.replace(hour=21))

    assert [e.date for e in report.new] == [JULY_1 + dt.timedelta(days=1)]


def test_a_name_too_long_keeps_its_date_when_shortened(
    one_store: Store, paper: PaperConfig
) -> None:
    name = "政" * 66 + "_2024-07-02_" + "Zhejiang_Workers_Daily_front_page_p04.txt"  # 251 bytes
    drop(paper, name, BROKEN["empty"])

    scan(one_store, paper)

    [kept] = [p for p in (paper.inbox / "failed").iterdir() if not p.name.endswith(".reason.txt")]
    assert date_from_path(Path(kept.name)) == dt.date(2024, 7, 2)
    assert kept.name.endswith("_p04.txt")


def test_a_broken_page_sets_aside_its_whole_edition(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    drop(paper, "zjgrrb-2024-07-01-p04.txt", BROKEN["binary"])

    report = scan(one_store, paper)

    assert report.new == []
    assert one_store.stats.as_of(JULY_1).editions == 0
    assert sorted(f.file for f in report.failures) == [SEED_NAME, "zjgrrb-2024-07-01-p04.txt"]
    assert (paper.inbox / "failed" / SEED_NAME).exists()
    held_back = (paper.inbox / "failed" / f"{SEED_NAME}.reason.txt").read_text("utf-8")
    assert "zjgrrb-2024-07-01-p04.txt" in held_back


HOSTILE = {
    "too large": ("zjgrrb-2024-07-02-p01.txt", None, "[limits] file_bytes"),
    "200,000 headings": (
        "zjgrrb-2024-07-02-p01.txt",
        b"# a\n" * 200_000,
        "[limits] articles_per_page",
    ),
    "one 2,000,000-character line": (
        "zjgrrb-2024-07-02-p01.txt",
        b"# T\n" + b"a" * 2_000_000,
        "[limits] article_chars",
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_file_is_set_aside_with_the_limit_it_broke_and_the_rest_flows(
    one_store: Store, paper: PaperConfig, kind: str
) -> None:
    name, data, limit = HOSTILE[kind]
    if data is None:  # 20 MB, sparse: refused by its size without being read
        path = drop(paper, name, b"")
        with path.open("r+b") as handle:
            handle.truncate(20 * 1024 * 1024)
        os.utime(path, ((NOW - AN_HOUR).timestamp(), (NOW - AN_HOUR).timestamp()))
    else:
        drop(paper, name, data)
    drop(paper, SEED_NAME, SEED.read_bytes())

    report = scan(one_store, paper)

    assert [e.date for e in report.new] == [JULY_1]
    [failure] = report.failures
    assert failure.file == name and limit in failure.reason
    assert limit in (paper.inbox / "failed" / f"{name}.reason.txt").read_text("utf-8")
    assert not (paper.inbox / name).exists()


def test_an_edition_with_more_articles_than_the_limit_is_set_aside_whole(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, page_name(1), PAGE_2.encode())
    drop(paper, page_name(2), PAGE_3.encode())

    report = ingest_inbox(
        one_store, paper, sentences=3, now=NOW, limits=Limits(articles_per_edition=2)
    )

    assert report.new == []
    assert sorted(f.file for f in report.failures) == [page_name(1), page_name(2)]
    assert all("[limits] articles_per_edition" in f.reason for f in report.failures)


def test_two_pages_of_one_date_become_one_edition_with_the_jump_joined(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    drop(paper, "zjgrrb-2024-07-01-p04.txt", PAGE_4.encode())

    report = scan(one_store, paper)

    assert len(report.new) == 1
    articles = one_store.editions.articles(report.new[0].id)
    assert len(articles) == SEED_ARTICLES + 1  # the continuation is not an article of its own
    qiushi = [a for a in articles if "求是" in a.title]
    assert len(qiushi) == 1
    body = "\n".join(qiushi[0].paragraphs)
    assert "第13期《求是》杂志将发表" in body
    assert "文章指出，从现在起" in body


PAGE_4_CONTINUATION_ONLY = """\
（上接第1版）

文章指出，从现在起，中国共产党的中心任务就是团结带领全国各族人民全面建成社会主义现代化强国。
"""


def test_a_page_that_is_only_a_continuation_is_joined_with_its_head(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    drop(paper, page_name(4), PAGE_4_CONTINUATION_ONLY.encode())

    report = scan(one_store, paper)

    assert report.failures == []
    articles = one_store.editions.articles(report.new[0].id)
    assert len(articles) == SEED_ARTICLES
    (qiushi,) = [a for a in articles if "求是" in a.title]
    assert "文章指出，从现在起" in "\n".join(qiushi.paragraphs)


def test_a_continuation_whose_head_page_is_missing_is_not_stored_as_an_untitled_article(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, page_name(2), PAGE_2.encode())
    drop(paper, page_name(4), PAGE_4_CONTINUATION_ONLY.encode())

    report = scan(one_store, paper)

    assert report.failures == []
    articles = one_store.editions.articles(report.new[0].id)
    assert [a.title for a in articles] == [
        "省总工会部署夏季高温劳动保护工作",
        "职工疗休养基地新增二十家",
    ]


def test_a_blank_page_of_an_edition_is_an_image_only_page_and_the_rest_is_stored(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    blank = drop(paper, page_name(8), b"\n\n  \f\n")

    report = scan(one_store, paper)

    assert report.failures == [] and report.new[0].article_count == SEED_ARTICLES
    assert not blank.exists()  # settled with its edition


BLANK_PAGES = {
    "ascii-whitespace": b"\n\n  \f\n",
    "full-width-spaces": "\u3000\u3000\r\n\u3000\n".encode(),
    "byte-order-mark-and-lines": "\ufeff\n\n".encode(),
}


@pytest.mark.parametrize("kind", sorted(BLANK_PAGES))
def test_a_late_blank_page_is_settled_and_leaves_the_stored_edition_as_it_was(
    one_store: Store, paper: PaperConfig, kind: str
) -> None:
    stored = ingest_first_page(one_store, paper)
    blank = drop(paper, page_name(8), BLANK_PAGES[kind])

    report = scan(one_store, paper, now=NOW + AN_HOUR)

    assert (report.failures, report.extended) == ([], []) and not blank.exists()
    assert one_store.editions.get(stored.id) == stored  # same version: digests resume as they were


def test_a_late_blank_page_numbered_as_a_stored_page_is_settled_too(
    one_store: Store, paper: PaperConfig
) -> None:
    stored = ingest_first_page(one_store, paper)
    blank = drop(paper, "2024-07-01/p01.txt", b"\n\n \n")  # page 1 is stored

    report = scan(one_store, paper, now=NOW + AN_HOUR)

    assert (report.failures, report.extended) == ([], []) and not blank.exists()
    assert one_store.editions.get(stored.id) == stored


def test_a_blank_page_alone_is_set_aside_as_having_no_articles(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, page_name(8), b"\n\n  \f\n")

    [failure] = scan(one_store, paper).failures

    assert failure.reason == "no articles found"


def test_a_page_that_is_only_a_continuation_waits_in_the_inbox_for_its_head(
    one_store: Store, paper: PaperConfig
) -> None:
    continuation = drop(paper, page_name(4), PAGE_4_CONTINUATION_ONLY.encode())
    first = scan(one_store, paper)
    assert (first.new, first.failures, first.waiting) == ([], [], [page_name(4)])
    assert continuation.exists()

    drop(paper, SEED_NAME, SEED.read_bytes(), arrived=NOW)
    later = scan(one_store, paper, now=NOW + AN_HOUR)

    assert later.failures == [] and not continuation.exists()
    (qiushi,) = [a for a in one_store.editions.articles(later.new[0].id) if "求是" in a.title]
    assert "文章指出，从现在起" in "\n".join(qiushi.paragraphs)


def test_a_continuation_whose_head_never_comes_is_set_aside_after_a_day_saying_why(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, page_name(4), PAGE_4_CONTINUATION_ONLY.encode())
    scan(one_store, paper)

    report = scan(one_store, paper, now=NOW + dt.timedelta(days=1))

    [failure] = report.failures
    assert "continues an article on a page of 2024-07-01" in failure.reason
    assert report.waiting == []


def test_a_continuation_copied_in_with_its_old_modification_time_waits_a_day_from_its_copy(
    one_store: Store, paper: PaperConfig
) -> None:
    # ``cp -p`` and ``rsync -t`` keep a file's old modification time; the copy's status
    # change (ctime, the real clock's) says when it came, so the scan runs on the real clock.
    copied_at = dt.datetime.now(SHANGHAI)
    continuation = drop(
        paper,
        page_name(4),
        PAGE_4_CONTINUATION_ONLY.encode(),
        arrived=copied_at - dt.timedelta(days=3),
    )

    report = scan(one_store, paper, now=copied_at + AN_HOUR)

    assert (report.failures, report.waiting) == ([], [page_name(4)])
    assert continuation.exists()


def test_an_inbox_with_a_file_in_its_place_is_the_operators_to_fix_named_in_one_error(
    one_store: Store, paper: PaperConfig
) -> None:
    paper.inbox.write_text("moved here by mistake", encoding="utf-8")  # after start-up
    with pytest.raises(InboxError, match=f"cannot make the inbox {paper.inbox}") as raised:
        scan(one_store, paper)
    assert isinstance(raised.value, TellOperator)


def test_an_inbox_that_cannot_be_listed_is_the_operators_to_fix_named_in_one_error(
    one_store: Store, paper: PaperConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (As root a mode-000 folder is still listed: the file system's refusal is played here.)
    paper.inbox.mkdir(parents=True)
    listed = Path.iterdir

    def refused(folder: Path) -> Iterator[Path]:
        if folder == paper.inbox:
            raise PermissionError(13, "Permission denied", str(folder))
        return listed(folder)

    monkeypatch.setattr(Path, "iterdir", refused)
    with pytest.raises(InboxError, match=f"cannot list the inbox {paper.inbox}: Permission"):
        scan(one_store, paper)


def test_an_inbox_that_can_be_neither_locked_nor_listed_is_one_error_and_no_warning(
    one_store: Store,
    paper: PaperConfig,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # (As root a mode-000 folder is opened and listed: the file system's refusals are played.)
    paper.inbox.mkdir(parents=True)
    listed, opened = Path.iterdir, os.open

    def refused(folder: Path) -> Iterator[Path]:
        if folder == paper.inbox:
            raise PermissionError(13, "Permission denied", str(folder))
        return listed(folder)

    def refused_open(path: Any, *args: Any, **kwargs: Any) -> int:
        if Path(path).parent == paper.inbox:
            raise PermissionError(13, "Permission denied", str(path))
        return opened(path, *args, **kwargs)

    monkeypatch.setattr(Path, "iterdir", refused)
    monkeypatch.setattr(os, "open", refused_open)
    with caplog.at_level(logging.WARNING), pytest.raises(InboxError, match="cannot list"):
        scan(one_store, paper)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_file_still_being_written_is_left_for_the_next_scan(
    one_store: Store, paper: PaperConfig
) -> None:
    writing = drop(paper, SEED_NAME, SEED.read_bytes(), arrived=NOW - dt.timedelta(seconds=0.5))

    first = scan(one_store, paper)
    later = scan(one_store, paper, now=NOW + DEFAULT_GRACE)

    assert first.new == [] and first.failures == []
    assert first.pending == [SEED_NAME]
    assert [e.date for e in later.new] == [JULY_1]
    assert not writing.exists()


def test_a_page_still_arriving_holds_back_its_whole_edition(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    drop(paper, "zjgrrb-2024-07-01-p04.txt", PAGE_4.encode(), arrived=NOW)

    report = scan(one_store, paper)

    assert report.new == []
    assert report.pending == [SEED_NAME, "zjgrrb-2024-07-01-p04.txt"]
    assert (paper.inbox / SEED_NAME).exists()


def test_a_page_is_parsed_from_the_bytes_its_scan_hashed_not_from_the_file_rewritten_since(
    paper: PaperConfig,
) -> None:
    path = drop(paper, SEED_NAME, SEED.read_bytes())
    source = InboxSource(paper.name, paper.inbox)
    (batch,) = source.poll(NOW)
    path.write_bytes(SEED.read_bytes()[: len(SEED.read_bytes()) // 3])  # rewritten in place

    edition = source.read(batch, batch.pages[0])

    assert len(edition.articles) == SEED_ARTICLES
    assert batch.content_hash == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert (edition.date, edition.page) == (JULY_1, "1")


def test_a_partial_upload_holds_back_the_edition_of_its_date(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    partial = "zjgrrb-2024-07-01-p04.txt.part"
    drop(paper, partial, PAGE_4.encode()[:100], arrived=NOW - dt.timedelta(seconds=30))

    report = scan(one_store, paper)

    assert report.new == []
    assert report.pending == [SEED_NAME, partial]
    assert (paper.inbox / SEED_NAME).exists()
    assert (paper.inbox / partial).exists()


def test_an_abandoned_partial_upload_no_longer_holds_back_its_edition(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    partial = drop(paper, "zjgrrb-2024-07-01-p04.txt.part", PAGE_4.encode()[:100])

    report = scan(one_store, paper)

    assert [e.date for e in report.new] == [JULY_1]
    assert partial.exists()  # left for the operator; never ingested


def test_hidden_and_non_txt_files_are_left_alone(one_store: Store, paper: PaperConfig) -> None:
    hidden = drop(paper, ".zjgrrb-2024-07-01-p01.txt", SEED.read_bytes())
    other = drop(paper, "notes.md", b"operator notes")

    report = scan(one_store, paper)

    assert report.new == [] and report.failures == [] and report.pending == []
    assert hidden.exists() and other.exists()


def test_a_misplaced_page_is_named_in_one_warning_not_one_per_scan(
    one_store: Store, paper: PaperConfig, caplog: pytest.LogCaptureFixture
) -> None:
    drop(paper, "2024-07/01/04.txt", SEED.read_bytes())  # two levels deep
    drop(paper, "zjgrrb-2024-07-03-p01.text", SEED.read_bytes())

    with caplog.at_level(logging.WARNING, logger="bot.sources.inbox"):
        scan(one_store, paper)
        scan(one_store, paper)

    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 2, warned
    assert "2024-07/01/ is left alone (a folder two levels deep)" in warned[0]
    assert "zjgrrb-2024-07-03-p01.text is left alone (not a .txt file)" in warned[1]


def test_undated_file_is_stored_under_its_arrival_date_in_the_configured_timezone(
    one_store: Store, paper: PaperConfig
) -> None:
    # 07:00 in Shanghai on July 1st is still June 30th in UTC.
    drop(paper, "000_66a55eaee7fab4ff.txt", SEED.read_bytes(), arrived=NOW - AN_HOUR)

    report = scan(one_store, paper)

    assert [e.date for e in report.new] == [JULY_1]
    assert (paper.inbox / "done" / "2024-07-01" / "000_66a55eaee7fab4ff.txt").exists()


def test_pages_in_a_dated_folder_take_the_folder_date(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, "2024-07-01/p01.txt", SEED.read_bytes())

    report = scan(one_store, paper)

    assert [e.date for e in report.new] == [JULY_1]
    assert not (paper.inbox / "2024-07-01").exists()  # emptied, so removed


def test_a_failed_page_from_a_dated_folder_keeps_its_date_in_failed(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, "2024-07-02/p01.txt", BROKEN["empty"])

    report = scan(one_store, paper)

    assert report.failures[0].file == "2024-07-02/p01.txt"
    assert (paper.inbox / "failed" / "2024-07-02_p01.txt").exists()


def test_a_missing_inbox_is_created(one_store: Store, paper: PaperConfig) -> None:
    report = scan(one_store, paper)

    assert paper.inbox.is_dir()
    assert report.new == [] and report.failures == [] and report.skipped == []


def test_now_without_timezone_is_refused(one_store: Store, paper: PaperConfig) -> None:
    with pytest.raises(ValueError, match="timezone"):
        ingest_inbox(one_store, paper, sentences=3, now=dt.datetime(2024, 7, 1, 8, 0))


# -- a page arriving after its edition was stored -----------------------------------------


def test_a_late_page_extends_the_stored_edition_in_page_order(
    store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    drop(paper, page_name(3), PAGE_3.encode())
    (first,) = scan(store, paper).new
    drop(paper, page_name(2), PAGE_2.encode())

    report = scan(store, paper)

    assert report.new == []
    assert [(e.id, e.article_count) for e in report.extended] == [(first.id, SEED_ARTICLES + 3)]
    assert store.editions.latest(paper.name) == report.extended[0]
    assert store.editions.on(JULY_1, paper.name) == report.extended[0]
    articles = store.editions.articles(first.id)
    assert [a.number for a in articles] == list(range(1, SEED_ARTICLES + 4))
    assert [a.page for a in articles] == ["1"] * SEED_ARTICLES + ["2", "2", "3"]
    assert [a.title for a in articles[SEED_ARTICLES:]] == [
        "省总工会部署夏季高温劳动保护工作",
        "职工疗休养基地新增二十家",
        "我省评选一百名最美职工",
    ]
    assert all(a.summary for a in articles)
    stats = store.stats.as_of(JULY_1)
    assert (stats.editions, stats.articles) == (1, SEED_ARTICLES + 3)
    found = store.editions.search(parse_query("最美职工"), offset=0, limit=10)
    assert [hit.edition.id for hit in found.hits] == [first.id]


def test_a_jump_from_a_stored_page_is_joined_with_its_late_continuation(
    one_store: Store, paper: PaperConfig
) -> None:
    first = ingest_first_page(one_store, paper)
    drop(paper, page_name(4), PAGE_4.encode())

    scan(one_store, paper)

    articles = one_store.editions.articles(first.id)
    assert len(articles) == SEED_ARTICLES + 1  # the continuation is not an article of its own
    (qiushi,) = [a for a in articles if "求是" in a.title]
    body = "\n".join(qiushi.paragraphs)
    assert "第13期《求是》杂志将发表" in body
    assert "文章指出，从现在起" in body


class ReadCounting(InboxSource):
    """The real inbox, counting how often each page is parsed (by file name)."""

    def __init__(self, paper: str, inbox: Path) -> None:
        super().__init__(paper, inbox)
        self.reads: Counter[str] = Counter()

    def read(self, batch: EditionBatch, page: Page) -> Edition:
        self.reads[Path(page.name).name] += 1
        return super().read(batch, page)


def test_a_late_page_is_parsed_once(one_store: Store, paper: PaperConfig) -> None:
    first = ingest_first_page(one_store, paper)
    drop(paper, page_name(2), PAGE_2.encode())
    source = ReadCounting(paper.name, paper.inbox)

    report = ingest(one_store, source, sentences=3, now=NOW)

    assert [e.id for e in report.extended] == [first.id]
    assert source.reads == Counter({SEED_NAME: 1, page_name(2): 1})


def test_a_digest_delivered_before_the_late_page_still_counts(
    store: Store, paper: PaperConfig
) -> None:
    first = ingest_first_page(store, paper)
    chat = 4242
    store.subscribers.subscribe(chat, "zh", [paper.name])
    assert store.deliveries.claim(first.id, chat, "test-sender")
    store.deliveries.mark_sent(first.id, chat)
    drop(paper, page_name(2), PAGE_2.encode())

    scan(store, paper)

    latest = store.editions.latest(paper.name)
    assert latest is not None and latest.id == first.id
    assert store.deliveries.was_sent(latest.id, chat)
    # nobody is owed that day's digest again
    assert store.deliveries.pending_chats(latest.id) == []


def test_a_broken_late_page_leaves_the_stored_edition_untouched(
    one_store: Store, paper: PaperConfig
) -> None:
    first = ingest_first_page(one_store, paper)
    before = one_store.editions.articles(first.id)
    late = page_name(2)
    drop(paper, late, BROKEN["binary"])

    report = scan(one_store, paper)

    assert report.new == [] and report.extended == []
    assert [f.file for f in report.failures] == [late]
    assert (paper.inbox / "failed" / late).read_bytes() == BROKEN["binary"]
    assert one_store.editions.articles(first.id) == before
    assert one_store.editions.get(first.id) == first
    assert (paper.inbox / "done" / "2024-07-01" / SEED_NAME).exists()  # the stored page stays


def test_dropping_the_first_page_again_after_an_extension_is_a_no_op(
    one_store: Store, paper: PaperConfig
) -> None:
    first = ingest_first_page(one_store, paper)
    drop(paper, page_name(2), PAGE_2.encode())
    (extended,) = scan(one_store, paper).extended
    drop(paper, SEED_NAME, SEED.read_bytes())

    again = scan(one_store, paper)

    assert again.new == [] and again.extended == [] and again.failures == []
    assert [(s.date, s.files) for s in again.skipped] == [(JULY_1, (SEED_NAME,))]
    assert one_store.editions.get(first.id) == extended
    assert one_store.stats.as_of(JULY_1).editions == 1


def test_a_page_dropped_twice_is_still_read_as_its_own_page_when_its_edition_is_extended(
    one_store: Store, paper: PaperConfig
) -> None:
    first = ingest_first_page(one_store, paper)
    drop(paper, SEED_NAME, SEED.read_bytes())
    scan(one_store, paper)  # a no-op, but done/ now holds page 1 twice under two names
    drop(paper, page_name(4), PAGE_4.encode())

    scan(one_store, paper)

    articles = one_store.editions.articles(first.id)
    assert {a.page for a in articles} == {"1", "4"}
    assert len([a for a in articles if "求是" in a.title]) == 1  # joined: p01 read as page 1


def test_another_file_for_a_page_already_stored_is_refused(
    one_store: Store, paper: PaperConfig
) -> None:
    first = ingest_first_page(one_store, paper)
    before = one_store.editions.articles(first.id)
    corrected = "2024-07-01/p01.txt"
    drop(paper, corrected, SEED.read_bytes().replace("求是".encode(), "人民".encode()))

    report = scan(one_store, paper)

    assert [f.file for f in report.failures] == [corrected]
    assert "already in done/2024-07-01/" in report.failures[0].reason
    assert one_store.editions.articles(first.id) == before


def test_a_whole_edition_file_dropped_again_corrected_is_refused_not_added_twice(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, "2024-07-01.txt", SEED.read_bytes())
    (first,) = scan(one_store, paper).new
    before = one_store.editions.articles(first.id)
    drop(paper, "2024-07-01.txt", SEED.read_bytes().replace("求是".encode(), "人民".encode()))

    report = scan(one_store, paper)

    assert [f.file for f in report.failures] == ["2024-07-01.txt"]
    assert "names no page" in report.failures[0].reason
    assert one_store.editions.articles(first.id) == before


# -- what is set aside alone, unread -------------------------------------------------------


def test_a_name_with_a_date_that_does_not_exist_is_set_aside_not_taken_as_today(
    one_store: Store, paper: PaperConfig
) -> None:
    # 2024-06-31 is a typo; read as "no date", it became the edition of the day it arrived
    # and then refused that day's real page as "already stored".
    drop(paper, "zjgrrb-2024-06-31-p01.txt", SEED.read_bytes())
    drop(paper, SEED_NAME, SEED.read_bytes().replace("求是".encode(), "人民".encode()))

    report = scan(one_store, paper)

    assert [e.date for e in report.new] == [JULY_1]
    assert [f.file for f in report.failures] == ["zjgrrb-2024-06-31-p01.txt"]
    assert "2024-06-31, which is not a date" in report.failures[0].reason
    assert (paper.inbox / "failed" / "zjgrrb-2024-06-31-p01.txt").exists()


def test_a_symbolic_link_is_set_aside_and_the_file_it_points_to_is_neither_read_nor_moved(
    one_store: Store, paper: PaperConfig, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.env"
    secret.write_text("# 密钥\n\nDB_PASSWORD=hunter2\n", encoding="utf-8")
    paper.inbox.mkdir(parents=True)
    (paper.inbox / "zjgrrb-2024-07-02-p01.txt").symlink_to(secret)
    drop(paper, SEED_NAME, SEED.read_bytes())

    report = scan(one_store, paper)

    assert [e.date for e in report.new] == [JULY_1]
    assert [f.file for f in report.failures] == ["zjgrrb-2024-07-02-p01.txt"]
    assert "a symbolic link to " in report.failures[0].reason
    assert (paper.inbox / "failed" / "zjgrrb-2024-07-02-p01.txt").is_symlink()
    assert secret.read_text(encoding="utf-8").endswith("hunter2\n")
    assert one_store.editions.on(dt.date(2024, 7, 2), paper.name) is None


def test_a_symbolic_link_to_a_folder_is_set_aside_and_its_files_stay_where_they_are(
    one_store: Store, paper: PaperConfig, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "uploads"
    elsewhere.mkdir()
    (elsewhere / "p01.txt").write_bytes(SEED.read_bytes())
    paper.inbox.mkdir(parents=True)
    (paper.inbox / "2024-07-01").symlink_to(elsewhere, target_is_directory=True)

    report = scan(one_store, paper)

    assert report.new == [] and [f.file for f in report.failures] == ["2024-07-01"]
    assert (elsewhere / "p01.txt").exists()
    assert (paper.inbox / "failed" / "2024-07-01").is_symlink()


def test_an_edition_of_more_files_than_pages_per_edition_is_set_aside_unread(
    one_store: Store, paper: PaperConfig
) -> None:
    for number in range(1, 5):
        drop(paper, page_name(number), SEED.read_bytes() + f"\n第{number}页".encode())
    drop(paper, "zjgrrb-2024-07-02-p01.txt", SEED.read_bytes())

    report = ingest_inbox(
        one_store, paper, sentences=3, now=NOW, limits=Limits(pages_per_edition=3)
    )

    assert [e.date for e in report.new] == [dt.date(2024, 7, 2)]
    assert sorted(f.file for f in report.failures) == [page_name(n) for n in range(1, 5)]
    assert "4 files for the edition of 2024-07-01, more than the 3 pages" in (
        report.failures[0].reason
    )
    assert one_store.editions.on(JULY_1, paper.name) is None


def test_a_file_time_no_datetime_can_hold_reads_as_the_far_future_not_an_error() -> None:
    # tmpfs, btrfs and NFS store such times (a broken tool's); one file must not stop a scan.
    assert _file_time(1e12, NOW).year == 9998
    assert _file_time(-1e12, NOW).year == 2
    assert _file_time(NOW.timestamp(), NOW) == NOW


# -- two processes, one inbox ------------------------------------------------------------


def test_an_inbox_another_process_is_ingesting_is_skipped_until_it_is_done(
    one_store: Store, paper: PaperConfig
) -> None:
    dropped = drop(paper, SEED_NAME, SEED.read_bytes())
    with inbox_held_by_another_process(paper.inbox):
        started = time.monotonic()
        busy = scan(one_store, paper)
        waited = time.monotonic() - started
        assert busy.busy and not busy.changed and busy.pending == []
        assert busy.outcome()[1] == "another process is ingesting this inbox"
        assert dropped.exists() and one_store.editions.latest(paper.name) is None
        assert waited < 5  # not waited on: skipped at once

    assert [e.date for e in scan(one_store, paper).new] == [JULY_1]


# -- the same page on two dates -----------------------------------------------------------

ADVERT = """\
## 公益广告 节约粮食 从我做起

光盘行动，从我做起。节约粮食是中华民族的传统美德。
"""
JUNE_30 = dt.date(2024, 6, 30)


def ingest_june_30_with_the_advert(one_store: Store, paper: PaperConfig) -> None:
    """June 30th's edition: page 1, and the advert as page 8."""
    drop(paper, "zjgrrb-2024-06-30-p01.txt", PAGE_3.encode())
    drop(paper, "zjgrrb-2024-06-30-p08.txt", ADVERT.encode())
    (june_30,) = scan(one_store, paper).new
    assert june_30.date == JUNE_30


def test_a_late_page_stored_on_another_date_joins_the_edition_of_its_own_date(
    one_store: Store, paper: PaperConfig
) -> None:
    ingest_june_30_with_the_advert(one_store, paper)
    first = ingest_first_page(one_store, paper)
    drop(paper, page_name(8), ADVERT.encode())

    report = scan(one_store, paper)

    assert report.skipped == [] and report.failures == []
    assert [(e.id, e.article_count) for e in report.extended] == [(first.id, SEED_ARTICLES + 1)]
    titles = [a.title for a in one_store.editions.articles(first.id)]
    assert "公益广告 节约粮食 从我做起" in titles
    assert (paper.inbox / "done" / "2024-07-01" / page_name(8)).exists()


def test_a_page_stored_on_another_date_arriving_with_a_new_page_extends_its_edition(
    one_store: Store, paper: PaperConfig
) -> None:
    ingest_june_30_with_the_advert(one_store, paper)
    first = ingest_first_page(one_store, paper)
    drop(paper, page_name(8), ADVERT.encode())
    drop(paper, page_name(2), PAGE_2.encode())

    report = scan(one_store, paper)

    assert report.failures == []
    assert [(e.id, e.article_count) for e in report.extended] == [(first.id, SEED_ARTICLES + 3)]
    drop(paper, page_name(3), PAGE_3.encode())  # the date is not blocked either
    assert [e.id for e in scan(one_store, paper).extended] == [first.id]


def test_an_edition_of_pages_stored_on_another_date_is_stored_under_its_own(
    one_store: Store, paper: PaperConfig
) -> None:
    ingest_june_30_with_the_advert(one_store, paper)
    drop(paper, page_name(8), ADVERT.encode())

    report = scan(one_store, paper)

    assert [(e.date, e.article_count) for e in report.new] == [(JULY_1, 1)]
    assert report.skipped == []


def test_an_undated_page_dropped_again_another_day_is_already_stored(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, "头版.txt", SEED.read_bytes())
    (first,) = scan(one_store, paper).new
    next_day = NOW + dt.timedelta(days=1)
    drop(paper, "头版.txt", SEED.read_bytes(), arrived=next_day - AN_HOUR)

    report = scan(one_store, paper, now=next_day)

    assert report.new == [] and report.extended == [] and report.failures == []
    assert [s.files for s in report.skipped] == [("头版.txt",)]
    assert one_store.editions.latest(paper.name) == first


def test_a_page_dropped_again_once_done_is_cleared_out_is_still_already_stored(
    one_store: Store, paper: PaperConfig
) -> None:
    drop(paper, SEED_NAME, SEED.read_bytes())
    drop(paper, page_name(2), PAGE_2.encode())
    (first,) = scan(one_store, paper).new
    for done in (paper.inbox / "done" / "2024-07-01").iterdir():
        done.unlink()
    drop(paper, SEED_NAME, SEED.read_bytes())

    report = scan(one_store, paper)

    assert report.failures == [] and report.extended == []
    assert [s.files for s in report.skipped] == [(SEED_NAME,)]
    assert one_store.editions.get(first.id) == first


# -- a scan that died after storing its edition, before settling its files -----------------


def store_without_settling(one_store: Store, paper: PaperConfig, *new: Path) -> EditionRecord:
    """What a scan killed between storing an edition and moving its pages leaves behind (a
    deploy, the OOM killer, Ctrl-C): the edition of July 1st made of the pages in
    ``done/2024-07-01/`` and ``new`` is committed (added, or replaced in place if stored),
    and ``new`` are still in the inbox, neither moved nor recorded."""
    done = sorted((paper.inbox / "done" / "2024-07-01").glob("*.txt"))
    files = [*done, *new]
    pages = [Page(name=path.name, location=path, data=path.read_bytes()) for path in files]
    edition = merge_pages([read_page(path, paper=paper.name) for path in files])
    summarizer = summarizer_for(DEFAULT_LIMITS)
    summaries = [summarizer.summarize(article, k=3) for article in edition.articles]
    stored = one_store.editions.on(JULY_1, paper.name)
    if stored is None:
        record = one_store.editions.add(paper.name, edition, summaries, content_hash(pages))
    else:
        record = one_store.editions.replace(stored.id, edition, summaries, content_hash(pages))
    assert record is not None
    return record


def test_an_edition_stored_by_a_scan_that_died_before_moving_its_pages_is_settled_by_the_next(
    one_store: Store, paper: PaperConfig
) -> None:
    dropped = drop(paper, SEED_NAME, SEED.read_bytes())
    stored = store_without_settling(one_store, paper, dropped)

    report = scan(one_store, paper)

    assert report.failures == [] and report.new == [] and report.extended == []
    assert [(s.date, s.files) for s in report.skipped] == [(JULY_1, (SEED_NAME,))]
    assert (paper.inbox / "done" / "2024-07-01" / SEED_NAME).read_bytes() == SEED.read_bytes()
    assert one_store.files.seen(hashlib.sha256(SEED.read_bytes()).hexdigest())
    assert one_store.editions.get(stored.id) == stored


def test_a_late_page_stored_by_a_scan_that_died_before_moving_it_is_settled_by_the_next(
    one_store: Store, paper: PaperConfig
) -> None:
    ingest_first_page(one_store, paper)
    late = drop(paper, page_name(2), PAGE_2.encode())
    extended = store_without_settling(one_store, paper, late)

    report = scan(one_store, paper)

    assert report.failures == [] and report.extended == []
    assert [(s.date, s.files) for s in report.skipped] == [(JULY_1, (page_name(2),))]
    assert (paper.inbox / "done" / "2024-07-01" / page_name(2)).exists()
    assert one_store.editions.get(extended.id) == extended


def test_a_page_arriving_after_such_a_scan_still_extends_its_edition(
    one_store: Store, paper: PaperConfig
) -> None:
    first = store_without_settling(one_store, paper, drop(paper, SEED_NAME, SEED.read_bytes()))
    scan(one_store, paper)
    drop(paper, page_name(2), PAGE_2.encode())

    report = scan(one_store, paper)

    assert report.failures == []
    assert [(e.id, e.article_count) for e in report.extended] == [(first.id, SEED_ARTICLES + 2)]


def test_a_page_arriving_before_the_scan_after_one_that_died_extends_its_edition(
    one_store: Store, paper: PaperConfig
) -> None:
    first = store_without_settling(one_store, paper, drop(paper, SEED_NAME, SEED.read_bytes()))
    drop(paper, page_name(2), PAGE_2.encode())  # before the next scan

    report = scan(one_store, paper)

    assert report.failures == [] and report.new == []
    assert [(e.id, e.article_count) for e in report.extended] == [(first.id, SEED_ARTICLES + 2)]
    done = paper.inbox / "done" / "2024-07-01"
    assert sorted(path.name for path in done.iterdir()) == sorted([SEED_NAME, page_name(2)])


def pages_named(count: int, prefix: str) -> list[Page]:
    names = [f"{prefix}{i}.txt" for i in range(count)]
    return [Page(name, Path(name), name.encode()) for name in names]


@given(
    settled=st.integers(0, 3),
    stored=st.lists(st.booleans(), min_size=1, max_size=MAX_UNSETTLED_SEARCH),
)
def test_the_pages_a_dead_scan_stored_are_told_from_new_ones_by_the_stored_hash(
    settled: int, stored: list[bool]
) -> None:
    done, batch = pages_named(settled, "done"), pages_named(len(stored), "inbox")
    made_of = [*done, *(page for page, kept in zip(batch, stored, strict=True) if kept)]

    found = _stored_with_some(content_hash(made_of), done, batch)

    assert found is not None and sorted(found, key=repr) == sorted(made_of, key=repr)


def test_the_search_for_a_dead_scans_pages_is_bounded() -> None:
    batch = pages_named(MAX_UNSETTLED_SEARCH + 1, "inbox")
    assert _stored_with_some(content_hash(batch[:1]), [], batch) is None


def test_a_late_page_is_refused_when_the_stored_pages_are_gone(
    one_store: Store, paper: PaperConfig
) -> None:
    first = ingest_first_page(one_store, paper)
    before = one_store.editions.articles(first.id)
    (paper.inbox / "done" / "2024-07-01" / SEED_NAME).unlink()
    late = page_name(2)
    drop(paper, late, PAGE_2.encode())

    report = scan(one_store, paper)

    assert report.extended == []
    assert [f.file for f in report.failures] == [late]
    assert "not made from the pages stored for it" in report.failures[0].reason
    assert one_store.editions.articles(first.id) == before
    assert one_store.editions.get(first.id) == first
