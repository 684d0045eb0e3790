"""Date arithmetic inside SQL that gives the same answer on SQLite and PostgreSQL.

Reports that aggregate in the database (``GROUP BY`` a number of days, a date in a
period) need the UTC date of a timestamp and whole-number differences between dates and
times. The two databases spell these differently, so each is a small SQL construct
compiled per dialect:

- :func:`utc_date`: the UTC calendar date of a :class:`~board.db.models.UTCDateTime`
  column (SQLite stores UTC text, ``date()`` cuts it; PostgreSQL converts the
  ``timestamptz`` to UTC before taking the date, whatever the session's time zone).
- :func:`day_number`: a date as whole days since 1970-01-01, so the difference of two
  is the number of days between them.
- :func:`epoch_microseconds`: a timestamp as whole microseconds since 1970-01-01 UTC,
  so differences are exact (no floating-point day fractions).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Date, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

#: day number 0 and microsecond 0 of :func:`day_number` / :func:`epoch_microseconds`
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SQLITE_JULIAN_EPOCH = 2440587.5  # julianday('1970-01-01')
_EPOCH_ORDINAL = EPOCH.date().toordinal()


class utc_date(FunctionElement[dt.date]):
    """The UTC calendar date of a timestamp column.

    Parameters
    ----------
    expr:
        A timezone-aware timestamp column (stored in UTC).
    """

    type = Date()
    inherit_cache = True
    name = "utc_date"


class day_number(FunctionElement[int]):
    """A date as whole days since 1970-01-01 (``NULL`` stays ``NULL``).

    Parameters
    ----------
    expr:
        A date column or :class:`utc_date` expression.
    """

    type = Integer()
    inherit_cache = True
    name = "day_number"


class epoch_microseconds(FunctionElement[int]):
    """A timestamp as whole microseconds since 1970-01-01 UTC (``NULL`` stays ``NULL``).

    Parameters
    ----------
    expr:
        A timezone-aware timestamp column or an aggregate of one (``min(...)``).
    """

    type = BigInteger()
    inherit_cache = True
    name = "epoch_microseconds"


def _argument(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    (clause,) = element.clauses.clauses
    return compiler.process(clause, **kw)


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): the date is the first ten characters
    # (date() would parse the whole text, and round 23:59:59.9999995 up to the next day)
    return f"substr({_argument(element, compiler, **kw)}, 1, 10)"


@compiles(utc_date, "postgresql")
def _utc_date_postgresql(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(timezone('UTC', {_argument(element, compiler, **kw)}) AS DATE)"


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday() of a date is a whole number + 0.5, so the difference is exact
    return (
        f"CAST(julianday({_argument(element, compiler, **kw)}) - {_SQLITE_JULIAN_EPOCH} AS INTEGER)"
    )


@compiles(day_number, "postgresql")
def _day_number_postgresql(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({_argument(element, compiler, **kw)} - DATE '1970-01-01')"


@compiles(epoch_microseconds, "sqlite")
def _epoch_microseconds_sqlite(
    element: epoch_microseconds, compiler: SQLCompiler, **kw: Any
) -> str:
    # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds from strftime of the
    # text without its fraction (strftime would round .999999 up to the next second),
    # the six digits after the point as microseconds ('000000' pads text without them)
    value = _argument(element, compiler, **kw)
    return (
        f"(CAST(strftime('%s', substr({value}, 1, 19)) AS INTEGER) * 1000000 "
        f"+ CAST(substr({value} || '000000', 21, 6) AS INTEGER))"
    )


@compiles(epoch_microseconds, "postgresql")
def _epoch_microseconds_postgresql(
    element: epoch_microseconds, compiler: SQLCompiler, **kw: Any
) -> str:
    # EXTRACT(EPOCH ...) is numeric (exact) since PostgreSQL 14
    return f"CAST(EXTRACT(EPOCH FROM {_argument(element, compiler, **kw)}) * 1000000 AS BIGINT)"


def from_day_number(days: int) -> dt.date:
    """The date of a :func:`day_number` value.

    Parameters
    ----------
    days:
        Days since 1970-01-01.

    Returns
    -------
    datetime.date
        The date.
    """
    return dt.date.fromordinal(_EPOCH_ORDINAL + days)


def from_epoch_microseconds(microseconds: int) -> dt.datetime:
    """The timezone-aware UTC time of an :func:`epoch_microseconds` value.

    Parameters
    ----------
    microseconds:
        Microseconds since 1970-01-01 UTC.

    Returns
    -------
    datetime.datetime
        The same instant the column holds.
    """
    return EPOCH + dt.timedelta(microseconds=microseconds)
