"""Plain records and statuses that cross module lines on the bot side.

The store returns these (never ORM objects), so handlers, the digest and delivery code work on
immutable data and never touch a database session. The statuses are string enums:
their values are exactly the strings in the database's ``status`` columns (and their CHECK
constraints), so the schema stays plain ``VARCHAR`` and the store converts at the boundary.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from dataclasses import dataclass


class DeliveryStatus(enum.StrEnum):
    """Where one digest to one chat stands (``deliveries.status``)."""

    PENDING = "pending"  # claimed by a live sender; a dead sender's claim is taken over
    SENT = "sent"  # every message confirmed by Telegram
    IN_DOUBT = "in_doubt"  # finished, but a message in doubt was not resent ([delivery] in_doubt)
    FAILED = "failed"  # given up: nobody tries again
    RETRY = "retry"  # failed transiently: the next run claims it again and sends what is missing


DELIVERED: frozenset[DeliveryStatus] = frozenset({DeliveryStatus.SENT, DeliveryStatus.IN_DOUBT})
"""A digest that went out (one whose message in doubt was skipped by policy counts)."""


class MessageState(enum.StrEnum):
    """One message of one digest to one chat in the ledger (``delivery_messages.state``).

    A message is written ``on_wire`` *before* its request goes out and ``confirmed`` (with
    Telegram's message id) after the answer; a refusal deletes the row. So after a crash an
    ``on_wire`` row is exactly a request whose fate is unknown.
    """

    ON_WIRE = "on_wire"
    CONFIRMED = "confirmed"
    SKIPPED = "skipped"  # was in doubt and, by the in-doubt policy, not sent again


class InDoubt(enum.StrEnum):
    """What to do with a message that was on the wire when its sender died or timed out."""

    RESEND = "resend"  # a rare duplicate beats a lost morning digest
    SKIP = "skip"  # assume it arrived


class AlertStatus(enum.StrEnum):
    """Where one topic alert to one chat stands (``alerts.status``): a one-message ledger."""

    PENDING = "pending"  # decided, not sent; claimable when unclaimed or its sender is dead
    ON_WIRE = "on_wire"  # the request went out; a dead sender's is in doubt
    SENT = "sent"  # Telegram confirmed it
    IN_DOUBT = "in_doubt"  # was on the wire when its sender died; not resent ([delivery] skip)
    FAILED = "failed"  # given up (blocked, bad request)


class DigestMode(enum.StrEnum):
    """How a reader with several papers gets the day's digests (``subscribers.digest_mode``)."""

    PER_PAPER = "per_paper"  # one digest per paper, each when its edition is due
    COMBINED = "combined"  # one message for all the reader's papers of the day


class FileStatus(enum.StrEnum):
    """How ingesting one edition file went (``ingested_files.status``)."""

    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class EditionRecord:
    """A stored edition: one paper, one date (all its pages)."""

    id: int
    paper: str
    date: dt.date
    article_count: int
    ingested_at: dt.datetime
    backfilled: bool = False
    """Stored by a backfill: archive only, never pushed as a digest."""
    content_hash: str = ""
    """What the edition was made from (its pages' bytes, or an e-paper crawl's fingerprint)."""


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """A stored article with its summary. ``number`` is its 1-based place in the edition."""

    id: int
    edition_id: int
    number: int
    page: str | None
    title: str
    byline: str | None
    paragraphs: tuple[str, ...]
    captions: tuple[str, ...]
    summary: tuple[str, ...]
    keywords: tuple[str, ...]
    continued_on: int | None = None

    @property
    def mark(self) -> str:
        """Eight hex digits naming this article within its edition by its title and first
        paragraph: its number can change (a page arriving late is merged in edition order),
        those do not (a continuation joined later adds paragraphs at the end); the first
        paragraph tells apart the articles of a title a page repeats (图片新闻). Buttons and
        alerts carry it, to find the article again."""
        lead = self.paragraphs[0] if self.paragraphs else ""
        named = f"{self.title}\n{lead}".encode("utf-8", "surrogatepass")
        return hashlib.blake2b(named, digest_size=4).hexdigest()


@dataclass(frozen=True, slots=True)
class SubscriberRecord:
    """A chat that talked to the bot. ``digest_time`` None means the configured default."""

    chat_id: int
    language: str
    active: bool
    digest_time: dt.time | None
    papers: tuple[str, ...] = ()
    """The papers the chat subscribed to, by name (in the order it chose them)."""
    digest_mode: DigestMode = DigestMode.PER_PAPER
    timezone: str | None = None
    """The reader's IANA timezone (None: the configured one)."""
    quiet_hours: tuple[dt.time, dt.time] | None = None
    """Local wall-clock window without alerts (None: the configured default; equal ends:
    none)."""


@dataclass(frozen=True, slots=True)
class Stats:
    """What /stats shows."""

    editions: int
    articles: int
    subscribers: int
    digests_delivered: int
    top_keywords: tuple[tuple[str, int], ...]
    # (date, articles that day, distinct keywords that day), oldest first
    daily: tuple[tuple[dt.date, int, int], ...]


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to send one digest to one chat, and what the ledger knows of it so far.

    One digest covers one edition, or several in one combined message (a *bundle*: one row per
    edition, claimed and finished together, the lead row's ledger holding the messages).
    ``parts`` maps message numbers (0-based) to their state; ``resumed`` is True when an
    earlier run (a dead or failed sender) had this claim, so only what is missing is sent.
    """

    delivery_id: int
    edition_id: int
    chat_id: int
    resumed: bool
    parts: dict[int, MessageState]
    editions: tuple[int, ...] = ()
    """A combined digest's editions, ``edition_id`` first (its row, the lead, holds the
    ledger); empty for a digest of ``edition_id`` alone. The renderer orders the sections."""
    rendered_from: str | None = None
    """The fingerprint of the editions as stored when claimed (``deliveries.rendering_of``):
    what the digest must be rendered from. None for a broadcast."""
    changed: bool = False
    """Taken over with messages in its ledger rendered from editions that changed since (a
    late page): resuming them by number would mix two versions. The sender decides by its
    in-doubt policy (``Deliveries.restart`` sends it again whole)."""
    language: str | None = None
    """The language to render the digest in: the reader's when claimed, or, for a digest
    taken over with messages already sent, the one those went out in (its other messages
    must match them). None: no reader row (a broadcast, a chat unknown): the sender's choice."""

    @property
    def covers(self) -> tuple[int, ...]:
        """The editions this claim delivers: the bundle's, or ``edition_id`` alone."""
        return self.editions or (self.edition_id,)


@dataclass(frozen=True, slots=True)
class LedgerWrites:
    """Ledger writes of one sender's workers, applied together in one transaction.

    Why together: at paid-broadcast rates a transaction per message (claim, on the wire,
    confirmed, sent) costs more than the send itself. Each entry keeps the meaning of its
    single-row method in :class:`bot.storage.Deliveries` (``claim``, ``put_on_wire``,
    ``confirm``, ``mark_sent``); only the commits are shared. Applied in the order
    confirmed → finished → claims → on the wire.
    """

    owner: str
    claims: tuple[tuple[int, int], ...] = ()  # (edition_id, chat_id)
    on_wire: tuple[tuple[int, int], ...] = ()  # (delivery_id, part): the fence, as put_on_wire
    # (delivery_id, part, message_id, rendered_from): as confirm, for that version only
    confirmed: tuple[tuple[int, int, int, str | None], ...] = ()
    finished: tuple[tuple[int, int, DeliveryStatus], ...] = ()  # (edition_id, chat_id, status)
    renew: dt.timedelta | None = None  # extend the owner's live lease, as put_on_wire does


@dataclass(frozen=True, slots=True)
class LedgerWritten:
    """What :class:`LedgerWrites` did: each claim's result (None: not claimable) and the
    messages put on the wire (the others were refused: lease or claim lost)."""

    claims: dict[tuple[int, int], Claim | None]
    on_wire: frozenset[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Lease:
    """A named lease (the leader's, or a sender's heartbeat): who holds it until when.

    ``token`` grows by one at every change of holder: a fencing token.
    """

    name: str
    holder: str
    token: int
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One edition's digest to one chat.

    ``status``: see :class:`DeliveryStatus`. ``attempts`` counts claims.
    """

    edition_id: int
    chat_id: int
    status: DeliveryStatus
    attempts: int
    error: str | None
    claimed_at: dt.datetime
    sent_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: the article and the edition it appeared in."""

    article: ArticleRecord
    edition: EditionRecord


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of search results and how many there are in all.

    ``total`` counts at most a cap (``store.editions.COUNT_CAP``); ``exact`` is False when
    there are more matches than that.
    """

    hits: tuple[SearchHit, ...]
    total: int
    exact: bool = True


@dataclass(frozen=True, slots=True)
class BroadcastRecord:
    """An announcement to every active subscriber (``/broadcast``).

    Not sent before ``confirmed_at`` (the admin pressed the confirmation button); finished
    (``finished_at``) when a run left no chat to send it to.
    """

    id: int
    text: str
    author_chat_id: int
    created_at: dt.datetime
    confirmed_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


class PollOutcome(enum.StrEnum):
    """How the last poll of one paper's source went (for /status)."""

    NEW = "new"  # stored a new (or more of an) edition
    NOTHING_NEW = "nothing_new"
    FAILED = "failed"  # the source could not be read, or a file of it was set aside


@dataclass(frozen=True, slots=True)
class PollRecord:
    """The last poll of one paper: when, how it went, and a short detail (an error text)."""

    at: dt.datetime
    outcome: PollOutcome
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    """A channel bound with ``/channel @name`` by the chat ``bound_by``."""

    chat_id: int
    username: str
    title: str | None
    bound_by: int


@dataclass(frozen=True, slots=True)
class Counts:
    """Where one digest or broadcast stands, in chats."""

    sent: int = 0
    pending: int = 0  # not sent yet: no attempt, being sent, or left for a retry
    in_doubt: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class PaperStatus:
    """One paper on the status page: its last poll and its newest edition."""

    name: str
    last_poll: PollRecord | None
    last_edition: EditionRecord | None


@dataclass(frozen=True, slots=True)
class StatusReport:
    """What ``/status`` and ``baozhai status`` show (gathered by :mod:`bot.status`)."""

    papers: tuple[PaperStatus, ...]
    digest: EditionRecord | None
    """The last digest: the newest edition any chat was sent (or is being sent)."""
    digest_counts: Counts
    broadcast: BroadcastRecord | None
    broadcast_counts: Counts
    subscribers: int
    leader: Lease | None
    database: str
    version: str


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """A decided topic alert: which articles of an edition matched which of the chat's terms.

    ``items`` are (article number, term, sentence, mark) by number, the first few of
    ``matched``; the sentence is "" when only the title or a keyword matched; the mark
    (:attr:`ArticleRecord.mark`, "" in alerts decided before marks) finds the article again if
    a late page renumbered the edition before the alert went out (after quiet hours, say).
    """

    id: int
    edition_id: int
    chat_id: int
    items: tuple[tuple[int, str, str, str], ...]
    status: AlertStatus
    matched: int = 0
    """How many articles matched in all (``items`` are the first few)."""
    attempts: int = 0
    claimed_by: str | None = None


@dataclass(frozen=True, slots=True)
class AlertClaim:
    """The right to send one alert; ``in_doubt``: its message was on the wire when an earlier
    sender died (the ``[delivery] in_doubt`` policy decides whether to send it again)."""

    alert: AlertRecord
    in_doubt: bool
