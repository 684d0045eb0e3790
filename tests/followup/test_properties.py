"""Invariants of the follow-up rules (hypothesis)."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from board.followup.due import DUE_WINDOW_DAYS, due_state
from board.followup.enums import DueState
from board.followup.rules import assess_pain_response, schedule_dates
from board.scoring.pain import PainResponse

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1))


@given(dates, st.integers(1, 104), st.one_of(st.none(), st.integers(1, 52)))
def test_schedule_dates_are_evenly_spaced_after_the_decision(
    start: dt.date, weeks: int, times: int | None
) -> None:
    due = schedule_dates(start, weeks, times)
    assert due, "at least one follow-up is scheduled"
    if times is not None:
        assert len(due) == times
    else:
        # without a number of times the schedule covers one year
        assert due[-1] <= start + dt.timedelta(weeks=max(52, weeks))
    assert due[0] == start + dt.timedelta(weeks=weeks)
    assert all(b - a == dt.timedelta(weeks=weeks) for a, b in itertools.pairwise(due))


@given(dates, dates)
def test_due_state_is_ordered_by_distance(due_on: dt.date, today: dt.date) -> None:
    state = due_state(due_on, today)
    days = (due_on - today).days
    if days < 0:
        assert state is DueState.OVERDUE
    elif days <= DUE_WINDOW_DAYS:
        assert state is DueState.DUE
    else:
        assert state is DueState.UPCOMING


nrs = st.integers(0, 10)
#: A contact on or after the recorded start of radiation.
STARTED = {"radiation_start": dt.date(2026, 1, 5), "contact_date": dt.date(2026, 2, 5)}
omed = st.one_of(st.integers(0, 400).map(float), st.floats(0, 400, allow_nan=False))


@given(nrs, omed, nrs, omed)
def test_pain_response_needs_radiation_and_every_value(
    bp: int, bo: float, fp: int, fo: float
) -> None:
    assert (
        assess_pain_response(
            has_radiation=False, baseline_pain=bp, baseline_omed=bo, pain=fp, omed=fo, **STARTED
        ).response
        is None
    )
    full = assess_pain_response(
        has_radiation=True, baseline_pain=bp, baseline_omed=bo, pain=fp, omed=fo, **STARTED
    )
    assert full.response in set(PainResponse)
    assert full.text.startswith(full.response.label)
    missing = assess_pain_response(
        has_radiation=True, baseline_pain=bp, baseline_omed=None, pain=fp, omed=fo, **STARTED
    )
    assert missing.response is None
    assert missing.text == "incomplete: missing baseline opioid dose"
    silent = assess_pain_response(
        has_radiation=True, baseline_pain=bp, baseline_omed=bo, pain=None, omed=None, **STARTED
    )
    assert silent.response is None
    assert silent.text == "pain not assessed at this contact"


@given(nrs, omed, omed)
def test_pain_zero_without_more_opioid_is_always_complete(bp: int, bo: float, fo: float) -> None:
    result = assess_pain_response(
        has_radiation=True, baseline_pain=bp, baseline_omed=bo, pain=0, omed=min(bo, fo),
        **STARTED,
    )  # fmt: skip
    assert result.response is PainResponse.COMPLETE


@given(nrs, omed, nrs, omed, st.dates(), st.one_of(st.none(), st.dates()))
def test_pain_response_never_before_the_start(
    bp: int, bo: float, fp: int, fo: float, contact: dt.date, start: dt.date | None
) -> None:
    result = assess_pain_response(
        has_radiation=True, baseline_pain=bp, baseline_omed=bo, pain=fp, omed=fo,
        radiation_start=start, contact_date=contact,
    )  # fmt: skip
    if start is None or contact < start:
        assert result.response is None
        assert result.text == "not yet assessable: radiation not started"
    else:
        assert result.response in set(PainResponse)
