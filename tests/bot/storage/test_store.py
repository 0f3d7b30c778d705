"""Specification of the Store, on a real SQLite file and on real PostgreSQL (see conftest)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import URL

from bot.storage import engine as db
from bot.storage.records import ArticleRecord, Stats, SubscriberRecord
from bot.storage.store import EditionChangedError, Store
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
    return store.add_edition(paper, ed, summaries(ed, keywords), content_hash)


def run_together(n: int, fn: Callable[[int], T]) -> list[T]:
    """Call fn(0..n-1) from n threads released at the same instant."""
    barrier = threading.Barrier(n)

    def go(i: int) -> T:
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(go, range(n)))


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
    articles = store.articles(record.id)
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


def test_add_edition_is_idempotent_for_the_same_paper_date_and_hash(store: Store) -> None:
    first = add(store, edition(), "abc")
    assert first is not None
    assert add(store, edition(), "abc") is None
    assert store.stats(DAY).editions == 1
    assert store.stats(DAY).articles == 1


def test_same_date_with_another_hash_is_a_new_edition_and_becomes_the_latest(
    store: Store,
) -> None:
    first = add(store, edition(), "v1")
    second = add(store, edition(), "v2")
    assert first is not None and second is not None and first.id != second.id
    assert store.edition_on(DAY) == second
    assert store.latest_edition() == second


def test_same_hash_for_another_paper_is_another_edition(store: Store) -> None:
    assert add(store, edition(), "same", paper="甲报") is not None
    assert add(store, edition(), "same", paper="乙报") is not None


def test_concurrent_adds_of_one_edition_store_it_once(store: Store) -> None:
    results = run_together(4, lambda _: add(store, edition(), "race"))
    assert sum(r is not None for r in results) == 1
    assert store.stats(DAY).editions == 1


def test_add_edition_refuses_an_edition_without_date(store: Store) -> None:
    ed = Edition(paper=PAPER, date=None, page=None, articles=[article("x")])
    with pytest.raises(ValueError, match="no date"):
        store.add_edition(PAPER, ed, summaries(ed), "h")


def test_add_edition_refuses_summaries_that_do_not_match_articles(store: Store) -> None:
    with pytest.raises(ValueError, match="summaries"):
        store.add_edition(PAPER, edition(), [], "h")


def test_ingestion_time_is_timezone_aware_utc(store: Store) -> None:
    before = dt.datetime.now(dt.UTC)
    record = add(store, edition())
    assert record is not None
    assert record.ingested_at.utcoffset() == dt.timedelta(0)
    assert before - dt.timedelta(seconds=1) <= record.ingested_at <= dt.datetime.now(dt.UTC)
    assert store.latest_edition() == record  # same value read back, still aware


def test_latest_edition_is_newest_by_date_and_can_be_limited_to_one_paper(store: Store) -> None:
    assert store.latest_edition() is None
    a = add(store, edition(DAY), paper="甲报")
    b = add(store, edition(DAY + dt.timedelta(days=1)), paper="乙报")
    add(store, edition(DAY - dt.timedelta(days=1)), paper="乙报")
    assert store.latest_edition() == b
    assert store.latest_edition("甲报") == a
    assert store.latest_edition("丙报") is None


def test_edition_on_finds_the_edition_of_a_date(store: Store) -> None:
    rec = add(store, edition(DAY))
    assert store.edition_on(DAY) == rec
    assert store.edition_on(DAY, PAPER) == rec
    assert store.edition_on(DAY, "别的报") is None
    assert store.edition_on(DAY + dt.timedelta(days=1)) is None
    assert rec is not None and store.edition(rec.id) == rec


def test_article_by_number_and_by_title_words(store: Store) -> None:
    rec = add(store, edition(DAY, article("工会 数智化建设"), article("夏季 高温 劳动保护")))
    assert rec is not None
    assert store.article(rec.id, 2).title == "夏季 高温 劳动保护"  # type: ignore[union-attr]
    assert store.article(rec.id, 3) is None
    assert [a.number for a in store.find_articles_by_title(rec.id, "高温 夏季")] == [2]
    assert [a.number for a in store.find_articles_by_title(rec.id, "工会")] == [1]
    assert store.find_articles_by_title(rec.id, "工会 高温") == []
    assert store.find_articles_by_title(rec.id, "   ") == []


def replace(store: Store, edition_id: int, ed: Edition, content_hash: str, **kw: str):
    return store.replace_edition(edition_id, ed, summaries(ed), content_hash, **kw)


def test_replace_edition_keeps_the_id_and_renumbers_the_new_articles(store: Store) -> None:
    first = add(store, edition(DAY, article("头条"), article("二条")), "p1")
    assert first is not None
    bigger = edition(DAY, article("头条"), article("二条"), article("新闻", page="02"))

    record = replace(store, first.id, bigger, "p1+p2")

    assert (record.id, record.date, record.article_count) == (first.id, DAY, 3)
    assert record.ingested_at == first.ingested_at
    assert store.latest_edition() == record
    articles = store.articles(first.id)
    assert [(a.number, a.title, a.page) for a in articles] == [
        (1, "头条", "01"),
        (2, "二条", "01"),
        (3, "新闻", "02"),
    ]
    stats = store.stats(DAY)
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

    assert store.edition(first.id) == first
    assert [a.title for a in store.articles(first.id)] == ["头条"]


def test_replace_edition_refuses_an_unknown_id_and_another_date(store: Store) -> None:
    first = add(store, edition(DAY), "p1")
    assert first is not None
    with pytest.raises(LookupError):
        replace(store, first.id + 1, edition(DAY), "x")
    with pytest.raises(ValueError, match="not of"):
        replace(store, first.id, edition(DAY + dt.timedelta(days=1)), "x")
    assert store.edition(first.id) == first


# -- search --------------------------------------------------------------------------------


def test_search_finds_title_and_body_matches_newest_edition_first(store: Store) -> None:
    old = add(store, edition(DAY, article("工会工作", "无关。")))
    new = add(store, edition(DAY + dt.timedelta(days=1), article("别的", "谈工会。")))
    assert old is not None and new is not None
    found, total = store.search("工会", offset=0, limit=10)
    assert total == 2
    assert [a.edition_id for a in found] == [new.id, old.id]


def test_search_requires_every_word(store: Store) -> None:
    add(store, edition(DAY, article("工会", "高温。"), article("工会", "寒潮。")))
    found, total = store.search("工会 寒潮", offset=0, limit=10)
    assert (total, [a.number for a in found]) == (1, [2])


def test_search_treats_percent_and_underscore_literally(store: Store) -> None:
    add(
        store,
        edition(
            DAY,
            article("增长50%", "正文。"),
            article("增长500", "正文。"),
            article("a_b", "正文。"),
            article("axb", "正文。"),
        ),
    )
    assert [a.title for a in store.search("50%", offset=0, limit=10)[0]] == ["增长50%"]
    assert [a.title for a in store.search("a_b", offset=0, limit=10)[0]] == ["a_b"]
    assert store.search("%", offset=0, limit=10)[1] == 1
    assert store.search("_", offset=0, limit=10)[1] == 1


def test_search_is_not_sql(store: Store) -> None:
    add(store, edition(DAY, article("普通")))
    found, total = store.search("'; DROP TABLE articles; --", offset=0, limit=10)
    assert (found, total) == ([], 0)
    assert store.stats(DAY).articles == 1


def test_search_paginates_and_reports_the_total(store: Store) -> None:
    arts = [article(f"新闻{i:02d}", "工会。") for i in range(1, 8)]
    add(store, edition(DAY, *arts))
    pages = [store.search("工会", offset=o, limit=3) for o in (0, 3, 6, 9)]
    assert [total for _, total in pages] == [7, 7, 7, 7]
    assert [[a.number for a in found] for found, _ in pages] == [[1, 2, 3], [4, 5, 6], [7], []]


def test_search_with_an_empty_query_finds_nothing(store: Store) -> None:
    add(store, edition())
    assert store.search("  ", offset=0, limit=5) == ([], 0)


def test_search_rejects_a_bad_page(store: Store) -> None:
    with pytest.raises(ValueError):
        store.search("x", offset=-1, limit=5)
    with pytest.raises(ValueError):
        store.search("x", offset=0, limit=0)


TITLES = ["50%", "5_0", "a/b", "a\\b", "A%b_C", "工会%", "ab", "/%_"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=st.text(alphabet="%_/\\aAbB5工会 ", min_size=1, max_size=4))
def test_search_matches_plain_substring_semantics(store: Store, query: str) -> None:
    """Whatever the user types, search means "every word occurs in title or body"."""
    if store.stats(DAY).editions == 0:
        add(store, edition(DAY, *(article(t, "正文。") for t in TITLES)))
    found, total = store.search(query, offset=0, limit=100)
    words = [w.lower() for w in query.split()]
    expected = [t for t in TITLES if words and all(w in t.lower() for w in words)]
    assert [a.title for a in found] == expected
    assert total == len(expected)


# -- ingested files --------------------------------------------------------------------------


def test_a_successfully_ingested_file_is_seen_by_its_hash(store: Store) -> None:
    assert not store.file_seen("h1")
    store.record_file("inbox/a.txt", "h1", "ok", None)
    assert store.file_seen("h1")
    assert not store.file_seen("h2")


def test_a_failed_file_is_recorded_but_tried_again(store: Store) -> None:
    store.record_file("inbox/bad.txt", "h1", "failed", "no date")
    assert not store.file_seen("h1")
    store.record_file("inbox/bad.txt", "h1", "ok", None)  # re-dropped after a fix
    assert store.file_seen("h1")


def test_record_file_rejects_an_unknown_status(store: Store) -> None:
    with pytest.raises(ValueError):
        store.record_file("a", "h", "maybe", None)


# -- subscribers -------------------------------------------------------------------------------


def test_subscribe_is_true_only_when_the_chat_becomes_active(store: Store) -> None:
    assert store.subscribe(1, "zh") is True
    assert store.subscribe(1, "zh") is False
    assert store.subscriber(1) == SubscriberRecord(1, "zh", True, None)


def test_unsubscribe_keeps_the_chat_and_resubscribing_keeps_its_settings(store: Store) -> None:
    store.subscribe(1, "zh")
    store.set_digest_time(1, dt.time(6, 0))
    store.set_language(1, "en")
    assert store.unsubscribe(1) is True
    assert store.unsubscribe(1) is False
    assert store.subscriber(1) == SubscriberRecord(1, "en", False, dt.time(6, 0))
    assert store.subscribe(1, "zh") is True
    assert store.subscriber(1) == SubscriberRecord(1, "en", True, dt.time(6, 0))


def test_unsubscribe_of_an_unknown_chat_is_false(store: Store) -> None:
    assert store.unsubscribe(404) is False
    assert store.subscriber(404) is None


def test_deactivate_stops_digests_but_keeps_history(store: Store) -> None:
    rec = add(store, edition())
    assert rec is not None
    store.subscribe(7, "zh")
    store.set_digest_time(7, dt.time(8, 15))
    assert store.claim_delivery(rec.id, 7)
    store.mark_delivered(rec.id, 7)
    store.deactivate(7)
    assert store.subscriber(7) == SubscriberRecord(7, "zh", False, dt.time(8, 15))
    assert store.active_subscribers() == []
    assert store.delivered(rec.id, 7)
    assert store.stats(DAY).digests_delivered == 1


def test_active_subscribers_lists_only_active_chats_by_id(store: Store) -> None:
    for chat in (30, -100123, 20):
        store.subscribe(chat, "zh")
    store.unsubscribe(20)
    assert [s.chat_id for s in store.active_subscribers()] == [-100123, 30]


def test_chat_ids_beyond_32_bits_are_stored(store: Store) -> None:
    big = -1001234567890
    store.subscribe(big, "zh")
    assert store.subscriber(big) == SubscriberRecord(big, "zh", True, None)


def test_set_digest_time_and_back_to_default(store: Store) -> None:
    assert store.set_digest_time(5, dt.time(7, 0)) is False  # unknown chat
    store.subscribe(5, "zh")
    assert store.set_digest_time(5, dt.time(21, 45)) is True
    assert store.subscriber(5).digest_time == dt.time(21, 45)  # type: ignore[union-attr]
    store.set_digest_time(5, None)
    assert store.subscriber(5).digest_time is None  # type: ignore[union-attr]


def test_set_language_of_an_unknown_chat_is_false(store: Store) -> None:
    assert store.set_language(9, "en") is False


def test_migrate_chat_moves_subscription_and_delivery_history(store: Store) -> None:
    rec = add(store, edition())
    assert rec is not None
    store.subscribe(-100, "en")
    store.set_digest_time(-100, dt.time(9, 0))
    store.claim_delivery(rec.id, -100)
    store.mark_delivered(rec.id, -100)
    store.migrate_chat(-100, -1001000)
    assert store.subscriber(-100) is None
    assert store.subscriber(-1001000) == SubscriberRecord(-1001000, "en", True, dt.time(9, 0))
    assert store.delivered(rec.id, -1001000)
    assert store.claim_delivery(rec.id, -1001000) is False


def test_migrate_chat_merges_into_an_existing_new_chat(store: Store) -> None:
    rec = add(store, edition())
    assert rec is not None
    store.subscribe(-100, "zh")
    store.set_digest_time(-100, dt.time(9, 0))
    store.claim_delivery(rec.id, -100)
    store.mark_delivered(rec.id, -100)
    store.subscribe(-1001000, "zh")
    store.unsubscribe(-1001000)
    store.migrate_chat(-100, -1001000)
    assert store.subscriber(-1001000) == SubscriberRecord(-1001000, "zh", True, dt.time(9, 0))
    assert store.subscriber(-100).active is False  # type: ignore[union-attr]
    assert [s.chat_id for s in store.active_subscribers()] == [-1001000]
    assert store.delivered(rec.id, -1001000)


# -- deliveries --------------------------------------------------------------------------------


@pytest.fixture
def edition_id(store: Store) -> int:
    rec = add(store, edition())
    assert rec is not None
    return rec.id


def test_claim_delivery_succeeds_once(store: Store, edition_id: int) -> None:
    assert store.claim_delivery(edition_id, 1) is True
    assert store.claim_delivery(edition_id, 1) is False
    assert store.claim_delivery(edition_id, 2) is True


def test_claim_delivery_from_two_threads_has_exactly_one_winner(
    store: Store, edition_id: int
) -> None:
    chats = range(1, 26)

    def claim_all(_: int) -> list[bool]:
        return [store.claim_delivery(edition_id, chat) for chat in chats]

    a, b = run_together(2, claim_all)
    assert all(x != y for x, y in zip(a, b, strict=True))  # one True, one False per chat


def test_a_claim_survives_a_restart(db_url: str | URL) -> None:
    with Store(db_url) as first:
        rec = add(first, edition())
        assert rec is not None
        assert first.claim_delivery(rec.id, 1)
    with Store(db_url) as second:
        assert second.claim_delivery(rec.id, 1) is False


def test_mark_delivered_records_the_send(store: Store, edition_id: int) -> None:
    store.claim_delivery(edition_id, 1)
    assert not store.delivered(edition_id, 1)
    store.mark_delivered(edition_id, 1)
    assert store.delivered(edition_id, 1)
    d = store.delivery(edition_id, 1)
    assert d is not None and d.status == "sent" and d.error is None
    assert d.sent_at is not None and d.sent_at.utcoffset() == dt.timedelta(0)


def test_a_retryable_failure_frees_the_claim(store: Store, edition_id: int) -> None:
    store.subscribe(1, "zh")
    store.claim_delivery(edition_id, 1)
    store.mark_failed(edition_id, 1, "Timed out", retryable=True)
    assert [s.chat_id for s in store.pending_chats(edition_id)] == [1]
    assert store.claim_delivery(edition_id, 1) is True
    assert store.claim_delivery(edition_id, 1) is False
    d = store.delivery(edition_id, 1)
    assert d is not None and (d.status, d.attempts, d.error) == ("pending", 2, "Timed out")


def test_a_freed_claim_is_retaken_by_only_one_of_two_threads(store: Store, edition_id: int) -> None:
    for chat in range(1, 16):
        store.claim_delivery(edition_id, chat)
        store.mark_failed(edition_id, chat, "flood", retryable=True)

    def claim_all(_: int) -> list[bool]:
        return [store.claim_delivery(edition_id, chat) for chat in range(1, 16)]

    a, b = run_together(2, claim_all)
    assert all(x != y for x, y in zip(a, b, strict=True))


def test_a_final_failure_keeps_the_claim(store: Store, edition_id: int) -> None:
    store.subscribe(1, "zh")
    store.claim_delivery(edition_id, 1)
    store.mark_failed(edition_id, 1, "Bad Request: chat not found", retryable=False)
    assert store.claim_delivery(edition_id, 1) is False
    assert store.pending_chats(edition_id) == []
    assert not store.delivered(edition_id, 1)
    assert store.delivery(edition_id, 1).status == "failed"  # type: ignore[union-attr]


def test_a_failure_reported_after_success_does_not_undo_it(store: Store, edition_id: int) -> None:
    store.claim_delivery(edition_id, 1)
    store.mark_delivered(edition_id, 1)
    store.mark_failed(edition_id, 1, "late error", retryable=True)
    assert store.delivered(edition_id, 1)
    assert store.claim_delivery(edition_id, 1) is False


def test_pending_chats_are_active_subscribers_still_owed_the_digest(
    store: Store, edition_id: int
) -> None:
    for chat in (1, 2, 3, 4, 5):
        store.subscribe(chat, "zh")
    store.unsubscribe(5)
    store.claim_delivery(edition_id, 1)
    store.mark_delivered(edition_id, 1)
    store.claim_delivery(edition_id, 2)  # in flight
    store.claim_delivery(edition_id, 3)
    store.mark_failed(edition_id, 3, "timeout", retryable=True)
    assert [s.chat_id for s in store.pending_chats(edition_id)] == [3, 4]


def test_deliveries_of_one_edition_do_not_affect_another(store: Store, edition_id: int) -> None:
    other = add(store, edition(DAY + dt.timedelta(days=1)))
    assert other is not None
    store.subscribe(1, "zh")
    store.claim_delivery(edition_id, 1)
    store.mark_delivered(edition_id, 1)
    assert [s.chat_id for s in store.pending_chats(other.id)] == [1]
    assert store.claim_delivery(other.id, 1) is True


# -- stats ---------------------------------------------------------------------------------------


def test_stats_on_a_small_hand_made_archive(store: Store) -> None:
    today = dt.date(2024, 7, 10)
    d = lambda n: today - dt.timedelta(days=n)  # noqa: E731

    # today: 2 articles, keywords 工会 ×2, 高温 ×1 -> 2 distinct
    add(store, edition(d(0), article("a"), article("b")), keywords=[("工会", "高温"), ("工会",)])
    # 3 days ago: 1 article
    add(store, edition(d(3), article("c")), keywords=[("工会", "安全")])
    # 6 days ago (still in the week), other paper
    add(store, edition(d(6), article("e")), keywords=[("安全",)], paper="乙报")
    # 7 days ago: outside the week, inside the 14 days
    add(store, edition(d(7), article("f"), article("g")), keywords=[("旧闻",), ("旧闻",)])
    # 20 days ago: only in the totals
    add(store, edition(d(20), article("h")), keywords=[("很旧",)])
    # future edition (mis-dated file): counted in totals only
    add(store, edition(d(-1), article("i")), keywords=[("未来",)])

    for chat in (1, 2, 3):
        store.subscribe(chat, "zh")
    store.unsubscribe(3)
    latest = store.edition_on(today)
    assert latest is not None
    for chat in (1, 2):
        store.claim_delivery(latest.id, chat)
    store.mark_delivered(latest.id, 1)
    store.mark_failed(latest.id, 2, "blocked", retryable=False)

    stats = store.stats(today, days=14)

    assert (stats.editions, stats.articles) == (6, 8)
    assert (stats.subscribers, stats.digests_delivered) == (2, 1)
    # the week is today and the 6 days before; an article counts once per keyword
    assert stats.top_keywords == (("工会", 3), ("安全", 2), ("高温", 1))
    assert len(stats.daily) == 14
    assert stats.daily[0][0] == d(13) and stats.daily[-1][0] == today
    daily = {day: (n, k) for day, n, k in stats.daily}
    assert daily[today] == (2, 2)
    assert daily[d(3)] == (1, 2)
    assert daily[d(6)] == (1, 1)
    assert daily[d(7)] == (2, 1)
    assert daily[d(1)] == (0, 0)


def test_stats_of_an_empty_archive(store: Store) -> None:
    stats = store.stats(DAY, days=3)
    assert stats == Stats(
        0, 0, 0, 0, (), tuple((DAY - dt.timedelta(days=n), 0, 0) for n in (2, 1, 0))
    )


# -- engines -------------------------------------------------------------------------------------


def test_a_fresh_sqlite_file_and_its_directory_are_created_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bz.db"
    with Store(f"sqlite:///{path}") as store:
        assert store.subscribe(1, "zh")
    assert path.is_file()
    assert db.current_revision(f"sqlite:///{path}") == db.head_revision()


def test_an_in_memory_store_is_shared_across_threads() -> None:
    with Store("sqlite://") as store:
        store.subscribe(1, "zh")
        seen = run_together(3, lambda _: store.subscriber(1))
        assert all(s is not None and s.active for s in seen)


def test_sqlite_files_use_write_ahead_logging(sqlite_url: str) -> None:
    with Store(sqlite_url) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
