"""Pathology tab: biopsies and their results."""

from __future__ import annotations

import streamlit as st

from board.auth.actor import Actor
from board.cases.record import get_case_record
from board.cases.views import CaseDetail
from board.db.engine import Database
from board.ui.widgets import fmt_date


def render(db: Database, actor: Actor, case: CaseDetail) -> None:
    """Render the list of biopsies."""
    st.subheader("Biopsies")
    record = get_case_record(db, actor, case.id)
    if not record.biopsies:
        st.info("No biopsy recorded.")
        return
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
