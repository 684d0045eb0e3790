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

    #: date of the newest dated MRI of the spine (or whole body)
    latest_spine_mri: dt.date | None = None
    #: an MRI of the spine (or of an unknown region) has no study date
    mri_undated: bool = False
    #: an MRI's body region is unknown (not stated in the headers or by hand)
    mri_region_unknown: bool = False
    #: an MRI of another body part (brain, chest, ...) is attached
    other_region_mri: bool = False
    #: plain names of the other modalities attached ("CT", "PET"), in a fixed order
    other_modalities: tuple[str, ...] = ()
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
    items: list[ReadinessItem] = [_mri_item(facts, today)]
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


def _and(words: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    found = list(words)
    return found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]


def _mri_problems(facts: ReadinessFacts) -> tuple[list[str], str]:
    """What is wrong with the MRIs attached (short words, and the detail with the fix)."""
    words, clauses = [], []
    if facts.mri_undated:
        words.append("MRI undated")
        clauses.append("an MRI has no study date")
    if facts.mri_region_unknown:
        words.append("MRI region unknown")
        clauses.append("an MRI's body region is unknown")
    if not clauses:
        return words, ""
    them = "them" if len(clauses) > 1 else "it"
    return words, f"{_and(clauses)}: correct {them} on the Imaging tab"


def _mri_item(facts: ReadinessFacts, today: dt.date) -> ReadinessItem:
    """The MRI line: done for a dated spine MRI at most 42 days old; otherwise it says
    precisely why not (none, only other modalities, another body part, undated, region
    unknown, too old)."""
    mri = facts.latest_spine_mri
    problems, fix = _mri_problems(facts)
    if mri is not None:
        age = (today - mri).days
        if age <= MRI_MAX_AGE_DAYS:
            return ReadinessItem(
                "mri", "MRI of the spine", True, f"{mri.isoformat()} ({days_ago(age)})"
            )
        stale = "; ".join([f"last is {plural(age, 'day')} old", *problems])
        return ReadinessItem(
            "mri",
            f"Recent MRI of the spine ({stale})",
            False,
            fix or f"{mri.isoformat()} ({days_ago(age)})",
        )
    if problems:
        return ReadinessItem("mri", f"MRI of the spine ({'; '.join(problems)})", False, fix)
    if facts.other_region_mri:
        return ReadinessItem(
            "mri",
            "MRI of the spine (MRI of another body part only)",
            False,
            "no MRI of the spine attached",
        )
    if facts.other_modalities:
        return ReadinessItem(
            "mri",
            f"MRI of the spine (no MRI, only {_and(facts.other_modalities)})",
            False,
            "no MRI attached",
        )
    return ReadinessItem("mri", "MRI of the spine", False, "no spine MRI attached")


def missing_role_labels(roles: Iterable[Role]) -> list[str]:
    """Plain names of roles, for display."""
    return [role.label for role in roles]
