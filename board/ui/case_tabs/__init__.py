"""One module per tab of the case page; each exposes ``render(db, actor, case)``.

Keeping the tabs apart lets each subdomain (imaging, pathology, assessments, scores,
plan, report) own its tab without touching the others.

:func:`render_tabs` draws only the chosen tab (hidden tabs do no work and send nothing
to the browser), keeps the choice in the address (``?tab=Imaging``: it survives a reload
and every action inside the tab), and runs the tab in its own ``st.fragment``: a choice
inside a tab reruns that tab alone, while a saved change reruns the whole page
(:mod:`board.ui.actions`) so the header and readiness are never stale.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from board.auth.actor import Actor
from board.cases.read_model import CaseReadModel
from board.db.engine import Database
from board.ui import actions
from board.ui.case_tabs import (
    assessments,
    follow_up,
    history,
    imaging,
    pathology,
    plan,
    report,
    scores,
    summary,
)
from board.ui.errors import user_errors

Renderer = Callable[[Database, Actor, CaseReadModel], None]

#: (tab label, renderer) in display order.
TABS: tuple[tuple[str, Renderer], ...] = (
    ("Summary", summary.render),
    ("Imaging", imaging.render),
    ("Pathology", pathology.render),
    ("Assessments", assessments.render),
    ("Scores", scores.render),
    ("Plan", plan.render),
    ("Follow-up", follow_up.render),
    ("Report", report.render),
    ("History", history.render),
)

#: Session-state key and query parameter of the chosen tab (``?tab=Scores``).
TAB_KEY = "tab"
LABELS: tuple[str, ...] = tuple(label for label, _ in TABS)


def render_tabs(db: Database, actor: Actor, case: CaseReadModel) -> str:
    """Draw the tab bar and the chosen tab only.

    Parameters
    ----------
    db, actor, case:
        What every tab renders from (the case read model is loaded once per run).

    Returns
    -------
    str
        The label of the tab shown.
    """
    containers = st.tabs(list(LABELS), key=TAB_KEY, bind="query-params")
    shown = LABELS[0]
    for (label, render), container in zip(TABS, containers, strict=True):
        if container.open is False:
            continue
        shown = label
        with container:
            _tab(render, db, actor, case)
    return shown


@st.fragment
def _tab(render: Renderer, db: Database, actor: Actor, case: CaseReadModel) -> None:
    actions.refresh_whole_page()
    with user_errors():
        render(db, actor, case)
