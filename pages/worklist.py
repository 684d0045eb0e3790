"""Worklist: every case with urgency, readiness and next meeting; filters; new case."""

import streamlit as st

from board.auth.permissions import Action, allowed
from board.auth.roles import CONTRIBUTING_ROLES
from board.cases.enums import CaseStatus, Urgency
from board.ui import context
from board.ui.case_form import created_case_notice, new_case_form
from board.ui.errors import user_errors
from board.ui.widgets import fmt_datetime
from board.ui.worklist_grid import case_picker, choose_columns, worklist_grid
from board.wording import plural
from board.worklist.csv_export import export_worklist_csv
from board.worklist.service import list_worklist, upcoming_meetings
from board.worklist.views import WorklistFilter


def _go_to_page(number: int) -> None:
    """Paging buttons' callback: the run the click causes shows that page."""
    st.session_state["wl_page"] = number


db = context.database()
actor = context.require_actor()
page_size = context.settings().page_size

st.title("Worklist")
created_case_notice()

with st.expander("New case", icon=":material/add:"):
    new_case_form(db, actor)

OPEN_STATUSES = [s for s in CaseStatus if s is not CaseStatus.CLOSED]
with user_errors():
    meetings = upcoming_meetings(db, actor)
    f1, f2, f3, f4, f5 = st.columns([3, 2, 3, 3, 2])
    statuses = f1.multiselect(
        "Status",
        list(CaseStatus),
        default=OPEN_STATUSES,
        format_func=lambda s: s.label,
        key="wl_status",
    )
    urgency = f2.selectbox(
        "Urgency",
        [None, *Urgency],
        format_func=lambda u: "Any" if u is None else u.label,
        key="wl_urgency",
    )
    meeting_id = f3.selectbox(
        "Meeting",
        [None, *[m.id for m in meetings]],
        format_func=lambda mid: (
            "Any"
            if mid is None
            else next(f"{m.title}, {fmt_datetime(m.starts_at)}" for m in meetings if m.id == mid)
        ),
        key="wl_meeting",
    )
    missing_role = f4.selectbox(
        "Input still missing from",
        [None, *CONTRIBUTING_ROLES],
        format_func=lambda r: "Any role" if r is None else r.label,
        key="wl_role",
    )
    search = f5.text_input("Pseudonym or hospital no.", key="wl_search")
    follow_up_due = st.checkbox(
        "Only cases with a follow-up due this week or overdue",
        key="wl_follow_up_due",
        help="Follow-ups are scheduled from the finalized plan's follow-up items.",
    )
    filters = WorklistFilter(
        statuses=tuple(statuses) or None,
        urgency=urgency,
        meeting_id=meeting_id,
        missing_role=missing_role,
        search=search or None,
        follow_up_due=follow_up_due,
    )
    page_number = int(st.session_state.get("wl_page", 1))
    result = list_worklist(db, actor, filters, page=page_number, page_size=page_size)

    if not result.rows:
        default_view = statuses == OPEN_STATUSES and not any(
            (urgency, meeting_id, missing_role, search, follow_up_due)
        )
        st.info(
            "No cases yet. Use 'New case' above to register the first one."
            if default_view
            else "No cases match these filters."
        )
    else:
        picked = case_picker(result.rows)
        if picked is not None:
            st.switch_page("pages/case.py", query_params={"case": str(picked)})
        chosen = worklist_grid(result.rows, choose_columns())
        if chosen:
            st.switch_page("pages/case.py", query_params={"case": str(result.rows[chosen[0]].id)})

    if allowed(actor.role, Action.EXPORT) and result.total:
        st.download_button(
            "Download worklist (CSV)",
            data=lambda: export_worklist_csv(db, actor, filters).data,
            file_name="worklist.csv",
            mime="text/csv",
            key="wl_csv",
            on_click="ignore",
            help="All cases matching the filters, every page. The export is recorded.",
        )

    p1, p2, p3 = st.columns([1, 2, 1])
    p1.button(
        "Previous page",
        disabled=result.page <= 1,
        key="wl_prev",
        on_click=_go_to_page,
        args=(result.page - 1,),
    )
    p2.caption(f"Page {result.page} of {result.pages} ({plural(result.total, 'case')})")
    p3.button(
        "Next page",
        disabled=result.page >= result.pages,
        key="wl_next",
        on_click=_go_to_page,
        args=(result.page + 1,),
    )
