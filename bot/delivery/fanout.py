"""Fan-out of one edition's digest to every subscriber, the way Telegram wants it.

Why this is more than a loop over ``send_message``:

* **Rates.** Telegram allows about 30 messages/s overall and about 1/s per private chat
  (20/min per group); exceeding either gives 429 ``RetryAfter``. PTB's ``AIORateLimiter`` does
  not enforce the per-chat limit, so :class:`Pacer` does both: a global token bucket plus a
  minimum spacing per chat, measured from the *end* of the previous send to that chat.
* **Never twice.** Each (edition, chat) is claimed in the store *before* the first message
  goes out (:meth:`bot.storage.Deliveries.claim`); a second run, a restart or a concurrent
  sender gets False and skips the chat. A sender that dies mid-send leaves the claim
  ``pending``: that chat misses the edition rather than getting it twice. A digest may take
  several messages, and the claim is for all of them: once any message may have reached the
  chat, a later failure closes the claim for good (``failed``, "partial: k of n messages
  sent") instead of freeing it, since a later run would resend the digest from the start.
  Only a chat that certainly got nothing is left ``retry`` (see :func:`_refused`).
* **Errors mean different things** (``docs/telegram.md``): 429 → wait, pause everyone, retry
  the same message; 403 → the user left, deactivate (history kept); ChatMigrated → follow the
  new id and resend; 400 → our bug or a dead chat, log and give up for good; network → retry
  with backoff, then leave the claim retryable for a later run — but only where the request
  certainly did not arrive (no connection); a timeout after the request went out is never
  retried (:meth:`_Fanout.send`).

The store is synchronous SQLAlchemy; every call goes through ``asyncio.to_thread`` so the event
loop keeps sending while the database works.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.pacer import Pacer
from bot.render.digest import DigestMessage, build_digest
from bot.render.i18n import language_for
from bot.storage.records import ArticleRecord, DeliveryStatus, EditionRecord, SubscriberRecord

if TYPE_CHECKING:
    from bot.storage.store import Store

__all__ = ["DeliveryPolicy", "DeliveryReport", "Pacer", "deliver_edition"]

log = logging.getLogger(__name__)

# Telegram's 400 for a chat that no longer exists (PTB strips "Bad Request: ").
_CHAT_GONE = "chat not found"


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Retry and concurrency settings (tests shrink the waits)."""

    concurrency: int = 32  # chats sent to at the same time; the pacer caps the rate anyway
    network_attempts: int = 4  # tries per message on NetworkError/TimedOut
    backoff: float = 1.0  # first network retry delay, doubled each time …
    max_backoff: float = 30.0  # … up to this
    max_flood_waits: int = 5  # 429s for one message before leaving it for a later run
    max_retry_after: float = 600.0  # a longer 429 wait is not waited out in this run


@dataclass(slots=True)
class DeliveryReport:
    """What one fan-out did, counted per chat (``messages`` counts single messages)."""

    edition_id: int
    sent: int = 0  # chats that got the whole digest
    skipped: int = 0  # already claimed: sent before, being sent elsewhere, or given up
    blocked: int = 0  # 403: chat deactivated
    failed: int = 0  # given up in this run (bad request, network, flood, unexpected)
    retryable: int = 0  # of ``failed``: left for a later run (nothing reached the chat)
    partial: int = 0  # of ``failed``: some messages (may have) arrived; closed, never resent
    migrated: int = 0  # group → supergroup moves followed
    messages: int = 0  # messages sent
    flood_waits: int = 0  # 429s waited out
    failed_chats: list[int] = field(default_factory=list)

    @property
    def chats(self) -> int:
        """Chats looked at."""
        return self.sent + self.skipped + self.blocked + self.failed


class _GiveUp(Exception):
    """Stop sending to this chat; ``retryable`` says whether a later run may try again."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class _AlreadyThere(Exception):
    """The chat migrated to an id that already has (or is getting) this digest."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(new_chat_id)
        self.new_chat_id = new_chat_id


