"""Conventions shared by every score calculator.

Unknown handling
----------------
Every calculator takes a frozen dataclass of inputs in which any field may be ``None``,
meaning "unknown". When anything the score needs is unknown the result is
*incomplete*: ``complete`` is ``False``, ``total`` and ``category`` are ``None`` and
``missing`` names, in plain English, what is still needed. A partial total is never
produced, so it can never be shown as if it were final.

Storage
-------
:meth:`ScoreResult.to_dict` returns a JSON-serialisable mapping that keeps the
algorithm id, the inputs and the result together. A stored result is read back with
:meth:`ScoreResult.from_dict` as it was computed: recomputing (see
:mod:`board.scoring.registry`) produces a new result and never rewrites a stored one.
The author and time of a stored result are added by the service that stores it.

Scores advise; the board decides. Category texts describe a published band, they are
never a decision.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from board.errors import ValidationError

JsonScalar = str | int | float | bool | None
"""A value that JSON stores as-is."""

E = TypeVar("E", bound=Enum)
InputsT = TypeVar("InputsT", bound="ScoreInputs")


def _format_choices(enum_cls: type[Enum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum_cls)


def coerce_enum(value: object, enum_cls: type[E], field: str, what: str) -> E | None:
    """Turn a stored or typed value into a member of ``enum_cls``.

    Parameters
    ----------
    value:
        ``None`` (unknown), a member of ``enum_cls``, or its value or name as text
        (case-insensitive, surrounding spaces ignored).
    enum_cls:
        The vocabulary.
    field:
        Input key, reported on :class:`~board.errors.ValidationError`.
    what:
        Plain-English name of the input, used in the error message.

    Returns
    -------
    E | None
        The member, or ``None`` when the value is unknown.

    Raises
    ------
    ValidationError
        If the value is not in the vocabulary.
    """
    if value is None:
        return None
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str) and not isinstance(value, Enum):
        wanted = value.strip().casefold()
        for member in enum_cls:
            if str(member.value).casefold() == wanted or member.name.casefold() == wanted:
                return member
    raise ValidationError(
        f"{what}: {value!r} is not a recognised value; expected one of "
        f"{_format_choices(enum_cls)}.",
        field=field,
    )


def coerce_int(
    value: object,
    field: str,
    what: str,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """Check that a value is a whole number in range (``None`` means unknown).

    Parameters
    ----------
    value:
        The value as given; booleans and fractions are rejected.
    field:
        Input key, reported on the error.
    what:
        Plain-English name of the input.
    minimum, maximum:
        Inclusive bounds, when there are any.

    Returns
    -------
    int | None
        The whole number, or ``None`` when unknown.

    Raises
    ------
    ValidationError
        If the value is not a whole number or is out of range.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValidationError(f"{what} must be a whole number, not {value!r}.", field=field)
    assert isinstance(value, int)
    if minimum is not None and value < minimum:
        raise ValidationError(f"{what} must be at least {minimum}, not {value}.", field=field)
    if maximum is not None and value > maximum:
        raise ValidationError(f"{what} must be at most {maximum}, not {value}.", field=field)
    return value


def coerce_bool(value: object, field: str, what: str) -> bool | None:
    """Check a yes/no input (``None`` means unknown).

    Parameters
    ----------
    value:
        ``True``, ``False`` or ``None``.
    field:
        Input key, reported on the error.
    what:
        Plain-English name of the input.

    Returns
    -------
    bool | None
        The value.

    Raises
    ------
    ValidationError
        If the value is neither a boolean nor ``None``.
    """
    if value is None or isinstance(value, bool):
        return value
    raise ValidationError(f"{what} must be yes, no or unknown, not {value!r}.", field=field)


