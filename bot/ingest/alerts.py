"""Deciding an edition's topic alerts when it is ingested: who gets one, listing what.

The decision is stored (``store.alerts``), one row per reader with a match, so it survives a
restart and waits out quiet hours; sending is :mod:`bot.delivery.alerts`' job. Deciding is
repeatable: only topics followed before the edition was ingested count, and an edition's
alert to a reader is one row, so running it again after a crash gives the same alerts, once.
Running it again after a late page brings an alert no sender has taken yet up to date (the
page's articles join it); one being sent, or sent, stays as it was.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from bot.ingest.follows import EditionIndex, match_readers
from bot.storage.records import EditionRecord
from summarizer.segment import Segmenter

if TYPE_CHECKING:
    from bot.storage.store import Store

__all__ = ["MAX_ALERT_ITEMS", "decide_alerts"]

log = logging.getLogger(__name__)

MAX_ALERT_ITEMS = 10  # articles stored per alert (and listed in it); the rest are counted
_SENTENCE_CHARS = 300  # stored sentence length; the message shows less around the term


def decide_alerts(store: Store, edition: EditionRecord, segmenter: Segmenter | None = None) -> int:
    """Match the edition against its readers' topics and store their alerts; how many new.

    Backfilled editions never alert (they are archive, not news).
    """
    if edition.backfilled:
        return 0
    follows = store.follows.of_readers(edition.paper, since_before=edition.ingested_at)
    if not follows:
        return 0
    started = time.perf_counter()
    articles = store.editions.articles(edition.id)
    index = EditionIndex(articles, segmenter)
    found = match_readers(index, follows, limit=MAX_ALERT_ITEMS)
    marks = {article.number: article.mark for article in articles}
    decisions = {
        chat: (
            [
                (i.number, i.term, i.sentence[:_SENTENCE_CHARS], marks.get(i.number, ""))
                for i in match.items
            ],
            match.total,
        )
        for chat, match in found.items()
    }
    added = store.alerts.decide(edition.id, decisions)
    log.info(
        "edition %d: %d readers' topics matched (%d new alerts) in %.2fs",
        edition.id,
        len(found),
        added,
        time.perf_counter() - started,
    )
    return added
