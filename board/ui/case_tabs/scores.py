"""Scores tab: SINS, ESCC, NOMS, Tokuhashi, Tomita, performance and neurological status.

Derived live from the saved assessments, once per page run, in the case read model
(:attr:`board.cases.read_model.CaseReadModel.scores`).
Each score shows its inputs with who supplied them, and its source; an incomplete score
says what is missing and never shows a partial total. Scores advise; the board decides.
"""

from __future__ import annotations

import streamlit as st

from board.assessments.derive import DerivedScore
from board.assessments.scores import list_recorded_scores, record_case_scores
from board.auth.actor import Actor
from board.auth.permissions import Action, allowed
from board.cases.read_model import CaseReadModel
from board.db.engine import Database
from board.ui.errors import user_errors
from board.ui.text import escaped_rows, md_escape
from board.ui.widgets import fmt_datetime, rows_table
from board.wording import plural


def _inputs_table(score: DerivedScore) -> None:
    if not score.inputs:
        return
    rows_table(
        escaped_rows(
            [
                {
                    "Input": item.name,
                    "Finding": item.value,
                    "Points": "" if item.points is None else str(item.points),
                    "Supplied by": item.source or "not yet recorded",
                }
                for item in score.inputs
            ]
        )
    )


def _score(score: DerivedScore) -> None:
    with st.container(border=True):
        st.markdown(f"**{md_escape(score.name)}**")
        if score.complete:
            st.success(md_escape(score.summary))
        else:
            st.warning(md_escape(score.summary))
        _inputs_table(score)
        for note in score.notes:
            st.text(note)
        st.caption(md_escape(f"Source: {score.source}" + (
            f" ({score.algorithm_id})" if score.algorithm_id else "")))  # fmt: skip


def render(db: Database, actor: Actor, case: CaseReadModel) -> None:
    """Render the scores derived from the assessments."""
    st.subheader("Scores")
    st.caption("Derived live from the specialists' assessments. Scores advise; the board decides.")
    scores = case.scores
    st.markdown("**SINS per lesion**")
    if not scores.lesions:
        st.info("No lesion recorded yet.")
    for lesion in scores.lesions:
        result = lesion.sins
        title = f"{lesion.level}: SINS {result.summary()}"
        if result.surgical_consultation_advised:
            title += " (surgical consultation advised)"
        with st.expander(md_escape(title), expanded=False):
            rows_table(
                escaped_rows(
                    [
                        {
                            "Component": c.name,
                            "Finding": c.value,
                            "Points": "" if c.points is None else str(c.points),
                            "Supplied by": c.source or "not yet recorded",
                        }
                        for c in lesion.components
                    ]
                )
            )
            total = "incomplete" if result.total is None else str(result.total)
            st.text(f"Total: {total}" + (f" ({result.category})" if result.category else ""))
            if result.surgical_consultation_advised:
                st.text("SINS 7 or more: surgical consultation advised.")
            escc = lesion.escc.value if lesion.escc else "unknown"
            st.text(f"ESCC grade at {lesion.level}: {escc}")
    for key in ("sins", "escc", "noms", "tokuhashi", "tomita", "nesms", "performance", "neuro"):
        _score(scores.get(key))
    _recorded(db, actor, case)


def _recorded(db: Database, actor: Actor, case: CaseReadModel) -> None:
    st.markdown("**Recorded scores**")
    st.caption(
        "A snapshot stores each score with its algorithm, inputs, author and time; "
        "later changes to the assessments never rewrite it."
    )
    if allowed(actor.role, Action.CASE_EDIT) and st.button(
        "Record these scores", key=f"sc{case.id}_record", icon=":material/save:"
    ):
        with user_errors():
            stored = record_case_scores(db, actor, case.id)
            st.success(f"Recorded {plural(len(stored), 'score')}.")
    rows = list_recorded_scores(db, actor, case.id)
    if not rows:
        st.caption("No snapshot recorded yet.")
        return
    st.dataframe(
        [
            {
                "Recorded": fmt_datetime(r.computed_at),
                "By": r.computed_by or "",
                "Algorithm": r.algorithm_id,
                "Level": r.level or "",
                "Result": r.summary,
            }
            for r in rows
        ],
        hide_index=True,
    )
