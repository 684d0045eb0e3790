"""Shared conventions: ScoreResult, inputs storage, coercion, recomputation, purity."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import board.scoring
from board.errors import ValidationError
from board.scoring import registry
from board.scoring.common import (
    ScoreComponent,
    ScoreResult,
    coerce_bool,
    coerce_enum,
    coerce_int,
)
from board.scoring.escc import EsccGrade
from board.scoring.sins import SinsInputs, calculate_sins


def make_result(**changes: object) -> ScoreResult:
    data: dict[str, object] = {
        "algorithm_id": "demo@1",
        "name": "Demo",
        "source": "A source",
        "components": (ScoreComponent("a", "found", 2, "a"), ScoreComponent("b", None, None, "b")),
        "total": None,
        "category": None,
        "category_detail": None,
        "complete": False,
        "missing": ("b", "c"),
        "inputs": (("a", "x"), ("b", None)),
    }
    data.update(changes)
    return ScoreResult(**data)  # type: ignore[arg-type]


def test_incomplete_summary_never_shows_a_total() -> None:
    result = make_result(total=None)
    assert result.summary() == "incomplete: missing b, c"


def test_complete_summaries() -> None:
    assert make_result(complete=True, missing=(), total=9, category="x").summary() == "9: x"
    assert make_result(complete=True, missing=(), category="grade 2").summary() == "grade 2"


def test_round_trip_through_json() -> None:
    result = make_result(complete=True, missing=(), total=2, category="c", category_detail="d")
    stored = json.loads(json.dumps(result.to_dict()))
    assert set(stored) == {"algorithm_id", "name", "source", "inputs", "result"}
    assert stored["inputs"] == {"a": "x", "b": None}
    assert ScoreResult.from_dict(stored) == result


@pytest.mark.parametrize("broken", [{}, {"algorithm_id": "x"}, {"result": None}])
def test_malformed_stored_result(broken: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="malformed"):
        ScoreResult.from_dict(broken)


def test_results_are_frozen() -> None:
    result = make_result()
    with pytest.raises(AttributeError):
        result.total = 3  # type: ignore[misc]


def test_inputs_from_dict_rejects_unknown_keys() -> None:
    with pytest.raises(ValidationError) as info:
        SinsInputs.from_dict({"level": "T7", "colour": "red"})
    assert info.value.field == "colour"


def test_coerce_enum() -> None:
    assert coerce_enum(None, EsccGrade, "g", "grade") is None
    assert coerce_enum("1B", EsccGrade, "g", "grade") is EsccGrade.G1B
    assert coerce_enum("g1b", EsccGrade, "g", "grade") is EsccGrade.G1B  # by name
    with pytest.raises(ValidationError) as info:
        coerce_enum("9", EsccGrade, "g", "grade")
    assert info.value.field == "g" and "'1a'" in info.value.message


@pytest.mark.parametrize(("value", "expected"), [(None, None), (0, 0), (5, 5), (3.0, 3)])
def test_coerce_int_valid(value: object, expected: int | None) -> None:
    assert coerce_int(value, "n", "Number", 0, 5) == expected


@pytest.mark.parametrize("value", [-1, 6, 2.5, True, "3"])
def test_coerce_int_invalid(value: object) -> None:
    with pytest.raises(ValidationError):
        coerce_int(value, "n", "Number", 0, 5)


def test_coerce_bool() -> None:
    assert coerce_bool(None, "f", "F") is None
    assert coerce_bool(False, "f", "F") is False
    with pytest.raises(ValidationError):
        coerce_bool(1, "f", "F")


@pytest.mark.parametrize(
    ("algorithm_id", "inputs", "summary"),
    [
        ("sins@fisher2010", {"level": "T7", "pain": "mechanical", "bone_lesion": "lytic",
                             "alignment": "normal", "collapse": "none",
                             "posterolateral": "unilateral"},
         "7: potentially unstable (indeterminate)"),
        ("escc@bilsky2010", {"grade": "3"}, "ESCC 3: high grade"),
        ("tokuhashi@2005", {"karnofsky": 90}, None),
        ("tomita@2001", {"primary_site": "breast", "visceral_metastases": "none",
                         "bone_metastases": "solitary"}, "2: long-term local control"),
        ("pain-response@chow2012", {"baseline_pain": 6, "followup_pain": 0,
                                    "baseline_omed": 0, "followup_omed": 0},
         "complete response"),
        ("noms@laufer2013", {"escc_grade": "0", "myelopathy": False, "histology": "breast",
                             "sins_total": 2, "tolerates_surgery": True}, "cEBRT"),
    ],
)  # fmt: skip
def test_recompute_every_algorithm(
    algorithm_id: str, inputs: dict[str, object], summary: str | None
) -> None:
    result = registry.recompute(algorithm_id, inputs)
    assert result.algorithm_id == algorithm_id
    if summary is None:
        assert not result.complete
        assert result.summary().startswith("incomplete: missing ")
    else:
        assert result.summary() == summary
    assert json.loads(json.dumps(result.to_dict()))["algorithm_id"] == algorithm_id


def test_recompute_unknown_algorithm() -> None:
    with pytest.raises(ValidationError, match="Unknown score algorithm"):
        registry.recompute("sins@2099", {})


def test_recompute_leaves_stored_result_unchanged() -> None:
    stored = calculate_sins(SinsInputs(level="T7")).to_dict()
    snapshot = json.dumps(stored, sort_keys=True)
    fresh = registry.recompute(stored["algorithm_id"], {**stored["inputs"], "pain": "mechanical"})
    assert json.dumps(stored, sort_keys=True) == snapshot
    assert fresh.missing != tuple(stored["result"]["missing"])


ALLOWED_IMPORTS = {
    "__future__", "collections.abc", "dataclasses", "enum", "math", "types", "typing",
    "board.errors", "board.cases.levels",
}  # fmt: skip
FORBIDDEN_CALLS = {"open", "print", "input", "exec", "eval"}


@pytest.mark.parametrize(
    "path", sorted(Path(board.scoring.__file__).parent.glob("*.py")), ids=lambda p: p.name
)
def test_scoring_modules_are_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert name in ALLOWED_IMPORTS or name.startswith("board.scoring"), (
                f"{path.name} imports {name}"
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{path.name} calls {node.func.id}"
