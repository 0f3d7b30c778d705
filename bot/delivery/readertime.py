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
    "digest_moment",
    "in_quiet_hours",
    "next_digest",
    "parse_zone",
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
