"""Editions for delivery tests, stored without running the summarizer (fast)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.storage.records import ArticleRecord, EditionRecord
from bot.storage.store import Store
from summarizer.edition import Article, Edition, Summary
from summarizer.parser import read_page
from summarizer.sentences import split_sentences

SEED = Path(__file__).resolve().parents[3] / "bot" / "sample" / "zjgrrb-2024-07-01-p01.txt"
PAPER = "浙江工人日报"


def add_seed_edition(store: Store) -> tuple[EditionRecord, list[ArticleRecord]]:
    """The real seed page, with lead sentences as summaries (no jieba: fast)."""
    parsed = read_page(SEED, paper=PAPER, date=dt.date(2024, 7, 1))
    summaries = [
        Summary(tuple(s for p in a.paragraphs[:2] for s in split_sentences(p))[:3], ("工会",))
        for a in parsed.articles
    ]
    record = store.editions.add(PAPER, parsed, summaries, "seed-hash")
    assert record is not None
    return record, store.editions.articles(record.id)


def add_long_edition(store: Store, count: int = 80) -> tuple[EditionRecord, list[ArticleRecord]]:
    """An edition whose digest needs several messages."""
    sentence = "全省工会系统深入推进产业工人队伍建设改革，" * 6 + "取得明显成效。"
    parsed = Edition(
        paper=PAPER,
        date=dt.date(2024, 7, 2),
        page="1",
        articles=[
            Article(title=f"第{n}篇 工会工作新进展", paragraphs=[sentence], page="1")
            for n in range(1, count + 1)
        ],
    )
    summaries = [Summary((sentence,), ("工会",)) for _ in parsed.articles]
    record = store.editions.add(PAPER, parsed, summaries, "long-hash")
    assert record is not None
    return record, store.editions.articles(record.id)
