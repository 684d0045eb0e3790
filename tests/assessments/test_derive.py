"""Scores derived from the roles' forms: sources, incompleteness, NOMS branches."""

from __future__ import annotations

from typing import Any

import pytest

from board.assessments.derive import DerivationInput, derive_scores
from board.assessments.forms import parse_form
from board.auth.roles import Role

RAD = {
    "lesions": [
        {"level": "T11", "lesion_type": "lytic", "collapse": "lt50", "alignment": "normal",
         "posterolateral": "unilateral", "escc": "2"},
        {"level": "T7", "lesion_type": "blastic", "collapse": "none", "alignment": "normal",
         "posterolateral": "none", "escc": "1a"},
    ],
    "extraspinal_bone_foci": 1,
    "visceral_metastases_seen": False,
}  # fmt: skip
SURGEON = {"frankel": "D", "asia": "D", "myelopathy": True, "mechanical_pain": True,
           "tolerates_surgery": True}  # fmt: skip
ONC = {"primary_site": "kidney", "visceral_metastases": "none", "ecog": "1", "karnofsky": 80,
       "extraspinal_bone_foci": 1}  # fmt: skip


def _derive(forms: dict[Role, dict[str, Any]], **kwargs: Any) -> Any:
    parsed = {role: parse_form(role, data) for role, data in forms.items()}
    authors = {role: f"Dr {role.value}" for role in forms}
    return derive_scores(DerivationInput(forms=parsed, authors=authors, **kwargs))


def test_complete_case_with_sources() -> None:
    scores = _derive(
        {Role.RADIOLOGIST: RAD, Role.SPINE_SURGEON: SURGEON, Role.MEDICAL_ONCOLOGIST: ONC},
        primary_site="breast",
        levels=("T7",),
    )
    t11, t7 = sorted(scores.lesions, key=lambda lesion: lesion.level != "T11")
    # T11: junctional 3 + mechanical 3 + lytic 2 + normal 0 + <50% 2 + unilateral 1 = 11
    assert t11.sins.total == 11 and t11.sins.surgical_consultation_advised
    sources = {c.name: c.source for c in t11.components}
    assert sources["bone lesion"] == "Radiologist (Dr radiologist)"
    assert sources["pain"].startswith("Neurosurgeon / spine surgeon (Dr spine_surgeon)")
    assert t7.sins.total == 1 + 3 + 0 + 0 + 0 + 0
    sins = scores.get("sins")
    assert sins.complete and sins.value == "T11: 11"
    assert any("urgical consultation advised" in n for n in sins.notes)
    escc = scores.get("escc")
    assert escc.complete and escc.value == "2" and "T11" in escc.category
    # Kidney is radioresistant, ESCC 2 high grade, SINS 11 with mechanical pain, fit:
    noms = scores.get("noms")
    assert noms.complete, noms.missing
    assert "separation surgery, then SBRT" in noms.category
    assert "stabilisation" in noms.category
    # Tokuhashi: K80 2 + foci 1 -> 1 + 2 vertebrae 1 + none 2 + kidney 3 + Frankel D 1 = 10
    toku = scores.get("tokuhashi")
    assert toku.complete and toku.value == "10"
    assert {i.name: i.source for i in toku.inputs}["primary site"].startswith("Medical onc")
    # Tomita: kidney moderate 2 + none 0 + multiple 2 = 4
    assert scores.get("tomita").value == "4"
    perf = scores.get("performance")
    assert perf.complete and perf.value == "ECOG 1, Karnofsky 80%"
    assert scores.get("neuro").value == "Frankel D, ASIA D"


def test_incomplete_scores_name_what_is_missing_never_a_total() -> None:
    scores = _derive({Role.RADIOLOGIST: {"lesions": [{"level": "L1", "lesion_type": "lytic"}]}})
    sins = scores.get("sins")
    assert not sins.complete and sins.value == "incomplete"
    assert sins.summary.startswith("incomplete: missing L1")
    assert "pain" in sins.summary and "collapse" in sins.summary
    for key in ("escc", "noms", "tokuhashi", "tomita", "performance", "neuro"):
        line = scores.get(key)
        assert not line.complete and line.value == "incomplete", key
        assert line.summary.startswith("incomplete: missing"), key
    assert scores.lesions[0].sins.total is None


def test_no_forms_uses_case_levels_and_referral() -> None:
    scores = derive_scores(
        DerivationInput(primary_site="breast", levels=("T4", "T5"), pain_score=0)
    )
    assert [lesion.level for lesion in scores.lesions] == ["T4", "T5"]
    pain = {c.name: c for c in scores.lesions[0].components}["pain"]
    assert pain.points == 0 and "referral" in pain.source
    assert not scores.get("sins").complete


def test_legacy_lesion_findings_are_read() -> None:
    findings = {"lesion_type": "blastic", "collapse": "none", "alignment": "normal",
                "posterolateral": "none", "escc": "1a", "pain": "occasional"}  # fmt: skip
    scores = derive_scores(
        DerivationInput(primary_site="breast", levels=("T7",), lesion_findings={"T7": findings})
    )
    assert scores.get("sins").value == "T7: 2"  # semi-rigid 1 + occasional 1
    assert scores.get("escc").value == "1a"
    assert scores.noms is not None and scores.noms.grid is not None
    assert scores.noms.grid.value == "cebrt"


