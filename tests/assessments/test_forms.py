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
