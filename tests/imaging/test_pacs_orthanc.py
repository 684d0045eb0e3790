"""PACS over DICOMweb against a real Orthanc started by the test on 127.0.0.1.

Needs the Debian packages ``orthanc`` and ``orthanc-dicomweb``. Without them the tests
skip with the reason, unless ``TUMORBOARD_REQUIRE_ORTHANC`` is set (as in CI): then
they fail.
"""

from __future__ import annotations

import datetime as dt
import io
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from pydicom import dcmread

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import create_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.errors import PermissionDeniedError, ValidationError
from board.imaging.enums import ImportStatus, Modality, StudySource
from board.imaging.listing import list_studies
from board.imaging.pacs import PacsClient, PacsError, PacsSearch
from board.imaging.pacs_attach import attach_pacs_studies, search_pacs
from board.imaging.synth import (
    synth_datasets,
    synth_mr_spine_study,
    synth_secondary_capture,
    synth_series,
)

from .helpers import KEY
from .orthanc import PASSWORD, USER, orthanc_or_skip, running_orthanc
from .test_burned_in import ACROSS, CORNERS, SIZE, _assert_no_text, _with_text

pytestmark = [pytest.mark.orthanc, pytest.mark.slow]

PATIENT = "TB-ORTH-0001"
TEXT_PATIENT = "TBX-TEXT-0001"
STAFF_PATIENT = "TBX-STAFF-0001"
STAFF = {
    "ReferringPhysicianName": "Haddock^Archibald",
    "PerformingPhysicianName": "Calculus^Cuthbert",
    "InstitutionName": "Moulinsart Hospital",
    "StationName": "MOULCT07",
}


def _with_staff(datasets: list[Any]) -> list[bytes]:
    files = []
    for ds in datasets:
        for keyword, value in STAFF.items():
            setattr(ds, keyword, value)
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        files.append(buffer.getvalue())
    return files


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Orthanc:
    base: str
    dicomweb: str
    studies: dict[str, str]  # label -> StudyInstanceUID


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orthanc]:
    orthanc_or_skip()
    with running_orthanc(tmp_path_factory.mktemp("orthanc")) as server:
        studies = {
            "mr": synth_mr_spine_study(
                4,
                rows=64,
                columns=64,
                patient_id=PATIENT,
                accession_number="ACC-MR-1",
                study_date="20250110",
            ),
            "ct": synth_series(
                "CT", 3, patient_id=PATIENT, accession_number="ACC-CT-1", study_date="20250301"
            ),
            "sc": [
                synth_secondary_capture(
                    patient_id=PATIENT, accession_number="ACC-SC-1", study_date="20250302"
                )
            ],
            "other": synth_series(
                "MR", 2, patient_id="TB-ORTH-9999", accession_number="ACC-X", study_date="20250303"
            ),
            "text": synth_series(
                "MR",
                3,
                rows=SIZE,
                columns=SIZE,
                pixel_values=_with_text(CORNERS + ACROSS)[0],
                patient_id=TEXT_PATIENT,
                accession_number="ACC-TXT-1",
                study_date="20250304",
            ),
            "nopid": synth_series(
                "CT", 2, patient_id="", accession_number="ACC-NOPID-1", study_date="20250305"
            ),
            "staff": _with_staff(
                synth_datasets(
                    "CT",
                    1,
                    patient_id=STAFF_PATIENT,
                    accession_number="ACC-STAFF-1",
                    study_date="20250306",
                    study_description="CT SPINE Haddock Calculus Moulinsart Hospital MOULCT07",
                )
            ),
        }
        server.store(data for files in studies.values() for data in files)
        uids = {
            label: str(dcmread(io.BytesIO(files[0]), stop_before_pixels=True).StudyInstanceUID)
            for label, files in studies.items()
        }
        yield Orthanc(server.base, server.dicomweb, uids)


@pytest.fixture
def client(orthanc: Orthanc) -> PacsClient:
    return PacsClient(orthanc.dicomweb, USER, PASSWORD)


