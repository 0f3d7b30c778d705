"""Editions for delivery tests, stored without running the summarizer (fast)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from bot.storage.records import ArticleRecord, EditionRecord
from bot.storage.store import Store
from summarizer.edition import Article, Edition, Summary
from summarizer.parser import parse_page, read_page
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


def long_edition(count: int = 80) -> tuple[Edition, list[Summary]]:
    """An edition of ``count`` short articles (2024-07-02), with their summaries."""
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
    return parsed, [Summary((sentence,), ("工会",)) for _ in parsed.articles]


def add_long_edition(store: Store, count: int = 80) -> tuple[EditionRecord, list[ArticleRecord]]:
    """An edition whose digest needs several messages."""
    record = store.editions.add(PAPER, *long_edition(count), "long-hash")
    assert record is not None
    return record, store.editions.articles(record.id)


SECOND_PAPER = "海南日报"
REPRINT_TITLE = "我国党员总数超过9900万"
OWN_STORY = (
    "本报讯 记者从省商务厅获悉，今年上半年全省新设外商投资企业同比增长两成，"
    "实际使用外资稳中有升。省商务厅有关负责人介绍，下一步将继续优化营商环境，"
    "推动更多项目落地见效，为自由贸易港建设注入新动能。"
)


def reprint_page(seed_text: str) -> str:
    """A second paper's page of the same day (hand-made): the seed's Xinhua wire (the Party
    statistics) re-headlined with its last paragraph cut, as provincial papers print wire
    copy, then a short story of its own."""
    wire = seed_text.split("## 党员9918.5万名")[1].split("\n## ")[0]
    paragraphs = [p for p in wire.split("\n\n")[1:] if p.strip()]
    kept = "\n\n".join(paragraphs[:-1])
    return f"\n## {REPRINT_TITLE}\n\n{kept}\n\n## 上半年我省新设外资企业增长两成\n\n{OWN_STORY}\n"


SECOND_PAPER_CONFIG = f'[[papers]]\nname = "{SECOND_PAPER}"\ninbox = "inbox2"\n'
"""The configuration of :data:`SECOND_PAPER` beside the seed's paper (a running bot's extra)."""


def drop_reprint(inbox: Path, seed_text: str, day: dt.date) -> Path:
    """:func:`reprint_page` as the page of ``day`` in ``inbox``, written long ago (so ready)."""
    inbox.mkdir(parents=True, exist_ok=True)
    page = inbox / f"{day.isoformat()}-p01.txt"
    page.write_text(reprint_page(seed_text), encoding="utf-8")
    os.utime(page, (LONG_AGO, LONG_AGO))
    return page


LONG_AGO = 946_684_800  # 2000-01-01


def add_reprint_edition(store: Store) -> tuple[EditionRecord, list[ArticleRecord]]:
    """海南日报 of the seed's day, from :func:`reprint_page` (lead sentences as summaries)."""
    parsed = parse_page(
        reprint_page(SEED.read_text(encoding="utf-8")), paper=SECOND_PAPER, date=dt.date(2024, 7, 1)
    )
    summaries = [
        Summary(tuple(s for p in a.paragraphs[:2] for s in split_sentences(p))[:3], ("党员",))
        for a in parsed.articles
    ]
    record = store.editions.add(SECOND_PAPER, parsed, summaries, "reprint-hash")
    assert record is not None
    return record, store.editions.articles(record.id)
