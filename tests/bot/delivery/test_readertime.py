"""Specification of each reader's own clock (bot.delivery.readertime and jobs.is_due):
digest times and quiet hours are wall-clock in the reader's zone, right on the days daylight
saving starts and ends in Europe/Berlin and America/New_York. Explicit instants, no sleeping.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given
from hypothesis import strategies as st

from bot.components.jobs import is_due
from bot.delivery.readertime import (
    digest_moment,
    in_quiet_hours,
    next_digest,
    parse_offset,
    parse_zone,
    place_at_offset,
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


HOUR = dt.timedelta(hours=1)
WINTER = utc(2026, 1, 15, 12, 0)
SUMMER = utc(2026, 7, 15, 12, 0)


def offset_of(zone: ZoneInfo, at: dt.datetime = WINTER) -> dt.timedelta | None:
    return at.astimezone(zone).utcoffset()


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("UTC+8", "Etc/GMT-8"),
        ("utc+08:00", "Etc/GMT-8"),
        ("GMT+8", "Etc/GMT-8"),  # the zone database's own GMT+8 would be UTC−8 (POSIX)
        ("+08:00", "Etc/GMT-8"),
        ("+8", "Etc/GMT-8"),
        ("+0800", "Etc/GMT-8"),
        ("UTC 8", "Etc/GMT-8"),
        ("Utc +8", "Etc/GMT-8"),
        ("UTC-5", "Etc/GMT+5"),
        ("UTC−5", "Etc/GMT+5"),  # the minus sign /settings shows, copied back
        ("gmt -05:00", "Etc/GMT+5"),
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("UTC+0", "UTC"),
        ("UTC-00:00", "UTC"),
        ("UTC+14", "Etc/GMT-14"),
        ("UTC-12", "Etc/GMT+12"),
    ],
)
def test_a_typed_whole_hour_offset_is_its_fixed_offset_zone(typed: str, zone: str) -> None:
    parsed = parse_offset(typed)
    assert parsed is not None and parsed.zone is not None
    assert parsed.zone.key == zone
    assert offset_of(parsed.zone) == parsed.offset


@pytest.mark.parametrize(
    ("typed", "offset"),
    [
        ("UTC+5:30", dt.timedelta(hours=5, minutes=30)),
        ("+05:45", dt.timedelta(hours=5, minutes=45)),
        ("utc-3:30", -dt.timedelta(hours=3, minutes=30)),
        ("GMT-0930", -dt.timedelta(hours=9, minutes=30)),
    ],
)
def test_an_offset_of_not_whole_hours_is_read_but_has_no_fixed_zone(
    typed: str, offset: dt.timedelta
) -> None:
    parsed = parse_offset(typed)
    assert parsed is not None
    assert parsed.offset == offset and parsed.zone is None


@pytest.mark.parametrize(
    "typed", ["UTC+99", "UTC+15", "UTC-13", "UTC+14:30", "UTC+5:75", "+24:00", "GMT-99:99"]
)
def test_an_impossible_offset_is_an_offset_but_no_real_one(typed: str) -> None:
    parsed = parse_offset(typed)
    assert parsed is not None
    assert parsed.offset is None and parsed.zone is None


@pytest.mark.parametrize(
    "typed",
    ["", "default", "Europe/Berlin", "Etc/GMT+8", "07:30", "8", "UTC+", "UTC+8+", "+8abc", "UTCX"],
)
def test_text_that_is_no_offset_is_left_to_the_zone_names(typed: str) -> None:
    assert parse_offset(typed) is None


PREFIXES = st.sampled_from(["UTC", "utc", "Utc", "GMT", "gmt", ""])
MINUS = st.sampled_from(["-", "−"])


@given(
    minutes=st.integers(min_value=-12 * 60, max_value=14 * 60),
    prefix=PREFIXES,
    minus=MINUS,
    space=st.sampled_from(["", " "]),
    padded=st.booleans(),
    separator=st.sampled_from([":", ""]),
)
def test_any_real_offset_however_written_is_read_back(
    minutes: int, prefix: str, minus: str, space: str, padded: bool, separator: str
) -> None:
    hours, rest = divmod(abs(minutes), 60)
    sign = minus if minutes < 0 else "+"
    written = f"{prefix}{space}{sign}{hours:02d}" if padded else f"{prefix}{space}{sign}{hours}"
    if rest or separator:  # ``+8`` and ``+8:00`` alike; ``+0530`` and ``+530`` too
        written += f"{separator}{rest:02d}"
    parsed = parse_offset(written)
    assert parsed is not None and parsed.offset == dt.timedelta(minutes=minutes), written
    if rest:
        assert parsed.zone is None, written
    else:
        assert parsed.zone is not None and offset_of(parsed.zone) == parsed.offset, written


@given(hours=st.integers(min_value=15, max_value=99), prefix=PREFIXES, minus=MINUS)
def test_an_offset_beyond_the_earths_is_refused(hours: int, prefix: str, minus: str) -> None:
    for sign in ("+", minus):
        parsed = parse_offset(f"{prefix}{sign}{hours}")
        assert parsed is not None and parsed.offset is None and parsed.zone is None


@given(st.text(max_size=30))
def test_any_text_is_an_offset_a_real_one_or_none_and_never_a_crash(text: str) -> None:
    parsed = parse_offset(text)
    if parsed is None or parsed.offset is None:
        return
    assert -12 * HOUR <= parsed.offset <= 14 * HOUR
    if parsed.zone is not None:
        assert offset_of(parsed.zone) == parsed.offset


@pytest.mark.parametrize(
    ("offset", "at", "place"),
    [
        (dt.timedelta(hours=5, minutes=30), WINTER, "Asia/Kolkata"),
        (dt.timedelta(hours=5, minutes=45), WINTER, "Asia/Kathmandu"),
        (dt.timedelta(hours=9, minutes=30), WINTER, "Australia/Darwin"),  # Adelaide: +10:30
        (dt.timedelta(hours=9, minutes=30), SUMMER, "Australia/Adelaide"),
        (-dt.timedelta(hours=3, minutes=30), WINTER, "America/St_Johns"),
        (dt.timedelta(hours=7, minutes=15), WINTER, None),  # no place keeps that time
    ],
)
def test_a_place_is_found_for_an_offset_a_fixed_zone_cannot_keep(
    offset: dt.timedelta, at: dt.datetime, place: str | None
) -> None:
    found = place_at_offset(offset, at)
    assert found == place
    if found is not None:
        assert offset_of(ZoneInfo(found), at) == offset
