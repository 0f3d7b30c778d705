"""The database schema as SQLAlchemy 2 declarative models.

Only the store uses these; everything else sees the records of :mod:`bot.storage.records`.
Every change here needs a migration in ``bot/storage/migrations/versions`` (a test compares
the two).

Portability choices (SQLite and PostgreSQL):

* integer surrogate keys (``Integer``: on SQLite only INTEGER PRIMARY KEY auto-increments);
  Telegram chat ids need 64 bits, so they are ``BigInteger`` data columns;
* lists as ``JSON`` (the store never queries inside them); search reads a full-text index
  made by migration 0003 outside these models (an FTS5 table on SQLite, a ``tsvector``
  table on PostgreSQL: see :mod:`bot.storage.fulltext`), so an article's text is stored once;
* statuses are ``String`` columns holding the values of the :mod:`bot.storage.records` enums,
  listed by a CHECK constraint, not database ENUM types (which only PostgreSQL has, each a
  schema object of its own); the store converts to the enum when it reads;
* timestamps are :class:`UTCDateTime`: always timezone-aware UTC in Python, whatever the backend;
* a naming convention, so constraint names are identical on both backends and migrations can
  refer to them.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.storage.records import AlertStatus, DeliveryStatus, DigestMode, FileStatus, MessageState

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: type[enum.StrEnum]) -> str:
    """``column IN ('a', 'b')`` over an enum's values: the CHECK text the migrations carry."""
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


