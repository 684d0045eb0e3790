"""Safety prompts: manipulation, deep massage and heat, NSAIDs."""

from __future__ import annotations

import pytest

from board.errors import ValidationError
from board.scoring.safety import (
    PatientSafetyFlags,
    PlannedItem,
    Severity,
    parse_planned_item,
    safety_prompts,
)

ALL_CLEAR = PatientSafetyFlags(
    spinal_metastasis=False, thrombocytopenia=False, renal_impairment=False, anticoagulation=False
)


@pytest.mark.parametrize(
    ("metastasis", "severity"), [(True, Severity.WARNING), (None, Severity.CHECK), (False, None)]
)
def test_spinal_manipulation(metastasis: bool | None, severity: Severity | None) -> None:
    flags = PatientSafetyFlags(spinal_metastasis=metastasis)
    prompts = safety_prompts([PlannedItem.SPINAL_MANIPULATION], flags)
    if severity is None:
        assert prompts == ()
    else:
        assert len(prompts) == 1
        assert prompts[0].severity is severity
        assert prompts[0].item is PlannedItem.SPINAL_MANIPULATION
        assert "fracture and cord injury" in prompts[0].text
        assert "not prohibitions" in prompts[0].source


@pytest.mark.parametrize("item", [PlannedItem.DEEP_MASSAGE, PlannedItem.HEAT])
def test_massage_and_heat_avoid_tumour_site(item: PlannedItem) -> None:
    prompts = safety_prompts([item], ALL_CLEAR)
    assert len(prompts) == 1
    assert "avoid the tumour site" in prompts[0].text
    assert prompts[0].item is item


@pytest.mark.parametrize("risk", ["thrombocytopenia", "renal_impairment", "anticoagulation"])
def test_nsaid_each_risk(risk: str) -> None:
    flags = PatientSafetyFlags(**{**vars_of(ALL_CLEAR), risk: True})
    prompts = safety_prompts(["NSAIDs"], flags)
    assert len(prompts) == 1
    assert prompts[0].severity is Severity.WARNING
    assert risk.replace("_", " ") in prompts[0].text
    assert "review" in prompts[0].text


def vars_of(flags: PatientSafetyFlags) -> dict[str, bool | None]:
    return {
        "spinal_metastasis": flags.spinal_metastasis,
        "thrombocytopenia": flags.thrombocytopenia,
        "renal_impairment": flags.renal_impairment,
        "anticoagulation": flags.anticoagulation,
    }


def test_nsaid_without_risks_is_silent() -> None:
    assert safety_prompts([PlannedItem.NSAID], ALL_CLEAR) == ()


def test_nsaid_with_unrecorded_risks_asks_to_check() -> None:
    prompts = safety_prompts([PlannedItem.NSAID], PatientSafetyFlags(thrombocytopenia=False))
    assert len(prompts) == 1 and prompts[0].severity is Severity.CHECK
    assert "renal impairment" in prompts[0].text and "anticoagulation" in prompts[0].text
    assert "thrombocytopenia" not in prompts[0].text


def test_nsaid_several_risks_named() -> None:
    flags = PatientSafetyFlags(False, True, True, None)
    (prompt,) = safety_prompts(["nsaid"], flags)
    assert "thrombocytopenia and renal impairment" in prompt.text
    assert "Not recorded: anticoagulation" in prompt.text


def test_order_duplicates_and_unrelated_items() -> None:
    # "surgery" is now covered (the bleeding prompt, here with thrombocytopenia);
    # "physiotherapy" is still ignored.
    flags = PatientSafetyFlags(True, True, False, False)
    prompts = safety_prompts(
        ["nsaids", "surgery", "Heat", "deep massage", "chiropractic", "NSAID", "physiotherapy"],
        flags,
    )
    assert [p.item for p in prompts] == [
        PlannedItem.SPINAL_MANIPULATION, PlannedItem.DEEP_MASSAGE, PlannedItem.HEAT,
        PlannedItem.NSAID, PlannedItem.SURGERY,
    ]  # fmt: skip


def test_nothing_planned() -> None:
    assert safety_prompts([], PatientSafetyFlags(True, True, True, True)) == ()
    assert safety_prompts(["radiation", "physiotherapy"], PatientSafetyFlags(True)) == ()


@pytest.mark.parametrize(
    ("text", "item"),
    [("spinal manipulation", PlannedItem.SPINAL_MANIPULATION),
     ("Spinal-Manipulation", PlannedItem.SPINAL_MANIPULATION),
     ("deep_massage", PlannedItem.DEEP_MASSAGE), ("heat therapy", PlannedItem.HEAT),
     ("NSAIDs", PlannedItem.NSAID), ("massage", None), ("ibuprofen", None)],
)  # fmt: skip
def test_parse_planned_item(text: str, item: PlannedItem | None) -> None:
    assert parse_planned_item(text) is item


def test_flags_validated() -> None:
    with pytest.raises(ValidationError):
        PatientSafetyFlags(spinal_metastasis="yes")  # type: ignore[arg-type]
