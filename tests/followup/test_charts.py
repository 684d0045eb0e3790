"""Chart data of the Follow-up tab, built from a hand-made FollowUpBoard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from board.cases.enums import CaseStatus
from board.followup.baseline import Baseline
from board.followup.charts import (
    ASIA,
    BASELINE,
    ECOG,
    FOLLOW_UP,
    FRANKEL,
    KARNOFSKY,
    OMED,
    PAIN,
    neuro_rows,
    pain_rows,
    performance_rows,
    recorded_points,
    text_summary,
    treatment_markers,
)
from board.followup.enums import FollowUpKind, FollowUpStatus
from board.followup.views import FollowUpBoard, FollowUpView, TimelineEvent

DECIDED = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
D1 = dt.date(2026, 4, 13)
D2 = dt.date(2026, 5, 25)


def _entry(id: int, on: dt.date, **values: Any) -> FollowUpView:
    fields: dict[str, Any] = {name: None for name in FollowUpView.__slots__}
    fields.update(
        id=id,
        version=1,
        case_id=1,
        kind=FollowUpKind.VISIT,
        status=FollowUpStatus.DONE,
        due_on=on,
        done_on=on,
        pain_response_text="",
        rediscussion_requested=False,
    )
    fields.update(values)
    return FollowUpView(**fields)


def _board(baseline: Baseline, entries: tuple[FollowUpView, ...]) -> FollowUpBoard:
    return FollowUpBoard(
        case_id=1,
        pseudonym="TB-1",
        case_status=CaseStatus.IN_FOLLOW_UP,
        case_version=3,
        referred_on=dt.date(2026, 2, 20),
        decision_at=DECIDED,
        plan_id=1,
        plan_number=1,
        planned=("cEBRT 8 Gy / 1",),
        plan_has_radiation=True,
        baseline=baseline,
        entries=entries,
        scheduled=(),
        timeline=(
            TimelineEvent(dt.date(2026, 2, 20), "referral", "Referred to the board"),
            TimelineEvent(DECIDED.date(), "decision", "Plan version 1 finalized: Radiation"),
            TimelineEvent(dt.date(2026, 3, 5), "treatment", "Treatment started: cEBRT"),
            TimelineEvent(D1, "follow_up", "Clinic visit"),
        ),
        died_on=None,
        rediscussion_requested_at=None,
        rediscussion_reason=None,
        can_record=True,
        cannot_record_reason=None,
    )


FULL = _board(
    Baseline(pain_nrs=8, omed_mg=60.0, ecog=2, karnofsky=70, frankel="D", asia=None),
    (  # newest first, as the service returns them
        _entry(2, D2, pain_score=0, omed_mg=30.0, ecog=1, frankel="E", asia="E",
               pain_response_text="complete response"),
        _entry(1, D1, pain_score=5, karnofsky=80, frankel="D"),
    ),
)  # fmt: skip


def test_pain_rows_start_with_the_baseline_at_the_decision() -> None:
    rows = pain_rows(FULL)
    assert [(r["date"], r["measure"], r["value"], r["source"]) for r in rows] == [
        (DECIDED.date(), PAIN, 8.0, BASELINE),
        (DECIDED.date(), OMED, 60.0, BASELINE),
        (D1, PAIN, 5.0, FOLLOW_UP),
        (D2, PAIN, 0.0, FOLLOW_UP),
        (D2, OMED, 30.0, FOLLOW_UP),
    ]
    assert rows[3]["response"] == "complete response"
    assert recorded_points(rows) == 3


def test_markers_are_the_decision_and_treatment_starts() -> None:
    found = [(m["date"], m["event"], m["label"]) for m in treatment_markers(FULL)]
    assert found == [
        (DECIDED.date(), "decision", "Plan version 1 finalized: Radiation"),
        (dt.date(2026, 3, 5), "treatment start", "Treatment started: cEBRT"),
    ]


def test_neuro_rows_are_ordinal_with_the_letter() -> None:
    rows = neuro_rows(FULL)
    assert [(r["date"], r["scale"], r["level"], r["grade"]) for r in rows] == [
        (DECIDED.date(), FRANKEL, 4, "D"),
        (D1, FRANKEL, 4, "D"),
        (D2, FRANKEL, 5, "E"),
        (D2, ASIA, 5, "E"),
    ]


def test_performance_rows() -> None:
    rows = performance_rows(FULL)
    assert [(r["date"], r["scale"], r["value"], r["source"]) for r in rows] == [
        (DECIDED.date(), ECOG, 2, BASELINE),
        (DECIDED.date(), KARNOFSKY, 70, BASELINE),
        (D1, KARNOFSKY, 80, FOLLOW_UP),
        (D2, ECOG, 1, FOLLOW_UP),
    ]


def test_nothing_known_gives_no_points() -> None:
    empty = _board(Baseline(), (_entry(1, D1),))
    for rows in (pain_rows(empty), neuro_rows(empty), performance_rows(empty)):
        assert rows == [] and recorded_points(rows) == 0
    # A baseline alone is not a recorded point.
    only_baseline = _board(Baseline(pain_nrs=6), ())
    assert recorded_points(pain_rows(only_baseline)) == 0
    assert len(pain_rows(only_baseline)) == 1


def test_text_summaries_read_each_series_first_to_last() -> None:
    assert text_summary(pain_rows(FULL), "measure") == (
        f"{PAIN}: 8 on 2026-03-02 ({BASELINE}), then 0 on 2026-05-25; 3 points. "
        f"{OMED}: 60 on 2026-03-02 ({BASELINE}), then 30 on 2026-05-25; 2 points."
    )
    assert text_summary(neuro_rows(FULL), "scale", "grade") == (
        f"{FRANKEL}: D on 2026-03-02 ({BASELINE}), then E on 2026-05-25; 3 points. "
        f"{ASIA}: E on 2026-05-25; 1 point."
    )
    performance = text_summary(performance_rows(FULL), "scale")
    assert f"{ECOG}: 2 on 2026-03-02 ({BASELINE}), then 1 on 2026-05-25; 2 points." in performance
    assert f"{KARNOFSKY}: 70 on 2026-03-02 ({BASELINE}), then 80 on 2026-04-13" in performance
    assert text_summary([], "scale") == "No values recorded."
