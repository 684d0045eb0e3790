"""History tab: the case's audit trail."""

from __future__ import annotations

import streamlit as st

from board.audit.labels import action_label, describe_changes, role_label
from board.auth.actor import Actor
from board.cases.read_model import CaseReadModel
from board.cases.record import get_case_history
from board.db.engine import Database
from board.ui.widgets import fmt_datetime


def render(db: Database, actor: Actor, case: CaseReadModel) -> None:
    """Render the audit trail, newest first."""
    st.subheader("History")
    events = get_case_history(db, actor, case.id)
    st.dataframe(
        [
            {
                "When": fmt_datetime(e.occurred_at),
                "Who": e.actor_name,
                "Role": role_label(e.actor_role),
                "Action": action_label(e.action),
                "Changes": describe_changes(e.before, e.after, e.entity_type),
                "Detail": e.detail or "",
            }
            for e in events
        ],
        hide_index=True,
    )
