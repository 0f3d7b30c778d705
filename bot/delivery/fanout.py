"""Fan-out of one edition's digest (or of a broadcast) to every subscriber — or of a reader's
papers in one combined message (:func:`deliver_combined`) — the way Telegram wants it. What is
sent and which ledger records it is a :class:`~bot.delivery.ledger.Ledger`.

Why this is more than a loop over ``send_message``:

* **Rates.** Telegram allows about 30 messages/s overall and about 1/s per private chat
  (20/min per group); exceeding either gives 429 ``RetryAfter``. PTB's ``AIORateLimiter`` does
  not enforce the per-chat limit, so :class:`Pacer` does both: a global token bucket plus a
  minimum spacing per chat, measured from the *end* of the previous send to that chat.
* **No digest lost, none sent twice by two senders.** Each (edition, chat) is claimed in the
  store for this sender *before* the first message goes out
  (:meth:`bot.storage.Deliveries.claim`); a live sender's claim is never taken, a dead one's
  (no live lease) is taken over by the next run. Each message is written to the ledger
  ``on_wire`` before its request and ``confirmed`` with Telegram's message id after, so a run
  that takes over a claim sends exactly what is missing; a message left ``on_wire`` is *in
  doubt* (the request went out, the answer never came) and ``[delivery] in_doubt`` decides:
  ``resend`` (default: a rare duplicate beats a lost morning digest) or ``skip``. Writing
  ``on_wire`` is also the fence: it fails once this sender's lease is gone, so a sender that
  was paused or superseded sends nothing more. Duplicates are thus bounded by the requests on
  the wire at a crash: at most one per worker (``DeliveryPolicy.concurrency``) — unless a late
  page changed the edition between the crash and the takeover. Sending "what is missing" by
  message number would then stitch two versions of the digest (articles missing), so such a
  claim comes back ``changed`` and the same policy decides: ``resend`` sends the new version
  whole (what arrived before comes twice), ``skip`` leaves it in doubt. A digest is always
  built from the version of its editions its claim recorded (a run that read them before a
  late page reads them again). A combined
  digest covers several editions: their rows are claimed together as one *bundle* whose lead
  row holds the ledger (``Deliveries.claim_bundle``), so all of the above holds for it as a
  whole; an unfinished bundle is only ever resumed whole, and an edition the chat already had
  (a paper out after its combined digest went) is never put in another.
* **Errors mean different things** (``docs/telegram.md``): 429 → wait, pause everyone, retry
  the same message; a wait longer than ``max_retry_after`` pauses everyone as long and stops
  the run, leaving the rest for a run after it (later runs sharing the pacer start nothing
  while it lasts); 403 → the user left, deactivate (history kept); ChatMigrated → follow the
  new id and resend; 400 → our bug or a dead chat, log and give up for good; network → retry
  with backoff (a timeout after the request went out is in doubt: the policy decides), then
  leave the claim retryable: a later run sends what the ledger lacks.

The store is synchronous SQLAlchemy; every call goes through ``asyncio.to_thread`` so the event
loop keeps sending while the database works. The hot writes (claim, on the wire, confirmed,
sent) go through :class:`bot.delivery.group_commit.LedgerWriter`, which commits what all
workers are waiting for in one transaction: each worker acts only once its own write is stored.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
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

from bot.delivery.group_commit import LedgerWriter
from bot.delivery.lease import sender_lease
from bot.delivery.ledger import BroadcastLedger, BundleLedger, EditionLedger, Ledger
from bot.delivery.pacer import FloodPaused, Pacer
from bot.errors import DeliveryError, EditionChangedError, RetryLater
from bot.render.combined import Section, build_combined_digest, told_earlier
from bot.render.digest import DigestMessage, build_digest
from bot.render.i18n import language_for
from bot.render.text import escape
from bot.storage.deliveries import rendering_of
from bot.storage.records import (
    ArticleRecord,
    BroadcastRecord,
    Claim,
    DeliveryStatus,
    DigestMode,
    EditionRecord,
    InDoubt,
    MessageState,
    SubscriberRecord,
)
from bot.transport import NOT_SENT

if TYPE_CHECKING:
    from bot.storage.store import Store

__all__ = [
    "DeliveryPolicy",
    "DeliveryReport",
    "LeaseLost",
    "Pacer",
    "deliver_broadcast",
    "deliver_combined",
    "deliver_edition",
]

log = logging.getLogger(__name__)

# Telegram's 400s for a chat we can no longer post to (PTB strips "Bad Request: "): one that
# no longer exists, and a channel that took the bot's right to post (its my_chat_member
# update missed, say while the bot was down).
_CHAT_GONE = ("chat not found", "need administrator rights in the channel chat")


def _chat_gone(exc: BadRequest) -> bool:
    """True for a 400 that says we can no longer post to the chat (see :data:`_CHAT_GONE`):
    it is deactivated, as for a 403, not retried (history kept)."""
    message = exc.message.lower()
    return any(gone in message for gone in _CHAT_GONE)


_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # immutable: one for every send (10 µs each)

MessageBuilder = Callable[[Sequence[int], str, Sequence[int]], Awaitable[list[DigestMessage]]]
"""The messages of one claim's digest: (the editions it covers — ``Claim.covers``, a
broadcast's id for a broadcast —, language, the editions of that day the chat already had,
whose stories a late digest marks) → messages. Awaited once per distinct (covers, language,
earlier), one build at a time; what reads the store or every body runs off the event loop.
"""
EarlierEditions = Callable[[int, int], list[int]]
"""(edition id, chat id) → the other editions of that day the chat already has."""


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Retry, concurrency and in-doubt settings (tests shrink the waits)."""

    concurrency: int = 16  # chats sent to at the same time; also the bound on in-doubt messages
    network_attempts: int = 4  # tries per message on NetworkError/TimedOut
    backoff: float = 1.0  # first network retry delay, doubled each time …
    max_backoff: float = 30.0  # … up to this
    max_flood_waits: int = 5  # 429s for one message before leaving it for a later run
    max_retry_after: float = 600.0  # a longer 429 wait stops the run (all sends stay paused)
    in_doubt: InDoubt = InDoubt.RESEND  # a message whose fate is unknown: send again or not
    lease_seconds: float = 15.0  # a sender's heartbeat lease when it is not the leader
    paid_broadcast: bool = False  # allow_paid_broadcast on every send (up to 1000 msg/s)


