"""The presenter view's pieces: projector styling, the case on one screen, the plan's status.

Everything the board looks at fits a 1920x1080 projector without scrolling: the case
title, red flags, levels, histology, performance and neurology, every score with its
category, the NOMS suggestion, each specialty's input in full (the form's labels and
words, never stored codes) and the key images (a click enlarges them). The plan is
captured elsewhere (the scribe view); the projector shows its status in a line.

The style sheet is a fixed string written here: no person-supplied text ever goes into
``unsafe_allow_html``. Its rules are scoped to the keyed containers of this module
(``st-key-...`` classes), so the smaller type of the specialist input does not shrink
anything else.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from board.assessments.derive import DerivedScore
from board.cases.enums import Urgency
from board.cases.inputs import clip_words
from board.cases.read_model import CaseReadModel, KeyImage, RoleInput
from board.db.models import utcnow
from board.meetings.enums import AgendaTriage
from board.meetings.views import AgendaRow
from board.plans.catalogue import INTENT_LABELS
from board.plans.enums import PlanStatus
from board.plans.views import PlanBoard
from board.ui.live_clock import live_clock
from board.ui.text import md_escape

#: A note longer than this is cut at a word on the projector (the case page has it all).
NOTE_LENGTH = 220

PRESENTER_CSS = """
<style>
section[data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"] {
  max-width: 100% !important; padding: 0.8rem 1.8rem 0.8rem 1.8rem !important;
}
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.6rem; }
[data-testid="stMarkdownContainer"] p,
[data-testid="stMarkdownContainer"] li { font-size: 1.32rem; line-height: 1.38; }
[data-testid="stCaptionContainer"] p { font-size: 1.08rem; }
[data-testid="stMarkdownContainer"] h1 { font-size: 2.3rem; padding: 0; line-height: 1.2; }
[data-testid="stMarkdownContainer"] h3 { font-size: 1.6rem; padding: 0 0 0.2rem 0; }
[data-testid="stMarkdownContainer"] h4 { font-size: 1.35rem; padding: 0 0 0.1rem 0; }
button[data-testid^="stBaseButton"] { min-height: 3rem; padding: 0.3rem 1.1rem; }
button[data-testid^="stBaseButton"] p { font-size: 1.3rem !important; font-weight: 600; }
[data-testid="stWidgetLabel"] p { font-size: 1.1rem !important; }
[data-testid="stAlertContainer"] { padding: 0.6rem 0.9rem; }
[data-testid="stAlertContainer"] p { font-size: 1.2rem; line-height: 1.32; }
[data-testid="stMain"] [data-baseweb="select"] *,
[data-testid="stMain"] input, [data-testid="stMain"] textarea,
[data-baseweb="popover"] li { font-size: 1.2rem !important; }
[data-testid="stPageLink"] p { font-size: 1.2rem; }
.st-key-pres_scores [data-testid="stMarkdownContainer"] p { font-size: 1.22rem; }
.st-key-pres_inputs [data-testid="stMarkdownContainer"] p { font-size: 1.14rem; line-height: 1.32; }
.st-key-pres_inputs [data-testid="stVerticalBlock"] { gap: 0.5rem; }
.st-key-pres_images [data-testid="stImage"] img { max-height: 190px; object-fit: contain; }
.st-key-pres_images button[data-testid^="stBaseButton"] {
  min-height: 2.2rem; padding: 0.1rem 0.6rem;
}
.st-key-pres_images button[data-testid^="stBaseButton"] p { font-size: 1.05rem !important; }
.st-key-pres_keys { display: none; }
[class*="st-key-pres_viewer_"][class*="_keys"] { display: none; }
</style>
"""


def apply_presenter_style() -> None:
    """Projector layout: no sidebar, compact spacing, legible type (a fixed style sheet)."""
    st.markdown(PRESENTER_CSS, unsafe_allow_html=True)


def render_timer(row: AgendaRow) -> None:
    """The case's discussion time; it ticks in the browser while the timer runs."""
    live_clock(row.discussion_seconds, row.timer_started_at, now=utcnow(), key=f"clock_{row.id}")


def case_title(row: AgendaRow, total: int) -> str:
    """The presenter's title: urgency, pseudonym and place on the agenda (markdown).

    Parameters
    ----------
    row:
        The agenda entry.
    total:
        How many cases the agenda has.

    Returns
    -------
    str
        Markdown with the pseudonym escaped.
    """
    urgent = {
        Urgency.URGENT: ":red[URGENT] ",
        Urgency.WITHIN_A_WEEK: ":orange[WITHIN A WEEK] ",
    }.get(row.urgency, "")
    return f"{urgent}{md_escape(row.pseudonym)} — case {row.position} of {total}"


# ---------------------------------------------------------------------------
# The case
# ---------------------------------------------------------------------------


