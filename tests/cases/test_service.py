"""Case services on every backend: create, validate, edit with optimistic locking, notes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from board.auth.actor import Actor
from board.auth.permissions import PERMISSIONS, Action, allowed
from board.auth.roles import Role
from board.cases.enums import CaseStatus, NoteKind, Sex, Urgency
from board.cases.service import (
    MAX_NOTE_LENGTH,
    PSEUDONYM_ALPHABET,
    add_note,
    create_case,
    get_case,
    primary_site_options,
    update_case,
)
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AuditEvent, Case, Lesion, Note, Patient, utcnow
from board.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError

NewCase = Callable[..., CaseInput]
PSEUDONYM = re.compile(rf"^TB-[{PSEUDONYM_ALPHABET}]{{6}}$")


def _events(db: Database, action: str | None = None) -> list[AuditEvent]:
    with db.read() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        events = list(session.scalars(query))
        session.expunge_all()  # keep them loaded after the read's rollback
        return events


def _lesions(db: Database, case_id: int) -> list[tuple[str, int]]:
    with db.read() as session:
        return [
            (lesion.level, lesion.level_index)
            for lesion in session.scalars(
                select(Lesion).where(Lesion.case_id == case_id).order_by(Lesion.level_index)
            )
        ]


# ---------------------------------------------------------------------------
# create_case
# ---------------------------------------------------------------------------


def test_create_case_stores_case_patient_lesions_and_audit(
    db: Database, admin: Actor, make_user: Callable[..., Actor], new_case: NewCase
) -> None:
    coordinator = make_user(Role.COORDINATOR, display_name="Cora Coordinator")
    site, label = primary_site_options()[1]
    data = new_case(
        primary_site=site,
        levels="T6-T4, l1",
        hospital_number="  H-12345 ",
        age=71,
        sex=Sex.MALE,
        referral_question="  SBRT or surgery?  ",
    )

    case = create_case(db, coordinator, data)

    assert PSEUDONYM.match(case.pseudonym), case.pseudonym
    assert case.version == 1
    assert case.status is CaseStatus.PREPARING
    assert case.urgency is Urgency.ROUTINE
    assert case.urgency_reasons == ()
    assert case.levels == ("T4", "T5", "T6", "L1")
    assert case.primary_site == site
    assert case.primary_site_label == label
    assert case.hospital_number == "H-12345"
    assert case.age == 71
    assert case.sex is Sex.MALE
    assert case.referral_question == "SBRT or surgery?"
    assert case.created_by == "Cora Coordinator"
    assert case.updated_by == "Cora Coordinator"
    assert case.notes == ()

    # One lesion row per involved level, in anatomical order (C1 = 0).
    assert _lesions(db, case.id) == [("T4", 10), ("T5", 11), ("T6", 12), ("L1", 19)]

    [event] = _events(db, "case.create")
    assert event.case_id == case.id
    assert event.entity_type == "case"
    assert event.entity_id == str(case.id)
    assert event.actor_id == coordinator.user_id
    assert event.actor_name == "Cora Coordinator"
    assert event.actor_role == Role.COORDINATOR.value
    assert event.before is None
    assert event.after is not None
    assert event.after["pseudonym"] == case.pseudonym
    assert event.after["primary_site"] == site
    assert event.after["levels"] == "T4,T5,T6,L1"
    assert event.after["hospital_number"] == "H-12345"
    assert event.after["age_at_referral"] == 71
    assert event.after["sex"] == "male"
    assert event.after["urgency"] == "routine"
    assert event.after["symptom_onset"] == data.symptom_onset.isoformat()  # type: ignore[union-attr]


def test_pseudonyms_are_unique(db: Database, admin: Actor, new_case: NewCase) -> None:
    names = {create_case(db, admin, new_case()).pseudonym for _ in range(5)}
    assert len(names) == 5
    assert all(PSEUDONYM.match(n) for n in names)


def test_red_flags_make_a_new_case_urgent(db: Database, admin: Actor, new_case: NewCase) -> None:
    case = create_case(
        db, admin, new_case(pain_new_or_worse=True, weakness=True, bladder_bowel_dysfunction=True)
    )
    assert case.urgency is Urgency.URGENT
    [reason] = case.urgency_reasons
    assert "limb weakness" in reason
    assert "bladder or bowel dysfunction" in reason
    [event] = _events(db, "case.create")
    assert event.after is not None
    assert event.after["urgency"] == "urgent"


def test_symptoms_without_known_cancer_stay_routine(
    db: Database, admin: Actor, new_case: NewCase
) -> None:
    case = create_case(db, admin, new_case(known_cancer=False, pain_score=8, weakness=True))
    assert case.urgency is Urgency.ROUTINE


def _future() -> dt.date:
    return utcnow().date() + dt.timedelta(days=2)


def _bad(case_id: str, overrides: dict[str, Any], field: str | None, message: str) -> Any:
    """One invalid form: the fields to change, the field blamed (None: not checked), message."""
    return pytest.param(overrides, field, message, id=case_id)


EXPECTED_LEVELS = r"expected C1-C7, T1-T12, L1-L5 or S1-S5"
INVALID_INPUTS: list[Any] = [
    _bad("level-X9", {"levels": ("X9",)}, "level", r"'X9'.*" + EXPECTED_LEVELS),
    _bad("level-T13", {"levels": "T13"}, "level", r"T13.*T1 to T12"),
    _bad("coccyx-Co1", {"levels": ("Co1",)}, "level", r"'Co1'.*" + EXPECTED_LEVELS),
    _bad("level-C0", {"levels": ("C0",)}, "level", r"C1 to C7"),
    _bad("range-past-T12", {"levels": "T4-T13"}, "level", r"T1 to T12"),
    _bad("no-levels", {"levels": ()}, "levels", r"at least one involved vertebral level"),
    _bad("blank-levels", {"levels": "  "}, "levels", r"at least one involved vertebral level"),
    _bad("age-130", {"age": 130}, "age", r"between 0 and 120 years, not 130"),
    _bad("age-negative", {"age": -1}, "age", r"between 0 and 120"),
    _bad("pain-11", {"pain_score": 11}, "pain_score", r"from 0 .* to 10 .*not 11"),
    _bad("pain-negative", {"pain_score": -1}, "pain_score", r"from 0 .* to 10"),
    _bad("future-onset", {"symptom_onset": "FUTURE"}, "symptom_onset", r"cannot be in the future"),
    _bad(
        "unknown-site",
        {"primary_site": "martian"},
        "primary_site",
        r"Unknown primary cancer site 'martian'.*choose one from the list",
    ),
    _bad("empty-site", {"primary_site": ""}, "primary_site", r"choose one from the list"),
    _bad("birth-year-1800", {"birth_year": 1800}, "birth_year", r"Birth year must be between"),
    _bad("birth-year-future", {"birth_year": "NEXT_YEAR"}, "birth_year", r"must be between"),
    _bad(
        "pain-character",
        {"pain_character": "stabbing"},
        "pain_character",
        r"mechanical, biological or radicular",
    ),
    _bad("sex-not-enum", {"sex": "female"}, "sex", r"female, male, other or unknown"),
    _bad("long-hospital-number", {"hospital_number": "H" * 65}, None, r"at most 64 characters"),
    _bad("long-referral", {"referral_question": "x" * 5001}, None, r"at most 5000 characters"),
]


def _resolve(overrides: dict[str, Any]) -> dict[str, Any]:
    resolved = dict(overrides)
    if resolved.get("symptom_onset") == "FUTURE":
        resolved["symptom_onset"] = _future()
    if resolved.get("birth_year") == "NEXT_YEAR":
        resolved["birth_year"] = utcnow().year + 1
    return resolved


@pytest.mark.parametrize(("overrides", "field", "message"), INVALID_INPUTS)
def test_create_case_rejects_invalid_input_and_writes_nothing(
    db: Database,
    admin: Actor,
    new_case: NewCase,
    row_counts: Callable[[], dict[str, int]],
    overrides: dict[str, Any],
    field: str | None,
    message: str,
) -> None:
    before = row_counts()
    with pytest.raises(ValidationError, match=message) as info:
        create_case(db, admin, new_case(**_resolve(overrides)))
    if field is not None:
        assert info.value.field == field
    assert row_counts() == before


@pytest.mark.parametrize(("overrides", "field", "message"), INVALID_INPUTS)
def test_update_case_rejects_invalid_input_and_changes_nothing(
    db: Database,
    admin: Actor,
    new_case: NewCase,
    row_counts: Callable[[], dict[str, int]],
    overrides: dict[str, Any],
    field: str | None,
    message: str,
) -> None:
    case = create_case(db, admin, new_case(levels=("L2",)))
    before = row_counts()
    edited = dataclasses.replace(case.as_input(), **_resolve(overrides))
    with pytest.raises(ValidationError, match=message):
        update_case(db, admin, case.id, case.version, edited)
    assert row_counts() == before
    assert get_case(db, admin, case.id) == case


def test_boundary_values_are_accepted(db: Database, admin: Actor, new_case: NewCase) -> None:
    today = utcnow().date()
    case = create_case(
        db,
        admin,
        new_case(
            levels="C1, S5", age=120, pain_score=10, symptom_onset=today, birth_year=today.year
        ),
    )
    assert case.levels == ("C1", "S5")
    assert (case.age, case.pain_score, case.symptom_onset) == (120, 10, today)
    zero = create_case(db, admin, new_case(age=0, pain_score=0))
    assert (zero.age, zero.pain_score) == (0, 0)


def test_every_listed_primary_site_is_accepted(
    db: Database, admin: Actor, new_case: NewCase
) -> None:
    options = primary_site_options()
    assert len(options) >= 10
    assert len({value for value, _ in options}) == len(options)
    for value, label in options:
        case = create_case(db, admin, new_case(primary_site=value))
        assert (case.primary_site, case.primary_site_label) == (value, label)


# ---------------------------------------------------------------------------
# update_case
# ---------------------------------------------------------------------------


def test_update_case_applies_changes_and_audits_only_what_changed(
    db: Database, admin: Actor, make_user: Callable[..., Actor], new_case: NewCase
) -> None:
    surgeon = make_user(Role.SPINE_SURGEON, display_name="Sam Surgeon")
    case = create_case(db, admin, new_case(levels=("T7", "T8"), pain_score=3))
    edited = dataclasses.replace(
        case.as_input(),
        levels=("T8", "L2"),
        pain_score=7,
        pain_new_or_worse=True,
        gait_disturbance=True,
        referral_question="Now unable to walk unaided.",
    )

    after = update_case(db, surgeon, case.id, case.version, edited)

    assert after.version == case.version + 1
    assert after.levels == ("T8", "L2")
    assert after.pain_score == 7
    assert after.referral_question == "Now unable to walk unaided."
    assert after.urgency is Urgency.URGENT
    assert after.updated_by == "Sam Surgeon"
    assert after.updated_at >= case.updated_at
    assert after.created_by == case.created_by
    assert _lesions(db, case.id) == [("T8", 14), ("L2", 20)]

    [event] = _events(db, "case.update")
    assert event.actor_name == "Sam Surgeon"
    assert event.actor_role == Role.SPINE_SURGEON.value
    assert event.case_id == case.id
    assert event.before == {
        "levels": "T7,T8",
        "pain_score": 3,
        "pain_new_or_worse": False,
        "gait_disturbance": False,
        "referral_question": case.referral_question,
        "urgency": "routine",
    }
    assert event.after == {
        "levels": "T8,L2",
        "pain_score": 7,
        "pain_new_or_worse": True,
        "gait_disturbance": True,
        "referral_question": "Now unable to walk unaided.",
        "urgency": "urgent",
    }


def test_update_without_changes_writes_no_event(
    db: Database, admin: Actor, new_case: NewCase
) -> None:
    case = create_case(db, admin, new_case())
    same = update_case(db, admin, case.id, case.version, case.as_input())
    assert same.version == case.version
    assert _events(db, "case.update") == []


def test_stale_update_is_refused_naming_who_and_when(
    db: Database, admin: Actor, make_user: Callable[..., Actor], new_case: NewCase
) -> None:
    alice = make_user(Role.RADIOLOGIST, display_name="Alice Radiologist")
    bob = make_user(Role.MEDICAL_ONCOLOGIST, display_name="Bob Oncologist")
    case = create_case(db, admin, new_case())
    alice_view = get_case(db, alice, case.id)
    bob_view = get_case(db, bob, case.id)

    saved = update_case(
        db,
        alice,
        case.id,
        alice_view.version,
        dataclasses.replace(alice_view.as_input(), referral_question="Alice's question"),
    )
    events_before = [e.id for e in _events(db)]

    with pytest.raises(ConflictError) as info:
        update_case(
            db,
            bob,
            case.id,
            bob_view.version,
            dataclasses.replace(bob_view.as_input(), referral_question="Bob's question", age=80),
        )

    message = str(info.value)
    assert case.pseudonym in message
    assert "Alice Radiologist" in message
    assert f"{saved.updated_at:%Y-%m-%d %H:%M}" in message
    assert "Nothing was overwritten" in message
    assert info.value.changed_by == "Alice Radiologist"
    assert info.value.changed_at == saved.updated_at

    current = get_case(db, admin, case.id)
    assert current == saved
    assert current.referral_question == "Alice's question"
    assert current.age == case.age
    assert [e.id for e in _events(db)] == events_before


def test_update_after_reload_succeeds(
    db: Database, admin: Actor, make_user: Callable[..., Actor], new_case: NewCase
) -> None:
    other = make_user(Role.COORDINATOR)
    case = create_case(db, admin, new_case())
    update_case(db, other, case.id, 1, dataclasses.replace(case.as_input(), age=50))
    with pytest.raises(ConflictError):
        update_case(db, admin, case.id, 1, dataclasses.replace(case.as_input(), pain_score=9))
    reloaded = get_case(db, admin, case.id)
    final = update_case(
        db, admin, case.id, reloaded.version, dataclasses.replace(reloaded.as_input(), pain_score=9)
    )
    assert (final.age, final.pain_score, final.version) == (50, 9, 3)


def test_update_unknown_case(db: Database, admin: Actor, new_case: NewCase) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        update_case(db, admin, 4242, 1, new_case())


def test_get_unknown_case(db: Database, admin: Actor) -> None:
    with pytest.raises(NotFoundError, match="Case 4242 does not exist"):
        get_case(db, admin, 4242)


# ---------------------------------------------------------------------------
# Permissions
# ---------------------------------------------------------------------------


def test_admin_may_not_add_notes(
    db: Database, admin: Actor, new_case: NewCase, row_counts: Callable[[], dict[str, int]]
) -> None:
    assert not allowed(Role.ADMIN, Action.NOTE_ADD)
    case = create_case(db, admin, new_case())
    before = row_counts()
    with pytest.raises(PermissionDeniedError, match=r"Administrator\) may not add notes"):
        add_note(db, admin, case.id, "Please review.")
    assert row_counts() == before


@pytest.mark.parametrize("role", list(Role))
def test_note_permission_follows_the_table(
    db: Database,
    admin: Actor,
    make_user: Callable[..., Actor],
    new_case: NewCase,
    role: Role,
) -> None:
    actor = admin if role is Role.ADMIN else make_user(role)
    case = create_case(db, admin, new_case())
    if role in PERMISSIONS[Action.NOTE_ADD]:
        note = add_note(db, actor, case.id, f"note by {role}")
        assert note.author_role is role
    else:
        with pytest.raises(PermissionDeniedError):
            add_note(db, actor, case.id, f"note by {role}")
        assert get_case(db, admin, case.id).notes == ()


@pytest.mark.parametrize("action", [Action.CASE_CREATE, Action.CASE_EDIT, Action.CASE_VIEW])
def test_case_services_check_the_permission_table(
    db: Database,
    admin: Actor,
    make_user: Callable[..., Actor],
    new_case: NewCase,
    row_counts: Callable[[], dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    action: Action,
) -> None:
    physio = make_user(Role.PHYSIOTHERAPIST)
    case = create_case(db, admin, new_case())
    monkeypatch.setitem(PERMISSIONS, action, PERMISSIONS[action] - {Role.PHYSIOTHERAPIST})
    calls: dict[Action, Callable[[], object]] = {
        Action.CASE_CREATE: lambda: create_case(db, physio, new_case()),
        Action.CASE_EDIT: lambda: update_case(
            db, physio, case.id, case.version, dataclasses.replace(case.as_input(), age=33)
        ),
        Action.CASE_VIEW: lambda: get_case(db, physio, case.id),
    }
    before = row_counts()
    with pytest.raises(PermissionDeniedError, match=r"Physiotherapist\) may not"):
        calls[action]()
    assert row_counts() == before


# ---------------------------------------------------------------------------
# Notes
# ---------------------------------------------------------------------------


def test_notes_are_appended_with_author_and_audited(
    db: Database, admin: Actor, make_user: Callable[..., Actor], new_case: NewCase
) -> None:
    rad = make_user(Role.RADIOLOGIST, display_name="Rita Radiologist")
    onc = make_user(Role.MEDICAL_ONCOLOGIST, display_name="Oscar Oncologist")
    case = create_case(db, admin, new_case())

    first = add_note(db, rad, case.id, "  MRI shows ESCC 1b at T7.  ")
    second = add_note(db, onc, case.id, "Responding to systemic therapy.", NoteKind.GENERAL)

    assert (first.author_name, first.author_role, first.body) == (
        "Rita Radiologist",
        Role.RADIOLOGIST,
        "MRI shows ESCC 1b at T7.",
    )
    assert second.kind is NoteKind.GENERAL
    detail = get_case(db, admin, case.id)
    assert detail.notes == (first, second)
    # Notes do not touch the case row, so they never conflict with an edit.
    assert detail.version == case.version

    with db.read() as session:
        stored = [(n.author_id, n.case_id) for n in session.scalars(select(Note).order_by(Note.id))]
    assert stored == [
        (rad.user_id, case.id),
        (onc.user_id, case.id),
    ]
    events = _events(db, "note.add")
    assert [(e.actor_name, e.entity_id, e.case_id) for e in events] == [
        ("Rita Radiologist", str(first.id), case.id),
        ("Oscar Oncologist", str(second.id), case.id),
    ]
    assert events[0].after == {"kind": "pre_meeting", "length": len(first.body)}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "The note is empty"),
        ("   \n ", "The note is empty"),
        ("x" * (MAX_NOTE_LENGTH + 1), f"at most {MAX_NOTE_LENGTH} characters"),
    ],
    ids=["empty", "blank", "too-long"],
)
def test_invalid_notes_are_refused(
    db: Database,
    admin: Actor,
    make_user: Callable[..., Actor],
    new_case: NewCase,
    row_counts: Callable[[], dict[str, int]],
    body: str,
    message: str,
) -> None:
    coordinator = make_user(Role.COORDINATOR)
    case = create_case(db, admin, new_case())
    before = row_counts()
    with pytest.raises(ValidationError, match=message):
        add_note(db, coordinator, case.id, body)
    assert row_counts() == before


def test_note_on_unknown_case(
    db: Database, make_user: Callable[..., Actor], row_counts: Callable[[], dict[str, int]]
) -> None:
    coordinator = make_user(Role.COORDINATOR)
    before = row_counts()
    with pytest.raises(NotFoundError):
        add_note(db, coordinator, 999, "Hello")
    assert row_counts() == before


def test_case_rows_match_the_returned_detail(db: Database, admin: Actor, new_case: NewCase) -> None:
    case = create_case(db, admin, new_case(hospital_number="MRN-1"))
    with db.read() as session:
        row = session.get(Case, case.id)
        assert row is not None
        patient = session.get(Patient, row.patient_id)
        assert patient is not None
        assert (patient.pseudonym, patient.hospital_number) == (case.pseudonym, "MRN-1")
        assert row.priority == 0


def test_text_length_errors_name_the_field(db: Database, admin: Actor, new_case: NewCase) -> None:
    with pytest.raises(ValidationError) as info:
        create_case(db, admin, new_case(hospital_number="H" * 65))
    assert info.value.field == "hospital_number"
