"""Ingest: editions from their sources into the store, parsed, joined and summarized.

Holds the inbox ingest (:mod:`.inbox`: text dumps dropped into a folder), the e-paper ingest
(:mod:`.epaper`: a paper's own website, polled) and the report both return (:mod:`.report`).

May import: :mod:`summarizer`, :mod:`bot.sources`, :mod:`bot.storage`, :mod:`bot.config` and
:mod:`bot.errors`. Never Telegram: the jobs in :mod:`bot.components.jobs` announce results.
"""

from bot.ingest.epaper import fetch_limits, poll_epaper, read_site
from bot.ingest.inbox import ingest, ingest_inbox
from bot.ingest.report import Failure, IngestReport, Missing, Skipped

__all__ = [
    "Failure",
    "IngestReport",
    "Missing",
    "Skipped",
    "fetch_limits",
    "ingest",
    "ingest_inbox",
    "poll_epaper",
    "read_site",
]
