"""Summary tab: patient and referral, symptoms, readiness, notes, edit form."""

from __future__ import annotations

from functools import partial

import streamlit as st

from board.auth.actor import Actor
from board.cases.read_model import CaseReadModel
from board.cases.service import add_note
from board.db.engine import Database
from board.ui import actions
from board.ui.case_form import edit_case_form
from board.ui.text import md_escape
from board.ui.widgets import fmt_date, fmt_datetime, lazy_expander, text_table, tri_state_label

#: Session-state key of the "Add a note" expander (``True`` while open).
NOTE_FORM_KEY = "add_note_open"


def render(db: Database, actor: Actor, case: CaseReadModel) -> None:
    """Render the summary tab.

    Each heading, caption and label is drawn by the browser's markdown renderer, some
    2-4 ms of its main thread apiece when a case is opened; a plain ``st.text`` costs
    next to nothing. So related lines share an element: the referral question is a row
    of the patient table, and the next meeting follows the readiness list. The forms
    (a note, the case details) are built only while their expander is open.
    """
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("Patient and referral")
        text_table(
            {
                "Field": [
                    "Pseudonym",
                    "Hospital number",
                    "Age",
                    "Birth year",
                    "Sex",
                    "Primary cancer",
                    "Histology",
                    "Known cancer",
                    "Levels",
                    "Referred by",
                    "Referral question",
                    "Registered",
                    "Last change",
                ],
                "Value": [
                    md_escape(case.pseudonym),
                    md_escape(case.hospital_number or "not given"),
                    "" if case.age is None else str(case.age),
                    "" if case.birth_year is None else str(case.birth_year),
                    case.sex.label,
                    md_escape(case.primary_site_label),
                    md_escape(case.histology or "unknown"),
                    "Yes" if case.known_cancer else "No",
                    md_escape(", ".join(case.levels)),
                    md_escape(case.referred_by or ""),
                    md_escape(case.referral_question or "None recorded."),
                    md_escape(f"{fmt_datetime(case.created_at)} by {case.created_by or 'system'}"),
                    md_escape(f"{fmt_datetime(case.updated_at)} by {case.updated_by or 'system'}"),
                ],
            }
        )
        st.subheader("Presenting symptoms")
        text_table(
            {
                "Symptom": [
                    "Pain score (0-10)",
                    "Pain character",
                    "New or worsening back pain",
                    "Limb weakness",
                    "Numbness or sensory level",
                    "Reflex change",
                    "Gait disturbance",
                    "Bladder or bowel dysfunction",
                    "Radicular pain",
                    "Onset",
                ],
                "Finding": [
                    "Unknown" if case.pain_score is None else str(case.pain_score),
                    md_escape((case.pain_character or "Unknown").capitalize()),
                    tri_state_label(case.pain_new_or_worse),
                    tri_state_label(case.weakness),
                    tri_state_label(case.numbness),
                    tri_state_label(case.reflex_change),
                    tri_state_label(case.gait_disturbance),
                    tri_state_label(case.bladder_bowel_dysfunction),
                    tri_state_label(case.radicular_pain),
                    fmt_date(case.symptom_onset) or "Unknown",
                ],
            }
        )
    with right:
        st.subheader("Readiness")
        if case.readiness.ready:
            st.success("Ready for discussion: nothing is missing.")
        if case.next_meeting:
            meeting = f"{case.next_meeting.title}, {fmt_datetime(case.next_meeting.starts_at)}"
        else:
            meeting = "not on an upcoming agenda"
        st.text(
            "\n".join(
                [
                    *(
                        f"{'[x]' if item.done else '[ ]'} {item.label}"
                        + (f" ({item.detail})" if item.detail else "")
                        for item in case.readiness.items
                    ),
                    "",
                    f"Next meeting: {meeting}",
                    f"Open action items: {case.open_action_items}",
                ]
            )
        )

    st.subheader("Notes")
    if not case.notes:
        st.caption("No notes yet.")
    for note in case.notes:
        with st.container(border=True):
            st.caption(
                md_escape(
                    f"{note.author_name} ({note.author_role.label}), "
                    f"{fmt_datetime(note.created_at)}"
                )
            )
            st.text(note.body)
    actions.show_outcome("summary_note")
    # The note form is built only while "Add a note" is open: a form with a text area
    # drawn on every case opened cost each deep link 40-100 ms in the browser.
    writer = lazy_expander("Add a note", key=NOTE_FORM_KEY, icon=":material/note_add:")
    if writer is not None:
        with writer, st.form("add_note"):
            st.text_area("Note (notes cannot be edited or deleted)", key="note_body")
            st.form_submit_button(
                "Add note",
                on_click=actions.run,
                args=("summary_note", partial(_add_note, db, actor, case.id), ("note_body",)),
            )

    actions.show_outcome("edit_case")
    editor = lazy_expander("Edit case details", key="edit_case_open", icon=":material/edit:")
    if editor is not None:
        with editor:
            edit_case_form(db, actor, case)


def _add_note(db: Database, actor: Actor, case_id: int) -> str:
    add_note(db, actor, case_id, str(st.session_state.get("note_body") or ""))
    return "Note added."
