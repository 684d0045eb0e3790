"""One module per tab of the case page; each exposes ``render(db, actor, case)``.

Keeping the tabs apart lets each subdomain (imaging, pathology, assessments, scores,
plan, report) own its tab without touching the others.
"""

from __future__ import annotations

from collections.abc import Callable

from board.auth.actor import Actor
from board.cases.read_model import CaseReadModel
from board.db.engine import Database
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
