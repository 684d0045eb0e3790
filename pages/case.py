"""Case page, deep-linkable as ?case=ID: summary, attached material and history."""

import streamlit as st

from board.cases.enums import Urgency
from board.cases.record import get_case_history, get_case_record
from board.cases.redflags import TARGET_HOURS
from board.cases.service import add_note, get_case
from board.errors import NotFoundError
from board.ui import context
from board.ui.case_form import edit_case_form
from board.ui.errors import show_error, user_errors
from board.ui.widgets import fmt_date, fmt_datetime, tri_state_label

db = context.database()
actor = context.require_actor()

raw_id = st.query_params.get("case", "")
if not raw_id.isdigit():
    st.title("Case")
    st.info("Open a case from the worklist, or enter its number.")
    typed = st.number_input("Case number", min_value=1, step=1, value=None)
    if typed is not None:
        st.query_params["case"] = str(int(typed))
        st.rerun()
    st.page_link("pages/worklist.py", label="Back to the worklist", icon=":material/list_alt:")
    st.stop()

case_id = int(raw_id)
try:
    case = get_case(db, actor, case_id)
except NotFoundError as exc:
    show_error(exc)
    st.page_link("pages/worklist.py", label="Back to the worklist", icon=":material/list_alt:")
    st.stop()
except Exception as exc:
    show_error(exc)
    st.stop()

st.title(f"Case {case.pseudonym}")
st.caption(
    f"{case.primary_site_label}"
    + (f", {case.histology}" if case.histology else "")
    + f" | levels {', '.join(case.levels)} | status: {case.status.label}"
)
if case.urgency is Urgency.URGENT:
    st.error(
        "URGENT: suspected metastatic spinal cord compression. "
        f"Target: MRI and specialist decision within {TARGET_HOURS} hours. "
        "Reasons: " + "; ".join(case.urgency_reasons),
        icon=":material/emergency:",
    )

tabs = st.tabs(
    ["Summary", "Imaging", "Pathology", "Assessments", "Scores", "Plan", "Report", "History"]
)
summary, imaging, pathology, assessments, scores, plan, report, history = tabs

with summary:
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("Patient and referral")
        st.table(
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
                    "Registered",
                    "Last change",
                ],
                "Value": [
                    case.pseudonym,
                    case.hospital_number or "not given",
                    "" if case.age is None else str(case.age),
                    "" if case.birth_year is None else str(case.birth_year),
                    case.sex.label,
                    case.primary_site_label,
                    case.histology or "unknown",
                    "Yes" if case.known_cancer else "No",
                    ", ".join(case.levels),
                    case.referred_by or "",
                    f"{fmt_datetime(case.created_at)} by {case.created_by or 'system'}",
                    f"{fmt_datetime(case.updated_at)} by {case.updated_by or 'system'}",
                ],
            }
        )
        st.subheader("Referral question")
        st.text(case.referral_question or "None recorded.")
        st.subheader("Presenting symptoms")
        st.table(
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
                    (case.pain_character or "Unknown").capitalize(),
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
        for item in case.readiness.items:
            mark = ":material/check_circle:" if item.done else ":material/pending:"
            st.write(f"{mark} {item.label}" + (f" ({item.detail})" if item.detail else ""))
        st.subheader("Next meeting")
        if case.next_meeting:
            st.write(f"{case.next_meeting.title}, {fmt_datetime(case.next_meeting.starts_at)}")
        else:
            st.write("Not on an upcoming agenda.")
        st.write(f"Open action items: {case.open_action_items}")

    st.subheader("Notes")
    if not case.notes:
        st.caption("No notes yet.")
    for note in case.notes:
        with st.container(border=True):
            st.caption(
                f"{note.author_name} ({note.author_role.label}), {fmt_datetime(note.created_at)}"
            )
            st.text(note.body)
    with st.form("add_note", clear_on_submit=False):
        body = st.text_area("Add a note (notes cannot be edited or deleted)", key="note_body")
        if st.form_submit_button("Add note"):
            with user_errors():
                add_note(db, actor, case.id, body)
                del st.session_state["note_body"]
                st.rerun()

    with st.expander("Edit case details", icon=":material/edit:"):
        updated = edit_case_form(db, actor, case)
        if updated is not None:
            st.success("Saved.")
            st.rerun()

with user_errors():
    record = get_case_record(db, actor, case.id)

    with imaging:
        st.subheader("Imaging studies")
        if record.studies:
            st.dataframe(
                [
                    {
                        "Date": fmt_date(s.study_date),
                        "Modality": s.modality,
                        "Description": s.description or "",
                        "Region": s.body_region or "",
                        "Series": s.series_count,
                        "Source": s.source,
                    }
                    for s in record.studies
                ],
                hide_index=True,
            )
        else:
            st.info("No imaging attached yet.")

    with pathology:
        st.subheader("Biopsies")
        if record.biopsies:
            st.dataframe(
                [
                    {
                        "Date": fmt_date(b.performed_on),
                        "Kind": b.kind,
                        "Status": b.status,
                        "Site": b.site or "",
                        "Histology": b.histology or "",
                    }
                    for b in record.biopsies
                ],
                hide_index=True,
            )
        else:
            st.info("No biopsy recorded.")

    with assessments:
        st.subheader("Specialist input")
        st.dataframe(
            [
                {
                    "Role": line.role.label,
                    "Input": "Submitted " + fmt_datetime(line.submitted_at)
                    if line.submitted_at
                    else ("Started, not submitted" if line.started else "Not started"),
                }
                for line in record.inputs
            ],
            hide_index=True,
        )

    with scores:
        st.subheader("Scores")
        st.info(
            "SINS, ESCC, NOMS, Tokuhashi and Tomita are derived from the specialists' "
            "assessments once they are entered."
        )

    with plan:
        st.subheader("Plan versions")
        if record.plans:
            st.dataframe(
                [
                    {
                        "Version": p.number,
                        "Status": p.status,
                        "Intent": p.intent or "",
                        "Created": fmt_datetime(p.created_at),
                        "Finalized": fmt_datetime(p.finalized_at),
                    }
                    for p in record.plans
                ],
                hide_index=True,
            )
        else:
            st.info("No plan yet: the plan is captured at the board meeting.")

    with report:
        st.subheader("Report")
        st.info("The board report is generated from the finalized plan.")

    with history:
        st.subheader("History")
        events = get_case_history(db, actor, case.id)
        st.dataframe(
            [
                {
                    "When": fmt_datetime(e.occurred_at),
                    "Who": e.actor_name,
                    "Role": e.actor_role or "",
                    "Action": e.action,
                    "Changes": "; ".join(
                        f"{k}: {(e.before or {}).get(k, '')} -> {v}"
                        for k, v in (e.after or {}).items()
                    ),
                    "Detail": e.detail or "",
                }
                for e in events
            ],
            hide_index=True,
        )