def test_noms_branches() -> None:
    def noms_for(site: str, escc: str, tolerates: bool | None, **extra: Any) -> Any:
        rad = {"lesions": [{**RAD["lesions"][1], "escc": escc}]}  # type: ignore[index]
        surgeon = {"frankel": "E", "mechanical_pain": False, "tolerates_surgery": tolerates}
        forms: dict[Role, dict[str, Any]] = {
            Role.RADIOLOGIST: rad,
            Role.SPINE_SURGEON: surgeon,
            Role.MEDICAL_ONCOLOGIST: {"primary_site": site},
            **extra,
        }
        return _derive(forms, pain_score=3).noms

    assert noms_for("breast", "1a", True).grid.value == "cebrt"
    assert noms_for("kidney", "1b", True).grid.value == "sbrt"
    assert noms_for("kidney", "3", True).suggestions == ("separation surgery, then SBRT",)
    frail = noms_for("kidney", "3", False)
    assert "cannot tolerate" in frail.suggestions[0]
    # The radiation oncologist's explicit radiosensitivity wins over the table.
    override = noms_for(
        "kidney", "1a", True, **{Role.RADIATION_ONCOLOGIST: {"radiosensitivity": "radiosensitive"}}
    )
    assert override.grid.value == "cebrt"


def test_performance_conversion_is_approximate() -> None:
    scores = _derive({Role.MEDICAL_ONCOLOGIST: {"ecog": "2"}})
    perf = scores.get("performance")
    assert perf.complete and any("approximately Karnofsky 50-60" in n for n in perf.notes)
    toku = scores.get("tokuhashi")
    assert not toku.complete and any("approximation" in n for n in toku.notes)


@pytest.mark.parametrize(
    ("grades", "complete", "value", "missing"),
    [
        # A known high-grade level decides the case while another level is ungraded.
        ({"T8": "3", "T10": None}, True, "3", ()),
        ({"T8": "2", "T10": None}, True, "2", ()),
        # Only low-grade (or borderline) known levels: the unknown level could be higher.
        ({"T8": "1c", "T10": None}, False, "incomplete", ("ESCC grade at T10",)),
        ({"T8": "1a", "T10": "0"}, True, "1a", ()),
        ({"T8": None, "T10": None}, False, "incomplete", ("ESCC grade at T8", "ESCC grade at T10")),
    ],
)
def test_case_escc_over_levels(
    grades: dict[str, str | None], complete: bool, value: str, missing: tuple[str, ...]
) -> None:
    lesions = [{"level": level, "escc": grade} for level, grade in grades.items()]
    scores = _derive({Role.RADIOLOGIST: {"lesions": lesions}})
    escc = scores.get("escc")
    assert (escc.complete, escc.value, escc.missing) == (complete, value, missing)
    if complete and None in grades.values():
        assert "T8" in escc.category and any("T10" in n for n in escc.notes)
        # NOMS reads the same case grade: its neurologic line names T8, nothing missing.
        assert scores.noms is not None
        assert not any("ESCC" in m for m in scores.noms.missing)
        assert any("T8" in r for r in scores.noms.reasoning)


NESMS_ONC = {"primary_site": "breast", "visceral_metastases": "none",
             "extraspinal_bone_foci": 0, "albumin": 38}  # fmt: skip
NESMS_RAD = {"lesions": [{"level": "T8", "escc": "1a"}]}


@pytest.mark.parametrize(
    ("onc", "mobility", "complete", "value", "missing"),
    [
        # Bauer: no visceral 1 + not lung 1 + breast 1 + solitary 1 = 4 -> 2; ambulatory 1;
        # albumin 3.8 g/dL 1: 4, capped at 3.
        (NESMS_ONC, "independent", True, "3", ()),
        # 2 + 0 (wheelchair) + 1 = 3.
        (NESMS_ONC, "wheelchair", True, "3", ()),
        # 2 + 0 (bedbound) + 0 (34 g/L = 3.4 g/dL, below 3.5) = 2.
        ({**NESMS_ONC, "albumin": 34}, "bedbound", True, "2", ()),
        # 35 g/L is exactly 3.5 g/dL: the point is given.
        ({**NESMS_ONC, "albumin": 35}, "assisted", True, "3", ()),
        # Lung with visceral metastases: Bauer 0 + 0 + 0 + 1 = 1 -> 0; 1 + 1 = 2.
        ({**NESMS_ONC, "primary_site": "lung_nsclc", "visceral_metastases": "removable"},
         "independent", True, "2", ()),
        # A walking aid leaves independent ambulation to the board.
        (NESMS_ONC, "walking_aid", False, "incomplete", ("independent ambulation",)),
        (NESMS_ONC, None, False, "incomplete", ("independent ambulation",)),
        ({k: v for k, v in NESMS_ONC.items() if k != "albumin"}, "independent", False,
         "incomplete", ("serum albumin",)),
        ({"primary_site": "breast"}, "independent", False, "incomplete",
         ("visceral metastases", "skeletal metastases (solitary or multiple)", "serum albumin")),
    ],
)  # fmt: skip
def test_nesms(
    onc: dict[str, Any],
    mobility: str | None,
    complete: bool,
    value: str,
    missing: tuple[str, ...],
) -> None:
    forms: dict[Role, dict[str, Any]] = {Role.MEDICAL_ONCOLOGIST: onc, Role.RADIOLOGIST: NESMS_RAD}
    if mobility is not None:
        forms[Role.PHYSIOTHERAPIST] = {"mobility": mobility}
    score = _derive(forms).get("nesms")
    assert (score.complete, score.value, score.missing) == (complete, value, missing)
    sources = {i.name: i.source for i in score.inputs}
    assert sources["modified Bauer: primary tumour is not lung cancer"].startswith("Medical onc")
    if complete:
        assert "g/L" in sources["serum albumin 3.5 g/dL (35 g/L) or more"]
        assert sources["independent ambulation"].startswith("Physiotherapist")
        assert score.algorithm_id == "nesms@ghori2015"
    else:
        assert score.summary.startswith("incomplete: missing")
