"""A sender killed mid fan-out loses no reader's digest (a real SIGKILL of a real process).

``baozhai digest send`` runs as a subprocess against the local Bot API server in this test's
event loop; the server counts what arrives and kills the sender with SIGKILL the moment the
600th digest is in, while other requests are on the wire. The next ``digest send`` takes the
dead sender's claims over once its heartbeat lease expires and sends what the ledger lacks.
"""

from __future__ import annotations

import collections
import os
import re
import signal
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from bot.localapi.server import LocalBotApi, SentMessage
from bot.storage.records import DeliveryStatus, MessageState
from bot.storage.store import Store
from tests.bot.delivery.editions import PAPER, add_seed_edition
from tests.bot.processes import process_config, start_baozhai
from tests.bot.running_bot import TOKEN

pytestmark = pytest.mark.timeout(300)

READERS = 2000
KILL_AT = 600  # digests in when the sender is killed
CONCURRENCY = 16  # DeliveryPolicy's default: at most one request on the wire per worker
LEASE = 5.0


def subscribe_readers(store: Store, server: LocalBotApi) -> list[int]:
    chats = list(range(10_001, 10_001 + READERS))
    for chat in chats:
        server.user(chat)
    store.subscribers.subscribe_many(chats, "zh", [PAPER])
    return chats


async def test_a_sigkilled_digest_send_loses_no_reader_and_duplicates_only_what_was_on_the_wire(
    tmp_path: Path, db_url: str | URL
) -> None:
    server = LocalBotApi(TOKEN, per_chat_rate=None, global_rate=None)
    await server.start()
    try:
        with Store(db_url) as store:
            edition, _ = add_seed_edition(store)
            chats = subscribe_readers(store, server)
        config = process_config(
            tmp_path, db_url=db_url, api_base_url=server.base_url, lease_seconds=LEASE
        )
        args = ("digest", "send", "--date", edition.date.isoformat())

        first = await start_baozhai(config, *args)

        def kill_at(event: str, message: SentMessage) -> None:
            if event == "sent" and len(server.sent) == KILL_AT:
                os.kill(first.pid, signal.SIGKILL)

        server.add_listener(kill_at)
        assert await first.wait(120) == -signal.SIGKILL, first.output()
        arrived_before = len(server.sent)
        with Store(db_url) as store:
            on_wire = sum(
                store.deliveries.parts(edition.id, chat).get(0) is MessageState.ON_WIRE
                for chat in chats
            )
            done_before = store.deliveries.counts(edition.id).get(DeliveryStatus.SENT, 0)

        second = await start_baozhai(config, *args)
        assert await second.wait(120) == 0, second.output()

        copies = collections.Counter(m.chat_id for m in server.sent)
        assert [c for c in chats if copies[c] == 0] == []  # no reader without the digest
        duplicates = sum(n - 1 for n in copies.values())
        assert duplicates <= on_wire <= CONCURRENCY
        report = re.search(
            r"sent (\d+) \(resumed (\d+)\), in doubt (\d+), failed (\d+), blocked (\d+), "
            r"already had it (\d+), messages (\d+)",
            second.output(),
        )
        assert report is not None, second.output()
        sent, resumed, in_doubt, failed, blocked, _had_it, messages = map(int, report.groups())
        assert messages == len(server.sent) - arrived_before  # what the server received
        assert sent == READERS - done_before and (failed, blocked) == (0, 0)
        assert resumed >= in_doubt == on_wire
        print(
            f"\ncrash figures: killed after {arrived_before} arrived, {done_before} recorded "
            f"sent, {on_wire} on the wire; rerun: sent {sent} (resumed {resumed}), in doubt "
            f"{in_doubt}, messages {messages}; duplicates {duplicates}"
        )
        with Store(db_url) as store:
            counts = store.deliveries.counts(edition.id)
        assert counts == {DeliveryStatus.SENT: READERS}
    finally:
        await server.stop()
