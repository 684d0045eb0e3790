"""Plan tab: the consensus plan versions."""

from __future__ import annotations

import streamlit as st

from board.auth.actor import Actor
from board.cases.record import get_case_record
from board.cases.views import CaseDetail
from board.db.engine import Database
from board.ui.widgets import fmt_datetime


def render(db: Database, actor: Actor, case: CaseDetail) -> None:
    """Render the plan versions."""
    st.subheader("Plan versions")
    record = get_case_record(db, actor, case.id)
    if not record.plans:
        st.info("No plan yet: the plan is captured at the board meeting.")
        return
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