def _score_line(score: DerivedScore) -> str:
    if score.complete:
        return f"**{score.short_name} {md_escape(score.value)}** — " + md_escape(score.category)
    return f"**{score.short_name}: incomplete** — " + md_escape(score.category)


#: The scores on the presenter, in this order.
SCORE_KEYS = ("sins", "escc", "tokuhashi", "tomita", "nesms")


def score_lines(case: CaseReadModel) -> str:
    """Every score with its category, one line each (markdown).

    Parameters
    ----------
    case:
        The case read model.

    Returns
    -------
    str
        The lines, joined with markdown line breaks.
    """
    return "  \n".join(_score_line(case.scores.get(key)) for key in SCORE_KEYS)


def fact_lines(case: CaseReadModel) -> str:
    """Levels, primary, histology, pain, performance and neurology (markdown lines).

    Parameters
    ----------
    case:
        The case read model.

    Returns
    -------
    str
        ``**Label:** value`` lines with the values escaped.
    """
    lines = [
        ("Levels", ", ".join(case.levels) or "none recorded"),
        ("Primary", case.primary_site_label),
        ("Histology", case.current_histology or "unknown"),
        ("Pain", case.pain),
        ("Performance", case.performance),
        ("Neurology", case.neurology),
    ]
    return "  \n".join(f"**{label}:** " + md_escape(value) for label, value in lines)


def _scores(case: CaseReadModel) -> None:
    with st.container(border=True, key="pres_scores"):
        st.markdown("### Scores")
        st.markdown(score_lines(case))
        noms = case.noms
        if noms is None or not noms.suggestions:
            st.markdown("**NOMS suggestion:** none yet, inputs missing.")
        else:
            st.markdown("**NOMS suggestion:** " + md_escape("; ".join(noms.suggestions)))
        if noms is not None and not noms.complete:
            count = len(noms.missing)
            st.caption(
                md_escape(
                    f"NOMS incomplete: {count} input{'s' if count != 1 else ''} missing: "
                    + "; ".join(noms.missing)
                )
            )
        st.caption("Scores advise; the board decides.")


def role_input_markdown(role_input: RoleInput) -> str:
    """One specialty's input in full: every recorded field labelled, its latest note.

    Parameters
    ----------
    role_input:
        The role's input from the case read model.

    Returns
    -------
    str
        Markdown (values escaped): the role, then ``**Label:** value`` pairs.
    """
    mark = ":material/check_circle:" if role_input.submitted else ":material/pending:"
    state = "" if role_input.submitted else " (draft)"
    parts = [f"{mark} **{role_input.role.label}**{state}"]
    if role_input.fields:
        body = " · ".join(
            f"**{md_escape(field.label)}:** {md_escape(field.value)}" for field in role_input.fields
        )
    else:
        body = "No input yet."
    parts.append(body)
    if role_input.note:
        parts.append("**Note:** " + md_escape(clip_words(role_input.note, NOTE_LENGTH)))
    return "  \n".join(parts)


def _inputs(case: CaseReadModel) -> None:
    with st.container(key="pres_inputs"):
        st.markdown("### Specialist input")
        inputs = list(case.role_inputs)
        # Two columns of roles, balanced by the length of what they say.
        weights = [sum(len(f.label) + len(f.value) for f in r.fields) + 60 for r in inputs]
        half = sum(weights) / 2
        split, running = len(inputs), 0
        for index, weight in enumerate(weights):
            if running + weight / 2 > half:
                split = index
                break
            running += weight
        split = max(1, split)
        left, right = st.columns(2, gap="medium")
        for column, group in ((left, inputs[:split]), (right, inputs[split:])):
            with column:
                for role_input in group:
                    st.markdown(role_input_markdown(role_input))


def _enlarge(image: KeyImage, number: int) -> None:
    """A button that shows the image large (it opens in the browser: no script run)."""
    with st.popover(
        "Enlarge",
        icon=":material/zoom_in:",
        width="stretch",
        help="Show the image large",
        key=f"pres_image_{number}",
    ):
        st.image(image.png, width=760, alt=image.alt or image.caption)
        st.caption(md_escape(image.caption))


def _images(case: CaseReadModel) -> None:
    if not case.images:
        return
    with st.container(key="pres_images"):
        st.markdown("#### Key images")
        columns = st.columns(max(3, len(case.images)), gap="medium")
        for number, (column, image) in enumerate(zip(columns, case.images, strict=False)):
            with column:
                st.image(image.png, width="stretch", alt=image.alt or image.caption)
                st.caption(md_escape(image.caption))
                _enlarge(image, number)


def _problem(case: CaseReadModel, row: AgendaRow, plan_line: str | None) -> None:
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
    st.markdown(fact_lines(case))
    if row.triage is AgendaTriage.LIST_ONLY:
        st.info("Standard of care, list only.", icon=":material/list:")
    if plan_line is not None:
        st.info(md_escape(plan_line), icon=":material/assignment:")


