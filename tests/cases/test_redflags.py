"""The MSCC red-flag rule (NICE NG234), table-driven over its branches."""

from __future__ import annotations

from typing import Any

import pytest

from board.cases.redflags import SOURCE, TARGET_HOURS, SymptomFacts, assess_red_flags

ESCC_REASON = "high-grade epidural spinal cord compression on MRI (ESCC 2-3)"
SIGN_LABELS = {
    "weakness": "limb weakness",
    "numbness": "numbness or sensory level",
    "gait_disturbance": "gait disturbance",
    "bladder_bowel_dysfunction": "bladder or bowel dysfunction",
    "radicular_pain": "radicular pain",
}


def _row(case_id: str, facts: dict[str, Any], reasons: tuple[str, ...]) -> Any:
    return pytest.param(facts, reasons, id=case_id)


def _symptoms(*labels: str) -> str:
    return "known cancer with back pain and " + ", ".join(labels)


RULES = [
    # Nothing known: routine.
    _row("nothing", {"known_cancer": True}, ()),
    # Each neurological sign with known cancer and new back pain.
    *(
        _row(f"sign-{attr}", {"known_cancer": True, "pain_new_or_worse": True, attr: True},
             (_symptoms(label),))
        for attr, label in SIGN_LABELS.items()
    ),
    # Back pain counts when new/worse OR scored above 0.
    _row("pain-score-only", {"known_cancer": True, "pain_score": 1, "numbness": True},
         (_symptoms("numbness or sensory level"),)),
    _row("pain-score-zero", {"known_cancer": True, "pain_score": 0, "numbness": True}, ()),
    _row("pain-unknown", {"known_cancer": True, "numbness": True}, ()),
    _row("pain-not-new-score-zero",
         {"known_cancer": True, "pain_new_or_worse": False, "pain_score": 0, "weakness": True}, ()),
    # No known cancer: symptoms alone are not this rule's red flag.
    _row("no-known-cancer",
         {"known_cancer": False, "pain_score": 9, "pain_new_or_worse": True, "weakness": True}, ()),
    # Pain without a sign; signs unknown (None) or absent (False).
    _row("pain-without-signs",
         {"known_cancer": True, "pain_score": 8, "pain_new_or_worse": True}, ()),
    _row("signs-false",
         {"known_cancer": True, "pain_score": 5, **dict.fromkeys(SIGN_LABELS, False)}, ()),
    # Several signs: one reason listing them in a fixed order.
    _row("all-signs",
         {"known_cancer": True, "pain_score": 5, **dict.fromkeys(SIGN_LABELS, True)},
         (_symptoms(*SIGN_LABELS.values()),)),
    _row("two-signs",
         {"known_cancer": True, "pain_score": 5, "radicular_pain": True, "weakness": True},
         (_symptoms("limb weakness", "radicular pain"),)),
    # High-grade ESCC is urgent on its own, even with nothing else known.
    _row("escc-alone", {"known_cancer": False, "high_grade_escc": True}, (ESCC_REASON,)),
    _row("escc-low-grade", {"known_cancer": True, "high_grade_escc": False}, ()),
    _row("escc-and-symptoms",
         {"known_cancer": True, "high_grade_escc": True, "pain_new_or_worse": True,
          "gait_disturbance": True},
         (ESCC_REASON, _symptoms("gait disturbance"))),
]  # fmt: skip


@pytest.mark.parametrize(("facts", "reasons"), RULES)
def test_red_flag_rule(facts: dict[str, Any], reasons: tuple[str, ...]) -> None:
    result = assess_red_flags(SymptomFacts(**facts))
    assert result.reasons == reasons
    assert result.urgent is bool(reasons)


def test_result_carries_source_and_target() -> None:
    result = assess_red_flags(SymptomFacts(known_cancer=True, high_grade_escc=True))
    assert "NG234" in SOURCE
    assert result.source == SOURCE
    assert result.target_hours == TARGET_HOURS == 24