def test_search_by_hospital_number_accession_dates_and_modality(
    orthanc: Orthanc, client: PacsClient
) -> None:
    found = client.search(PacsSearch(patient_id=PATIENT), key=KEY)
    assert {s.study_uid for s in found} == {orthanc.studies[k] for k in ("mr", "ct", "sc")}
    mr = next(s for s in found if s.study_uid == orthanc.studies["mr"])
    assert mr.study_date == dt.date(2025, 1, 10) and mr.modalities == ("MR",)
    assert mr.series_count == 3 and mr.instance_count == 12
    assert mr.patient_key and PATIENT not in repr(mr)
    # Wildcards are sent unencoded (Orthanc does not decode %2A).
    wild = client.search(PacsSearch(patient_id="TB-ORTH-*"), key=KEY)
    assert len(wild) == 4
    by_accession = client.search(PacsSearch(accession_number="ACC-CT-1"), key=KEY)
    assert [s.study_uid for s in by_accession] == [orthanc.studies["ct"]]
    dated = client.search(
        PacsSearch(patient_id=PATIENT, date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 3, 1)),
        key=KEY,
    )
    assert [s.study_uid for s in dated] == [orthanc.studies["ct"]]
    only_mr = client.search(PacsSearch(patient_id=PATIENT, modality=Modality.MR), key=KEY)
    assert [s.study_uid for s in only_mr] == [orthanc.studies["mr"]]
    assert client.search(PacsSearch(patient_id="NOBODY"), key=KEY) == []
    with pytest.raises(ValidationError):
        client.search(PacsSearch(), key=KEY)


def test_attach_studies_with_series_metadata_and_rendered_thumbnails(
    orthanc: Orthanc,
    client: PacsClient,
    db: Database,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
) -> None:
    radiologist = make_user(Role.RADIOLOGIST)
    case = create_case(db, radiologist, new_case(hospital_number=PATIENT))
    found = search_pacs(radiologist, client, PacsSearch(patient_id=PATIENT), key=KEY)
    uids = [orthanc.studies["mr"], orthanc.studies["ct"], orthanc.studies["sc"]]
    assert set(uids) <= {s.study_uid for s in found}
    report = attach_pacs_studies(db, radiologist, case.id, client, uids, key=KEY)
    assert (report.studies_added, report.series_added, report.instances_added) == (3, 5, 16)
    assert report.imported == 16
    studies = {s.study_uid: s for s in list_studies(db, radiologist, case.id)}
    mr = studies[orthanc.studies["mr"]]
    assert mr.source is StudySource.PACS and mr.study_date == dt.date(2025, 1, 10)
    assert [s.sequence_hint for s in mr.series] == ["T1", "T2", "STIR"]
    assert [s.instance_count for s in mr.series] == [4, 4, 4]
    for series in mr.series:
        assert series.thumbnail_png and series.thumbnail_png.startswith(b"\x89PNG")
    ct = studies[orthanc.studies["ct"]].series[0]
    assert ct.ct_kernel == "B70s" and ct.thumbnail_png
    capture = studies[orthanc.studies["sc"]].series[0]
    assert capture.thumbnail_png is None and "patient details" in (capture.thumbnail_note or "")

    again = attach_pacs_studies(db, radiologist, case.id, client, uids, key=KEY)
    assert again.imported == 0 and again.count(ImportStatus.DUPLICATE) == 16

    refused = attach_pacs_studies(
        db, radiologist, case.id, client, [orthanc.studies["other"]], key=KEY
    )
    assert refused.imported == 0 and refused.conflicts
    surgeon = make_user(Role.SPINE_SURGEON)
    with pytest.raises(PermissionDeniedError):
        search_pacs(surgeon, client, PacsSearch(patient_id=PATIENT), key=KEY)


