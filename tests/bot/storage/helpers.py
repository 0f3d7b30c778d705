"""Shared set-up of the storage tests: small hand-made editions, a thread starter and a
scheduler of two racing transactions."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import TypeVar

import pytest
from sqlalchemy import event, text

from bot.storage import engine as db
from bot.storage.store import Store
from summarizer.edition import Article, Edition, Summary

PAPER = "浙江工人日报"
DAY = dt.date(2024, 7, 1)
T = TypeVar("T")


def article(title: str, *paragraphs: str, page: str | None = "01", **kw: object) -> Article:
    return Article(
        title=title, paragraphs=list(paragraphs) or [f"{title}的正文。"], page=page, **kw
    )


def edition(date: dt.date = DAY, *articles: Article) -> Edition:
    return Edition(paper=PAPER, date=date, page=None, articles=list(articles) or [article("头条")])


def summaries(ed: Edition, keywords: list[tuple[str, ...]] | None = None) -> list[Summary]:
    keywords = keywords or [() for _ in ed.articles]
    return [
        Summary(sentences=tuple(a.paragraphs[:1]), keywords=kw)
        for a, kw in zip(ed.articles, keywords, strict=True)
    ]


def add(
    store: Store,
    ed: Edition,
    content_hash: str | None = None,
    keywords: list[tuple[str, ...]] | None = None,
    paper: str = PAPER,
):
    content_hash = content_hash or f"hash-{ed.date}-{paper}"
    return store.editions.add(paper, ed, summaries(ed, keywords), content_hash)


def run_together(n: int, fn: Callable[[int], T]) -> list[T]:
    """Call fn(0..n-1) from n threads released at the same instant."""
    barrier = threading.Barrier(n)

    def go(i: int) -> T:
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(go, range(n)))


_ROLE: ContextVar[str | None] = ContextVar("interleave_role", default=None)


def racing_as() -> str | None:
    """Under :func:`interleave`: "slow" or "fast", the side this code runs on (worker threads
    of ``asyncio.to_thread`` included, which carry the context along); else None."""
    return _ROLE.get()


def interleave(
    store: Store,
    slow: Callable[[], object],
    fast: Callable[[], object],
    *,
    pause_after: str,
    occurrence: int = 1,
) -> None:
    """Run ``slow`` until its ``occurrence``-th statement containing ``pause_after`` (a
    read), then ``fast`` to its end, then let ``slow`` go on: the check-then-act interleaving
    of two handlers or processes on a server database. Each runs in a thread of its own.

    If ``slow`` holds a lock ``fast`` waits for (the way such a race is closed), ``slow`` goes
    on as soon as ``fast`` waits, instead of deadlocking. PostgreSQL only: SQLite has one
    writer at a time (``BEGIN IMMEDIATE``), so the two cannot interleave there.
    """
    if db.is_sqlite(store.engine):
        pytest.skip("SQLite has one writer at a time: two writes cannot interleave")
    read, fast_done, slow_done = threading.Event(), threading.Event(), threading.Event()
    seen = [0]
    errors: list[BaseException] = []

    def someone_waits_for_a_lock() -> bool:
        with store.engine.connect() as probe:
            return bool(probe.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")))

    def schedule(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "pg_locks" in statement or racing_as() != "slow":
            return
        if read.is_set() and not fast_done.is_set():
            while not fast_done.wait(0.02) and not someone_waits_for_a_lock():
                pass
        elif pause_after in statement:
            seen[0] += 1
            if seen[0] == occurrence:
                read.set()

    def run(name: str, work: Callable[[], object], done: threading.Event) -> None:
        _ROLE.set(name)
        try:
            if name == "fast":
                while not (read.wait(0.02) or slow_done.is_set()):
                    pass
            work()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            done.set()

    event.listen(store.engine, "before_cursor_execute", schedule)
    try:
        threads = [
            threading.Thread(target=run, args=("slow", slow, slow_done)),
            threading.Thread(target=run, args=("fast", fast, fast_done)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(store.engine, "before_cursor_execute", schedule)
    if errors:
        raise errors[0]
