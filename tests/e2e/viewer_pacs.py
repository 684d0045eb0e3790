"""A PACS study for the browser tests and the benchmark of the series viewer.

:func:`store_ct_series` puts a synthetic CT series into a running Orthanc
(:mod:`tests.imaging.orthanc`); :func:`attach_viewer_case` (a ``prepare`` step of
:func:`tests.e2e.servers.running_app`) makes a case and attaches the study to it from the
PACS, as a coordinator would; :func:`pacs_environment` configures the app for that PACS;
:func:`move_slice` moves the viewer's slider one slice with the keyboard and returns
the milliseconds from the key press to the settled page.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import create_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.imaging.links import derive_key
from board.imaging.pacs import PacsClient
from board.imaging.pacs_attach import attach_pacs_studies
from board.imaging.synth import dataset_to_bytes, synth_datasets
from tests.e2e.pages import SETTLED, TIMEOUT_MS
from tests.imaging.orthanc import OrthancServer

VIEWER_STUDY = "1.2.826.0.1.3680043.8.498.720001"
VIEWER_SERIES = "1.2.826.0.1.3680043.8.498.720001.1"
VIEWER_SLICES = 24
#: The app's secret key under ``running_app`` (tests/e2e/servers.py).
E2E_SECRET_KEY = "e2e-" + "s" * 40


def _ct_slice(index: int, size: int) -> np.ndarray:
    """A CT-like slice in stored values (rescale intercept -1024): body, bone, air."""
    y, x = np.mgrid[0:size, 0:size]
    centre = size / 2
    radius = np.hypot(x - centre, y - centre)
    picture = np.full((size, size), 0, dtype=np.int64)  # air: -1024 HU
    picture[radius < size * 0.42] = 1064  # soft tissue: 40 HU
    vertebra = np.hypot(x - centre, y - size * (0.6 + 0.005 * index)) < size * 0.09
    picture[vertebra] = 1724  # bone: 700 HU
    return picture


def store_ct_series(server: OrthancServer, size: int = 256) -> str:
    """Store the viewer's CT series (``VIEWER_SLICES`` slices of ``size`` pixels).

    Returns
    -------
    str
        The Study Instance UID.
    """
    datasets = synth_datasets(
        "CT",
        VIEWER_SLICES,
        rows=size,
        columns=size,
        study_instance_uid=VIEWER_STUDY,
        series_instance_uid=VIEWER_SERIES,
        series_description="AX BONE",
        pixel_values=_ct_slice(0, size),
    )
    for index, ds in enumerate(datasets):  # each slice its own picture
        ds.PixelData = _ct_slice(index, size).astype(np.uint16).tobytes()
    server.store(dataset_to_bytes(ds) for ds in datasets)
    return VIEWER_STUDY


def attach_viewer_case(database_url: str, server: OrthancServer) -> int:
    """A new case with the viewer's study attached from the PACS; returns its id."""
    db = Database.from_url(database_url)
    try:
        coordinator = Actor(None, "e2e", "E2E", Role.COORDINATOR)
        case = create_case(db, coordinator, CaseInput(primary_site="breast", levels=("L2",)))
        client = PacsClient(server.dicomweb, server.username, server.password)
        attach_pacs_studies(
            db, coordinator, case.id, client, [VIEWER_STUDY], key=derive_key(E2E_SECRET_KEY)
        )
        return case.id
    finally:
        db.engine.dispose()


def pacs_environment(server: OrthancServer) -> dict[str, str]:
    """The app's settings for the PACS."""
    return {
        "TUMORBOARD_PACS_URL": server.dicomweb,
        "TUMORBOARD_PACS_USERNAME": server.username,
        "TUMORBOARD_PACS_PASSWORD": server.password,
    }


def slice_number(page: Any) -> int:
    """The slice the viewer's slider is on."""
    return int(page.get_by_role("slider").first.input_value())


def move_slice(page: Any, key: str = "ArrowRight") -> float:
    """Move the slider one slice with the keyboard; milliseconds until settled.

    Settled: the run the move caused has finished (no stale element) and the caption
    names the new slice.
    """
    slider = page.get_by_role("slider").first
    page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)
    target = slice_number(page) + (1 if key in ("ArrowRight", "ArrowUp") else -1)
    slider.focus()
    start = time.perf_counter()
    page.keyboard.press(key)
    # The caption under the image is written by the server's run for the new slice, so
    # seeing it (and nothing stale) means that run has finished. The run counter is not
    # required: a fragment run this short can start and end within one browser frame,
    # and React then never draws its "running" state (seen: 1 key press in 15-40).
    page.wait_for_function(
        f"() => ({SETTLED})()"
        f" && [...document.querySelectorAll('[data-testid=\"stCaptionContainer\"]')]"
        f".some((e) => e.innerText.startsWith('Slice {target} of'))",
        timeout=TIMEOUT_MS,
    )
    return (time.perf_counter() - start) * 1000
