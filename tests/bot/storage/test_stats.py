"""Specification of ``store.stats``, on SQLite and PostgreSQL (see conftest)."""

from __future__ import annotations

import datetime as dt

from bot.storage.records import Stats
from bot.storage.store import Store
from tests.bot.storage.helpers import DAY, add, article, edition


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
        store.subscribers.subscribe(chat, "zh")
    store.subscribers.unsubscribe(3)
    latest = store.editions.on(today)
    assert latest is not None
    for chat in (1, 2):
        store.deliveries.claim(latest.id, chat, "test-sender")
    store.deliveries.mark_sent(latest.id, 1)
    store.deliveries.mark_failed(latest.id, 2, "blocked", retryable=False)

    stats = store.stats.as_of(today, days=14)

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
    stats = store.stats.as_of(DAY, days=3)
    assert stats == Stats(
        0, 0, 0, 0, (), tuple((DAY - dt.timedelta(days=n), 0, 0) for n in (2, 1, 0))
    )


def test_stats_of_some_papers_count_only_their_editions_and_keywords(store: Store) -> None:
    today = dt.date(2024, 7, 7)
    add(store, edition(today, article("a")), keywords=[("工会",)], paper="甲报")
    add(
        store,
        edition(today, article("b"), article("c")),
        keywords=[("安全",), ("安全",)],
        paper="乙报",
    )
    only = store.stats.as_of(today, papers=["乙报"])
    assert (only.editions, only.articles) == (1, 2)
    assert only.top_keywords == (("安全", 2),)
    everything = store.stats.as_of(today)
    assert (everything.editions, everything.articles) == (2, 3)


def test_audience_counts_active_subscribers_and_sent_digests(store: Store) -> None:
    add(store, edition(DAY, article("a")))
    for chat in (1, 2, 3):
        store.subscribers.subscribe(chat, "zh")
    store.subscribers.unsubscribe(3)
    stored = store.editions.on(DAY)
    assert stored is not None
    for chat in (1, 2):
        store.deliveries.claim(stored.id, chat, "test-sender")
    store.deliveries.mark_sent(stored.id, 1)

    assert store.stats.audience() == (2, 1)
