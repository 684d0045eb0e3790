"""Each role's structured input: in one line (the report) and field by field (the presenter)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from board.assessments.forms import (
    FORM_CLASSES,
    LESION_SPECS,
    FieldKind,
    FieldSpec,
    Form,
    LesionFinding,
)
from board.auth.roles import Role

SUMMARY_LENGTH = 180


def _humanise(key: str) -> str:
    return key.replace("_", " ")


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return "; ".join(f"{_humanise(str(k))} {_short(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_short(v) for v in value)
    return _humanise(str(value))


def clip(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """Text on one line, cut to ``limit`` characters (with an ellipsis when cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _short_label(label: str) -> str:
    """A form label shortened for one line: explanations in brackets and after a comma
    go, short brackets such as units stay ("cEBRT total dose (Gy)")."""
    return re.sub(r"\s*\([^)]{7,}\)", "", label).split(", ")[0]


def _labels(role: Role) -> dict[str, str]:
    """Field labels of a role's form (lesion fields included); empty without a form."""
    specs = FORM_CLASSES[role].SPECS + LESION_SPECS if role in FORM_CLASSES else LESION_SPECS
    return {spec.key: _short_label(spec.label) for spec in specs}


def summarise_input(role: Role, data: Mapping[str, Any]) -> str:
    """One role's structured input in a line.

    Parameters
    ----------
    role:
        The role (the radiologist's lesions are written per level).
    data:
        The form's values as stored (``Form.to_data()`` of the typed form).

    Returns
    -------
    str
        ``label value`` pairs (the form's field labels), clipped to a presenter-sized
        line.
    """
    labels = _labels(role)

    def name(key: object) -> str:
        return labels.get(str(key)) or _humanise(str(key))

    parts: list[str] = []
    for key, value in data.items():
        if value is None or value == "" or value == {} or value == []:
            continue
        if key == "lesions" and isinstance(value, list | tuple):
            for findings in value:
                if isinstance(findings, Mapping):
                    parts.append(
                        f"{findings.get('level', '?')}: "
                        + ", ".join(
                            f"{name(k)} {_short(v)}"
                            for k, v in findings.items()
                            if k != "level" and v not in (None, "")
                        )
                    )
            continue
        parts.append(f"{name(key)} {_short(value)}")
    return clip("; ".join(parts)) if parts else "no structured input"


# ---------------------------------------------------------------------------
# Field by field, in words (the presenter)
# ---------------------------------------------------------------------------

#: Short labels of the radiologist's findings at a level (the level itself is the label).
_LESION_LABELS = {
    "lesion_type": "Lesion",
    "collapse": "Collapse",
    "alignment": "Alignment",
    "posterolateral": "Posterolateral",
    "escc": "ESCC",
    "posterior_wall_involvement": "Posterior wall involved",
}


#: Labels where the shortened form label would lose its meaning on one line.
_FIELD_LABELS = {
    "extraspinal_bone_foci": "Extraspinal bone metastases (foci)",
    "vertebral_metastases": "Vertebral bodies with metastases",
    "nrs": "Pain (NRS 0-10)",
    "opioid_ome_mg": "Opioid dose (oral morphine equivalent, mg/day)",
    "ecog": "ECOG",
    "karnofsky": "Karnofsky (%)",
    "albumin": "Albumin (g/L)",
}


@dataclass(frozen=True, slots=True)
class InputField:
    """One recorded field of a specialist's form, in words.

    Parameters
    ----------
    label:
        The form's own label of the field (shortened for one line), or the vertebral
        level for the radiologist's findings at that level.
    value:
        The recorded value in plain words ("less than 50% collapse", "ESCC 2: ..."),
        never a stored code.
    """

    label: str
    value: str


def choice_words(member: Enum) -> str:
    """A recorded choice in words; a grade keeps its code ("D: motor useful").

    Parameters
    ----------
    member:
        A member of a form vocabulary.

    Returns
    -------
    str
        Its label; for short codes (grades such as ESCC 2, Frankel D, ECOG 1) the code,
        a colon and the label.
    """
    code = str(member.value)
    label = getattr(member, "label", None)
    if not isinstance(label, str):
        return _humanise(code)
    if len(code) <= 3 and label.casefold() != code.casefold():
        return f"{code}: {label}"
    return label


def value_words(spec: FieldSpec, value: Any) -> str | None:
    """A typed form value in words, or ``None`` when it is unknown.

    Parameters
    ----------
    spec:
        The field.
    value:
        The typed value (an enum member, a tuple of members, a bool, a number, text).

    Returns
    -------
    str | None
        "yes"/"no", the choice labels, the number (``8`` not ``8.0``) or the text.
    """
    if value is None:
        return None
    if spec.kind is FieldKind.YES_NO:
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return choice_words(value)
    if isinstance(value, tuple | list):
        return ", ".join(choice_words(v) if isinstance(v, Enum) else str(v) for v in value) or (
            "none"
        )
    if isinstance(value, float):
        return f"{value:g}"
    text = " ".join(str(value).split())
    return text or None


def _lesion_words(lesion: LesionFinding) -> str:
    parts = []
    for spec in LESION_SPECS:
        words = value_words(spec, getattr(lesion, spec.key))
        if words is not None:
            parts.append(f"{_LESION_LABELS.get(spec.key, spec.label)}: {words}")
    return "; ".join(parts) or "findings not recorded yet"


def input_fields(form: Form) -> tuple[InputField, ...]:
    """Every recorded field of a specialist's form, labelled and in words.

    Unknown fields are left out; nothing is shortened. The radiologist's findings come
    first, one field per level.

    Parameters
    ----------
    form:
        The typed form (:mod:`board.assessments.forms`).

    Returns
    -------
    tuple[InputField, ...]
        The fields in the form's order.
    """
    fields: list[InputField] = [
        InputField(lesion.level, _lesion_words(lesion)) for lesion in getattr(form, "lesions", ())
    ]
    for spec in form.SPECS:
        words = value_words(spec, getattr(form, spec.key))
        if words is not None:
            label = _FIELD_LABELS.get(spec.key) or _short_label(spec.label)
            fields.append(InputField(label, words))
    return tuple(fields)


def clip_words(text: str, limit: int) -> str:
    """Text on one line, cut at a word boundary to at most ``limit`` characters.

    Parameters
    ----------
    text:
        Any text.
    limit:
        The longest result, the ellipsis included.

    Returns
    -------
    str
        The text, or its words that fit followed by "…"; a word is never cut.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    if " " in cut and not text[len(cut)].isspace():
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"
