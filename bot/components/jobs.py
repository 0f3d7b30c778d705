"""The scheduler's jobs: poll the inboxes, push digests at each subscriber's time.

Jobs have explicit ids and ``replace_existing`` so a restart never stacks duplicates. The
never-twice guarantee does not rest on the scheduler but on the store: each (edition, chat)
delivery is claimed in the database before it is sent.

* ``poll-inboxes`` (every ``poll_interval_seconds``): ingest new editions, report broken
  files to the admins, then deliver whatever is due and not yet delivered. That last step is
  also the catch-up after downtime or a late edition: a missed digest goes out late, once.
  Broadcasts left unfinished by a crash are resumed here too.
* Every poll of a paper, scheduled or asked for with /ingest, is recorded (when, how it went)
  in the database for /status and ``baozhai status``; one lock per paper keeps two polls of
  one source apart.
* ``poll-site-N`` (one per e-paper paper, every its ``poll_minutes``, acting only inside its
  ``poll_window``): read the site's newest edition, tell the admins once what is missing or
  that the layout changed, then deliver what is due.
* ``digest-at-HH:MM`` (daily, one per distinct digest time in use; ``digest-at-HH:MM@Zone``
  for readers in a timezone of their own): deliver the newest edition to every chat it is due
  (:func:`is_due`: the chat's time, in the chat's zone, on the edition's date has come), or,
  to a reader who chose one combined message, all their papers' due editions together. The
  job only makes a digest punctual; the polls' catch-up is what makes it certain, in every
  zone and across daylight-saving changes.

After each poll, topic alerts: the fresh editions' alerts are decided once
(:func:`bot.ingest.alerts.decide_alerts`, stored) and every decided alert whose reader is
not in their quiet hours is sent (:func:`bot.delivery.alerts.send_alerts`); the others wait
for a later poll.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, JobQueue

from bot.components.chat_language import known_language
from bot.config import PaperConfig, SourceKind
from bot.delivery import DeliveryReport, deliver_broadcast, deliver_combined, deliver_edition
from bot.delivery.alerts import AlertReport, send_alerts
from bot.delivery.lease import expire_dead_senders
from bot.delivery.pacer import FloodPaused
from bot.delivery.readertime import (
    digest_moment,
    in_quiet_hours,
    next_digest,
    quiet_window,
    reader_zone,
    zone_named,
)
from bot.errors import FetchError, InboxError, NoEditionError, SourceError
from bot.ingest import IngestReport, ingest_inbox
from bot.ingest.alerts import decide_alerts
from bot.ingest.epaper import read_site
from bot.render import escape, sendable, truncate_text
from bot.render.i18n import Markup, t
from bot.services import Services, services
from bot.storage.records import (
    BroadcastRecord,
    DigestMode,
    EditionRecord,
    PollOutcome,
    SubscriberRecord,
)

log = logging.getLogger(__name__)

POLL_JOB = "poll-inboxes"
SITE_JOB = "poll-site-{}"  # + the paper's index in [[papers]]
TEMPLATE_ERROR_KEY = "template-error"  # source state: the layout error the admins were told
POLL_ERROR_KEY = "poll-error"  # source state: the inbox failure the admins were told
DIGEST_JOB = "digest-at-{:%H:%M}"
DIGEST_JOB_PREFIX = DIGEST_JOB.split("{", 1)[0]
_SYNC_LOCK = "digest-job-sync"  # bot_data key of resync_digest_jobs' lock
_DECIDED = "baozhai.alerts-decided"  # bot_data: edition id → content hash already decided


def digest_job_id(when: dt.time, zone: ZoneInfo | None = None) -> str:
    """``digest-at-07:30``; ``digest-at-07:30@Europe/Berlin`` for a zone of a reader's own."""
    job_id = DIGEST_JOB.format(when)
    return job_id if zone is None else f"{job_id}@{zone.key}"


