"""Pathology tab: biopsies and their results; add and edit for those who may record them."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action, allowed
from board.cases.read_model import CaseReadModel
from board.db.engine import Database
from board.pathology.enums import BiopsyKind, BiopsyStatus
from board.pathology.service import (
    COMMON_MARKERS,
    BiopsyInput,
    BiopsyView,
    add_biopsy,
    list_biopsies,
    update_biopsy,
)
from board.ui.errors import user_errors
from board.ui.text import md_escape
from board.ui.widgets import fmt_date, fmt_datetime

_KIND_LABELS = {
    BiopsyKind.CORE_NEEDLE: "Core needle",
    BiopsyKind.FINE_NEEDLE: "Fine needle",
    BiopsyKind.OPEN: "Open",
}


def _markers_text(markers: tuple[tuple[str, str], ...]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in markers)


def _parse_markers(text: str) -> dict[str, str]:
    """``"ER: positive; HER2: 0"`` (or one per line) -> ``{"ER": "positive", "HER2": "0"}``."""
    markers: dict[str, str] = {}
    for part in text.replace("\n", ";").split(";"):
        if not part.strip():
            continue
        key, _, value = part.partition(":")
        markers[key.strip()] = value.strip()
    return markers


def _fields(prefix: str, current: BiopsyView | None) -> BiopsyInput:
    kinds = list(BiopsyKind)
    statuses = list(BiopsyStatus)
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox(
        "Biopsy type",
        kinds,
        index=kinds.index(current.kind) if current else 0,
        format_func=lambda k: _KIND_LABELS[k],
        key=f"{prefix}_kind",
    )
    status = c2.selectbox(
        "Result",
        statuses,
        index=statuses.index(current.status) if current else 0,
        format_func=lambda s: s.value.capitalize(),
        key=f"{prefix}_status",
    )
    performed: dt.date | None = c3.date_input(
        "Date", value=current.performed_on if current else None, key=f"{prefix}_date"
    )
    c4, c5 = st.columns(2)
    site = c4.text_input(
        "Site", value=(current.site or "") if current else "", key=f"{prefix}_site"
    )
    level = c5.text_input(
        "Vertebral level (if a vertebra)",
        value=(current.level or "") if current else "",
        key=f"{prefix}_level",
    )
    c6, c7 = st.columns([3, 1])
    histology = c6.text_input(
        "Histology", value=(current.histology or "") if current else "", key=f"{prefix}_hist"
    )
    grade = c7.text_input(
        "Grade", value=(current.grade or "") if current else "", key=f"{prefix}_grade"
    )
    markers = st.text_area(
        "Markers (name: result, separated by ';'), e.g. " + "; ".join(COMMON_MARKERS[:4]),
        value=_markers_text(current.markers) if current else "",
        key=f"{prefix}_markers",
        height=68,
    )
    pathologist = st.text_input(
        "Pathologist",
        value=(current.pathologist or "") if current else "",
        key=f"{prefix}_pathologist",
    )
    report = st.text_area(
        "Report text", value=(current.report_text or "") if current else "", key=f"{prefix}_report"
    )
    return BiopsyInput(
        kind=kind,
        status=status,
        performed_on=performed or None,
        site=site or None,
        level=level or None,
        histology=histology or None,
        grade=grade or None,
        markers=_parse_markers(markers),
        pathologist=pathologist or None,
        report_text=report or None,
    )


def render(db: Database, actor: Actor, case: CaseReadModel) -> None:
    """Render the biopsies, and the add/edit forms for those who may record pathology."""
    st.subheader("Biopsies")
    flash = st.session_state.pop(f"bx{case.id}_flash", None)
    if flash:
        st.success(md_escape(flash))
    biopsies = list_biopsies(db, actor, case.id)
    can_edit = allowed(actor.role, Action.PATHOLOGY_EDIT)
    if not biopsies:
        st.info("No biopsy recorded.")
    else:
        st.dataframe(
            [
                {
                    "Date": fmt_date(b.performed_on),
                    "Type": _KIND_LABELS[b.kind],
                    "Status": b.status.value,
                    "Site": b.site or "",
                    "Level": b.level or "",
                    "Histology": b.histology or "",
                    "Grade": b.grade or "",
                    "Markers": _markers_text(b.markers),
                    "Pathologist": b.pathologist or "",
                }
                for b in biopsies
            ],
            hide_index=True,
        )
    for b in biopsies:
        title = f"Biopsy {fmt_date(b.performed_on) or 'undated'}: {b.status.value}"
        with st.expander(md_escape(title)):
            st.caption(
                md_escape(f"Last change {fmt_datetime(b.updated_at)} by {b.updated_by or ''}")
            )
            st.text(b.report_text or "No report text.")
            if can_edit:
                _edit_form(db, actor, case, b)
    if can_edit:
        with st.expander("Add a biopsy", icon=":material/add:"):
            with st.form(f"biopsy_add_{case.id}"):
                data = _fields(f"bx{case.id}_new", None)
                submitted = st.form_submit_button("Add biopsy", type="primary")
            if submitted:
                with user_errors():
                    add_biopsy(db, actor, case.id, data)
                    for key in [
                        k for k in st.session_state if str(k).startswith(f"bx{case.id}_new_")
                    ]:
                        del st.session_state[key]
                    st.session_state[f"bx{case.id}_flash"] = "Biopsy added."
                    st.rerun()


def _edit_form(db: Database, actor: Actor, case: CaseReadModel, biopsy: BiopsyView) -> None:
    prefix = f"bx{case.id}_{biopsy.id}"
    version_key = f"{prefix}_loaded_version"
    st.session_state.setdefault(version_key, biopsy.version)
    if st.session_state[version_key] != biopsy.version:
        st.warning(
            md_escape(
                f"This biopsy was changed by {biopsy.updated_by or 'another user'} since you "
                "opened it. Reload to start from the current version."
            )
        )
    if st.button("Reload", key=f"{prefix}_reload", icon=":material/refresh:"):
        for key in [k for k in st.session_state if str(k).startswith(prefix + "_")]:
            del st.session_state[key]
        st.rerun()
    with st.form(f"biopsy_edit_{biopsy.id}"):
        data = _fields(prefix, biopsy)
        submitted = st.form_submit_button("Save biopsy")
    if submitted:
        with user_errors():
            saved = update_biopsy(db, actor, biopsy.id, st.session_state[version_key], data)
            st.session_state[version_key] = saved.version
            st.session_state[f"bx{case.id}_flash"] = "Biopsy saved."
            st.rerun()
