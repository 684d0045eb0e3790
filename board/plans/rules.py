"""Pure rules over a plan: departures from NOMS, safety prompts, readiness to sign, and
the radiotherapy checks of radiation items.

No database and no Streamlit: the plan service gathers the facts and calls these.

Radiation items (``cebrt``/``sbrt`` with ``dose_gy``, ``fractions`` and ``levels`` in
their details) are read as :class:`~board.scoring.radiotherapy.RadiationCourse`:
:func:`validate_item` refuses an implausible course when it is entered (the catalogue
itself bounds the total and the fractions; the dose per fraction needs the radiotherapy
rules), :func:`radiation_dose_lines` gives the BED and EQD2 to show, and
:func:`plan_safety_prompts` adds the regimen, re-irradiation and timing prompts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from board.auth.roles import Role
from board.errors import ValidationError
from board.plans.catalogue import validate_details
from board.plans.enums import PlanComponent, PlanIntent
from board.scoring.noms import NomsGridCell, NomsResult
from board.scoring.radiotherapy import RadiationCourse, Technique, assess_regimen
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


def _listed(value: object) -> tuple[object, ...]:
    return tuple(value) if isinstance(value, list | tuple) else ()


OPEN_SURGERY_OPTIONS = (
    "decompression",
    "stabilisation",
    "separation_surgery",
    "palliative_surgery",
    "excision",
)
"""Surgery options whose approach (open or percutaneous) the SBRT timing prompt reads."""

_PROCEDURES = {
    "nerve_block": PlannedItem.NERVE_BLOCK,
    "epidural": PlannedItem.EPIDURAL_INJECTION,
    "intrathecal_pump": PlannedItem.INTRATHECAL_PUMP,
}
_BONE_AGENTS = {"denosumab": PlannedItem.DENOSUMAB, "zoledronic_acid": PlannedItem.ZOLEDRONIC_ACID}


def _item_safety(item: ItemFacts) -> list[PlannedItem]:
    d = item.details
    component, option = item.component, item.option
    found: list[PlannedItem] = []
    if component is PlanComponent.PAIN:
        if option == "complementary" and d.get("therapy") == "chiropractic":
            found.append(PlannedItem.SPINAL_MANIPULATION)
        if option == "analgesic_ladder" and "nsaid" in _listed(d.get("drugs")):
            found.append(PlannedItem.NSAID)
        if option == "adjuvant" and "corticosteroid" in _listed(d.get("kind")):
            found.append(PlannedItem.CORTICOSTEROID)
        if option == "interventional" and d.get("procedure") in _PROCEDURES:
            found.append(_PROCEDURES[str(d.get("procedure"))])
    elif component is PlanComponent.PHYSIOTHERAPY:
        if option == "massage" and d.get("depth") == "deep":
            found.append(PlannedItem.DEEP_MASSAGE)
        if option == "heat":
            found.append(PlannedItem.HEAT)
        if option == "low_impact_aerobics":
            found.append(PlannedItem.AEROBIC_EXERCISE)
        if option == "spinal_precautions":
            found.append(PlannedItem.SPINAL_PRECAUTIONS)
    elif component is PlanComponent.SURGERY:
        if option == "vertebroplasty_kyphoplasty":
            found.append(PlannedItem.CEMENT_AUGMENTATION)
        elif option == "ablation":
            found.append(PlannedItem.ABLATION)
        else:
            found.append(PlannedItem.SURGERY)
    elif (
        component is PlanComponent.SYSTEMIC
        and option == "bone_modifying_agent"
        and d.get("agent") in _BONE_AGENTS
    ):
        found.append(_BONE_AGENTS[str(d.get("agent"))])
    elif (
        component is PlanComponent.SUPPORTIVE
        and option == "vte_prophylaxis"
        and d.get("method") in ("pharmacological", "both")
    ):
        found.append(PlannedItem.ANTICOAGULANT_PROPHYLAXIS)
    return found


def safety_items(items: Iterable[ItemFacts]) -> tuple[PlannedItem, ...]:
    """The planned items the safety rules look at (radiation courses apart).

    Parameters
    ----------
    items:
        The plan's items.

    Returns
    -------
    tuple[PlannedItem, ...]
        Each once, in plan order: spinal manipulation (chiropractic care), NSAIDs,
        corticosteroids (adjuvant), nerve block, epidural injection, intrathecal pump,
        deep massage, heat therapy, aerobic exercise, spinal precautions, surgery,
        cement augmentation, ablation, denosumab, zoledronic acid and pharmacological VTE
        prophylaxis. Radiation items are read by :func:`radiation_courses`.
    """
    found: list[PlannedItem] = []
    for item in items:
        found.extend(_item_safety(item))
    return tuple(dict.fromkeys(found))


def _course(item: ItemFacts) -> RadiationCourse | None:
    if item.component is not PlanComponent.RADIATION:
        return None
    try:
        technique = Technique(item.option)
    except ValueError:
        return None
    dose, fractions = item.details.get("dose_gy"), item.details.get("fractions")
    if isinstance(fractions, float) and fractions.is_integer():
        fractions = int(fractions)
    levels = item.details.get("levels")
    try:
        return RadiationCourse(
            technique,
            dose,  # type: ignore[arg-type]
            fractions,  # type: ignore[arg-type]
            levels if isinstance(levels, str) else None,
        )
    except ValidationError:
        return None


def radiation_courses(items: Iterable[ItemFacts]) -> tuple[RadiationCourse, ...]:
    """The plan's radiation courses.

    Parameters
    ----------
    items:
        The plan's items.

    Returns
    -------
    tuple[RadiationCourse, ...]
        One per cEBRT or SBRT item with a dose and fractions, in plan order.
    """
    return tuple(c for c in (_course(i) for i in items) if c is not None)


def open_surgery(items: Iterable[ItemFacts]) -> bool | None:
    """Whether the plan holds open surgery (for the SBRT timing prompt).

    Parameters
    ----------
    items:
        The plan's items.

    Returns
    -------
    bool | None
        ``True`` when a surgery item is open; ``None`` when none is open but one has no
        recorded approach; ``False`` when there is no such surgery or it is percutaneous.
        Cement augmentation and ablation are percutaneous and not counted.
    """
    approaches = [
        i.details.get("approach")
        for i in items
        if i.component is PlanComponent.SURGERY and i.option in OPEN_SURGERY_OPTIONS
    ]
    if "open" in approaches:
        return True
    if any(a is None for a in approaches):
        return None
    return False


def validate_item(
    component: PlanComponent | str, option: str, details: Mapping[str, Any]
) -> dict[str, Any]:
    """Check a plan item: the catalogue's details, then the radiotherapy plausibility.

    Parameters
    ----------
    component, option:
        The item's component and option.
    details:
        The details as entered.

    Returns
    -------
    dict[str, Any]
        The cleaned details (:func:`board.plans.catalogue.validate_details`).

    Raises
    ------
    ValidationError
        As :func:`~board.plans.catalogue.validate_details`; and for a cEBRT or SBRT item
        outside the plausibility range (dose per fraction, fractions, total), with the
        range in the message (:func:`board.scoring.radiotherapy.check_plausible`).
    """
    cleaned = validate_details(component, option, details)
    if PlanComponent(component) is PlanComponent.RADIATION:
        assess_regimen(option, cleaned["dose_gy"], cleaned["fractions"])
    return cleaned


def radiation_dose_lines(items: Iterable[ItemFacts]) -> tuple[str, ...]:
    """The BED and EQD2 of each radiation course, for the plan screen and the report.

    Parameters
    ----------
    items:
        The plan's items.

    Returns
    -------
    tuple[str, ...]
        One line per course, e.g. "cEBRT 8 Gy in 1 fraction to L2 (standard regimen): 8 Gy
        in 1 fraction (8 Gy per fraction): BED 14.4 Gy, EQD2 12 Gy at alpha/beta 10
        (tumour); BED 40 Gy, EQD2 20 Gy at alpha/beta 2 (spinal cord, late effects)". A
        course outside the plausibility range says so instead.
    """
    lines = []
    for course in radiation_courses(items):
        assert course.technique is not None
        try:
            assessed = assess_regimen(course.technique, course.total_gy, course.fractions)
        except ValidationError as exc:
            lines.append(f"{course.label}: {exc.message}")
            continue
        kind = "standard regimen" if assessed.is_standard else "not a standard regimen"
        lines.append(f"{course.label} ({kind}): {assessed.dose.text()}")
    return tuple(lines)


def warning_key(warning: SafetyWarning) -> str:
    """The key an acknowledgement is stored under: the rule and its severity.

    A "check" prompt that later becomes a "warning" (say, thrombocytopenia is recorded)
    needs a fresh acknowledgement.
    """
    return f"{warning.code}:{warning.severity.value}"


def plan_safety_prompts(
    items: Iterable[ItemFacts], flags: PatientSafetyFlags
) -> tuple[SafetyWarning, ...]:
    """The safety prompts (REFERENCE.md, "Safety notes" and "Radiotherapy") for the plan.

    Parameters
    ----------
    items:
        The plan's items.
    flags:
        The patient's safety facts.

    Returns
    -------
    tuple[SafetyWarning, ...]
        The prompts (:func:`board.scoring.safety.safety_prompts`), each naming its
        source; empty when none applies.
    """
    listed = tuple(items)
    return safety_prompts(
        safety_items(listed),
        flags,
        courses=radiation_courses(listed),
        open_surgery=open_surgery(listed),
    )


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
        From :func:`plan_safety_prompts`; those that need no acknowledgement (advisory
        checks) do not block.
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
    open_prompts = [p for p in prompts if p.needs_acknowledgement and warning_key(p) not in done]
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
