"""The report as finalized, kept as JSON so that its files can be rendered again exactly.

Finalizing stores the report model (and the letter texts) with the plan version in the
same transaction that finalizes it; the PDF, HTML and letter files are rendered from
that model after the commit (:func:`board.plans.lifecycle.finalize_plan`). Should the
rendering not finish (the server stopped), the files are rendered from the stored model
the next time they are asked for, and come out the same.

The encoding follows the model's own type hints: dataclasses as objects, tuples as
lists, dates and times in ISO 8601, PNG bytes in base64, enumerations by value. The
case read model a report may carry (``BoardReport.case``) is not kept: renderers print
nothing from it.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import types
import typing
from functools import cache
from typing import Any

from board.errors import ValidationError
from board.reports.letter import LetterTexts
from board.reports.model import BoardReport

#: Bumped when the encoding changes; a stored snapshot of another version is refused.
SNAPSHOT_VERSION = 1
#: Fields never kept (see the module docstring).
_SKIPPED = frozenset({"case"})


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return _encode(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in _SKIPPED
        }
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    raise TypeError(f"cannot keep a {type(value).__name__} in a report snapshot")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(hint: Any, data: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if data is None:
            return None
        if len(options) != 1:
            raise TypeError(f"ambiguous type {hint!r} in a report snapshot")
        return _decode(options[0], data)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], item) for item in data)
        return tuple(_decode(a, item) for a, item in zip(args, data, strict=True))
    if hint is Any:
        return data
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return hint(
            **{
                f.name: _decode(hints[f.name], data[f.name])
                for f in dataclasses.fields(hint)
                if f.name not in _SKIPPED and f.name in data
            }
        )
    if hint is dt.datetime:
        return dt.datetime.fromisoformat(data)
    if hint is dt.date:
        return dt.date.fromisoformat(data)
    if hint is bytes:
        return base64.b64decode(data)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(data)
    if hint is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    if isinstance(hint, type) and isinstance(data, hint):
        return data
    raise TypeError(f"a report snapshot holds {data!r} where {hint!r} is expected")


def report_snapshot(report: BoardReport, texts: LetterTexts) -> dict[str, Any]:
    """The report model and the letter texts as JSON-ready data.

    Parameters
    ----------
    report:
        The report as finalized.
    texts:
        The letter texts it is finalized with.

    Returns
    -------
    dict[str, Any]
        ``{"version": ..., "report": ..., "letter_texts": ...}``.
    """
    return {
        "version": SNAPSHOT_VERSION,
        "report": _encode(report),
        "letter_texts": _encode(texts),
    }


def report_from_snapshot(data: Any) -> tuple[BoardReport, LetterTexts]:
    """The report model and letter texts kept by :func:`report_snapshot`.

    Parameters
    ----------
    data:
        The stored JSON data.

    Returns
    -------
    tuple[BoardReport, LetterTexts]
        Equal to what was kept (``BoardReport.case`` is ``None``).

    Raises
    ------
    ValidationError
        If the data is not a report snapshot of this version.
    """
    if not isinstance(data, dict) or data.get("version") != SNAPSHOT_VERSION:
        raise ValidationError(
            "The stored report of this plan version cannot be read by this version of "
            "Tumor Board (expected a report snapshot of version "
            f"{SNAPSHOT_VERSION})."
        )
    try:
        report = _decode(BoardReport, data["report"])
        texts = _decode(LetterTexts, data["letter_texts"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"The stored report of this plan version is damaged: {exc}") from exc
    return report, texts
