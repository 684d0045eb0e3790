"""The series viewer widget: pick a series of the case's studies in the PACS, scroll it.

Thin: the listing, fetching, cache and windowing are :mod:`board.imaging.viewer`; the key
image is :func:`board.imaging.key_image.set_key_image`. The viewer runs in its own
``st.fragment``, so moving the slider reruns the viewer alone (one frame from the
cache or the PACS), not the page around it. Each browser session holds one
:class:`~board.imaging.viewer.ViewerSession` (its decoded frames, bounded to
:data:`~board.imaging.viewer.DEFAULT_CACHE_BYTES`) in ``st.session_state``: nothing is
written to disk or to the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action, allowed
from board.db.engine import Database
from board.imaging.enums import StudySource
from board.imaging.key_image import set_key_image
from board.imaging.pacs import PacsClient
from board.imaging.viewer import (
    DEFAULT_CACHE_BYTES,
    PacsSeries,
    SliceRef,
    ViewerSession,
    WindowPreset,
    presets_for,
    render_slice,
)
from board.imaging.views import SeriesView, StudyView
from board.settings import Settings
from board.ui import actions
from board.ui.errors import user_errors
from board.ui.text import md_escape
from board.ui.viewer_keys import viewer_keys
from board.ui.widgets import fmt_date

_SESSION_KEY = "_series_viewer_session"
_CLIENT_KEY = "_series_viewer_pacs_client"

#: What the tab says when no PACS is configured.
NO_PACS = (
    "No PACS is configured, so series cannot be scrolled here. What you can do now: the "
    "key image of each series is shown below, and a study's report is kept with it. "
    "An administrator can set TUMORBOARD_PACS_URL (see the README): the viewer then "
    "shows every series of the case's studies that the PACS holds, slice by slice."
)


def viewer_session() -> ViewerSession:
    """This browser session's viewer (listings and frame cache), made on first use."""
    session = st.session_state.get(_SESSION_KEY)
    if not isinstance(session, ViewerSession):
        session = ViewerSession(DEFAULT_CACHE_BYTES)
        st.session_state[_SESSION_KEY] = session
    return session


def session_client(settings: Settings) -> PacsClient | None:
    """The configured PACS's client, one per browser session (its connections are reused
    from one slice to the next); ``None`` when no PACS is configured."""
    if not settings.pacs_url:
        return None
    identity = (settings.pacs_url, settings.pacs_username, settings.pacs_password)
    held = st.session_state.get(_CLIENT_KEY)
    if not (isinstance(held, tuple) and len(held) == 2 and held[0] == identity):
        client = PacsClient.from_settings(settings)
        if client is None:  # pragma: no cover - pacs_url is set
            return None
        held = (identity, client)
        st.session_state[_CLIENT_KEY] = held
    client_held: PacsClient = held[1]
    return client_held


def _study_label(study: StudyView) -> str:
    return (
        f"{fmt_date(study.study_date) or 'Undated'} {study.modality_label}: "
        f"{study.description or '(no description)'}"
    )


def _attached_series(study: StudyView, series_uid: str) -> SeriesView | None:
    return next((s for s in study.series if s.series_uid == series_uid), None)


def _step(slider_key: str, total: int, delta: int) -> None:
    """A key's move: one slice on, within the series (runs before the viewer is drawn)."""
    current = int(st.session_state.get(slider_key, 1))
    st.session_state[slider_key] = max(1, min(total, current + delta))


def _choose_key_image(
    db: Database,
    actor: Actor,
    series: SeriesView,
    client: PacsClient,
    slice_ref: SliceRef,
    version: int,
) -> str:
    return set_key_image(db, actor, series.id, client, slice_ref, expected_version=version).message


