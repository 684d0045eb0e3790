"""Each role's input in short, as the presenter shows it: the form's own labels."""

from __future__ import annotations

import pytest

from board.auth.roles import Role
from board.cases.inputs import summarise_input


@pytest.mark.parametrize(
    ("role", "data", "expected"),
    [
        (
            Role.SPINE_SURGEON,
            {"frankel": "D", "asia": "D", "mechanical_pain": False, "myelopathy": None},
            "Frankel grade D; ASIA impairment scale D; Mechanical pain no",
        ),
        (
            Role.RADIATION_ONCOLOGIST,
            {"cebrt_dose_gy": 8.0, "cebrt_fractions": 1},
            "cEBRT total dose (Gy) 8.0; cEBRT fractions 1",
        ),
        (
            Role.RADIOLOGIST,
            {"lesions": [{"level": "T8", "lesion_type": "lytic", "escc": "1a"}]},
            "T8: Bone lesion lytic, ESCC (Bilsky) grade 1a",
        ),
        (Role.PAIN_PALLIATIVE, {"nrs": 6, "unlisted_key": "x"}, "Pain 6; unlisted key x"),
        (Role.PHYSIOTHERAPIST, {}, "no structured input"),
    ],
)
def test_summary_uses_the_form_labels(role: Role, data: dict[str, object], expected: str) -> None:
    assert summarise_input(role, data) == expected
