"""Report tab: the board report of the finalized plan."""

from __future__ import annotations

import streamlit as st

from board.auth.actor import Actor
from board.cases.views import CaseDetail
from board.db.engine import Database


def render(db: Database, actor: Actor, case: CaseDetail) -> None:
    """Render the report preview and downloads."""
    st.subheader("Report")
    st.info("The board report is generated from the finalized plan.")
