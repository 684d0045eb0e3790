"""Imaging import service on every backend: corpus, synthetic studies, hostile input,
patient checks, idempotency, manual entry, listing, de-identification of the database."""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from pydicom import dcmread
from sqlalchemy import func, select, text

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import create_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AuditEvent, Base, ImagingInstance, ImagingSeries, ImagingStudy
from board.errors import NotFoundError, PermissionDeniedError, ValidationError
from board.imaging.enums import BodyRegion, ImportStatus, Modality, StudySource
from board.imaging.importer import import_paths, import_uploads
from board.imaging.links import viewer_url
from board.imaging.listing import list_studies
from board.imaging.manual import add_manual_study
from board.imaging.pool import parse_all
from board.imaging.reader import ReadLimits
from board.imaging.synth import (
    SYNTHETIC_PATIENT_ID,
    SYNTHETIC_PATIENT_NAME,
    synth_mr_spine_study,
    synth_secondary_capture,
    synth_series,
)
from board.imaging.views import ManualStudyInput

from .helpers import KEY, corpus_files, corpus_root

MIB = 1024 * 1024
NewCase = Callable[..., CaseInput]


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def radiologist(make_user: Callable[..., Actor]) -> Actor:
    return make_user(Role.RADIOLOGIST)


@pytest.fixture
def case_id(db: Database, radiologist: Actor, new_case: NewCase) -> int:
    return create_case(db, radiologist, new_case()).id


def _counts(db: Database) -> tuple[int, int, int]:
    with db.read() as session:
        return (
            int(session.scalar(select(func.count()).select_from(ImagingStudy)) or 0),
            int(session.scalar(select(func.count()).select_from(ImagingSeries)) or 0),
            int(session.scalar(select(func.count()).select_from(ImagingInstance)) or 0),
        )


def _dump(db: Database) -> str:
    """Every value of every table, as one text (for "no identifier anywhere" checks)."""
    parts: list[str] = []
    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# Synthetic studies
# ---------------------------------------------------------------------------


def test_synthetic_mr_ct_pet_import_with_known_metadata(
    db: Database, radiologist: Actor, case_id: int
) -> None:
    mr = synth_mr_spine_study(5, rows=64, columns=64)
    ct = synth_series("CT", 4)
    pet = synth_series("PT", 3)
    uploads = (
        [(f"mr{i}", d) for i, d in enumerate(mr)]
        + [("ct.zip", _zip({f"ct/{i}.dcm": d for i, d in enumerate(ct)}))]
        + [(f"pt{i}", d) for i, d in enumerate(pet)]
        + [("notes.txt", b"hello")]
    )
    progress: list[tuple[int, int, str]] = []
    report = import_uploads(
        db, radiologist, case_id, uploads, key=KEY, progress=lambda *a: progress.append(a)
    )
    assert report.imported == 15 + 4 + 3
    assert report.count(ImportStatus.SKIPPED) == 1
    skipped = [f for f in report.files if f.status is ImportStatus.SKIPPED]
    assert skipped[0].path == "notes.txt" and skipped[0].reason == "not a DICOM file"
    assert (report.studies_added, report.series_added, report.instances_added) == (3, 5, 22)
    assert progress and progress[-1][0] == progress[-1][1]
    assert _counts(db) == (3, 5, 22)

    studies = list_studies(db, radiologist, case_id, viewer_template="http://v/{study_uid}")
    by_modality = {s.modality: s for s in studies}
    mr_study = by_modality["MR"]
    assert mr_study.source is StudySource.UPLOAD
    assert mr_study.study_date == dt.date(2025, 1, 15)
    assert mr_study.viewer_url == f"http://v/{mr_study.study_uid}"
    assert [s.series_number for s in mr_study.series] == [1, 2, 3]
    assert [s.sequence_hint for s in mr_study.series] == ["T1", "T2", "STIR"]
    assert all(s.instance_count == 5 for s in mr_study.series)
    assert all(s.thumbnail_png and s.thumbnail_png.startswith(b"\x89PNG") for s in mr_study.series)
    assert mr_study.body_region is not None and mr_study.body_region.is_spine
    ct_series = by_modality["CT"].series[0]
    assert ct_series.ct_kernel == "B70s" and ct_series.instance_count == 4
    pet_series = by_modality["PT"].series[0]
    assert pet_series.radiopharmaceutical and "Fluorodeoxyglucose" in pet_series.radiopharmaceutical
    events = _events(db, "imaging.upload")
    assert len(events) == 3 and all(e.case_id == case_id for e in events)


