"""Assessment forms: every role's form validates, round-trips and accepts 'unknown'."""

from __future__ import annotations

from typing import Any

import pytest

from board.assessments.forms import (
    FORM_CLASSES,
    FieldKind,
    LesionFinding,
    RadiologistForm,
    empty_form,
    form_class,
    parse_form,
)
from board.auth.roles import CONTRIBUTING_ROLES, Role
from board.errors import ValidationError


def _sample(role: Role) -> dict[str, Any]:
    """One known value for every field of a role's form."""
    data: dict[str, Any] = {}
    for spec in form_class(role).SPECS:
        if spec.kind is FieldKind.CHOICE:
            assert spec.choices is not None
            data[spec.key] = next(iter(spec.choices)).value
        elif spec.kind is FieldKind.MULTI:
            assert spec.choices is not None
            data[spec.key] = [m.value for m in list(spec.choices)[:2]]
        elif spec.kind is FieldKind.YES_NO:
            data[spec.key] = True
        elif spec.kind is FieldKind.INTEGER:
            data[spec.key] = int(spec.maximum or 1) if spec.step else int(spec.minimum or 0) + 1
        elif spec.kind is FieldKind.NUMBER:
            data[spec.key] = float(spec.minimum or 0) + 0.5
        else:
            data[spec.key] = "Fictional text"
    if role is Role.RADIOLOGIST:
        data["lesions"] = [
            {"level": "T7", "lesion_type": "lytic", "collapse": "lt50", "alignment": "normal",
             "posterolateral": "unilateral", "escc": "1b"},
        ]  # fmt: skip
    return data


def test_every_contributing_role_has_a_form() -> None:
    assert set(FORM_CLASSES) == set(CONTRIBUTING_ROLES)
    for role in (Role.COORDINATOR, Role.ADMIN, Role.PATHOLOGIST):
        with pytest.raises(ValidationError, match="no assessment form"):
            form_class(role)


@pytest.mark.parametrize("role", CONTRIBUTING_ROLES)
def test_round_trip(role: Role) -> None:
    form = parse_form(role, _sample(role))
    assert form.known_count() >= len(form.SPECS)
    assert parse_form(role, form.to_data()) == form


@pytest.mark.parametrize("role", CONTRIBUTING_ROLES)
def test_every_field_may_be_unknown(role: Role) -> None:
    data = {spec.key: "unknown" for spec in form_class(role).SPECS}
    form = parse_form(role, data)
    assert form == empty_form(role)
    assert form.known_count() == 0
    assert all(v is None for k, v in form.to_data().items() if k != "lesions")


@pytest.mark.parametrize("role", CONTRIBUTING_ROLES)
def test_bad_values_name_the_field(role: Role) -> None:
    for spec in form_class(role).SPECS:
        if spec.kind is FieldKind.TEXT:
            bad: Any = "x" * 3000
        elif spec.kind is FieldKind.MULTI:
            bad = ["not-a-choice"]
        elif spec.kind is FieldKind.YES_NO:
            bad = "perhaps"
        elif spec.kind is FieldKind.CHOICE:
            bad = "not-a-choice"
        else:
            bad = -5 if spec.minimum is not None and spec.minimum >= 0 else "abc"
        with pytest.raises(ValidationError) as info:
            parse_form(role, {spec.key: bad})
        assert info.value.field == spec.key


def test_unexpected_field_refused() -> None:
    with pytest.raises(ValidationError, match="unexpected"):
        parse_form(Role.PHYSIOTHERAPIST, {"mobilty": "independent"})


def test_karnofsky_steps_of_ten() -> None:
    assert parse_form(Role.MEDICAL_ONCOLOGIST, {"karnofsky": "70"}).karnofsky == 70  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="steps of 10"):
        parse_form(Role.MEDICAL_ONCOLOGIST, {"karnofsky": 75})


def test_lesions_validated_sorted_and_unique() -> None:
    form = parse_form(
        Role.RADIOLOGIST, {"lesions": [{"level": "L1", "escc": "2"}, {"level": "t4"}]}
    )
    assert isinstance(form, RadiologistForm)
    assert [lesion.level for lesion in form.lesions] == ["T4", "L1"]
    assert form.lesions[1] == LesionFinding(level="L1", escc=form.lesions[1].escc)
    assert not form.lesions[0].complete
    with pytest.raises(ValidationError, match="more than once"):
        parse_form(Role.RADIOLOGIST, {"lesions": [{"level": "T4"}, {"level": "T4"}]})
    with pytest.raises(ValidationError):
        parse_form(Role.RADIOLOGIST, {"lesions": [{"level": "X9"}]})
    with pytest.raises(ValidationError, match="level"):
        parse_form(Role.RADIOLOGIST, {"lesions": [{"escc": "1a"}]})
    with pytest.raises(ValidationError, match="ESCC"):
        parse_form(Role.RADIOLOGIST, {"lesions": [{"level": "T4", "escc": "4"}]})


