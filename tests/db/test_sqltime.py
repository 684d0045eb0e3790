"""Date arithmetic in SQL (board/db/sqltime.py) gives Python's answers on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Date, literal, select

from board.db.engine import Database
from board.db.models import Meeting, UTCDateTime
from board.db.sqltime import (
    day_number,
    epoch_microseconds,
    from_day_number,
    from_epoch_microseconds,
    utc_date,
)

UTC = dt.UTC
AUCKLAND = dt.timezone(dt.timedelta(hours=13))

TIMES = [
    dt.datetime(2026, 1, 31, 23, 59, 59, 999_999, tzinfo=UTC),  # last microsecond of a day
    dt.datetime(2026, 2, 1, 0, 0, tzinfo=UTC),  # midnight, no fraction
    dt.datetime(2024, 2, 29, 12, 30, 15, 1, tzinfo=UTC),  # leap day, one microsecond
    dt.datetime(2026, 2, 1, 12, 30, 0, 500_000, tzinfo=AUCKLAND),  # 2026-01-31 23:30:00.5 UTC
    dt.datetime(1969, 12, 31, 23, 0, tzinfo=UTC),  # before day 0
]
DATES = [dt.date(1970, 1, 1), dt.date(1969, 12, 31), dt.date(2024, 2, 29), dt.date(2026, 3, 1)]


def _epoch_microseconds(value: dt.datetime) -> int:
    delta = value - dt.datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 10**6 + delta.microseconds


@pytest.mark.parametrize("value", TIMES)
def test_utc_date_and_microseconds_of_a_stored_timestamp(db: Database, value: dt.datetime) -> None:
    with db.write() as session:
        meeting = Meeting(starts_at=value, title="Board")
        session.add(meeting)
        session.flush()
        column = select(Meeting.starts_at).where(Meeting.id == meeting.id).scalar_subquery()
        day, micro = session.execute(select(utc_date(column), epoch_microseconds(column))).one()
    assert day == value.astimezone(UTC).date()
    assert micro == _epoch_microseconds(value)
    assert from_epoch_microseconds(micro) == value


def test_the_session_time_zone_does_not_move_the_date(database_url: str, backend: str) -> None:
    # PostgreSQL takes the date of a timestamptz in the session's time zone unless told
    # otherwise: in Auckland 23:30 UTC on 31 January is already 1 February.
    kwargs = {"connect_args": {"options": "-c timezone=Pacific/Auckland"}}
    db = Database.from_url(database_url, **(kwargs if backend == "postgresql" else {}))
    try:
        late = dt.datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
        with db.read() as session:
            day = session.scalar(select(utc_date(literal(late, UTCDateTime()))))
        assert day == dt.date(2026, 1, 31)
    finally:
        db.dispose()


def test_day_numbers_and_their_differences(db: Database) -> None:
    with db.read() as session:
        numbers = [session.scalar(select(day_number(literal(d, Date())))) for d in DATES]
        late = literal(TIMES[0], UTCDateTime())
        of_timestamp = session.scalar(select(day_number(utc_date(late))))
    assert numbers == [(d - dt.date(1970, 1, 1)).days for d in DATES]
    assert [from_day_number(n) for n in numbers if n is not None] == DATES
    assert of_timestamp == (dt.date(2026, 1, 31) - dt.date(1970, 1, 1)).days


def test_null_stays_null(db: Database) -> None:
    with db.read() as session:
        row = session.execute(
            select(
                utc_date(literal(None, UTCDateTime())),
                day_number(literal(None, Date())),
                epoch_microseconds(literal(None, UTCDateTime())),
            )
        ).one()
    assert tuple(row) == (None, None, None)
