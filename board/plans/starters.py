"""Ready-made starting points for a plan: the default templates and the NOMS start.

Pure data and rules, no database:

- :data:`DEFAULT_TEMPLATES` are the templates a new installation starts with (the
  migration that creates the template table stores a copy of them): the standard
  radiation regimens of :mod:`board.scoring.radiotherapy` (cEBRT 8 Gy in 1 fraction and
  20 Gy in 5; SBRT 24 Gy in 2, the SC.24 regimen, and 27 Gy in 3), separation surgery
  then SBRT, stabilisation by instrumentation or by cement augmentation, and best
  supportive care.
- :func:`noms_start` turns the case's NOMS suggestion into the components that follow
  it, so a plan started from it does not depart from NOMS
  (:func:`board.plans.rules.noms_departures` finds nothing) unless the board edits it.

Every component here is entered through the same validation as one added by hand
(:func:`board.plans.rules.validate_item`); levels are left for the board to fill in.
"""

from __future__ import annotations

from dataclasses import dataclass

from board.plans.enums import PlanComponent, PlanIntent
from board.plans.views import PlanItemInput
from board.scoring.noms import NomsGridCell, NomsResult

CEBRT_8_IN_1 = PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8.0, "fractions": 1})
CEBRT_20_IN_5 = PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 20.0, "fractions": 5})
SBRT_24_IN_2 = PlanItemInput(PlanComponent.RADIATION, "sbrt", {"dose_gy": 24.0, "fractions": 2})
SBRT_27_IN_3 = PlanItemInput(PlanComponent.RADIATION, "sbrt", {"dose_gy": 27.0, "fractions": 3})
SEPARATION_SURGERY = PlanItemInput(PlanComponent.SURGERY, "separation_surgery", {})
STABILISATION = PlanItemInput(PlanComponent.SURGERY, "stabilisation", {})
PERCUTANEOUS_STABILISATION = PlanItemInput(
    PlanComponent.SURGERY, "stabilisation", {"approach": "percutaneous"}
)
CEMENT_AUGMENTATION = PlanItemInput(PlanComponent.SURGERY, "vertebroplasty_kyphoplasty", {})
PALLIATIVE_CARE_TEAM = PlanItemInput(PlanComponent.SUPPORTIVE, "palliative_care_team", {})
CAREGIVER_RESOURCES = PlanItemInput(PlanComponent.SUPPORTIVE, "caregiver_resources", {})


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """A template as data.

    Parameters
    ----------
    name:
        The name offered in plan capture.
    items:
        The components it adds, in order.
    intent:
        The intent it sets on a plan that has none yet (``None``: leaves it).
    """

    name: str
    items: tuple[PlanItemInput, ...]
    intent: PlanIntent | None = None


DEFAULT_TEMPLATES: tuple[TemplateSpec, ...] = (
    TemplateSpec("cEBRT 8 Gy in 1 fraction", (CEBRT_8_IN_1,)),
    TemplateSpec("cEBRT 20 Gy in 5 fractions", (CEBRT_20_IN_5,)),
    TemplateSpec("SBRT 24 Gy in 2 fractions", (SBRT_24_IN_2,)),
    TemplateSpec("SBRT 27 Gy in 3 fractions", (SBRT_27_IN_3,)),
    TemplateSpec(
        "Separation surgery, then SBRT 24 Gy in 2 fractions", (SEPARATION_SURGERY, SBRT_24_IN_2)
    ),
    TemplateSpec("Surgical stabilisation (instrumentation)", (STABILISATION,)),
    TemplateSpec("Cement augmentation (vertebroplasty / kyphoplasty)", (CEMENT_AUGMENTATION,)),
    TemplateSpec(
        "Best supportive care",
        (PALLIATIVE_CARE_TEAM, CAREGIVER_RESOURCES),
        PlanIntent.BEST_SUPPORTIVE_CARE,
    ),
)
"""The templates a new installation starts with (an administrator adds more)."""


def noms_start(noms: NomsResult | None) -> tuple[PlanItemInput, ...]:
    """The components that follow the NOMS suggestion, surgery first.

    - cEBRT: cEBRT 8 Gy in 1 fraction (equivalent pain relief to longer courses).
    - SBRT: SBRT 24 Gy in 2 fractions (SC.24).
    - Separation surgery then SBRT: both; cEBRT 8 Gy in 1 fraction instead when the
      patient cannot tolerate surgery. While tolerance is not yet judged the grid's own
      suggestion (surgery, then SBRT) is taken.
    - Stabilisation advised (and no separation surgery, which stabilises): surgical
      stabilisation; percutaneous when the patient cannot tolerate open surgery.

    Parameters
    ----------
    noms:
        The case's NOMS result (``case.noms`` of the case read model), or ``None``.

    Returns
    -------
    tuple[PlanItemInput, ...]
        The components; empty when NOMS has no suggestion yet (grid unknown and no
        stabilisation advised).
    """
    if noms is None:
        return ()
    tolerates = dict(noms.inputs).get("tolerates_surgery")
    radiation: PlanItemInput | None = None
    separation = False
    if noms.grid is NomsGridCell.CEBRT:
        radiation = CEBRT_8_IN_1
    elif noms.grid is NomsGridCell.SBRT:
        radiation = SBRT_24_IN_2
    elif noms.grid is NomsGridCell.SEPARATION_SURGERY_THEN_SBRT:
        if tolerates is False:
            radiation = CEBRT_8_IN_1
        else:
            separation = True
            radiation = SBRT_24_IN_2
    items: list[PlanItemInput] = []
    if separation:
        items.append(SEPARATION_SURGERY)
    elif noms.stabilisation is True:
        items.append(PERCUTANEOUS_STABILISATION if tolerates is False else STABILISATION)
    if radiation is not None:
        items.append(radiation)
    return tuple(items)
