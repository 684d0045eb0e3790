"""Case page, deep-linkable as ?case=ID: summary, attached material and history."""

import streamlit as st

from board.cases.enums import Urgency
from board.cases.redflags import TARGET_HOURS
from board.cases.service import get_case
from board.errors import NotFoundError
from board.ui import actions, context
from board.ui.case_tabs import render_tabs
from board.ui.errors import show_error
from board.ui.text import md_escape

db = context.database()
actor = context.require_actor()
actions.begin_page_run()

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

st.title(f"Case {md_escape(case.pseudonym)}")
st.caption(
    md_escape(
        f"{case.primary_site_label}"
        + (f", {case.histology}" if case.histology else "")
        + f" | levels {', '.join(case.levels)} | status: {case.status.label}"
    )
)
if case.urgency is Urgency.URGENT:
    st.error(
        "URGENT: suspected metastatic spinal cord compression. "
        f"Target: MRI and specialist decision within {TARGET_HOURS} hours. "
        "Reasons: " + md_escape("; ".join(case.urgency_reasons)),
        icon=":material/emergency:",
    )
elif case.urgency is Urgency.WITHIN_A_WEEK:
    st.warning(
        "Within a week: spinal pain suggestive of metastases without neurology. "
        "Target: MRI within 7 days. Reasons: " + md_escape("; ".join(case.urgency_reasons)),
        icon=":material/schedule:",
    )

render_tabs(db, actor, case)
