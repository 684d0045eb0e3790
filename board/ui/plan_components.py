"""The plan component picker: component, option, a standard radiation regimen, and the
option's details, as the plan catalogue defines them.

Used by plan capture (add a component to the draft) and by the Admin page (build a plan
template). The widgets keep their values under keys that start with the picker's
``base``; :func:`picked_item` reads them from ``st.session_state`` inside a click's
callback.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from board.plans.catalogue import CATALOGUE, COMPONENT_LABELS, DetailField, find_option
from board.plans.enums import PlanComponent
from board.plans.views import PlanItemInput
from board.scoring.radiotherapy import StandardRegimen, Technique, presets


def _detail_widget(spec: DetailField, key: str) -> Any:
    label = spec.label + (f" ({spec.unit})" if spec.unit else "") + (" *" if spec.required else "")
    help_text = spec.help or None
    if spec.kind in ("text", "levels"):
        return st.text_input(label, key=key, help=help_text)
    if spec.kind == "number":
        return st.number_input(
            label,
            min_value=float(spec.minimum) if spec.minimum is not None else None,
            max_value=float(spec.maximum) if spec.maximum is not None else None,
            value=None,
            step=0.5,
            key=key,
            help=help_text,
        )
    if spec.kind == "int":
        return st.number_input(
            label,
            min_value=int(spec.minimum) if spec.minimum is not None else None,
            max_value=int(spec.maximum) if spec.maximum is not None else None,
            value=None,
            step=1,
            key=key,
            help=help_text,
        )
    values = [v for v, _ in spec.choices]
    if spec.kind == "choice":
        return st.selectbox(
            label,
            values,
            index=None,
            format_func=spec.choice_label,
            placeholder="Choose",
            key=key,
            help=help_text,
        )
    return st.multiselect(
        label, values, format_func=spec.choice_label, key=key, help=help_text, placeholder="Choose"
    )


def _regimen_label(regimen: StandardRegimen) -> str:
    total = (
        f"{regimen.min_total_gy:g}"
        if regimen.min_total_gy == regimen.max_total_gy
        else f"{regimen.min_total_gy:g}-{regimen.max_total_gy:g}"
    )
    plural = "fraction" if regimen.fractions == 1 else "fractions"
    return f"{total} Gy in {regimen.fractions} {plural}"


def _regimen_presets(technique: Technique, key: str) -> None:
    """A standard regimen fills the total dose and fractions in one choice (editable)."""
    regimens = presets(technique)

    def fill() -> None:
        chosen = st.session_state.get(f"{key}_preset")
        if chosen is None:
            return
        regimen = regimens[int(chosen)]
        st.session_state[f"{key}_dose_gy"] = float(regimen.min_total_gy)
        st.session_state[f"{key}_fractions"] = int(regimen.fractions)

    st.selectbox(
        "Standard regimen",
        list(range(len(regimens))),
        index=None,
        format_func=lambda i: _regimen_label(regimens[i]),
        placeholder="Choose to fill the dose and fractions",
        key=f"{key}_preset",
        on_change=fill,
        help="Standard palliative and SBRT regimens (ASTRO 2017/2024, ESTRO; SC.24). A "
        "range fills its lower total dose; edit the fields as needed.",
    )


def _chosen(base: str) -> tuple[PlanComponent, str]:
    state = st.session_state
    component = state.get(f"{base}_component") or PlanComponent.SURGERY
    component = PlanComponent(component)
    options = CATALOGUE[component]
    option = state.get(f"{base}_option_{component.value}") or options[0].value
    return component, option


def component_picker(base: str) -> None:
    """Draw the component, option, regimen preset and detail widgets.

    Parameters
    ----------
    base:
        The start of every widget key (a new ``base`` starts an empty picker).
    """
    c1, c2 = st.columns(2)
    component = c1.selectbox(
        "Component",
        list(PlanComponent),
        format_func=lambda c: COMPONENT_LABELS[c],
        key=f"{base}_component",
    )
    component = component or PlanComponent.SURGERY
    options = CATALOGUE[component]
    option_value = c2.selectbox(
        "Option",
        [o.value for o in options],
        format_func=lambda v: find_option(component, v).label,
        key=f"{base}_option_{component.value}",
    )
    option_value = option_value or options[0].value
    spec = find_option(component, option_value)
    if component is PlanComponent.RADIATION and option_value in set(Technique):
        _regimen_presets(Technique(option_value), f"{base}_{component.value}_{option_value}")
    columns = st.columns(2)
    for index, field in enumerate(spec.fields):
        with columns[index % 2]:
            _detail_widget(field, f"{base}_{component.value}_{option_value}_{field.key}")


def picked_item(base: str) -> PlanItemInput:
    """The component the picker ``base`` holds now (read from ``st.session_state``).

    Parameters
    ----------
    base:
        The picker's ``base``.

    Returns
    -------
    PlanItemInput
        The component, option and the details filled in (empty ones left out); the
        service checks them.
    """
    component, option = _chosen(base)
    spec = find_option(component, option)
    details: dict[str, Any] = {}
    for field in spec.fields:
        value = st.session_state.get(f"{base}_{component.value}_{option}_{field.key}")
        if value not in (None, "", []):
            details[field.key] = value
    return PlanItemInput(component, option, details)
