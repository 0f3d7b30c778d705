"""What an operator needs to know at a glance: ``/status`` in Telegram, ``baozhai status``.

Everything comes from the database (the last poll of each paper is recorded there by the
poll jobs), so a second process — the CLI beside a running bot — sees what the bot did. No
secret leaves this module: the database URL is shown with its password masked and the bot
token is never read.
"""

from __future__ import annotations

import importlib.metadata

from bot.config import Config
from bot.storage.engine import masked_url
from bot.storage.records import (
    Counts,
    DeliveryStatus,
    EditionRecord,
    PaperStatus,
    StatusReport,
)
from bot.storage.store import Store

__all__ = ["gather_status", "version"]


def version() -> str:
    """The installed package's version (``pyproject.toml``), or "unknown" in a bare checkout."""
    try:
        return importlib.metadata.version("baozhai")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def gather_status(store: Store, config: Config) -> StatusReport:
    """Read everything /status shows (synchronous: run it in a thread from the bot)."""
    papers = []
    digest: EditionRecord | None = None
    for paper in config.papers:
        edition = store.editions.latest(paper.name)
        papers.append(PaperStatus(paper.name, store.state.last_poll(paper.name), edition))
        if edition is None or edition.backfilled or not store.deliveries.counts(edition.id):
            continue
        if digest is None or (edition.date, edition.id) > (digest.date, digest.id):
            digest = edition
    digest_counts = Counts()
    if digest is not None:
        digest_counts = _counts(
            store.deliveries.counts(digest.id), store.deliveries.waiting(digest.id)
        )
    broadcast = store.broadcasts.latest()
    broadcast_counts = Counts()
    if broadcast is not None:
        broadcast_counts = _counts(
            store.broadcasts.counts(broadcast.id), store.broadcasts.waiting(broadcast.id)
        )
    return StatusReport(
        papers=tuple(papers),
        digest=digest,
        digest_counts=digest_counts,
        broadcast=broadcast,
        broadcast_counts=broadcast_counts,
        subscribers=store.subscribers.count_active(),
        leader=store.leases.leader(),
        database=masked_url(config.storage.url),
        version=version(),
    )


def _counts(by_status: dict[DeliveryStatus, int], waiting: int) -> Counts:
    return Counts(
        sent=by_status.get(DeliveryStatus.SENT, 0),
        pending=waiting,
        in_doubt=by_status.get(DeliveryStatus.IN_DOUBT, 0),
        failed=by_status.get(DeliveryStatus.FAILED, 0),
    )
