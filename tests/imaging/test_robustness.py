"""Clear reasons for broken input, names of staff and places scrubbed from descriptions
and the audit trail, and wildcard-only PACS searches refused."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable

import pytest
from sqlalchemy import select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import create_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AuditEvent, ImagingSeries, ImagingStudy
from board.errors import ValidationError
from board.imaging.common import Skipped
from board.imaging.importer import import_sources, import_uploads
from board.imaging.pacs import PacsSearch
from board.imaging.parse import ParsedInstance, parse_dicom
from board.imaging.reader import iter_sources, iter_uploads
from board.imaging.synth import synth_datasets, synth_secondary_capture, synth_series

from .helpers import KEY

MIB = 1024 * 1024


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# Clear reasons
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [synth_series("MR", 1)[0], synth_series("CT", 1)[0], synth_secondary_capture()],
    ids=["mr", "ct", "secondary-capture"],
)
def test_a_file_cut_anywhere_says_truncated(data: bytes) -> None:
    """Every cut after the 'DICM' marker says truncated, except one between the last
    required attribute and the image size, which is a header without image (some
    exports hold such files: they are kept as instances without image)."""
    reasons: dict[str, int] = {}
    for cut in range(133, len(data)):
        result = parse_dicom(data[:cut], "cut.dcm", key=KEY)
        if isinstance(result, ParsedInstance):
            assert not result.is_image, f"a file cut at byte {cut} was accepted as an image"
            continue
        reasons[result.reason] = reasons.get(result.reason, 0) + 1
    assert all(reason.startswith("truncated") for reason in reasons), reasons
    assert "truncated DICOM file (it ends before the SOPInstanceUID it needs)" in reasons
    assert "truncated DICOM file (it ends before the image data)" in reasons
    assert isinstance(parse_dicom(data, "whole.dcm", key=KEY), ParsedInstance)


def test_a_file_that_really_lacks_an_attribute_still_says_missing() -> None:
    ds = synth_datasets("MR", 1)[0]
    del ds.SeriesInstanceUID
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    result = parse_dicom(buffer.getvalue(), "x.dcm", key=KEY)
    assert isinstance(result, Skipped)
    assert result.reason == "missing required attribute SeriesInstanceUID"


def test_members_of_zeros_say_not_dicom_and_an_empty_zip_gets_its_own_line() -> None:
    archive = _zip({"zeros.dcm": b"\x00" * 300, "blank.dcm": b" \n" * 100, "none.dcm": b""})
    uploads = [
        ("zeros.zip", archive),
        ("empty.zip", _zip({})),
        ("folders-only.zip", _folders_only_zip()),
    ]
    items = [item for name, data in uploads for item in iter_uploads(name, data, lazy=True)]
    report = import_sources(None, None, None, items, key=KEY, dry_run=True)
    reasons = {f.path: f.reason for f in report.files}
    assert reasons["zeros.zip › zeros.dcm"] == "not a DICOM file (it holds only zero bytes)"
    assert reasons["zeros.zip › blank.dcm"] == "not a DICOM file (it holds only blank space)"
    assert reasons["zeros.zip › none.dcm"] == "empty file"
    assert reasons["empty.zip"] == "empty zip archive (no files in it)"
    assert reasons["folders-only.zip"] == "empty zip archive (no files in it)"


def _folders_only_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("scans/"), b"")
    return buffer.getvalue()


def test_an_empty_zip_on_disk_gets_its_own_line(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "empty.zip"  # type: ignore[operator]
    path.write_bytes(_zip({}))
    (item,) = list(iter_sources([path]))
    assert isinstance(item, Skipped) and item.reason == "empty zip archive (no files in it)"


def test_a_dry_run_without_a_case_never_speaks_of_this_case() -> None:
    first = synth_series("MR", 3, patient_id="TB-A-1")
    second = synth_series("CT", 1, patient_id="TB-B-2")
    items = [
        item
        for index, data in enumerate(first + second)
        for item in iter_uploads(f"f{index}.dcm", data)
    ]
    report = import_sources(None, None, None, items, key=KEY, dry_run=True)
    assert len(report.conflicts) == 1
    reason = report.conflicts[0].reason
    assert "this case" not in reason
    assert reason == (
        "the study's Patient ID differs from that of the largest study in these files "
        "(a different patient?)"
    )
    assert all("this case" not in (f.reason or "") for f in report.files)


# ---------------------------------------------------------------------------
# Names of staff, institution and station
# ---------------------------------------------------------------------------

STAFF = {
    "ReferringPhysicianName": "Haddock^Archibald",
    "PerformingPhysicianName": "Calculus^Cuthbert",
    "OperatorsName": "Castafiore^Bianca",
    "NameOfPhysiciansReadingStudy": "Lampion^Seraphin",
    "RequestingPhysician": "Sponsz^Stefan",
    "InstitutionName": "Moulinsart Spine Hospital",
    "InstitutionalDepartmentName": "Nestor Radiology",
    "StationName": "MOULCT07",
}
STAFF_WORDS = (
    "HADDOCK", "ARCHIBALD", "CALCULUS", "CUTHBERT", "CASTAFIORE", "BIANCA", "LAMPION",
    "SERAPHIN", "SPONSZ", "MOULINSART", "NESTOR", "MOULCT07",
)  # fmt: skip


def _staff_files() -> list[bytes]:
    datasets = synth_datasets(
        "MR",
        2,
        study_description="MRI SPINE Haddock for Calculus at Moulinsart Spine Hospital",
        series_description="SAG T2 Castafiore MOULCT07 Lampion Seraphin Sponsz Nestor",
    )
    files = []
    for ds in datasets:
        for keyword, value in STAFF.items():
            setattr(ds, keyword, value)
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        files.append(buffer.getvalue())
    return files


def test_staff_institution_and_station_names_are_scrubbed_from_descriptions() -> None:
    result = parse_dicom(_staff_files()[0], "x.dcm", key=KEY)
    assert isinstance(result, ParsedInstance)
    text = f"{result.study_description} {result.series_description}".upper()
    for word in STAFF_WORDS:
        assert word not in text, word
    assert result.study_description.startswith("MRI SPINE ***")
    assert "SPINE" in result.study_description.upper()  # the anatomy stays
    assert result.series_description.startswith("SAG T2 ***")


def test_no_staff_name_reaches_the_database_or_the_audit_trail(
    db: Database, make_user: Callable[..., Actor], new_case: Callable[..., CaseInput]
) -> None:
    radiologist = make_user(Role.RADIOLOGIST)
    case = create_case(db, radiologist, new_case())
    files = _staff_files()
    report = import_uploads(
        db, radiologist, case.id, [(f"{i}.dcm", d) for i, d in enumerate(files)], key=KEY
    )
    assert report.imported == 2
    with db.read() as session:
        studies = [s.description or "" for s in session.scalars(select(ImagingStudy))]
        series = [s.description or "" for s in session.scalars(select(ImagingSeries))]
        audit = [
            json.dumps([e.before, e.after, e.detail], default=str)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id))
        ]
    stored = " ".join(studies + series + audit).upper()
    assert studies and series and audit
    for word in STAFF_WORDS:
        assert word not in stored, word


# ---------------------------------------------------------------------------
# PACS search criteria
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patient_id", "accession", "what"),
    [
        ("*", "", "hospital number"),
        ("?*", "", "hospital number"),
        ("**", "", "hospital number"),
        (" ? ", "", "hospital number"),
        ("", "*", "accession number"),
        ("", "??*", "accession number"),
        ("TB1", "*", "accession number"),
    ],
)
def test_a_wildcard_only_patient_id_or_accession_is_refused(
    patient_id: str, accession: str, what: str
) -> None:
    criteria = PacsSearch(
        patient_id=patient_id,
        accession_number=accession,
        date_from=dt.date(2025, 1, 1),
        date_to=dt.date(2025, 12, 31),
    )
    with pytest.raises(ValidationError) as caught:
        criteria.filters()
    assert str(caught.value) == (
        f"The {what} cannot be only wildcards (* or ?): that would list every patient's "
        f"studies. Enter the {what} with at least one letter or digit."
    )


def test_partial_wildcards_are_still_allowed() -> None:
    assert PacsSearch(patient_id="TB-ORTH-*").filters() == {"PatientID": "TB-ORTH-*"}
    assert PacsSearch(accession_number="ACC?1").filters() == {"AccessionNumber": "ACC?1"}