def leading(svc: Services, job: str) -> bool:
    """False (with one line) when this process runs under a leader lease that is no longer
    valid: a job that fires late, after the process was paused past its lease, must not act
    for a leader that is gone. True without a lease (tests, ``baozhai digest send``)."""
    if svc.lease is None or svc.lease.valid:
        return True
    log.warning("%s skipped: the leader lease is not valid", job)
    return False


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
    # first=0 alone is not "at once": the jobs are added before the scheduler starts, and
    # APScheduler then puts an interval job's first run a whole interval after its start
    # (the first poll after a restart came 5 minutes late, a site's after poll_minutes). An
    # explicit next_run_time is kept, and a moment past it runs at once.
    at_once = dt.datetime.now(dt.UTC)
    queue.run_repeating(
        poll_inboxes,
        interval=interval,
        first=0,
        name=POLL_JOB,
        job_kwargs={
            "next_run_time": at_once,
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
                    "next_run_time": at_once,
                    "id": SITE_JOB.format(index),
                    "replace_existing": True,
                    "max_instances": 1,
                    "coalesce": True,
                    "misfire_grace_time": every,
                },
            )
    sync_digest_jobs(application, digest_moments(svc))


def digest_moments(svc: Services) -> set[tuple[dt.time, str]]:
    """Every (time, zone key) a digest job must run at: the default one and each active
    reader's. (Reads the database: call it off the event loop once the bot runs.)"""
    default = svc.config.schedule.digest_time
    moments = {(default, svc.tz.key)}
    for when, zone in svc.store.subscribers.digest_moments():
        moments.add((when or default, zone_named(zone, svc.tz).key))
    return moments


def sync_digest_jobs(application: Application, moments: set[tuple[dt.time, str]]) -> None:
    """One daily job per moment: missing ones added, those no active chat uses any more
    removed, so a reader trying one time after another leaves no job behind for each (each
    would run a delivery check every day, for nobody)."""
    svc = services(application)
    wanted = {
        digest_job_id(when, None if key == svc.tz.key else ZoneInfo(key)) for when, key in moments
    }
    for job in job_queue(application).scheduler.get_jobs():
        if job.id.startswith(DIGEST_JOB_PREFIX) and job.id not in wanted:
            job.remove()
            log.info("digest job %s removed: no reader uses it any more", job.id)
    for when, key in sorted(moments):
        ensure_digest_job(application, when, ZoneInfo(key))


async def resync_digest_jobs(application: Application) -> None:
    """:func:`sync_digest_jobs` after a reader subscribed or changed their time or zone. One
    at a time, each reading the moments afresh: with updates handled concurrently, a sync
    working from a read older than another reader's change would remove that reader's job."""
    lock = application.bot_data.setdefault(_SYNC_LOCK, asyncio.Lock())
    async with lock:
        moments = await asyncio.to_thread(digest_moments, services(application))
        sync_digest_jobs(application, moments)


def ensure_digest_job(
    application: Application, when: dt.time, zone: ZoneInfo | None = None
) -> None:
    """Make sure a daily job runs at ``when``, wall-clock in ``zone`` (default: the configured
    one); idempotent. APScheduler's cron trigger keeps it at that wall-clock time across
    daylight-saving changes."""
    svc = services(application)
    zone = zone or svc.tz
    job_id = digest_job_id(when, None if zone.key == svc.tz.key else zone)
    queue = job_queue(application)
    if queue.scheduler.get_job(job_id) is not None:
        return
    queue.run_daily(
        digest_at_time,
        time=when.replace(tzinfo=zone),
        data=when,
        name=job_id,
        job_kwargs={
            "id": job_id,
            "replace_existing": True,
            "misfire_grace_time": svc.config.schedule.misfire_grace_seconds,
            "coalesce": True,
        },
    )
    log.info("digest job scheduled at %s %s", f"{when:%H:%M}", zone.key)


