"""Assessments tab: each role's input."""

from __future__ import annotations

import streamlit as st

from board.auth.actor import Actor
from board.cases.record import get_case_record
from board.cases.views import CaseDetail
from board.db.engine import Database
from board.ui.widgets import fmt_datetime


def render(db: Database, actor: Actor, case: CaseDetail) -> None:
    """Render which roles have contributed."""
    st.subheader("Specialist input")
    record = get_case_record(db, actor, case.id)
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