def utcnow() -> dt.datetime:
    """Now, timezone-aware UTC: the only kind of timestamp this schema stores."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always aware UTC in Python.

    PostgreSQL stores ``timestamptz`` and returns it in the session's zone; SQLite has no zone
    at all and returns naive values. Converting on the way in and out makes both behave alike.
    Naive datetimes are refused: guessing their zone is how off-by-eight-hours bugs start.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: store aware UTC timestamps only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with the shared metadata (and its naming convention)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy's API)


class Paper(Base):
    """A newspaper, by its configured display name."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Edition(Base):
    """One ingested edition. Same paper and date with a different file hash is another row
    (a corrected re-issue); the same hash again is refused by the unique constraint."""

    __tablename__ = "editions"
    __table_args__ = (
        UniqueConstraint("paper_id", "date", "content_hash"),
        Index("ix_editions_date", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(128))
    article_count: Mapped[int] = mapped_column(Integer)
    ingested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Stored by `baozhai backfill`: part of the archive, never pushed as a digest.
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    paper: Mapped[Paper] = relationship(lazy="joined")


class SourceState(Base):
    """What a source remembers between polls, per paper and key (JSON text).

    An e-paper site's validators and parsed listings (so an unchanged site costs only 304s,
    also after a restart), and per edition date what is still missing and since when.
    """

    __tablename__ = "source_state"
    __table_args__ = (UniqueConstraint("paper_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    paper: Mapped[Paper] = relationship(lazy="joined")


class ArticleRow(Base):
    """An article with its summary (its text once: the paragraphs; search has its own index)."""

    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("edition_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    page: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(Text)
    paragraphs: Mapped[list[str]] = mapped_column(JSON)
    captions: Mapped[list[str]] = mapped_column(JSON)
    summary: Mapped[list[str]] = mapped_column(JSON)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    continued_on: Mapped[int | None] = mapped_column(Integer)


class Subscriber(Base):
    """A chat that subscribed once. Rows are never deleted: (re)activation keeps history."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    language: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean)
    digest_time: Mapped[dt.time | None] = mapped_column(Time)
    # Why the chat stopped receiving digests: "unsubscribed", "blocked" or "migrated".
    inactive_reason: Mapped[str | None] = mapped_column(String(32))
    # A DigestMode value.
    digest_mode: Mapped[str] = mapped_column(
        String(16), default=DigestMode.PER_PAPER, server_default=DigestMode.PER_PAPER.value
    )
    # The reader's IANA timezone for the digest time and quiet hours (None: the configured).
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Quiet hours for alerts, local wall-clock times (both None: the configured default;
    # equal: none). The window may wrap midnight.
    quiet_start: Mapped[dt.time | None] = mapped_column(Time)
    quiet_end: Mapped[dt.time | None] = mapped_column(Time)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    subscriptions: Mapped[list[Subscription]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="Subscription.id"
    )

    __table_args__ = (
        CheckConstraint(_in("digest_mode", DigestMode), name="digest_mode"),
    )


class Subscription(Base):
    """One paper one chat reads. A chat without any gets nothing (but stays a subscriber)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "paper_id"),
        Index("ix_subscriptions_paper_id", "paper_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    paper: Mapped[Paper] = relationship(lazy="joined")


class Follow(Base):
    """A topic one reader follows: its normalised term (see ``bot.ingest.follows``)."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("subscriber_id", "term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AlertRow(Base):
    """One alert of one edition to one chat: its articles, and the ledger of its one message.

    The row is decided (``pending``, unclaimed) when the edition is ingested; a sender claims
    it (``claimed_by``), writes ``on_wire`` before the request and ``sent`` with Telegram's
    message id after. UNIQUE(edition_id, chat_id): never two alerts of one edition to a chat.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("edition_id", "chat_id"),
        CheckConstraint(_in("status", AlertStatus), name="alert_status"),
        Index("ix_alerts_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # [[article number, term, sentence], ...] by article number
    items: Mapped[list[list[Any]]] = mapped_column(JSON)
    # How many articles matched in all (the message lists the first few and counts the rest).
    matched: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Delivery(Base):
    """One digest of one edition to one chat: the row is the claim that prevents a resend.

    ``status`` holds a :class:`DeliveryStatus` value (``retry``: free to be claimed again).
    ``chat_id`` is deliberately not a foreign key: delivery history outlives chat id changes.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("edition_id", "chat_id"),
        CheckConstraint(_in("status", DeliveryStatus), name="delivery_status"),
        Index("ix_deliveries_chat_id", "chat_id"),
        Index("ix_deliveries_bundle", "bundle"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The lease holder sending it (a live holder's claim is never taken over).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # One combined message for several editions: the id of the bundle's lead row, whose ledger
    # holds the messages (the lead points at itself). None: a digest of this edition alone.
    # Not a foreign key: rows of one bundle are claimed, finished and failed together.
    bundle: Mapped[int | None] = mapped_column(Integer)
    # The fingerprint of the editions' content when claimed (``deliveries.rendering_of``): a
    # digest taken over after a late page changed it is sent again from its first message.
    rendered_from: Mapped[str | None] = mapped_column(String(64))
    # The reader's language when its first message was rendered (``subscribers.language``):
    # the rest of a digest taken over after a crash comes in it, whatever the reader chose since.
    language: Mapped[str | None] = mapped_column(String(16))


class DeliveryMessage(Base):
    """The ledger: one message of one delivery, written before it goes out (see MessageState)."""

    __tablename__ = "delivery_messages"
    __table_args__ = (
        UniqueConstraint("delivery_id", "part"),
        CheckConstraint(_in("state", MessageState), name="message_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    part: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Broadcast(Base):
    """An announcement to every active subscriber (``/broadcast``): written when an admin asks,
    sent only once ``confirmed_at`` is set (the confirmation button), done at ``finished_at``."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    author_chat_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class BroadcastDelivery(Base):
    """One broadcast to one chat: the claim (as :class:`Delivery`) and, a broadcast being one
    message, that message's ledger state (``state``, a :class:`MessageState`, and Telegram's
    ``message_id``)."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "chat_id"),
        CheckConstraint(_in("status", DeliveryStatus), name="broadcast_status"),
        CheckConstraint(_in("state", MessageState), name="broadcast_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    state: Mapped[str | None] = mapped_column(String(16))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChannelRow(Base):
    """A channel bound with ``/channel @name``: it is a subscriber by its own (negative) chat
    id; this row says by which name and by whom (a group's or a reader's chat id)."""

    __tablename__ = "channels"
    __table_args__ = (Index("ix_channels_bound_by", "bound_by"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    username: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    bound_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LeaseRow(Base):
    """A lease with an expiry: ``leader`` (one ``baozhai run`` polls and schedules) and one
    ``sender:<holder>`` heartbeat per sending process. Expired means dead: never renewed."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    token: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[dt.datetime] = mapped_column()
    acquired_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IngestedFile(Base):
    """An edition file the watcher processed, keyed by content hash (path is informational)."""

    __tablename__ = "ingested_files"
    __table_args__ = (CheckConstraint(_in("status", FileStatus), name="file_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
