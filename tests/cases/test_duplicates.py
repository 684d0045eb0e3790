"""Possible duplicates at intake: the same hospital number, or imaging of the same
patient (the keyed DICOM Patient ID), on every backend."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from board.auth.actor import Actor
from board.auth.permissions import PERMISSIONS, Action
from board.auth.roles import Role
from board.cases.duplicates import possible_duplicates
from board.cases.enums import CaseStatus
from board.cases.service import create_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AuditEvent, Case, ImagingStudy, Patient
from board.errors import PermissionDeniedError
from board.imaging.links import derive_key, patient_key_for

KEY = derive_key("k" * 40)
SAME_NUMBER = "same hospital number"
SAME_IMAGING = "imaging of the same Patient ID"


@pytest.fixture
def coordinator(make_user: Callable[..., Actor]) -> Actor:
    return make_user(Role.COORDINATOR)


def _attach(db: Database, case_id: int, patient_id: str, *, override: str | None = None) -> None:
    with db.write() as session:
        session.add(
            ImagingStudy(
                case_id=case_id,
                source="upload",
                modality="MR",
                patient_key=patient_key_for(patient_id, None, KEY),
                identity_override_reason=override,
            )
        )


def _found(db: Database, actor: Actor, number: str | None) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (d.pseudonym, d.reasons)
        for d in possible_duplicates(db, actor, hospital_number=number, key=KEY)
    ]


def test_same_hospital_number_ignoring_case_and_spaces(
    db: Database, coordinator: Actor, new_case: Callable[..., CaseInput]
) -> None:
    first = create_case(
        db, coordinator, new_case(hospital_number="mrn-0042"), pseudonym="TB-AAAAAA"
    )
    create_case(db, coordinator, new_case(hospital_number="MRN-0043"), pseudonym="TB-BBBBBB")
    (found,) = possible_duplicates(db, coordinator, hospital_number="  MRN-0042 ", key=KEY)
    assert (found.case_id, found.pseudonym, found.reasons) == (
        first.id,
        "TB-AAAAAA",
        (SAME_NUMBER,),
    )
    assert found.status is CaseStatus.PREPARING
    assert found.primary_site_label == first.primary_site_label
    assert found.levels == ("T7",)
    assert found.created_at == first.created_at
    assert _found(db, coordinator, "MRN-0044") == []
    assert _found(db, coordinator, None) == []
    assert _found(db, coordinator, "   ") == []


def test_imaging_of_the_same_patient_id(
    db: Database, coordinator: Actor, new_case: Callable[..., CaseInput]
) -> None:
    by_study = create_case(db, coordinator, new_case(), pseudonym="TB-CCCCCC").id
    _attach(db, by_study, "MRN-7")
    by_patient = create_case(db, coordinator, new_case(), pseudonym="TB-DDDDDD").id
    with db.write() as session:
        case = session.get(Case, by_patient)
        assert case is not None
        session.get(Patient, case.patient_id).dicom_patient_key = patient_key_for(  # type: ignore[union-attr]
            "MRN-7", None, KEY
        )
    overridden = create_case(db, coordinator, new_case(), pseudonym="TB-EEEEEE").id
    _attach(db, overridden, "MRN-7", override="another patient's study, kept on purpose")
    both = create_case(db, coordinator, new_case(hospital_number="MRN-7"), pseudonym="TB-FFFFFF")
    _attach(db, both.id, "MRN-7")

    assert _found(db, coordinator, "MRN-7") == [
        ("TB-FFFFFF", (SAME_NUMBER, SAME_IMAGING)),
        ("TB-DDDDDD", (SAME_IMAGING,)),
        ("TB-CCCCCC", (SAME_IMAGING,)),
    ]
    assert _found(db, coordinator, "MRN-8") == []


def test_closed_cases_are_found_too(
    db: Database, coordinator: Actor, new_case: Callable[..., CaseInput]
) -> None:
    case_id = create_case(db, coordinator, new_case(hospital_number="H1")).id
    with db.write() as session:
        case = session.get(Case, case_id)
        assert case is not None
        case.status = CaseStatus.CLOSED
    [(found)] = possible_duplicates(db, coordinator, hospital_number="H1", key=KEY)
    assert found.status is CaseStatus.CLOSED


def test_permission_is_checked(
    db: Database, coordinator: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PERMISSIONS, Action.CASE_CREATE, frozenset({Role.ADMIN}))
    with pytest.raises(PermissionDeniedError, match="may not create cases"):
        possible_duplicates(db, coordinator, hospital_number="H1", key=KEY)


def test_creating_anyway_records_the_confirmed_duplicates(
    db: Database, coordinator: Actor, new_case: Callable[..., CaseInput]
) -> None:
    first = create_case(db, coordinator, new_case(hospital_number="H9"), pseudonym="TB-GGGGGG")
    second = create_case(
        db, coordinator, new_case(hospital_number="H9"), confirmed_duplicates=(first.id,)
    )
    with db.read() as session:
        event = session.query(AuditEvent).filter_by(action="case.create", case_id=second.id).one()
        assert event.detail == (
            "Registered after confirming it is not a duplicate of TB-GGGGGG "
            "(a possible duplicate was shown)."
        )
        assert session.query(AuditEvent).filter_by(case_id=first.id).one().detail is None
