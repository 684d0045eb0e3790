"""Assessments tab: your role's structured form (editable), the others' (read-only), notes."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from board.assessments.forms import LESION_SPECS, RadiologistForm
from board.assessments.service import AssessmentView, list_assessments
from board.auth.actor import Actor
from board.auth.permissions import Action, allowed
from board.auth.roles import Role
from board.cases.read_model import CaseReadModel
from board.cases.service import add_note
from board.cases.specialist_input import save_assessment
from board.db.engine import Database
from board.ui import actions
from board.ui.assessment_widgets import field_widget, lesion_rows, read_only_rows
from board.ui.text import md_escape
from board.ui.widgets import fmt_datetime


def _status(view: AssessmentView) -> str:
    if view.submitted_at:
        return f"submitted {fmt_datetime(view.submitted_at)}"
    if view.started:
        return "started, not submitted"
    return "not started"


_ESCC = next(spec for spec in LESION_SPECS if spec.key == "escc")
_NARROW_SPECS = tuple(spec for spec in LESION_SPECS if spec is not _ESCC)


def _lesion_inputs(prefix: str, form: RadiologistForm, case: CaseReadModel) -> None:
    """One row of selects per lesion, plus one empty row to add a level.

    The levels shown are kept in the session (``{prefix}_levels``) so the save callback
    reads the same rows back (:func:`_lesions_from_state`).
    """
    current = {lesion.level: lesion for lesion in form.lesions}
    levels = list(current) or list(case.levels)
    st.session_state[f"{prefix}_levels"] = levels
    for level in levels:
        lesion = current.get(level)
        st.markdown(f"**Lesion {md_escape(level)}**")
        cols = st.columns(len(_NARROW_SPECS) + 1)
        for col, spec in zip(cols, _NARROW_SPECS, strict=False):
            with col:
                field_widget(
                    spec,
                    getattr(lesion, spec.key) if lesion else None,
                    f"{prefix}_{level}_{spec.key}",
                )
        with cols[-1]:
            st.checkbox("Remove", key=f"{prefix}_{level}_remove")
        # The ESCC choice spans the row: its Bilsky descriptions are read in full.
        field_widget(_ESCC, lesion.escc if lesion else None, f"{prefix}_{level}_{_ESCC.key}")
    st.markdown("**Add a lesion**")
    cols = st.columns(len(_NARROW_SPECS) + 1)
    with cols[0]:
        st.text_input("Level (e.g. T9)", key=f"{prefix}_new_level")
    for col, spec in zip(cols[1:], _NARROW_SPECS, strict=False):
        with col:
            field_widget(spec, None, f"{prefix}_new_{spec.key}")
    field_widget(_ESCC, None, f"{prefix}_new_{_ESCC.key}")


def _lesions_from_state(prefix: str) -> list[dict[str, Any]]:
    """The lesion rows as the radiologist left them (kept rows, then a new level)."""
    state = st.session_state
    rows: list[dict[str, Any]] = []
    for level in state.get(f"{prefix}_levels", []):
        if state.get(f"{prefix}_{level}_remove"):
            continue
        row: dict[str, Any] = {"level": level}
        for spec in LESION_SPECS:
            row[spec.key] = state.get(f"{prefix}_{level}_{spec.key}")
        rows.append(row)
    new_level = str(state.get(f"{prefix}_new_level") or "").strip()
    if new_level:
        new: dict[str, Any] = {"level": new_level}
        for spec in LESION_SPECS:
            new[spec.key] = state.get(f"{prefix}_new_{spec.key}")
        rows.append(new)
    return rows


def _save(db: Database, actor: Actor, case_id: int, view: AssessmentView, submit: bool) -> str:
    """The save callback: the form's values from the session, saved as one version."""
    role = view.role
    prefix = f"as{case_id}_{role.value}"
    version_key = f"{prefix}_loaded_version"
    data: dict[str, Any] = {}
    if isinstance(view.form, RadiologistForm):
        data["lesions"] = _lesions_from_state(prefix)
    for spec in view.form.SPECS:
        data[spec.key] = st.session_state.get(f"{prefix}_{spec.key}")
    saved = save_assessment(
        db, actor, case_id, role, data, st.session_state[version_key], submit=submit
    )
    st.session_state[version_key] = saved.version
    if isinstance(view.form, RadiologistForm):
        # The lesion rows are drawn afresh from the saved form (a new level becomes a row).
        actions.clear_keys(f"{prefix}_new_", *(f"{prefix}_{lv}_" for lv in _levels(prefix)))
    return f"{role.label} form {'submitted' if submit else 'saved'} (version {saved.version})."


