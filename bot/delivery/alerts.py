"""Sending decided topic alerts: outside each reader's quiet hours, paced, at most once.

The alerts were decided at ingest (:mod:`bot.ingest.alerts`) and wait in the store; every
poll calls :func:`send_alerts`, which sends those whose readers are not in their quiet hours
(the others wait for a later poll: deferred, never dropped), listing only the topics the
reader still follows by then (one whose every topic was unfollowed meanwhile is finished
unsent). Sends share the digests' pacer (30/s overall, ~1/s per chat) and follow the ledger
rules of :mod:`bot.storage.alerts`: a claim per alert, ``on_wire`` before the request (the
lease fence), ``sent`` after. Telegram's answers mean what they mean for digests
(:mod:`bot.delivery.fanout`): 429 pauses every send and leaves the alert for the next poll
(one longer than ``max_retry_after`` stops the run, and later runs sharing the pacer send
nothing while it lasts), 403 deactivates the reader, a timeout after the request left is in
doubt and ``[delivery] in_doubt`` decides.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.delivery.fanout import (
    DeliveryPolicy,
    LeaseLost,
    _chat_gone,
    _refused,
    own_claims,
    retry_seconds,
)
from bot.delivery.lease import sender_lease
from bot.delivery.pacer import FloodPaused, Pacer
from bot.delivery.readertime import in_quiet_hours, quiet_window, reader_zone
from bot.render.alerts import build_alert
from bot.render.i18n import language_for
from bot.storage.engine import driver_message
from bot.storage.records import (
    AlertRecord,
    ArticleRecord,
    EditionRecord,
    InDoubt,
    SubscriberRecord,
)

if TYPE_CHECKING:
    from bot.storage.store import Store

__all__ = ["AlertReport", "send_alerts"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class AlertReport:
    """What one :func:`send_alerts` run did, counted per alert."""

    sent: int = 0
    quiet: int = 0  # waiting for the reader's quiet hours to end
    skipped: int = 0  # not claimable (a live sender has it), or in doubt and not resent
    dropped: int = 0  # every topic it lists unfollowed while it waited: finished, not sent
    failed: int = 0  # given up, or left for a later poll (``retryable``)
    retryable: int = 0
    flood_stops: int = 0  # 429s too long to wait out (> max_retry_after): the run stopped
    paused: float = 0.0  # seconds every send was still paused when the run stopped for one


_Edition = tuple[EditionRecord | None, dict[int, ArticleRecord]]
_Items = Sequence[tuple[int, str, str, str]]  # an alert's: number, term, sentence, mark


class _Stop(Exception):
    """Stop the run: the lease is gone or the token was rejected."""


async def send_alerts(
    bot: Bot,
    store: Store,
    *,
    now: dt.datetime,
    zone: ZoneInfo,
    quiet_hours: tuple[dt.time, dt.time],
    pacer: Pacer | None = None,
    policy: DeliveryPolicy | None = None,
    owner: str | None = None,
) -> AlertReport:
    """Send every decided alert whose reader is outside their quiet hours at ``now``.

    ``zone`` and ``quiet_hours`` are the configured defaults for readers without their own.
    ``owner`` as for :func:`bot.delivery.deliver_edition` (None: a sender lease of its own);
    its claims an earlier run could not release are freed first (:func:`own_claims`).
    """
    policy = policy or DeliveryPolicy()
    if owner is None:
        return await _send_due(bot, store, now, zone, quiet_hours, pacer, policy, None)
    async with own_claims(owner, "alerts", functools.partial(store.alerts.free_own, owner)):
        return await _send_due(bot, store, now, zone, quiet_hours, pacer, policy, owner)


async def _send_due(
    bot: Bot,
    store: Store,
    now: dt.datetime,
    zone: ZoneInfo,
    quiet_hours: tuple[dt.time, dt.time],
    pacer: Pacer | None,
    policy: DeliveryPolicy,
    owner: str | None,
) -> AlertReport:
    report = AlertReport()
    due = await asyncio.to_thread(store.alerts.due)
    ready: list[tuple[AlertRecord, SubscriberRecord]] = []
    for alert, reader in due:
        window = quiet_window(reader, quiet_hours)
        if in_quiet_hours(now, window, reader_zone(reader, zone)):
            report.quiet += 1
        else:
            ready.append((alert, reader))
    if not ready:
        return report
    pacer = pacer or Pacer()
    if pacer.paused_for() > policy.max_retry_after:
        report.paused = pacer.paused_for()
        log.warning(
            "alerts: all sends paused for %gs (a 429); %d left for a later poll",
            report.paused,
            len(ready),
        )
        return report
    if owner is None:
        async with sender_lease(store, policy.lease_seconds) as keeper:
            await _send(bot, store, ready, pacer, policy, keeper.holder, report)
    else:
        await _send(bot, store, ready, pacer, policy, owner, report)
    if pacer.paused_for() > policy.max_retry_after:
        report.paused = pacer.paused_for()
    log.info(
        "alerts: sent %d, waiting for quiet hours %d, skipped %d, dropped %d, failed %d"
        " (%d retryable)",
        report.sent,
        report.quiet,
        report.skipped,
        report.dropped,
        report.failed,
        report.retryable,
    )
    return report


async def _send(
    bot: Bot,
    store: Store,
    ready: Sequence[tuple[AlertRecord, SubscriberRecord]],
    pacer: Pacer,
    policy: DeliveryPolicy,
    owner: str,
    report: AlertReport,
) -> None:
    editions: dict[int, _Edition] = {}
    lock = asyncio.Lock()
    queue = iter(ready)
    stopped: list[BaseException] = []

    async def edition_of(edition_id: int) -> _Edition:
        async with lock:
            if edition_id not in editions:
                edition = await asyncio.to_thread(store.editions.get, edition_id)
                articles = await asyncio.to_thread(store.editions.articles, edition_id)
                editions[edition_id] = (edition, {a.number: a for a in articles})
            return editions[edition_id]

    async def worker() -> None:
        for alert, reader in queue:
            if stopped or pacer.paused_for() > policy.max_retry_after:
                return
            try:
                await _send_one(bot, store, alert, reader, pacer, policy, owner, report, edition_of)
            except _Stop as exc:
                stopped.append(exc)
                return
            except Exception as exc:
                # Not even the failure could be recorded (a database error). One alert's
                # trouble must not reach the task group: it would cancel the other workers
                # in the middle of their sends.
                log.warning(
                    "alert %d chat %d: %s; the next poll tries again",
                    alert.id,
                    alert.chat_id,
                    driver_message(exc),
                )
                report.failed += 1
                report.retryable += 1

    async with asyncio.TaskGroup() as group:
        for _ in range(max(1, min(policy.concurrency, len(ready)))):
            group.create_task(worker())
    if stopped and isinstance(stopped[0].__cause__, InvalidToken):
        raise stopped[0].__cause__
    if stopped and isinstance(stopped[0].__cause__, LeaseLost):
        raise stopped[0].__cause__


async def _send_one(
    bot: Bot,
    store: Store,
    alert: AlertRecord,
    reader: SubscriberRecord,
    pacer: Pacer,
    policy: DeliveryPolicy,
    owner: str,
    report: AlertReport,
    edition_of: Callable[[int], Awaitable[_Edition]],
) -> None:
    """Claim, fence, send and record one alert; raises :class:`_Stop`, and what recording a
    failure raised. Cancelled, it frees its claim: an alert not on the wire yet is due again
    at the next poll, one on the wire is in doubt there (``[delivery] in_doubt`` decides)."""
    alerts = store.alerts
    claim = None
    try:
        claim = await asyncio.to_thread(alerts.claim, alert.id, owner)
        if claim is None:
            report.skipped += 1
            return
        if claim.in_doubt and policy.in_doubt is InDoubt.SKIP:
            log.info(
                "alert %d chat %d: in doubt; not resent (in_doubt = skip)",
                alert.id,
                alert.chat_id,
            )
            await asyncio.to_thread(alerts.skip, alert.id)
            report.skipped += 1
            return
        terms = await asyncio.to_thread(store.follows.of, claim.alert.chat_id)
        items, matched = _still_followed(claim.alert, terms)
        if not items:
            log.info("alert %d chat %d: topics unfollowed; not sent", alert.id, alert.chat_id)
            await asyncio.to_thread(
                alerts.release, alert.id, "topics unfollowed", retryable=False, owner=owner
            )
            report.dropped += 1
            return
        edition, articles = await edition_of(alert.edition_id)
        if edition is None:
            await asyncio.to_thread(
                alerts.release, alert.id, "edition gone", retryable=False, owner=owner
            )
            report.failed += 1
            return
        message = build_alert(
            edition, articles, items, language_for(reader.language), matched=matched
        )
        async with pacer.slot(alert.chat_id, within=policy.max_retry_after):
            renew = dt.timedelta(seconds=policy.lease_seconds)
            if not await asyncio.to_thread(alerts.put_on_wire, alert.id, owner, renew):
                raise _Stop() from LeaseLost(f"sender {owner}: lease or claim lost")
            try:
                sent = await bot.send_message(
                    chat_id=alert.chat_id,
                    text=message.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.keyboard,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    allow_paid_broadcast=policy.paid_broadcast or None,
                )
            except TelegramError as exc:
                if _refused(exc):
                    await asyncio.to_thread(alerts.refused, alert.id)
                raise
        await asyncio.to_thread(alerts.confirm, alert.id, sent.message_id)
        report.sent += 1
        log.info("alert %d chat %d: sent (%d articles)", alert.id, alert.chat_id, len(items))
    except _Stop:
        raise
    except asyncio.CancelledError:
        # Also when the claim's own answer was still on its way (its thread may have taken
        # the alert): the owner check makes this a no-op for an alert it never claimed.
        try:
            alerts.release(alert.id, "cancelled", retryable=True, owner=owner)
        except Exception as exc:
            log.warning("alert %d: could not free its claim: %s", alert.id, driver_message(exc))
        raise
    except RetryAfter as exc:
        seconds = retry_seconds(exc)
        pacer.pause(seconds)  # for the bot, however long: a longer one stops the run
        if seconds > policy.max_retry_after:
            report.flood_stops += 1
            log.error("alerts: 429, all sends paused for %gs; stopping the run", seconds)
        await _failed(store, alert, f"flood control: retry after {seconds:g}s", True, owner, report)
    except FloodPaused as exc:
        await _failed(store, alert, f"flood control: {exc}", True, owner, report)
    except Forbidden as exc:
        await asyncio.to_thread(store.subscribers.deactivate, alert.chat_id)
        await _failed(store, alert, exc.message, False, owner, report)
    except ChatMigrated as exc:
        # The group's subscription moves, and this alert with it: the next poll sends it to
        # the supergroup (as a digest is resent there), unless the supergroup has its own.
        new_id = exc.new_chat_id
        await asyncio.to_thread(store.subscribers.migrate_chat, alert.chat_id, new_id)
        moved = await asyncio.to_thread(store.alerts.get, alert.edition_id, new_id)
        resend = moved is not None and moved.id == alert.id
        await _failed(store, alert, f"migrated to {new_id}", resend, owner, report)
    except BadRequest as exc:
        if _chat_gone(exc):
            await asyncio.to_thread(store.subscribers.deactivate, alert.chat_id)
        await _failed(store, alert, f"BadRequest: {exc.message}", False, owner, report)
    except InvalidToken as exc:
        log.critical("alerts: the bot token was rejected; stopping")
        await _failed(store, alert, "InvalidToken", True, owner, report)
        raise _Stop() from exc
    except NetworkError as exc:
        if not _refused(exc) and policy.in_doubt is InDoubt.SKIP:
            log.info("alert %d chat %d: in doubt (%s); not resent", alert.id, alert.chat_id, exc)
            await asyncio.to_thread(store.alerts.skip, alert.id)
            report.skipped += 1
            return
        await _failed(store, alert, f"{type(exc).__name__}: {exc.message}", True, owner, report)
    except Exception as exc:  # a bug or a database error: the next poll tries again
        log.exception("alert %d chat %d: unexpected error", alert.id, alert.chat_id)
        try:
            await _failed(store, alert, f"{type(exc).__name__}: {exc}", True, owner, report)
        except Exception:
            log.exception("alert %d: could not record the failure", alert.id)


def _still_followed(alert: AlertRecord, terms: Collection[str]) -> tuple[_Items, int]:
    """The alert's items whose topic the reader still follows, and how many articles it may
    say matched. It was decided at ingest and may have waited out quiet hours since: a topic
    unfollowed meanwhile is no longer wanted. The count beyond the listed items is kept only
    while none was dropped (their topics are not stored, so they cannot be told apart)."""
    followed = frozenset(terms)
    items = [item for item in alert.items if item[1] in followed]
    if len(items) == len(alert.items):
        return alert.items, alert.matched
    return items, len(items)


async def _failed(
    store: Store,
    alert: AlertRecord,
    reason: str,
    retryable: bool,
    owner: str,
    report: AlertReport,
) -> None:
    note = "the next poll tries again" if retryable else "not retried"
    log.warning("alert %d chat %d: %s; %s", alert.id, alert.chat_id, reason, note)
    await asyncio.to_thread(
        store.alerts.release, alert.id, reason, retryable=retryable, owner=owner
    )
    report.failed += 1
    report.retryable += int(retryable)
