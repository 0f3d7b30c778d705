"""Specification of ``store.channels``, on SQLite and PostgreSQL (see conftest): a channel
bound by a chat gets the digest of that chat's papers, in its language."""

from __future__ import annotations

from bot.storage.store import Store
from tests.bot.storage.helpers import interleave

CHANNEL = -1002000


def test_a_channel_bound_again_by_another_chat_gets_that_chats_papers_only(
    store: Store,
) -> None:
    store.channels.bind(CHANNEL, "morning_news", "早报", 1, "zh", ["浙江工人日报"])
    store.channels.unbind(CHANNEL)

    store.channels.bind(CHANNEL, "morning_news", "早报", 2, "zh", ["海南日报"])

    record = store.subscribers.get(CHANNEL)
    assert record is not None and record.active and record.papers == ("海南日报",)


def test_a_channel_taken_over_by_another_chat_leaves_the_first_ones_list(store: Store) -> None:
    store.channels.bind(CHANNEL, "morning_news", "早报", -100, "zh", ["浙江工人日报"])

    store.channels.bind(CHANNEL, "morning_news", "早报", -200, "en", ["海南日报"])

    assert store.channels.bound_by(-100) == []
    assert [c.chat_id for c in store.channels.bound_by(-200)] == [CHANNEL]
    record = store.subscribers.get(CHANNEL)
    assert record is not None and record.papers == ("海南日报",) and record.language == "en"


def test_a_group_that_bound_a_channel_without_subscribing_keeps_it_as_a_supergroup(
    store: Store,
) -> None:
    group, supergroup = -4001, -1004001
    store.channels.bind(CHANNEL, "morning_news", "早报", group, "zh", ["浙江工人日报"])
    assert store.subscribers.get(group) is None  # the group reads nothing itself

    store.subscribers.migrate_chat(group, supergroup)

    assert [c.chat_id for c in store.channels.bound_by(supergroup)] == [CHANNEL]
    assert store.channels.bound_by(group) == []


def test_two_admins_binding_one_channel_at_once_leave_it_one_binders_papers(
    store: Store,
) -> None:
    # Each binding is the binder's whole choice: the channel ends with one's papers or the
    # other's, never with none (each took the other's paper away) and so no digest at all.
    def bind(bound_by: int, paper: str) -> None:
        store.channels.bind(CHANNEL, "morning_news", "早报", bound_by, "zh", [paper])

    interleave(
        store,
        slow=lambda: bind(1, "浙江工人日报"),
        fast=lambda: bind(2, "海南日报"),
        pause_after="FROM subscribers",
        occurrence=2,  # its read of the papers to take away
    )

    record = store.subscribers.get(CHANNEL)
    assert record is not None and record.active
    assert record.papers in (("浙江工人日报",), ("海南日报",))
