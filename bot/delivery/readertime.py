"""Each reader's own clock: their timezone, when their digest is due, their quiet hours.

Digest times and quiet hours are wall-clock times in the reader's IANA zone (the configured
one by default). All arithmetic is on aware datetimes through :mod:`zoneinfo`, so daylight
saving needs no special case: a wall time that does not exist on a spring-forward day
(02:30 in Berlin on the last Sunday of March) falls after the gap (03:30), and one that
happens twice on a fall-back day counts at its first occurrence (PEP 495 ``fold=0``), so a
digest is due exactly once either way.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import typing
import zoneinfo
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.storage.records import SubscriberRecord

__all__ = [
    "COMMON_ZONES",
    "NextDigest",
    "TypedOffset",
    "digest_moment",
    "in_quiet_hours",
    "next_digest",
    "parse_offset",
    "parse_zone",
    "place_at_offset",
    "quiet_window",
    "reader_zone",
    "zone_named",
]

# The zones /settings offers as buttons (most readers of Chinese papers live in these); any
# other IANA name can be typed. Order is the buttons' order; the index is their callback.
COMMON_ZONES: tuple[str, ...] = (
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)
_ZONE_TEXT = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+){0,2}")


_NOT_PLACES = frozenset({"localtime", "Factory"})
"""Names in the zone database that name no place: the host's own zone (a link to
``/etc/localtime``, which the server's set-up decides) and the "zone not set" placeholder."""


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {
        name.casefold(): name for name in zoneinfo.available_timezones() if name not in _NOT_PLACES
    }


def parse_zone(text: str) -> ZoneInfo | None:
    """The IANA zone a reader typed (any case: ``europe/berlin``); None when there is none.

    Only names from the zone database are accepted (never a path, never a file elsewhere).
    """
    text = text.strip()
    if len(text) > 64 or not _ZONE_TEXT.fullmatch(text):
        return None
    name = _zones_by_folded_name().get(text.casefold())
    return ZoneInfo(name) if name is not None else None


_HOUR = dt.timedelta(hours=1)
_OFFSET = re.compile(
    r"(?P<prefix>UTC|GMT)?\s*(?P<sign>[-+−–－＋])?\s*"
    r"(?:(?P<hours>[0-9]{1,2})(?:[:：.]?(?P<minutes>[0-9]{2}))?)?",
    re.IGNORECASE,
)
_MINUS = "-−–－"
_WESTMOST, _EASTMOST = -12 * _HOUR, 14 * _HOUR  # the offsets the Earth's zones span


@dataclass(frozen=True, slots=True)
class TypedOffset:
    """An offset from UTC as a reader typed it: ``offset`` when it is a real one (within
    UTC−12…UTC+14, minutes under 60), None for one like ``UTC+99``."""

    offset: dt.timedelta | None

    @property
    def zone(self) -> ZoneInfo | None:
        """The zone that is nothing but this offset: ``UTC``, or ``Etc/GMT-8`` for UTC+8 (the
        POSIX names count west as positive); None for an offset of not whole hours (the zone
        database has no such zone) or no real offset."""
        if self.offset is None or self.offset % _HOUR:
            return None
        hours = self.offset // _HOUR
        return ZoneInfo(f"Etc/GMT{-hours:+d}") if hours else ZoneInfo("UTC")


def parse_offset(text: str) -> TypedOffset | None:
    """An offset from UTC a reader typed (any case): ``UTC+8``, ``UTC+08:00``, ``GMT+8``,
    ``+08:00``, ``+0800``, ``UTC-5`` (also with the minus sign ``−``), ``UTC+5:30``, bare
    ``UTC`` or ``GMT``; None for text written otherwise (a zone's name, a time: without
    ``UTC``/``GMT`` before it a number needs a sign). ``GMT+8`` means what people mean by
    it, eight hours ahead, not the POSIX zone ``Etc/GMT+8``."""
    match = _OFFSET.fullmatch(text.strip())
    if match is None or not (match["prefix"] or (match["sign"] and match["hours"])):
        return None
    if match["hours"] is None:  # bare UTC / GMT (with a bare sign after it: no offset)
        return TypedOffset(dt.timedelta(0)) if match["sign"] is None else None
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if minutes >= 60:
        return TypedOffset(None)
    offset = dt.timedelta(hours=hours, minutes=minutes)
    if match["sign"] is not None and match["sign"] in _MINUS:
        offset = -offset
    return TypedOffset(offset if _WESTMOST <= offset <= _EASTMOST else None)


