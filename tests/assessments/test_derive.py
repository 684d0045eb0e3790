"""Scores derived from the roles' forms: sources, incompleteness, NOMS branches."""

from __future__ import annotations

from typing import Any

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
