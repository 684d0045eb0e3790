"""Readiness of a case for discussion: a checklist of what is still missing.

A pure function over facts gathered by the case service, so the same rule serves the
case page and the worklist (which gathers the facts for one page of cases in a few
batched queries).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from board.auth.roles import REQUIRED_ROLES, Role
from board.wording import days_ago, plural

#: An MRI older than this is flagged as possibly out of date.
MRI_MAX_AGE_DAYS = 42


@dataclass(frozen=True, slots=True)
class ReadinessFacts:
    """What the readiness rule looks at."""

    latest_spine_mri: dt.date | None = None
    histology_known: bool = False
    biopsy_pending: bool = False
    submitted_roles: frozenset[Role] = field(default_factory=frozenset)
    required_roles: tuple[Role, ...] = REQUIRED_ROLES
    #: every lesion the radiologist listed has its SINS findings and ESCC grade
    lesions_assessed: bool = False
    lesions_detail: str = "no lesion assessed by the radiologist"
    #: Frankel or ASIA grade recorded by the spine surgeon
    neuro_exam: bool = False
    #: ECOG or Karnofsky recorded by the medical oncologist
    performance_status: bool = False
    #: a pain score (pain team's NRS, else the referral's)
    pain_assessed: bool = False
    pain_detail: str = ""


@dataclass(frozen=True, slots=True)
class ReadinessItem:
    """One line of the checklist."""

    key: str
    label: str
    done: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Readiness:
    """The whole checklist."""

    items: tuple[ReadinessItem, ...]

    @property
    def ready(self) -> bool:
        """True when nothing is missing."""
        return all(item.done for item in self.items)

    @property
    def missing(self) -> tuple[str, ...]:
        """Labels of the items still missing."""
        return tuple(item.label for item in self.items if not item.done)

    @property
    def missing_roles(self) -> tuple[Role, ...]:
        """Roles whose input is still missing."""
        return tuple(
            Role(item.key.removeprefix("role:"))
            for item in self.items
            if item.key.startswith("role:") and not item.done
        )


def assess_readiness(facts: ReadinessFacts, today: dt.date) -> Readiness:
    """Build the readiness checklist.

    Parameters
    ----------
    facts:
        What is known about the case.
    today:
        The reference date for the age of the MRI.

    Returns
    -------
    Readiness
        The checklist, in a fixed order.
    """
    items: list[ReadinessItem] = []
    mri = facts.latest_spine_mri
    if mri is None:
        items.append(ReadinessItem("mri", "MRI of the spine", False, "no spine MRI attached"))
    else:
        age = (today - mri).days
        recent = age <= MRI_MAX_AGE_DAYS
        items.append(
            ReadinessItem(
                "mri",
                "MRI of the spine"
                if recent
                else f"Recent MRI of the spine (last is {plural(age, 'day')} old)",
                recent,
                f"{mri.isoformat()} ({days_ago(age)})",
            )
        )
    if facts.histology_known:
        items.append(ReadinessItem("histology", "Histology", True, "known"))
    elif facts.biopsy_pending:
        items.append(ReadinessItem("histology", "Histology (biopsy pending)", False, "pending"))
    else:
        items.append(ReadinessItem("histology", "Histology", False, "unknown, no biopsy"))
    items.append(
        ReadinessItem(
            "lesions", "Radiology lesion assessment", facts.lesions_assessed, facts.lesions_detail
        )
    )
    items.append(
        ReadinessItem(
            "neuro",
            "Neurological exam",
            facts.neuro_exam,
            "Frankel/ASIA recorded" if facts.neuro_exam else "no Frankel or ASIA grade",
        )
    )
    items.append(
        ReadinessItem(
            "performance",
            "Performance status",
            facts.performance_status,
            "recorded" if facts.performance_status else "no ECOG or Karnofsky",
        )
    )
    items.append(ReadinessItem("pain", "Pain assessment", facts.pain_assessed, facts.pain_detail))
    for role in facts.required_roles:
        done = role in facts.submitted_roles
        items.append(ReadinessItem(f"role:{role.value}", f"{role.label} input", done))
    return Readiness(tuple(items))


def missing_role_labels(roles: Iterable[Role]) -> list[str]:
    """Plain names of roles, for display."""
    return [role.label for role in roles]