def _levels(prefix: str) -> list[str]:
    return list(st.session_state.get(f"{prefix}_levels", []))


def _own_form(db: Database, actor: Actor, case: CaseReadModel, view: AssessmentView) -> None:
    role = view.role
    prefix = f"as{case.id}_{role.value}"
    version_key = f"{prefix}_loaded_version"
    st.session_state.setdefault(version_key, view.version)
    if st.session_state[version_key] != view.version:
        st.warning(
            md_escape(
                f"Your {role.label} form was changed by {view.updated_by or 'another user'} "
                "since you opened it. Reload to start from the current version."
            )
        )
    st.button(
        "Reload",
        key=f"{prefix}_reload",
        icon=":material/refresh:",
        on_click=actions.clear_keys,
        args=(prefix + "_",),
    )
    if view.problem:
        st.warning(md_escape(view.problem))
    form = view.form
    with st.form(f"assessment_{case.id}_{role.value}"):
        st.caption("Any field may stay 'Unknown'. Scores show what is still missing.")
        if isinstance(form, RadiologistForm):
            _lesion_inputs(prefix, form, case)
        columns = st.columns(2)
        for i, spec in enumerate(form.SPECS):
            with columns[i % 2]:
                field_widget(spec, getattr(form, spec.key), f"{prefix}_{spec.key}")
        left, right = st.columns(2)
        for column, label, submit, kind in (
            (left, "Save draft", False, "secondary"),
            (right, "Save and submit for the meeting", True, "primary"),
        ):
            column.form_submit_button(
                label,
                type=kind,  # type: ignore[arg-type]
                on_click=actions.run,
                args=(f"as{case.id}", partial(_save, db, actor, case.id, view, submit)),
            )


def _read_only(view: AssessmentView) -> None:
    if not view.started:
        st.caption("No input yet.")
        return
    if view.problem:
        st.warning(md_escape(view.problem))
    form = view.form
    if isinstance(form, RadiologistForm) and form.lesions:
        st.dataframe(lesion_rows(form.lesions), hide_index=True)
    st.dataframe(read_only_rows(form), hide_index=True)


def render(db: Database, actor: Actor, case: CaseReadModel) -> None:
    """Render the structured forms and the pre-meeting notes."""
    st.subheader("Specialist input")
    actions.show_outcome(f"as{case.id}")
    views = list_assessments(db, actor, case.id)
    st.dataframe(
        [{"Role": v.role.label, "Input": _status(v), "Last saved by": v.updated_by or ""}
         for v in views],
        hide_index=True,
    )  # fmt: skip
    for view in views:
        own = view.role is actor.role and allowed(actor.role, Action.ASSESSMENT_EDIT_OWN)
        title = f"{view.role.label}: {_status(view)}"
        if view.updated_by:
            title += f" (last saved by {view.updated_by}, {fmt_datetime(view.updated_at)})"
        with st.expander(md_escape(title), expanded=own):
            if own:
                _own_form(db, actor, case, view)
            else:
                _read_only(view)
    _notes(db, actor, case)


def _notes(db: Database, actor: Actor, case: CaseReadModel) -> None:
    st.subheader("Pre-meeting notes")
    if not case.notes:
        st.caption("No notes yet.")
    by_role: dict[Role, list[Any]] = {}
    for note in case.notes:
        by_role.setdefault(note.author_role, []).append(note)
    for role, notes in by_role.items():
        st.markdown(f"**{md_escape(role.label)}**")
        for note in notes:
            st.caption(md_escape(f"{note.author_name}, {fmt_datetime(note.created_at)}"))
            st.text(note.body)
    if allowed(actor.role, Action.NOTE_ADD):
        with st.form(f"assessment_note_{case.id}"):
            st.text_area(
                "Add a pre-meeting note (notes cannot be edited or deleted)",
                key=f"as{case.id}_note_body",
            )
            st.form_submit_button(
                "Add note",
                on_click=actions.run,
                args=(
                    f"as{case.id}_note",
                    partial(_add_note, db, actor, case.id, f"as{case.id}_note_body"),
                    (f"as{case.id}_note_body",),
                ),
            )
        actions.show_outcome(f"as{case.id}_note")


def _add_note(db: Database, actor: Actor, case_id: int, key: str) -> str:
    add_note(db, actor, case_id, str(st.session_state.get(key) or ""))
    return "Note added."