def render_facts(case: CaseReadModel, row: AgendaRow, plan_line: str | None = None) -> None:
    """The case on one projector screen: problem and facts, scores, specialist input.

    Parameters
    ----------
    case:
        The case read model (:func:`board.cases.service.get_case`).
    row:
        The case's agenda entry (triage, re-discussion reason).
    plan_line:
        The plan's status in a line (:func:`plan_status_line`), shown with the facts.
    """
    problem, scores, inputs = st.columns([1.05, 0.85, 2.0], gap="medium")
    with problem:
        _problem(case, row, plan_line)
    with scores:
        _scores(case)
    with inputs:
        _inputs(case)
        _images(case)


# ---------------------------------------------------------------------------
# The plan, read-only
# ---------------------------------------------------------------------------

_STATUS_WORDS = {
    PlanStatus.DRAFT: "draft",
    PlanStatus.FINALIZED: "finalized",
    PlanStatus.SUPERSEDED: "superseded",
}


def plan_status_line(board: PlanBoard, as_of: dt.datetime | None = None) -> str:
    """The plan of the case in one plain line (the projector's plan status).

    Parameters
    ----------
    board:
        The case's plan board (:func:`board.plans.plan_board.get_plan_board`).
    as_of:
        When the plan was read, for a screen that does not follow the plan live (the
        chair's presenter does not poll: its line is as of its last move or click).

    Returns
    -------
    str
        "Plan: not started ..." or the version, status, intent, components and who
        has signed (plain text; escape it for markdown).
    """
    plan = board.current
    head = "Plan" if as_of is None else f"Plan at {as_of:%H:%M} UTC"
    if plan is None:
        return f"{head}: not started (captured in the scribe view)."
    parts = [f"{head}: version {plan.number} ({_STATUS_WORDS[plan.status]})"]
    if plan.intent is not None:
        parts.append(INTENT_LABELS[plan.intent])
    if plan.items:
        parts.append("; ".join(f"{item.component_label}: {item.text}" for item in plan.items))
    else:
        parts.append("no components yet")
    line = ": ".join(parts[:1]) + ": " + ". ".join(parts[1:]) + "."
    if plan.status is PlanStatus.DRAFT:
        signed = board.signatures.signed_roles
        required = board.signatures.required_roles
        missing = board.signatures.missing_roles
        line += f" Signed {len([r for r in required if r in signed])} of {len(required)}"
        to_sign = ", ".join(r.label for r in missing)
        line += f"; to sign: {to_sign}." if missing else "; ready to finalize."
    elif plan.finalized_at is not None and plan.finalized_by:
        line += f" Finalized by {plan.finalized_by}."
    return line


def render_plan_read_only(board: PlanBoard) -> None:
    """The case's current plan for followers: everything on it, nothing to click.

    Parameters
    ----------
    board:
        The case's plan board.
    """
    plan = board.current
    st.markdown("### Consensus plan")
    if plan is None:
        st.info("No plan yet: the scribe captures it during the discussion.")
        return
    st.markdown(
        md_escape(f"Version {plan.number}, {_STATUS_WORDS[plan.status]}")
        + (md_escape(f"; last change by {plan.updated_by}") if plan.updated_by else "")
    )
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown("**Intent:** " + (INTENT_LABELS[plan.intent] if plan.intent else "not set yet"))
        if plan.summary:
            st.markdown("**Summary:** " + md_escape(plan.summary))
        if plan.items:
            st.markdown(
                "\n".join(
                    "- " + md_escape(f"{item.component_label}: {item.text}") for item in plan.items
                )
            )
        else:
            st.caption("No components yet.")
        if plan.deviation_reason:
            st.markdown("**Why the plan departs from NOMS:** " + md_escape(plan.deviation_reason))
        for item in plan.action_items:
            due = item.due_on.isoformat() if item.due_on else "not set"
            st.markdown(
                "**Action:** "
                + md_escape(f"{item.description}: {item.owner}, due {due}")
                + (" (done)" if item.done else "")
            )
        for dissent in plan.dissents:
            st.markdown(
                "**Dissent:** "
                + md_escape(f"{dissent.author_name} ({dissent.author_role.label}): {dissent.text}")
            )
    with right:
        signed = set(board.signatures.signed_roles)
        boxes = {True: ":material/check_box: ", False: ":material/check_box_outline_blank: "}
        st.markdown(
            "**Sign-off**  \n"
            + "  \n".join(
                boxes[role in signed] + role.label for role in board.signatures.required_roles
            )
        )
        if board.departures:
            st.warning(
                md_escape("The plan departs from NOMS: " + " ".join(board.departures)),
                icon=":material/alt_route:",
            )
        for line in board.dose_lines:
            st.caption(md_escape(line))
