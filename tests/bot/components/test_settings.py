"""The /settings keyboard's time-zone buttons (:func:`bot.components.settings.zone_rows`):
the zone a reader's digest keeps is marked ✅, the configured one when they chose none."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.components.settings import zone_rows
from bot.storage.records import SubscriberRecord

UTC = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def marked(record: SubscriberRecord | None, default: ZoneInfo, lang: str = "en") -> list[str]:
    return [
        button.text
        for row in zone_rows(record, lang, default)
        for button in row
        if button.text.startswith("✅")
    ]


def reader(zone: str | None) -> SubscriberRecord:
    return SubscriberRecord(1, "en", True, None, timezone=zone)


@pytest.mark.parametrize(
    ("record", "default", "lang", "expected"),
    [
        (reader(None), SHANGHAI, "zh", ["✅ 北京时间"]),  # chose none: the configured one
        (reader(None), UTC, "en", ["✅ UTC"]),
        (None, SHANGHAI, "en", ["✅ Beijing time"]),  # not subscribed: what would apply
        (reader("Asia/Shanghai"), SHANGHAI, "zh", ["✅ 北京时间"]),
        (reader("Asia/Tokyo"), SHANGHAI, "en", ["✅ Asia/Tokyo"]),
        (reader("Nowhere/Gone"), SHANGHAI, "en", ["✅ Beijing time"]),  # vanished: default
        (reader("Asia/Kolkata"), SHANGHAI, "en", []),  # no button for it
    ],
)
def test_the_zone_in_effect_is_marked_and_only_it(
    record: SubscriberRecord | None, default: ZoneInfo, lang: str, expected: list[str]
) -> None:
    assert marked(record, default, lang) == expected
