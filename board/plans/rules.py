"""Pure rules over a plan: departures from NOMS, safety prompts, readiness to sign.

No database and no Streamlit: the plan service gathers the facts and calls these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from board.auth.roles import Role
from board.plans.enums import PlanComponent, PlanIntent
from board.scoring.noms import NomsGridCell, NomsResult
from board.scoring.safety import PatientSafetyFlags, PlannedItem, SafetyWarning, safety_prompts


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What the rules need of one plan item."""

    component: PlanComponent
    option: str
    details: dict[str, object]


def _has(items: Sequence[ItemFacts], component: PlanComponent, *options: str) -> bool:
    return any(i.component is component and i.option in options for i in items)


STABILISING = ("stabilisation", "vertebroplasty_kyphoplasty", "separation_surgery")


def noms_departures(noms: NomsResult | None, items: Sequence[ItemFacts]) -> tuple[str, ...]:
    """How the plan departs from the NOMS suggestion.

    Only the parts of the suggestion that are known are compared: an incomplete NOMS
    (say, unknown histology) still checks the mechanical part when SINS is known.

    Parameters
    ----------
    noms:
        The NOMS result for the case, or ``None`` when there is none.
    items:
        The plan's items.

    Returns
    -------
    tuple[str, ...]
        One plain-English line per departure; empty when the plan follows every known
        part of the suggestion.
    """
    if noms is None:
        return ()
    departures: list[str] = []
    radiation = PlanComponent.RADIATION
    surgery = PlanComponent.SURGERY
    tolerates = dict(noms.inputs).get("tolerates_surgery")
    if noms.grid is NomsGridCell.CEBRT and not _has(items, radiation, "cebrt"):
        departures.append("NOMS suggests cEBRT; the plan has no cEBRT.")
    elif noms.grid is NomsGridCell.SBRT and not _has(items, radiation, "sbrt"):
        departures.append("NOMS suggests SBRT; the plan has no SBRT.")
    elif noms.grid is NomsGridCell.SEPARATION_SURGERY_THEN_SBRT:
        surgery_then_sbrt = _has(items, surgery, "separation_surgery") and _has(
            items, radiation, "sbrt"
        )
        cebrt = _has(items, radiation, "cebrt")
        if tolerates is True and not surgery_then_sbrt:
            departures.append(
                "NOMS suggests separation surgery, then SBRT; the plan does not have both."
            )
        elif tolerates is False and not cebrt:
            departures.append(
                "NOMS suggests cEBRT (the patient cannot tolerate separation surgery); the "
                "plan has no cEBRT."
            )
        elif tolerates is None and not (surgery_then_sbrt or cebrt):
            departures.append(
                "NOMS suggests separation surgery then SBRT, or cEBRT if the patient cannot "
                "tolerate surgery; the plan has neither."
            )
    if noms.stabilisation is True and not _has(items, surgery, *STABILISING):
        departures.append(
            "NOMS advises stabilisation for instability (instrumentation or cement "
            "augmentation); the plan has none."
        )
    return tuple(departures)


def safety_items(items: Iterable[ItemFacts]) -> tuple[PlannedItem, ...]:
    """The planned items the safety rules look at.

    Parameters
    ----------
    items:
        The plan's items.

    Returns
    -------
    tuple[PlannedItem, ...]
        Spinal manipulation (chiropractic care), deep massage, heat therapy and NSAIDs
        found in the plan, each once.
    """
    found: list[PlannedItem] = []
    for item in items:
        d = item.details
        if item.component is PlanComponent.PAIN:
            if item.option == "complementary" and d.get("therapy") == "chiropractic":
                found.append(PlannedItem.SPINAL_MANIPULATION)
            drugs = d.get("drugs")
            listed = drugs if isinstance(drugs, list | tuple) else ()
            if item.option == "analgesic_ladder" and "nsaid" in listed:
                found.append(PlannedItem.NSAID)
        elif item.component is PlanComponent.PHYSIOTHERAPY:
            if item.option == "massage" and d.get("depth") == "deep":
                found.append(PlannedItem.DEEP_MASSAGE)
            if item.option == "heat":
                found.append(PlannedItem.HEAT)
    return tuple(dict.fromkeys(found))


def warning_key(warning: SafetyWarning) -> str:
    """The key an acknowledgement is stored under: the rule and its severity.

    A "check" prompt that later becomes a "warning" (say, thrombocytopenia is recorded)
    needs a fresh acknowledgement.
    """
    return f"{warning.code}:{warning.severity.value}"


def plan_safety_prompts(
    items: Iterable[ItemFacts], flags: PatientSafetyFlags
) -> tuple[SafetyWarning, ...]:
    """The safety prompts (REFERENCE.md, "Safety notes") for the plan.

    Parameters
    ----------
    items:
        The plan's items.
    flags:
        The patient's safety facts.

    Returns
    -------
    tuple[SafetyWarning, ...]
        The prompts; empty when none applies.
    """
    return safety_prompts(safety_items(items), flags)


def blockers_to_sign(
    *,
    intent: PlanIntent | None,
    items: Sequence[ItemFacts],
    departures: Sequence[str],
    deviation_reason: str | None,
    prompts: Sequence[SafetyWarning],
    acknowledged: Iterable[str],
) -> tuple[str, ...]:
    """What still stops the plan from being signed.

    Parameters
    ----------
    intent:
        The plan's intent.
    items:
        The plan's items.
    departures:
        From :func:`noms_departures`.
    deviation_reason:
        The board's reason for departing from NOMS.
    prompts:
        From :func:`plan_safety_prompts`.
    acknowledged:
        The acknowledged prompt keys (:func:`warning_key`).

    Returns
    -------
    tuple[str, ...]
        Plain-English blockers; empty when the plan may be signed.
    """
    blockers: list[str] = []
    if intent is None:
        blockers.append("Choose the intent of the plan.")
    if not items:
        blockers.append("Add at least one component to the plan.")
    if departures and not (deviation_reason or "").strip():
        blockers.append("The plan departs from the NOMS suggestion: record why.")
    done = set(acknowledged)
    open_prompts = [p for p in prompts if warning_key(p) not in done]
    if open_prompts:
        blockers.append(
            f"Acknowledge the safety prompt{'s' if len(open_prompts) > 1 else ''}: "
            + "; ".join(p.item.label for p in open_prompts)
            + "."
        )
    return tuple(blockers)


@dataclass(frozen=True, slots=True)
class SignatureState:
    """Who has signed the current revision, and what finalization still needs."""

    required_roles: tuple[Role, ...]
    signed_roles: tuple[Role, ...]
    missing_roles: tuple[Role, ...]

    @property
    def complete(self) -> bool:
        """Whether every required role has signed the current revision."""
        return not self.missing_roles


def signature_state(required: Sequence[Role], signed: Iterable[Role]) -> SignatureState:
    """Compare the required roles with the roles that signed the current revision.

    Parameters
    ----------
    required:
        The roles that must sign (the meeting's quorum roles).
    signed:
        Roles of the valid (current-revision) signatures.

    Returns
    -------
    SignatureState
        Required, signed and still-missing roles, in the order of ``required``.
    """
    have = set(signed)
    return SignatureState(
        required_roles=tuple(required),
        signed_roles=tuple(r for r in dict.fromkeys(signed)),
        missing_roles=tuple(r for r in required if r not in have),
    )
