"""What the saved forms contribute to a case's readiness checklist.

Kept apart from the derivation so the worklist can ask it for one page of cases from
the typed forms alone (no per-case score derivation, no extra queries).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from board.assessments.forms import (
    Form,
    OncologistForm,
    PainForm,
    RadiologistForm,
    SurgeonForm,
)
from board.auth.roles import Role
from board.wording import plural


def form_readiness(forms: Mapping[Role, Form], referral_pain_score: int | None) -> dict[str, Any]:
    """The readiness facts that come from the roles' stored forms.

    Parameters
    ----------
    forms:
        The typed forms by role, drafts included
        (:func:`board.assessments.service.saved_forms`).
    referral_pain_score:
        The pain score of the referral, used when the pain team has not recorded one.

    Returns
    -------
    dict[str, Any]
        Keyword arguments for :class:`~board.cases.readiness.ReadinessFacts`:
        ``lesions_assessed``, ``lesions_detail``, ``neuro_exam``, ``performance_status``,
        ``pain_assessed``, ``pain_detail``.
    """

    def form(role: Role) -> Form | None:
        return forms.get(role)

    radiology = form(Role.RADIOLOGIST)
    surgeon = form(Role.SPINE_SURGEON)
    oncology = form(Role.MEDICAL_ONCOLOGIST)
    pain = form(Role.PAIN_PALLIATIVE)
    lesions_assessed = False
    lesions_detail = "no lesion assessed by the radiologist"
    if isinstance(radiology, RadiologistForm) and radiology.lesions:
        open_levels = [lesion.level for lesion in radiology.lesions if not lesion.complete]
        lesions_assessed = not open_levels
        lesions_detail = (
            f"{plural(len(radiology.lesions), 'lesion')} assessed"
            if lesions_assessed
            else "findings still unknown at " + ", ".join(open_levels)
        )
    neuro = isinstance(surgeon, SurgeonForm) and (
        surgeon.frankel is not None or surgeon.asia is not None
    )
    performance = isinstance(oncology, OncologistForm) and (
        oncology.ecog is not None or oncology.karnofsky is not None
    )
    if isinstance(pain, PainForm) and pain.nrs is not None:
        pain_assessed, pain_detail = True, f"NRS {pain.nrs} (pain team)"
    elif referral_pain_score is not None:
        pain_assessed, pain_detail = True, f"NRS {referral_pain_score} (referral)"
    else:
        pain_assessed, pain_detail = False, "no pain score"
    return {
        "lesions_assessed": lesions_assessed,
        "lesions_detail": lesions_detail,
        "neuro_exam": neuro,
        "performance_status": performance,
        "pain_assessed": pain_assessed,
        "pain_detail": pain_detail,
    }
