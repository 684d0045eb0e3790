"""Times as people see and type them: in the hospital's time zone.

Timestamps are stored in UTC. Everything shown to people goes through
:func:`fmt_local` (``2026-12-08 17:00 CET``), and a date and time typed on a form
become a stored UTC instant through :func:`to_utc`. The zone is
``TUMORBOARD_TIMEZONE`` (:func:`board.settings.display_zone`) unless one is given.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from board.settings import display_zone


def _zone(zone: dt.tzinfo | None) -> dt.tzinfo:
    return display_zone() if zone is None else zone


def to_local(value: dt.datetime, zone: dt.tzinfo | None = None) -> dt.datetime:
    """A stored timestamp in the hospital's zone.

    Parameters
    ----------
    value:
        An aware datetime, or a naive one meaning UTC.
    zone:
        The zone to convert to; the configured one when ``None``.

    Returns
    -------
    datetime.datetime
        The same instant, aware, in ``zone``.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(_zone(zone))


def fmt_local(value: dt.datetime | None, zone: dt.tzinfo | None = None) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM`` and the zone's abbreviation.

    Parameters
    ----------
    value:
        An aware datetime (naive means UTC), or ``None``.
    zone:
        The zone to show it in; the configured one when ``None``.

    Returns
    -------
    str
        For example ``2026-03-29 03:30 CEST``; empty for ``None``.
    """
    if value is None:
        return ""
    local = to_local(value, zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".rstrip()


def to_utc(day: dt.date, time: dt.time, zone: dt.tzinfo | None = None) -> dt.datetime:
    """A date and wall-clock time typed in the hospital's zone, as a UTC instant.

    On the night the clocks go back, an hour that happens twice is taken the first
    time; on the night they go forward, a time in the missing hour is read with the
    offset in force before the change (02:30 becomes 03:30 summer time).

    Parameters
    ----------
    day, time:
        What was typed (``time`` should be naive; any zone on it is ignored).
    zone:
        The zone it was typed in; the configured one when ``None``.

    Returns
    -------
    datetime.datetime
        The instant, aware, in UTC.
    """
    local = dt.datetime.combine(day, time.replace(tzinfo=None, fold=0), tzinfo=_zone(zone))
    return local.astimezone(dt.UTC)


def local_today(zone: dt.tzinfo | None = None, now: dt.datetime | None = None) -> dt.date:
    """Today's date in the hospital's zone.

    Parameters
    ----------
    zone:
        The zone; the configured one when ``None``.
    now:
        The current instant; the clock's when ``None``.

    Returns
    -------
    datetime.date
        The local calendar date.
    """
    return to_local(now or dt.datetime.now(dt.UTC), zone).date()


def zone_name(zone: dt.tzinfo | None = None) -> str:
    """The zone's IANA name (``Europe/Berlin``), for labels such as "Start time (...)".

    Parameters
    ----------
    zone:
        The zone; the configured one when ``None``.

    Returns
    -------
    str
        The IANA key of a ``ZoneInfo``, else the zone's own name.
    """
    chosen = _zone(zone)
    if isinstance(chosen, ZoneInfo):
        return chosen.key
    return str(chosen.tzname(None) or chosen)
