"""Pure follow-up rules: schedule, due state, entry checks, pain response."""

from __future__ import annotations

import datetime as dt

import pytest

from board.errors import ValidationError
from board.followup.due import due_state
from board.followup.enums import Adherence, DueState, FollowUpKind
from board.followup.rules import (
    assess_pain_response,
    check_entry,
    schedule_dates,
    schedule_from_items,
)
from board.followup.views import FollowUpInput
from board.scoring.pain import PainResponse

TODAY = dt.date(2026, 6, 15)
REFERRED = dt.date(2026, 5, 1)
DECIDED = dt.date(2026, 5, 10)


def test_schedule_dates_count_from_the_decision() -> None:
    start = dt.date(2026, 1, 1)
    assert schedule_dates(start, 6, 3) == (
        dt.date(2026, 2, 12),
        dt.date(2026, 3, 26),
        dt.date(2026, 5, 7),
    )
    assert len(schedule_dates(start, 4)) == 13  # one year by default
    assert len(schedule_dates(start, 60)) == 1


@pytest.mark.parametrize(
    ("interval", "occurrences", "field"),
    [
        (0, 3, "interval_weeks"),
        (True, 3, "interval_weeks"),
        (6, 0, "occurrences"),
        (6, 53, "occurrences"),
    ],
)
def test_schedule_dates_refuse_bad_numbers(interval: int, occurrences: int, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        schedule_dates(dt.date(2026, 1, 1), interval, occurrences)
    assert caught.value.field == field


def test_schedule_from_items_merges_in_date_order() -> None:
    found = schedule_from_items(
        dt.date(2026, 1, 1),
        [
            ("imaging", {"interval_weeks": 12, "occurrences": 2}, "MRI every 12 weeks"),
            ("visit", {"interval_weeks": 6, "occurrences": 2}, "Visit every 6 weeks"),
            ("labs", {}, "Labs as needed"),  # no interval: nothing scheduled
            ("other", {"interval_weeks": 52, "occurrences": 1}, "Yearly"),
        ],
    )
    assert [(p.kind, p.due_on) for p in found] == [
        (FollowUpKind.VISIT, dt.date(2026, 2, 12)),
        (FollowUpKind.IMAGING, dt.date(2026, 3, 26)),
        (FollowUpKind.VISIT, dt.date(2026, 3, 26)),
        (FollowUpKind.IMAGING, dt.date(2026, 6, 18)),
        (FollowUpKind.VISIT, dt.date(2026, 12, 31)),
    ]
    assert found[0].source == "Visit every 6 weeks"


@pytest.mark.parametrize(
    ("days_from_today", "state"),
    [
        (-30, DueState.OVERDUE),
        (-1, DueState.OVERDUE),
        (0, DueState.DUE),
        (7, DueState.DUE),
        (8, DueState.UPCOMING),
        (60, DueState.UPCOMING),
    ],
)
def test_due_state_boundaries(days_from_today: int, state: DueState) -> None:
    assert due_state(TODAY + dt.timedelta(days=days_from_today), TODAY) is state


def _check(**values: object) -> dict[str, object]:
    values.setdefault("contact_on", TODAY)
    return check_entry(
        FollowUpInput(**values),  # type: ignore[arg-type]
        today=TODAY,
        referred_on=REFERRED,
        decided_on=DECIDED,
    )


START = dt.datetime(2026, 5, 20, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"contact_on": None}, "contact_on", "date of the follow-up"),
        ({"contact_on": TODAY + dt.timedelta(days=1)}, "contact_on", "in the future"),
        ({"contact_on": dt.date(2026, 4, 30)}, "contact_on", "before the referral"),
        ({"contact_on": dt.date(2026, 5, 9)}, "contact_on", "before the board's decision"),
        ({"pain_score": 11}, "pain_score", "0 to 10"),
        ({"omed_mg": -5}, "omed_mg", "oral morphine"),
        ({"ecog": 5}, "ecog", "date of death"),
        ({"karnofsky": 75}, "karnofsky", "steps of 10"),
        ({"frankel": "F"}, "frankel", "A, B, C, D or E"),
        ({"adherence": Adherence.MODIFIED}, "deviation_reason", "say why"),
        (
            {"adherence": Adherence.NOT_GIVEN, "deviation_reason": " "},
            "deviation_reason",
            "say why",
        ),
        ({"adherence": Adherence.AS_PLANNED, "deviation_reason": "x"}, "deviation_reason", "only"),
        ({"deviation_reason": "x"}, "deviation_reason", "only"),
        (
            {
                "adherence": Adherence.NOT_GIVEN,
                "deviation_reason": "declined",
                "treatment_started_at": START,
            },
            "treatment_started_at",
            "not given",
        ),
        (
            {"adherence": Adherence.NOT_STARTED, "treatment_started_at": START},
            "treatment_started_at",
            "start time",
        ),
        (
            {"treatment_started_at": dt.datetime(2026, 5, 20, 9, 30)},
            "treatment_started_at",
            "date and time",
        ),
        ({"treatment_started_at": START + dt.timedelta(days=60)}, "treatment_started_at", "future"),
        ({"rediscussion_requested": True}, "rediscussion_reason", "discuss again"),
        (
            {"rediscussion_requested": True, "rediscussion_reason": "  "},
            "rediscussion_reason",
            "discuss again",
        ),
        (
            {"died_on": TODAY, "contact_on": TODAY - dt.timedelta(days=1)},
            "died_on",
            "after the date of this contact",
        ),
        ({"died_on": TODAY + dt.timedelta(days=1)}, "died_on", "future"),
        ({"died_on": TODAY, "karnofsky": 50}, "ecog", "has died"),
        (
            {"died_on": TODAY, "rediscussion_requested": True, "rediscussion_reason": "x"},
            "rediscussion_requested",
            "died",
        ),
    ],
)
def test_check_entry_refuses(values: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _check(**values)
    assert caught.value.field == field
    assert words.lower() in caught.value.message.lower()


def test_check_entry_cleans_what_it_keeps() -> None:
    values = _check(
        pain_score=3,
        omed_mg=30,
        ecog=1,
        karnofsky=80,
        frankel=" d ",
        asia="",
        adherence=Adherence.MODIFIED,
        deviation_reason="  fewer fractions ",
        treatment_started_at=START,
        rediscussion_requested=False,
        rediscussion_reason="kept only with a request",
        notes="   ",
    )
    assert values["frankel"] == "D" and values["asia"] is None
    assert values["omed_mg"] == 30.0 and isinstance(values["omed_mg"], float)
    assert values["deviation_reason"] == "fewer fractions"
    assert values["rediscussion_reason"] is None and values["notes"] is None
    assert values["treatment_started_at"] == START
    # Everything unknown is fine; ECOG 5 with a death is fine.
    assert _check()["pain_score"] is None
    assert _check(died_on=TODAY, ecog=5, karnofsky=0)["died_on"] == TODAY


#: Radiation started on 20 May; contacts on or after it are assessable.
STARTED = {"radiation_start": START.date(), "contact_date": TODAY}


def test_pain_response_not_applicable_without_radiation() -> None:
    found = assess_pain_response(
        has_radiation=False, baseline_pain=8, baseline_omed=60, pain=0, omed=60, **STARTED
    )
    assert found.response is None and found.text.startswith("not applicable")


@pytest.mark.parametrize(
    ("start", "contact", "assessable"),
    [
        (None, TODAY, False),  # no start recorded
        (dt.date(2026, 6, 16), TODAY, False),  # the day before the start
        (dt.date(2026, 6, 15), TODAY, True),  # on the start date
        (dt.date(2026, 6, 14), TODAY, True),  # the day after
        (dt.datetime(2026, 6, 15, 23, 0, tzinfo=dt.UTC), TODAY, True),  # a datetime: its date
        (dt.datetime(2026, 6, 16, 8, 0, tzinfo=dt.UTC), TODAY, False),
    ],
)
def test_pain_response_only_from_the_start_of_radiation(
    start: dt.date | None, contact: dt.date, assessable: bool
) -> None:
    found = assess_pain_response(
        has_radiation=True,
        baseline_pain=8,
        baseline_omed=60,
        pain=0,
        omed=60,
        radiation_start=start,
        contact_date=contact,
    )
    if assessable:
        assert found.response is PainResponse.COMPLETE
    else:
        assert found.response is None
        assert found.text == "not yet assessable: radiation not started"
    # Without radiation in the plan it is "not applicable", whatever the dates.
    none = assess_pain_response(
        has_radiation=False,
        baseline_pain=8,
        baseline_omed=60,
        pain=0,
        omed=60,
        radiation_start=start,
        contact_date=contact,
    )
    assert none.text.startswith("not applicable")


def test_not_yet_assessable_comes_before_missing_values() -> None:
    found = assess_pain_response(
        has_radiation=True, baseline_pain=None, baseline_omed=None, pain=None, omed=None,
        radiation_start=None, contact_date=TODAY,
    )  # fmt: skip
    assert found.text == "not yet assessable: radiation not started"


def test_pain_response_incomplete_names_what_is_missing() -> None:
    found = assess_pain_response(
        has_radiation=True, baseline_pain=None, baseline_omed=60, pain=3, omed=None, **STARTED
    )
    assert found.response is None
    assert found.text == "incomplete: missing baseline pain, opioid dose at this contact"


@pytest.mark.parametrize(
    ("baseline", "pain", "omed", "expected"),
    [
        ((8, 60.0), 0, 60.0, PainResponse.COMPLETE),
        ((8, 60.0), 0, 30.0, PainResponse.COMPLETE),
        ((8, 60.0), 6, 60.0, PainResponse.PARTIAL),
        ((8, 60.0), 8, 40.0, PainResponse.PARTIAL),
        ((5, 60.0), 7, 60.0, PainResponse.PROGRESSION),
        ((5, 60.0), 6, 90.0, PainResponse.PROGRESSION),
        ((8, 60.0), 7, 60.0, PainResponse.INDETERMINATE),
    ],
)
def test_pain_response_categories(
    baseline: tuple[int, float], pain: int, omed: float, expected: PainResponse
) -> None:
    found = assess_pain_response(
        has_radiation=True,
        baseline_pain=baseline[0],
        baseline_omed=baseline[1],
        pain=pain,
        omed=omed,
        **STARTED,
    )
    assert found.response is expected
    assert found.text.startswith(expected.label)
    assert f"pain {baseline[0]} -> {pain}" in found.text


def test_pain_response_notes_a_low_baseline() -> None:
    found = assess_pain_response(
        has_radiation=True, baseline_pain=1, baseline_omed=0, pain=0, omed=0, **STARTED
    )
    assert "baseline pain of 2 or more" in found.text
