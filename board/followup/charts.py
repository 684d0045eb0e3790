"""Chart data of a case's follow-up: long-format rows, one per point, oldest first.

The Follow-up tab draws these with Altair; here they are plain dictionaries so the
content of every chart is tested without a browser. Each series starts with the
baseline at the decision (when known), then one point per recorded follow-up entry
that assessed the measure.

- pain: worst pain (NRS 0-10) and daily opioid dose (oral morphine equivalent, mg);
- markers: the decision date(s) and treatment starts, drawn as vertical rules;
- neurological status: Frankel and ASIA grades A-E as levels 1-5 (A = 1, the worst;
  E = 5, normal), with the letter kept for the axis and tooltips;
- performance status: ECOG 0-5 and Karnofsky 0-100.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from board.followup.views import FollowUpBoard, FollowUpView

PAIN = "Pain (NRS 0-10)"
OMED = "Opioid dose (OMED mg/day)"
FRANKEL = "Frankel"
ASIA = "ASIA"
ECOG = "ECOG"
KARNOFSKY = "Karnofsky"
BASELINE = "baseline at decision"
FOLLOW_UP = "follow-up"

#: Grade letter -> ordinal level (A worst = 1 ... E normal = 5).
GRADE_LEVELS = {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5}

Row = dict[str, Any]


def _decision_date(board: FollowUpBoard) -> dt.date | None:
    return None if board.decision_at is None else board.decision_at.date()


def _entries_oldest_first(board: FollowUpBoard) -> list[FollowUpView]:
    return sorted(board.entries, key=lambda e: (e.date, e.id))


def _series(board: FollowUpBoard, measures: tuple[tuple[str, Any, Any], ...]) -> list[Row]:
    """Rows of (date, measure, value, source, entry) for ``(measure, baseline, getter)``.

    The baseline at the decision comes first (``entry`` is ``None``), then each recorded
    entry oldest first.
    """
    rows: list[Row] = []
    decided = _decision_date(board)
    for measure, baseline, _ in measures:
        if decided is not None and baseline is not None:
            rows.append(
                {
                    "date": decided,
                    "measure": measure,
                    "value": baseline,
                    "source": BASELINE,
                    "entry": None,
                }
            )
    for entry in _entries_oldest_first(board):
        for measure, _, getter in measures:
            value = getter(entry)
            if value is not None:
                rows.append(
                    {
                        "date": entry.date,
                        "measure": measure,
                        "value": value,
                        "source": FOLLOW_UP,
                        "entry": entry,
                    }
                )
    rows.sort(key=lambda r: (r["date"], r["source"] != BASELINE))
    return rows


def pain_rows(board: FollowUpBoard) -> list[Row]:
    """Pain and opioid dose over time.

    Parameters
    ----------
    board:
        The case's follow-up.

    Returns
    -------
    list[dict]
        ``date``, ``measure`` (:data:`PAIN` or :data:`OMED`), ``value`` (float),
        ``source`` (:data:`BASELINE` or :data:`FOLLOW_UP`) and ``response`` (the pain
        response text of the entry, empty for the baseline and the opioid rows).
    """
    base = board.baseline
    rows = _series(
        board,
        (
            (PAIN, base.pain_nrs, lambda e: e.pain_score),
            (OMED, base.omed_mg, lambda e: e.omed_mg),
        ),
    )
    return [
        {
            "date": r["date"],
            "measure": r["measure"],
            "value": float(r["value"]),
            "source": r["source"],
            "response": r["entry"].pain_response_text
            if r["measure"] == PAIN and r["entry"] is not None
            else "",
        }
        for r in rows
    ]


def treatment_markers(board: FollowUpBoard) -> list[Row]:
    """The decisions and treatment starts, for vertical rules on the pain chart.

    Parameters
    ----------
    board:
        The case's follow-up.

    Returns
    -------
    list[dict]
        ``date``, ``event`` (``"decision"`` or ``"treatment start"``) and ``label``
        (what the timeline says), oldest first.
    """
    names = {"decision": "decision", "treatment": "treatment start"}
    return [
        {"date": event.on, "event": names[event.kind], "label": event.label}
        for event in board.timeline
        if event.kind in names
    ]


def neuro_rows(board: FollowUpBoard) -> list[Row]:
    """Frankel and ASIA grades over time.

    Parameters
    ----------
    board:
        The case's follow-up.

    Returns
    -------
    list[dict]
        ``date``, ``scale`` (:data:`FRANKEL` or :data:`ASIA`), ``level`` (1-5),
        ``grade`` (the letter) and ``source``.
    """
    base = board.baseline
    rows = _series(
        board,
        (
            (FRANKEL, base.frankel, lambda e: e.frankel),
            (ASIA, base.asia, lambda e: e.asia),
        ),
    )
    return [
        {
            "date": r["date"],
            "scale": r["measure"],
            "level": GRADE_LEVELS[r["value"]],
            "grade": r["value"],
            "source": r["source"],
        }
        for r in rows
        if r["value"] in GRADE_LEVELS
    ]


def performance_rows(board: FollowUpBoard) -> list[Row]:
    """ECOG and Karnofsky over time.

    Parameters
    ----------
    board:
        The case's follow-up.

    Returns
    -------
    list[dict]
        ``date``, ``scale`` (:data:`ECOG` or :data:`KARNOFSKY`), ``value`` (int) and
        ``source``.
    """
    base = board.baseline
    rows = _series(
        board,
        (
            (ECOG, base.ecog, lambda e: e.ecog),
            (KARNOFSKY, base.karnofsky, lambda e: e.karnofsky),
        ),
    )
    return [
        {"date": r["date"], "scale": r["measure"], "value": int(r["value"]), "source": r["source"]}
        for r in rows
    ]


def recorded_points(rows: list[Row]) -> int:
    """How many rows come from follow-up entries (not the baseline).

    Parameters
    ----------
    rows:
        Rows from one of the functions above.

    Returns
    -------
    int
        The count; the tab draws a chart only when it is 1 or more.
    """
    return sum(1 for r in rows if r.get("source") == FOLLOW_UP)


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text_summary(rows: list[Row], series_key: str, value_key: str = "value") -> str:
    """What a follow-up chart shows, in words (for screen readers and a caption under it).

    One sentence per series: its first and last value with their dates and the number
    of points, e.g. "Pain (NRS 0-10): 8 on 2026-10-01 (baseline at decision), then 3 on
    2026-11-20; 3 points."

    Parameters
    ----------
    rows:
        Rows from :func:`pain_rows`, :func:`neuro_rows` or :func:`performance_rows`
        (oldest first).
    series_key:
        The key naming the series (``"measure"`` for pain rows, ``"scale"`` otherwise).
    value_key:
        The key of the value to read out (``"grade"`` for neurological rows).

    Returns
    -------
    str
        The sentences, or "No values recorded." for no rows.
    """
    series: dict[str, list[Row]] = {}
    for row in rows:
        series.setdefault(str(row[series_key]), []).append(row)
    if not series:
        return "No values recorded."
    sentences = []
    for name, points in series.items():
        first, last = points[0], points[-1]
        text = f"{name}: {_shown(first[value_key])} on {first['date']:%Y-%m-%d}"
        if first.get("source") == BASELINE:
            text += f" ({BASELINE})"
        if len(points) > 1:
            text += f", then {_shown(last[value_key])} on {last['date']:%Y-%m-%d}"
        count = len(points)
        sentences.append(f"{text}; {count} point{'s' if count != 1 else ''}.")
    return " ".join(sentences)
