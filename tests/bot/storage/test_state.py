"""Specification of ``store.state``: JSON values a source keeps per paper and key."""

from __future__ import annotations

from bot.storage.records import PollOutcome
from bot.storage.store import Store


def test_a_value_comes_back_as_it_was_stored(store: Store) -> None:
    store.state.put("甲报", "cache", {"url": ["etag", None], "n": 3, "text": "中文"})
    assert store.state.get("甲报", "cache") == {"url": ["etag", None], "n": 3, "text": "中文"}


def test_put_replaces_and_papers_keep_their_own_values(store: Store) -> None:
    store.state.put("甲报", "k", 1)
    store.state.put("甲报", "k", 2)
    store.state.put("乙报", "k", 3)
    assert (store.state.get("甲报", "k"), store.state.get("乙报", "k")) == (2, 3)


def test_an_unknown_key_is_none_and_drop_forgets(store: Store) -> None:
    assert store.state.get("甲报", "nothing") is None
    store.state.put("甲报", "k", [1])
    store.state.drop("甲报", "k")
    store.state.drop("甲报", "k")
    assert store.state.get("甲报", "k") is None


def test_keys_lists_a_papers_keys_by_prefix_literally(store: Store) -> None:
    for key in ("missing:2024-07-01", "missing:2024-07-02", "missing_x", "cache"):
        store.state.put("甲报", key, True)
    store.state.put("乙报", "missing:2024-07-03", True)
    assert store.state.keys("甲报", "missing:") == ["missing:2024-07-01", "missing:2024-07-02"]
    assert store.state.keys("甲报", "missing_") == ["missing_x"]


def test_the_last_poll_of_each_paper_is_remembered_with_its_outcome(store: Store) -> None:
    store.state.record_poll("甲报", PollOutcome.NOTHING_NEW)
    store.state.record_poll("甲报", PollOutcome.FAILED, "HTTP 503")
    store.state.record_poll("乙报", PollOutcome.NEW)
    first, second = store.state.last_poll("甲报"), store.state.last_poll("乙报")
    assert first is not None and (first.outcome, first.detail) == (PollOutcome.FAILED, "HTTP 503")
    assert second is not None and second.outcome is PollOutcome.NEW
    assert first.at.tzinfo is not None and first.at <= second.at
    assert store.state.last_poll("丙报") is None