def test_wrong_credentials_and_unreachable_pacs(orthanc: Orthanc) -> None:
    with pytest.raises(PacsError, match="HTTP 401"):
        PacsClient(orthanc.dicomweb, USER, "wrong").search(PacsSearch(patient_id=PATIENT), key=KEY)
    port = _free_port()
    with pytest.raises(PacsError, match="could not be reached"):
        PacsClient(f"http://127.0.0.1:{port}/dicom-web", timeout=2).search(
            PacsSearch(patient_id=PATIENT), key=KEY
        )


def test_search_results_are_scrubbed_of_staff_institution_and_station_names(
    orthanc: Orthanc, client: PacsClient
) -> None:
    (study,) = client.search(PacsSearch(patient_id=STAFF_PATIENT), key=KEY)
    assert study.study_uid == orthanc.studies["staff"]
    assert study.description.startswith("CT SPINE ***")
    for word in ("HADDOCK", "CALCULUS", "MOULINSART", "MOULCT07"):
        assert word not in study.description.upper()
    assert "Hospital" not in study.description or "***" in study.description


def test_wildcard_only_searches_are_refused_before_the_pacs_is_asked(
    orthanc: Orthanc, client: PacsClient
) -> None:
    for criteria in (
        PacsSearch(patient_id="*", date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31)),
        PacsSearch(accession_number="?*"),
    ):
        with pytest.raises(ValidationError, match="cannot be only wildcards"):
            client.search(criteria, key=KEY)


def test_a_pacs_key_image_with_burned_in_text_is_stored_without_it(
    orthanc: Orthanc,
    client: PacsClient,
    db: Database,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
) -> None:
    radiologist = make_user(Role.RADIOLOGIST)
    case = create_case(db, radiologist, new_case(hospital_number=TEXT_PATIENT))
    rendered = client.rendered_thumbnail(
        orthanc.studies["text"], *_first_series_and_instance(orthanc, "text")
    )
    assert rendered is not None  # the PACS renders the text into the picture
    report = attach_pacs_studies(
        db, radiologist, case.id, client, [orthanc.studies["text"]], key=KEY
    )
    assert report.imported == 3
    (study,) = list_studies(db, radiologist, case.id)
    (series,) = study.series
    assert series.thumbnail_png is not None, series.thumbnail_note
    assert series.thumbnail_note and "blacked out" in series.thumbnail_note
    _assert_no_text(series.thumbnail_png)


def _first_series_and_instance(orthanc: Orthanc, label: str) -> tuple[str, str]:
    auth = (USER, PASSWORD)
    study = orthanc.studies[label]
    series = requests.get(
        f"{orthanc.dicomweb}/studies/{study}/series", auth=auth, timeout=10
    ).json()
    series_uid = series[0]["0020000E"]["Value"][0]
    instances = requests.get(
        f"{orthanc.dicomweb}/studies/{study}/series/{series_uid}/instances", auth=auth, timeout=10
    ).json()
    return series_uid, instances[0]["00080018"]["Value"][0]


def test_a_study_without_patient_id_needs_the_same_confirmation_as_another_patient(
    orthanc: Orthanc,
    client: PacsClient,
    db: Database,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
) -> None:
    radiologist = make_user(Role.RADIOLOGIST)
    case = create_case(db, radiologist, new_case(hospital_number=PATIENT))
    (found,) = client.search(PacsSearch(accession_number="ACC-NOPID-1"), key=KEY)
    assert found.patient_key is None
    uid = orthanc.studies["nopid"]
    refused = attach_pacs_studies(db, radiologist, case.id, client, [uid], key=KEY)
    assert refused.imported == 0 and len(refused.conflicts) == 1
    assert refused.conflicts[0].reason == (
        "the study has no Patient ID, so it cannot be checked that it is this patient's"
    )
    assert list_studies(db, radiologist, case.id) == []
    confirmed = attach_pacs_studies(
        db, radiologist, case.id, client, [uid], key=KEY, override_reason="Outside scan, ID lost"
    )
    assert confirmed.imported == 2 and not confirmed.conflicts
    (study,) = list_studies(db, radiologist, case.id)
    assert study.study_uid == uid