def test_database_holds_no_patient_identifiers(
    db: Database, radiologist: Actor, case_id: int
) -> None:
    files = synth_series(
        "MR",
        3,
        patient_name="DOE^JANE^Q",
        patient_id="PID-778899",
        accession_number="ACC-5566",
        extra={"PatientBirthDate": "19530412", "PatientAddress": "12 Elm Street Springfield"},
    )
    report = import_uploads(
        db, radiologist, case_id, [(f"f{i}", d) for i, d in enumerate(files)], key=KEY
    )
    assert report.imported == 3
    dump = _dump(db)
    for secret in (
        "DOE",
        "JANE",
        "PID-778899",
        "ACC-5566",
        "19530412",
        "1953-04-12",
        "Elm Street",
        SYNTHETIC_PATIENT_NAME,
        SYNTHETIC_PATIENT_ID,
    ):
        assert secret not in dump, secret


def test_reimport_adds_nothing(db: Database, radiologist: Actor, case_id: int) -> None:
    files = synth_mr_spine_study(3, rows=32, columns=32)
    uploads = [(f"f{i}", d) for i, d in enumerate(files)]
    first = import_uploads(db, radiologist, case_id, uploads, key=KEY)
    assert first.imported == 9
    before = _counts(db)
    again = import_uploads(db, radiologist, case_id, uploads + uploads[:1], key=KEY)
    assert again.imported == 0 and again.count(ImportStatus.DUPLICATE) == 10
    assert {f.reason for f in again.files} <= {
        "already imported",
        "the same image appears earlier in this batch (f0)",
    }
    assert _counts(db) == before
    # A new series of the same study extends the study instead of duplicating it.
    study_uid = list_studies(db, radiologist, case_id)[0].study_uid
    extra = synth_series("MR", 2, study_instance_uid=study_uid, series_number=9)
    report = import_uploads(db, radiologist, case_id, [("x", extra[0]), ("y", extra[1])], key=KEY)
    assert (report.studies_added, report.series_added, report.instances_added) == (0, 1, 2)
    assert _counts(db) == (before[0], before[1] + 1, before[2] + 2)


def test_parallel_parse_matches_serial() -> None:
    from board.imaging.reader import iter_uploads

    files = synth_series("MR", 12, rows=16, columns=16)
    items = [item for i, d in enumerate(files) for item in iter_uploads(f"f{i}", d)]
    items += list(iter_uploads("junk", b"junk"))
    serial, n1 = parse_all(items, key=KEY, workers=1)
    parallel, n2 = parse_all(items, key=KEY, workers=2)
    assert (n1, n2) == (1, 2)
    assert serial == parallel


def _broken_chunk(start: int, end: int) -> list[object]:
    raise RuntimeError("worker crashed")


def test_a_broken_worker_pool_falls_back_to_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import board.imaging.pool as pool
    from board.imaging.reader import iter_uploads

    files = synth_series("MR", 6, rows=16, columns=16)
    items = [item for i, d in enumerate(files) for item in iter_uploads(f"f{i}", d)]
    expected, _ = parse_all(items, key=KEY, workers=1)
    monkeypatch.setattr(pool, "_parse_chunk", _broken_chunk)
    results, workers = parse_all(items, key=KEY, workers=2)
    assert workers == 1 and results == expected


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


