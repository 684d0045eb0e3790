"""Pathology tab: biopsies and their results; add and edit for those who may record them."""

from __future__ import annotations

import datetime as dt
from functools import partial

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
from board.ui import actions
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


def _fields(prefix: str, current: BiopsyView | None) -> None:
    kinds = list(BiopsyKind)
    statuses = list(BiopsyStatus)
    c1, c2, c3 = st.columns(3)
    c1.selectbox(
        "Biopsy type",
        kinds,
        index=kinds.index(current.kind) if current else 0,
        format_func=lambda k: _KIND_LABELS[k],
        key=f"{prefix}_kind",
    )
    c2.selectbox(
        "Result",
        statuses,
        index=statuses.index(current.status) if current else 0,
        format_func=lambda s: s.value.capitalize(),
        key=f"{prefix}_status",
    )
    c3.date_input("Date", value=current.performed_on if current else None, key=f"{prefix}_date")
    c4, c5 = st.columns(2)
    c4.text_input("Site", value=(current.site or "") if current else "", key=f"{prefix}_site")
    c5.text_input(
        "Vertebral level (if a vertebra)",
        value=(current.level or "") if current else "",
        key=f"{prefix}_level",
    )
    c6, c7 = st.columns([3, 1])
    c6.text_input(
        "Histology", value=(current.histology or "") if current else "", key=f"{prefix}_hist"
    )
    c7.text_input("Grade", value=(current.grade or "") if current else "", key=f"{prefix}_grade")
    st.text_area(
        "Markers (name: result, separated by ';'), e.g. " + "; ".join(COMMON_MARKERS[:4]),
        value=_markers_text(current.markers) if current else "",
        key=f"{prefix}_markers",
        height=68,
    )
    st.text_input(
        "Pathologist",
        value=(current.pathologist or "") if current else "",
        key=f"{prefix}_pathologist",
    )
    st.text_area(
        "Report text", value=(current.report_text or "") if current else "", key=f"{prefix}_report"
    )


def _input_from_state(prefix: str) -> BiopsyInput:
    """The biopsy as the form holds it (read in the submit callback)."""

    def value(name: str) -> object:
        return st.session_state.get(f"{prefix}_{name}")

    def text(name: str) -> str | None:
        return str(value(name) or "").strip() or None

    performed = value("date")
    return BiopsyInput(
        kind=BiopsyKind(str(value("kind") or BiopsyKind.CORE_NEEDLE.value)),
        status=BiopsyStatus(str(value("status") or BiopsyStatus.PENDING.value)),
        performed_on=performed if isinstance(performed, dt.date) else None,
        site=text("site"),
        level=text("level"),
        histology=text("hist"),
        grade=text("grade"),
        markers=_parse_markers(str(value("markers") or "")),
        pathologist=text("pathologist"),
        report_text=text("report"),
    )


def render(db: Database, actor: Actor, case: CaseReadModel) -> None:
    """Render the biopsies, and the add/edit forms for those who may record pathology."""
    st.subheader("Biopsies")
    actions.show_outcome(f"bx{case.id}")
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
        with (
            st.expander("Add a biopsy", icon=":material/add:"),
            st.form(f"biopsy_add_{case.id}"),
        ):
            _fields(f"bx{case.id}_new", None)
            st.form_submit_button(
                "Add biopsy",
                type="primary",
                on_click=actions.run,
                args=(
                    f"bx{case.id}",
                    partial(_add, db, actor, case.id),
                    (f"bx{case.id}_new_",),
                ),
            )


def _add(db: Database, actor: Actor, case_id: int) -> str:
    add_biopsy(db, actor, case_id, _input_from_state(f"bx{case_id}_new"))
    return "Biopsy added."


def _save(db: Database, actor: Actor, case_id: int, biopsy_id: int) -> str:
    prefix = f"bx{case_id}_{biopsy_id}"
    version_key = f"{prefix}_loaded_version"
    saved = update_biopsy(
        db, actor, biopsy_id, st.session_state[version_key], _input_from_state(prefix)
    )
    st.session_state[version_key] = saved.version
    return "Biopsy saved."


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
    st.button(
        "Reload",
        key=f"{prefix}_reload",
        icon=":material/refresh:",
        on_click=actions.clear_keys,
        args=(prefix + "_",),
    )
    with st.form(f"biopsy_edit_{biopsy.id}"):
        _fields(prefix, biopsy)
        st.form_submit_button(
            "Save biopsy",
            on_click=actions.run,
            args=(f"bx{case.id}", partial(_save, db, actor, case.id, biopsy.id)),
        )
