"""The series viewer on the Imaging tab and the presenter, with AppTest and a real Orthanc.

Scroll a CT series from the PACS (slider), change the window, choose a slice as the key
image; send uploaded files to the PACS (STOW-RS) and scroll them; without a PACS the tab
says what is possible.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

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
from board.imaging.links import derive_key
from board.imaging.pacs import PacsClient
from board.imaging.pacs_attach import attach_pacs_studies
from board.imaging.synth import synth_series
from board.imaging.viewer import WindowPreset
from board.meetings.service import add_to_agenda
from board.ui.series_viewer import NO_PACS
from tests.imaging.orthanc import OrthancServer, orthanc_or_skip, running_orthanc

from .conftest import SECRET_KEY
from .helpers import open_case, plain, signed_in

pytestmark = [pytest.mark.orthanc, pytest.mark.slow]

PATIENT = "TB-PAGE-VIEW-1"
STUDY = "1.2.826.0.1.3680043.8.498.710001"
SERIES = "1.2.826.0.1.3680043.8.498.710001.1"


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    orthanc_or_skip()
    with running_orthanc(tmp_path_factory.mktemp("orthanc-page")) as server:
        server.store(
            synth_series(
                "CT",
                6,
                rows=40,
                columns=40,
                patient_id=PATIENT,
                study_instance_uid=STUDY,
                series_instance_uid=SERIES,
                series_description="AX BONE",
            )
        )
        yield server


@pytest.fixture
def pacs_env(orthanc: OrthancServer, monkeypatch: pytest.MonkeyPatch) -> OrthancServer:
    monkeypatch.setenv("TUMORBOARD_PACS_URL", orthanc.dicomweb)
    monkeypatch.setenv("TUMORBOARD_PACS_USERNAME", orthanc.username)
    monkeypatch.setenv("TUMORBOARD_PACS_PASSWORD", orthanc.password)
    return orthanc


def _case_with_pacs_study(db: Database, server: OrthancServer) -> int:
    coordinator = Actor(None, "test", "Test", Role.COORDINATOR)
    case = create_case(db, coordinator, CaseInput(primary_site="breast", levels=("T7",)))
    client = PacsClient(server.dicomweb, server.username, server.password)
    attach_pacs_studies(db, coordinator, case.id, client, [STUDY], key=derive_key(SECRET_KEY))
    return case.id


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [str(e.value) for e in at.success] + [str(e.value) for e in at.warning]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.info]
    return plain("\n".join(str(p) for p in parts))


def _slider(at):  # type: ignore[no-untyped-def]
    return next(s for s in at.slider if s.label == "Slice")


def _viewer_caption(at) -> str:  # type: ignore[no-untyped-def]
    return next(plain(c.value) for c in at.caption if plain(c.value).startswith("Slice "))


def _thumbnail(db: Database, case_series_uid: str) -> bytes | None:
    with db.read() as session:
        return session.scalars(
            select(ImagingSeries.thumbnail_png).where(ImagingSeries.series_uid == case_series_uid)
        ).first()


def test_scroll_a_ct_series_change_the_window_and_choose_the_key_image(
    demo_db: Database, pacs_env: OrthancServer
) -> None:
    case_id = _case_with_pacs_study(demo_db, pacs_env)
    at = open_case(signed_in(demo_db, "demo.radiologist"), case_id, tab="Imaging")
    assert not at.exception, at.exception
    series = next(s for s in at.selectbox if s.label == "Series")
    assert series.value == SERIES and "AX BONE (CT, 6 images)" in str(series.options)
    slider = _slider(at)
    assert (slider.min, slider.max, slider.value) == (1, 6, 4)  # opens on the middle slice
    assert _viewer_caption(at).startswith("Slice 4 of 6 (image 4) | window: Bone, level 400")
    window = next(r for r in at.radio if r.label == "Window")
    assert [str(o) for o in window.options] == ["Bone", "Soft tissue", "Lung", "Automatic"]

    _slider(at).set_value(2).run()
    assert not at.exception, at.exception
    assert _viewer_caption(at).startswith("Slice 2 of 6 (image 2)")
    next(r for r in at.radio if r.label == "Window").set_value(WindowPreset.LUNG).run()
    assert "window: Lung, level -600 / width 1500" in _viewer_caption(at)

    before = _thumbnail(demo_db, SERIES)
    next(b for b in at.button if b.label == "Use this slice as the key image").click().run()
    assert not at.exception, at.exception
    assert "Key image saved" in _texts(at)
    after = _thumbnail(demo_db, SERIES)
    assert after and after != before
    with Image.open(io.BytesIO(after)) as image:
        assert image.format == "PNG"
    with demo_db.read() as session:
        sop = session.scalars(
            select(AuditEvent.after).where(AuditEvent.action == "imaging.key_image")
        ).one()["sop_uid"]
    # The stored key image is slice 2 (instance number 2) of the series.
    client = PacsClient(pacs_env.dicomweb, pacs_env.username, pacs_env.password)
    ds = client.client.retrieve_instance(STUDY, SERIES, sop)
    assert int(ds.InstanceNumber) == 2


def test_readers_scroll_but_do_not_choose_key_images(
    demo_db: Database, pacs_env: OrthancServer
) -> None:
    case_id = _case_with_pacs_study(demo_db, pacs_env)
    at = open_case(signed_in(demo_db, "demo.surgeon"), case_id, tab="Imaging")
    assert not at.exception, at.exception
    assert _slider(at).max == 6
    assert not [b for b in at.button if b.label == "Use this slice as the key image"]


def test_without_a_pacs_the_tab_says_what_is_possible(demo_db: Database) -> None:
    coordinator = Actor(None, "test", "Test", Role.COORDINATOR)
    case = create_case(demo_db, coordinator, CaseInput(primary_site="breast", levels=("T7",)))
    at = open_case(signed_in(demo_db, "demo.radiologist"), case.id, tab="Imaging")
    files = synth_series("MR", 2, rows=16, columns=16)
    (uploader,) = at.file_uploader
    uploader.set_value([(f"IM{i}", d, "application/octet-stream") for i, d in enumerate(files)])
    at.run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception, at.exception
    text = _texts(at)
    assert plain(NO_PACS) in text
    assert "imported files can also be sent to it here" in text
    assert not [b for b in at.button if b.label == "Send to the PACS"]
    assert not [s for s in at.slider if s.label == "Slice"]


def test_uploaded_files_are_sent_to_the_pacs_and_scrolled(
    demo_db: Database, pacs_env: OrthancServer
) -> None:
    coordinator = Actor(None, "test", "Test", Role.COORDINATOR)
    case = create_case(demo_db, coordinator, CaseInput(primary_site="breast", levels=("T7",)))
    files = synth_series("MR", 3, rows=24, columns=24, series_description="SAG STIR")
    study_uid = str(dcmread(io.BytesIO(files[0]), stop_before_pixels=True).StudyInstanceUID)
    at = open_case(signed_in(demo_db, "demo.radiologist"), case.id, tab="Imaging")
    (uploader,) = at.file_uploader
    uploader.set_value([(f"IM{i}", d, "application/octet-stream") for i, d in enumerate(files)])
    at.run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception, at.exception
    assert "The PACS does not hold this study" in _texts(at)
    next(b for b in at.button if b.label == "Send to the PACS").click().run()
    assert not at.exception, at.exception
    assert "3 images sent to the PACS (1 study)." in _texts(at)
    # The viewer asks the PACS again: the study can be scrolled now.
    assert _slider(at).max == 3
    assert next(s for s in at.radio if s.label == "Window").options == ["Automatic"]
    assert "SAG STIR (MR, 3 images)" in str(
        next(s for s in at.selectbox if s.label == "Series").options
    )
    assert study_uid


def test_the_presenter_scrolls_images_in_place_of_the_facts(
    demo_db: Database, pacs_env: OrthancServer
) -> None:
    case_id = _case_with_pacs_study(demo_db, pacs_env)
    coordinator = Actor(None, "test", "Test", Role.COORDINATOR)
    meeting = add_to_agenda(demo_db, coordinator, 1, case_id)
    position = next(r.position for r in meeting.agenda if r.case_id == case_id)
    at = signed_in(demo_db, "demo.surgeon")
    at.switch_page("pages/presenter.py")
    at.query_params["meeting"] = str(meeting.id)
    at.query_params["item"] = str(position)
    at.run()
    assert not at.exception, at.exception
    assert not [s for s in at.slider if s.label == "Slice"]
    next(b for b in at.button if b.label == "Scroll images").click().run()
    assert not at.exception, at.exception
    assert _slider(at).max == 6
    assert any(b.label == "Back to the case" for b in at.button)
    assert _viewer_caption(at).startswith("Slice 4 of 6")
    next(b for b in at.button if b.label == "Back to the case").click().run()
    assert not [s for s in at.slider if s.label == "Slice"]