def test_hostile_and_broken_inputs_never_break_the_batch(
    db: Database, radiologist: Actor, case_id: int, tmp_path: Path
) -> None:
    good = synth_series("MR", 2, rows=32, columns=32)
    bomb = _zip({f"zeros{i}.dcm": b"\x00" * (4 * MIB) for i in range(3)})
    nested = _zip({"inner.zip": _zip({"deep.zip": _zip({"x.dcm": good[0]})})})
    encrypted = bytearray(_zip({"secret.dcm": good[0]}))
    encrypted[6] |= 0x1
    encrypted[encrypted.find(b"PK\x01\x02") + 8] |= 0x1
    odd = _zip({"../../etc/passwd": good[0], "/abs.dcm": good[0], "ok.dcm": good[1]})
    truncated = good[0][: len(good[0]) // 2]
    uploads = [
        ("bomb.zip", bomb),
        ("nested.zip", nested),
        ("encrypted.zip", bytes(encrypted)),
        ("odd.zip", odd),
        ("truncated.dcm", truncated),
        ("junk.bin", b"\x00\x01junk" * 50),
        ("empty", b""),
        ("good.dcm", good[0]),
    ]
    report = import_uploads(
        db,
        radiologist,
        case_id,
        uploads,
        key=KEY,
        limits=ReadLimits(max_archive_total_bytes=8 * MIB),
    )
    reasons = {f.path: (f.status, f.reason) for f in report.files}
    assert "zip bomb" in reasons["bomb.zip"][1]
    assert "nested more than one level" in reasons["nested.zip › inner.zip › deep.zip"][1]
    assert "password-protected" in reasons["encrypted.zip › secret.dcm"][1]
    assert "unsafe file name" in reasons["odd.zip › ../../etc/passwd"][1]
    assert "unsafe file name" in reasons["odd.zip › /abs.dcm"][1]
    assert reasons["odd.zip › ok.dcm"][0] is ImportStatus.IMPORTED
    assert "truncated" in reasons["truncated.dcm"][1]
    assert reasons["junk.bin"][1] == "not a DICOM file"
    assert reasons["empty"][1] == "empty file"
    assert reasons["good.dcm"][0] is ImportStatus.IMPORTED
    assert all(f.reason for f in report.files if f.status is not ImportStatus.IMPORTED)
    assert report.imported == 2 and _counts(db) == (1, 1, 2)


def test_nothing_written_when_the_transaction_fails(
    db: Database, radiologist: Actor, case_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import board.imaging.importer as importer

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "record", boom)
    files = synth_mr_spine_study(2, rows=16, columns=16)
    with pytest.raises(RuntimeError):
        import_uploads(
            db, radiologist, case_id, [(f"f{i}", d) for i, d in enumerate(files)], key=KEY
        )
    assert _counts(db) == (0, 0, 0)


def test_burned_in_and_screen_captures_get_no_thumbnail(
    db: Database, radiologist: Actor, case_id: int
) -> None:
    capture = synth_secondary_capture()
    burned = synth_series("CT", 1, burned_in_annotation=True)
    import_uploads(db, radiologist, case_id, [("sc", capture), ("ct", burned[0])], key=KEY)
    series = [s for study in list_studies(db, radiologist, case_id) for s in study.series]
    assert len(series) == 2
    for s in series:
        assert s.thumbnail_png is None
        assert s.thumbnail_note and "may show patient details" in s.thumbnail_note


# ---------------------------------------------------------------------------
# Patient identity
# ---------------------------------------------------------------------------


def test_study_of_another_patient_is_refused_then_overridden_with_audit(
    db: Database, radiologist: Actor, case_id: int
) -> None:
    first = synth_series("MR", 2, patient_id="PAT-A")
    import_uploads(db, radiologist, case_id, [("a0", first[0]), ("a1", first[1])], key=KEY)
    other = synth_series("CT", 2, patient_id="PAT-B")
    uploads = [("b0", other[0]), ("b1", other[1])]
    refused = import_uploads(db, radiologist, case_id, uploads, key=KEY)
    assert refused.imported == 0 and len(refused.conflicts) == 1
    assert "differs from that of the imaging already attached" in refused.conflicts[0].reason
    assert all("refused" in f.reason for f in refused.files)
    assert _counts(db) == (1, 1, 2)

    accepted = import_uploads(
        db, radiologist, case_id, uploads, key=KEY, override_reason="Patient ID changed after merge"
    )
    assert accepted.imported == 2 and _counts(db) == (2, 2, 4)
    (override,) = _events(db, "imaging.identity_override")
    assert override.detail == "Patient ID changed after merge" and override.case_id == case_id
    studies = {s.modality: s for s in list_studies(db, radiologist, case_id)}
    assert studies["CT"].identity_override_reason == "Patient ID changed after merge"
    assert studies["MR"].identity_override_reason is None


def test_study_not_matching_the_hospital_number_is_refused(
    db: Database, radiologist: Actor, new_case: NewCase
) -> None:
    case = create_case(db, radiologist, new_case(hospital_number="H-12345"))
    wrong = synth_series("MR", 1, patient_id="H-99999")
    report = import_uploads(db, radiologist, case.id, [("w", wrong[0])], key=KEY)
    assert report.imported == 0 and "hospital number" in report.conflicts[0].reason
    right = synth_series("MR", 1, patient_id="H-12345")
    assert import_uploads(db, radiologist, case.id, [("r", right[0])], key=KEY).imported == 1


# ---------------------------------------------------------------------------
# Permissions, manual entry, listing
# ---------------------------------------------------------------------------


def test_permission_and_missing_case(
    db: Database, make_user: Callable[..., Actor], radiologist: Actor, case_id: int
) -> None:
    surgeon = make_user(Role.SPINE_SURGEON)
    data = synth_series("MR", 1)
    with pytest.raises(PermissionDeniedError):
        import_uploads(db, surgeon, case_id, [("a", data[0])], key=KEY)
    with pytest.raises(NotFoundError):
        import_uploads(db, radiologist, 999_999, [("a", data[0])], key=KEY)
    with pytest.raises(ValidationError):
        import_uploads(
            db, radiologist, case_id, [("a", data[0])], key=KEY, override_reason="x" * 3000
        )
    assert _counts(db) == (0, 0, 0)


def test_manual_study(db: Database, radiologist: Actor, case_id: int) -> None:
    study_id = add_manual_study(
        db,
        radiologist,
        case_id,
        ManualStudyInput(
            Modality.MR,
            dt.date(2025, 3, 1),
            BodyRegion.THORACIC,
            "MRI thoracic spine (outside hospital)",
            "T7 lesion with epidural extension.",
        ),
    )
    (study,) = list_studies(db, radiologist, case_id, viewer_template="http://v/{study_uid}")
    assert study.id == study_id and study.source is StudySource.MANUAL
    assert study.series == () and study.viewer_url is None
    assert study.report_text == "T7 lesion with epidural extension."
    assert _events(db, "imaging.add_manual")[0].case_id == case_id
    with pytest.raises(ValidationError, match="future"):
        add_manual_study(
            db,
            radiologist,
            case_id,
            ManualStudyInput(
                Modality.CT, dt.date.today() + dt.timedelta(days=2), BodyRegion.LUMBAR, "CT"
            ),
        )
    with pytest.raises(ValidationError, match="description"):
        add_manual_study(
            db, radiologist, case_id, ManualStudyInput(Modality.CT, None, BodyRegion.LUMBAR, " ")
        )


def test_viewer_url() -> None:
    assert viewer_url(None, "1.2") is None
    assert viewer_url("http://x/{study_uid}", None) is None
    assert viewer_url("http://x/?s={study_uid}", "1.2.3") == "http://x/?s=1.2.3"


# ---------------------------------------------------------------------------
# The pydicom corpus
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_whole_pydicom_corpus_through_the_service(
    db: Database, radiologist: Actor, case_id: int
) -> None:
    root = corpus_root()
    all_files = sorted(p for p in root.rglob("*") if p.is_file())
    report = import_paths(
        db, radiologist, case_id, [root], key=KEY, override_reason="test corpus: many patients"
    )
    assert len(report.files) == len(all_files)
    assert {f.path for f in report.files} == {str(p) for p in all_files}
    for result in report.files:
        assert result.status in ImportStatus
        if result.status is not ImportStatus.IMPORTED:
            assert result.reason
    ct_mr = [
        f
        for f in report.files
        if f.status is ImportStatus.IMPORTED and f.study_uid and f.series_uid
    ]
    assert len(ct_mr) >= 40
    studies = list_studies(db, radiologist, case_id)
    stored_series = {s.series_uid for study in studies for s in study.series}
    stored_studies = {study.study_uid for study in studies}
    for result in ct_mr:
        assert result.study_uid in stored_studies and result.series_uid in stored_series
    # The canonical CT and MR files are there.
    names = {Path(f.path).name: f for f in report.files}
    for name in ("CT_small.dcm", "MR_small.dcm"):
        assert names[name].status in (ImportStatus.IMPORTED, ImportStatus.DUPLICATE)
    with db.read() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
    again = import_paths(
        db, radiologist, case_id, [root], key=KEY, override_reason="test corpus: many patients"
    )
    assert again.imported == 0
    # No patient name, ID or birth date from any corpus file is in the database.
    dump = "\n".join(
        value for value in _dump(db).split("\n") if not re.fullmatch(r"[0-9.]*", value)
    )
    for secret in _corpus_identifiers():
        assert secret not in dump, secret


def _corpus_identifiers() -> set[str]:
    found: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in corpus_files():
            try:
                ds = dcmread(path, stop_before_pixels=True)
                name = str(ds.get("PatientName", "") or "")
                patient_id = str(ds.get("PatientID", "") or "")
                birth = str(ds.get("PatientBirthDate", "") or "")
            except Exception:
                continue
            found |= {part for part in re.split(r"[\^= ]+", name) if len(part) >= 5}
            if len(patient_id) >= 5:
                found.add(patient_id)
            if re.fullmatch(r"\d{8}", birth):
                found |= {birth, f"{birth[:4]}-{birth[4:6]}-{birth[6:]}"}
    return found


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as session:
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
        session.expunge_all()
        return events
