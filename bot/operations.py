"""Operations: what the ``baozhai`` subcommands do, each a function returning an exit code.

``run`` (the long-running service, or the demo without a token), ``digest send``, ``ingest``,
``status``.
They build the Application through :mod:`bot.app` and print one line per outcome; a failure
the user can fix (wrong token, unreachable server) is one line on stderr, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterator

from telegram import Bot, Update
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.app import (
    BOOTSTRAP_RETRIES,
    build_application,
    make_services,
    start_up_failure_said_once,
)
from bot.components.jobs import send_combined, send_edition
from bot.config import Config, PaperConfig, SourceKind
from bot.delivery import DeliveryReport, LeaseKeeper, LeaseLost, new_holder_id, retry_seconds
from bot.errors import NoEditionError, SourceError
from bot.ingest import IngestReport, ingest_inbox, read_site
from bot.ingest.epaper import MISSING_PREFIX
from bot.ingest.report import STUCK
from bot.leader import LEADER, wait_for_leadership
from bot.logs import redactor
from bot.render.i18n import plural
from bot.services import Services
from bot.storage.records import DELIVERED, EditionRecord, PollOutcome
from bot.storage.store import Store
from bot.transport import AiohttpRequest

log = logging.getLogger(__name__)


def open_store(config: Config) -> Store:
    """Open the archive (the store migrates it to the newest schema first).

    A transaction left idle for a lease (by a process frozen inside it) is ended by
    PostgreSQL: by then that process's lease has run out, and its locks must not outlive it.
    """
    return Store(config.storage.url, stuck_transaction_seconds=config.service.lease_seconds)


EXIT_STOPPED = 3  # the service had to stop (lease lost, 409 without the lease): restart me


def journal_service() -> bool:
    """Whether stderr is systemd's journal (``$JOURNAL_STREAM`` names its device and inode):
    a service, where ``run`` never falls back to the demo. A unit whose token is missing
    would play it to the journal and exit 0, and ``Restart=on-failure`` would not bring the
    service back. (A terminal, a pipe or CI never matches, so ``make run`` stays the demo.)"""
    stream = os.environ.get("JOURNAL_STREAM", "")
    try:
        stat = os.fstat(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # no stderr, or not a real file
        return False
    return bool(stream) and stream == f"{stat.st_dev}:{stat.st_ino}"


def run(config: Config, *, webhook: bool = False) -> int:
    """``baozhai run``: the long-running service (the demo when no token is configured).

    Waits as a hot standby until it holds the leader lease (:mod:`bot.leader`), then polls
    Telegram (or, with ``webhook``, serves the webhook) and runs the scheduler. Exits 0 on a
    stop signal, :data:`EXIT_STOPPED` when it had to stop.
    """
    if not config.telegram.token:
        if webhook or journal_service():
            where = "--webhook" if webhook else "a systemd service"
            print(
                f"baozhai: no Telegram token configured (TELEGRAM_BOT_TOKEN): {where} needs "
                "one (without it, run plays the local demo, which is for a terminal)",
                file=sys.stderr,
            )
            return 2
        log.warning("no Telegram token configured (TELEGRAM_BOT_TOKEN): starting the local demo")
        from bot.demo import run_demo

        return run_demo(config)
    if webhook and not config.telegram.webhook_url:
        print("baozhai: --webhook needs [telegram] webhook_url", file=sys.stderr)
        return 2
    if not webhook and config.telegram.webhook_url:
        log.warning(
            "[telegram] webhook_url is set but run without --webhook: long polling, and "
            "Telegram's webhook is removed (start with --webhook to serve it)"
        )
    problem = asyncio.run(preflight(config))
    if problem:
        print(f"baozhai: {problem}", file=sys.stderr)
        return 1
    store = open_store(config)
    try:
        keeper = LeaseKeeper(store, LEADER, new_holder_id(), config.service.lease_seconds)
        with _terminate_quietly():
            wait_for_leadership(keeper)
        svc = make_services(config, store)
        svc.lease = keeper
        application = build_application(config, svc, webhook=webhook)

        def lost() -> None:
            svc.stop_reason = "lost the leader lease"
            application.stop_running()

        keeper.on_lost = lost
        log.info("starting Baozhai for %s", ", ".join(p.name for p in config.papers))
        if webhook:
            from bot.webhook import CannotListen, WebhookNotServed, run_webhook

            try:
                run_webhook(application, config.telegram, lambda: not keeper.lost)
            except CannotListen as exc:  # the configuration's to fix: no restart helps
                print(f"baozhai: {exc}", file=sys.stderr)
                return 2
            except WebhookNotServed as exc:  # the lease was released on the way out
                svc.stop_reason = str(exc)
        else:
            try:
                with start_up_failure_said_once():
                    application.run_polling(
                        allowed_updates=Update.ALL_TYPES,
                        drop_pending_updates=False,
                        bootstrap_retries=BOOTSTRAP_RETRIES,
                    )
            except TelegramError as exc:  # deleteWebhook failed on every try (429s, 5xx)
                said = redactor().redact(exc.message)
                svc.stop_reason = f"deleteWebhook failed {BOOTSTRAP_RETRIES + 1} times: {said}"
    finally:
        store.close()
    if svc.stop_reason:
        print(f"baozhai: stopped: {svc.stop_reason}", file=sys.stderr)
        return EXIT_STOPPED
    return 0


@contextlib.contextmanager
def _terminate_quietly() -> Iterator[None]:
    """SIGTERM while waiting as a standby: exit 0 like a leader would, without a traceback."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


