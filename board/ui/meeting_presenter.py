"""The presenter view's pieces: projector styling, the case's key facts, the case timer.

Large type for a 1920x1080 projector read from the back of the room; the sidebar is
hidden so the case fills the screen. The style sheet is a fixed string written here:
no person-supplied text ever goes into ``unsafe_allow_html``.
"""

from __future__ import annotations

import streamlit as st

from board.assessments.derive import DerivedScore
from board.cases.enums import Urgency
from board.cases.read_model import CaseReadModel
from board.db.models import utcnow
from board.meetings.enums import AgendaTriage
from board.meetings.views import AgendaRow
from board.ui.live_clock import live_clock
from board.ui.text import md_escape

PRESENTER_CSS = """
<style>
section[data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"] {
  max-width: 100% !important; padding: 1.2rem 2.2rem 3rem 2.2rem !important;
}
[data-testid="stMarkdownContainer"] p,
[data-testid="stMarkdownContainer"] li { font-size: 1.45rem; line-height: 1.4; }
[data-testid="stCaptionContainer"] p { font-size: 1.15rem; }
[data-testid="stText"] div, [data-testid="stText"] { font-size: 1.25rem; }
[data-testid="stMarkdownContainer"] h1 { font-size: 3.1rem; padding: 0 0 0.2rem 0; }
[data-testid="stMarkdownContainer"] h2 { font-size: 2.4rem; }
[data-testid="stMarkdownContainer"] h3 { font-size: 1.9rem; }
[data-testid="stMarkdownContainer"] h4 { font-size: 1.6rem; }
[data-testid="stMarkdownContainer"] h5 { font-size: 1.4rem; }
button[data-testid^="stBaseButton"] { min-height: 3.6rem; padding: 0.4rem 1.4rem; }
button[data-testid^="stBaseButton"] p { font-size: 1.45rem !important; font-weight: 600; }
[data-testid="stWidgetLabel"] p { font-size: 1.2rem !important; }
[data-testid="stAlertContainer"] p { font-size: 1.35rem; }
[data-testid="stMain"] [data-baseweb="select"] *,
[data-testid="stMain"] input, [data-testid="stMain"] textarea,
[data-baseweb="popover"] li { font-size: 1.25rem !important; }
[data-testid="stPageLink"] p { font-size: 1.4rem; }
</style>
"""


def apply_presenter_style() -> None:
    """Large type, no sidebar: the projector layout (a fixed style sheet)."""
    st.markdown(PRESENTER_CSS, unsafe_allow_html=True)


def render_timer(row: AgendaRow) -> None:
    """The case's discussion time; it ticks in the browser while the timer runs."""
    live_clock(row.discussion_seconds, row.timer_started_at, now=utcnow(), key=f"clock_{row.id}")


def _score(score: DerivedScore) -> None:
    with st.container(border=True):
        if score.complete:
            st.markdown(f"#### {score.short_name} {md_escape(score.value)}")
            st.markdown(md_escape(score.category))
        else:
            st.markdown(f"#### {score.short_name}: incomplete")
            st.caption(md_escape(score.category))


def _noms(case: CaseReadModel) -> None:
    noms = case.noms
    with st.container(border=True):
        st.markdown("#### NOMS suggestion")
        if noms is None or not noms.suggestions:
            st.caption("No suggestion yet: inputs missing.")
        else:
            st.markdown(md_escape("; ".join(noms.suggestions)))
        if noms is not None and not noms.complete:
            count = len(noms.missing)
            st.caption(
                md_escape(
                    f"Incomplete: {count} input{'s' if count != 1 else ''} missing "
                    "(details beside the plan)."
                )
            )


def render_facts(case: CaseReadModel, row: AgendaRow) -> None:
    """The key facts of the case in three large columns.

    Parameters
    ----------
    case:
        The case read model (:func:`board.cases.service.get_case`).
    row:
        The case's agenda entry (triage).
    """
    problem, scores, inputs = st.columns([1.15, 1, 1.15], gap="large")
    with problem:
        st.markdown("### Presenting problem")
        st.markdown(md_escape(case.referral_question or "No referral question recorded."))
        if row.rediscussion_reason:
            st.warning(
                md_escape(f"Back from follow-up for re-discussion: {row.rediscussion_reason}"),
                icon=":material/replay:",
            )
        if case.urgent:
            st.error(
                md_escape("Red flags: " + "; ".join(case.urgency_reasons or ("urgent",))),
                icon=":material/emergency:",
            )
        elif case.urgency is Urgency.WITHIN_A_WEEK:
            st.warning(
                md_escape("MRI within a week: " + "; ".join(case.urgency_reasons or ())),
                icon=":material/schedule:",
            )
        elif case.symptoms:
            st.warning(md_escape("Symptoms: " + "; ".join(case.symptoms)))
        lines = [
            ("Levels", ", ".join(case.levels) or "none recorded"),
            ("Primary", case.primary_site_label),
            ("Histology", case.current_histology or "unknown"),
            ("Pain", case.pain),
            ("Performance", case.performance),
            ("Neurology", case.neurology),
        ]
        for label, value in lines:
            st.markdown(f"**{label}:** " + md_escape(value))
        if row.triage is AgendaTriage.LIST_ONLY:
            st.info("Standard of care, list only.", icon=":material/list:")
    with scores:
        st.markdown("### Scores")
        for key in ("sins", "escc", "tokuhashi", "tomita", "nesms"):
            _score(case.scores.get(key))
        _noms(case)
        st.caption("Scores advise; the board decides.")
    with inputs:
        st.markdown("### Specialist input")
        for role_input in case.role_inputs:
            mark = ":material/check_circle:" if role_input.submitted else ":material/pending:"
            st.markdown(f"{mark} **{role_input.role.label}:** " + md_escape(role_input.summary))
        if case.images:
            st.markdown("### Key images")
            columns = st.columns(len(case.images))
            for column, image in zip(columns, case.images, strict=True):
                with column:
                    st.image(image.png, width="stretch")
                    st.caption(md_escape(image.caption))
