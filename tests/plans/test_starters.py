"""The NOMS start (pure): every NOMS outcome gives components the plan rules accept and
that do not depart from NOMS; the default templates validate as if entered by hand."""

from __future__ import annotations

import itertools

import pytest

from board.plans.drafting import checked_item
from board.plans.rules import ItemFacts, noms_departures
from board.plans.starters import DEFAULT_TEMPLATES, noms_start
from board.scoring.escc import EsccGrade
from board.scoring.noms import NomsInputs, Radiosensitivity, calculate_noms

S, R = Radiosensitivity.RADIOSENSITIVE, Radiosensitivity.RADIORESISTANT


def _facts(noms_inputs: NomsInputs) -> tuple[list[str], tuple[str, ...]]:
    noms = calculate_noms(noms_inputs)
    items = [checked_item(i) for i in noms_start(noms)]
    facts = [ItemFacts(i.component, i.option, dict(i.details)) for i in items]
    return [f"{i.option}" for i in items], noms_departures(noms, facts)


@pytest.mark.parametrize(
    ("escc", "sensitivity", "sins", "tolerates", "expected"),
    [
        (EsccGrade.G0, S, 4, True, ["cebrt"]),
        (EsccGrade.G1B, R, 4, None, ["sbrt"]),
        (EsccGrade.G2, S, 4, True, ["cebrt"]),
        (EsccGrade.G3, R, 4, True, ["separation_surgery", "sbrt"]),
        (EsccGrade.G3, R, 4, None, ["separation_surgery", "sbrt"]),
        (EsccGrade.G3, R, 4, False, ["cebrt"]),
        (EsccGrade.G0, S, 14, True, ["stabilisation", "cebrt"]),
        (EsccGrade.G1A, R, 14, None, ["stabilisation", "sbrt"]),
        (EsccGrade.G3, R, 14, True, ["separation_surgery", "sbrt"]),
        (EsccGrade.G3, R, 14, False, ["stabilisation", "cebrt"]),
        (None, None, 14, True, ["stabilisation"]),
        (None, None, 4, True, []),
    ],
)
def test_the_noms_start_follows_every_noms_outcome(
    escc: EsccGrade | None,
    sensitivity: Radiosensitivity | None,
    sins: int,
    tolerates: bool | None,
    expected: list[str],
) -> None:
    options, departures = _facts(
        NomsInputs(
            escc_grade=escc,
            radiosensitivity=sensitivity,
            sins_total=sins,
            tolerates_surgery=tolerates,
        )
    )
    assert options == expected
    assert departures == ()


def test_stabilisation_is_percutaneous_when_surgery_is_not_tolerated() -> None:
    noms = calculate_noms(
        NomsInputs(
            escc_grade=EsccGrade.G0, radiosensitivity=S, sins_total=14, tolerates_surgery=False
        )
    )
    surgery, radiation = noms_start(noms)
    assert surgery.details == {"approach": "percutaneous"}
    assert radiation.details == {"dose_gy": 8.0, "fractions": 1}


def test_every_combination_of_the_grid_gives_no_departure() -> None:
    for escc, sensitivity, sins, tolerates in itertools.product(
        list(EsccGrade), (S, R), (0, 8, 13), (True, False, None)
    ):
        for pain in (True, False):
            noms = calculate_noms(
                NomsInputs(
                    escc_grade=escc,
                    radiosensitivity=sensitivity,
                    sins_total=sins,
                    mechanical_pain=pain,
                    tolerates_surgery=tolerates,
                )
            )
            items = [checked_item(i) for i in noms_start(noms)]
            facts = [ItemFacts(i.component, i.option, dict(i.details)) for i in items]
            assert items, (escc, sensitivity, sins, tolerates)
            assert noms_departures(noms, facts) == (), (escc, sensitivity, sins, tolerates)


def test_no_noms_no_start() -> None:
    assert noms_start(None) == ()


@pytest.mark.parametrize("spec", DEFAULT_TEMPLATES, ids=lambda s: s.name)
def test_the_default_templates_validate_as_entered_by_hand(spec: object) -> None:
    for item in spec.items:  # type: ignore[attr-defined]
        assert checked_item(item) == item
