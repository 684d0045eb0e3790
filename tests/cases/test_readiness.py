"""Readiness: the pure checklist rule, and the facts the case service gathers for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from board.auth.actor import Actor
from board.auth.roles import REQUIRED_ROLES, Role
from board.cases.readiness import MRI_MAX_AGE_DAYS, ReadinessFacts, assess_readiness
from board.cases.service import create_case, get_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import Assessment, Biopsy, ImagingStudy, utcnow
from board.imaging.enums import BodyRegion
from board.pathology.enums import BiopsyKind, BiopsyStatus
from board.worklist.service import list_worklist

TODAY = dt.date(2026, 3, 10)
ALL_REQUIRED = frozenset(REQUIRED_ROLES)


def _item(facts: ReadinessFacts, key: str) -> tuple[str, bool]:
    items = {item.key: item for item in assess_readiness(facts, TODAY).items}
    return items[key].label, items[key].done


# ---------------------------------------------------------------------------
# The pure rule
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mri_age_days", "done", "label"),
    [
        (None, False, "MRI of the spine"),
        (0, True, "MRI of the spine"),
        (MRI_MAX_AGE_DAYS, True, "MRI of the spine"),
        (43, False, "Recent MRI of the spine (last is 43 days old)"),
        (200, False, "Recent MRI of the spine (last is 200 days old)"),
    ],
    ids=["missing", "today", "42-days-ok", "43-days-stale", "200-days-stale"],
)  # fmt: skip
def test_mri_item(mri_age_days: int | None, done: bool, label: str) -> None:
    mri = None if mri_age_days is None else TODAY - dt.timedelta(days=mri_age_days)
    assert MRI_MAX_AGE_DAYS == 42
    assert _item(ReadinessFacts(latest_spine_mri=mri), "mri") == (label, done)


STALE = TODAY - dt.timedelta(days=60)
RECENT = TODAY - dt.timedelta(days=2)


@pytest.mark.parametrize(
    ("facts", "label", "done", "detail"),
    [
        ({}, "MRI of the spine", False, "no spine MRI attached"),
        ({"other_modalities": ("CT",)}, "MRI of the spine (no MRI, only CT)", False,
         "no MRI attached"),
        ({"other_modalities": ("CT", "PET", "Radiograph (DX)")},
         "MRI of the spine (no MRI, only CT, PET and Radiograph (DX))", False,
         "no MRI attached"),
        ({"other_region_mri": True, "other_modalities": ("CT",)},
         "MRI of the spine (MRI of another body part only)", False,
         "no MRI of the spine attached"),
        ({"mri_undated": True}, "MRI of the spine (MRI undated)", False,
         "an MRI has no study date: correct it on the Imaging tab"),
        ({"mri_region_unknown": True}, "MRI of the spine (MRI region unknown)", False,
         "an MRI's body region is unknown: correct it on the Imaging tab"),
        ({"mri_undated": True, "mri_region_unknown": True, "other_region_mri": True},
         "MRI of the spine (MRI undated; MRI region unknown)", False,
         "an MRI has no study date and an MRI's body region is unknown: correct them on the "
         "Imaging tab"),
        ({"latest_spine_mri": STALE, "mri_undated": True},
         "Recent MRI of the spine (last is 60 days old; MRI undated)", False,
         "an MRI has no study date: correct it on the Imaging tab"),
        ({"latest_spine_mri": STALE, "mri_region_unknown": True},
         "Recent MRI of the spine (last is 60 days old; MRI region unknown)", False,
         "an MRI's body region is unknown: correct it on the Imaging tab"),
        ({"latest_spine_mri": STALE, "other_modalities": ("CT",)},
         "Recent MRI of the spine (last is 60 days old)", False,
         f"{STALE.isoformat()} (60 days ago)"),
        ({"latest_spine_mri": RECENT, "mri_undated": True, "mri_region_unknown": True},
         "MRI of the spine", True, f"{RECENT.isoformat()} (2 days ago)"),
    ],
    ids=["nothing", "ct-only", "several-modalities", "other-body-part", "undated",
         "region-unknown", "undated-and-region-unknown", "stale-and-undated",
         "stale-and-region-unknown", "stale-with-ct", "recent-wins"],
)  # fmt: skip
def test_mri_item_is_precise(facts: dict[str, object], label: str, done: bool, detail: str) -> None:
    items = {i.key: i for i in assess_readiness(ReadinessFacts(**facts), TODAY).items}  # type: ignore[arg-type]
    assert (items["mri"].label, items["mri"].done, items["mri"].detail) == (label, done, detail)


@pytest.mark.parametrize(
    ("known", "pending", "label", "done"),
    [
        (True, False, "Histology", True),
        (True, True, "Histology", True),
        (False, True, "Histology (biopsy pending)", False),
        (False, False, "Histology", False),
    ],
    ids=["known", "known-despite-pending", "biopsy-pending", "unknown"],
)
def test_histology_item(known: bool, pending: bool, label: str, done: bool) -> None:
    facts = ReadinessFacts(histology_known=known, biopsy_pending=pending)
    assert _item(facts, "histology") == (label, done)


def test_required_roles_items() -> None:
    assert Role.RADIOLOGIST in REQUIRED_ROLES
    assert Role.SPINE_SURGEON in REQUIRED_ROLES
    submitted = frozenset({Role.RADIOLOGIST, Role.PHYSIOTHERAPIST})
    readiness = assess_readiness(ReadinessFacts(submitted_roles=submitted), TODAY)
    role_items = [item for item in readiness.items if item.key.startswith("role:")]
    assert [item.key for item in role_items] == [f"role:{r.value}" for r in REQUIRED_ROLES]
    assert readiness.missing_roles == tuple(r for r in REQUIRED_ROLES if r not in submitted)
    assert f"{Role.SPINE_SURGEON.label} input" in readiness.missing
    assert f"{Role.RADIOLOGIST.label} input" not in readiness.missing
    # A non-required role contributing does not add an item.
    assert "role:physiotherapist" not in {item.key for item in readiness.items}


def test_custom_required_roles() -> None:
    facts = ReadinessFacts(required_roles=(Role.PAIN_PALLIATIVE,))
    assert assess_readiness(facts, TODAY).missing_roles == (Role.PAIN_PALLIATIVE,)


FORM_FACTS = {
    "lesions_assessed": True,
    "neuro_exam": True,
    "performance_status": True,
    "pain_assessed": True,
}


def test_ready_only_when_everything_is_there() -> None:
    complete = ReadinessFacts(
        latest_spine_mri=TODAY - dt.timedelta(days=3),
        histology_known=True,
        submitted_roles=ALL_REQUIRED,
        **FORM_FACTS,
    )
    readiness = assess_readiness(complete, TODAY)
    assert readiness.ready
    assert readiness.missing == ()
    assert readiness.missing_roles == ()
    for incomplete in (
        ReadinessFacts(histology_known=True, submitted_roles=ALL_REQUIRED, **FORM_FACTS),
        ReadinessFacts(latest_spine_mri=TODAY, submitted_roles=ALL_REQUIRED, **FORM_FACTS),
        ReadinessFacts(
            latest_spine_mri=TODAY,
            histology_known=True,
            submitted_roles=ALL_REQUIRED - {Role.RADIATION_ONCOLOGIST},
            **FORM_FACTS,
        ),
        *(
            ReadinessFacts(
                latest_spine_mri=TODAY,
                histology_known=True,
                submitted_roles=ALL_REQUIRED,
                **{**FORM_FACTS, key: False},
            )
            for key in FORM_FACTS
        ),
    ):
        result = assess_readiness(incomplete, TODAY)
        assert not result.ready
        assert len(result.missing) == 1


# ---------------------------------------------------------------------------
# Facts gathered from the database (both backends)
# ---------------------------------------------------------------------------


def _study(
    db: Database, case_id: int, days_ago: int, modality: str = "MR", region: str | None = "thoracic"
) -> None:
    with db.write() as session:
        session.add(
            ImagingStudy(
                case_id=case_id,
                source="manual",
                modality=modality,
                study_date=utcnow().date() - dt.timedelta(days=days_ago),
                body_region=region,
            )
        )


def _biopsy(db: Database, case_id: int, status: BiopsyStatus) -> None:
    with db.write() as session:
        session.add(
            Biopsy(
                case_id=case_id,
                kind=BiopsyKind.CORE_NEEDLE,
                status=status,
                histology="Renal cell carcinoma" if status is BiopsyStatus.FINAL else None,
            )
        )


def _items(db: Database, actor: Actor, case_id: int) -> dict[str, tuple[str, bool]]:
    readiness = get_case(db, actor, case_id).readiness
    return {item.key: (item.label, item.done) for item in readiness.items}


def test_new_case_misses_everything(
    db: Database, admin: Actor, new_case: Callable[..., CaseInput]
) -> None:
    case = create_case(db, admin, new_case(histology=None))
    assert not case.readiness.ready
    assert case.readiness.missing[:2] == ("MRI of the spine", "Histology")
    assert case.readiness.missing_roles == REQUIRED_ROLES


def test_case_histology_counts_as_known(
    db: Database, admin: Actor, new_case: Callable[..., CaseInput]
) -> None:
    case = create_case(db, admin, new_case(histology="Adenocarcinoma"))
    assert _items(db, admin, case.id)["histology"] == ("Histology", True)


def test_spine_mri_counts_by_date_modality_and_region(
    db: Database, admin: Actor, new_case: Callable[..., CaseInput]
) -> None:
    case = create_case(db, admin, new_case()).id
    _study(db, case, days_ago=3, modality="CT")
    assert _items(db, admin, case)["mri"] == ("MRI of the spine (no MRI, only CT)", False)
    _study(db, case, days_ago=2, region=BodyRegion.OTHER.value)  # a brain MRI
    assert _items(db, admin, case)["mri"] == (
        "MRI of the spine (MRI of another body part only)",
        False,
    )

    _study(db, case, days_ago=60)
    label, done = _items(db, admin, case)["mri"]
    assert not done
    assert "60 days old" in label

    _study(db, case, days_ago=MRI_MAX_AGE_DAYS, region=BodyRegion.WHOLE_SPINE.value)
    assert _items(db, admin, case)["mri"] == ("MRI of the spine", True)


@pytest.mark.parametrize(
    ("studies", "label", "detail"),
    [
        ([], "MRI of the spine", "no spine MRI attached"),
        ([("CT", 3, "thoracic"), ("PT", 4, "whole_body")],
         "MRI of the spine (no MRI, only CT and PET)", "no MRI attached"),
        ([("MR", None, "thoracic")], "MRI of the spine (MRI undated)",
         "an MRI has no study date: correct it on the Imaging tab"),
        ([("MR", 2, "unknown")], "MRI of the spine (MRI region unknown)",
         "an MRI's body region is unknown: correct it on the Imaging tab"),
        ([("MR", 2, None)], "MRI of the spine (MRI region unknown)",
         "an MRI's body region is unknown: correct it on the Imaging tab"),
        ([("MR", None, "unknown")], "MRI of the spine (MRI undated; MRI region unknown)",
         "an MRI has no study date and an MRI's body region is unknown: correct them on "
         "the Imaging tab"),
        ([("MR", 60, "lumbar"), ("MR", None, "lumbar")],
         "Recent MRI of the spine (last is 60 days old; MRI undated)",
         "an MRI has no study date: correct it on the Imaging tab"),
        ([("MR", None, "other"), ("CT", 1, "lumbar")],
         "MRI of the spine (MRI of another body part only)", "no MRI of the spine attached"),
        ([("MR", 2, "lumbar"), ("MR", None, "unknown")], "MRI of the spine", None),
    ],
    ids=["nothing", "ct-and-pet-only", "undated", "region-unknown", "region-not-stated",
         "undated-and-region-unknown", "stale-and-undated", "brain-mri-and-ct",
         "recent-spine-mri-wins"],
)  # fmt: skip
def test_mri_item_says_precisely_what_is_wrong(
    db: Database,
    admin: Actor,
    new_case: Callable[..., CaseInput],
    studies: list[tuple[str, int | None, str | None]],
    label: str,
    detail: str | None,
) -> None:
    case = create_case(db, admin, new_case()).id
    with db.write() as session:
        for modality, days_ago, region in studies:
            session.add(
                ImagingStudy(
                    case_id=case,
                    source="manual",
                    modality=modality,
                    study_date=None
                    if days_ago is None
                    else utcnow().date() - dt.timedelta(days=days_ago),
                    body_region=region,
                )
            )
    (item,) = [i for i in get_case(db, admin, case).readiness.items if i.key == "mri"]
    assert item.label == label
    assert item.done is (detail is None)
    if detail is not None:
        assert item.detail == detail
    [row] = list_worklist(db, admin).rows
    assert (label in row.missing) is (detail is not None)


def test_biopsy_pending_then_final(
    db: Database, admin: Actor, new_case: Callable[..., CaseInput]
) -> None:
    case = create_case(db, admin, new_case(histology=None)).id
    _biopsy(db, case, BiopsyStatus.PENDING)
    assert _items(db, admin, case)["histology"] == ("Histology (biopsy pending)", False)
    _biopsy(db, case, BiopsyStatus.FINAL)
    assert _items(db, admin, case)["histology"] == ("Histology", True)


def test_submitted_assessments_fill_required_roles(
    db: Database, admin: Actor, new_case: Callable[..., CaseInput]
) -> None:
    case = create_case(db, admin, new_case()).id
    _study(db, case, days_ago=1)
    forms = {
        Role.RADIOLOGIST: {
            "lesions": [
                {"level": "T7", "lesion_type": "lytic", "collapse": "none",
                 "alignment": "normal", "posterolateral": "none", "escc": "0"}
            ]
        },
        Role.SPINE_SURGEON: {"frankel": "E"},
        Role.MEDICAL_ONCOLOGIST: {"ecog": "1"},
    }  # fmt: skip
    with db.write() as session:
        for role in REQUIRED_ROLES:
            session.add(
                Assessment(case_id=case, role=role, data=forms.get(role, {}), submitted_at=utcnow())
            )
        # A draft (not submitted) does not count, but there is none missing anyway.
        session.add(Assessment(case_id=case, role=Role.PHYSIOTHERAPIST, data={}))
    detail = get_case(db, admin, case)
    assert detail.readiness.ready
    [row] = list_worklist(db, admin).rows
    assert row.ready
    assert row.missing == ()


def test_draft_assessment_is_still_missing(
    db: Database, admin: Actor, new_case: Callable[..., CaseInput]
) -> None:
    case = create_case(db, admin, new_case()).id
    with db.write() as session:
        session.add(Assessment(case_id=case, role=Role.SPINE_SURGEON, data={"draft": True}))
    assert Role.SPINE_SURGEON in get_case(db, admin, case).readiness.missing_roles


def test_form_items_follow_the_saved_forms(
    db: Database, admin: Actor, make_user: Callable[..., Actor], new_case: Callable[..., CaseInput]
) -> None:
    from board.cases.specialist_input import save_assessment

    case = create_case(db, admin, new_case(pain_score=None)).id
    items = _items(db, admin, case)
    for key in ("lesions", "neuro", "performance", "pain"):
        assert items[key][1] is False, key
    rad = make_user(Role.RADIOLOGIST)
    view = save_assessment(
        db, rad, case, Role.RADIOLOGIST, {"lesions": [{"level": "T7", "escc": "1a"}]}, 0
    )
    readiness = get_case(db, admin, case).readiness
    (lesions,) = [item for item in readiness.items if item.key == "lesions"]
    assert not lesions.done and "T7" in lesions.detail
    full = {"level": "T7", "lesion_type": "lytic", "collapse": "none", "alignment": "normal",
            "posterolateral": "none", "escc": "1a"}  # fmt: skip
    save_assessment(db, rad, case, Role.RADIOLOGIST, {"lesions": [full]}, view.version)
    save_assessment(db, make_user(Role.SPINE_SURGEON), case, Role.SPINE_SURGEON, {"asia": "D"}, 0)
    save_assessment(
        db, make_user(Role.MEDICAL_ONCOLOGIST), case, Role.MEDICAL_ONCOLOGIST, {"karnofsky": 70}, 0
    )
    save_assessment(db, make_user(Role.PAIN_PALLIATIVE), case, Role.PAIN_PALLIATIVE, {"nrs": 5}, 0)
    items = _items(db, admin, case)
    for key in ("lesions", "neuro", "performance", "pain"):
        assert items[key][1] is True, key
    [row] = list_worklist(db, admin).rows
    assert "Radiology lesion assessment" not in row.missing


def test_high_grade_escc_from_the_radiologist_makes_the_case_urgent(
    db: Database, admin: Actor, make_user: Callable[..., Actor], new_case: Callable[..., CaseInput]
) -> None:
    from board.cases.enums import Urgency
    from board.cases.specialist_input import save_assessment

    case = create_case(db, admin, new_case()).id
    assert get_case(db, admin, case).urgency is Urgency.ROUTINE
    rad = make_user(Role.RADIOLOGIST)
    view = save_assessment(
        db, rad, case, Role.RADIOLOGIST, {"lesions": [{"level": "T7", "escc": "2"}]}, 0
    )
    detail = get_case(db, admin, case)
    assert detail.urgency is Urgency.URGENT
    assert any("ESCC 2-3" in reason for reason in detail.urgency_reasons)
    assert list_worklist(db, admin).rows[0].id == case
    save_assessment(
        db, rad, case, Role.RADIOLOGIST, {"lesions": [{"level": "T7", "escc": "1b"}]},
        view.version,
    )  # fmt: skip
    assert get_case(db, admin, case).urgency is Urgency.ROUTINE