def to_json_value(value: object) -> JsonScalar:
    """Convert an input value to a JSON scalar (enums by value, value objects as text).

    Parameters
    ----------
    value:
        An input value.

    Returns
    -------
    JsonScalar
        The storable value.
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return value.value
    return str(value)


@dataclass(frozen=True, slots=True)
class ScoreInputs:
    """Base of every calculator's inputs: conversion to and from stored mappings."""

    def to_dict(self) -> dict[str, JsonScalar]:
        """Return the inputs as a JSON-serialisable mapping.

        Returns
        -------
        dict[str, JsonScalar]
            One entry per input, ``None`` for unknown.
        """
        return {f.name: to_json_value(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls: type[InputsT], data: Mapping[str, Any]) -> InputsT:
        """Rebuild inputs from a stored mapping; absent keys are unknown.

        Parameters
        ----------
        data:
            A mapping as produced by :meth:`to_dict`.

        Returns
        -------
        ScoreInputs
            The validated inputs.

        Raises
        ------
        ValidationError
            If a key is not an input of this score or a value is invalid.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValidationError(
                f"Unexpected {'input' if len(unknown) == 1 else 'inputs'} {', '.join(unknown)}; "
                f"expected {', '.join(sorted(names))}.",
                field=unknown[0],
            )
        return cls(**dict(data))


@dataclass(frozen=True, slots=True)
class ScoreComponent:
    """One line of a score: what was found and how many points it gives.

    Parameters
    ----------
    name:
        The component ("location", "pain", ...).
    finding_label:
        Plain-English finding, or ``None`` when the input is unknown.
    points:
        Points given, or ``None`` when unknown or when the component has no points.
    input_key:
        Name of the input field the component comes from.
    """

    name: str
    finding_label: str | None
    points: int | None
    input_key: str

    def to_dict(self) -> dict[str, JsonScalar]:
        """Return the component as a JSON-serialisable mapping."""
        return {
            "name": self.name,
            "finding_label": self.finding_label,
            "points": self.points,
            "input_key": self.input_key,
        }


INCOMPLETE_PREFIX = "incomplete: missing "


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The result of one calculator run, with everything needed to check it by hand.

    Parameters
    ----------
    algorithm_id:
        Versioned id such as ``"sins@fisher2010"``.
    name:
        Display name of the score.
    source:
        Full citation.
    components:
        One entry per component, in the published order.
    total:
        Total points, or ``None`` when incomplete or when the score has no total.
    category:
        Short name of the band, or ``None`` when incomplete.
    category_detail:
        Plain-English meaning of the band, or ``None`` when incomplete.
    complete:
        Whether every needed input was known.
    missing:
        Plain-English names of the unknown inputs (empty when complete).
    inputs:
        The inputs as stored (key, JSON value) pairs.
    """

    algorithm_id: str
    name: str
    source: str
    components: tuple[ScoreComponent, ...]
    total: int | None
    category: str | None
    category_detail: str | None
    complete: bool
    missing: tuple[str, ...]
    inputs: tuple[tuple[str, JsonScalar], ...] = ()

    def summary(self) -> str:
        """One line for display.

        Returns
        -------
        str
            ``"incomplete: missing X, Y"`` when incomplete (never a partial total);
            otherwise ``"<total>: <category>"``, or the category alone for a score
            without a total.
        """
        if not self.complete:
            return INCOMPLETE_PREFIX + ", ".join(self.missing)
        if self.total is None:
            return str(self.category)
        return f"{self.total}: {self.category}"

    def extra(self) -> dict[str, JsonScalar]:
        """Score-specific result fields (overridden by subclasses).

        Returns
        -------
        dict[str, JsonScalar]
            Extra JSON-serialisable fields, empty here.
        """
        return {}

    def to_dict(self) -> dict[str, Any]:
        """Return the algorithm id, inputs and result as a JSON-serialisable mapping.

        Returns
        -------
        dict[str, Any]
            Keys ``algorithm_id``, ``name``, ``source``, ``inputs`` and ``result``.
        """
        result: dict[str, Any] = {
            "components": [c.to_dict() for c in self.components],
            "total": self.total,
            "category": self.category,
            "category_detail": self.category_detail,
            "complete": self.complete,
            "missing": list(self.missing),
            "summary": self.summary(),
        }
        result.update(self.extra())
        return {
            "algorithm_id": self.algorithm_id,
            "name": self.name,
            "source": self.source,
            "inputs": dict(self.inputs),
            "result": result,
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> ScoreResult:
        """Read a stored result back exactly as it was computed (no recomputation).

        Score-specific extra fields stay in the stored mapping and are not restored.

        Parameters
        ----------
        data:
            A mapping produced by :meth:`to_dict`.

        Returns
        -------
        ScoreResult
            The stored result.

        Raises
        ------
        ValidationError
            If the mapping does not have the stored shape.
        """
        try:
            result = data["result"]
            components = tuple(
                ScoreComponent(
                    name=str(c["name"]),
                    finding_label=c["finding_label"],
                    points=c["points"],
                    input_key=str(c["input_key"]),
                )
                for c in result["components"]
            )
            return ScoreResult(
                algorithm_id=str(data["algorithm_id"]),
                name=str(data["name"]),
                source=str(data["source"]),
                components=components,
                total=result["total"],
                category=result["category"],
                category_detail=result["category_detail"],
                complete=bool(result["complete"]),
                missing=tuple(result["missing"]),
                inputs=tuple(dict(data["inputs"]).items()),
            )
        except (KeyError, TypeError) as exc:
            raise ValidationError(f"A stored score result is malformed (missing {exc}).") from exc


def input_pairs(inputs: ScoreInputs) -> tuple[tuple[str, JsonScalar], ...]:
    """Inputs as (key, JSON value) pairs for :attr:`ScoreResult.inputs`.

    Parameters
    ----------
    inputs:
        Any calculator's inputs.

    Returns
    -------
    tuple[tuple[str, JsonScalar], ...]
        The pairs in field order.
    """
    return tuple(inputs.to_dict().items())
