"""Recompute a score from stored inputs, by algorithm id.

A stored result keeps its algorithm id and inputs (see
:meth:`board.scoring.common.ScoreResult.to_dict`). Recomputing builds a *new* result with
the current code; it never rewrites the stored one, and it refuses an algorithm id it
does not know (a different version of a score is a different algorithm).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from board.errors import ValidationError
from board.scoring.common import ScoreResult
from board.scoring.escc import ALGORITHM_ID as ESCC_ID
from board.scoring.escc import CASE_ALGORITHM_ID as ESCC_CASE_ID
from board.scoring.escc import EsccInputs, calculate_case_escc, calculate_escc
from board.scoring.nesms_score import ALGORITHM_ID as NESMS_ID
from board.scoring.nesms_score import NesmsInputs, calculate_nesms
from board.scoring.noms import ALGORITHM_ID as NOMS_ID
from board.scoring.noms import NomsInputs, NomsResult, calculate_noms
from board.scoring.pain import ALGORITHM_ID as PAIN_ID
from board.scoring.pain import PainResponseInputs, calculate_pain_response
from board.scoring.sins import ALGORITHM_ID as SINS_ID
from board.scoring.sins import SinsInputs, calculate_sins
from board.scoring.tokuhashi import ALGORITHM_ID as TOKUHASHI_ID
from board.scoring.tokuhashi import TokuhashiInputs, calculate_tokuhashi
from board.scoring.tomita import ALGORITHM_ID as TOMITA_ID
from board.scoring.tomita import TomitaInputs, calculate_tomita

# The package namespace binds ``sins``, ``noms``... to the public functions
# (board.scoring.api), so the calculator modules are imported by their full names.

Calculator = Callable[[Mapping[str, Any]], ScoreResult | NomsResult]

CALCULATORS: Mapping[str, Calculator] = {
    SINS_ID: lambda data: calculate_sins(SinsInputs.from_dict(data)),
    ESCC_ID: lambda data: calculate_escc(EsccInputs.from_dict(data)),
    ESCC_CASE_ID: lambda data: calculate_case_escc(tuple(data.items())),
    NOMS_ID: lambda data: calculate_noms(NomsInputs.from_dict(data)),
    TOKUHASHI_ID: lambda data: calculate_tokuhashi(TokuhashiInputs.from_dict(data)),
    TOMITA_ID: lambda data: calculate_tomita(TomitaInputs.from_dict(data)),
    NESMS_ID: lambda data: calculate_nesms(NesmsInputs.from_dict(data)),
    PAIN_ID: lambda data: calculate_pain_response(PainResponseInputs.from_dict(data)),
}
"""Calculator by algorithm id; each takes the stored inputs mapping."""


def recompute(algorithm_id: str, inputs: Mapping[str, Any]) -> ScoreResult | NomsResult:
    """Compute a fresh result from stored inputs.

    Parameters
    ----------
    algorithm_id:
        The stored algorithm id, e.g. ``"sins@fisher2010"``.
    inputs:
        The stored inputs mapping.

    Returns
    -------
    ScoreResult | NomsResult
        A new result; the stored one is left as it was.

    Raises
    ------
    ValidationError
        If the algorithm id is unknown or the inputs are invalid.
    """
    calculator = CALCULATORS.get(algorithm_id)
    if calculator is None:
        raise ValidationError(
            f"Unknown score algorithm '{algorithm_id}'; known: {', '.join(sorted(CALCULATORS))}.",
            field="algorithm_id",
        )
    return calculator(inputs)
