"""Correcting an attached study's date, modality and body region, on every backend:
permission, validation, audit with before and after, versions against concurrent edits,
and readiness following the correction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import create_case, get_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AuditEvent, ImagingStudy
from board.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from board.imaging.correction import correct_study
from board.imaging.enums import BodyRegion, Modality
from board.imaging.listing import list_studies

NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


@pytest.fixture
def radiologist(make_user: Callable[..., Actor]) -> Actor:
    return make_user(Role.RADIOLOGIST, display_name="Dr Rad")


@pytest.fixture
def coordinator(make_user: Callable[..., Actor]) -> Actor:
    return make_user(Role.COORDINATOR, display_name="Cora Coordinator")


def _case_with_study(
    db: Database,
    admin: Actor,
    new_case: Callable[..., CaseInput],
    *,
    modality: str = "MR",
    study_date: dt.date | None = None,
    region: str | None = "unknown",
) -> tuple[int, int]:
    case_id = create_case(db, admin, new_case(), now=NOW - dt.timedelta(days=5)).id
    with db.write() as session:
        study = ImagingStudy(
            case_id=case_id,
            source="upload",
            study_uid="1.2.3.4",
            modality=modality,
            study_date=study_date,
            body_region=region,
            description="MR study",
            created_at=NOW - dt.timedelta(days=1),
        )
        session.add(study)
        session.flush()
        return case_id, study.id


def _mri_item(db: Database, actor: Actor, case_id: int) -> tuple[str, bool]:
    (item,) = [i for i in get_case(db, actor, case_id).readiness.items if i.key == "mri"]
    return item.label, item.done


def _events(db: Database) -> list[AuditEvent]:
    with db.read() as session:
        rows = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "imaging.correct"))
        )
        session.expunge_all()
        return rows


def test_correcting_region_and_date_makes_the_mri_count(
    db: Database, admin: Actor, radiologist: Actor, new_case: Callable[..., CaseInput]
) -> None:
    case_id, study_id = _case_with_study(db, admin, new_case)
    assert _mri_item(db, admin, case_id) == (
        "MRI of the spine (MRI undated; MRI region unknown)",
        False,
    )
    (study,) = list_studies(db, radiologist, case_id)
    assert study.version == 1 and study.corrected_by is None

    day = dt.date.today() - dt.timedelta(days=3)
    result = correct_study(
        db,
        radiologist,
        study_id,
        expected_version=study.version,
        study_date=day,
        modality=Modality.MR,
        body_region=BodyRegion.THORACIC,
        now=NOW,
    )
    assert result.changed == ("date", "body region")
    assert result.version == 2
    assert result.message == "Corrected the date and body region."
    assert _mri_item(db, admin, case_id) == ("MRI of the spine", True)

    (study,) = list_studies(db, radiologist, case_id)
    assert (study.study_date, study.body_region, study.version) == (day, BodyRegion.THORACIC, 2)
    assert (study.corrected_by, study.corrected_at) == ("Dr Rad", NOW)
    (event,) = _events(db)
    assert event.case_id == case_id and event.entity_id == str(study_id)
    assert event.before == {"study_date": None, "body_region": "unknown"}
    assert event.after == {"study_date": day.isoformat(), "body_region": "thoracic"}
    assert event.occurred_at == NOW


def test_correcting_the_modality(
    db: Database, admin: Actor, coordinator: Actor, new_case: Callable[..., CaseInput]
) -> None:
    day = dt.date.today() - dt.timedelta(days=1)
    case_id, study_id = _case_with_study(
        db, admin, new_case, modality="CT", study_date=day, region="lumbar"
    )
    assert _mri_item(db, admin, case_id) == ("MRI of the spine (no MRI, only CT)", False)
    result = correct_study(
        db,
        coordinator,
        study_id,
        expected_version=1,
        study_date=day,
        modality=Modality.MR,
        body_region=BodyRegion.LUMBAR,
    )
    assert result.changed == ("modality",)
    assert _mri_item(db, admin, case_id) == ("MRI of the spine", True)
    (event,) = _events(db)
    assert (event.before, event.after) == ({"modality": "CT"}, {"modality": "MR"})


def test_nothing_changed_writes_nothing(
    db: Database, admin: Actor, radiologist: Actor, new_case: Callable[..., CaseInput]
) -> None:
    _, study_id = _case_with_study(db, admin, new_case, region="thoracic")
    result = correct_study(
        db,
        radiologist,
        study_id,
        expected_version=1,
        study_date=None,
        modality=Modality.MR,
        body_region=BodyRegion.THORACIC,
    )
    assert result.changed == () and result.version == 1
    assert result.message == "Nothing to correct: the study already says this."
    assert _events(db) == []


def test_a_stale_correction_is_refused_naming_who_changed_the_study(
    db: Database,
    admin: Actor,
    radiologist: Actor,
    coordinator: Actor,
    new_case: Callable[..., CaseInput],
) -> None:
    case_id, study_id = _case_with_study(db, admin, new_case)
    day = dt.date.today() - dt.timedelta(days=2)
    correct_study(
        db,
        radiologist,
        study_id,
        expected_version=1,
        study_date=day,
        modality=Modality.MR,
        body_region=BodyRegion.LUMBAR,
        now=NOW,
    )
    with pytest.raises(
        ConflictError, match=f"changed by Dr Rad at {NOW:%Y-%m-%d %H:%M}"
    ) as refused:
        correct_study(
            db,
            coordinator,
            study_id,
            expected_version=1,
            study_date=day,
            modality=Modality.MR,
            body_region=BodyRegion.CERVICAL,
        )
    assert "MRI study" in refused.value.message
    (study,) = list_studies(db, admin, case_id)
    assert study.body_region is BodyRegion.LUMBAR and study.version == 2
    assert len(_events(db)) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"study_date": dt.date.today() + dt.timedelta(days=1)}, "study_date",
         "The study date cannot be in the future."),
        ({"study_date": dt.date(1899, 12, 31)}, "study_date",
         "The study date is before 1900: check the year."),
        ({"modality": "MRI"}, "modality", "Choose the modality (MRI, CT, PET, ...)."),
        ({"body_region": "spine"}, "body_region", "Choose the body region."),
    ],
    ids=["future", "before-1900", "modality-not-chosen", "region-not-chosen"],
)  # fmt: skip
def test_invalid_corrections_are_refused(
    db: Database,
    admin: Actor,
    radiologist: Actor,
    new_case: Callable[..., CaseInput],
    changes: dict[str, object],
    field: str,
    message: str,
) -> None:
    case_id, study_id = _case_with_study(db, admin, new_case)
    values: dict[str, object] = {
        "study_date": dt.date.today(),
        "modality": Modality.MR,
        "body_region": BodyRegion.THORACIC,
        **changes,
    }
    with pytest.raises(ValidationError) as refused:
        correct_study(db, radiologist, study_id, expected_version=1, **values)  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.message) == (field, message)
    (study,) = list_studies(db, admin, case_id)
    assert study.version == 1 and study.study_date is None
    assert _events(db) == []


def test_only_radiologists_and_coordinators_correct(
    db: Database,
    admin: Actor,
    make_user: Callable[..., Actor],
    radiologist: Actor,
    new_case: Callable[..., CaseInput],
) -> None:
    _, study_id = _case_with_study(db, admin, new_case)
    values = {
        "expected_version": 1,
        "study_date": None,
        "modality": Modality.MR,
        "body_region": BodyRegion.THORACIC,
    }
    with pytest.raises(PermissionDeniedError, match="attach or correct imaging"):
        correct_study(db, make_user(Role.SPINE_SURGEON), study_id, **values)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="does not exist"):
        correct_study(db, radiologist, study_id + 1000, **values)  # type: ignore[arg-type]
    assert _events(db) == []
