"""Imaging tab with AppTest: upload files (one of them junk), see per-file results and the
series table; enter a study by hand; a refused study attached with a reason."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pydicom import dcmread
from sqlalchemy import func, select

from board.db.engine import Database
from board.db.models import AuditEvent, Case, ImagingStudy
from board.imaging.enums import BodyRegion, Modality
from board.imaging.synth import synth_mr_spine_study, synth_series

from .helpers import open_case, open_tab, plain, signed_in


def _first_case(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.min(Case.id))) or 0)


def _studies(db: Database, case_id: int) -> list[ImagingStudy]:
    with db.read() as session:
        rows = list(session.scalars(select(ImagingStudy).where(ImagingStudy.case_id == case_id)))
        session.expunge_all()
        return rows


def _button(at, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [str(e.value) for e in at.success] + [str(e.value) for e in at.warning]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.info]
    return plain("\n".join(str(p) for p in parts))


def test_upload_several_files_with_a_junk_one(demo_db: Database) -> None:
    case_id = _first_case(demo_db)
    at = open_case(signed_in(demo_db, "demo.radiologist"), case_id, tab="Imaging")
    files = synth_mr_spine_study(3, rows=32, columns=32, study_date="20250201")
    uploads = [(f"IM{i:04d}", data, "application/octet-stream") for i, data in enumerate(files)]
    uploads.append(("notes.txt", b"this is not an image", "text/plain"))
    (uploader,) = at.file_uploader
    assert uploader.accept_multiple_files and not uploader.allowed_type
    uploader.set_value(uploads)
    at.run()
    _button(at, "Import").click()
    at.run()
    assert not at.exception, at.exception
    assert "9 of 10 files imported (0 duplicate, 1 skipped)" in _texts(at)
    results = next(d.value for d in at.dataframe if "Result" in d.value.columns)
    by_file = dict(zip(results["File"], results["Result"], strict=True))
    assert by_file["notes.txt"] == "Skipped" and by_file["IM0000"] == "Imported"
    reasons = dict(zip(results["File"], results["Reason"], strict=True))
    assert reasons["notes.txt"] == "not a DICOM file"
    series = next(d.value for d in at.dataframe if "MR sequence" in d.value.columns)
    assert list(series["Series"]) == ["SAG T1 TSE", "SAG T2 TSE", "SAG STIR"]
    assert list(series["MR sequence"]) == ["T1", "T2", "STIR"]
    assert list(series["Images"]) == [3, 3, 3]
    assert list(series["Key image"]) == ["yes", "yes", "yes"]
    assert "2025-02-01 | MRI | MRI WHOLE SPINE" in _texts(at)
    assert len([s for s in _studies(demo_db, case_id) if s.source == "upload"]) == 1


def test_refused_study_is_attached_with_a_reason(demo_db: Database) -> None:
    case_id = _first_case(demo_db)
    at = open_case(signed_in(demo_db, "demo.coordinator"), case_id, tab="Imaging")
    first = synth_series("MR", 1, patient_id="PAT-ONE")
    at.file_uploader[0].set_value([("a.dcm", first[0], "application/dicom")])
    at.run()
    _button(at, "Import").click()
    at.run()
    other = synth_series("CT", 1, patient_id="PAT-TWO")
    at.file_uploader[0].set_value([("b.dcm", other[0], "application/dicom")])
    at.run()
    _button(at, "Import").click()
    at.run()
    assert not at.exception, at.exception
    assert "different patient" in _texts(at)
    reason = next(t for t in at.text_input if t.label.startswith("To attach them anyway"))
    reason.input("Merged record: same person")
    _button(at, "Attach anyway").click()
    at.run()
    assert not at.exception, at.exception
    uploaded = [s for s in _studies(demo_db, case_id) if s.source == "upload"]
    assert len(uploaded) == 2
    assert {s.identity_override_reason for s in uploaded} == {None, "Merged record: same person"}
    with demo_db.read() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "imaging.identity_override")
            )
            == 1
        )


def test_manual_entry_and_read_only_roles(demo_db: Database) -> None:
    case_id = _first_case(demo_db)
    at = open_case(signed_in(demo_db, "demo.radiologist"), case_id, tab="Imaging")
    description = next(t for t in at.text_input if t.label == "Description")
    description.input("CT thoracic spine, outside hospital <b>bold</b>")
    next(t for t in at.text_area if t.label == "Report").input("Lytic T7 lesion.")
    next(d for d in at.date_input if d.label == "Study date").set_value(dt.date(2025, 4, 2))
    next(b for b in at.button if b.label == "Add study").click()
    at.run()
    assert not at.exception, at.exception
    assert "Study added." in _texts(at)
    manual = [s for s in _studies(demo_db, case_id) if s.description and "outside" in s.description]
    assert len(manual) == 1 and manual[0].study_date == dt.date(2025, 4, 2)
    # Shown escaped, as text.
    assert "<b>bold</b>" in _texts(at)

    surgeon = open_case(signed_in(demo_db, "demo.surgeon"), case_id, tab="Imaging")
    assert not surgeon.file_uploader
    assert "Radiologists and coordinators attach imaging" in _texts(surgeon)


def test_viewer_link_when_a_template_is_set(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "TUMORBOARD_VIEWER_URL_TEMPLATE", "https://viewer.example.org/v?study={study_uid}"
    )
    case_id = _first_case(demo_db)
    at = open_case(signed_in(demo_db, "demo.radiologist"), case_id, tab="Imaging")
    files = synth_series("CT", 2, rows=16, columns=16)
    at.file_uploader[0].set_value([(f"c{i}", d, "application/dicom") for i, d in enumerate(files)])
    at.run()
    _button(at, "Import").click()
    at.run()
    assert not at.exception, at.exception
    links = [e for e in at.get("link_button") if "viewer" in str(e.proto.label)]
    (study,) = [s for s in _studies(demo_db, case_id) if s.source == "upload"]
    assert [e.proto.url for e in links] == [f"https://viewer.example.org/v?study={study.study_uid}"]


def test_pacs_search_and_attach_from_the_tab(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from board.imaging.pacs import PacsClient, PacsSearch, PacsStudy
    from board.imaging.parse import parse_dicom

    files = synth_series("MR", 3, rows=16, columns=16, study_date="20250505")
    study_uid = str(dcmread(io.BytesIO(files[0]), stop_before_pixels=True).StudyInstanceUID)
    asked: list[PacsSearch] = []

    def search(self: PacsClient, criteria: PacsSearch, *, key: bytes, limit: int = 50):  # type: ignore[no-untyped-def]
        asked.append(criteria)
        return [PacsStudy(study_uid, dt.date(2025, 5, 5), "MRI SPINE", ("MR",), 1, 3, None, None)]

    def instances(self: PacsClient, uid: str, *, key: bytes):  # type: ignore[no-untyped-def]
        assert uid == study_uid
        return [parse_dicom(d, f"PACS › image {i}", key=key) for i, d in enumerate(files)]

    monkeypatch.setattr(PacsClient, "search", search)
    monkeypatch.setattr(PacsClient, "study_instances", instances)
    monkeypatch.setattr(PacsClient, "rendered_thumbnail", lambda self, *a, **k: None)
    monkeypatch.setenv("TUMORBOARD_PACS_URL", "http://127.0.0.1:9/dicom-web")

    case_id = _first_case(demo_db)
    at = open_case(signed_in(demo_db, "demo.radiologist"), case_id, tab="Imaging")
    next(t for t in at.text_input if t.label == "Accession number").input("ACC-1")
    at.button(key="FormSubmitter:imaging_pacs_search_" + str(case_id) + "-Search the PACS").click()
    at.run()
    assert not at.exception, at.exception
    assert asked and asked[0].accession_number == "ACC-1"
    pick = next(m for m in at.multiselect if m.label == "Studies to attach")
    pick.set_value([study_uid])
    at.run()
    _button(at, "Attach selected studies").click()
    at.run()
    assert not at.exception, at.exception
    assert "3 of 3 files imported" in _texts(at)
    (study,) = [s for s in _studies(demo_db, case_id) if s.source == "pacs"]
    assert study.study_uid == study_uid and study.study_date == dt.date(2025, 5, 5)


# ---------------------------------------------------------------------------
# Correcting a study
# ---------------------------------------------------------------------------


def _case_with_unknown_mri(db: Database) -> tuple[int, int]:
    """A new case (no other imaging) with an imported MRI: no date, region unknown."""
    from board.auth.actor import Actor
    from board.auth.roles import Role
    from board.cases.service import create_case
    from board.cases.views import CaseInput

    case = create_case(
        db,
        Actor(None, "test", "Test", Role.COORDINATOR),
        CaseInput(primary_site="breast", levels=("T7",)),
    )
    with db.write() as session:
        study = ImagingStudy(
            case_id=case.id,
            source="upload",
            study_uid="1.2.826.0.1.99",
            modality="MR",
            body_region="unknown",
            description="SPINE",
        )
        session.add(study)
        session.flush()
        return case.id, study.id


def _readiness_line(at) -> str:  # type: ignore[no-untyped-def]
    lines = (line for t in at.text for line in t.value.splitlines())
    return next(line for line in lines if "MRI of the spine" in line)


def test_correcting_a_study_updates_the_study_and_readiness(demo_db: Database) -> None:
    case_id, study_id = _case_with_unknown_mri(demo_db)
    at = open_case(signed_in(demo_db, "demo.radiologist"), case_id, tab="Summary")
    assert _readiness_line(at).startswith("[ ] MRI of the spine (MRI undated; MRI region unknown)")
    open_tab(at, "Imaging")
    form = f"imaging_correct_{study_id}_1"
    assert at.selectbox(key=f"{form}_region").value is BodyRegion.UNKNOWN
    day = dt.date.today() - dt.timedelta(days=4)
    at.date_input(key=f"{form}_date").set_value(day)
    at.selectbox(key=f"{form}_region").set_value(BodyRegion.WHOLE_SPINE)
    at.button(key=f"FormSubmitter:{form}-Save correction").click()
    at.run()
    assert not at.exception, at.exception
    assert "Corrected the date and body region." in _texts(at)
    # The tab stays chosen and shows the corrected study, its form at the new version.
    assert f"{day.isoformat()} | MRI | SPINE | Whole spine" in _texts(at)
    assert "corrected by Dr Lars Berg" in _texts(at)
    assert at.date_input(key=f"imaging_correct_{study_id}_2_date").value == day
    (study,) = _studies(demo_db, case_id)
    assert (study.study_date, study.body_region, study.version) == (day, "whole_spine", 2)
    # Readiness follows: the spine MRI now counts.
    open_tab(at, "Summary")
    assert _readiness_line(at).startswith("[x] MRI of the spine")


def test_a_stale_correction_is_refused_on_the_page(demo_db: Database) -> None:
    from board.auth.actor import Actor
    from board.imaging.correction import correct_study

    case_id, study_id = _case_with_unknown_mri(demo_db)
    at = open_case(signed_in(demo_db, "demo.radiologist"), case_id, tab="Imaging")
    form = f"imaging_correct_{study_id}_1"
    with demo_db.read() as session:
        from board.db.models import User

        other = session.scalars(select(User).where(User.username == "demo.coordinator")).one()
        coordinator = Actor(other.id, other.username, other.display_name, other.role)
    correct_study(
        demo_db,
        coordinator,
        study_id,
        expected_version=1,
        study_date=None,
        modality=Modality.MR,
        body_region=BodyRegion.LUMBAR,
    )
    at.selectbox(key=f"{form}_region").set_value(BodyRegion.CERVICAL)
    at.button(key=f"FormSubmitter:{form}-Save correction").click()
    at.run()
    assert not at.exception, at.exception
    warning = " ".join(plain(w.value) for w in at.warning)
    assert f"was changed by {coordinator.display_name}" in warning
    assert "Nothing was overwritten" in warning
    (study,) = _studies(demo_db, case_id)
    assert study.body_region == "lumbar" and study.version == 2
    # The form now holds the current version's values.
    assert at.selectbox(key=f"imaging_correct_{study_id}_2_region").value is BodyRegion.LUMBAR


def test_a_modality_corrected_to_ct_leaves_no_mri(demo_db: Database) -> None:
    case_id, study_id = _case_with_unknown_mri(demo_db)
    at = open_case(signed_in(demo_db, "demo.coordinator"), case_id, tab="Imaging")
    form = f"imaging_correct_{study_id}_1"
    assert at.date_input(key=f"{form}_date").max == dt.date.today()
    at.selectbox(key=f"{form}_modality").set_value(Modality.CT)
    at.selectbox(key=f"{form}_region").set_value(BodyRegion.OTHER)
    at.button(key=f"FormSubmitter:{form}-Save correction").click()
    at.run()
    assert "Corrected the modality and body region." in _texts(at)
    open_tab(at, "Summary")
    assert _readiness_line(at).startswith("[ ] MRI of the spine (no MRI, only CT)")


def test_only_radiologists_and_coordinators_see_the_correction_form(demo_db: Database) -> None:
    case_id, _ = _case_with_unknown_mri(demo_db)
    surgeon = open_case(signed_in(demo_db, "demo.surgeon"), case_id, tab="Imaging")
    assert not [s for s in surgeon.selectbox if str(s.key).startswith("imaging_correct_")]
    assert "SPINE" in _texts(surgeon)
