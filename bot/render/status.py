"""The operators' status page, in Telegram HTML (``/status``) or plain text (``baozhai status``).

One rendering for both, so the bot and the command line can never disagree: the plain text is
the HTML with its tags taken away and its entities decoded.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.render.i18n import Markup, t
from bot.render.text import format_date, messages_of, plain_text, truncate_text
from bot.storage.records import Counts, PaperStatus, PollOutcome, StatusReport

__all__ = ["status_messages", "status_plain", "status_text"]

_POLL_KEYS = {
    PollOutcome.NEW: "poll_new",
    PollOutcome.NOTHING_NEW: "poll_nothing_new",
    PollOutcome.FAILED: "poll_failed",
}


def _when(moment: dt.datetime, zone: ZoneInfo) -> str:
    """In the configured zone, its offset shown: the log's clock may be another zone's."""
    return moment.astimezone(zone).isoformat(" ", "minutes")


def poll_outcome(lang: str, outcome: PollOutcome, detail: str) -> Markup:
    """``有新内容`` / ``failed: <why>`` (the why cut to a line)."""
    return t(lang, _POLL_KEYS[outcome], detail=truncate_text(detail, 200))


def _paper(paper: PaperStatus, lang: str, zone: ZoneInfo) -> Markup:
    poll = paper.last_poll
    poll_text = (
        t(
            lang,
            "status_poll",
            when=_when(poll.at, zone),
            outcome=poll_outcome(lang, poll.outcome, poll.detail),
        )
        if poll is not None
        else t(lang, "status_never")
    )
    edition = paper.last_edition
    edition_text = (
        t(
            lang,
            "status_edition",
            date=Markup(format_date(edition.date, lang)),
            count=edition.article_count,
            when=_when(edition.ingested_at, zone),
        )
        if edition is not None
        else t(lang, "status_no_edition")
    )
    return t(lang, "status_paper", paper=paper.name, poll=poll_text, edition=edition_text)


def _counts(counts: Counts) -> dict[str, int]:
    return {
        "sent": counts.sent,
        "pending": counts.pending,
        "in_doubt": counts.in_doubt,
        "failed": counts.failed,
    }


def status_text(report: StatusReport, lang: str, zone: ZoneInfo) -> Markup:
    """The whole status page as Telegram HTML (times in ``zone``)."""
    return Markup("\n\n".join(_parts(report, lang, zone)))


def status_messages(report: StatusReport, lang: str, zone: ZoneInfo) -> list[Markup]:
    """The status page as messages Telegram takes: one, unless many papers' polls failed at
    once (14 papers with a connection error each passed 4,096 characters in English)."""
    return messages_of(_parts(report, lang, zone))


def _parts(report: StatusReport, lang: str, zone: ZoneInfo) -> list[Markup]:
    """The page's blocks: title, each paper, the digest, the broadcast, the service."""
    parts = [t(lang, "status_title")]
    parts += [_paper(paper, lang, zone) for paper in report.papers]
    if report.digest is not None:
        digest = report.digest
        date = Markup(format_date(digest.date, lang))
        parts.append(
            t(
                lang,
                "status_digest",
                paper=digest.paper,
                date=date,
                **_counts(report.digest_counts),
            )
        )
    else:
        parts.append(t(lang, "status_no_digest"))
    if report.broadcast is not None and report.broadcast.confirmed_at is not None:
        when = _when(report.broadcast.confirmed_at, zone)
        parts.append(t(lang, "status_broadcast", when=when, **_counts(report.broadcast_counts)))
    lines = [t(lang, "status_subscribers", count=report.subscribers)]
    leader = report.leader
    if leader is not None:
        lines.append(
            t(lang, "status_leader", holder=leader.holder, until=_when(leader.expires_at, zone))
        )
    else:
        lines.append(t(lang, "status_no_leader"))
    lines.append(t(lang, "status_database", url=report.database))
    lines.append(t(lang, "status_version", version=report.version))
    parts.append(Markup("\n".join(lines)))
    return parts


def status_plain(report: StatusReport, lang: str, zone: ZoneInfo) -> str:
    """The same page as plain text, for a terminal."""
    return plain_text(status_text(report, lang, zone))
