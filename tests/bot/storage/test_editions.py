"""Specification of ``store.editions`` (editions, articles, search) on SQLite and PostgreSQL
(see conftest)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.errors import EditionChangedError
from bot.storage.records import ArticleRecord
from bot.storage.store import Store
from summarizer.edition import Edition
from tests.bot.storage.helpers import DAY, PAPER, add, article, edition, run_together, summaries

# -- editions and articles -----------------------------------------------------------------


def test_add_edition_stores_articles_numbered_in_edition_order(store: Store) -> None:
    ed = edition(
        DAY,
        article("第一篇", "甲。", "乙。", byline="本报记者 张三", captions=["图：一"]),
        article("第二篇", "丙。", page="02", continued_on=4),
        article("第三篇", "丁。", page=None),
    )
    record = add(store, ed, keywords=[("工会",), ("劳动", "权益"), ()])
    assert record is not None
    assert (record.paper, record.date, record.article_count) == (PAPER, DAY, 3)
    articles = store.editions.articles(record.id)
    assert [a.number for a in articles] == [1, 2, 3]
    first, second, third = articles
    assert first == ArticleRecord(
        id=first.id,
        edition_id=record.id,
        number=1,
        page="01",
        title="第一篇",
        byline="本报记者 张三",
        paragraphs=("甲。", "乙。"),
        captions=("图：一",),
        summary=("甲。",),
        keywords=("工会",),
        continued_on=None,
    )
    assert (second.page, second.continued_on, second.keywords) == ("02", 4, ("劳动", "权益"))
    assert third.page is None


def test_a_kicker_and_subtitle_printed_apart_are_stored_in_the_title(store: Store) -> None:
    # An e-paper site prints 引题 and 副题 apart, the parser sets a ——记… line apart: the
    # archive keeps one title, as a text dump's heading does, so none of it is lost.
    ed = edition(DAY, article("匠心筑梦", "正文。", kicker="技能报国", subtitle="——记劳模张三"))
    record = add(store, ed)
    assert record is not None
    [stored] = store.editions.articles(record.id)
    assert stored.title == "技能报国 匠心筑梦 ——记劳模张三"
    assert [a.number for a in store.editions.articles_by_title(record.id, "张三")] == [1]


def test_add_edition_is_idempotent_for_the_same_paper_date_and_hash(store: Store) -> None:
    first = add(store, edition(), "abc")
    assert first is not None
    assert add(store, edition(), "abc") is None
    assert store.stats.as_of(DAY).editions == 1
    assert store.stats.as_of(DAY).articles == 1


def test_same_date_with_another_hash_is_a_new_edition_and_becomes_the_latest(
    store: Store,
) -> None:
    first = add(store, edition(), "v1")
    second = add(store, edition(), "v2")
    assert first is not None and second is not None and first.id != second.id
    assert store.editions.on(DAY) == second
    assert store.editions.latest() == second


def test_same_hash_for_another_paper_is_another_edition(store: Store) -> None:
    assert add(store, edition(), "same", paper="甲报") is not None
    assert add(store, edition(), "same", paper="乙报") is not None


def test_concurrent_adds_of_one_edition_store_it_once(store: Store) -> None:
    results = run_together(4, lambda _: add(store, edition(), "race"))
    assert sum(r is not None for r in results) == 1
    assert store.stats.as_of(DAY).editions == 1


def test_add_edition_refuses_an_edition_without_date(store: Store) -> None:
    ed = Edition(paper=PAPER, date=None, page=None, articles=[article("x")])
    with pytest.raises(ValueError, match="no date"):
        store.editions.add(PAPER, ed, summaries(ed), "h")


def test_add_edition_refuses_summaries_that_do_not_match_articles(store: Store) -> None:
    with pytest.raises(ValueError, match="summaries"):
        store.editions.add(PAPER, edition(), [], "h")


def test_ingestion_time_is_timezone_aware_utc(store: Store) -> None:
    before = dt.datetime.now(dt.UTC)
    record = add(store, edition())
    assert record is not None
    assert record.ingested_at.utcoffset() == dt.timedelta(0)
    assert before - dt.timedelta(seconds=1) <= record.ingested_at <= dt.datetime.now(dt.UTC)
    assert store.editions.latest() == record  # same value read back, still aware


def test_latest_edition_is_newest_by_date_and_can_be_limited_to_one_paper(store: Store) -> None:
    assert store.editions.latest() is None
    a = add(store, edition(DAY), paper="甲报")
    b = add(store, edition(DAY + dt.timedelta(days=1)), paper="乙报")
    add(store, edition(DAY - dt.timedelta(days=1)), paper="乙报")
    assert store.editions.latest() == b
    assert store.editions.latest("甲报") == a
    assert store.editions.latest("丙报") is None


def test_edition_on_finds_the_edition_of_a_date(store: Store) -> None:
    rec = add(store, edition(DAY))
    assert store.editions.on(DAY) == rec
    assert store.editions.on(DAY, PAPER) == rec
    assert store.editions.on(DAY, "别的报") is None
    assert store.editions.on(DAY + dt.timedelta(days=1)) is None
    assert rec is not None and store.editions.get(rec.id) == rec


def test_article_by_number_and_by_title_words(store: Store) -> None:
    rec = add(store, edition(DAY, article("工会 数智化建设"), article("夏季 高温 劳动保护")))
    assert rec is not None
    assert store.editions.article(rec.id, 2).title == "夏季 高温 劳动保护"  # type: ignore[union-attr]
    assert store.editions.article(rec.id, 3) is None
    assert [a.number for a in store.editions.articles_by_title(rec.id, "高温 夏季")] == [2]
    assert [a.number for a in store.editions.articles_by_title(rec.id, "工会")] == [1]
    assert store.editions.articles_by_title(rec.id, "工会 高温") == []
    assert store.editions.articles_by_title(rec.id, "   ") == []


def replace(store: Store, edition_id: int, ed: Edition, content_hash: str, **kw: str):
    return store.editions.replace(edition_id, ed, summaries(ed), content_hash, **kw)


def test_replace_edition_keeps_the_id_and_renumbers_the_new_articles(store: Store) -> None:
    first = add(store, edition(DAY, article("头条"), article("二条")), "p1")
    assert first is not None
    bigger = edition(DAY, article("头条"), article("二条"), article("新闻", page="02"))

    record = replace(store, first.id, bigger, "p1+p2")

    assert (record.id, record.date, record.article_count) == (first.id, DAY, 3)
    assert record.ingested_at == first.ingested_at
    assert store.editions.latest() == record
    articles = store.editions.articles(first.id)
    assert [(a.number, a.title, a.page) for a in articles] == [
        (1, "头条", "01"),
        (2, "二条", "01"),
        (3, "新闻", "02"),
    ]
    stats = store.stats.as_of(DAY)
    assert (stats.editions, stats.articles) == (1, 3)


def test_replace_edition_records_the_new_content_hash(store: Store) -> None:
    first = add(store, edition(), "p1")
    assert first is not None

    replace(store, first.id, edition(), "p1+p2")

    assert add(store, edition(), "p1+p2") is None  # that content is stored now
    with pytest.raises(EditionChangedError):
        replace(store, first.id, edition(), "p1+p3", previous_hash="p1")


def test_replace_edition_changes_nothing_when_the_previous_hash_is_not_the_stored_one(
    store: Store,
) -> None:
    first = add(store, edition(DAY, article("头条")), "p1")
    assert first is not None

    with pytest.raises(EditionChangedError):
        replace(store, first.id, edition(DAY, article("别的")), "x", previous_hash="other")

    assert store.editions.get(first.id) == first
    assert [a.title for a in store.editions.articles(first.id)] == ["头条"]


def test_replace_edition_refuses_an_unknown_id_and_another_date(store: Store) -> None:
    first = add(store, edition(DAY), "p1")
    assert first is not None
    with pytest.raises(LookupError):
        replace(store, first.id + 1, edition(DAY), "x")
    with pytest.raises(ValueError, match="not of"):
        replace(store, first.id, edition(DAY + dt.timedelta(days=1)), "x")
    assert store.editions.get(first.id) == first