@st.fragment
def series_viewer(
    db: Database,
    actor: Actor,
    studies: Sequence[StudyView],
    client: PacsClient | None,
    *,
    key: str,
    image_width: int = 512,
    clicker_keys: bool = False,
    beside: bool = False,
) -> None:
    """Scroll a series of the case's studies, live from the PACS.

    Parameters
    ----------
    db:
        The database (for choosing a key image).
    actor:
        The signed-in user (radiologists and coordinators may choose key images).
    studies:
        The case's studies (:func:`board.imaging.listing.list_studies`).
    client:
        The configured PACS, or ``None`` (the viewer then says what is possible).
    key:
        Prefix of the widget keys (one viewer per page).
    image_width:
        Width of the slice on screen, in pixels.
    clicker_keys:
        Down Arrow / Up Arrow move one slice (the presenter).
    beside:
        Controls in a narrow column left of the image (the projector: the whole viewer
        fits a 1920x1080 screen); otherwise above it.
    """
    actions.refresh_whole_page()
    if client is None:
        st.info(NO_PACS, icon=":material/info:")
        return
    viewable = [s for s in studies if s.study_uid]
    if not viewable:
        st.info(
            "No study of this case can be looked up in the PACS (a study entered by hand "
            "has no images). Attach a study from the PACS, or upload DICOM files and send "
            "them to the PACS.",
            icon=":material/info:",
        )
        return
    session = viewer_session()
    if beside:
        left, right = st.columns([1, 2], gap="medium")
    else:
        left, right = st.container(), st.container()
    with left, user_errors():
        by_id = {s.id: s for s in viewable}
        study_id = st.selectbox(
            "Study",
            list(by_id),
            format_func=lambda i: _study_label(by_id[i]),
            key=f"{key}_study",
        )
        study = by_id.get(study_id) or viewable[0]
        assert study.study_uid is not None
        found = session.series(client, study.study_uid)
        if not found:
            hint = (
                " Its files were uploaded: send them to the PACS under 'Upload DICOM files' "
                "(choose the same files again; the board keeps no DICOM files)."
                if study.source is StudySource.UPLOAD
                else ""
            )
            st.info(
                "The PACS does not hold this study, so it cannot be scrolled." + hint,
                icon=":material/info:",
            )
            return
        by_uid = {s.series_uid: s for s in found}
        series_uid = st.selectbox(
            "Series",
            list(by_uid),
            format_func=lambda uid: by_uid[uid].label,
            key=f"{key}_series_{study.id}",
        )
        series = by_uid.get(series_uid) or found[0]
        _show_series(
            db,
            actor,
            client,
            session,
            study,
            series,
            key,
            (image_width, right, beside),
            clicker_keys,
        )


def _show_series(
    db: Database,
    actor: Actor,
    client: PacsClient,
    session: ViewerSession,
    study: StudyView,
    series: PacsSeries,
    key: str,
    image: tuple[int, Any, bool],
    clicker_keys: bool,
) -> None:
    """The slider, window and key-image button (in the current container) and the slice
    (``image``: its width, the container it goes in, and whether that is beside)."""
    image_width, image_area, beside = image
    assert study.study_uid is not None
    slices = session.slices(client, study.study_uid, series.series_uid)
    if not slices:
        st.info("The PACS lists no images in this series.", icon=":material/info:")
        return
    total = len(slices)
    presets = presets_for(series.modality)
    controls = (
        (st.container(), st.container())
        if beside
        else st.columns([3, 2], vertical_alignment="bottom")
    )
    slider_key = f"{key}_slice_{series.series_uid}"
    if slider_key not in st.session_state:
        st.session_state[slider_key] = total // 2 + 1
    with controls[0]:
        if total > 1:
            number = st.slider("Slice", min_value=1, max_value=total, step=1, key=slider_key)
        else:
            number = 1
            st.caption("This series has one image.")
    with controls[1]:
        preset = st.radio(
            "Window",
            presets,
            format_func=lambda p: p.label,
            horizontal=True,
            key=f"{key}_window_{series.series_uid}",
        )
    if clicker_keys and total > 1:
        viewer_keys(
            on_next=partial(_step, slider_key, total, 1),
            on_previous=partial(_step, slider_key, total, -1),
            key=f"{key}_keys",
        )
    rendered = render_slice(
        session, client, series, slices, int(number) - 1, preset or WindowPreset.AUTO
    )
    where = f"Slice {rendered.index + 1} of {rendered.total}"
    if rendered.slice_ref.instance_number is not None:
        where += f" (image {rendered.slice_ref.instance_number}"
        where += f", frame {rendered.slice_ref.frame + 1})" if rendered.slice_ref.frame else ")"
    with image_area:
        st.image(rendered.png, width=image_width)
    st.caption(md_escape(f"{where} | window: {rendered.window}"))
    attached = _attached_series(study, series.series_uid)
    if not allowed(actor.role, Action.IMAGING_ATTACH):
        return
    slot = f"{key}_key_image"
    actions.show_outcome(slot)
    if attached is None:
        st.caption("This series is not attached to the case, so it has no key image here.")
        return
    st.button(
        "Use this slice as the key image",
        icon=":material/star:",
        key=f"{key}_key_image_button",
        help="Replaces the series' key image on the case page, presenter and report",
        on_click=actions.run,
        args=(
            slot,
            partial(
                _choose_key_image,
                db,
                actor,
                attached,
                client,
                rendered.slice_ref,
                study.version,
            ),
        ),
    )