@dataclass(slots=True)
class DeliveryReport:
    """What one fan-out did, counted per chat (``messages`` counts single messages)."""

    edition_id: int
    sent: int = 0  # chats whose digest is now complete (resumed ones included)
    resumed: int = 0  # of ``sent``: taken over from an earlier run, only the rest sent
    in_doubt: int = 0  # chats with a message in doubt (resent or skipped by the policy)
    skipped: int = 0  # not claimable: sent before, being sent by a live sender, given up
    blocked: int = 0  # 403: chat deactivated
    failed: int = 0  # given up in this run (bad request, network, flood, unexpected)
    retryable: int = 0  # of ``failed``: left for a later run, which sends what is missing
    migrated: int = 0  # group → supergroup moves followed
    messages: int = 0  # messages confirmed by Telegram
    flood_waits: int = 0  # 429s waited out
    flood_stops: int = 0  # 429s too long to wait out (> max_retry_after): the run stopped
    paused: float = 0.0  # seconds every send was still paused when the run stopped for one
    failed_chats: list[int] = field(default_factory=list)

    @property
    def chats(self) -> int:
        """Chats looked at."""
        return self.sent + self.skipped + self.blocked + self.failed


class LeaseLost(DeliveryError, RetryLater):
    """This sender's lease is gone (paused too long, or superseded): it must stop sending.

    ``report`` is what the run did before it stopped (set by :func:`deliver_edition`)."""

    report: DeliveryReport | None = None


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
    """One chat's delivery in progress: its claim, where it goes now and what arrived."""

    claim: Claim
    chat_id: int
    total: int  # messages in this chat's digest
    confirmed: int = 0  # messages Telegram confirmed (in any run)
    in_doubt: bool = False  # a message was on the wire without an answer
    skipped: int = 0  # in-doubt messages not resent (policy "skip")
    migrations: int = 0

    def describe(self, reason: str) -> str:
        """The error text to record, with the progress when some messages are out."""
        if not self.confirmed and not self.in_doubt:
            return reason
        doubt = " (one in doubt)" if self.in_doubt else ""
        return f"partial: {self.confirmed} of {self.total} messages sent{doubt}; {reason}"