# Places whose zone keeps an offset of not whole hours, for a reader who typed one: the
# first whose offset is the typed one at the moment is named (Adelaide's is +9:30 in its
# winter only, Darwin's all year).
_PLACES = (
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Yangon",
    "Asia/Tehran",
    "Asia/Kabul",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Eucla",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Pacific/Marquesas",
    "Pacific/Chatham",
)
_AREAS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
)


def place_at_offset(offset: dt.timedelta, now: dt.datetime) -> str | None:
    """A place's zone (``Asia/Kolkata``) whose offset from UTC is ``offset`` at ``now``;
    None when no place keeps that time."""
    for name in _PLACES:
        if now.astimezone(ZoneInfo(name)).utcoffset() == offset:
            return name
    for name in sorted(_zones_by_folded_name().values()):
        if name.split("/")[0] in _AREAS and now.astimezone(ZoneInfo(name)).utcoffset() == offset:
            return name
    return None


@typing.overload
def reader_zone(subscriber: SubscriberRecord | None, default: ZoneInfo) -> ZoneInfo: ...
@typing.overload
def reader_zone(subscriber: SubscriberRecord | None, default: dt.tzinfo) -> dt.tzinfo: ...
def reader_zone(subscriber: SubscriberRecord | None, default: dt.tzinfo) -> dt.tzinfo:
    """The reader's zone; the configured one when they set none (or theirs vanished from
    the zone database)."""
    return zone_named(subscriber.timezone if subscriber else None, default)


@typing.overload
def zone_named(key: str | None, default: ZoneInfo) -> ZoneInfo: ...
@typing.overload
def zone_named(key: str | None, default: dt.tzinfo) -> dt.tzinfo: ...
def zone_named(key: str | None, default: dt.tzinfo) -> dt.tzinfo:
    """The zone a reader's stored ``key`` names; ``default`` for none (or one that vanished
    from the zone database)."""
    if not key:
        return default
    try:
        return ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return default


def digest_moment(date: dt.date, when: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """The instant ``when`` o'clock happens on ``date`` in ``zone`` (see the module
    docstring for the daylight-saving edges), in UTC: a wall time of the repeated autumn
    hour never compares equal across zones (PEP 495), an instant in UTC always does."""
    wall = dt.datetime.combine(date, when.replace(tzinfo=None), tzinfo=zone)
    return wall.astimezone(dt.UTC)


def next_digest(now: dt.datetime, when: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """The next instant at or after ``now`` that the reader's digest time comes round, in
    the reader's zone (for showing: its wall-clock date and time are what they will see)."""
    local = now.astimezone(zone)
    for days in range(3):  # today, else tomorrow (a gap day still has the time, shifted)
        moment = digest_moment(local.date() + dt.timedelta(days=days), when, zone)
        if moment >= now:
            return moment.astimezone(zone)
    raise AssertionError("a digest time comes round every day")


@dataclass(frozen=True, slots=True)
class NextDigest:
    """When a reader's next digest comes, for showing them: at ``moment`` (an instant in their
    zone), or, when an edition is owed to them now (their time moved earlier or their zone
    east past today's moment), with the next poll, at most ``within`` from now; or, with
    ``on_arrival``, today as soon as today's paper lands (their time has passed, the paper
    is not in yet)."""

    moment: dt.datetime | None = None
    within: dt.timedelta | None = None
    on_arrival: bool = False


def quiet_window(
    subscriber: SubscriberRecord | None, default: tuple[dt.time, dt.time]
) -> tuple[dt.time, dt.time]:
    """The reader's quiet hours; the configured ones when they set none."""
    if subscriber is None or subscriber.quiet_hours is None:
        return default
    return subscriber.quiet_hours


def in_quiet_hours(now: dt.datetime, window: tuple[dt.time, dt.time], zone: dt.tzinfo) -> bool:
    """True when ``now`` is inside the wall-clock ``window`` in ``zone`` (may wrap midnight;
    equal ends: no quiet hours)."""
    start, end = window
    if start == end:
        return False
    local = now.astimezone(zone).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end
