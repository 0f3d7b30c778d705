"""Specification of ``store.subscribers``, on SQLite and PostgreSQL (see conftest)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.storage.records import DigestMode, SubscriberRecord
from bot.storage.store import Store
from tests.bot.storage.helpers import DAY, PAPER, add, edition, interleave


def test_subscribe_is_true_only_when_the_chat_becomes_active(store: Store) -> None:
    assert store.subscribers.subscribe(1, "zh") is True
    assert store.subscribers.subscribe(1, "zh") is False
    assert store.subscribers.get(1) == SubscriberRecord(1, "zh", True, None)


def test_unsubscribe_keeps_the_chat_and_resubscribing_keeps_its_settings(store: Store) -> None:
    store.subscribers.subscribe(1, "zh")
    store.subscribers.set_digest_time(1, dt.time(6, 0))
    store.subscribers.set_language(1, "en")
    assert store.subscribers.unsubscribe(1) is True
    assert store.subscribers.unsubscribe(1) is False
    assert store.subscribers.get(1) == SubscriberRecord(1, "en", False, dt.time(6, 0))
    assert store.subscribers.subscribe(1, "zh") is True
    assert store.subscribers.get(1) == SubscriberRecord(1, "en", True, dt.time(6, 0))


def test_unsubscribe_of_an_unknown_chat_is_false(store: Store) -> None:
    assert store.subscribers.unsubscribe(404) is False
    assert store.subscribers.get(404) is None


def test_deactivate_stops_digests_but_keeps_history(store: Store) -> None:
    rec = add(store, edition())
    assert rec is not None
    store.subscribers.subscribe(7, "zh")
    store.subscribers.set_digest_time(7, dt.time(8, 15))
    assert store.deliveries.claim(rec.id, 7, "test-sender")
    store.deliveries.mark_sent(rec.id, 7)
    store.subscribers.deactivate(7)
    assert store.subscribers.get(7) == SubscriberRecord(7, "zh", False, dt.time(8, 15))
    assert store.subscribers.active() == []
    assert store.deliveries.was_sent(rec.id, 7)
    assert store.stats.as_of(DAY).digests_delivered == 1


def test_active_subscribers_lists_only_active_chats_by_id(store: Store) -> None:
    for chat in (30, -100123, 20):
        store.subscribers.subscribe(chat, "zh")
    store.subscribers.unsubscribe(20)
    assert [s.chat_id for s in store.subscribers.active()] == [-100123, 30]


def test_chat_ids_beyond_32_bits_are_stored(store: Store) -> None:
    big = -1001234567890
    store.subscribers.subscribe(big, "zh")
    assert store.subscribers.get(big) == SubscriberRecord(big, "zh", True, None)


def test_set_digest_time_and_back_to_default(store: Store) -> None:
    assert store.subscribers.set_digest_time(5, dt.time(7, 0)) is False  # unknown chat
    store.subscribers.subscribe(5, "zh")
    assert store.subscribers.set_digest_time(5, dt.time(21, 45)) is True
    assert store.subscribers.get(5).digest_time == dt.time(21, 45)  # type: ignore[union-attr]
    store.subscribers.set_digest_time(5, None)
    assert store.subscribers.get(5).digest_time is None  # type: ignore[union-attr]


def test_set_language_of_an_unknown_chat_is_false(store: Store) -> None:
    assert store.subscribers.set_language(9, "en") is False


def test_follow_language_changes_only_a_known_chat_in_another_language(store: Store) -> None:
    store.subscribers.subscribe(1, "zh")
    assert store.subscribers.follow_language(1, "zh") is False
    assert store.subscribers.follow_language(1, "en") is True
    assert store.subscribers.get(1).language == "en"  # type: ignore[union-attr]
    assert store.subscribers.follow_language(9, "en") is False
    assert store.subscribers.get(9) is None


def test_migrate_chat_moves_subscription_and_delivery_history(store: Store) -> None:
    rec = add(store, edition())
    assert rec is not None
    store.subscribers.subscribe(-100, "en")
    store.subscribers.set_digest_time(-100, dt.time(9, 0))
    store.deliveries.claim(rec.id, -100, "test-sender")
    store.deliveries.mark_sent(rec.id, -100)
    store.subscribers.migrate_chat(-100, -1001000)
    assert store.subscribers.get(-100) is None
    assert store.subscribers.get(-1001000) == SubscriberRecord(-1001000, "en", True, dt.time(9, 0))
    assert store.deliveries.was_sent(rec.id, -1001000)
    assert store.deliveries.claim(rec.id, -1001000, "test-sender") is None


def test_migrate_chat_merges_into_an_existing_new_chat(store: Store) -> None:
    rec = add(store, edition())
    assert rec is not None
    store.subscribers.subscribe(-100, "zh")
    store.subscribers.set_digest_time(-100, dt.time(9, 0))
    store.deliveries.claim(rec.id, -100, "test-sender")
    store.deliveries.mark_sent(rec.id, -100)
    store.subscribers.subscribe(-1001000, "zh")
    store.subscribers.unsubscribe(-1001000)
    store.subscribers.migrate_chat(-100, -1001000)
    assert store.subscribers.get(-1001000) == SubscriberRecord(-1001000, "zh", True, dt.time(9, 0))
    assert store.subscribers.get(-100).active is False  # type: ignore[union-attr]
    assert [s.chat_id for s in store.subscribers.active()] == [-1001000]
    assert store.deliveries.was_sent(rec.id, -1001000)


def test_migrate_chat_keeps_the_groups_papers_topics_and_settings_over_a_new_start(
    store: Store,
) -> None:
    group, supergroup = -100, -1001000
    store.subscribers.subscribe(group, "en", ["甲报", "乙报", "丙报"])
    store.subscribers.set_digest_mode(group, DigestMode.COMBINED)
    store.subscribers.set_quiet_hours(group, (dt.time(22, 0), dt.time(7, 0)))
    store.subscribers.set_timezone(group, "Europe/Berlin")
    for topic in ("工会", "劳模"):
        store.follows.add(group, topic, cap=10)
    store.subscribers.subscribe(supergroup, "zh", ["甲报"])  # /start sent there first
    store.follows.add(supergroup, "劳模", cap=10)
    store.subscribers.migrate_chat(group, supergroup)
    merged = store.subscribers.get(supergroup)
    assert merged == SubscriberRecord(
        supergroup,
        "en",
        True,
        None,
        papers=("甲报", "乙报", "丙报"),
        digest_mode=DigestMode.COMBINED,
        timezone="Europe/Berlin",
        quiet_hours=(dt.time(22, 0), dt.time(7, 0)),
    )
    assert sorted(store.follows.of(supergroup)) == ["劳模", "工会"]


def test_a_group_moved_by_both_its_service_messages_at_once_stays_subscribed(
    store: Store,
) -> None:
    # Telegram tells the bot twice (migrate_to_chat_id in the group, migrate_from_chat_id in
    # the supergroup) and the bot handles updates concurrently. Here the second handler reads
    # the group's row, then the first moves it and commits, then the second goes on: it must
    # see that the row is the supergroup's now, not "merge" the row into itself and leave the
    # supergroup unsubscribed (which happened about once in ten runs on PostgreSQL).
    store.subscribers.subscribe(-100, "zh")

    def move() -> None:
        store.subscribers.migrate_chat(-100, -1001000)

    interleave(store, slow=move, fast=move, pause_after="FROM subscribers")

    assert store.subscribers.get(-1001000) == SubscriberRecord(-1001000, "zh", True, None)
    assert store.subscribers.get(-100) is None


def test_migrate_chat_moves_a_pending_topic_alert_to_the_new_chat(store: Store) -> None:
    rec = add(store, edition())
    assert rec is not None
    store.subscribers.subscribe(-100, "zh")
    store.alerts.decide(rec.id, {-100: ([(1, "工会", "")], 1)})
    store.subscribers.migrate_chat(-100, -1001000)
    assert store.alerts.get(rec.id, -100) is None
    moved = store.alerts.get(rec.id, -1001000)
    assert moved is not None and moved.chat_id == -1001000


@pytest.mark.parametrize("started_with", [PAPER, "乙报"], ids=["same-paper", "other-paper"])
def test_a_pending_alert_stays_due_after_migrating_into_a_chat_that_started_since(
    store: Store, started_with: str
) -> None:
    store.subscribers.subscribe(-100, "zh", [PAPER])
    rec = add(store, edition())
    assert rec is not None
    store.alerts.decide(rec.id, {-100: ([(1, "工会", "", "m")], 1)})
    store.subscribers.subscribe(-1001000, "zh", [started_with])  # /start there since
    store.subscribers.migrate_chat(-100, -1001000)
    assert [(a.chat_id, a.edition_id) for a, _ in store.alerts.due()] == [(-1001000, rec.id)]


def test_a_pending_alert_is_not_due_for_a_paper_the_reader_dropped(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", [PAPER, "乙报"])
    rec = add(store, edition())
    assert rec is not None
    store.alerts.decide(rec.id, {1: ([(1, "工会", "", "m")], 1)})
    store.subscribers.remove_paper(1, PAPER)
    assert store.alerts.due() == []


def test_migrate_chat_keeps_what_the_new_chat_chose_itself(store: Store) -> None:
    store.subscribers.subscribe(-100, "zh", ["甲报"])
    store.subscribers.set_quiet_hours(-100, (dt.time(22, 0), dt.time(7, 0)))
    store.subscribers.subscribe(-1001000, "zh", ["乙报"])
    store.subscribers.set_quiet_hours(-1001000, (dt.time(23, 0), dt.time(6, 0)))
    store.subscribers.migrate_chat(-100, -1001000)
    merged = store.subscribers.get(-1001000)
    assert merged is not None
    assert merged.papers == ("乙报", "甲报")
    assert merged.quiet_hours == (dt.time(23, 0), dt.time(6, 0))


# -- papers a chat reads ----------------------------------------------------------------------


def test_a_new_subscriber_gets_the_papers_it_subscribes_with(store: Store) -> None:
    assert store.subscribers.subscribe(1, "zh", ["甲报", "乙报"])
    assert store.subscribers.get(1).papers == ("甲报", "乙报")


def test_subscribing_again_adds_papers_and_keeps_the_old_ones(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", ["甲报"])
    assert store.subscribers.subscribe(1, "zh", ["乙报"]) is True
    assert store.subscribers.subscribe(1, "zh", ["甲报"]) is False
    assert store.subscribers.get(1).papers == ("甲报", "乙报")


def test_a_paper_can_be_added_and_removed_alone(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", ["甲报"])
    assert store.subscribers.add_paper(1, "乙报") is True
    assert store.subscribers.add_paper(1, "乙报") is False
    assert store.subscribers.remove_paper(1, "甲报") is True
    assert store.subscribers.remove_paper(1, "甲报") is False
    assert store.subscribers.get(1).papers == ("乙报",)
    assert store.subscribers.add_paper(404, "甲报") is False  # unknown chat


def test_active_subscribers_of_a_paper_are_only_its_readers(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", ["甲报"])
    store.subscribers.subscribe(2, "zh", ["乙报"])
    store.subscribers.subscribe(3, "zh", ["甲报", "乙报"])
    store.subscribers.unsubscribe(3)
    assert [s.chat_id for s in store.subscribers.active("甲报")] == [1]
    assert [s.chat_id for s in store.subscribers.active()] == [1, 2]


def test_the_digest_mode_is_per_paper_until_changed(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", ["甲报"])
    assert store.subscribers.get(1).digest_mode == "per_paper"
    assert store.subscribers.set_digest_mode(1, DigestMode.COMBINED)
    assert store.subscribers.get(1).digest_mode is DigestMode.COMBINED
    assert store.subscribers.set_digest_mode(404, DigestMode.COMBINED) is False


def test_many_chats_are_subscribed_at_once_and_known_ones_are_left_alone(store: Store) -> None:
    store.subscribers.subscribe(2, "en", [PAPER])

    added = store.subscribers.subscribe_many([1, 2, 3], "zh", [PAPER])

    assert added == 2
    assert [(s.chat_id, s.language) for s in store.subscribers.active(PAPER)] == [
        (1, "zh"),
        (2, "en"),
        (3, "zh"),
    ]


def test_active_subscribers_carry_every_setting_as_get_reads_them(store: Store) -> None:
    store.subscribers.subscribe(1, "en", ["乙报", "甲报"])
    store.subscribers.set_digest_time(1, dt.time(6, 30))
    store.subscribers.set_digest_mode(1, DigestMode.COMBINED)
    store.subscribers.set_timezone(1, "Europe/Berlin")
    store.subscribers.set_quiet_hours(1, (dt.time(22, 0), dt.time(7, 0)))
    store.subscribers.subscribe(2, "zh", ["甲报"])
    store.subscribers.subscribe(3, "zh")  # no paper at all

    assert store.subscribers.active() == [store.subscribers.get(chat) for chat in (1, 2, 3)]


def test_active_subscribers_of_a_paper_are_counted_without_reading_them(store: Store) -> None:
    store.subscribers.subscribe(1, "zh", ["甲报"])
    store.subscribers.subscribe(2, "zh", ["乙报"])
    store.subscribers.subscribe(3, "zh", ["甲报", "乙报"])
    store.subscribers.unsubscribe(3)
    assert store.subscribers.count_active("甲报") == 1
    assert store.subscribers.count_active() == 2