async def preflight(config: Config) -> str | None:
    """Ask the Bot API who we are; a sentence for the user if that fails, else None.

    Done before anything starts, so a wrong token or an unreachable server ends start-up with
    one clear line (PTB's own start-up retry loop would log a traceback first).
    """
    bot = Bot(
        config.telegram.token,
        base_url=config.telegram.api_base_url,
        request=AiohttpRequest(connection_pool_size=1),
        # Never polled, but without its own request PTB would build an httpx client for it.
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )
    where = _where(config)
    try:
        with _quiet_ptb_request_log():
            async with bot:
                await bot.get_me()
    except InvalidToken:  # PTB's reading of a 401, and of a 404 too
        return (
            f"the Bot API at {where} rejected the bot token, or is no Bot API (check "
            "TELEGRAM_BOT_TOKEN or [telegram] token, and [telegram] api_base_url)"
        )
    except RetryAfter as exc:
        return f"the Bot API at {where} asks to wait {retry_seconds(exc):g} s (flood control)"
    except Forbidden as exc:
        return f"the Bot API at {where} answered 403 Forbidden: {_safe(exc)}"
    except NetworkError as exc:
        return f"cannot reach the Bot API at {where}: {_safe(exc)}"
    except TelegramError as exc:
        return f"the Bot API at {where} refused getMe: {_safe(exc)}"
    return None


