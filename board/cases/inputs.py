"""Each role's structured input in one line, as the presenter and the report show it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from board.assessments.forms import FORM_CLASSES, LESION_SPECS
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