# ---------------------------------------------------------------------------
# Issue 14: posterior wall, structured prior radiation, albumin for NESMS
# ---------------------------------------------------------------------------

OLD_LESION = {
    "level": "T7", "lesion_type": "lytic", "collapse": "lt50", "alignment": "normal",
    "posterolateral": "unilateral", "escc": "2",
}  # fmt: skip


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        pytest.param(True, True, id="yes"),
        pytest.param(False, False, id="no"),
        pytest.param("unknown", None, id="unknown"),
        pytest.param(None, None, id="none"),
        pytest.param("absent", None, id="older-form-without-the-field"),
    ],
)
def test_posterior_wall_involvement_round_trips(stored: Any, expected: bool | None) -> None:
    lesion = dict(OLD_LESION)
    if stored != "absent":
        lesion["posterior_wall_involvement"] = stored
    form = parse_form(Role.RADIOLOGIST, {"lesions": [lesion]})
    assert isinstance(form, RadiologistForm)
    [finding] = form.lesions
    assert finding.posterior_wall_involvement is expected
    # Not a SINS or ESCC input: a lesion is complete without it.
    assert finding.complete
    assert finding.to_data()["posterior_wall_involvement"] is expected
    assert parse_form(Role.RADIOLOGIST, form.to_data()) == form


def test_posterior_wall_involvement_refuses_other_values() -> None:
    lesion = {**OLD_LESION, "posterior_wall_involvement": "perhaps"}
    with pytest.raises(ValidationError, match="Posterior vertebral wall involved") as info:
        parse_form(Role.RADIOLOGIST, {"lesions": [lesion]})
    assert info.value.field == "posterior_wall_involvement"


@pytest.mark.parametrize(
    ("data", "dose", "fractions"),
    [
        pytest.param({"prior_radiation": True, "prior_dose_gy": 20, "prior_fractions": 5},
                     20.0, 5, id="20-in-5"),
        pytest.param({"prior_radiation": True, "prior_dose_gy": "8", "prior_fractions": "1"},
                     8.0, 1, id="strings"),
        pytest.param({"prior_radiation": True, "prior_dose_gy": 150, "prior_fractions": 60},
                     150.0, 60, id="upper-bounds"),
        pytest.param({"prior_radiation": True, "prior_radiation_details": "30 Gy/10, 2023"},
                     None, None, id="older-form-text-only"),
        pytest.param({"prior_dose_gy": "unknown", "prior_fractions": None}, None, None,
                     id="unknown"),
    ],
)  # fmt: skip
def test_prior_radiation_dose_and_fractions(
    data: dict[str, Any], dose: float | None, fractions: int | None
) -> None:
    form = parse_form(Role.RADIATION_ONCOLOGIST, data)
    assert form.prior_dose_gy == dose  # type: ignore[attr-defined]
    assert form.prior_fractions == fractions  # type: ignore[attr-defined]
    assert parse_form(Role.RADIATION_ONCOLOGIST, form.to_data()) == form


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        pytest.param({"prior_dose_gy": -1}, "prior_dose_gy", r"total dose \(Gy\)", id="neg-dose"),
        pytest.param({"prior_dose_gy": 151}, "prior_dose_gy", r"from 0 to 150", id="dose-151"),
        pytest.param({"prior_fractions": 0}, "prior_fractions", r"from 1 to 60", id="fx-0"),
        pytest.param({"prior_fractions": 2.5}, "prior_fractions", r"whole number", id="fx-2.5"),
    ],
)
def test_prior_radiation_bad_values_name_the_field(
    data: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        parse_form(Role.RADIATION_ONCOLOGIST, data)
    assert info.value.field == field


def test_labels_of_the_new_fields() -> None:
    labels = {
        spec.key: spec.label
        for role in (Role.RADIATION_ONCOLOGIST, Role.MEDICAL_ONCOLOGIST)
        for spec in form_class(role).SPECS
    }
    assert labels["prior_dose_gy"] == "Prior radiation: total dose (Gy)"
    assert labels["prior_fractions"] == "Prior radiation: fractions"
    assert labels["albumin"] == "Albumin (g/L; SORG and NESMS)"
    keys = [spec.key for spec in form_class(Role.RADIATION_ONCOLOGIST).SPECS]
    assert keys[:4] == ["prior_radiation", "prior_dose_gy", "prior_fractions",
                        "prior_radiation_details"]  # fmt: skip
