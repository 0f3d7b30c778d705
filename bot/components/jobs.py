"""The scheduler's jobs: poll the inboxes, push digests at each subscriber's time.

Jobs have explicit ids and ``replace_existing`` so a restart never stacks duplicates. The
never-twice guarantee does not rest on the scheduler but on the store: each (edition, chat)
delivery is claimed in the database before it is sent.

* ``poll-inboxes`` (every ``poll_interval_seconds``): ingest new editions, report broken
  files to the admins, then deliver whatever is due and not yet delivered. That last step is
  also the catch-up after downtime or a late edition: a missed digest goes out late, once.
* ``poll-site-N`` (one per e-paper paper, every its ``poll_minutes``, acting only inside its
  ``poll_window``): read the site's newest edition, tell the admins once what is missing or
  that the layout changed, then deliver what is due.
* ``digest-at-HH:MM`` (daily, one per distinct digest time in use): deliver the newest edition
  to every chat it is due (:func:`is_due`: the chat's time on the edition's date has come),
  or, to a reader who chose one combined message, all their papers' due editions together.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, JobQueue

from bot.config import PaperConfig, SourceKind
from bot.delivery import DeliveryReport, deliver_combined, deliver_edition
from bot.errors import FetchError
from bot.ingest import IngestReport, ingest_inbox
from bot.ingest.epaper import read_site
from bot.render import escape, truncate_text
from bot.render.i18n import Markup, t
from bot.services import Services, services
from bot.storage.records import DigestMode, EditionRecord, SubscriberRecord

log = logging.getLogger(__name__)

POLL_JOB = "poll-inboxes"
SITE_JOB = "poll-site-{}"  # + the paper's index in [[papers]]
TEMPLATE_ERROR_KEY = "template-error"  # source state: the layout error the admins were told
DIGEST_JOB = "digest-at-{:%H:%M}"


def digest_job_id(when: dt.time) -> str:
    return DIGEST_JOB.format(when)


def job_queue(application: Application) -> JobQueue[Any]:
    """The Application's JobQueue; missing only without the ``job-queue`` extra."""
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    return queue


def schedule_jobs(application: Application) -> None:
    """Register the poll job and one daily digest job per digest time in use."""
    svc = services(application)
    queue = job_queue(application)
    interval = svc.config.schedule.poll_interval_seconds
    queue.run_repeating(
        poll_inboxes,
        interval=interval,
        first=0,
        name=POLL_JOB,
        job_kwargs={
            "id": POLL_JOB,
            "replace_existing": True,
            "max_instances": 1,
            "coalesce": True,
            "misfire_grace_time": interval,
        },
    )
    for index, paper in enumerate(svc.config.papers):
        if paper.kind is SourceKind.EPAPER:
            every = paper.poll_minutes * 60
            queue.run_repeating(
                poll_site,
                interval=every,
                first=0,
                data=index,
                name=SITE_JOB.format(index),
                job_kwargs={
                    "id": SITE_JOB.format(index),
                    "replace_existing": True,
                    "max_instances": 1,
                    "coalesce": True,
                    "misfire_grace_time": every,
                },
            )
    times = {svc.config.schedule.digest_time}
    times |= {s.digest_time for s in svc.store.subscribers.active() if s.digest_time}
    for when in sorted(times):
        ensure_digest_job(application, when)


def ensure_digest_job(application: Application, when: dt.time) -> None:
    """Make sure a daily job runs at ``when`` (local time); idempotent."""
    svc = services(application)
    job_id = digest_job_id(when)
    queue = job_queue(application)
    if queue.scheduler.get_job(job_id) is not None:
        return
    queue.run_daily(
        digest_at_time,
        time=when.replace(tzinfo=svc.tz),
        data=when,
        name=job_id,
        job_kwargs={
            "id": job_id,
            "replace_existing": True,
            "misfire_grace_time": svc.config.schedule.misfire_grace_seconds,
            "coalesce": True,
        },
    )
    log.info("digest job scheduled at %s %s", f"{when:%H:%M}", svc.tz.key)


