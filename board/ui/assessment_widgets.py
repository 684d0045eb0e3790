"""Generic widgets for the structured assessment forms (driven by their field specs).

Widgets read values; the service validates them (:func:`board.assessments.forms.parse_form`).
Every value shown here is plain text: tables and ``st.text``, never HTML.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import streamlit as st

from board.assessments.forms import LESION_SPECS, FieldKind, FieldSpec, Form, LesionFinding
from board.scoring.escc import EsccGrade
from board.ui.widgets import tri_state, tri_state_label

UNKNOWN_LABEL = "Unknown"


def choice_label(value: Any) -> str:
    """Plain label of a choice (``Unknown`` for ``None``).

    ESCC grades show their Bilsky code and its meaning ("2: spinal cord compression, CSF
    visible around the cord").
    """
    if value is None:
        return UNKNOWN_LABEL
    if isinstance(value, EsccGrade):
        return f"{value.value}: {value.label}"
    label = getattr(value, "label", None)
    return str(label) if isinstance(label, str) else str(getattr(value, "value", value))


def display_value(spec: FieldSpec, value: Any) -> str:
    """A stored field value as plain text for the read-only view."""
    if spec.kind is FieldKind.YES_NO:
        return tri_state_label(value)
    if value is None:
        return UNKNOWN_LABEL
    if spec.kind is FieldKind.MULTI:
        return ", ".join(choice_label(v) for v in value) or "none selected"
    if isinstance(value, Enum):
        return choice_label(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def field_widget(spec: FieldSpec, value: Any, key: str) -> Any:
    """Render one field's widget and return its raw value (``None`` is unknown).

    Parameters
    ----------
    spec:
        The field.
    value:
        The current clean value.
    key:
        Widget key.

    Returns
    -------
    Any
        The raw value for :func:`~board.assessments.forms.parse_form`.
    """
    if spec.kind is FieldKind.CHOICE:
        assert spec.choices is not None
        options: list[Any] = [None, *spec.choices]
        return st.selectbox(
            spec.label,
            options,
            index=options.index(value) if value in options else 0,
            format_func=choice_label,
            key=key,
        )
    if spec.kind is FieldKind.MULTI:
        assert spec.choices is not None
        chosen = st.multiselect(
            spec.label,
            list(spec.choices),
            default=list(value or ()),
            format_func=choice_label,
            key=key,
        )
        return chosen or None
    if spec.kind is FieldKind.YES_NO:
        return tri_state(spec.label, key=key, value=value)
    if spec.kind is FieldKind.INTEGER and spec.step:
        lo, hi = int(spec.minimum or 0), int(spec.maximum or 100)
        steps: list[int | None] = [None, *range(lo, hi + 1, spec.step)]
        return st.selectbox(
            spec.label,
            steps,
            index=steps.index(value) if value in steps else 0,
            format_func=lambda v: UNKNOWN_LABEL if v is None else str(v),
            key=key,
        )
    if spec.kind is FieldKind.INTEGER:
        return st.number_input(
            spec.label,
            min_value=None if spec.minimum is None else int(spec.minimum),
            max_value=None if spec.maximum is None else int(spec.maximum),
            value=value,
            step=1,
            key=key,
            help="Leave empty when unknown.",
        )
    if spec.kind is FieldKind.NUMBER:
        return st.number_input(
            spec.label,
            min_value=None if spec.minimum is None else float(spec.minimum),
            max_value=None if spec.maximum is None else float(spec.maximum),
            value=None if value is None else float(value),
            key=key,
            help="Leave empty when unknown.",
        )
    text = st.text_area(spec.label, value=value or "", key=key, height=80)
    return text.strip() or None


def read_only_rows(form: Form) -> list[dict[str, str]]:
    """A form's fields as (field, value) rows for a plain table."""
    return [
        {"Field": spec.label, "Value": display_value(spec, getattr(form, spec.key))}
        for spec in form.SPECS
    ]


def lesion_rows(lesions: tuple[LesionFinding, ...]) -> list[dict[str, str]]:
    """The radiologist's lesions as plain table rows."""

    return [
        {"Level": lesion.level}
        | {spec.label: display_value(spec, getattr(lesion, spec.key)) for spec in LESION_SPECS}
        for lesion in lesions
    ]
