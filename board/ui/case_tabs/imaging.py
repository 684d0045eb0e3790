"""Imaging tab: the studies attached to the case."""

from __future__ import annotations

import streamlit as st

from board.auth.actor import Actor
from board.cases.record import get_case_record
from board.cases.views import CaseDetail
from board.db.engine import Database
from board.ui.widgets import fmt_date


def render(db: Database, actor: Actor, case: CaseDetail) -> None:
    """Render the list of imaging studies."""
    st.subheader("Imaging studies")
    record = get_case_record(db, actor, case.id)
    if not record.studies:
        st.info("No imaging attached yet.")
        return
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
