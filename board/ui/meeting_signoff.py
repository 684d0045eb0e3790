"""Batch sign-off on the meetings page: every plan of the meeting awaiting the signed-in
specialist's signature, each shown in full, signed in one click.

Person-supplied text (summaries, dissents, reasons) is shown escaped (``md_escape``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action
from board.db.engine import Database
from board.errors import InvalidStateError
from board.meetings.views import MeetingDetail
from board.plans.catalogue import INTENT_LABELS
from board.plans.lifecycle import plans_awaiting_signature, sign_plans
from board.plans.views import PlanToSign
from board.ui import actions
from board.ui.meeting_common import count_text, may, when
from board.ui.text import md_escape

#: Where the outcome of a batch sign-off is shown.
SLOT = "sign_plans"


def _sign_all(db: Database, actor: Actor, shown: Sequence[tuple[int, int]]) -> str:
    """Sign every plan shown, each on its own (a click's callback).

    Returns the confirmation; raises with the whole story when any plan was refused
    (the others are signed all the same).
    """
    outcomes = sign_plans(db, actor, list(shown))
    signed = [o for o in outcomes if o.signed]
    refused = [o for o in outcomes if not o.signed]
    done = (
        f"Signed {count_text(len(signed), 'plan')}: " + ", ".join(o.pseudonym for o in signed) + "."
        if signed
        else "No plan was signed."
    )
    if refused:
        raise InvalidStateError(
            done + " Not signed: " + " ".join(f"{o.pseudonym}: {o.message}" for o in refused)
        )
    return done


def _plan_card(item: PlanToSign) -> None:
    plan = item.plan
    with st.container(border=True):
        place = f"{item.position}. " if item.position is not None else ""
        st.markdown(
            f"**{place}{md_escape(item.pseudonym)}**: "
            + md_escape(f"plan version {plan.number}, last change {when(plan.updated_at)}")
        )
        if plan.amendment_reason:
            st.caption(md_escape(f"Amendment: {plan.amendment_reason}"))
        st.markdown("**Intent:** " + (INTENT_LABELS[plan.intent] if plan.intent else "not set yet"))
        if plan.summary:
            st.markdown("**Summary:** " + md_escape(plan.summary))
        if plan.items:
            st.markdown(
                "**Components:**  \n"
                + "  \n".join(md_escape(f"{i.component_label}: {i.text}") for i in plan.items)
            )
        else:
            st.markdown("**Components:** none yet")
        if item.departures:
            st.markdown(
                md_escape(
                    "Departs from NOMS: "
                    + " ".join(item.departures)
                    + (f" Reason: {plan.deviation_reason}" if plan.deviation_reason else "")
                )
            )
        if plan.dissents:
            st.markdown(
                "**Dissent:**  \n"
                + "  \n".join(
                    md_escape(
                        f"{d.author_name} ({d.author_role.label})"
                        + (
                            f", on version {d.plan_number}"
                            if d.plan_number not in (None, plan.number)
                            else ""
                        )
                        + f": {d.text}"
                    )
                    for d in plan.dissents
                )
            )
        else:
            st.caption("No dissent recorded.")
        if item.blockers:
            st.info(
                md_escape("Not ready to sign: " + " ".join(item.blockers)),
                icon=":material/pending_actions:",
            )


def render_sign_plans(db: Database, actor: Actor, meeting: MeetingDetail) -> None:
    """The "Sign plans" section: the plans awaiting the signer, and one button for all.

    Only for roles that sign plans. A plan that changed after it was shown is refused
    (the others are still signed) and the message says which and why.

    Parameters
    ----------
    db:
        The database.
    actor:
        The signed-in user.
    meeting:
        The meeting shown (its attendance tells whether the signer is present).
    """
    if not may(actor, Action.PLAN_SIGN):
        return
    st.markdown("#### Sign plans")
    actions.show_outcome(SLOT)
    waiting = plans_awaiting_signature(db, actor, meeting.id)
    if not waiting:
        st.caption("No plan of this meeting awaits your signature.")
        return
    mine = meeting.attendance_of(actor.user_id)
    present = mine is not None and mine.present
    if not present:
        st.info(
            "Only specialists recorded present at the meeting sign its plans: check in "
            "under Attendance and quorum first.",
            icon=":material/how_to_reg:",
        )
    st.caption(
        f"{count_text(len(waiting), 'plan')} of this meeting "
        + ("awaits" if len(waiting) == 1 else "await")
        + " your signature. Read "
        "each one: the button signs every plan shown that is ready, exactly as shown."
    )
    for item in waiting:
        _plan_card(item)
    ready = [item for item in waiting if item.signable]
    st.button(
        f"Sign the {count_text(len(ready), 'plan')} shown as {actor.role.label}"
        if ready
        else "No plan is ready to sign",
        key=f"sign_all_{meeting.id}",
        type="primary",
        icon=":material/draw:",
        disabled=not ready or not present,
        on_click=actions.run,
        args=(
            SLOT,
            partial(_sign_all, db, actor, tuple((i.plan.id, i.plan.version) for i in ready)),
        ),
    )
