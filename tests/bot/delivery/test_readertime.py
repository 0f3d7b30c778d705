"""Specification of each reader's own clock (bot.delivery.readertime and jobs.is_due):
digest times and quiet hours are wall-clock in the reader's zone, right on the days daylight
saving starts and ends in Europe/Berlin and America/New_York. Explicit instants, no sleeping.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.components.jobs import is_due
from bot.delivery.readertime import (
    digest_moment,
    in_quiet_hours,
    next_digest,
    parse_zone,
    quiet_window,
    reader_zone,
)
from bot.storage.records import EditionRecord, SubscriberRecord

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

# 2026: Europe springs forward on 29 March (02:00 → 03:00) and falls back on 25 October
# (03:00 → 02:00); the US on 8 March (02:00 → 03:00) and 1 November (02:00 → 01:00).
BERLIN_SPRING, BERLIN_AUTUMN = dt.date(2026, 3, 29), dt.date(2026, 10, 25)
NY_SPRING, NY_AUTUMN = dt.date(2026, 3, 8), dt.date(2026, 11, 1)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def reader(zone: str | None = None, time: dt.time | None = None, quiet=None) -> SubscriberRecord:
    return SubscriberRecord(1, "zh", True, time, timezone=zone, quiet_hours=quiet)


def edition(date: dt.date) -> EditionRecord:
    return EditionRecord(1, "报", date, 7, utc(2026, 1, 1))


@pytest.mark.parametrize(
    ("date", "zone", "expected_utc"),
    [
        # 07:30 is an hour earlier in UTC once summer time starts, on the very day.
        (BERLIN_SPRING - dt.timedelta(days=1), BERLIN, utc(2026, 3, 28, 6, 30)),
        (BERLIN_SPRING, BERLIN, utc(2026, 3, 29, 5, 30)),
        (BERLIN_AUTUMN - dt.timedelta(days=1), BERLIN, utc(2026, 10, 24, 5, 30)),
        (BERLIN_AUTUMN, BERLIN, utc(2026, 10, 25, 6, 30)),
        (NY_SPRING - dt.timedelta(days=1), NEW_YORK, utc(2026, 3, 7, 12, 30)),
        (NY_SPRING, NEW_YORK, utc(2026, 3, 8, 11, 30)),
        (NY_AUTUMN - dt.timedelta(days=1), NEW_YORK, utc(2026, 10, 31, 11, 30)),
        (NY_AUTUMN, NEW_YORK, utc(2026, 11, 1, 12, 30)),
    ],
)
def test_a_digest_time_is_wall_clock_on_both_sides_of_a_dst_change(
    date: dt.date, zone: ZoneInfo, expected_utc: dt.datetime
) -> None:
    moment = digest_moment(date, dt.time(7, 30), zone)
    assert moment == expected_utc
    assert moment.astimezone(zone).time() == dt.time(7, 30)


@pytest.mark.parametrize(
    ("date", "zone", "expected_utc", "local"),
    [
        (BERLIN_SPRING, BERLIN, utc(2026, 3, 29, 1, 30), dt.time(3, 30)),
        (NY_SPRING, NEW_YORK, utc(2026, 3, 8, 7, 30), dt.time(3, 30)),
    ],
)
def test_a_time_in_the_spring_forward_gap_falls_just_after_it(
    date: dt.date, zone: ZoneInfo, expected_utc: dt.datetime, local: dt.time
) -> None:
    moment = digest_moment(date, dt.time(2, 30), zone)
    assert moment == expected_utc
    assert moment.astimezone(zone).time() == local


@pytest.mark.parametrize(
    ("date", "zone", "when", "first"),
    [
        (BERLIN_AUTUMN, BERLIN, dt.time(2, 30), utc(2026, 10, 25, 0, 30)),
        (NY_AUTUMN, NEW_YORK, dt.time(1, 30), utc(2026, 11, 1, 5, 30)),
    ],
)
def test_a_time_that_happens_twice_in_autumn_is_due_from_its_first_occurrence(
    date: dt.date, zone: ZoneInfo, when: dt.time, first: dt.datetime
) -> None:
    subscriber = reader(zone.key, when)
    assert not is_due(edition(date), subscriber, first - dt.timedelta(minutes=1), when)
    assert is_due(edition(date), subscriber, first, when)
    assert digest_moment(date, when, zone) == first


def test_a_reader_in_new_york_is_due_at_their_time_not_the_configured_zones() -> None:
    subscriber = reader("America/New_York", dt.time(7, 0))
    day = edition(dt.date(2024, 7, 1))
    # 07:00 EDT on 1 July is 19:00 in Beijing, the configured zone of ``now``.
    assert not is_due(day, subscriber, dt.datetime(2024, 7, 1, 18, 59, tzinfo=SHANGHAI), None)
    assert is_due(day, subscriber, dt.datetime(2024, 7, 1, 19, 0, tzinfo=SHANGHAI), None)


def test_a_reader_without_a_zone_keeps_the_configured_one() -> None:
    subscriber = reader(None, None)
    day = edition(dt.date(2024, 7, 1))
    at = dt.time(7, 30)
    assert not is_due(day, subscriber, dt.datetime(2024, 7, 1, 7, 29, tzinfo=SHANGHAI), at)
    assert is_due(day, subscriber, dt.datetime(2024, 7, 1, 7, 30, tzinfo=SHANGHAI), at)


def test_the_next_digest_across_spring_forward_is_23_hours_away() -> None:
    now = dt.datetime(2026, 3, 28, 7, 30, 1, tzinfo=BERLIN)
    upcoming = next_digest(now, dt.time(7, 30), BERLIN)
    assert upcoming == dt.datetime(2026, 3, 29, 7, 30, tzinfo=BERLIN)
    elapsed = upcoming.astimezone(UTC) - now.astimezone(UTC)  # same-zone "-" is wall-clock
    assert elapsed == dt.timedelta(hours=23) - dt.timedelta(seconds=1)


def test_the_next_digest_is_today_when_its_time_has_not_come() -> None:
    now = dt.datetime(2026, 11, 1, 5, 0, tzinfo=NEW_YORK)
    assert next_digest(now, dt.time(7, 0), NEW_YORK) == dt.datetime(
        2026, 11, 1, 7, 0, tzinfo=NEW_YORK
    )


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (dt.time(21, 59), False),
        (dt.time(22, 0), True),
        (dt.time(3, 0), True),
        (dt.time(6, 59), True),
        (dt.time(7, 0), False),
    ],
)
def test_quiet_hours_may_wrap_midnight(local: dt.time, quiet: bool) -> None:
    now = dt.datetime.combine(dt.date(2026, 3, 29), local, tzinfo=BERLIN)
    assert in_quiet_hours(now, (dt.time(22, 0), dt.time(7, 0)), BERLIN) is quiet


def test_quiet_hours_follow_the_wall_clock_through_the_spring_gap() -> None:
    window = (dt.time(1, 0), dt.time(3, 0))
    assert in_quiet_hours(utc(2026, 3, 29, 0, 59), window, BERLIN)  # 01:59 CET
    assert not in_quiet_hours(utc(2026, 3, 29, 1, 0), window, BERLIN)  # 03:00 CEST


def test_equal_ends_mean_no_quiet_hours() -> None:
    midnight = (dt.time(0, 0), dt.time(0, 0))
    assert not in_quiet_hours(utc(2026, 3, 29, 23, 0), midnight, BERLIN)


def test_a_reader_without_quiet_hours_of_their_own_gets_the_default() -> None:
    default = (dt.time(22, 0), dt.time(7, 0))
    own = (dt.time(23, 0), dt.time(6, 0))
    assert quiet_window(reader(), default) == default
    assert quiet_window(reader(quiet=own), default) == own


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("UTC", "UTC"),
        ("Mars/Olympus_Mons", None),
        ("../../etc/passwd", None),
        ("/etc/localtime", None),
        ("localtime", None),  # the server's own zone, whatever its set-up makes it
        ("Factory", None),
        ("", None),
        ("Europe/" + "x" * 100, None),
    ],
)
def test_only_names_from_the_zone_database_are_zones(typed: str, zone: str | None) -> None:
    parsed = parse_zone(typed)
    assert (parsed.key if parsed else None) == zone


def test_a_stored_zone_that_vanished_falls_back_to_the_configured_one() -> None:
    assert reader_zone(reader("Nowhere/Gone"), SHANGHAI) is SHANGHAI


@pytest.mark.parametrize(
    ("zone", "day_before", "dst_day"),
    [(BERLIN, dt.date(2026, 3, 28), BERLIN_SPRING), (NEW_YORK, dt.date(2026, 10, 31), NY_AUTUMN)],
)
def test_the_daily_job_trigger_stays_at_the_local_time_across_dst(
    zone: ZoneInfo, day_before: dt.date, dst_day: dt.date
) -> None:
    # What ``ensure_digest_job`` asks of PTB's run_daily: a cron trigger in the reader's zone.
    trigger = CronTrigger(hour=7, minute=30, second=0, timezone=zone)
    first = trigger.get_next_fire_time(None, dt.datetime.combine(day_before, dt.time(8), zone))
    assert first == digest_moment(dst_day, dt.time(7, 30), zone)
