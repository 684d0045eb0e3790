"""Scores tab: SINS, ESCC, NOMS, Tokuhashi, Tomita, performance and neurological status."""

from __future__ import annotations

import streamlit as st

from board.auth.actor import Actor
from board.cases.views import CaseDetail
from board.db.engine import Database


def render(db: Database, actor: Actor, case: CaseDetail) -> None:
    """Render the scores derived from the assessments."""
    st.subheader("Scores")
    st.info(
        "SINS, ESCC, NOMS, Tokuhashi and Tomita are derived from the specialists' "
        "assessments once they are entered."
    )
