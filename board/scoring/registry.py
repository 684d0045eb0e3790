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
from board.scoring import escc, noms, pain, sins, tokuhashi, tomita
from board.scoring.common import ScoreResult

Calculator = Callable[[Mapping[str, Any]], ScoreResult | noms.NomsResult]

CALCULATORS: Mapping[str, Calculator] = {
    sins.ALGORITHM_ID: lambda data: sins.calculate_sins(sins.SinsInputs.from_dict(data)),
    escc.ALGORITHM_ID: lambda data: escc.calculate_escc(escc.EsccInputs.from_dict(data)),
    noms.ALGORITHM_ID: lambda data: noms.calculate_noms(noms.NomsInputs.from_dict(data)),
    tokuhashi.ALGORITHM_ID: lambda data: tokuhashi.calculate_tokuhashi(
        tokuhashi.TokuhashiInputs.from_dict(data)
    ),
    tomita.ALGORITHM_ID: lambda data: tomita.calculate_tomita(tomita.TomitaInputs.from_dict(data)),
    pain.ALGORITHM_ID: lambda data: pain.calculate_pain_response(
        pain.PainResponseInputs.from_dict(data)
    ),
}
"""Calculator by algorithm id; each takes the stored inputs mapping."""


def recompute(algorithm_id: str, inputs: Mapping[str, Any]) -> ScoreResult | noms.NomsResult:
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
