"""The Admin page's plan templates: the list, retire or offer again, and a new template
built from the same component picker as plan capture.

Every control saves in a click callback (:func:`board.ui.actions.run`); template names
come from people and are shown escaped or in tables.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action
from board.db.engine import Database
from board.errors import ValidationError
from board.plans.catalogue import COMPONENT_LABELS, INTENT_LABELS, describe_item
from board.plans.drafting import checked_item
from board.plans.enums import PlanIntent
from board.plans.templates import create_template, list_templates, set_template_active
from board.plans.views import PlanItemInput
from board.ui import actions
from board.ui.meeting_common import may
from board.ui.plan_components import component_picker, picked_item
from board.ui.text import md_escape

SLOT = "plan_templates"
NEW = "tpl_new_"
_ITEMS = NEW + "items"
_COUNTER = "tpl_picker_counter"


def _pending() -> list[PlanItemInput]:
    return list(st.session_state.get(_ITEMS, []))


def _add_pending(base: str) -> str:
    """Check the picked component as plan capture would and keep it for the new template."""
    item = checked_item(picked_item(base))
    st.session_state[_ITEMS] = [*_pending(), item]
    st.session_state[_COUNTER] = st.session_state.get(_COUNTER, 0) + 1
    return f"{COMPONENT_LABELS[item.component]} added to the new template."


def _drop_pending(index: int) -> str:
    items = _pending()
    if 0 <= index < len(items):
        del items[index]
    st.session_state[_ITEMS] = items
    return "Component taken off the new template."


def _save(db: Database, actor: Actor) -> str:
    items = _pending()
    if not items:
        raise ValidationError("Add at least one component to the template.", field="items")
    created = create_template(
        db,
        actor,
        st.session_state.get(NEW + "name", ""),
        items,
        st.session_state.get(NEW + "intent"),
    )
    return f"Template '{created.name}' saved: it is offered in plan capture."


def _set_active(db: Database, actor: Actor, template_id: int, version: int, active: bool) -> str:
    changed = set_template_active(db, actor, template_id, version, active)
    return f"Template '{changed.name}' " + (
        "is offered again." if active else "is retired: no longer offered."
    )


def render_plan_templates(db: Database, actor: Actor) -> None:
    """The plan templates section of the Admin page (administrators only).

    Parameters
    ----------
    db:
        The database.
    actor:
        The signed-in administrator (nothing is drawn for other roles).
    """
    if not may(actor, Action.SETTINGS_ADMINISTER):
        return
    st.subheader("Plan templates")
    st.caption(
        "A template adds its components (and its intent, when the plan has none yet) to a "
        "draft plan in one click. Its components are checked like components added by hand."
    )
    actions.show_outcome(SLOT)
    for template in list_templates(db, actor, include_retired=True):
        text, button = st.columns([6, 1.4], vertical_alignment="center")
        text.markdown(
            f"**{md_escape(template.name)}**"
            + ("" if template.active else " (retired)")
            + "  \n"
            + md_escape(
                template.summary
                + (f"; intent: {INTENT_LABELS[template.intent]}" if template.intent else "")
            )
        )
        button.button(
            "Retire" if template.active else "Offer again",
            key=f"tpl_toggle_{template.id}",
            icon=":material/archive:" if template.active else ":material/unarchive:",
            on_click=actions.run,
            args=(
                SLOT,
                partial(_set_active, db, actor, template.id, template.version, not template.active),
            ),
        )
    with st.expander("Add a template", icon=":material/playlist_add:"):
        st.text_input("Name *", key=NEW + "name", placeholder="for example SBRT 30 Gy in 5")
        intents = list(PlanIntent)
        st.selectbox(
            "Intent it sets (optional)",
            intents,
            index=None,
            format_func=lambda i: INTENT_LABELS[i],
            placeholder="Leave the plan's intent as it is",
            key=NEW + "intent",
        )
        items = _pending()
        if items:
            st.markdown("Components of the new template:")
            for index, item in enumerate(items):
                text, button = st.columns([6, 1.4], vertical_alignment="center")
                text.markdown(
                    md_escape(
                        f"{COMPONENT_LABELS[item.component]}: "
                        + describe_item(item.component, item.option, item.details)
                    )
                )
                button.button(
                    "Remove",
                    key=f"tpl_drop_{index}",
                    icon=":material/delete:",
                    on_click=actions.run,
                    args=(SLOT, partial(_drop_pending, index)),
                )
        else:
            st.caption("No component yet: pick one below and add it.")
        base = f"tpl_picker_{st.session_state.get(_COUNTER, 0)}"
        with st.container(border=True):
            component_picker(base)
            st.button(
                "Add component to the template",
                key=f"{base}_add",
                icon=":material/add:",
                on_click=actions.run,
                args=(SLOT, partial(_add_pending, base)),
            )
        st.button(
            "Save template",
            key="tpl_save",
            type="primary",
            icon=":material/save:",
            on_click=actions.run,
            args=(SLOT, partial(_save, db, actor), (NEW,)),
        )