async def poll_inboxes(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ingest every paper's inbox, tell admins about broken files, deliver what is due, and
    resume any broadcast a crash interrupted.

    This is a supervisor loop: one paper whose inbox cannot be scanned (unmounted share, a
    database hiccup) is logged and reported, and the other papers and the catch-up delivery
    still run.
    """
    svc = services(context)
    if not leading(svc, POLL_JOB):
        return
    try:
        for paper in svc.config.inbox_papers:
            await poll_inbox_paper(context, svc, paper)
    finally:
        await after_poll(context.application, svc.now())


async def poll_inbox_paper(
    context: ContextTypes.DEFAULT_TYPE, svc: Services, paper: PaperConfig
) -> tuple[PollOutcome, str]:
    """Scan one paper's inbox once, record how it went (for /status), tell the admins about
    files set aside. Never raises: a failure is the outcome."""
    async with svc.poll_lock(paper.name):
        try:
            report: IngestReport = await asyncio.to_thread(
                ingest_inbox,
                svc.store,
                paper,
                sentences=svc.config.summary.sentences,
                now=svc.now(),
                grace=dt.timedelta(seconds=svc.config.schedule.settle_seconds),
                limits=svc.config.limits.text,
            )
        except Exception as exc:  # one paper must not stop the others (see poll_inboxes)
            if isinstance(exc, InboxError):  # the operator's to fix: one line per poll
                log.warning("%s: %s", paper.name, exc)
            else:
                log.exception("%s: scanning %s failed", paper.name, paper.inbox_dir)
            reason = str(exc)[:300]
            await _record_poll(svc, paper, PollOutcome.FAILED, reason)
            await _tell_admins_about_poll(context, svc, paper, reason)
            return PollOutcome.FAILED, reason
        outcome, detail = report.outcome()
        if not report.busy:  # else the process ingesting it records how its poll went
            await _record_poll(svc, paper, outcome, detail)
            await _tell_admins_about_poll(context, svc, paper, None)
    if report.failures:
        await notify_admins(
            context,
            svc,
            "admin_ingest_failed",
            paper=paper.name,
            count=len(report.failures),
            items=_failure_lines(report),
        )
    return outcome, detail


async def poll_site(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Read one e-paper paper's site (``context.job.data``: its index), then deliver what is
    due (a site that failed does not hold up what is stored already). Outside the paper's
    poll window it does nothing; a failure is logged and retried at the next poll, and never
    stops the scheduler."""
    svc = services(context)
    job = context.job
    index = job.data if job is not None else None
    if not isinstance(index, int) or not leading(svc, SITE_JOB.format(index)):
        return
    paper = svc.config.papers[index]
    now = svc.now()
    if not paper.polls_at(now.time()):
        return
    await poll_site_paper(context, svc, paper, now)
    await after_poll(context.application, now)


async def after_poll(application: Application, now: dt.datetime) -> None:
    """What every poll ends with: decide new editions' alerts, send the digests that are due,
    resume unfinished broadcasts, then the alerts outside quiet hours. A failure in one step
    is logged and the next still runs (a later poll retries: every step is repeatable).
    Housekeeping first: sender leases dead for a day are deleted."""
    try:
        await expire_dead_senders(services(application).store)
    except Exception:
        log.warning("deleting dead sender leases failed; the next poll tries again", exc_info=True)
    try:
        await decide_due_alerts(application, now)
    except Exception:
        log.exception("deciding topic alerts failed; the next poll tries again")
    try:
        await deliver_due(application, now)
        await resume_broadcasts(application)
    finally:
        try:
            await send_due_alerts(application, now)
        except Exception:
            log.exception("sending topic alerts failed; the next poll tries again")


async def decide_due_alerts(application: Application, now: dt.datetime) -> int:
    """Decide the alerts of each fresh edition not decided yet in this process (or changed
    since: late pages); deciding again after a restart adds nothing already decided."""
    svc = services(application)
    decided: dict[int, str] = application.bot_data.setdefault(_DECIDED, {})
    added = 0
    for edition in await asyncio.to_thread(_fresh_editions, svc, now.date()):
        if decided.get(edition.id) == edition.content_hash:
            continue
        added += await asyncio.to_thread(decide_alerts, svc.store, edition)
        decided[edition.id] = edition.content_hash
    return added


async def send_due_alerts(application: Application, now: dt.datetime) -> AlertReport:
    """Send the decided alerts whose readers are outside their quiet hours at ``now``."""
    svc = services(application)
    return await send_alerts(
        application.bot,
        svc.store,
        now=now,
        zone=svc.tz,
        quiet_hours=svc.config.schedule.quiet_hours,
        pacer=svc.pacer,
        policy=svc.policy,
        owner=svc.owner,
    )


async def poll_site_paper(
    context: ContextTypes.DEFAULT_TYPE, svc: Services, paper: PaperConfig, now: dt.datetime
) -> tuple[PollOutcome, str]:
    """Read one e-paper site once, record how it went, tell the admins what they should
    know. Never raises: a failure is the outcome (and the next poll tries again)."""
    async with svc.poll_lock(paper.name):
        try:
            report = await read_site(svc.store, svc.config, paper, now=now)
        except SourceError as exc:  # a FetchError (read_site reports the others): one line
            if isinstance(exc, NoEditionError):  # the site's "not found" page, a 404 …
                said = "no edition there yet: "
            else:
                said = "site not reachable: " if isinstance(exc, FetchError) else ""
            log.warning("%s: %s%s; next poll tries again", paper.name, said, exc)
            await _record_poll(svc, paper, PollOutcome.FAILED, str(exc))
            return PollOutcome.FAILED, str(exc)
        except Exception as exc:  # a bug must not stop the other jobs
            log.exception("%s: polling the site failed", paper.name)
            reason = f"{type(exc).__name__}: {exc}"[:300]
            await _record_poll(svc, paper, PollOutcome.FAILED, reason)
            return PollOutcome.FAILED, reason
        outcome, detail = report.outcome()
        await _record_poll(svc, paper, outcome, detail)
    await tell_admins_about_site(context, svc, paper, report)
    return outcome, detail


async def _tell_admins_about_poll(
    context: ContextTypes.DEFAULT_TYPE, svc: Services, paper: PaperConfig, failure: str | None
) -> None:
    """A failing inbox is told once per distinct failure, and its recovery once: a folder
    the operator has not fixed yet fails every poll, and must not page the admins every
    five minutes through the night. Best effort: a database that cannot say is only logged."""
    try:
        told = await asyncio.to_thread(svc.store.state.get, paper.name, POLL_ERROR_KEY)
        if failure is not None and failure != told:
            await asyncio.to_thread(svc.store.state.put, paper.name, POLL_ERROR_KEY, failure)
            await notify_admins(context, svc, "admin_poll_failed", paper=paper.name, reason=failure)
        elif failure is None and told is not None:
            await asyncio.to_thread(svc.store.state.drop, paper.name, POLL_ERROR_KEY)
            await notify_admins(context, svc, "admin_poll_recovered", paper=paper.name)
    except Exception:
        log.exception("%s: could not tell the admins how the poll went", paper.name)


async def _record_poll(
    svc: Services, paper: PaperConfig, outcome: PollOutcome, detail: str
) -> None:
    """Remember the poll for /status; a database that cannot take it is only logged."""
    try:
        await asyncio.to_thread(svc.store.state.record_poll, paper.name, outcome, detail)
    except Exception:
        log.exception("%s: could not record the poll", paper.name)


async def tell_admins_about_site(
    context: ContextTypes.DEFAULT_TYPE, svc: Services, paper: PaperConfig, report: IngestReport
) -> None:
    """A changed layout (once per distinct error, and once when the site reads again: the
    admins must not be left wondering whether it still fails), editions stored with
    articles missing and editions of which no article came (once each)."""
    told = await asyncio.to_thread(svc.store.state.get, paper.name, TEMPLATE_ERROR_KEY)
    if report.template_error is not None and report.template_error != told:
        await asyncio.to_thread(
            svc.store.state.put, paper.name, TEMPLATE_ERROR_KEY, report.template_error
        )
        reason = truncate_text(report.template_error, 300)
        await notify_admins(context, svc, "admin_template_error", paper=paper.name, reason=reason)
    elif report.template_error is None and told is not None:
        await asyncio.to_thread(svc.store.state.drop, paper.name, TEMPLATE_ERROR_KEY)
        await notify_admins(context, svc, "admin_site_recovered", paper=paper.name)
    for missing in report.missing:
        if missing.tell:
            lines = [f"• {escape(url)}" for url in missing.urls[:20]]
            if len(missing.urls) > 20:
                lines.append(f"… +{len(missing.urls) - 20}")
            await notify_admins(
                context,
                svc,
                "admin_articles_missing" if missing.stored else "admin_edition_unfetched",
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
    svc = services(context)
    if not leading(svc, (context.job.name if context.job else None) or "digest job"):
        return
    await deliver_due(context.application, svc.now())


def is_due(
    edition: EditionRecord, subscriber: SubscriberRecord, now: dt.datetime, default: dt.time
) -> bool:
    """A chat is due an edition from its digest time on the edition's own date, wall-clock
    in the chat's zone (``now``'s zone when it has none of its own).

    Comparing instants, not only times of day: an edition dated tomorrow that lands tonight
    waits for tomorrow's digest time, and one caught up after midnight is still due. The
    moment is computed in the reader's zone (:func:`digest_moment`), so it is right on
    daylight-saving days: a time in the spring-forward gap falls just after it, one repeated
    in autumn counts at its first occurrence.
    """
    when = subscriber.digest_time or default
    zone = reader_zone(subscriber, now.tzinfo or dt.UTC)
    return now >= digest_moment(edition.date, when, zone)


CATCH_UP_AFTER = dt.timedelta(minutes=30)
"""A digest going out later than this after its moment is a catch-up (its paper came late, or
the bot was down at the reader's time): see :func:`held_in_quiet_hours`."""


def held_in_quiet_hours(
    edition: EditionRecord,
    subscriber: SubscriberRecord,
    now: dt.datetime,
    default: dt.time,
    quiet: tuple[dt.time, dt.time],
) -> bool:
    """Whether a due digest waits for the end of the reader's quiet hours: a catch-up
    (:data:`CATCH_UP_AFTER`) that would land inside them, e.g. a paper arriving at 03:00. A
    digest at its own time goes out even inside them: the reader chose that time; and so does
    a catch-up while the quiet hours the reader's time is inside of last (05:00 chosen, quiet
    until 07:00, the paper in at 06:00): they chose to be messaged then. Not in the next
    night's, though (that paper in at 23:30 waits for 07:00)."""
    zone = reader_zone(subscriber, now.tzinfo or dt.UTC)
    moment = digest_moment(edition.date, subscriber.digest_time or default, zone)
    window = quiet_window(subscriber, quiet)
    if now - moment <= CATCH_UP_AFTER or not in_quiet_hours(now, window, zone):
        return False
    chosen = in_quiet_hours(moment, window, zone) and now < next_digest(moment, window[1], zone)
    return not chosen


def owed_now(svc: Services, subscriber: SubscriberRecord, now: dt.datetime) -> dt.datetime | None:
    """When the polls will send this chat an edition it is owed already: ``now`` (the next
    poll), or the end of its quiet hours for a catch-up they hold; None when :func:`deliver_due`
    would send it nothing now. It asks what :func:`deliver_due` asks (:func:`_owed_editions`,
    :func:`_owed_chats`, :func:`_due_now`), for this chat alone: an older edition owed to a
    reader west of the paper counts too. (This says when; it decides nothing.)"""
    default = svc.config.schedule.digest_time
    quiet = svc.config.schedule.quiet_hours
    held: list[bool] = []  # per edition due to the chat: whether quiet hours hold it
    for editions in _owed_editions(svc, now.date()):
        if editions[0].paper not in subscriber.papers:
            continue
        seen = [_owed_chats(svc, editions, e, subscriber.chat_id) for e in editions]
        held += [bool(waits) for _, due, waits in _due_now(seen, now, default, quiet) if due]
    if not held:
        return None
    if all(held):
        _, end = quiet_window(subscriber, quiet)
        return next_digest(now, end, reader_zone(subscriber, now.tzinfo or dt.UTC))
    return now


def _due_now(
    seen: Iterable[tuple[EditionRecord, list[SubscriberRecord]]],
    now: dt.datetime,
    default: dt.time,
    quiet: tuple[dt.time, dt.time],
) -> Iterator[tuple[EditionRecord, list[SubscriberRecord], set[int]]]:
    """Of one paper's editions, newest first, each with the chats that may be owed it
    (:func:`_owed_chats`): the edition, the chats it is due to now (:func:`is_due`) and of
    those the ones whose quiet hours hold it (:func:`held_in_quiet_hours`). A chat a newer
    edition is due to (held or not) is not due an older one: never an older after a newer."""
    reached: set[int] = set()  # chats a newer edition of this paper goes to now
    for edition, pending in seen:
        due = [s for s in pending if s.chat_id not in reached and is_due(edition, s, now, default)]
        # Held chats are reached too: no older edition goes to them meanwhile.
        reached |= {s.chat_id for s in due}
        held = {s.chat_id for s in due if held_in_quiet_hours(edition, s, now, default, quiet)}
        yield edition, due, held


def awaiting_todays_paper(svc: Services, subscriber: SubscriberRecord, now: dt.datetime) -> bool:
    """Whether the reader's digest time has passed today (in their zone) while a paper of
    theirs has no edition of that day in yet: that day's digest is still to come, due at once
    when the edition lands (:func:`is_due`), not at tomorrow's time. (Whether it comes at all
    is the paper's to say: this looks only at what is stored.)"""
    zone = reader_zone(subscriber, now.tzinfo or dt.UTC)
    today = now.astimezone(zone).date()
    when = subscriber.digest_time or svc.config.schedule.digest_time
    if digest_moment(today, when, zone) > now:
        return False  # today's time is still to come: it says when
    for paper in svc.config.papers:
        if paper.name in subscriber.papers:
            newest = svc.store.editions.latest(paper.name)
            if newest is None or newest.date < today:
                return True
    return False


async def deliver_due(application: Application, now: dt.datetime) -> list[DeliveryReport]:
    """Deliver to each subscriber who lacks it the newest fresh edition of each paper that is
    due to them: usually the paper's newest, but an older one (:data:`LOOKBACK_DAYS`) to a
    reader whose digest time, in their zone, comes after the next edition lands (west of the
    paper, or late in the evening), and never an edition older than one they have.

    A reader who chose one combined message gets the editions due to them together, in one
    digest; an edition that comes out after it went out reaches them on its own, once. A
    catch-up inside the reader's quiet hours waits for their end (:func:`held_in_quiet_hours`).
    """
    svc = services(application)
    default = svc.config.schedule.digest_time
    quiet = svc.config.schedule.quiet_hours
    reports = []
    owed = await asyncio.to_thread(_owed_editions, svc, now.date())
    combined: dict[int, list[int]] = {}
    for editions in owed:
        # Read oldest first: a reader who subscribes meanwhile is seen only by newer editions.
        seen = [await asyncio.to_thread(_owed_chats, svc, editions, e) for e in editions[::-1]]
        for edition, due, held in _due_now(reversed(seen), now, default, quiet):
            if held:
                log.info(
                    "%s %s: %d chat(s) wait for the end of their quiet hours (a late digest)",
                    edition.paper,
                    edition.date,
                    len(held),
                )
                due = [s for s in due if s.chat_id not in held]
            chats = [s.chat_id for s in due if s.digest_mode is not DigestMode.COMBINED]
            for reader in due:
                if reader.digest_mode is DigestMode.COMBINED:
                    combined.setdefault(reader.chat_id, []).append(edition.id)
            if chats:
                reports.append(await send_edition(application, svc, edition, chats))
    if combined:
        wanted = {edition_id for ids in combined.values() for edition_id in ids}
        editions = [e for of_paper in owed for e in of_paper if e.id in wanted]
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


async def send_broadcast(
    application: Application, svc: Services, broadcast: BroadcastRecord
) -> DeliveryReport:
    """Send a confirmed broadcast to every active subscriber that lacks it (its own ledger)."""
    svc.broadcasts_sending.add(broadcast.id)
    try:
        return await deliver_broadcast(
            application.bot,
            svc.store,
            broadcast,
            pacer=svc.pacer,
            policy=svc.policy,
            owner=svc.owner,
        )
    finally:
        svc.broadcasts_sending.discard(broadcast.id)


async def resume_broadcasts(application: Application) -> list[DeliveryReport]:
    """Finish confirmed broadcasts a crash (or a lost lease) left unfinished; the ledger makes
    sure no chat gets one twice. Broadcasts this process is sending now are left alone."""
    svc = services(application)
    reports = []
    for broadcast in await asyncio.to_thread(svc.store.broadcasts.unfinished):
        if broadcast.id not in svc.broadcasts_sending:
            log.info("broadcast %d: resuming", broadcast.id)
            reports.append(await send_broadcast(application, svc, broadcast))
    return reports


LOOKBACK_DAYS = 2
"""How many days before a paper's newest edition a reader may still be owed one: a digest time
comes at most about two days after its edition's date begins in any zone (UTC−12 to +14)."""


def _owed_editions(svc: Services, today: dt.date) -> list[list[EditionRecord]]:
    """Per paper, its editions a reader may be owed, newest first: the newest and those of the
    :data:`LOOKBACK_DAYS` before it, none backfilled or older than ``max_edition_age_days``."""
    max_age = svc.config.schedule.max_edition_age_days
    owed = []
    for paper in svc.config.papers:
        newest = svc.store.editions.latest(paper.name)
        if newest is None:
            continue
        since = newest.date - dt.timedelta(days=LOOKBACK_DAYS)
        if max_age:
            since = max(since, today - dt.timedelta(days=max_age))
        editions = [e for e in svc.store.editions.recent(paper.name, since) if not e.backfilled]
        if editions:
            owed.append(editions)
        else:
            log.debug("%s: no fresh edition (newest %s); no digest", paper.name, newest.date)
    return owed


def _owed_chats(
    svc: Services, editions: list[EditionRecord], edition: EditionRecord, chat: int | None = None
) -> tuple[EditionRecord, list[SubscriberRecord]]:
    """``edition`` (one of its paper's ``editions``, newest first) and the chats that may be
    owed it (only ``chat``, when given): all that lack the newest; of an older one, those
    :meth:`~bot.storage.deliveries.Deliveries.owed_older` allows."""
    deliveries = svc.store.deliveries
    if edition is editions[0]:
        return edition, deliveries.pending_chats(edition.id, chat)
    newer = [e.id for e in editions[: editions.index(edition)]]
    return edition, deliveries.owed_older(edition.id, newer, chat)


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
    """Tell every configured admin, paced like any send (best effort: failures are logged),
    in their language: a subscriber's stored one, else their client's when they last wrote
    (an operator need not subscribe), else Chinese."""
    for admin in svc.config.telegram.admins:
        record = await asyncio.to_thread(svc.store.subscribers.get, admin)
        lang = record.language if record else known_language(context.application, admin)
        text = sendable(t(lang or "zh", key, **kwargs))
        try:
            # Not through a long flood pause: the poll job waits for this.
            async with svc.pacer.slot(admin, within=ADMIN_NOTICE_WAIT):
                await context.bot.send_message(admin, text)
        except (TelegramError, FloodPaused) as exc:
            log.warning("could not notify admin %s: %s", admin, exc)


ADMIN_NOTICE_WAIT = 60.0
"""Seconds an admin notice may wait out a flood pause; then it is given up (logged)."""
