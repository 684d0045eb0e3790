"""The MSCC triage rule (NICE NG234): every tier, item and boundary, and its invariants."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board.cases.redflags import (
    IMMEDIATE_TARGET,
    NEURO_ITEMS,
    SOURCE,
    TARGET_HOURS,
    WEEK_TARGET,
    PainFeature,
    RedFlagTier,
    SymptomFacts,
    assess_red_flags,
    parse_pain_features,
)
from board.errors import ValidationError

IMM, WEEK, ROUT = RedFlagTier.IMMEDIATE, RedFlagTier.WITHIN_A_WEEK, RedFlagTier.ROUTINE
ESCC_REASON = (
    "high-grade epidural spinal cord compression on MRI (ESCC 2-3): oncological emergency, "
    "MRI of the whole spine within 24 hours"
)
NEURO_LABELS = dict(NEURO_ITEMS)
ALL_NEURO_FALSE = dict.fromkeys(NEURO_LABELS, False)
FEATURE_LABELS = {
    "thoracic_or_cervical": "pain in the thoracic or cervical spine",
    "progressive_lumbar": "progressive lumbar spinal pain",
    "severe_unremitting": "severe unremitting lower spinal pain",
    "worse_on_straining": "spinal pain aggravated by straining (at stool, coughing or sneezing)",
    "local_tenderness": "localised spinal tenderness",
    "night_pain": "nocturnal spinal pain preventing sleep",
}


def _neuro(*labels: str) -> str:
    joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return (
        f"known cancer with {joined}, suggesting spinal cord or cauda equina compression "
        "(with or without back pain): oncological emergency, MRI of the whole spine within "
        "24 hours"
    )


def _pain(*labels: str) -> str:
    joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return (
        f"known cancer with spinal pain suggesting spinal metastases ({joined}), no "
        "neurological symptoms or signs recorded: contact the MSCC coordinator within 24 "
        "hours and MRI within one week"
    )


def _row(case_id: str, facts: dict[str, Any], tier: RedFlagTier, reasons: tuple[str, ...]) -> Any:
    return pytest.param(facts, tier, reasons, id=case_id)


RULES = [
    # Nothing recorded: routine on what is recorded (see test_all_unknown_case).
    _row("nothing", {"known_cancer": True}, ROUT, ()),
    # Each neurological item with known cancer and new back pain: immediate.
    *(
        _row(f"sign-{attr}-with-pain",
             {"known_cancer": True, "pain_new_or_worse": True, attr: True},
             IMM, (_neuro(label),))
        for attr, label in NEURO_ITEMS
    ),
    # ... and WITHOUT any back pain on file (NG234 changed the rule: back pain is not
    # required; before, these cases were routine).
    *(
        _row(f"sign-{attr}-pain-unknown", {"known_cancer": True, attr: True}, IMM, (_neuro(label),))
        for attr, label in NEURO_ITEMS
    ),
    *(
        _row(f"sign-{attr}-no-pain", {"known_cancer": True, "pain_score": 0,
                                      "pain_new_or_worse": False, attr: True},
             IMM, (_neuro(label),))
        for attr, label in NEURO_ITEMS
    ),
    # The two examples: bladder dysfunction and leg weakness with no pain on file;
    # numbness with pain unrecorded.
    _row("bladder-and-weakness-no-pain",
         {"known_cancer": True, "pain_score": 0, "bladder_bowel_dysfunction": True,
          "weakness": True},
         IMM, (_neuro("limb weakness", "bladder or bowel dysfunction"),)),
    _row("numbness-pain-unrecorded", {"known_cancer": True, "numbness": True},
         IMM, (_neuro("numbness or sensory loss"),)),
    # Each pain feature alone, without neurology: within a week.
    *(
        _row(f"feature-{value}", {"known_cancer": True, **ALL_NEURO_FALSE,
                                  "pain_features": frozenset({value})},
             WEEK, (_pain(label),))
        for value, label in FEATURE_LABELS.items()
    ),
    # ... also with the neurological items unknown (they are listed, not assumed).
    _row("feature-neuro-unknown", {"known_cancer": True, "pain_features": {"night_pain"}},
         WEEK, (_pain("nocturnal spinal pain preventing sleep"),)),
    # Several features: one reason listing them in the NG234 order.
    _row("two-features",
         {"known_cancer": True, "pain_features": {"night_pain", "thoracic_or_cervical"}},
         WEEK, (_pain("pain in the thoracic or cervical spine",
                   "nocturnal spinal pain preventing sleep"),)),
    # A pain feature with neurology: immediate, and only the immediate reason.
    _row("feature-and-sign",
         {"known_cancer": True, "pain_features": {"night_pain"}, "radicular_pain": True},
         IMM, (_neuro("radicular pain"),)),
    # Pain without a named feature is not the second tier (the score alone is context).
    _row("pain-score-only", {"known_cancer": True, "pain_score": 9, "pain_new_or_worse": True,
                             **ALL_NEURO_FALSE}, ROUT, ()),
    _row("pain-score-zero-feature-none", {"known_cancer": True, "pain_score": 0}, ROUT, ()),
    # No known cancer: the NG234 tiers do not apply to symptoms or pain.
    _row("no-known-cancer-sign",
         {"known_cancer": False, "pain_score": 9, "pain_new_or_worse": True, "weakness": True},
         ROUT, ()),
    _row("no-known-cancer-feature", {"known_cancer": False, "pain_features": {"night_pain"}},
         ROUT, ()),
    # Items recorded as absent: routine.
    _row("signs-false", {"known_cancer": True, "pain_score": 5, **ALL_NEURO_FALSE}, ROUT, ()),
    # Several signs: one reason listing them in a fixed order.
    _row("all-signs",
         {"known_cancer": True, "pain_score": 5, **dict.fromkeys(NEURO_LABELS, True)},
         IMM, (_neuro(*NEURO_LABELS.values()),)),
    _row("two-signs",
         {"known_cancer": True, "pain_score": 5, "radicular_pain": True, "weakness": True},
         IMM, (_neuro("limb weakness", "radicular pain"),)),
    # High-grade ESCC is immediate on its own, even with nothing else known.
    _row("escc-alone", {"known_cancer": False, "high_grade_escc": True}, IMM, (ESCC_REASON,)),
    _row("escc-alone-known-cancer", {"known_cancer": True, "high_grade_escc": True},
         IMM, (ESCC_REASON,)),
    _row("escc-low-grade", {"known_cancer": True, "high_grade_escc": False}, ROUT, ()),
    _row("escc-and-feature",
         {"known_cancer": True, "high_grade_escc": True, "pain_features": {"night_pain"}},
         IMM, (ESCC_REASON,)),
    _row("escc-and-symptoms",
         {"known_cancer": True, "high_grade_escc": True, "pain_new_or_worse": True,
          "gait_disturbance": True},
         IMM, (ESCC_REASON, _neuro("difficulty walking (gait disturbance)"))),
]  # fmt: skip


@pytest.mark.parametrize(("facts", "tier", "reasons"), RULES)
def test_red_flag_rule(facts: dict[str, Any], tier: RedFlagTier, reasons: tuple[str, ...]) -> None:
    result = assess_red_flags(SymptomFacts(**facts))
    assert result.tier is tier
    assert result.reasons == reasons
    assert result.urgent is (tier is IMM)
    assert result.tier.value in ("immediate", "within_a_week", "routine")


@pytest.mark.parametrize(
    ("tier", "hours", "target"),
    [(IMM, 24, IMMEDIATE_TARGET), (WEEK, 168, WEEK_TARGET), (ROUT, None, None)],
)
def test_tier_targets(tier: RedFlagTier, hours: int | None, target: str | None) -> None:
    assert tier.target_hours == hours
    assert tier.target == target
    if target is not None:
        assert target in tier.label


def test_targets_name_the_mri() -> None:
    assert IMMEDIATE_TARGET == "MRI of the whole spine within 24 hours"
    assert "MRI within one week" in WEEK_TARGET


def test_result_carries_source_and_target() -> None:
    result = assess_red_flags(SymptomFacts(known_cancer=True, high_grade_escc=True))
    assert "NG234" in SOURCE
    assert result.source == SOURCE
    assert result.target_hours == TARGET_HOURS == 24
    week = assess_red_flags(SymptomFacts(known_cancer=True, pain_features={"night_pain"}))
    assert week.target_hours == 168 and not week.urgent
    assert assess_red_flags(SymptomFacts(known_cancer=True)).target_hours is None


def test_all_unknown_case() -> None:
    """An all-unknown case reads routine on what is recorded, incomplete, naming everything."""
    result = assess_red_flags(SymptomFacts(known_cancer=True, pain_features=None))
    assert result.tier is ROUT and not result.urgent
    assert result.reasons == ()
    assert not result.complete
    assert result.unknown == (*NEURO_LABELS.values(), "spinal pain features")
    summary = result.summary()
    assert summary.startswith("Routine on what is recorded; not yet recorded: limb weakness")
    assert "any of these present makes it immediate" in summary
    assert IMMEDIATE_TARGET in summary


def test_unknown_items_are_listed_with_any_tier() -> None:
    result = assess_red_flags(SymptomFacts(known_cancer=True, weakness=True))
    assert result.tier is IMM
    assert "limb weakness" not in result.unknown
    assert result.unknown == tuple(v for k, v in NEURO_ITEMS if k != "weakness")
    assert "not yet recorded: numbness or sensory loss" in result.summary()
    complete = assess_red_flags(SymptomFacts(known_cancer=True, **ALL_NEURO_FALSE))
    assert complete.complete and complete.unknown == ()
    assert complete.summary() == "Routine"


def test_summary_of_a_tier_lists_its_reasons() -> None:
    result = assess_red_flags(
        SymptomFacts(known_cancer=True, pain_features={"local_tenderness"}, **ALL_NEURO_FALSE)
    )
    assert result.summary() == f"{WEEK.label}: {result.reasons[0]}"


def test_pain_features_are_validated() -> None:
    assert parse_pain_features(["Night_Pain ", PainFeature.LOCAL_TENDERNESS]) == frozenset(
        {PainFeature.NIGHT_PAIN, PainFeature.LOCAL_TENDERNESS}
    )
    assert parse_pain_features("night_pain") == frozenset({PainFeature.NIGHT_PAIN})
    assert parse_pain_features(None) is None
    assert parse_pain_features(()) == frozenset()
    assert {f.value for f in PainFeature} == set(FEATURE_LABELS)
    with pytest.raises(ValidationError, match="night_pain") as caught:
        SymptomFacts(known_cancer=True, pain_features={"back ache"})
    assert caught.value.field == "pain_features"
    # The default is "none present" (an empty set), not unknown.
    assert SymptomFacts(known_cancer=True).pain_features == frozenset()


# ---------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------

TRI = st.sampled_from([True, False, None])
FACTS = st.builds(
    SymptomFacts,
    known_cancer=st.booleans(),
    pain_score=st.one_of(st.none(), st.integers(0, 10)),
    pain_new_or_worse=TRI,
    weakness=TRI,
    numbness=TRI,
    gait_disturbance=TRI,
    bladder_bowel_dysfunction=TRI,
    radicular_pain=TRI,
    high_grade_escc=TRI,
    pain_features=st.one_of(st.none(), st.frozensets(st.sampled_from(list(PainFeature)))),
    neuro_signs_on_examination=TRI,
)
ITEMS = [*NEURO_LABELS, "high_grade_escc"]
SETTINGS = settings(max_examples=300, deadline=None)


def _tier(facts: SymptomFacts) -> int:
    return assess_red_flags(facts).tier.rank


def _known(facts: SymptomFacts) -> SymptomFacts:
    """The same facts with every unknown item read as absent."""
    changes: dict[str, Any] = {k: False for k in ITEMS if getattr(facts, k) is None}
    if facts.pain_features is None:
        changes["pain_features"] = frozenset()
    return dataclasses.replace(facts, **changes)


@SETTINGS
@given(FACTS)
def test_unknown_items_never_set_the_tier(facts: SymptomFacts) -> None:
    """A tier never becomes routine (or anything else) because of an unknown item."""
    result = assess_red_flags(facts)
    assert result.tier is assess_red_flags(_known(facts)).tier
    for label in result.unknown:
        assert all(label not in reason for reason in result.reasons)
    if result.tier is ROUT and result.unknown:
        assert not result.complete
        assert all(label in result.summary() for label in result.unknown)


@SETTINGS
@given(FACTS, st.sampled_from(ITEMS), st.booleans())
def test_recording_an_unknown_item_never_lowers_the_tier(
    facts: SymptomFacts, item: str, value: bool
) -> None:
    if getattr(facts, item) is not None:
        facts = dataclasses.replace(facts, **{item: None})
    recorded = dataclasses.replace(facts, **{item: value})
    assert _tier(recorded) >= _tier(facts)


@SETTINGS
@given(FACTS, st.sampled_from(list(NEURO_LABELS)))
def test_adding_a_neurological_symptom_never_lowers_the_tier(
    facts: SymptomFacts, item: str
) -> None:
    with_symptom = dataclasses.replace(facts, **{item: True})
    assert _tier(with_symptom) >= _tier(facts)
    if facts.known_cancer:
        assert assess_red_flags(with_symptom).tier is IMM


@SETTINGS
@given(FACTS, st.sampled_from(list(PainFeature)))
def test_adding_a_pain_feature_never_lowers_the_tier(
    facts: SymptomFacts, feature: PainFeature
) -> None:
    features = (facts.pain_features or frozenset()) | {feature}
    more = dataclasses.replace(facts, pain_features=features)
    assert _tier(more) >= _tier(facts)


@SETTINGS
@given(FACTS)
def test_result_shape(facts: SymptomFacts) -> None:
    result = assess_red_flags(facts)
    assert result.urgent is (result.tier is IMM)
    assert bool(result.reasons) is (result.tier is not ROUT)
    target = {IMM: IMMEDIATE_TARGET, WEEK: WEEK_TARGET}.get(result.tier)
    for reason in result.reasons:
        assert target is not None and reason.endswith(target)
    if facts.high_grade_escc is True:
        assert result.tier is IMM
