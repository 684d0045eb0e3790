"""Times shown in the hospital's zone and typed times stored as UTC, across DST changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from board.localtime import fmt_local, local_today, to_local, to_utc, zone_name

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("stored", "zone", "shown"),
    [
        (_utc(2026, 12, 8, 16, 0), BERLIN, "2026-12-08 17:00 CET"),
        (_utc(2026, 7, 1, 16, 0), BERLIN, "2026-07-01 18:00 CEST"),
        # Spring forward (Europe, 2026-03-29 01:00 UTC): 01:59 CET, then 03:00 CEST.
        (_utc(2026, 3, 29, 0, 59), BERLIN, "2026-03-29 01:59 CET"),
        (_utc(2026, 3, 29, 1, 0), BERLIN, "2026-03-29 03:00 CEST"),
        # Fall back (2026-10-25 01:00 UTC): 02:30 happens twice.
        (_utc(2026, 10, 25, 0, 30), BERLIN, "2026-10-25 02:30 CEST"),
        (_utc(2026, 10, 25, 1, 30), BERLIN, "2026-10-25 02:30 CET"),
        # Late evening in UTC is already the next day in Berlin.
        (_utc(2026, 12, 31, 23, 30), BERLIN, "2027-01-01 00:30 CET"),
        (_utc(2026, 3, 8, 7, 0), NEW_YORK, "2026-03-08 03:00 EDT"),
        (_utc(2026, 12, 8, 16, 0), dt.UTC, "2026-12-08 16:00 UTC"),
        # Naive values are UTC (what a database without zones hands back).
        (dt.datetime(2026, 12, 8, 16, 0), BERLIN, "2026-12-08 17:00 CET"),
    ],
)
def test_fmt_local(stored: dt.datetime, zone: dt.tzinfo, shown: str) -> None:
    assert fmt_local(stored, zone) == shown


def test_fmt_local_empty_and_configured_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fmt_local(None, BERLIN) == ""
    monkeypatch.delenv("TUMORBOARD_TIMEZONE", raising=False)
    assert fmt_local(_utc(2026, 12, 8, 16, 0)) == "2026-12-08 16:00 UTC"
    monkeypatch.setenv("TUMORBOARD_TIMEZONE", "Europe/Berlin")
    assert fmt_local(_utc(2026, 12, 8, 16, 0)) == "2026-12-08 17:00 CET"
    assert zone_name() == "Europe/Berlin"
    assert to_local(_utc(2026, 7, 1, 12, 0)).utcoffset() == dt.timedelta(hours=2)


@pytest.mark.parametrize(
    ("day", "time", "stored"),
    [
        (dt.date(2026, 12, 8), dt.time(14, 0), _utc(2026, 12, 8, 13, 0)),  # CET, UTC+1
        (dt.date(2026, 7, 1), dt.time(14, 0), _utc(2026, 7, 1, 12, 0)),  # CEST, UTC+2
        (dt.date(2026, 3, 28), dt.time(14, 0), _utc(2026, 3, 28, 13, 0)),  # the day before
        (dt.date(2026, 3, 29), dt.time(14, 0), _utc(2026, 3, 29, 12, 0)),  # the change day
        # 02:30 does not exist on 2026-03-29: read with the offset before the change.
        (dt.date(2026, 3, 29), dt.time(2, 30), _utc(2026, 3, 29, 1, 30)),
        # 02:30 happens twice on 2026-10-25: the first (summer time) is taken.
        (dt.date(2026, 10, 25), dt.time(2, 30), _utc(2026, 10, 25, 0, 30)),
        (dt.date(2026, 12, 31), dt.time(0, 30), _utc(2026, 12, 30, 23, 30)),
    ],
)
def test_typed_local_time_is_stored_as_utc(
    day: dt.date, time: dt.time, stored: dt.datetime
) -> None:
    result = to_utc(day, time, BERLIN)
    assert result == stored
    assert result.tzinfo is dt.UTC


def test_typed_time_round_trips_outside_the_gap() -> None:
    for hour in range(24):
        typed = dt.time(hour, 15)
        back = to_local(to_utc(dt.date(2026, 10, 24), typed, BERLIN), BERLIN)
        assert (back.date(), back.time()) == (dt.date(2026, 10, 24), typed)


def test_local_today_follows_the_zone() -> None:
    late = _utc(2026, 12, 31, 23, 30)
    assert local_today(BERLIN, now=late) == dt.date(2027, 1, 1)
    assert local_today(NEW_YORK, now=late) == dt.date(2026, 12, 31)
    assert zone_name(BERLIN) == "Europe/Berlin"
