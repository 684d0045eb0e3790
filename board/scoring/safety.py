"""Safety prompts for a plan: rules over planned items and patient flags.

The board's clinical reference asks the app to surface three notes:

- spinal manipulation (chiropractic) over a metastatic spine risks fracture and cord
  injury: flag it when a plan lists it for a case with spinal metastasis;
- deep massage and heat should avoid the tumour site itself;
- NSAIDs with thrombocytopenia, renal impairment or anticoagulation: flag for review.

These are prompts for the board, not prohibitions: nothing here blocks a plan.
Unknown patient flags (``None``) never silence a prompt: they turn it into a "check"
prompt naming what is not recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from board.scoring.common import coerce_bool

SOURCE = "Tumor board clinical reference: safety notes (prompts for the board, not prohibitions)."


class PlannedItem(StrEnum):
    """Planned interventions the safety rules look at."""

    SPINAL_MANIPULATION = "spinal_manipulation"
    DEEP_MASSAGE = "deep_massage"
    HEAT = "heat"
    NSAID = "nsaid"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {
            "spinal_manipulation": "spinal manipulation (chiropractic)",
            "deep_massage": "deep massage",
            "heat": "heat therapy",
            "nsaid": "NSAIDs",
        }[self.value]


_SYNONYMS: dict[str, PlannedItem] = {
    "spinal_manipulation": PlannedItem.SPINAL_MANIPULATION,
    "manipulation": PlannedItem.SPINAL_MANIPULATION,
    "chiropractic": PlannedItem.SPINAL_MANIPULATION,
    "chiropractic_manipulation": PlannedItem.SPINAL_MANIPULATION,
    "deep_massage": PlannedItem.DEEP_MASSAGE,
    "heat": PlannedItem.HEAT,
    "heat_therapy": PlannedItem.HEAT,
    "thermotherapy": PlannedItem.HEAT,
    "nsaid": PlannedItem.NSAID,
    "nsaids": PlannedItem.NSAID,
}


def parse_planned_item(value: PlannedItem | str) -> PlannedItem | None:
    """Recognise a planned item by its value or a common name.

    Parameters
    ----------
    value:
        A :class:`PlannedItem` or text such as ``"NSAIDs"`` or ``"deep massage"``.

    Returns
    -------
    PlannedItem | None
        The item, or ``None`` when the text names something the rules do not cover.
    """
    if isinstance(value, PlannedItem):
        return value
    key = "_".join(str(value).strip().casefold().replace("-", " ").split())
    return _SYNONYMS.get(key)


class Severity(StrEnum):
    """How a prompt is worded."""

    WARNING = "warning"
    CHECK = "check"


@dataclass(frozen=True, slots=True)
class PatientSafetyFlags:
    """Patient facts the safety rules need; ``None`` means not recorded.

    Parameters
    ----------
    spinal_metastasis, thrombocytopenia, renal_impairment, anticoagulation:
        Whether each is present.

    Raises
    ------
    ValidationError
        If a value is not yes, no or unknown.
    """

    spinal_metastasis: bool | None = None
    thrombocytopenia: bool | None = None
    renal_impairment: bool | None = None
    anticoagulation: bool | None = None

    def __post_init__(self) -> None:
        for key in ("spinal_metastasis", "thrombocytopenia", "renal_impairment", "anticoagulation"):
            coerce_bool(getattr(self, key), key, key.replace("_", " ").capitalize())


@dataclass(frozen=True, slots=True)
class SafetyWarning:
    """A prompt for the board.

    Parameters
    ----------
    code:
        Stable identifier of the rule.
    item:
        The planned item that triggered it.
    severity:
        ``warning`` (a risk is present) or ``check`` (a needed fact is not recorded).
    text:
        Plain-English prompt.
    source:
        Where the rule comes from.
    """

    code: str
    item: PlannedItem
    severity: Severity
    text: str
    source: str = SOURCE


def _manipulation(flags: PatientSafetyFlags) -> SafetyWarning | None:
    item = PlannedItem.SPINAL_MANIPULATION
    if flags.spinal_metastasis is True:
        return SafetyWarning(
            "spinal-manipulation-metastasis",
            item,
            Severity.WARNING,
            "The plan lists spinal manipulation (chiropractic) for a patient with spinal "
            "metastasis: manipulation over a metastatic spine risks fracture and cord "
            "injury. Please review.",
        )
    if flags.spinal_metastasis is None:
        return SafetyWarning(
            "spinal-manipulation-metastasis",
            item,
            Severity.CHECK,
            "The plan lists spinal manipulation (chiropractic) and spinal metastasis is not "
            "recorded: manipulation over a metastatic spine risks fracture and cord injury. "
            "Please check.",
        )
    return None


def _tumour_site(item: PlannedItem) -> SafetyWarning:
    return SafetyWarning(
        f"{item.value.replace('_', '-')}-tumour-site",
        item,
        Severity.WARNING,
        f"The plan lists {item.label}: it should avoid the tumour site itself.",
    )


_NSAID_RISKS: tuple[tuple[str, str], ...] = (
    ("thrombocytopenia", "thrombocytopenia"),
    ("renal_impairment", "renal impairment"),
    ("anticoagulation", "anticoagulation"),
)


def _nsaid(flags: PatientSafetyFlags) -> SafetyWarning | None:
    present = [label for key, label in _NSAID_RISKS if getattr(flags, key) is True]
    unknown = [label for key, label in _NSAID_RISKS if getattr(flags, key) is None]
    if present:
        text = f"The plan lists NSAIDs for a patient with {' and '.join(present)}: flag for review."
        if unknown:
            text += f" Not recorded: {', '.join(unknown)}."
        return SafetyWarning("nsaid-risk", PlannedItem.NSAID, Severity.WARNING, text)
    if unknown:
        return SafetyWarning(
            "nsaid-risk",
            PlannedItem.NSAID,
            Severity.CHECK,
            f"The plan lists NSAIDs; not recorded: {', '.join(unknown)}. Please check before "
            "NSAIDs.",
        )
    return None


def safety_prompts(
    planned: Iterable[PlannedItem | str], flags: PatientSafetyFlags
) -> tuple[SafetyWarning, ...]:
    """Apply the safety rules to a plan.

    Parameters
    ----------
    planned:
        Planned items, as :class:`PlannedItem` members or text; text the rules do not
        cover (e.g. "surgery") is ignored, and duplicates count once.
    flags:
        The patient's facts.

    Returns
    -------
    tuple[SafetyWarning, ...]
        The prompts, in the order spinal manipulation, deep massage, heat, NSAIDs;
        empty when none applies. Prompts never block the plan.
    """
    items = {item for item in (parse_planned_item(p) for p in planned) if item is not None}
    warnings: list[SafetyWarning] = []
    if PlannedItem.SPINAL_MANIPULATION in items:
        warning = _manipulation(flags)
        if warning is not None:
            warnings.append(warning)
    for item in (PlannedItem.DEEP_MASSAGE, PlannedItem.HEAT):
        if item in items:
            warnings.append(_tumour_site(item))
    if PlannedItem.NSAID in items:
        warning = _nsaid(flags)
        if warning is not None:
            warnings.append(warning)
    return tuple(warnings)
