"""Shared set-up of the storage tests: small hand-made editions and a thread starter."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

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
