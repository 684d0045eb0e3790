"""NICE NG234 triage tiers on the case, on every backend: pain features, urgency, worklist."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from board.auth.actor import Actor
from board.cases.enums import Urgency
from board.cases.redflags import PainFeature
from board.cases.service import create_case, get_case, update_case, validate_case_input
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AuditEvent, Case
from board.errors import ValidationError
from board.worklist.csv_export import export_worklist_csv
from board.worklist.service import list_worklist
from board.worklist.views import WorklistFilter

NewCase = Callable[..., CaseInput]
TODAY = dt.date(2026, 12, 8)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        pytest.param(None, None, id="not-asked"),
        pytest.param(frozenset(), [], id="asked-none"),
        pytest.param((), [], id="empty-tuple"),
        pytest.param(frozenset({PainFeature.NIGHT_PAIN}), ["night_pain"], id="one"),
        pytest.param(("night_pain", " Local_Tenderness "), ["local_tenderness", "night_pain"],
                     id="strings-in-enum-order"),
        pytest.param(tuple(PainFeature), [f.value for f in PainFeature], id="all-six"),
        pytest.param(("night_pain", "night_pain"), ["night_pain"], id="duplicates"),
    ],
)  # fmt: skip
def test_validate_case_input_pain_features(
    new_case: NewCase, given: Any, stored: list[str] | None
) -> None:
    values = validate_case_input(new_case(pain_features=given), TODAY)
    assert values["pain_features"] == stored


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(("back_ache",), id="unknown"),
        pytest.param(("night_pain", "stabbing"), id="one-unknown"),
        pytest.param(("",), id="blank"),
    ],
)
def test_validate_case_input_refuses_unknown_pain_features(new_case: NewCase, given: Any) -> None:
    with pytest.raises(ValidationError, match="Spinal pain feature") as info:
        validate_case_input(new_case(pain_features=given), TODAY)
    assert info.value.field == "pain_features"


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as session:
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
        session.expunge_all()
        return events


def _stored(db: Database, case_id: int) -> tuple[list[str] | None, Urgency, int]:
    with db.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.pain_features, case.urgency, case.priority


def test_pain_features_are_stored_read_back_and_audited(
    db: Database, admin: Actor, new_case: NewCase
) -> None:
    case = create_case(db, admin, new_case(pain_features=("night_pain", "thoracic_or_cervical")))
    assert _stored(db, case.id)[0] == ["thoracic_or_cervical", "night_pain"]
    assert case.pain_features == {PainFeature.NIGHT_PAIN, PainFeature.THORACIC_OR_CERVICAL}
    assert case.as_input().pain_features == case.pain_features
    [created] = _events(db, "case.create")
    assert created.after is not None
    assert created.after["pain_features"] == ["thoracic_or_cervical", "night_pain"]

    updated = update_case(
        db, admin, case.id, case.version, dataclasses.replace(case.as_input(), pain_features=None)
    )
    assert updated.pain_features is None
    assert _stored(db, case.id)[0] is None
    [event] = _events(db, "case.update")
    assert event.before is not None and event.after is not None
    assert event.before["pain_features"] == ["thoracic_or_cervical", "night_pain"]
    assert event.after["pain_features"] is None
    assert event.after["urgency"] == "routine"
    assert get_case(db, admin, case.id).pain_features is None


NO_NEURO: dict[str, Any] = {
    "pain_new_or_worse": False,
    "numbness": False,
    "weakness": False,
    "reflex_change": False,
    "gait_disturbance": False,
    "bladder_bowel_dysfunction": False,
    "radicular_pain": False,
}


@pytest.mark.parametrize(
    ("overrides", "urgency", "priority"),
    [
        pytest.param({"weakness": True, "pain_score": None, "pain_features": None},
                     Urgency.URGENT, 2, id="neurology-without-pain-immediate"),
        pytest.param({"bladder_bowel_dysfunction": True, "pain_features": ()},
                     Urgency.URGENT, 2, id="bladder-immediate"),
        pytest.param({"weakness": True, "pain_features": ("night_pain",)},
                     Urgency.URGENT, 2, id="neurology-and-pain-immediate"),
        pytest.param({"pain_features": ("night_pain",)},
                     Urgency.WITHIN_A_WEEK, 1, id="pain-feature-within-a-week"),
        pytest.param({"pain_features": tuple(PainFeature)},
                     Urgency.WITHIN_A_WEEK, 1, id="all-features-within-a-week"),
        pytest.param({"pain_features": ()}, Urgency.ROUTINE, 0, id="nothing-routine"),
        pytest.param({"known_cancer": False, "pain_features": ("night_pain",)},
                     Urgency.ROUTINE, 0, id="no-known-cancer-routine"),
    ],
)  # fmt: skip
def test_urgency_follows_the_tier_on_create_and_update(
    db: Database,
    admin: Actor,
    new_case: NewCase,
    overrides: dict[str, Any],
    urgency: Urgency,
    priority: int,
) -> None:
    created = create_case(db, admin, new_case(**{**NO_NEURO, **overrides}))
    assert created.urgency is urgency
    assert _stored(db, created.id)[1:] == (urgency, priority)

    # The same facts entered by an edit of a routine case give the same tier.
    plain = create_case(db, admin, new_case(**NO_NEURO, pain_features=()))
    assert plain.urgency is Urgency.ROUTINE
    edited = update_case(
        db,
        admin,
        plain.id,
        plain.version,
        dataclasses.replace(plain.as_input(), **overrides),
    )
    assert edited.urgency is urgency
    assert _stored(db, plain.id)[1:] == (urgency, priority)
    if urgency is not Urgency.ROUTINE:
        assert edited.urgency_reasons


def test_worklist_sorts_and_filters_by_tier(db: Database, admin: Actor, new_case: NewCase) -> None:
    routine = create_case(db, admin, new_case(**NO_NEURO, pain_features=())).id
    week = create_case(db, admin, new_case(**NO_NEURO, pain_features=("night_pain",))).id
    immediate = create_case(db, admin, new_case(**NO_NEURO | {"weakness": True})).id
    routine2 = create_case(db, admin, new_case(**NO_NEURO, pain_features=None)).id
    week2 = create_case(db, admin, new_case(**NO_NEURO, pain_features=("local_tenderness",))).id

    rows = list_worklist(db, admin, page_size=50).rows
    assert [r.id for r in rows] == [immediate, week2, week, routine2, routine]
    assert [r.urgency.label for r in rows[:2]] == [
        "Immediate (MRI within 24 h)",
        "Within a week (MRI within 7 days)",
    ]
    for urgency, expected in [
        (Urgency.URGENT, [immediate]),
        (Urgency.WITHIN_A_WEEK, [week2, week]),
        (Urgency.ROUTINE, [routine2, routine]),
    ]:
        page = list_worklist(db, admin, WorklistFilter(urgency=urgency), page_size=50)
        assert [r.id for r in page.rows] == expected
        assert page.total == len(expected)

    out = export_worklist_csv(db, admin, WorklistFilter(urgency=Urgency.WITHIN_A_WEEK))
    text = out.data.decode("utf-8-sig")
    assert out.rows == 2
    assert text.count("Within a week (MRI within 7 days)") == 2


def test_urgency_labels_and_priorities() -> None:
    assert [u.label for u in Urgency] == [
        "Immediate (MRI within 24 h)",
        "Within a week (MRI within 7 days)",
        "Routine",
    ]
    assert [u.priority for u in Urgency] == [2, 1, 0]
    assert [u.target_hours for u in Urgency] == [24, 168, None]