@contextlib.contextmanager
def _quiet_ptb_request_log() -> Iterator[None]:
    """PTB logs an answer that is not JSON (a proxy's HTML 404) as an ERROR with a traceback
    before it raises; the preflight says it in its one line instead."""
    logger = logging.getLogger("telegram.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _where(config: Config) -> str:
    """The Bot API server's address: scheme, host and port only (the token goes after the
    path; a user and password before the host are left out)."""
    from urllib.parse import urlsplit

    parts = urlsplit(config.telegram.api_base_url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{host}{port}"


def _safe(exc: Exception) -> str:
    """An exception's text with anything token-shaped masked, for a one-line error."""
    return redactor().redact(str(exc)) or type(exc).__name__


def send_digest_now(config: Config, date: dt.date | None) -> int:
    """``baozhai digest send``: push now through the same path as the scheduled push."""
    if not config.telegram.token:
        print("baozhai: no Telegram token configured (TELEGRAM_BOT_TOKEN)", file=sys.stderr)
        return 2
    store = open_store(config)
    try:
        editions = _editions_to_send(config, store, date)
        if not editions:
            wanted = f"on {date.isoformat()}" if date else "stored yet"
            print(f"baozhai: no edition {wanted}", file=sys.stderr)
            return 1
        problem = asyncio.run(preflight(config))
        if problem:
            print(f"baozhai: {problem}", file=sys.stderr)
            return 1
        return asyncio.run(_send_now(config, store, editions))
    finally:
        store.close()


def _editions_to_send(config: Config, store: Store, date: dt.date | None) -> list[EditionRecord]:
    """Each paper's edition of ``date`` (default: its newest)."""
    found = [
        store.editions.on(date, paper.name) if date else store.editions.latest(paper.name)
        for paper in config.papers
    ]
    return [edition for edition in found if edition is not None]


async def _send_now(config: Config, store: Store, editions: list[EditionRecord]) -> int:
    """Each edition to its per-paper readers, then one combined digest to each reader who
    chose that (``DigestMode.COMBINED``); one line per edition and one for the combined."""
    svc = make_services(config, store)
    application = build_application(config, svc, schedule=False)
    failed = 0
    async with application:
        for edition in editions:
            active = await asyncio.to_thread(store.subscribers.count_active, edition.paper)
            waiting = await asyncio.to_thread(store.deliveries.count_pending, edition.id)
            try:
                report = await send_until_done(
                    svc, [edition.id], functools.partial(send_edition, application, svc, edition)
                )
            except LeaseLost as exc:
                print(f"baozhai: stopped: {exc}", file=sys.stderr)
                return EXIT_STOPPED
            had_it = active - waiting
            print(
                f"{edition.paper} {edition.date}: sent {report.sent} "
                f"(resumed {report.resumed}), in doubt {report.in_doubt}, "
                f"failed {report.failed}, blocked {report.blocked}, already had it {had_it}, "
                f"messages {report.messages}"
            )
            failed += report.failed
        try:
            report = await send_until_done(
                svc, [e.id for e in editions], lambda: send_combined(application, svc, editions)
            )
        except LeaseLost as exc:
            print(f"baozhai: stopped: {exc}", file=sys.stderr)
            return EXIT_STOPPED
        if report.chats:
            print(
                f"combined digest ({', '.join(e.paper for e in editions)}): sent {report.sent} "
                f"(resumed {report.resumed}), in doubt {report.in_doubt}, "
                f"failed {report.failed}, blocked {report.blocked}, messages {report.messages}"
            )
        failed += report.failed
    return 1 if failed else 0


async def send_until_done(
    svc: Services, edition_ids: list[int], send: Callable[[], Awaitable[DeliveryReport]]
) -> DeliveryReport:
    """Send, then take over what a dead sender still holds once its lease has expired.

    A sender killed a moment ago keeps its claims until its heartbeat lease runs out; rather
    than leave those readers for the next poll, wait for it (at most two leases) and resume.
    If this process itself stalled past its own lease (an overloaded machine), its claims are
    dead like anyone's: it resumes them under a fresh lease, a few times at most.
    """
    total = await _send_resuming(edition_ids[0], send)
    deadline = time.time() + 2 * svc.config.service.lease_seconds + 1
    while True:
        # A sender whose lease ran out while we sent (or while we waited) is dead: its claims
        # are free now, so take them over before looking for live ones.
        total = _merged(total, await _send_resuming(edition_ids[0], send))
        holds = [
            await asyncio.to_thread(svc.store.deliveries.held_elsewhere, edition_id, "")
            for edition_id in edition_ids
        ]
        held = max((h for h in holds if h is not None), default=None)
        if held is None or time.time() >= deadline:
            return await asyncio.to_thread(without_recovered, svc, edition_ids, total)
        wait = min(held.timestamp() - time.time(), deadline - time.time()) + 0.2
        log.info("chats held by another sender until %s; waiting %.1fs", f"{held:%X}", wait)
        await asyncio.sleep(max(0.2, wait))


async def _send_resuming(
    edition_id: int, send: Callable[[], Awaitable[DeliveryReport]], attempts: int = 3
) -> DeliveryReport:
    total = DeliveryReport(edition_id=edition_id)
    for attempt in range(1, attempts + 1):
        try:
            return _merged(total, await send())
        except LeaseLost as exc:
            if exc.report is None or attempt == attempts:
                raise
            log.warning("this sender stalled past its lease; resuming under a new one")
            total = _merged(total, exc.report)
    return total


def without_recovered(
    svc: Services, edition_ids: list[int], report: DeliveryReport
) -> DeliveryReport:
    """``report`` with the ledger's last word on its failures: a chat a later run delivered
    is not failed, and one that failed in several runs is counted once. Delivered means every
    digest the chat has a row for among ``edition_ids`` went out (a combined reader who had
    one paper's edition before and whose other one failed is still failed)."""
    deliveries = svc.store.deliveries

    def delivered(chat_id: int) -> bool:
        rows = [deliveries.get(edition_id, chat_id) for edition_id in edition_ids]
        statuses = [row.status for row in rows if row is not None]
        return bool(statuses) and all(status in DELIVERED for status in statuses)

    still = [chat for chat in dict.fromkeys(report.failed_chats) if not delivered(chat)]
    dropped = len(report.failed_chats) - len(still)
    report.failed = max(0, report.failed - dropped)
    report.retryable = max(0, report.retryable - dropped)
    report.failed_chats = still
    return report


def _merged(a: DeliveryReport, b: DeliveryReport) -> DeliveryReport:
    """Two runs' reports as one; a chat skipped in the first and sent in the second is sent."""
    merged = DeliveryReport(edition_id=a.edition_id)
    for name in (
        "sent",
        "resumed",
        "in_doubt",
        "blocked",
        "failed",
        "retryable",
        "migrated",
        "messages",
        "flood_waits",
        "flood_stops",
    ):
        setattr(merged, name, getattr(a, name) + getattr(b, name))
    merged.paused = b.paused
    merged.skipped = max(0, a.skipped - (b.chats - b.skipped)) + b.skipped
    merged.failed_chats = a.failed_chats + b.failed_chats
    return merged


def ingest_now(config: Config) -> int:
    """``baozhai ingest``: one poll of every inbox and every e-paper site, without Telegram."""
    store = open_store(config)
    failed = 0
    try:
        now = dt.datetime.now(config.schedule.timezone)
        for paper in config.papers:
            try:
                if paper.kind is SourceKind.INBOX:
                    report = ingest_inbox(
                        store,
                        paper,
                        sentences=config.summary.sentences,
                        now=now,
                        grace=dt.timedelta(seconds=config.schedule.settle_seconds),
                        limits=config.limits.text,
                    )
                else:
                    report = asyncio.run(read_site(store, config, paper, now=now))
            except Exception as exc:  # one paper must not stop the others
                if not isinstance(exc, SourceError):
                    log.exception("%s: ingesting failed", paper.name)
                print(f"{paper.name}: {exc}", file=sys.stderr)
                store.state.record_poll(paper.name, PollOutcome.FAILED, str(exc))
                failed += 1
                continue
            if not report.busy:  # else the process ingesting it records how its poll went
                store.state.record_poll(paper.name, *report.outcome())
            failed += print_report(report, where=str(paper.inbox or paper.epaper))
    finally:
        store.close()
    return 1 if failed else 0


def folder_said(url: str) -> bool:
    """Say so (one line on stderr) when the SQLite database file's place holds a folder,
    which SQLite would only call "unable to open database file"; whether it does."""
    from bot.storage.engine import masked_url, sqlite_file

    path = sqlite_file(url)
    try:
        if path is None or not path.is_dir():
            return False
    except OSError:  # may not look: sqlite_file_missing says so
        return False
    print(f"baozhai: {masked_url(url)} names a directory, not a database file", file=sys.stderr)
    return True


def status_now(config: Config, lang: str = "en") -> int:
    """``baozhai status``: the admins' /status page on the terminal, read from the database
    (never migrated from here: a database behind the code is told, not changed)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.errors import SchemaTooNewError
    from bot.render.status import status_plain
    from bot.status import gather_status
    from bot.storage.engine import (
        current_revision,
        driver_message,
        head_revision,
        known_revision,
        masked_url,
        sqlite_file_missing,
    )

    url = config.storage.url
    shown = masked_url(url)
    if folder_said(url):
        return 1
    if sqlite_file_missing(url):
        print(
            f"baozhai: no database at {shown} yet (`baozhai db upgrade` creates it, as do"
            " `baozhai ingest` and `baozhai run` with a token)",
            file=sys.stderr,
        )
        return 1
    try:
        with Store(url, migrate=False) as store:
            revision, head = current_revision(store.engine), head_revision()
            if revision is not None and not known_revision(revision):
                print(
                    f"baozhai: database {shown}: {SchemaTooNewError(revision, head)}",
                    file=sys.stderr,
                )
                return 1
            if revision != head:
                print(
                    f"baozhai: database {shown} is at schema {revision or 'none'}, the code "
                    f"needs {head}: run `baozhai db upgrade`",
                    file=sys.stderr,
                )
                return 1
            report = gather_status(store, config)
    except SQLAlchemyError as exc:  # what the driver said, as `db upgrade` says it
        said = redactor().redact(driver_message(exc))
        print(f"baozhai: database {shown}: {said}", file=sys.stderr)
        return 1
    print(status_plain(report, lang, config.schedule.timezone))
    return 0


def print_report(report: IngestReport, *, where: str = "") -> int:
    """One line per stored, extended, skipped, waiting or failed edition, one for the files
    still arriving (left for the next run rather than read half-written), one for an inbox
    another process is ingesting, else one saying nothing was new (and ``where`` was read:
    a page dropped into the wrong folder shows); the failure count."""
    paper = report.paper
    if not any(
        (
            report.busy,
            report.new,
            report.extended,
            report.skipped,
            report.missing,
            report.pending,
            report.waiting,
            report.failures,
            report.stuck,
            report.template_error,
        )
    ):
        print(f"{paper}: nothing new" + (f" in {where}" if where else ""))
    if report.busy:
        print(f"{paper}: another process is ingesting its inbox; skipped, run again later")
    for edition in report.new:
        print(f"{paper} {edition.date}: stored, {articles(edition.article_count)}")
    for edition in report.extended:
        print(f"{paper} {edition.date}: extended, now {articles(edition.article_count)}")
    for skipped in report.skipped:
        print(f"{paper} {skipped.date}: already stored")
    for missing in report.missing:
        state = "stored without them" if missing.stored else "waiting for them"
        print(f"{paper} {missing.date}: {articles(len(missing.urls))} missing, {state}")
    if report.pending:
        shown = ", ".join(report.pending[:3]) + (", …" if len(report.pending) > 3 else "")
        print(
            f"{paper}: waiting for {plural(len(report.pending), 'file', 'files')} still "
            f"arriving ({shown}); run again in a few seconds"
        )
    if report.waiting:
        shown = ", ".join(report.waiting[:3]) + (", …" if len(report.waiting) > 3 else "")
        print(
            f"{paper}: {plural(len(report.waiting), 'file', 'files')} kept in the inbox for the"
            f" page they continue from ({shown})"
        )
    for failure in report.failures:
        print(f"{paper}: {failure.file}: {failure.reason}", file=sys.stderr)
    for name in report.stuck:
        print(f"{paper}: {name}: {STUCK}", file=sys.stderr)
    if report.template_error:
        print(f"{paper}: {report.template_error}", file=sys.stderr)
    return len(report.failures) + len(report.stuck) + (1 if report.template_error else 0)


def articles(count: int) -> str:
    """"1 article", "7 articles"."""
    return plural(count, "article", "articles")


BACKFILL_DAYS_UNASKED = 1_100
"""The longest range (about three years) ``backfill`` reads without ``--yes``: each date is
a round of requests to the paper's site, so a mistyped year is refused, not run for days."""


def backfill_now(
    config: Config, name: str, start: dt.date, end: dt.date, *, long_range: bool = False
) -> int:
    """``baozhai backfill``: store a past date range of an e-paper paper, for the archive.

    Resumable: a date already stored complete is skipped without a request, so a run
    interrupted (Ctrl-C: exit 130 with the counts so far) goes on where it stopped when run
    again. Editions of past dates are marked as backfilled, so they are never pushed as the
    day's digest; today's (in the configured timezone) is read as a poll reads it, so readers
    still get it at their time. Dates after today are refused: there is no such edition yet;
    a range longer than :data:`BACKFILL_DAYS_UNASKED` days only with ``long_range``.

    A date the site says it has no edition of (the crawl's :class:`NoEditionError`, as a
    poll reads it: a 404, the site's "not found" page served with HTTP 200, another date's
    edition) counts as no edition, in one INFO line; one it cannot serve (unreachable, a 5xx
    after the retries, a changed layout, an entry page gone) as failed (exit 1).
    """
    from rich.progress import Progress

    paper = config.paper(name)
    if paper is None or paper.kind is not SourceKind.EPAPER:
        known = ", ".join(p.name for p in config.epaper_papers) or "none configured"
        print(f"baozhai backfill: no e-paper paper called {name!r} ({known})", file=sys.stderr)
        return 2
    if end < start:
        print("baozhai backfill: --to is before --from", file=sys.stderr)
        return 2
    today = dt.datetime.now(config.schedule.timezone).date()
    if end > today:
        print(
            f"baozhai backfill: --to {end} is after today ({today}): no such edition yet",
            file=sys.stderr,
        )
        return 2
    total = (end - start).days + 1
    if total > BACKFILL_DAYS_UNASKED and not long_range:
        print(
            f"baozhai backfill: {start}..{end} is {total:,} dates, each a round of requests to "
            f"{paper.name}'s site; check the years, then pass --yes to read them all, or split "
            "the range",
            file=sys.stderr,
        )
        return 2
    store = open_store(config)
    counts = {"stored": 0, "already stored": 0, "no edition": 0, "failed": 0}
    day = start
    try:
        with Progress(transient=True) as bar:
            task = bar.add_task(f"{paper.name} backfill", total=total)
            for offset in range(total):
                day = start + dt.timedelta(days=offset)
                counts[_backfill_day(store, config, paper, day)] += 1
                bar.advance(task)
    except KeyboardInterrupt:
        print(f"{paper.name} {start}..{end}, up to {day}: {_counted(counts)}")
        print(
            f"baozhai backfill: interrupted at {day}; run the same command again to go on "
            "(dates already stored are skipped)",
            file=sys.stderr,
        )
        return 130
    finally:
        store.close()
    print(f"{paper.name} {start}..{end}: {_counted(counts)}")
    return 1 if counts["failed"] else 0


def _counted(counts: dict[str, int]) -> str:
    """"2 stored, 0 already stored, 1 no edition, 0 failed"."""
    return ", ".join(f"{count} {outcome}" for outcome, count in counts.items())


def _backfill_day(store: Store, config: Config, paper: PaperConfig, day: dt.date) -> str:
    """Backfill one date; which of the outcomes counted by :func:`backfill_now` it had."""
    stored = store.editions.on(day, paper.name)
    if stored is not None and store.state.get(paper.name, f"{MISSING_PREFIX}{day}") is None:
        return "already stored"
    now = dt.datetime.now(config.schedule.timezone)
    past = day < now.date()  # today's edition is the day's digest: stored as a poll stores it
    try:
        report = asyncio.run(read_site(store, config, paper, now=now, date=day, backfill=past))
    except NoEditionError as exc:  # the crawl's reading, as a poll's: 404, "not found" page …
        log.info("%s %s: no edition (%s)", paper.name, day, exc)
        return "no edition"
    except SourceError as exc:  # the site unreachable, a 5xx after the retries …
        log.warning("%s %s: %s", paper.name, day, exc)
        return "failed"
    if report.template_error:
        log.warning("%s %s: %s", paper.name, day, report.template_error)
        return "failed"
    if report.new or report.extended:
        return "stored"
    if any(missing.date == day and not missing.stored for missing in report.missing):
        log.warning("%s %s: none of its articles could be fetched", paper.name, day)
        return "failed"  # (nothing stored: a later run asks again)
    return "already stored"
