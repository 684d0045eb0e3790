"""Each role's input in short, as the presenter shows it: the form's own labels."""

from __future__ import annotations

import datetime as dt

import pytest

from board.auth.roles import Role
from board.cases.enums import CaseStatus, Urgency
from board.cases.inputs import summarise_input
from board.meetings.enums import AgendaTriage
from board.meetings.views import AgendaRow
from board.plans.enums import PlanStatus


@pytest.mark.parametrize(
    ("role", "data", "expected"),
    [
        (
            Role.SPINE_SURGEON,
            {"frankel": "D", "asia": "D", "mechanical_pain": False, "myelopathy": None},
            "Frankel grade D; ASIA impairment scale D; Mechanical pain no",
        ),
        (
            Role.RADIATION_ONCOLOGIST,
            {"cebrt_dose_gy": 8.0, "cebrt_fractions": 1},
            "cEBRT total dose (Gy) 8.0; cEBRT fractions 1",
        ),
        (
            Role.RADIOLOGIST,
            {"lesions": [{"level": "T8", "lesion_type": "lytic", "escc": "1a"}]},
            "T8: Bone lesion lytic, ESCC (Bilsky) grade 1a",
        ),
        (Role.PAIN_PALLIATIVE, {"nrs": 6, "unlisted_key": "x"}, "Pain 6; unlisted key x"),
        (Role.PHYSIOTHERAPIST, {}, "no structured input"),
    ],
)
def test_summary_uses_the_form_labels(role: Role, data: dict[str, object], expected: str) -> None:
    assert summarise_input(role, data) == expected


# ---------------------------------------------------------------------------
# Agenda status in plain words
# ---------------------------------------------------------------------------


def _row(**changes: object) -> AgendaRow:
    values: dict[str, object] = {
        "id": 1, "version": 1, "position": 1, "case_id": 1, "pseudonym": "TB-A",
        "primary_site_label": "Breast", "levels": ("T7",), "urgency": Urgency.ROUTINE,
        "case_status": CaseStatus.PREPARING, "missing": (), "triage": AgendaTriage.FULL_DISCUSSION,
        "discussed_at": None, "discussion_seconds": 0, "timer_started_at": None,
        "plan_status": None, "plan_number": None, "referral_question": "",
    }  # fmt: skip
    values.update(changes)
    return AgendaRow(**values)  # type: ignore[arg-type]


DISCUSSED_AT = dt.datetime(2026, 3, 3, 16, 20, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({}, "Ready"),
        ({"missing": ("MRI of the spine (MRI undated)", "Histology")},
         "Still missing: MRI of the spine (MRI undated); Histology"),
        ({"case_status": CaseStatus.READY}, "Ready"),
        ({"case_status": CaseStatus.READY, "missing": ("Histology",)},
         "Marked ready; still missing: Histology"),
        ({"case_status": CaseStatus.READY, "plan_status": PlanStatus.DRAFT, "plan_number": 1},
         "Ready; draft plan, version 1"),
        ({"case_status": CaseStatus.DISCUSSED, "plan_status": PlanStatus.DRAFT, "plan_number": 1,
          "discussed_at": DISCUSSED_AT, "discussion_seconds": 252},
         "Discussed; draft plan, version 1; discussion time 4:12"),
        ({"case_status": CaseStatus.PLAN_FINALIZED, "plan_status": PlanStatus.FINALIZED,
          "plan_number": 2, "discussed_at": DISCUSSED_AT, "discussion_seconds": 3725},
         "Plan finalized, version 2; discussion time 1:02:05"),
        ({"case_status": CaseStatus.IN_FOLLOW_UP, "plan_status": PlanStatus.FINALIZED,
          "plan_number": 1},
         f"{CaseStatus.IN_FOLLOW_UP.label}; finalized plan, version 1"),
    ],
    ids=["preparing-complete", "preparing-missing", "ready", "marked-ready-missing",
         "ready-draft", "discussed", "finalized", "follow-up"],
)  # fmt: skip
def test_agenda_status_reads_plainly(changes: dict[str, object], text: str) -> None:
    row = _row(**changes)
    assert row.status_text == text
    assert "Preparing" not in row.status_text and "; ready" not in row.status_text


def test_plan_text() -> None:
    assert _row().plan_text == "not started"
    assert _row(plan_status=PlanStatus.DRAFT, plan_number=3).plan_text == "draft, version 3"