async def poll_inboxes(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ingest every paper's inbox, tell admins about broken files, deliver what is due.

    This is a supervisor loop: one paper whose inbox cannot be scanned (unmounted share, a
    database hiccup) is logged and reported, and the other papers and the catch-up delivery
    still run.
    """
    svc = services(context)
    try:
        for paper in svc.config.inbox_papers:
            try:
                report: IngestReport = await asyncio.to_thread(
                    ingest_inbox,
                    svc.store,
                    paper,
                    sentences=svc.config.summary.sentences,
                    now=svc.now(),
                    limits=svc.config.limits.text,
                )
            except Exception as exc:  # one paper must not stop the others (see docstring)
                log.exception("%s: scanning %s failed", paper.name, paper.inbox_dir)
                await notify_admins(
                    context, svc, "admin_poll_failed", paper=paper.name, reason=str(exc)[:300]
                )
                continue
            if report.failures:
                await notify_admins(
                    context,
                    svc,
                    "admin_ingest_failed",
                    paper=paper.name,
                    count=len(report.failures),
                    items=_failure_lines(report),
                )
    finally:
        await deliver_due(context.application, svc.now())


async def poll_site(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Read one e-paper paper's site (``context.job.data``: its index), then deliver what is
    due. Outside the paper's poll window it does nothing; a failure is logged and retried at
    the next poll, and never stops the scheduler."""
    svc = services(context)
    job = context.job
    index = job.data if job is not None else None
    if not isinstance(index, int):
        return
    paper = svc.config.papers[index]
    now = svc.now()
    if not paper.polls_at(now.time()):
        return
    try:
        report = await read_site(svc.store, svc.config, paper, now=now)
    except FetchError as exc:
        log.warning("%s: site not reachable: %s; next poll tries again", paper.name, exc)
        return
    except Exception:  # a bug must not stop the other jobs
        log.exception("%s: polling the site failed", paper.name)
        return
    await tell_admins_about_site(context, svc, paper, report)
    await deliver_due(context.application, now)


async def tell_admins_about_site(
    context: ContextTypes.DEFAULT_TYPE, svc: Services, paper: PaperConfig, report: IngestReport
) -> None:
    """A changed layout (once per distinct error) and editions stored with articles missing."""
    told = await asyncio.to_thread(svc.store.state.get, paper.name, TEMPLATE_ERROR_KEY)
    if report.template_error is not None and report.template_error != told:
        await asyncio.to_thread(
            svc.store.state.put, paper.name, TEMPLATE_ERROR_KEY, report.template_error
        )
        reason = truncate_text(report.template_error, 300)
        await notify_admins(context, svc, "admin_template_error", paper=paper.name, reason=reason)
    elif report.template_error is None and told is not None:
        await asyncio.to_thread(svc.store.state.drop, paper.name, TEMPLATE_ERROR_KEY)
    for missing in report.missing:
        if missing.tell:
            lines = [f"• {escape(url)}" for url in missing.urls[:20]]
            if len(missing.urls) > 20:
                lines.append(f"… +{len(missing.urls) - 20}")
            await notify_admins(
                context,
                svc,
                "admin_articles_missing",
                paper=paper.name,
                date=missing.date.isoformat(),
                count=len(missing.urls),
                items=Markup("\n".join(lines)),
            )


def _failure_lines(report: IngestReport, limit: int = 20) -> Markup:
    """One escaped line per failed file (the first ``limit``), for the admins' message."""
    lines = [
        f"• <code>{escape(f.file)}</code>: {escape(truncate_text(f.reason, 200))}"
        for f in report.failures[:limit]
    ]
    if len(report.failures) > limit:
        lines.append(f"… +{len(report.failures) - limit}")
    return Markup("\n".join(lines))


async def digest_at_time(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The daily push at one digest time: everyone whose digest is due now gets it."""
    await deliver_due(context.application, services(context).now())


def is_due(
    edition: EditionRecord, subscriber: SubscriberRecord, now: dt.datetime, default: dt.time
) -> bool:
    """A chat is due an edition from its digest time on the edition's own date.

    Comparing dates, not only times of day: an edition dated tomorrow that lands tonight
    waits for tomorrow's digest time, and one caught up after midnight is still due.
    """
    when = subscriber.digest_time or default
    return now >= dt.datetime.combine(edition.date, when, tzinfo=now.tzinfo)


async def deliver_due(application: Application, now: dt.datetime) -> list[DeliveryReport]:
    """Deliver each paper's newest fresh edition to the subscribers it is due and who lack it.

    A reader who chose one combined message gets the editions due to them together, in one
    digest; an edition that comes out after it went out reaches them on its own, once.
    """
    svc = services(application)
    default = svc.config.schedule.digest_time
    reports = []
    editions = await asyncio.to_thread(_fresh_editions, svc, now.date())
    combined: dict[int, list[int]] = {}
    for edition in editions:
        pending = await asyncio.to_thread(svc.store.deliveries.pending_chats, edition.id)
        due = [s for s in pending if is_due(edition, s, now, default)]
        chats = [s.chat_id for s in due if s.digest_mode is not DigestMode.COMBINED]
        for reader in due:
            if reader.digest_mode is DigestMode.COMBINED:
                combined.setdefault(reader.chat_id, []).append(edition.id)
        if chats:
            reports.append(await send_edition(application, svc, edition, chats))
    if combined:
        reports.append(await send_combined(application, svc, editions, combined))
    return reports


async def send_edition(
    application: Application,
    svc: Services,
    edition: EditionRecord,
    chats: list[int] | None = None,
) -> DeliveryReport:
    """Push ``edition`` to ``chats`` (default: every active subscriber that lacks it)."""
    return await deliver_edition(
        application.bot,
        svc.store,
        edition,
        pacer=svc.pacer,
        only_chats=chats,
        policy=svc.policy,
        owner=svc.owner,
        paper_order=[paper.name for paper in svc.config.papers],
    )


async def send_combined(
    application: Application,
    svc: Services,
    editions: list[EditionRecord],
    due: dict[int, list[int]] | None = None,
) -> DeliveryReport:
    """Push one combined digest of ``editions`` to each chat in ``due`` (chat → the ids of the
    editions due to it; default: every combined-mode reader owed any of them)."""
    return await deliver_combined(
        application.bot,
        svc.store,
        editions,
        due,
        pacer=svc.pacer,
        policy=svc.policy,
        owner=svc.owner,
        paper_order=[paper.name for paper in svc.config.papers],
    )


def _fresh_editions(svc: Services, today: dt.date) -> list[EditionRecord]:
    editions = []
    for paper in svc.config.papers:
        edition = svc.store.editions.latest(paper.name)
        if edition is None or edition.backfilled:
            continue
        max_age = svc.config.schedule.max_edition_age_days
        if max_age and edition.date < today - dt.timedelta(days=max_age):
            log.debug("%s: newest edition %s is stale; no digest", paper.name, edition.date)
            continue
        editions.append(edition)
    return editions


async def notify_admins(
    context: ContextTypes.DEFAULT_TYPE, svc: Services, key: str, **kwargs: object
) -> None:
    """Tell every configured admin, paced like any send (best effort: failures are logged)."""
    for admin in svc.config.telegram.admins:
        record = await asyncio.to_thread(svc.store.subscribers.get, admin)
        text = t(record.language if record else "zh", key, **kwargs)
        try:
            async with svc.pacer.slot(admin):
                await context.bot.send_message(admin, text)
        except TelegramError as exc:
            log.warning("could not notify admin %s: %s", admin, exc)