@dataclass(slots=True)
class _Attempt:
    """One chat's delivery in progress: where it goes now and what may have arrived."""

    chat_id: int
    total: int  # messages in this chat's digest
    sent: int = 0  # messages Telegram confirmed
    in_flight: bool = False  # a request is out, or ended without a sure "not delivered"
    migrations: int = 0

    @property
    def may_have_arrived(self) -> bool:
        """True once the chat may have seen any message: resending the digest would repeat it."""
        return self.sent > 0 or self.in_flight

    def outcome(self, reason: str, *, retryable: bool) -> tuple[str, bool]:
        """The error text and retryability to record when delivery to this chat stops.

        A failure that would free the claim (``retryable``) does not once anything may have
        arrived: a later run resends the whole digest, so the chat would see those messages
        twice. The text then starts with the progress, e.g. "partial: 1 of 3 messages sent".
        """
        if not self.may_have_arrived:
            return reason, retryable
        progress = f"partial: {self.sent} of {self.total} messages sent"
        if self.in_flight:
            progress += f" (message {self.sent + 1} may have arrived)"
        return f"{progress}; {reason}", False


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _refused(exc: TelegramError) -> bool:
    """True if ``exc`` proves the message was not delivered, so sending it again is safe.

    That holds when Telegram answered with an error (429, 400, 403, 401/404, 409, 5xx: PTB
    raises those without an HTTP-library cause) and when the request never left (no connection,
    no free connection in the pool). It does not hold for a timeout or a broken connection after
    the request was written, nor for a reply PTB could not read: Telegram may have sent the
    message and only the answer was lost.
    """
    if isinstance(exc, (RetryAfter, ChatMigrated, Forbidden, BadRequest, InvalidToken, Conflict)):
        return True
    if isinstance(exc, NetworkError):
        cause = exc.__cause__
        if isinstance(cause, _NOT_SENT):
            return True
        # An error status: no cause, or the error body failed to parse. A TimedOut always has
        # a cause in PTB's HTTPXRequest; without one (another request class) it stays unsure.
        return not isinstance(exc, TimedOut) and (cause is None or isinstance(cause, TelegramError))
    return False


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` as seconds, whether PTB gives an int or a timedelta (v22 migration)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


class _Fanout:
    """State of one :func:`deliver_edition` run."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        edition: EditionRecord,
        articles: Sequence[ArticleRecord],
        pacer: Pacer,
        policy: DeliveryPolicy,
    ) -> None:
        self.bot = bot
        self.store = store
        self.edition = edition
        self.articles = articles
        self.pacer = pacer
        self.policy = policy
        self.report = DeliveryReport(edition_id=edition.id)
        self.digests: dict[str, list[DigestMessage]] = {}
        self.invalid_token: InvalidToken | None = None

    def _redact(self, text: str) -> str:
        """Error texts may embed a request URL, and the URL holds the token."""
        token = getattr(self.bot, "token", None)
        return text.replace(token, "<token>") if token else text

    def digest(self, language: str) -> list[DigestMessage]:
        lang = language_for(language)
        if lang not in self.digests:
            self.digests[lang] = build_digest(self.edition, self.articles, lang)
        return self.digests[lang]

    async def run(self, subscribers: Sequence[SubscriberRecord]) -> None:
        queue = iter(subscribers)  # shared by the workers; next() never awaits

        async def worker() -> None:
            for subscriber in queue:
                if self.invalid_token is not None:
                    return
                await self.deliver_chat(subscriber)

        workers = max(1, min(self.policy.concurrency, len(subscribers)))
        async with asyncio.TaskGroup() as group:
            for _ in range(workers):
                group.create_task(worker())

    async def deliver_chat(self, subscriber: SubscriberRecord) -> None:
        """Claim, send every message of the digest, record the outcome. Never raises
        (except cancellation): one chat's trouble must not stop the others."""
        edition_id, chat_id = self.edition.id, subscriber.chat_id
        report = self.report
        attempt: _Attempt | None = None
        try:
            if not await asyncio.to_thread(self.store.deliveries.claim, edition_id, chat_id):
                log.debug("edition %d chat %d: already claimed, skipped", edition_id, chat_id)
                report.skipped += 1
                return
            messages = self.digest(subscriber.language)
            attempt = _Attempt(chat_id, total=len(messages))
            for message in messages:
                await self.send(attempt, message)
            chat_id = attempt.chat_id
            await asyncio.to_thread(self.store.deliveries.mark_sent, edition_id, chat_id)
            report.sent += 1
            log.info(
                "edition %d chat %d: digest delivered (%d messages)",
                edition_id,
                chat_id,
                len(messages),
            )
        except Forbidden as exc:
            chat_id = attempt.chat_id if attempt is not None else chat_id
            reason = self._redact(exc.message)
            log.info("edition %d chat %d: %s; deactivating", edition_id, chat_id, reason)
            await asyncio.to_thread(self.store.subscribers.deactivate, chat_id)
            await asyncio.to_thread(
                self.store.deliveries.mark_failed, edition_id, chat_id, reason, False
            )
            report.blocked += 1
        except BadRequest as exc:
            assert attempt is not None  # raised by send() only
            reason = f"BadRequest: {self._redact(exc.message)}"
            if _CHAT_GONE in exc.message.lower():
                # A dead chat, not our bug: stop sending to it, as for a 403 (history kept).
                log.info(
                    "edition %d chat %d: %s; deactivating", edition_id, attempt.chat_id, reason
                )
                await asyncio.to_thread(self.store.subscribers.deactivate, attempt.chat_id)
                await self._failed(attempt, reason, retryable=False)
            else:
                await self._failed(attempt, reason, retryable=False, level=logging.ERROR)
        except _GiveUp as exc:
            assert attempt is not None  # raised by send() only
            await self._failed(attempt, exc.reason, retryable=exc.retryable)
        except InvalidToken as exc:
            assert attempt is not None  # raised by send() only
            # Every chat would fail the same way: stop the fan-out, leave the claim retryable
            # (unless part of this chat's digest is out already).
            self.invalid_token = exc
            log.critical("edition %d: the bot token was rejected; stopping delivery", edition_id)
            await self._failed(attempt, "InvalidToken", retryable=True)
        except _AlreadyThere as exc:
            log.info(
                "edition %d chat %d: migrated to %d, which already has this digest",
                edition_id,
                chat_id,
                exc.new_chat_id,
            )
            await asyncio.to_thread(
                self.store.deliveries.mark_failed,
                edition_id,
                chat_id,
                "migrated; new chat has it",
                False,
            )
            report.skipped += 1
        except asyncio.CancelledError:
            if attempt is not None and not attempt.may_have_arrived:
                # Claimed but nothing sent yet: free the claim so the next run delivers.
                self._release_sync(attempt.chat_id)
            elif attempt is not None:
                chat_id = attempt.chat_id
                log.warning(
                    "edition %d chat %d: cancelled mid-send; claim left pending",
                    edition_id,
                    chat_id,
                )
            raise
        except Exception as exc:
            # A bug or a database error. Retry later only if nothing went out yet: once a
            # message may have arrived, a duplicate digest is the worse outcome.
            chat_id = attempt.chat_id if attempt is not None else chat_id
            log.exception("edition %d chat %d: unexpected error", edition_id, chat_id)
            try:
                await self._failed(
                    attempt or _Attempt(chat_id, total=0),
                    self._redact(f"{type(exc).__name__}: {exc}"),
                    retryable=True,
                )
            except Exception:
                log.exception("edition %d chat %d: could not record failure", edition_id, chat_id)

    async def _follow_migration(self, attempt: _Attempt, new_id: int) -> None:
        """Move the subscription (and our claim) to the supergroup's new id, then resend.

        ``store.subscribers.migrate_chat`` moves the delivery row unless the new id already has
        one for this edition; then that row decides: sent or being sent there means nothing
        more to do.
        """
        edition_id, old_id = self.edition.id, attempt.chat_id
        attempt.migrations += 1
        if attempt.migrations > 2 or new_id == old_id:
            raise _GiveUp(f"chat {old_id} keeps migrating", retryable=False)
        log.info("edition %d chat %d: migrated to %d; resending", edition_id, old_id, new_id)
        await asyncio.to_thread(self.store.subscribers.migrate_chat, old_id, new_id)
        self.report.migrated += 1
        left_behind = await asyncio.to_thread(self.store.deliveries.get, edition_id, old_id)
        if left_behind is not None:
            theirs = await asyncio.to_thread(self.store.deliveries.get, edition_id, new_id)
            sent_or_sending = (DeliveryStatus.SENT, DeliveryStatus.PENDING)
            if theirs is not None and theirs.status in sent_or_sending:
                raise _AlreadyThere(new_id)
        attempt.chat_id = new_id

    def _release_sync(self, chat_id: int) -> None:
        try:
            self.store.deliveries.mark_failed(
                self.edition.id, chat_id, "cancelled before sending", True
            )
        except Exception:
            log.exception("edition %d chat %d: could not free claim", self.edition.id, chat_id)

    async def _failed(
        self, attempt: _Attempt, reason: str, *, retryable: bool, level: int = logging.WARNING
    ) -> None:
        """Log and record that delivery to this chat stopped. The claim is freed only if
        ``retryable`` and nothing may have reached the chat (:meth:`_Attempt.outcome`)."""
        edition_id, chat_id = self.edition.id, attempt.chat_id
        transient = retryable
        reason, retryable = attempt.outcome(reason, retryable=retryable)
        if retryable:
            note = "a later run may retry"
        elif transient:
            note = "not retried: a later run would resend what may have arrived"
        else:
            note = "not retried"
        log.log(level, "edition %d chat %d: giving up (%s); %s", edition_id, chat_id, reason, note)
        await asyncio.to_thread(
            self.store.deliveries.mark_failed, edition_id, chat_id, reason, retryable
        )
        self.report.failed += 1
        self.report.retryable += int(retryable)
        self.report.partial += int(attempt.may_have_arrived)
        self.report.failed_chats.append(chat_id)

    async def send(self, attempt: _Attempt, message: DigestMessage) -> None:
        """Send one message, waiting out 429s, following migrations, retrying network errors.

        A migration updates ``attempt.chat_id``. Forbidden, BadRequest and InvalidToken
        propagate; exhausted retries raise ``_GiveUp``.

        A message is sent again only on proof that it did not arrive (:func:`_refused`): a 429,
        a 5xx answer, a connection that was never made. A timeout or a dropped connection after
        the request was written is ambiguous — Telegram may have delivered the message and only
        its answer was lost — so it is not retried, and this chat's delivery stops there: closed
        for good, not freed for a later run, even when it was the first message. The trade-off
        is deliberate. A reader who misses part of one morning's digest loses little (the
        archive has it); a reader who gets the same digest twice sees a broken bot, and the
        product promise is "never twice". At most once beats twice for a digest.
        """
        edition_id = self.edition.id
        policy = self.policy
        network_failures = flood_waits = 0
        while True:
            chat_id = attempt.chat_id
            delay = 0.0
            async with self.pacer.slot(chat_id):
                try:
                    await self._post(attempt, message)
                    return
                except RetryAfter as exc:
                    seconds = retry_seconds(exc)
                    flood_waits += 1
                    if flood_waits > policy.max_flood_waits or seconds > policy.max_retry_after:
                        raise _GiveUp(
                            f"flood control: retry after {seconds:g}s", retryable=True
                        ) from exc
                    self.report.flood_waits += 1
                    log.warning(
                        "edition %d chat %d: 429, pausing all sends for %gs",
                        edition_id,
                        chat_id,
                        seconds,
                    )
                    self.pacer.pause(seconds)
                    continue
                except ChatMigrated as exc:
                    await self._follow_migration(attempt, exc.new_chat_id)
                    continue
                except (Forbidden, BadRequest, InvalidToken):
                    raise
                except NetworkError as exc:  # includes TimedOut; BadRequest handled above
                    network_failures += 1
                    reason = self._redact(f"{type(exc).__name__}: {exc.message}")
                    # In flight (e.g. a read timeout): it may have arrived; never resend it.
                    if attempt.in_flight or network_failures >= policy.network_attempts:
                        raise _GiveUp(reason, retryable=True) from exc
                    delay = min(policy.max_backoff, policy.backoff * 2 ** (network_failures - 1))
                    log.warning(
                        "edition %d chat %d: %s; retry %d in %gs",
                        edition_id,
                        chat_id,
                        reason,
                        network_failures,
                        delay,
                    )
                except TelegramError as exc:
                    # Not in the table of known meanings: do not loop on it.
                    reason = self._redact(f"{type(exc).__name__}: {exc.message}")
                    raise _GiveUp(reason, retryable=True) from exc
            await asyncio.sleep(delay)

    async def _post(self, attempt: _Attempt, message: DigestMessage) -> None:
        """One ``sendMessage``, keeping ``attempt.sent`` and ``attempt.in_flight`` true to what
        may have reached the chat: ``in_flight`` stays set if the request failed without proof
        that the message was not delivered (and if it was cancelled or hit a bug)."""
        attempt.in_flight = True
        try:
            await self.bot.send_message(
                chat_id=attempt.chat_id,
                text=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=message.keyboard,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramError as exc:
            attempt.in_flight = not _refused(exc)
            raise
        attempt.in_flight = False
        attempt.sent += 1
        self.report.messages += 1


async def deliver_edition(
    bot: Bot,
    store: Store,
    edition: EditionRecord,
    articles: Sequence[ArticleRecord] | None = None,
    *,
    pacer: Pacer | None = None,
    only_chats: Collection[int] | None = None,
    policy: DeliveryPolicy | None = None,
) -> DeliveryReport:
    """Send ``edition``'s digest to every active subscriber that has not had it yet.

    ``articles`` defaults to the stored ones. ``only_chats`` restricts the run to those chat ids
    (the scheduler's per-user digest times). Each chat gets the digest in its own language.
    Safe to run again, also concurrently: claimed chats are skipped. Raises ``InvalidToken``
    after stopping the run if Telegram rejects the token; any other error is per chat and ends
    up in the report.
    """
    if articles is None:
        articles = await asyncio.to_thread(store.editions.articles, edition.id)
    report_only = DeliveryReport(edition_id=edition.id)
    if not articles:
        log.warning("edition %d has no articles; no digest sent", edition.id)
        return report_only
    subscribers = await asyncio.to_thread(store.deliveries.pending_chats, edition.id)
    if only_chats is not None:
        wanted = set(only_chats)
        subscribers = [s for s in subscribers if s.chat_id in wanted]
    subscribers = [s for s in subscribers if s.active]

    fanout = _Fanout(bot, store, edition, articles, pacer or Pacer(), policy or DeliveryPolicy())
    if subscribers:
        log.info("edition %d: delivering to %d chats", edition.id, len(subscribers))
        await fanout.run(subscribers)
    report = fanout.report
    log.info(
        "edition %d: sent %d, skipped %d, blocked %d, failed %d (%d messages, %d flood waits)",
        edition.id,
        report.sent,
        report.skipped,
        report.blocked,
        report.failed,
        report.messages,
        report.flood_waits,
    )
    if fanout.invalid_token is not None:
        raise fanout.invalid_token
    return report
