"""Plan tab: the consensus plan, its versions side by side, sign-off and amendments."""

from __future__ import annotations

from functools import partial

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action
from board.cases.enums import CaseStatus
from board.cases.read_model import CaseReadModel
from board.cases.workflow import set_case_status
from board.db.engine import Database
from board.ui.meeting_common import may, on_click, show_flash
from board.ui.meeting_plan import render_plan


def render(db: Database, actor: Actor, case: CaseReadModel) -> None:
    """Render the plan of the case (the same capture screen as the presenter's)."""
    show_flash()
    render_plan(db, actor, case, prefix=f"tab_{case.id}")
    if case.status is CaseStatus.IN_FOLLOW_UP and may(actor, Action.CASE_EDIT):
        st.divider()
        st.button(
            "Close the case",
            key=f"close_case_{case.id}",
            icon=":material/archive:",
            **on_click(
                partial(
                    set_case_status,
                    db,
                    actor,
                    case.id,
                    CaseStatus.CLOSED,
                    expected_version=case.version,
                ),
                "Case closed.",
            ),
        )
