"""The series viewer, key images chosen in it, and STOW-RS, against a real Orthanc.

Orthanc (Debian ``orthanc`` + ``orthanc-dicomweb``) is started by the module on free
ports of 127.0.0.1 (:mod:`tests.imaging.orthanc`); without it the tests skip, unless
``TUMORBOARD_REQUIRE_ORTHANC`` is set (CI): then they fail.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom import dcmread
from sqlalchemy import select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import create_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AuditEvent, ImagingSeries
from board.errors import ConflictError, PermissionDeniedError, ValidationError
from board.imaging import key_image
from board.imaging.importer import import_uploads
from board.imaging.key_image import KeyImageRefused, set_key_image
from board.imaging.listing import list_studies
from board.imaging.pacs import PacsClient, PacsError
from board.imaging.pacs_attach import attach_pacs_studies
from board.imaging.pacs_send import send_uploads_to_pacs
from board.imaging.synth import synth_series
from board.imaging.thumbnail import Thumbnail, make_thumbnail
from board.imaging.viewer import (
    CT_PRESETS,
    ViewerSession,
    WindowPreset,
    apply_window,
    decode_frames,
    list_pacs_series,
    list_slices,
    render_slice,
)

from .helpers import KEY
from .orthanc import OrthancServer, orthanc_or_skip, running_orthanc

pytestmark = [pytest.mark.orthanc, pytest.mark.slow]

PATIENT = "TB-VIEW-0001"
STUDY = "1.2.826.0.1.3680043.8.498.700001"
CT_SERIES = "1.2.826.0.1.3680043.8.498.700001.1"
MF_SERIES = "1.2.826.0.1.3680043.8.498.700001.2"
BURNED_SERIES = "1.2.826.0.1.3680043.8.498.700001.3"
UPLOAD_STUDY = "1.2.826.0.1.3680043.8.498.700002"


@dataclass(frozen=True)
class Pacs:
    server: OrthancServer
    ct_files: dict[str, bytes]  # SOP Instance UID -> file
    mf_files: dict[str, bytes]


def _by_sop(files: list[bytes]) -> dict[str, bytes]:
    return {str(dcmread(io.BytesIO(f), stop_before_pixels=True).SOPInstanceUID): f for f in files}


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pacs]:
    orthanc_or_skip()
    common = {"patient_id": PATIENT, "study_instance_uid": STUDY, "study_date": "20250401"}
    ct = synth_series(
        "CT",
        6,
        rows=48,
        columns=48,
        series_instance_uid=CT_SERIES,
        series_number=2,
        series_description="AX BONE",
        **common,
    )
    multi = synth_series(
        "MR",
        2,
        rows=32,
        columns=32,
        frames=3,
        series_instance_uid=MF_SERIES,
        series_number=1,
        series_description="SAG T2 MULTIFRAME",
        **common,
    )
    burned = synth_series(
        "MR",
        2,
        rows=32,
        columns=32,
        series_instance_uid=BURNED_SERIES,
        series_number=3,
        series_description="SAG T1 ANNOTATED",
        burned_in_annotation=True,
        **common,
    )
    folder: Path = tmp_path_factory.mktemp("orthanc-viewer")
    with running_orthanc(folder) as server:
        # Stored in reverse order: the listing must sort by instance number, not arrival.
        server.store(reversed(ct))
        server.store(multi + burned)
        yield Pacs(server, _by_sop(ct), _by_sop(multi))


@pytest.fixture
def client(pacs: Pacs) -> PacsClient:
    return PacsClient(pacs.server.dicomweb, pacs.server.username, pacs.server.password)


def _png_pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("L"))


# -- listing ---------------------------------------------------------------------------


def test_series_and_slices_are_listed_in_order(client: PacsClient, pacs: Pacs) -> None:
    series = list_pacs_series(client, STUDY)
    assert [s.series_uid for s in series] == [MF_SERIES, CT_SERIES, BURNED_SERIES]
    assert [s.modality for s in series] == ["MR", "CT", "MR"]
    assert series[1].label == "Series 2: AX BONE (CT, 6 images)"
    assert PATIENT not in repr(series)

    ct = list_slices(client, STUDY, CT_SERIES)
    assert [s.instance_number for s in ct] == [1, 2, 3, 4, 5, 6]
    assert {s.sop_uid for s in ct} == set(pacs.ct_files) and {s.frame for s in ct} == {0}

    multi = list_slices(client, STUDY, MF_SERIES)
    assert [(s.instance_number, s.frame) for s in multi] == [
        (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)
    ]  # fmt: skip

    assert list_pacs_series(client, "1.2.3.999") == []
    with pytest.raises(ValidationError, match="Study Instance"):
        list_pacs_series(client, "not a uid")


# -- viewing ---------------------------------------------------------------------------


def test_slices_are_windowed_and_cached_within_the_bound(client: PacsClient, pacs: Pacs) -> None:
    session = ViewerSession(max_bytes=4 * 48 * 48 * 4)  # room for four CT frames
    (ct_series,) = [s for s in session.series(client, STUDY) if s.series_uid == CT_SERIES]
    slices = session.slices(client, STUDY, CT_SERIES)
    for index in (0, 3):
        first = render_slice(session, client, ct_series, slices, index, WindowPreset.BONE)
        assert not first.from_cache and first.total == 6 and first.index == index
        assert first.window == "Bone, level 400 / width 1800"
        local = decode_frames(dcmread(io.BytesIO(pacs.ct_files[slices[index].sop_uid])))[0]
        expected = apply_window(local.values, CT_PRESETS[WindowPreset.BONE])
        assert np.array_equal(_png_pixels(first.png), expected)
        # Another window of the same slice comes from the cache: no request to the PACS.
        again = render_slice(session, client, ct_series, slices, index, WindowPreset.LUNG)
        assert again.from_cache
        lung = apply_window(local.values, CT_PRESETS[WindowPreset.LUNG])
        assert np.array_equal(_png_pixels(again.png), lung)
    for index in range(6):
        render_slice(session, client, ct_series, slices, index, WindowPreset.SOFT_TISSUE)
        assert session.frames.bytes_used <= 4 * 48 * 48 * 4
    assert len(session.frames) == 4
    # The first slices were dropped (least recently viewed) and are fetched again.
    assert not render_slice(session, client, ct_series, slices, 0, WindowPreset.AUTO).from_cache

    with pytest.raises(ValidationError, match="between 1 and 6"):
        render_slice(session, client, ct_series, slices, 6, WindowPreset.AUTO)


def test_multiframe_instances_are_retrieved_once_and_scrolled_by_frame(
    client: PacsClient, pacs: Pacs
) -> None:
    session = ViewerSession()
    (series,) = [s for s in session.series(client, STUDY) if s.series_uid == MF_SERIES]
    slices = session.slices(client, STUDY, MF_SERIES)
    shown = [
        render_slice(session, client, series, slices, index, WindowPreset.AUTO)
        for index in range(6)
    ]
    assert [s.from_cache for s in shown] == [False, True, True, False, True, True]
    assert shown[1].window.startswith("Automatic")
    local = decode_frames(dcmread(io.BytesIO(pacs.mf_files[slices[1].sop_uid])))
    assert np.array_equal(
        _png_pixels(shown[1].png),
        _png_pixels(render_slice(session, client, series, slices, 1, WindowPreset.AUTO).png),
    )
    assert len(local) == 3


def test_neighbouring_frames_are_decoded_only_within_half_the_cache(client: PacsClient) -> None:
    # 3 frames of 32 x 32 float32 (4 KiB each) per instance; half of this cache is 6 KiB:
    # the frame shown is decoded, its neighbours are not.
    session = ViewerSession(max_bytes=3 * 4096)
    (series,) = [s for s in session.series(client, STUDY) if s.series_uid == MF_SERIES]
    slices = session.slices(client, STUDY, MF_SERIES)
    shown = [
        render_slice(session, client, series, slices, index, WindowPreset.AUTO).from_cache
        for index in range(6)
    ]
    assert shown == [False] * 6
    assert session.frames.bytes_used <= 3 * 4096


def test_an_unreachable_pacs_is_a_clear_error(pacs: Pacs) -> None:
    wrong = PacsClient(pacs.server.dicomweb, pacs.server.username, "wrong")
    with pytest.raises(PacsError, match="HTTP 401"):
        list_pacs_series(wrong, STUDY)


# -- key images --------------------------------------------------------------------------


def _attached(db: Database, client: PacsClient, radiologist: Actor, case_id: int) -> None:
    report = attach_pacs_studies(db, radiologist, case_id, client, [STUDY], key=KEY)
    assert report.studies_added == 1 and report.series_added == 3


def _events(db: Database, action: str) -> list[tuple[int | None, str | None, object]]:
    """(case id, entity id, after) of the audit events of ``action``."""
    with db.read() as session:
        return [
            (e.case_id, e.entity_id, e.after)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        ]


def _key_events(db: Database) -> list[tuple[int | None, str | None, object]]:
    return _events(db, "imaging.key_image")


def test_a_chosen_slice_becomes_the_key_image(
    db: Database,
    client: PacsClient,
    pacs: Pacs,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
) -> None:
    radiologist = make_user(Role.RADIOLOGIST)
    case = create_case(db, radiologist, new_case(hospital_number=PATIENT))
    _attached(db, client, radiologist, case.id)
    (study,) = list_studies(db, radiologist, case.id)
    ct = next(s for s in study.series if s.series_uid == CT_SERIES)
    slices = list_slices(client, STUDY, CT_SERIES)
    chosen = slices[0]  # not the middle slice the import took
    before = ct.thumbnail_png

    choice = set_key_image(db, radiologist, ct.id, client, chosen, expected_version=study.version)
    assert choice.study_version > study.version and "Key image saved" in choice.message
    expected = make_thumbnail(pacs.ct_files[chosen.sop_uid])
    assert isinstance(expected, Thumbnail)
    (after,) = list_studies(db, radiologist, case.id)
    stored = next(s for s in after.series if s.id == ct.id).thumbnail_png
    assert stored == expected.png_bytes and stored != before
    assert _key_events(db) == [
        (
            case.id,
            str(ct.id),
            {"key_image": "chosen in the series viewer", "sop_uid": chosen.sop_uid, "frame": 1},
        )
    ]

    # A frame of a multi-frame instance: that frame, not the instance's middle one.
    multi = next(s for s in after.series if s.series_uid == MF_SERIES)
    frame_slice = list_slices(client, STUDY, MF_SERIES)[3 + 2]  # instance 2, frame 3
    set_key_image(db, radiologist, multi.id, client, frame_slice, expected_version=after.version)
    wanted = make_thumbnail(pacs.mf_files[frame_slice.sop_uid], frame=2)
    assert isinstance(wanted, Thumbnail) and wanted.frame_index == 2
    with db.read() as session:
        assert session.get(ImagingSeries, multi.id).thumbnail_png == wanted.png_bytes

    # The page loaded before these choices: refused, nothing overwritten.
    with pytest.raises(ConflictError):
        set_key_image(db, radiologist, ct.id, client, slices[1], expected_version=study.version)
    with pytest.raises(PermissionDeniedError):
        set_key_image(
            db, make_user(Role.SPINE_SURGEON), ct.id, client, slices[1], expected_version=1
        )
    assert len(_key_events(db)) == 2


def test_a_slice_with_burned_in_annotation_is_refused_as_key_image(
    db: Database,
    client: PacsClient,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
) -> None:
    radiologist = make_user(Role.RADIOLOGIST)
    case = create_case(db, radiologist, new_case(hospital_number=PATIENT))
    _attached(db, client, radiologist, case.id)
    (study,) = list_studies(db, radiologist, case.id)
    burned = next(s for s in study.series if s.series_uid == BURNED_SERIES)
    assert burned.thumbnail_png is None
    slice_ref = list_slices(client, STUDY, BURNED_SERIES)[0]
    with pytest.raises(KeyImageRefused, match="burned-in annotation"):
        set_key_image(db, radiologist, burned.id, client, slice_ref, expected_version=study.version)
    with db.read() as session:
        assert session.get(ImagingSeries, burned.id).thumbnail_png is None
    assert _key_events(db) == []


def test_a_chosen_slice_with_names_in_its_pixels_is_stored_blacked_out(
    db: Database,
    client: PacsClient,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No BurnedInAnnotation flag, but a name and an ID drawn into the pixels: the key
    image chosen in the viewer is checked by OCR and stored with the text blacked out."""
    from tests.imaging.test_burned_in import CORNERS, _assert_no_text, _with_text

    radiologist = make_user(Role.RADIOLOGIST)
    case = create_case(db, radiologist, new_case(hospital_number=PATIENT))
    _attached(db, client, radiologist, case.id)
    (study,) = list_studies(db, radiologist, case.id)
    ct = next(s for s in study.series if s.series_uid == CT_SERIES)
    chosen = list_slices(client, STUDY, CT_SERIES)[0]
    pixels, _ = _with_text(CORNERS)
    labelled = synth_series("MR", 1, rows=512, columns=512, pixel_values=pixels)[0]
    monkeypatch.setattr(key_image, "_instance_bytes", lambda *_args: labelled)

    set_key_image(db, radiologist, ct.id, client, chosen, expected_version=study.version)
    with db.read() as session:
        stored = session.get(ImagingSeries, ct.id)
        assert stored is not None and stored.thumbnail_png is not None
        assert stored.thumbnail_note is not None and "blacked out" in stored.thumbnail_note
        _assert_no_text(stored.thumbnail_png)


