"""The consensus plan screen: capture, NOMS beside it, safety prompts, sign-off, versions.

Used by the presenter view (live, at the meeting) and by the case page's Plan tab.
Person-supplied text is shown escaped (``md_escape``) or with ``st.text``.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action
from board.auth.roles import Role
from board.cases.enums import CaseStatus
from board.cases.read_model import CaseReadModel
from board.cases.workflow import set_case_status
from board.db.engine import Database
from board.errors import ValidationError
from board.meetings.service import people
from board.plans.action_items import add_action_item, complete_action_item
from board.plans.catalogue import COMPONENT_LABELS, INTENT_LABELS, describe_item
from board.plans.comparison import compare_versions
from board.plans.dissent import add_dissent
from board.plans.drafting import (
    acknowledge_prompt,
    add_plan_item,
    apply_noms_suggestion,
    remove_plan_item,
    start_plan,
    update_plan_header,
)
from board.plans.enums import PlanIntent, PlanStatus
from board.plans.lifecycle import amend_plan, finalize_plan, sign_plan
from board.plans.plan_board import get_plan_board
from board.plans.rules import warning_key
from board.plans.starters import noms_start
from board.plans.templates import apply_template, list_templates
from board.plans.views import (
    ActionItemInput,
    PlanBoard,
    PlanHeaderInput,
    PlanVersionView,
)
from board.reports.service import ReportFormat
from board.scoring.safety import Severity
from board.ui.downloads import report_bytes
from board.ui.meeting_common import may, on_click, on_click_message, when
from board.ui.plan_components import component_picker, picked_item
from board.ui.text import md_escape

STATUS_LABELS = {
    PlanStatus.DRAFT: "draft",
    PlanStatus.FINALIZED: "finalized (read-only)",
    PlanStatus.SUPERSEDED: "superseded by an amendment",
}


def render_plan(
    db: Database,
    actor: Actor,
    case: CaseReadModel,
    *,
    prefix: str,
    meeting_id: int | None = None,
    show_versions: bool = True,
    show_case_moves: bool = True,
) -> PlanBoard:
    """Render the whole plan area of a case.

    Parameters
    ----------
    db:
        The database.
    actor:
        The signed-in user.
    case:
        The case read model the page loaded for this run (not read again).
    prefix:
        Prefix of the widget keys (the presenter and the case tab differ).
    meeting_id:
        The meeting the screen belongs to (the presenter's), if any.
    show_versions:
        Whether to show the version list and comparison.
    show_case_moves:
        Whether to offer moving the case on (to follow-up) once the plan is final.

    Returns
    -------
    PlanBoard
        What was shown.
    """
    board = get_plan_board(db, actor, case.id, case=case)
    plan = board.current
    left, right = st.columns([3, 2], gap="large")
    with right:
        _noms_panel(board)
        if plan is not None:
            _safety_panel(db, actor, board, plan, prefix)
            _signoff_panel(db, actor, board, plan, prefix)
    with left:
        if plan is None:
            _start_panel(db, actor, board, prefix, meeting_id)
        elif plan.editable:
            _editor(db, actor, board, plan, prefix)
        else:
            _read_only(plan)
            _amend_panel(db, actor, board, plan, prefix, meeting_id, show_case_moves)
        if plan is not None:
            _action_items(db, actor, plan, prefix)
            _dissent(db, actor, plan, prefix)
    if show_versions and len(board.versions) > 1:
        _versions(db, actor, board, prefix)
    return board


# ---------------------------------------------------------------------------
# Right column: NOMS, safety, sign-off
# ---------------------------------------------------------------------------


def _noms_panel(board: PlanBoard) -> None:
    with st.container(border=True):
        st.markdown("#### NOMS suggestion")
        st.caption("Decision support (Laufer 2013), not a decision: the board decides.")
        plan = board.current
        snapshot = plan.noms_suggestion if plan is not None and not plan.editable else None
        if snapshot:
            result = snapshot.get("result", {})
            suggestions = list(result.get("suggestions", []))
            missing = list(result.get("missing", []))
            reasoning = list(result.get("reasoning", []))
            st.caption(f"As recorded when version {plan.number} was finalized.")  # type: ignore[union-attr]
        elif board.case.noms is not None:
            suggestions = list(board.case.noms.suggestions)
            missing = list(board.case.noms.missing)
            reasoning = list(board.case.noms.reasoning)
        else:
            suggestions, missing, reasoning = [], ["the inputs"], []
        if suggestions:
            for line in suggestions:
                st.markdown("- " + md_escape(line))
        else:
            st.markdown("No suggestion yet.")
        if missing:
            st.caption(md_escape("Incomplete: missing " + "; ".join(missing) + "."))
        if reasoning:
            with st.expander("Reasoning (N, O, M, S)"):
                for line in reasoning:
                    st.markdown("- " + md_escape(line))
        if board.departures:
            st.warning(
                md_escape("The plan departs from NOMS: " + " ".join(board.departures)),
                icon=":material/alt_route:",
            )


def _safety_panel(
    db: Database, actor: Actor, board: PlanBoard, plan: PlanVersionView, prefix: str
) -> None:
    if board.dose_lines:
        st.markdown("#### Radiation dose (BED and EQD2)")
        for line in board.dose_lines:
            st.markdown("- " + md_escape(line))
    if not board.prompts:
        return
    st.markdown("#### Safety prompts")
    acknowledged = set(plan.acknowledged)
    for prompt in board.prompts:
        key = warning_key(prompt)
        done = key in acknowledged
        text = md_escape(
            f"{prompt.text} (Source: {prompt.source})" + (" (acknowledged)" if done else "")
        )
        if prompt.severity is Severity.WARNING:
            st.warning(text, icon=":material/warning:")
        else:
            st.info(text, icon=":material/help:")
        if plan.editable and not done and may(actor, Action.PLAN_EDIT):
            st.button(
                f"Acknowledge: {prompt.item.label}",
                key=f"{prefix}_ack_{plan.id}_{key}",
                icon=":material/task_alt:",
                **on_click(
                    partial(acknowledge_prompt, db, actor, plan.id, plan.version, key),
                    "Safety prompt acknowledged.",
                ),
            )


def _stored_report_pdf(db: Database, actor: Actor, case_id: int) -> bytes:
    """The board report PDF stored at finalization (built on the click, audited)."""
    return report_bytes(db, actor, case_id, ReportFormat.PDF)


def _signoff_panel(
    db: Database, actor: Actor, board: PlanBoard, plan: PlanVersionView, prefix: str
) -> None:
    st.markdown("#### Sign-off")
    signed = set(board.signatures.signed_roles)
    st.markdown(
        "  \n".join(
            (":material/check_box: " if role in signed else ":material/check_box_outline_blank: ")
            + role.label
            + (" (signed)" if role in signed else " (to sign)")
            for role in board.signatures.required_roles
        )
    )
    current = [s for s in plan.sign_offs if s.current]
    stale = [s for s in plan.sign_offs if not s.current]
    if current:
        st.markdown(
            "**Signed:**  \n"
            + "  \n".join(
                md_escape(f"{s.name} ({s.role.label}), {when(s.signed_at)}") for s in current
            )
        )
    if stale and plan.editable:
        st.caption(
            md_escape(
                "Signatures given before the last change no longer count: "
                + ", ".join(s.name for s in stale)
            )
        )
    if board.chair_name:
        st.caption(md_escape(f"Chair: {board.chair_name} finalizes."))
    if not plan.editable:
        if plan.finalized_at:
            st.success(
                md_escape(f"Finalized by {plan.finalized_by} at {when(plan.finalized_at)}."),
                icon=":material/verified:",
            )
            if may(actor, Action.EXPORT):
                # The report stored at finalization, built on click (audited).
                st.download_button(
                    "Download the board report (PDF)",
                    data=lambda: _stored_report_pdf(db, actor, plan.case_id),
                    file_name=f"board-report-plan-v{plan.number}.pdf",
                    mime="application/pdf",
                    key=f"{prefix}_report_{plan.id}",
                    on_click="ignore",
                    icon=":material/picture_as_pdf:",
                )
        return
    if board.blockers:
        st.info(md_escape(" ".join(board.blockers)), icon=":material/pending_actions:")
    already = any(s.user_id == actor.user_id for s in current)
    if may(actor, Action.PLAN_SIGN):
        if already:
            st.caption("You have signed this version.")
        else:
            st.button(
                f"Sign plan as {actor.role.label}",
                key=f"{prefix}_sign_{plan.id}",
                type="primary",
                icon=":material/draw:",
                disabled=bool(board.blockers),
                width="stretch",
                **on_click(partial(sign_plan, db, actor, plan.id, plan.version), "Plan signed."),
            )
    is_chair = board.chair_id is not None and board.chair_id == actor.user_id
    may_finalize = may(actor, Action.PLAN_FINALIZE) and (
        is_chair or (board.chair_id is None and already)
    )
    if may_finalize:
        ready = board.signatures.complete and not board.blockers
        if not board.signatures.complete:
            st.caption(
                md_escape(
                    "Finalize once these roles have signed: "
                    + ", ".join(r.label for r in board.signatures.missing_roles)
                )
            )
        st.button(
            "Finalize plan",
            key=f"{prefix}_finalize_{plan.id}",
            type="primary",
            icon=":material/lock:",
            disabled=not ready,
            width="stretch",
            **on_click(
                # the report and letter files are rendered after the commit, off the click
                partial(finalize_plan, db, actor, plan.id, plan.version, files_in_background=True),
                "Plan finalized: it is now read-only.",
            ),
        )


# ---------------------------------------------------------------------------
# Left column: start, edit, read-only, amend
# ---------------------------------------------------------------------------


def _start_panel(
    db: Database, actor: Actor, board: PlanBoard, prefix: str, meeting_id: int | None
) -> None:
    st.markdown("#### Consensus plan")
    status = board.case_status
    if status is CaseStatus.PREPARING:
        st.info(
            "This case is still being prepared: mark it ready for discussion before the "
            "board captures its plan.",
            icon=":material/hourglass_top:",
        )
        if may(actor, Action.CASE_EDIT):
            reason_key = f"{prefix}_ready_reason_{board.case_id}"
            st.text_input(
                "Reason (needed while input is missing, e.g. urgent case)", key=reason_key
            )
            st.button(
                "Mark ready for discussion",
                key=f"{prefix}_ready_{board.case_id}",
                icon=":material/done_all:",
                **on_click(
                    lambda: set_case_status(
                        db,
                        actor,
                        board.case_id,
                        CaseStatus.READY,
                        expected_version=board.case_version,
                        reason=st.session_state.get(reason_key, ""),
                    ),
                    "Case marked ready for discussion.",
                ),
            )
        return
    st.info("No plan yet: the plan is captured at the board meeting.", icon=":material/groups:")
    if may(actor, Action.PLAN_EDIT) and status in (CaseStatus.READY, CaseStatus.DISCUSSED):
        st.button(
            "Start the plan",
            key=f"{prefix}_start_{board.case_id}",
            type="primary",
            icon=":material/edit_note:",
            **on_click(
                partial(start_plan, db, actor, board.case_id, meeting_id),
                "Plan started: the case is now discussed.",
            ),
        )


def _header_line(plan: PlanVersionView, board: PlanBoard) -> None:
    st.markdown(f"#### Consensus plan, version {plan.number}: {STATUS_LABELS[plan.status]}")
    parts = []
    if board.meeting_title and plan.meeting_id:
        parts.append(f"Meeting: {board.meeting_title}")
    if plan.updated_by:
        parts.append(f"last change by {plan.updated_by}, {when(plan.updated_at)}")
    if parts:
        st.caption(md_escape("; ".join(parts)))
    if plan.amendment_reason:
        st.caption(md_escape(f"Amendment of version {plan.number - 1}: {plan.amendment_reason}"))


def _editor(
    db: Database, actor: Actor, board: PlanBoard, plan: PlanVersionView, prefix: str
) -> None:
    _header_line(plan, board)
    editable = may(actor, Action.PLAN_EDIT)
    key = f"{prefix}_{plan.id}_{plan.version}"
    intents = list(PlanIntent)
    with st.form(f"{key}_header", border=True):
        st.radio(
            "Intent",
            intents,
            index=intents.index(plan.intent) if plan.intent else None,
            format_func=lambda i: INTENT_LABELS[i],
            horizontal=True,
            key=f"{key}_intent",
            disabled=not editable,
        )
        st.text_area(
            "Summary of the consensus", value=plan.summary, key=f"{key}_summary", height=90
        )
        st.text_area(
            "Why the plan departs from the NOMS suggestion"
            + (" (required)" if board.departures else " (only if it does)"),
            value=plan.deviation_reason or "",
            key=f"{key}_reason",
            height=70,
        )
        st.form_submit_button(
            "Save intent and summary",
            disabled=not editable,
            **on_click(
                lambda: update_plan_header(
                    db,
                    actor,
                    plan.id,
                    plan.version,
                    PlanHeaderInput(
                        st.session_state.get(f"{key}_intent"),
                        st.session_state.get(f"{key}_summary", ""),
                        st.session_state.get(f"{key}_reason", ""),
                    ),
                ),
                "Plan saved.",
            ),
        )

    st.markdown("##### Components")
    if not plan.items:
        st.caption("No components yet: add them below.")
    for item in plan.items:
        row, button = st.columns([4, 1.2], vertical_alignment="center")
        row.markdown(md_escape(f"{item.component_label}: {item.text}"))
        if editable:
            button.button(
                "Remove",
                key=f"{key}_remove_{item.id}",
                icon=":material/delete:",
                **on_click(
                    partial(remove_plan_item, db, actor, plan.id, plan.version, item.id),
                    "Component removed.",
                ),
            )
    if editable:
        _quick_start(db, actor, board, plan, prefix)
        _add_component(db, actor, plan, prefix)


def _add_component(db: Database, actor: Actor, plan: PlanVersionView, prefix: str) -> None:
    counter_key = f"{prefix}_add_counter_{plan.id}"
    n = st.session_state.get(counter_key, 0)
    base = f"{prefix}_add_{plan.id}_{n}"
    with st.container(border=True):
        st.markdown("##### Add a component")
        component_picker(base)
        st.button(
            "Add to plan",
            key=f"{base}_submit",
            type="primary",
            icon=":material/add:",
            **on_click_message(
                partial(_add_picked, db, actor, plan.id, plan.version, base, counter_key)
            ),
        )


def _add_picked(
    db: Database, actor: Actor, plan_id: int, version: int, base: str, counter_key: str
) -> str:
    """Add the picked component (a click's callback); an empty picker follows."""
    item = picked_item(base)
    add_plan_item(db, actor, plan_id, version, item)
    st.session_state[counter_key] = st.session_state.get(counter_key, 0) + 1
    return f"{COMPONENT_LABELS[item.component]} added."


def _apply_template(db: Database, actor: Actor, plan_id: int, version: int, key: str) -> str:
    """Apply the chosen template (a click's callback)."""
    template_id = st.session_state.get(key)
    if template_id is None:
        raise ValidationError("Choose a template first.", field="template")
    applied = apply_template(db, actor, plan_id, version, int(template_id))
    return f"Template applied: the plan now has {len(applied.items)} components (still editable)."


def _quick_start(
    db: Database, actor: Actor, board: PlanBoard, plan: PlanVersionView, prefix: str
) -> None:
    """Templates and the NOMS suggestion: components in one click (still editable)."""
    templates = {t.id: t for t in list_templates(db, actor)}
    present = {(i.component, i.option) for i in plan.items}
    from_noms = [i for i in noms_start(board.case.noms) if (i.component, i.option) not in present]
    with st.container(border=True):
        st.markdown("##### Quick start")
        left, right = st.columns(2)
        with left:
            key = f"{prefix}_template_{plan.id}"
            chosen = st.selectbox(
                "Template",
                list(templates),
                index=None,
                format_func=lambda i: templates[i].name,
                placeholder="Choose a template",
                key=key,
                help="A template adds all its components in one click; edit them afterwards "
                "like any other. Administrators keep the list on the Admin page.",
            )
            if chosen in templates:
                st.caption(md_escape("Adds: " + templates[chosen].summary))
            st.button(
                "Apply template",
                key=f"{prefix}_apply_template_{plan.id}",
                icon=":material/playlist_add:",
                disabled=not templates,
                **on_click_message(partial(_apply_template, db, actor, plan.id, plan.version, key)),
            )
        with right:
            if from_noms and board.departures:
                st.caption(
                    md_escape(
                        "Adds what NOMS suggests: "
                        + "; ".join(
                            f"{COMPONENT_LABELS[i.component]}: "
                            + describe_item(i.component, i.option, i.details)
                            for i in from_noms
                        )
                    )
                )
            elif board.case.noms is not None and not board.departures and board.case.noms.grid:
                st.caption("The plan follows the NOMS suggestion.")
            else:
                st.caption("NOMS has no suggestion to start from yet.")
            st.button(
                "Start from the NOMS suggestion",
                key=f"{prefix}_noms_start_{plan.id}",
                icon=":material/alt_route:",
                disabled=not (from_noms and board.departures),
                **on_click(
                    partial(apply_noms_suggestion, db, actor, plan.id, plan.version),
                    "The components NOMS suggests are on the plan (still editable).",
                ),
            )


def _read_only(plan: PlanVersionView) -> None:
    st.markdown(f"#### Consensus plan, version {plan.number}: {STATUS_LABELS[plan.status]}")
    if plan.amendment_reason:
        st.caption(md_escape(f"Amendment of version {plan.number - 1}: {plan.amendment_reason}"))
    st.markdown("**Intent:** " + (INTENT_LABELS[plan.intent] if plan.intent else "not set"))
    if plan.summary:
        st.markdown("**Summary**")
        st.markdown(md_escape(plan.summary))
    st.markdown("**Components**")
    for item in plan.items:
        st.markdown("- " + md_escape(f"{item.component_label}: {item.text}"))
    if plan.deviation_reason:
        st.markdown("**Why the plan departs from NOMS**")
        st.markdown(md_escape(plan.deviation_reason))


def _amend_panel(
    db: Database,
    actor: Actor,
    board: PlanBoard,
    plan: PlanVersionView,
    prefix: str,
    meeting_id: int | None,
    show_case_moves: bool,
) -> None:
    latest = board.versions[-1]
    if plan.status is not PlanStatus.FINALIZED or latest.id != plan.id:
        return
    if may(actor, Action.PLAN_AMEND):
        with (
            st.expander("Amend the plan (creates a new version)", icon=":material/edit:"),
            st.form(f"{prefix}_amend_{plan.id}"),
        ):
            reason_key = f"{prefix}_amend_reason"
            st.text_area("Reason for the amendment *", key=reason_key)
            st.form_submit_button(
                "Create amendment",
                **on_click(
                    lambda: amend_plan(
                        db, actor, plan.id, st.session_state.get(reason_key, ""), meeting_id
                    ),
                    f"Version {plan.number + 1} created as a draft amendment.",
                ),
            )
    if (
        show_case_moves
        and board.case_status is CaseStatus.PLAN_FINALIZED
        and may(actor, Action.CASE_EDIT)
    ):
        st.button(
            "Move the case to follow-up",
            key=f"{prefix}_followup_{board.case_id}",
            icon=":material/event_repeat:",
            **on_click(
                partial(
                    set_case_status,
                    db,
                    actor,
                    board.case_id,
                    CaseStatus.IN_FOLLOW_UP,
                    expected_version=board.case_version,
                ),
                "Case moved to follow-up.",
            ),
        )


# ---------------------------------------------------------------------------
# Action items and dissent
# ---------------------------------------------------------------------------


def _owner_options(db: Database, actor: Actor) -> tuple[list[str], dict[str, str]]:
    labels: dict[str, str] = {}
    for role in Role:
        if role is not Role.ADMIN:
            labels[f"role:{role.value}"] = f"Role: {role.label}"
    for person in people(db, actor):
        labels[f"user:{person.id}"] = f"Person: {person.name} ({person.role.label})"
    return list(labels), labels


def _action_items(db: Database, actor: Actor, plan: PlanVersionView, prefix: str) -> None:
    st.markdown("##### Action items")
    if not plan.action_items:
        st.caption("No action items.")
    editable = may(actor, Action.PLAN_EDIT)
    for item in plan.action_items:
        text, button = st.columns([4, 1.2], vertical_alignment="center")
        status = f"done {when(item.done_at)}" if item.done else "open"
        text.markdown(
            md_escape(
                f"{item.description}: {item.owner}, due "
                f"{item.due_on.isoformat() if item.due_on else 'not set'} ({status})"
            )
        )
        if editable and not item.done:
            button.button(
                "Done",
                key=f"{prefix}_done_{item.id}",
                icon=":material/check:",
                **on_click(
                    partial(complete_action_item, db, actor, item.id, item.version),
                    "Action item done.",
                ),
            )
    if not (editable and plan.editable):
        return
    keys, labels = _owner_options(db, actor)
    base = f"{prefix}_action_{plan.id}_"
    with st.form(f"{prefix}_action_{plan.id}", border=True):
        st.markdown("Add an action item")
        st.text_input("Action *", key=base + "text")
        c1, c2 = st.columns(2)
        c1.selectbox(
            "Owner (role or person) *",
            keys,
            index=None,
            format_func=lambda k: labels[k],
            placeholder="Choose",
            key=base + "owner",
        )
        c2.date_input("Due date *", value=dt.date.today() + dt.timedelta(days=7), key=base + "due")
        st.form_submit_button(
            "Add action item",
            icon=":material/add_task:",
            **on_click(
                partial(_add_action_item, db, actor, plan.id, base),
                "Action item added: it shows on the worklist until done.",
                clear=(base,),
            ),
        )


def _add_action_item(db: Database, actor: Actor, plan_id: int, base: str) -> None:
    """Add the action item typed in the form (a click's callback)."""
    owner = st.session_state.get(base + "owner")
    kind, _, value = str(owner or "").partition(":")
    due = st.session_state.get(base + "due")
    if not isinstance(due, dt.date):
        raise ValidationError("Choose the due date of the action item.", field="due_on")
    add_action_item(
        db,
        actor,
        plan_id,
        ActionItemInput(
            st.session_state.get(base + "text", ""),
            due,
            Role(value) if kind == "role" else None,
            int(value) if kind == "user" else None,
        ),
    )


def _dissent(db: Database, actor: Actor, plan: PlanVersionView, prefix: str) -> None:
    st.markdown("##### Dissent")
    if not plan.dissents:
        st.caption("No dissent recorded.")
    for dissent in plan.dissents:
        earlier = (
            f", on version {dissent.plan_number}"
            if dissent.plan_number is not None and dissent.plan_number != plan.number
            else ""
        )
        st.markdown(
            md_escape(
                f"{dissent.author_name} ({dissent.author_role.label}), "
                f"{when(dissent.created_at)}{earlier}: {dissent.text}"
            )
        )
    if plan.editable and may(actor, Action.PLAN_SIGN):
        with st.form(f"{prefix}_dissent_{plan.id}"):
            text_key = f"{prefix}_dissent_text"
            st.text_area(md_escape(f"Record your dissent ({actor.display_name})"), key=text_key)
            st.form_submit_button(
                "Record dissent",
                icon=":material/record_voice_over:",
                **on_click(
                    lambda: add_dissent(db, actor, plan.id, st.session_state.get(text_key, "")),
                    "Dissent recorded.",
                    clear=(text_key,),
                ),
            )


# ---------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------


def _versions(db: Database, actor: Actor, board: PlanBoard, prefix: str) -> None:
    st.markdown("#### Versions")
    st.dataframe(
        [
            {
                "Version": v.number,
                "Status": STATUS_LABELS[v.status],
                "Intent": INTENT_LABELS[v.intent] if v.intent else "",
                "Amendment reason": v.amendment_reason or "",
                "Created": when(v.created_at),
                "Finalized": when(v.finalized_at),
            }
            for v in board.versions
        ],
        hide_index=True,
    )
    numbers = [v.number for v in board.versions]
    c1, c2 = st.columns(2)
    left = c1.selectbox(
        "Compare version", numbers, index=len(numbers) - 2, key=f"{prefix}_cmp_left"
    )
    right = c2.selectbox("with version", numbers, index=len(numbers) - 1, key=f"{prefix}_cmp_right")
    comparison = compare_versions(db, actor, board.case_id, left, right)
    st.dataframe(
        [
            {
                "": row.label,
                f"Version {comparison.left_number}": row.left,
                f"Version {comparison.right_number}": row.right,
                "Changed": "changed" if row.changed else "",
            }
            for row in comparison.rows
        ],
        hide_index=True,
        width="stretch",
    )
