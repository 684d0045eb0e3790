"""Assessment and pathology services: permissions for every role on every form, versioning,
conflicts, audit (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select

from board.assessments.forms import RadiologistForm, parse_form
from board.assessments.service import get_assessment, list_assessments
from board.auth.actor import Actor
from board.auth.roles import CONTRIBUTING_ROLES, Role
from board.cases.service import add_note, create_case, get_case
from board.cases.specialist_input import save_assessment
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AuditEvent
from board.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from board.pathology.enums import BiopsyKind, BiopsyStatus
from board.pathology.service import BiopsyInput, add_biopsy, list_biopsies, update_biopsy

PATHOLOGY_EDITORS = {Role.PATHOLOGIST, Role.MEDICAL_ONCOLOGIST, Role.COORDINATOR}
SAMPLE = {
    Role.RADIOLOGIST: {"lesions": [{"level": "T7", "lesion_type": "lytic"}]},
    Role.SPINE_SURGEON: {"frankel": "E", "myelopathy": False},
    Role.MEDICAL_ONCOLOGIST: {"ecog": "1", "karnofsky": 80},
    Role.RADIATION_ONCOLOGIST: {"prior_radiation": False, "sbrt_dose_gy": 24},
    Role.PAIN_PALLIATIVE: {"nrs": 6, "character": "mechanical"},
    Role.PHYSIOTHERAPIST: {"mobility": "walking_aid", "goals": "Walk to the shop"},
}


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as session:
        found = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
        session.expunge_all()
        return found


@pytest.fixture
def case_id(db: Database, admin: Actor, new_case: Callable[..., CaseInput]) -> int:
    return create_case(db, admin, new_case()).id


@pytest.mark.parametrize("role", list(Role))
def test_every_role_on_every_form(
    db: Database, admin: Actor, make_user: Callable[..., Actor], case_id: int, role: Role
) -> None:
    actor = admin if role is Role.ADMIN else make_user(role)
    for form_role in CONTRIBUTING_ROLES:
        # Everyone reads every form.
        assert get_assessment(db, actor, case_id, form_role).role is form_role
        if role is form_role:
            saved = save_assessment(db, actor, case_id, form_role, SAMPLE[form_role], 0)
            assert saved.version == 1 and saved.updated_by == actor.display_name
        else:
            with pytest.raises(PermissionDeniedError, match="may"):
                save_assessment(db, actor, case_id, form_role, SAMPLE[form_role], 0)
    views = list_assessments(db, actor, case_id)
    assert [v.role for v in views] == list(CONTRIBUTING_ROLES)
    assert sum(v.started for v in views) == (1 if role in CONTRIBUTING_ROLES else 0)
    # Pathology: only the pathologist, the oncologist and the coordinator record biopsies.
    biopsy = BiopsyInput(kind=BiopsyKind.CORE_NEEDLE, site="T7 body", level="t7")
    if role in PATHOLOGY_EDITORS:
        view = add_biopsy(db, actor, case_id, biopsy)
        assert view.level == "T7" and view.status is BiopsyStatus.PENDING
    else:
        with pytest.raises(PermissionDeniedError):
            add_biopsy(db, actor, case_id, biopsy)
    assert len(list_biopsies(db, actor, case_id)) == (1 if role in PATHOLOGY_EDITORS else 0)


def test_save_versioning_conflict_and_audit(
    db: Database, make_user: Callable[..., Actor], case_id: int
) -> None:
    first = make_user(Role.SPINE_SURGEON, display_name="Dr First")
    second = make_user(Role.SPINE_SURGEON, display_name="Dr Second")
    v1 = save_assessment(db, first, case_id, Role.SPINE_SURGEON, {"frankel": "D"}, 0)
    # The second surgeon loaded version 1 too; the first saves again.
    v2 = save_assessment(db, first, case_id, Role.SPINE_SURGEON, {"frankel": "C"}, v1.version)
    assert v2.version == 2
    with pytest.raises(ConflictError, match="Dr First") as info:
        save_assessment(db, second, case_id, Role.SPINE_SURGEON, {"frankel": "E"}, v1.version)
    assert "Nothing was overwritten" in str(info.value)
    stored = get_assessment(db, second, case_id, Role.SPINE_SURGEON)
    assert stored.form.frankel.value == "C"  # type: ignore[attr-defined]
    # A second "first save" of the same form is also a conflict.
    with pytest.raises(ConflictError):
        save_assessment(db, second, case_id, Role.SPINE_SURGEON, {"frankel": "E"}, 0)
    (created,) = _events(db, "assessment.create")
    assert created.after is not None and created.after["frankel"] == "D"
    (saved,) = _events(db, "assessment.save")
    assert saved.before == {"role": "spine_surgeon", "frankel": "D"}
    assert saved.after == {"role": "spine_surgeon", "frankel": "C"}
    # Submitting marks the role's input done in readiness.
    sub = save_assessment(
        db, second, case_id, Role.SPINE_SURGEON, stored.form, stored.version, submit=True
    )
    assert sub.submitted_at is not None
    (submitted,) = _events(db, "assessment.submit")
    assert submitted.after == {"role": "spine_surgeon", "submitted": True}
    detail = get_case(db, second, case_id)
    assert Role.SPINE_SURGEON not in detail.readiness.missing_roles


def test_bad_form_saves_nothing(
    db: Database, make_user: Callable[..., Actor], case_id: int
) -> None:
    onc = make_user(Role.MEDICAL_ONCOLOGIST)
    with pytest.raises(ValidationError, match="Karnofsky"):
        save_assessment(db, onc, case_id, Role.MEDICAL_ONCOLOGIST, {"karnofsky": 85}, 0)
    assert not get_assessment(db, onc, case_id, Role.MEDICAL_ONCOLOGIST).started
    with pytest.raises(ValidationError):
        save_assessment(
            db, onc, case_id, Role.MEDICAL_ONCOLOGIST, parse_form(Role.RADIOLOGIST, {}), 0
        )
    with pytest.raises(NotFoundError):
        save_assessment(db, onc, 999_999, Role.MEDICAL_ONCOLOGIST, {}, 0)


def test_radiologist_lesions_round_trip(
    db: Database, make_user: Callable[..., Actor], case_id: int
) -> None:
    rad = make_user(Role.RADIOLOGIST)
    data = {
        "lesions": [
            {"level": "L1", "lesion_type": "mixed", "escc": "2"},
            {"level": "T7", "lesion_type": "lytic", "collapse": "gt50", "alignment": "normal",
             "posterolateral": "bilateral", "escc": "1c"},
        ],
        "extraspinal_bone_foci": 2,
    }  # fmt: skip
    view = save_assessment(db, rad, case_id, Role.RADIOLOGIST, data, 0)
    assert isinstance(view.form, RadiologistForm)
    assert [lesion.level for lesion in view.form.lesions] == ["T7", "L1"]
    assert view.form.lesions[0].complete


def test_notes_are_appended_per_role(
    db: Database, make_user: Callable[..., Actor], case_id: int
) -> None:
    physio = make_user(Role.PHYSIOTHERAPIST, display_name="Phil")
    add_note(db, physio, case_id, "Seen on the ward; walks with a frame.")
    add_note(db, physio, case_id, "Second note.")
    notes = get_case(db, physio, case_id).notes
    assert [(n.author_name, n.author_role) for n in notes] == [
        ("Phil", Role.PHYSIOTHERAPIST),
        ("Phil", Role.PHYSIOTHERAPIST),
    ]


def test_biopsy_update_conflict_validation_and_audit(
    db: Database, make_user: Callable[..., Actor], case_id: int
) -> None:
    path = make_user(Role.PATHOLOGIST, display_name="Dr Path")
    onc = make_user(Role.MEDICAL_ONCOLOGIST)
    view = add_biopsy(
        db,
        path,
        case_id,
        BiopsyInput(kind=BiopsyKind.CORE_NEEDLE, performed_on=dt.date(2026, 1, 5)),
    )
    final = BiopsyInput(
        kind=BiopsyKind.CORE_NEEDLE,
        status=BiopsyStatus.FINAL,
        performed_on=dt.date(2026, 1, 5),
        histology="Invasive ductal carcinoma",
        grade="G2",
        markers={"ER": "positive", "HER2": "0"},
        pathologist="Dr Path",
        report_text="Fictional report <b>not html</b>",
    )
    updated = update_biopsy(db, path, view.id, view.version, final)
    assert updated.version == 2 and dict(updated.markers) == {"ER": "positive", "HER2": "0"}
    with pytest.raises(ConflictError, match="Dr Path"):
        update_biopsy(db, onc, view.id, view.version, final)
    (event,) = _events(db, "biopsy.update")
    assert event.after is not None and event.after["status"] == "final"
    assert event.before is not None and event.before["status"] == "pending"
    for bad, field in [
        (BiopsyInput(kind=BiopsyKind.OPEN, status=BiopsyStatus.FINAL), "histology"),
        (BiopsyInput(kind=BiopsyKind.OPEN, performed_on=dt.date(2999, 1, 1)), "performed_on"),
        (BiopsyInput(kind=BiopsyKind.OPEN, markers={" ": "x"}), "markers"),
        (BiopsyInput(kind=BiopsyKind.OPEN, level="Q3"), None),
    ]:
        with pytest.raises(ValidationError) as info:
            add_biopsy(db, path, case_id, bad)
        if field:
            assert info.value.field == field
    # A final biopsy makes histology known in readiness.
    readiness = get_case(db, path, case_id).readiness
    assert "Histology" not in readiness.missing


def test_recorded_scores_keep_their_inputs_author_and_time(
    db: Database, make_user: Callable[..., Actor], case_id: int
) -> None:
    from board.assessments.scores import list_recorded_scores, record_case_scores

    rad = make_user(Role.RADIOLOGIST)
    coordinator = make_user(Role.COORDINATOR, display_name="Cora")
    full = {"level": "T7", "lesion_type": "lytic", "collapse": "none", "alignment": "normal",
            "posterolateral": "none", "escc": "1a"}  # fmt: skip
    view = save_assessment(db, rad, case_id, Role.RADIOLOGIST, {"lesions": [full]}, 0)
    stored = record_case_scores(db, coordinator, case_id)
    algorithms = [r.algorithm_id for r in stored]
    assert algorithms == [
        "sins@fisher2010", "escc@bilsky2010", "noms@laufer2013", "tokuhashi@2005", "tomita@2001",
    ]  # fmt: skip
    sins = stored[0]
    assert sins.level == "T7" and sins.computed_by == "Cora"
    assert sins.inputs["bone_lesion"] == "lytic" and sins.complete
    assert stored[1].summary.startswith("ESCC 1a")
    # Changing the form later never rewrites the stored snapshot.
    save_assessment(
        db, rad, case_id, Role.RADIOLOGIST, {"lesions": [{**full, "escc": "3"}]}, view.version
    )
    again = list_recorded_scores(db, coordinator, case_id)
    assert [r.summary for r in again if r.algorithm_id == "escc@bilsky2010"] == [stored[1].summary]