def test_a_chosen_slice_whose_text_cannot_be_removed_is_refused_with_the_reason(
    db: Database,
    client: PacsClient,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the OCR check keeps no image, choosing the slice is refused, saying why, and
    the series' key image stays as it was."""
    from board.imaging import burned_in
    from tests.imaging.test_burned_in import ACROSS, _with_text

    radiologist = make_user(Role.RADIOLOGIST)
    case = create_case(db, radiologist, new_case(hospital_number=PATIENT))
    _attached(db, client, radiologist, case.id)
    (study,) = list_studies(db, radiologist, case.id)
    ct = next(s for s in study.series if s.series_uid == CT_SERIES)
    labelled = synth_series("MR", 1, rows=512, columns=512, pixel_values=_with_text(ACROSS)[0])
    monkeypatch.setattr(key_image, "_instance_bytes", lambda *_args: labelled[0])
    reason = "text in the image could not be removed"
    monkeypatch.setattr(
        burned_in,
        "redact_burned_in_text",
        lambda *_a, **_k: burned_in.RedactionResult(None, reason),
    )
    chosen = list_slices(client, STUDY, CT_SERIES)[0]
    with pytest.raises(KeyImageRefused, match=reason):
        set_key_image(db, radiologist, ct.id, client, chosen, expected_version=study.version)
    with db.read() as session:
        stored = session.get(ImagingSeries, ct.id)
        assert stored is not None and stored.thumbnail_png == ct.thumbnail_png
    assert _key_events(db) == []


# -- STOW-RS -----------------------------------------------------------------------------


def test_uploaded_files_attached_to_the_case_are_sent_to_the_pacs(
    db: Database,
    client: PacsClient,
    pacs: Pacs,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
) -> None:
    radiologist = make_user(Role.RADIOLOGIST)
    case = create_case(db, radiologist, new_case(hospital_number="TB-VIEW-0002"))
    files = synth_series(
        "MR", 3, patient_id="TB-VIEW-0002", study_instance_uid=UPLOAD_STUDY, rows=32, columns=32
    )
    other_patient = synth_series("MR", 1, patient_id="TB-SOMEONE-ELSE", rows=16, columns=16)
    uploads = [(f"IM{i}", data) for i, data in enumerate(files)]
    uploads += [("stranger.dcm", other_patient[0]), ("notes.txt", b"not a DICOM file")]
    report = import_uploads(db, radiologist, case.id, uploads, key=KEY)
    assert report.instances_added == 3 and report.conflicts  # the stranger was refused
    before = pacs.server.instance_count()

    with pytest.raises(PermissionDeniedError):
        send_uploads_to_pacs(db, make_user(Role.SPINE_SURGEON), case.id, client, uploads)
    with pytest.raises(ValidationError, match="Choose the DICOM files"):
        send_uploads_to_pacs(db, radiologist, case.id, client, [])

    sent = send_uploads_to_pacs(db, radiologist, case.id, client, uploads)
    assert (sent.sent, sent.not_attached, sent.unreadable, sent.failed) == (3, 1, 1, 0)
    assert sent.studies == (UPLOAD_STUDY,)
    assert sent.message.startswith("3 images sent to the PACS (1 study).")
    assert "another patient are never sent" in sent.message
    assert pacs.server.instance_count() == before + 3
    # The viewer can now scroll the uploaded study.
    assert (
        len(list_slices(client, UPLOAD_STUDY, list_pacs_series(client, UPLOAD_STUDY)[0].series_uid))
        == 3
    )
    ((case_id, _study_id, after),) = _events(db, "imaging.send_to_pacs")
    assert case_id == case.id
    assert after == {"study_uid": UPLOAD_STUDY, "instances_sent": 3}