_NOT_SENT = (*NOT_SENT, httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""What proves a request never left, from our transport and from PTB's default one."""


def _refused(exc: TelegramError) -> bool:
    """True if ``exc`` proves the message was not delivered, so sending it again is safe.

    That holds when Telegram answered with an error (429, 400, 403, 401/404, 409, 5xx: PTB
    raises those without an HTTP-library cause) and when the request never left (no connection,
    no free connection in the pool). It does not hold for a timeout or a broken connection after
    the request was written, nor for a reply PTB could not read, nor for a gateway's 502/504
    in front of the Bot API (:class:`~bot.transport.GatewayAnswer`): Telegram may have sent the
    message and only the answer was lost.
    """
    if isinstance(exc, (RetryAfter, ChatMigrated, Forbidden, BadRequest, InvalidToken, Conflict)):
        return True
    if isinstance(exc, NetworkError):
        cause = exc.__cause__
        if isinstance(cause, _NOT_SENT):
            return True
        # An error status: no cause, or the error body failed to parse. A TimedOut always has
        # a cause in our transport and PTB's; without one (another request class) it stays
        # unsure.
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
    """State of one :func:`deliver_edition`, :func:`deliver_combined` or
    :func:`deliver_broadcast` run."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        ledger: Ledger,
        messages: MessageBuilder,
        pacer: Pacer,
        policy: DeliveryPolicy,
        owner: str,
        earlier: EarlierEditions | None = None,
        snapshot: _EditionDigests | None = None,
    ) -> None:
        self.bot = bot
        self.store = store
        self.ledger = ledger
        self.earlier = earlier
        self.snapshot = snapshot  # the editions digests are built from (None: a broadcast)
        self.label = ledger.label
        self.messages = messages
        self.pacer = pacer
        self.policy = policy
        self.owner = owner
        self.report = DeliveryReport(edition_id=ledger.subject_id)
        self.digests: dict[
            tuple[tuple[int, ...], str, tuple[int, ...], str | None], list[DigestMessage]
        ] = {}
        self._building = asyncio.Lock()
        self.invalid_token: InvalidToken | None = None
        self.lease_lost: LeaseLost | None = None
        self.unreleased: list[tuple[Claim, int, str]] = []  # claims whose release failed
        # An edition's claims, on-wire fences, confirmations and outcomes of all workers are
        # group-committed (the hot path of a morning's digest); other ledgers write per call.
        self.writer = (
            LedgerWriter(store.deliveries, owner, renew=dt.timedelta(seconds=policy.lease_seconds))
            if isinstance(ledger, EditionLedger)
            else None
        )

    def _redact(self, text: str) -> str:
        """Error texts may embed a request URL, and the URL holds the token."""
        token = getattr(self.bot, "token", None)
        return text.replace(token, "<token>") if token else text

    async def digest(
        self,
        covers: Sequence[int],
        language: str,
        earlier: Sequence[int] = (),
        rendered_from: str | None = None,
        version: Version | None = None,
    ) -> list[DigestMessage]:
        """The messages of a claim's digest in ``language``, built once per run and version
        of its editions (``rendered_from``, from ``version`` where given; one build at a
        time: a combined digest reads every body, so it is built off the event loop)."""
        key = (tuple(sorted(covers)), language_for(language), tuple(earlier), rendered_from)
        if key not in self.digests:
            async with self._building:
                if key not in self.digests:
                    if version is not None and self.snapshot is not None:
                        built = await self.snapshot(covers, key[1], key[2], version)
                    else:
                        built = await self.messages(covers, key[1], key[2])
                    self.digests[key] = built
        return self.digests[key]

    async def told_before(self, subscriber: SubscriberRecord, claim: Claim) -> list[int]:
        """The editions of the day whose stories this digest should mark as told: only for a
        reader of one combined message getting one edition alone (a paper that came out after
        their combined digest went); per-paper readers chose every paper whole."""
        if (
            self.earlier is None
            or claim.editions
            or subscriber.digest_mode is not DigestMode.COMBINED
        ):
            return []
        return await asyncio.to_thread(self.earlier, claim.edition_id, subscriber.chat_id)

    @property
    def flood_paused(self) -> bool:
        """Every send is paused (a 429) for longer than this run waits: it stops."""
        return self.pacer.paused_for() > self.policy.max_retry_after

    @property
    def stopped(self) -> bool:
        return self.invalid_token is not None or self.lease_lost is not None or self.flood_paused

    async def run(self, subscribers: Sequence[SubscriberRecord]) -> None:
        queue = iter(subscribers)  # shared by the workers; next() never awaits

        async def worker() -> None:
            for subscriber in queue:
                if self.stopped:
                    return
                await self.deliver_chat(subscriber)

        workers = max(1, min(self.policy.concurrency, len(subscribers)))
        if self.writer is not None:
            self.writer.expect(self.ledger.subject_id, [s.chat_id for s in subscribers])
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(workers):
                    group.create_task(worker())
        finally:
            if self.writer is not None:
                await self.writer.close()
            await self._release_again()

    async def _release_again(self) -> None:
        """Free once more the claims whose release failed (a database hiccup): under a live
        lease, the leader's, they would wait for its next run (:func:`own_claims`)."""
        unreleased, self.unreleased = self.unreleased, []
        for claim, chat_id, reason in unreleased:
            await asyncio.to_thread(self._release_sync, claim, chat_id, reason, again=True)

    async def _claim(self, chat_id: int) -> Claim | None:
        """The group commit claims an edition's rows that stand alone; a row it leaves is
        finished, a live sender's, or part of a combined digest an earlier run left
        unfinished, which the ledger resumes whole (``Deliveries.claim_bundle``)."""
        if self.writer is not None:
            claim = await self.writer.claim(self.ledger.subject_id, chat_id)
            if claim is not None:
                return claim
        return await asyncio.to_thread(self.ledger.claim, chat_id, self.owner)

    async def _put_on_wire(self, delivery_id: int, part: int) -> bool:
        if self.writer is not None:
            return await self.writer.put_on_wire(delivery_id, part)
        renew = dt.timedelta(seconds=self.policy.lease_seconds)
        return await asyncio.to_thread(
            self.ledger.put_on_wire, delivery_id, part, self.owner, renew
        )

    async def _confirm(self, claim: Claim, part: int, message_id: int) -> None:
        delivery_id, version = claim.delivery_id, claim.rendered_from
        if self.writer is not None:
            await self.writer.confirm(delivery_id, part, message_id, version)
        else:
            await asyncio.to_thread(self.ledger.confirm, delivery_id, part, message_id, version)

    async def _mark_sent(self, claim: Claim, chat_id: int, status: DeliveryStatus) -> None:
        """Recorded behind the group commit (not waited for: the committed message ledger
        already proves the chat has everything), or per call for other ledgers and for a
        combined digest (its rows are finished together)."""
        if self.writer is not None and not claim.editions:
            self.writer.mark_sent(claim.edition_id, chat_id, status)
        else:
            await asyncio.to_thread(self.ledger.mark_sent, claim, chat_id, status)

    async def deliver_chat(self, subscriber: SubscriberRecord) -> None:
        """Claim and deliver until the ledger has nothing more to claim for this chat.

        One claim is one digest. A combined digest's ledger may hand back first an unfinished
        digest of an earlier run (resumed whole, see ``Deliveries.claim_bundle``); what it owes
        besides goes in the next claim (``Ledger.owes_more``). Never raises (except
        cancellation): one chat's trouble must not stop the others.
        """
        label, chat_id = self.label, subscriber.chat_id
        first = True
        while not self.stopped:
            try:
                claim = await self._claim(chat_id)
            except Exception:
                # A database error: nothing claimed, a later run tries again.
                log.exception("%s chat %d: claiming failed", label, chat_id)
                self.report.failed += 1
                self.report.retryable += 1
                self.report.failed_chats.append(chat_id)
                return
            if claim is None:
                if first:
                    log.debug("%s chat %d: already claimed, skipped", label, chat_id)
                    self.report.skipped += 1
                return
            first = False
            if await self.deliver_claim(subscriber, claim) != chat_id:
                return  # failed, or the chat moved (migrated): a later run sends the rest
            if not self.ledger.owes_more(chat_id, claim):
                return

    async def deliver_claim(self, subscriber: SubscriberRecord, claim: Claim) -> int | None:
        """Send every message of the claim's digest the ledger lacks, record the outcome;
        the chat id it went to when it is delivered (a migrated group's new one), else None.
        Never raises (except cancellation): one chat's trouble, even a database error while
        recording it, must not stop the other workers of the run."""
        try:
            return await self._deliver_claim(subscriber, claim)
        except Exception:
            chat_id = subscriber.chat_id
            log.exception("%s chat %d: could not record the outcome", self.label, chat_id)
            self.report.failed += 1
            self.report.retryable += 1
            self.report.failed_chats.append(chat_id)
            # Free the claim if the database lets us (a live sender's is otherwise held until
            # it stops); whatever went out is in the ledger, and a later run sends the rest.
            await asyncio.to_thread(self._release_sync, claim, chat_id, "outcome not recorded")
            return None

    async def _version(self, claim: Claim) -> tuple[Claim, Version | None] | None:
        """The claim (its fingerprint brought up to date where it had sent nothing yet) and
        the version of its editions to build its digest from: the one the claim recorded, so
        resuming by message number stays right. Quick while the run holds it (no thread, no
        database). None when that version is gone from the store (a late page since the
        claim) and messages of it went out: the claim is left for a later run, which finds it
        ``changed``. No version for a claim without a fingerprint (a broadcast)."""
        if claim.rendered_from is None or self.snapshot is None:
            return claim, None
        held = self.snapshot.held(claim.covers)
        if held is not None and fingerprint(held) == claim.rendered_from:
            return claim, held
        snapshot = self.snapshot
        version = await asyncio.to_thread(snapshot.version_of, claim.covers, claim.rendered_from)
        if version is not None:
            return claim, version
        current = snapshot.held(claim.covers)
        if claim.parts or current is None:
            return None
        # Nothing of it went out: it takes the version stored now (its fingerprint too).
        adopted = dataclasses.replace(claim, rendered_from=fingerprint(current))
        if not await asyncio.to_thread(self.ledger.restart, adopted, self.owner):
            raise LeaseLost(f"{self.label} chat {claim.chat_id}: the claim was taken over")
        return adopted, current

    async def _begin_again(self, claim: Claim) -> Claim:
        """A ``changed`` claim (begun from an earlier version of its editions, a late page
        since) under ``[delivery] in_doubt = "resend"``: its ledger emptied, it is sent again
        whole from its first message (what arrived before may come twice: counted in doubt)."""
        if not await asyncio.to_thread(self.ledger.restart, claim, self.owner):
            raise LeaseLost(f"{self.label} chat {claim.chat_id}: the claim was taken over")
        log.info(
            "%s chat %d: begun from an earlier version of the edition (a late page since);"
            " sending it again whole",
            self.label,
            claim.chat_id,
        )
        return dataclasses.replace(claim, parts={}, changed=False)

    async def _leave_in_doubt(self, claim: Claim, chat_id: int) -> None:
        """A ``changed`` claim under ``in_doubt = "skip"``: finished in doubt as it stands
        (nothing more sent, nothing twice)."""
        log.info(
            "%s chat %d: begun from an earlier version of the edition (a late page since);"
            " not sent again (in_doubt = skip)",
            self.label,
            chat_id,
        )
        await self._mark_sent(claim, chat_id, DeliveryStatus.IN_DOUBT)
        self.report.sent += 1
        self.report.resumed += 1
        self.report.in_doubt += 1

    async def _deliver_claim(self, subscriber: SubscriberRecord, claim: Claim) -> int | None:
        label, chat_id = self.label, subscriber.chat_id
        ledger, report = self.ledger, self.report
        attempt: _Attempt | None = None
        restarted = claim.changed
        try:
            if claim.changed and self.policy.in_doubt is InDoubt.SKIP:
                await self._leave_in_doubt(claim, chat_id)
                return chat_id
            found = await self._version(claim)
            if found is None:
                # Its version is gone (a late page since it was claimed) and some of it went
                # out: a later run takes it over as ``changed``.
                log.info("%s chat %d: the edition changed while claimed; left", label, chat_id)
                await asyncio.to_thread(self._release_sync, claim, chat_id, "edition changed")
                report.failed += 1
                report.retryable += 1
                report.failed_chats.append(chat_id)
                return None
            claim, version = found
            if claim.changed:
                claim = await self._begin_again(claim)
            earlier = await self.told_before(subscriber, claim)
            language = claim.language or subscriber.language  # a resumed digest's own
            messages = await self.digest(
                claim.covers, language, earlier, claim.rendered_from, version
            )
            attempt = _Attempt(claim, chat_id, total=len(messages), in_doubt=restarted)
            for part, message in enumerate(messages):
                await self.send_part(attempt, part, message)
            status = DeliveryStatus.IN_DOUBT if attempt.skipped else DeliveryStatus.SENT
            await self._mark_sent(claim, attempt.chat_id, status)
            report.sent += 1
            report.resumed += int(claim.resumed)
            report.in_doubt += int(attempt.in_doubt)
            # DEBUG: at a paid broadcast's 1,000 chats a second a line per chat is a log of
            # its own; the run's summary counts them and the ledger holds each chat's outcome.
            log.debug(
                "%s chat %d: digest delivered (%d messages%s%s)",
                label,
                attempt.chat_id,
                len(messages),
                f", combined: editions {claim.covers}" if claim.editions else "",
                ", resumed" if claim.resumed else "",
            )
            return attempt.chat_id
        except LeaseLost as exc:
            # Sends nothing more and writes nothing: the claim belongs to whoever takes it.
            self.lease_lost = exc
        except Forbidden as exc:
            chat_id = attempt.chat_id if attempt is not None else chat_id
            reason = self._redact(exc.message)
            log.info("%s chat %d: %s; deactivating", label, chat_id, reason)
            await asyncio.to_thread(self.store.subscribers.deactivate, chat_id)
            await asyncio.to_thread(ledger.mark_failed, claim, chat_id, reason, False, self.owner)
            report.blocked += 1
        except BadRequest as exc:
            assert attempt is not None  # raised by send() only
            reason = f"BadRequest: {self._redact(exc.message)}"
            if _chat_gone(exc):
                # A dead chat, not our bug: stop sending to it, as for a 403 (history kept).
                log.info("%s chat %d: %s; deactivating", label, attempt.chat_id, reason)
                await asyncio.to_thread(self.store.subscribers.deactivate, attempt.chat_id)
                await self._failed(attempt, reason, retryable=False)
            else:
                await self._failed(attempt, reason, retryable=False, level=logging.ERROR)
        except _GiveUp as exc:
            assert attempt is not None  # raised by send() only
            await self._failed(attempt, exc.reason, retryable=exc.retryable)
        except InvalidToken as exc:
            assert attempt is not None  # raised by send() only
            # Every chat would fail the same way: stop the fan-out, leave the claim retryable.
            self.invalid_token = exc
            log.critical("%s: the bot token was rejected; stopping delivery", label)
            await self._failed(attempt, "InvalidToken", retryable=True)
        except _AlreadyThere as exc:
            log.info(
                "%s chat %d: migrated to %d, which already has this digest",
                label,
                chat_id,
                exc.new_chat_id,
            )
            await asyncio.to_thread(
                ledger.mark_failed, claim, chat_id, "migrated; new chat has it", False, self.owner
            )
            report.skipped += 1
        except asyncio.CancelledError:
            # Free the claim: the ledger knows what went out, a later run sends the rest.
            self._release_sync(claim, attempt.chat_id if attempt is not None else chat_id)
            raise
        except Exception as exc:
            # A bug or a database error: leave the chat for a later run, which resumes it.
            chat_id = attempt.chat_id if attempt is not None else chat_id
            log.exception("%s chat %d: unexpected error", label, chat_id)
            reason = self._redact(f"{type(exc).__name__}: {exc}")
            if attempt is None:
                # Nothing sent (the digest could not be built): free the claim for a later run.
                await asyncio.to_thread(self._release_sync, claim, chat_id, reason)
                return None
            try:
                await self._failed(attempt, reason, retryable=True)
            except Exception:
                log.exception("%s chat %d: could not record failure", label, chat_id)
        return None

    async def _follow_migration(self, attempt: _Attempt, new_id: int) -> None:
        """Move the subscription (and our claim) to the supergroup's new id, then resend.

        ``store.subscribers.migrate_chat`` moves the delivery row (and so its ledger) unless the
        new id already has one for this edition; then that row decides: sent or being sent
        there means nothing more to do.
        """
        label, old_id, claim = self.label, attempt.chat_id, attempt.claim
        attempt.migrations += 1
        if attempt.migrations > 2 or new_id == old_id:
            raise _GiveUp(f"chat {old_id} keeps migrating", retryable=False)
        log.info("%s chat %d: migrated to %d; resending", label, old_id, new_id)
        await asyncio.to_thread(self.store.subscribers.migrate_chat, old_id, new_id)
        self.report.migrated += 1
        left_behind = await asyncio.to_thread(self.ledger.get, claim, old_id)
        if left_behind is not None:
            theirs = await asyncio.to_thread(self.ledger.get, claim, new_id)
            sent_or_sending = (DeliveryStatus.SENT, DeliveryStatus.PENDING)
            if theirs is not None and theirs.status in sent_or_sending:
                raise _AlreadyThere(new_id)
        attempt.chat_id = new_id

    def _release_sync(
        self, claim: Claim, chat_id: int, reason: str = "cancelled", *, again: bool = False
    ) -> None:
        try:
            self.ledger.mark_failed(claim, chat_id, reason, True, self.owner)
        except Exception:
            log.exception("%s chat %d: could not free claim", self.label, chat_id)
            if not again:
                self.unreleased.append((claim, chat_id, reason))

    async def _failed(
        self, attempt: _Attempt, reason: str, *, retryable: bool, level: int = logging.WARNING
    ) -> None:
        """Log and record that delivery to this chat stopped; ``retryable`` frees the claim
        (a later run sends what the ledger lacks)."""
        label, chat_id = self.label, attempt.chat_id
        reason = attempt.describe(reason)
        note = "a later run sends the rest" if retryable else "not retried"
        log.log(level, "%s chat %d: giving up (%s); %s", label, chat_id, reason, note)
        await asyncio.to_thread(
            self.ledger.mark_failed, attempt.claim, chat_id, reason, retryable, self.owner
        )
        self.report.failed += 1
        self.report.retryable += int(retryable)
        self.report.in_doubt += int(attempt.in_doubt)
        self.report.failed_chats.append(chat_id)

    async def send_part(self, attempt: _Attempt, part: int, message: DigestMessage) -> None:
        """Send message ``part`` unless the ledger has it; an in-doubt one by the policy."""
        state = attempt.claim.parts.get(part)
        if state is MessageState.CONFIRMED or state is MessageState.SKIPPED:
            attempt.confirmed += state is MessageState.CONFIRMED
            return
        if state is MessageState.ON_WIRE:
            attempt.in_doubt = True
            if self.policy.in_doubt is InDoubt.SKIP:
                await self._skip(attempt, part)
                return
        await self.send(attempt, part, message)

    async def _skip(self, attempt: _Attempt, part: int) -> None:
        log.info(
            "%s chat %d: message %d in doubt; not resent (in_doubt = skip)",
            self.label,
            attempt.chat_id,
            part + 1,
        )
        await asyncio.to_thread(self.ledger.skip, attempt.claim.delivery_id, part)
        attempt.skipped += 1

    async def send(self, attempt: _Attempt, part: int, message: DigestMessage) -> None:
        """Send one message, waiting out 429s, following migrations, retrying network errors.

        A migration updates ``attempt.chat_id``. Forbidden, BadRequest, InvalidToken and
        LeaseLost propagate; exhausted retries raise ``_GiveUp``.

        A message is sent again at once on proof that it did not arrive (:func:`_refused`): a
        429, a 5xx answer, a connection that was never made. A timeout or a dropped connection
        after the request was written is *in doubt* — Telegram may have delivered it and only
        the answer was lost: ``resend`` retries it (a possible duplicate), ``skip`` goes on
        with the next message.
        """
        label = self.label
        policy = self.policy
        network_failures = flood_waits = 0
        while True:
            chat_id = attempt.chat_id
            delay = 0.0
            try:
                await self.pacer.acquire(chat_id, within=policy.max_retry_after)
            except FloodPaused as exc:
                raise _GiveUp(f"flood control: {exc}", retryable=True) from exc
            try:
                await self._post(attempt, part, message)
                return
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                flood_waits += 1
                # A 429 holds for the bot, not this chat: everyone waits it out, however
                # long (the pacer is shared by every run of the process).
                self.pacer.pause(seconds)
                reason = f"flood control: retry after {seconds:g}s"
                if seconds > policy.max_retry_after:
                    self.report.flood_stops += 1
                    log.error(
                        "%s chat %d: 429, all sends paused for %gs; stopping the run",
                        label,
                        chat_id,
                        seconds,
                    )
                    raise _GiveUp(reason, retryable=True) from exc
                if flood_waits > policy.max_flood_waits:
                    raise _GiveUp(reason, retryable=True) from exc
                self.report.flood_waits += 1
                log.warning(
                    "%s chat %d: 429, pausing all sends for %gs",
                    label,
                    chat_id,
                    seconds,
                )
                continue
            except ChatMigrated as exc:
                await self._follow_migration(attempt, exc.new_chat_id)
                continue
            except (Forbidden, BadRequest, InvalidToken):
                raise
            except NetworkError as exc:  # includes TimedOut; BadRequest handled above
                network_failures += 1
                reason = self._redact(f"{type(exc).__name__}: {exc.message}")
                if not _refused(exc):
                    attempt.in_doubt = True
                    if policy.in_doubt is InDoubt.SKIP:
                        await self._skip(attempt, part)
                        return
                if network_failures >= policy.network_attempts:
                    raise _GiveUp(reason, retryable=True) from exc
                delay = min(policy.max_backoff, policy.backoff * 2 ** (network_failures - 1))
                log.warning(
                    "%s chat %d: %s; retry %d in %gs",
                    label,
                    chat_id,
                    reason,
                    network_failures,
                    delay,
                )
            except TelegramError as exc:
                # Not in the table of known meanings: do not loop on it.
                reason = self._redact(f"{type(exc).__name__}: {exc.message}")
                raise _GiveUp(reason, retryable=True) from exc
            finally:
                self.pacer.release(chat_id)
            await asyncio.sleep(delay)

    async def _post(self, attempt: _Attempt, part: int, message: DigestMessage) -> None:
        """One ``sendMessage``, with the ledger written around it: ``on_wire`` first (the
        fence: refused once this sender's lease is gone), ``confirmed`` with the message id
        after, the row removed again when Telegram's answer proves nothing was delivered."""
        delivery_id = attempt.claim.delivery_id
        if not await self._put_on_wire(delivery_id, part):
            raise LeaseLost(f"sender {self.owner}: lease or claim lost; not sending")
        try:
            sent = await self.bot.send_message(
                chat_id=attempt.chat_id,
                text=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=message.keyboard,
                link_preview_options=_NO_PREVIEW,
                allow_paid_broadcast=self.policy.paid_broadcast or None,
            )
        except TelegramError as exc:
            if _refused(exc):
                await asyncio.to_thread(self.ledger.refused, delivery_id, part)
            raise
        await self._confirm(attempt.claim, part, sent.message_id)
        attempt.confirmed += 1
        self.report.messages += 1


_running: dict[tuple[str, str], int] = {}  # (owner, ledger) → its runs in this process
_freeing: dict[tuple[str, str], asyncio.Event] = {}  # set once the first run has freed


@asynccontextmanager
async def own_claims(owner: str, ledger: str, free: Callable[[], int]) -> AsyncIterator[None]:
    """Around one run of ``owner`` on ``ledger`` (``"deliveries"``, ``"broadcasts"``,
    ``"alerts"``), before it reads what is owed: if no other run of ``owner`` on that ledger
    is going on in this process, none holds a claim of ``owner``'s there, so any still
    pending is stale (its outcome or release could not be written) and ``free`` frees it.

    Why: a claim is taken over only from a sender without a live lease, and the leader's
    lives as long as it does; without this its stale claims would wait for its death. What
    the ledger has stays: confirmed messages are not sent again, one on the wire is in
    doubt (``[delivery] in_doubt``). Runs that overlap another leave the freeing to a
    later one; a run that starts while the first frees waits for it.
    """
    key = (owner, ledger)
    counted = False
    try:
        while key in _freeing:
            await _freeing[key].wait()
        first = not _running.get(key)
        _running[key] = _running.get(key, 0) + 1
        counted = True
        if first:
            done = _freeing[key] = asyncio.Event()
            try:
                freed = await asyncio.to_thread(free)
            except Exception as exc:
                log.warning("%s: could not free stale claims of %s: %s", ledger, owner, exc)
            else:
                if freed:
                    log.warning(
                        "%s: %d claims %s left pending in earlier runs freed for a retry",
                        ledger,
                        freed,
                        owner,
                    )
            finally:
                del _freeing[key]
                done.set()
        yield
    finally:
        if counted:
            _running[key] -= 1
            if not _running[key]:
                del _running[key]


Version = Mapping[int, tuple[EditionRecord, Sequence[ArticleRecord]]]
"""Editions as one version of each: edition id → (record, articles), read together."""


def fingerprint(version: Version) -> str:
    """:func:`~bot.storage.deliveries.rendering_of` a version of editions."""
    return rendering_of([(record.id, record.content_hash) for record, _ in version.values()])


class _EditionDigests:
    """The :data:`MessageBuilder` of digests: one edition's digest, or the combined digest of
    several (sections in the configured order of their papers, so a resumed bundle renders the
    very messages its ledger counts). Editions a resumed bundle holds besides the run's own are
    read from the store. One edition's plain digest is built on the event loop, as it always
    was (quick, and a run's chats get their first message without a thread hop); anything
    that reads the store or compares bodies runs in a worker thread.

    Each edition is held as one (record, articles) pair of one version (:meth:`_read`),
    replaced whole when a late page is found stored since; a claim's digest is built from the
    pairs :meth:`version_of` checked against the claim (never re-read after: another worker
    may move the run to a newer version meanwhile)."""

    def __init__(
        self,
        store: Store,
        editions: Sequence[EditionRecord],
        articles: Mapping[int, Sequence[ArticleRecord]],
        paper_order: Sequence[str],
    ) -> None:
        self.store = store
        self.loaded: dict[int, tuple[EditionRecord, Sequence[ArticleRecord]]] = {
            edition.id: (edition, articles[edition.id])
            for edition in editions
            if edition.id in articles
        }
        self.paper_order = {name: index for index, name in enumerate(paper_order)}

    def held(self, covers: Sequence[int]) -> Version | None:
        """The version held of ``covers`` (None while one is not read yet). No I/O."""
        pairs = {edition_id: self.loaded.get(edition_id) for edition_id in covers}
        if any(pair is None for pair in pairs.values()):
            return None
        return {edition_id: pair for edition_id, pair in pairs.items() if pair is not None}

    def version_of(self, covers: Sequence[int], rendered_from: str) -> Version | None:
        """The version of ``covers`` a claim recorded (``rendered_from``): the one held, or
        the one stored if a late page came in since the run read it; None when the store holds
        another (a late page since the claim). Blocking: reads the store."""
        self._load(covers)
        held = self.held(covers)
        if held is not None and fingerprint(held) == rendered_from:
            return held
        for edition_id in covers:
            stored = self.store.editions.get(edition_id)
            if stored is None:
                raise LookupError(f"edition {edition_id} is gone")
            if stored.content_hash != self.loaded[edition_id][0].content_hash:
                self.loaded[edition_id] = self._read(edition_id)
        held = self.held(covers)
        return held if held is not None and fingerprint(held) == rendered_from else None

    def _read(self, edition_id: int) -> tuple[EditionRecord, Sequence[ArticleRecord]]:
        """An edition's record and articles of one version: read again while a late page
        replaces it between the two reads (the record's hash before and after must agree)."""
        for _ in range(5):
            record = self.store.editions.get(edition_id)
            if record is None:
                raise LookupError(f"edition {edition_id} is gone")
            articles = self.store.editions.articles(edition_id)
            after = self.store.editions.get(edition_id)
            if after is not None and after.content_hash == record.content_hash:
                return record, articles
        raise EditionChangedError(f"edition {edition_id} keeps changing")

    def _load(self, edition_ids: Sequence[int]) -> None:
        for edition_id in edition_ids:
            if edition_id not in self.loaded:  # a resumed bundle's other editions
                self.loaded[edition_id] = self._read(edition_id)

    async def __call__(
        self,
        covers: Sequence[int],
        lang: str,
        earlier: Sequence[int] = (),
        version: Version | None = None,
    ) -> list[DigestMessage]:
        if version is None and len(covers) == 1 and not earlier and covers[0] in self.loaded:
            edition, articles = self.loaded[covers[0]]
            return build_digest(edition, articles, lang)
        if version is not None and len(covers) == 1 and not earlier:
            edition, articles = version[covers[0]]
            return build_digest(edition, articles, lang)
        return await asyncio.to_thread(self._build, covers, lang, earlier, version)

    def _build(
        self,
        covers: Sequence[int],
        lang: str,
        earlier: Sequence[int],
        version: Version | None,
    ) -> list[DigestMessage]:
        self._load([*covers, *earlier])
        held = {edition_id: self.loaded[edition_id] for edition_id in (*covers, *earlier)}
        held.update(version or {})
        if len(covers) == 1:
            edition, articles = held[covers[0]]
            sections = [Section(*held[e]) for e in earlier]
            notes = told_earlier(sections, articles, lang) if sections else None
            return build_digest(edition, articles, lang, notes=notes)
        order = sorted(
            covers,
            key=lambda e: (
                self.paper_order.get(held[e][0].paper, len(self.paper_order)),
                held[e][0].paper,
                e,
            ),
        )
        return build_combined_digest([Section(*held[e]) for e in order], lang)


async def deliver_edition(
    bot: Bot,
    store: Store,
    edition: EditionRecord,
    articles: Sequence[ArticleRecord] | None = None,
    *,
    pacer: Pacer | None = None,
    only_chats: Collection[int] | None = None,
    policy: DeliveryPolicy | None = None,
    owner: str | None = None,
    paper_order: Sequence[str] = (),
) -> DeliveryReport:
    """Send ``edition``'s digest to every active subscriber that has not had it yet.

    ``articles`` defaults to the stored ones. ``only_chats`` restricts the run to those chat ids
    (the scheduler's per-user digest times); without it, readers who chose one combined
    message (``DigestMode.COMBINED``) are left to :func:`deliver_combined`. Each chat gets the
    digest in its own language. ``owner`` is the holder of a live lease this process keeps (the
    leader's); without one the run keeps a sender heartbeat lease of its own for its duration.
    Safe to run again, also concurrently: claimed chats are skipped, a dead sender's are
    resumed (a combined digest it left unfinished is resumed whole, its sections in
    ``paper_order`` as :func:`deliver_combined` orders them). Raises ``InvalidToken`` if
    Telegram rejects the token and :class:`LeaseLost` if this sender's lease is gone (both
    after stopping the run); any other error is per chat and in the report.
    """
    policy = policy or DeliveryPolicy()
    if owner is None:
        async with sender_lease(store, policy.lease_seconds) as keeper:
            return await deliver_edition(
                bot,
                store,
                edition,
                articles,
                pacer=pacer,
                only_chats=only_chats,
                policy=policy,
                owner=keeper.holder,
                paper_order=paper_order,
            )
    if articles is None:
        articles = await asyncio.to_thread(store.editions.articles, edition.id)
    if not articles:
        log.warning("edition %d has no articles; no digest sent", edition.id)
        return DeliveryReport(edition_id=edition.id)
    digests = _EditionDigests(store, [edition], {edition.id: articles}, paper_order)
    ledger = EditionLedger(store.deliveries, edition.id)
    free = functools.partial(store.deliveries.free_own, owner, [edition.id])
    async with own_claims(owner, "deliveries", free):
        subscribers = await asyncio.to_thread(store.deliveries.pending_chats, edition.id)
        if only_chats is not None:
            wanted = set(only_chats)
            subscribers = [s for s in subscribers if s.chat_id in wanted]
        else:
            subscribers = [s for s in subscribers if s.digest_mode is not DigestMode.COMBINED]
        return await _send_digests(bot, store, ledger, digests, pacer, policy, owner, subscribers)


async def _send_digests(
    bot: Bot,
    store: Store,
    ledger: Ledger,
    digests: _EditionDigests,
    pacer: Pacer | None,
    policy: DeliveryPolicy,
    owner: str,
    readers: Sequence[SubscriberRecord],
) -> DeliveryReport:
    """Digests (one edition's or combined) to ``readers``: a stale story is marked against
    what each reader already had that day."""
    fanout = _Fanout(
        bot,
        store,
        ledger,
        digests,
        pacer or Pacer(),
        policy,
        owner,
        earlier=store.deliveries.delivered_same_day,
        snapshot=digests,
    )
    return await _run(fanout, readers)


async def deliver_combined(
    bot: Bot,
    store: Store,
    editions: Sequence[EditionRecord],
    due: Mapping[int, Collection[int]] | None = None,
    *,
    pacer: Pacer | None = None,
    policy: DeliveryPolicy | None = None,
    owner: str | None = None,
    paper_order: Sequence[str] = (),
) -> DeliveryReport:
    """Send each chat one combined digest of those of ``editions`` it is owed.

    ``due`` maps chat ids to the ids of the editions due to them now (the scheduler's digest
    times); without it, every active reader who chose one combined message and is owed any of
    ``editions`` gets all of them they are owed. Each chat's editions are claimed together and
    recorded in one ledger (:class:`~bot.delivery.ledger.BundleLedger`), so crash-resume,
    in-doubt handling, the lease fence and "never twice" hold as for one edition; an edition
    the chat already had (a paper that came out after its combined digest went out gets a
    digest of its own) is never in it. One edition alone is sent as its plain digest. Sections
    follow ``paper_order`` (paper names). The report is keyed by the first edition; errors as
    :func:`deliver_edition`.
    """
    policy = policy or DeliveryPolicy()
    if owner is None:
        async with sender_lease(store, policy.lease_seconds) as keeper:
            return await deliver_combined(
                bot,
                store,
                editions,
                due,
                pacer=pacer,
                policy=policy,
                owner=keeper.holder,
                paper_order=paper_order,
            )
    if not editions:
        raise ValueError("deliver_combined needs at least one edition")
    articles: dict[int, Sequence[ArticleRecord]] = {}
    for edition in editions:
        articles[edition.id] = await asyncio.to_thread(store.editions.articles, edition.id)
    readers: dict[int, SubscriberRecord] = {}
    owed: dict[int, list[int]] = {}
    free = functools.partial(store.deliveries.free_own, owner, [e.id for e in editions])
    async with own_claims(owner, "deliveries", free):
        for edition in editions:
            if not articles[edition.id]:
                log.warning("edition %d has no articles; left out of combined digests", edition.id)
                continue
            for reader in await asyncio.to_thread(store.deliveries.pending_chats, edition.id):
                if due is None:
                    wanted = reader.digest_mode is DigestMode.COMBINED
                else:
                    wanted = edition.id in due.get(reader.chat_id, ())
                if wanted and reader.active:
                    readers[reader.chat_id] = reader
                    owed.setdefault(reader.chat_id, []).append(edition.id)
        digests = _EditionDigests(store, editions, articles, paper_order)
        ledger = BundleLedger(store.deliveries, [e.id for e in editions], owed)
        chats = [readers[chat] for chat in sorted(owed)]
        return await _send_digests(bot, store, ledger, digests, pacer, policy, owner, chats)


async def deliver_broadcast(
    bot: Bot,
    store: Store,
    broadcast: BroadcastRecord,
    *,
    pacer: Pacer | None = None,
    policy: DeliveryPolicy | None = None,
    owner: str | None = None,
) -> DeliveryReport:
    """Send ``broadcast`` to every active subscriber that has not had it yet, through the same
    claims, ledger, pacing and error handling as a digest (its ledger is its own:
    ``store.broadcasts``). Safe to run again and to resume after a crash: a chat that has it
    is skipped, one in doubt follows ``[delivery] in_doubt``. ``report.edition_id`` holds the
    broadcast's id. Nothing is sent for an unconfirmed broadcast.
    """
    policy = policy or DeliveryPolicy()
    if owner is None:
        async with sender_lease(store, policy.lease_seconds) as keeper:
            return await deliver_broadcast(
                bot, store, broadcast, pacer=pacer, policy=policy, owner=keeper.holder
            )
    if broadcast.confirmed_at is None:
        log.warning("broadcast %d is not confirmed; nothing sent", broadcast.id)
        return DeliveryReport(edition_id=broadcast.id)
    message = [DigestMessage(text=escape(broadcast.text), keyboard=None)]

    async def messages(
        covers: Sequence[int], lang: str, earlier: Sequence[int]
    ) -> list[DigestMessage]:
        return message  # the same text for everyone

    ledger = BroadcastLedger(store.broadcasts, broadcast.id)
    fanout = _Fanout(bot, store, ledger, messages, pacer or Pacer(), policy, owner)
    free = functools.partial(store.broadcasts.free_own, owner, broadcast.id)
    async with own_claims(owner, "broadcasts", free):
        subscribers = await asyncio.to_thread(store.broadcasts.pending_chats, broadcast.id)
        report = await _run(fanout, subscribers)
        await asyncio.to_thread(store.broadcasts.finish_if_done, broadcast.id)
    return report


async def _run(fanout: _Fanout, subscribers: Sequence[SubscriberRecord]) -> DeliveryReport:
    """Run ``fanout`` over the active ones of ``subscribers``; log and return what it did.

    Raises the fan-out's :class:`LeaseLost` or ``InvalidToken`` after it stopped. A run that
    a 429 longer than ``max_retry_after`` stopped (or that found every send still paused by
    one) returns: ``report.flood_stops`` and ``report.paused`` tell."""
    subscribers = [s for s in subscribers if s.active]
    label = fanout.label
    if subscribers and fanout.flood_paused:
        log.warning(
            "%s: all sends paused for %gs (a 429); %d chats left for a later run",
            label,
            fanout.pacer.paused_for(),
            len(subscribers),
        )
    elif subscribers:
        log.info("%s: delivering to %d chats", label, len(subscribers))
        await fanout.run(subscribers)
    report = fanout.report
    if fanout.flood_paused:
        report.paused = fanout.pacer.paused_for()
    # A run with nobody to send to (a takeover pass finding nothing left, a paper without
    # readers) says so only when asked: one line per edition that did something.
    log.log(
        logging.INFO if subscribers else logging.DEBUG,
        "%s: sent %d (resumed %d), in doubt %d, skipped %d, blocked %d, failed %d "
        "(%d messages, %d flood waits, %d too long to wait)",
        label,
        report.sent,
        report.resumed,
        report.in_doubt,
        report.skipped,
        report.blocked,
        report.failed,
        report.messages,
        report.flood_waits,
        report.flood_stops,
    )
    if fanout.lease_lost is not None:
        fanout.lease_lost.report = report
        raise fanout.lease_lost
    if fanout.invalid_token is not None:
        raise fanout.invalid_token
    return report
