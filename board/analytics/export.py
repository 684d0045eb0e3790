"""The board analytics as a long CSV table (audited) and as JSON.

CSV columns: ``section``, ``measure``, ``group``, ``value``, ``n``: one row per figure,
Kaplan-Meier steps and numbers at risk included. Text cells that a spreadsheet would
run as a formula are neutralised as in the worklist export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from board.analytics.service import (
    URGENT_TARGET_HOURS,
    AnalyticsPeriod,
    BoardAnalytics,
    Distribution,
    SurvivalGroup,
    board_analytics,
    meeting_names,
)
from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import utcnow
from board.localtime import fmt_local
from board.worklist.csv_export import CsvFile, neutralise

CSV_COLUMNS = ("section", "measure", "group", "value", "n")


@dataclass(frozen=True, slots=True)
class _Row:
    section: str
    measure: str
    group: str
    value: Any
    n: int | None = None


def _number(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _distribution(section: str, unit: str, dist: Distribution) -> Iterator[_Row]:
    yield _Row(section, f"median ({unit})", "", _number(dist.median), dist.n)
    yield _Row(section, f"lower quartile ({unit})", "", _number(dist.q1), dist.n)
    yield _Row(section, f"upper quartile ({unit})", "", _number(dist.q3), dist.n)


def _survival(group: SurvivalGroup) -> Iterator[_Row]:
    section = "survival from the board decision"
    yield _Row(section, "patients", group.label, group.n, group.n)
    yield _Row(section, "deaths", group.label, group.events, group.n)
    yield _Row(section, "median survival (days)", group.label, group.median_days, group.n)
    for point in group.at_risk:
        yield _Row(section, f"number at risk at day {point.time:g}", group.label, point.at_risk)
    for step in group.steps:
        yield _Row(
            section,
            f"survival at day {step.time:g}",
            group.label,
            _number(step.survival),
            step.at_risk,
        )
        yield _Row(
            section,
            f"standard error at day {step.time:g}",
            group.label,
            _number(step.std_error),
            step.at_risk,
        )


def _rows(result: BoardAnalytics) -> Iterator[_Row]:
    section = "cases per meeting"
    for m, name in zip(result.meetings, meeting_names(result.meetings), strict=True):
        group = f"{fmt_local(m.starts_at)} {name}"
        yield _Row(section, "cases on the agenda", group, m.on_agenda)
        yield _Row(section, "cases discussed", group, m.discussed)

    section = "triage tiers (NICE NG234)"
    for tier in result.tiers:
        yield _Row(section, "cases referred", tier.label, tier.cases)

    section = "referral to MRI"
    yield from _distribution(section, "days", result.referral_to_mri.days)
    yield _Row(
        section,
        "MRI before referral (counted as 0 days)",
        "",
        result.referral_to_mri.mri_before_referral,
    )
    yield _Row(section, "no MRI", "", result.referral_to_mri.no_mri)

    section = "MRI to board decision"
    yield from _distribution(section, "days", result.mri_to_decision.days)
    yield _Row(section, "no MRI on or before the decision", "", result.mri_to_decision.no_mri)

    section = "decision to treatment start"
    t = result.decision_to_treatment
    yield from _distribution(section, "hours", t.hours)
    yield _Row(
        section, "started before the decision (counted as 0 hours)", "", t.started_before_decision
    )
    yield _Row(section, "no treatment start recorded", "", t.no_start)
    yield _Row(section, "urgent cases with a decision", "urgent", t.urgent_decided)
    yield _Row(section, "urgent cases with a start recorded", "urgent", t.urgent_with_start)
    yield _Row(
        section,
        "urgent cases started within 24 hours",
        "urgent",
        t.urgent_within_target,
        t.urgent_with_start,
    )
    yield _Row(
        section,
        "share of urgent cases started within 24 hours",
        "urgent",
        _number(t.urgent_share_within_target),
        t.urgent_with_start,
    )
    for miss in t.urgent_misses:
        yield _Row(
            section,
            "urgent case over 24 hours or without a start",
            miss.pseudonym,
            "no start recorded" if miss.hours is None else _number(miss.hours, 1),
        )

    section = "complete at the meeting"
    c = result.completeness
    yield _Row(section, "cases discussed", "", c.discussed)
    yield _Row(section, "complete", "", c.complete)
    yield _Row(section, "something missing", "", c.incomplete)
    yield _Row(section, "not recorded (left out of the share)", "", c.not_recorded)
    yield _Row(section, "share complete", "", _number(c.share_complete), c.complete + c.incomplete)

    section = "plan adherence"
    a = result.adherence
    yield _Row(section, "given as planned", "", a.as_planned, a.assessed)
    yield _Row(section, "given, but modified", "", a.modified, a.assessed)
    yield _Row(section, "not given", "", a.not_given, a.assessed)
    yield _Row(section, "share given as planned", "", _number(a.share_as_planned), a.assessed)
    for d in a.deviations:
        when = d.done_on.isoformat() if d.done_on else "undated"
        yield _Row(section, f"deviation ({d.adherence.label}, {when})", d.pseudonym, d.reason or "")

    section = "pain response"
    p = result.pain
    for category, count in p.counts:
        yield _Row(section, category.label, "", count, p.assessed)
    yield _Row(
        section, "response rate (complete + partial)", "", _number(p.response_rate), p.assessed
    )

    yield from _survival(result.survival_overall)
    for band in result.survival_by_band:
        yield from _survival(band)


def analytics_rows(result: BoardAnalytics) -> list[dict[str, Any]]:
    """The long table: one dictionary per figure.

    Parameters
    ----------
    result:
        The figures.

    Returns
    -------
    list[dict[str, Any]]
        Rows with the keys of :data:`CSV_COLUMNS` (``None`` for an empty cell).
    """
    return [
        {"section": r.section, "measure": r.measure, "group": r.group, "value": r.value, "n": r.n}
        for r in _rows(result)
    ]


def analytics_csv(
    db: Database, actor: Actor, period: AnalyticsPeriod | None = None, *, channel: str = "app"
) -> CsvFile:
    """The analytics as a CSV file; one ``analytics.export`` audit event is written.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who exports (needs the analytics and the export permission).
    period:
        Optional date range.
    channel:
        Where it was asked for (``app``, ``cli``), for the audit trail.

    Returns
    -------
    CsvFile
        UTF-8 CSV with the columns of :data:`CSV_COLUMNS`.

    Raises
    ------
    PermissionDeniedError
        If the actor may not export or view the analytics.
    """
    require(actor, Action.EXPORT)
    result = board_analytics(db, actor, period, list_limit=None)  # every case listed
    rows = analytics_rows(result)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if row[k] is None else neutralise(row[k]) for k in CSV_COLUMNS])
    with db.write() as session:
        record(
            session,
            actor,
            "analytics.export",
            "analytics",
            None,
            after={
                "channel": channel,
                "rows": len(rows),
                "from": None if result.period.start is None else result.period.start.isoformat(),
                "to": None if result.period.end is None else result.period.end.isoformat(),
            },
        )
    data = buffer.getvalue().encode("utf-8")
    return CsvFile(f"board-analytics-{utcnow():%Y%m%d-%H%M}.csv", data, len(rows))


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dist_json(dist: Distribution) -> dict[str, Any]:
    return {"n": dist.n, "median": dist.median, "q1": dist.q1, "q3": dist.q3}


def _group_json(group: SurvivalGroup) -> dict[str, Any]:
    return {
        "group": group.key,
        "label": group.label,
        "n": group.n,
        "events": group.events,
        "median_days": group.median_days,
        "number_at_risk": [{"day": p.time, "at_risk": p.at_risk} for p in group.at_risk],
        "steps": [
            {
                "day": s.time,
                "survival": s.survival,
                "std_error": s.std_error,
                "at_risk": s.at_risk,
                "events": s.events,
                "censored": s.censored,
            }
            for s in group.steps
        ],
    }


def analytics_json(result: BoardAnalytics) -> dict[str, Any]:
    """The same figures as a JSON-ready dictionary (dates and times as ISO text).

    Parameters
    ----------
    result:
        The figures.

    Returns
    -------
    dict[str, Any]
        Only strings, numbers, booleans, ``None``, lists and dictionaries.
    """
    t = result.decision_to_treatment
    c = result.completeness
    a = result.adherence
    p = result.pain
    return {
        "period": {"from": _iso(result.period.start), "to": _iso(result.period.end)},
        "generated_at": _iso(result.generated_at),
        "cases_referred": result.cases_referred,
        "cases_decided": result.cases_decided,
        "tiers": [
            {
                "tier": tier.tier,
                "urgency": tier.urgency.value,
                "label": tier.label,
                "target_hours": tier.target_hours,
                "cases_referred": tier.cases,
            }
            for tier in result.tiers
        ],
        "meetings": [
            {
                "meeting_id": m.meeting_id,
                "starts_at": _iso(m.starts_at),
                "title": m.title,
                "status": m.status.value,
                "on_agenda": m.on_agenda,
                "discussed": m.discussed,
            }
            for m in result.meetings
        ],
        "referral_to_mri_days": {
            **_dist_json(result.referral_to_mri.days),
            "mri_before_referral": result.referral_to_mri.mri_before_referral,
            "no_mri": result.referral_to_mri.no_mri,
        },
        "mri_to_decision_days": {
            **_dist_json(result.mri_to_decision.days),
            "no_mri": result.mri_to_decision.no_mri,
        },
        "decision_to_treatment_hours": {
            **_dist_json(t.hours),
            "started_before_decision": t.started_before_decision,
            "no_start": t.no_start,
            "urgent": {
                "target_hours": URGENT_TARGET_HOURS,
                "decided": t.urgent_decided,
                "with_start": t.urgent_with_start,
                "within_target": t.urgent_within_target,
                "share_within_target": t.urgent_share_within_target,
                "missed": t.urgent_missed,
                "misses": [
                    {
                        "case_id": m.case_id,
                        "pseudonym": m.pseudonym,
                        "decided_at": _iso(m.decided_at),
                        "started_at": _iso(m.started_at),
                        "hours": m.hours,
                    }
                    for m in t.urgent_misses
                ],
            },
        },
        "complete_at_meeting": {
            "discussed": c.discussed,
            "complete": c.complete,
            "incomplete": c.incomplete,
            "not_recorded": c.not_recorded,
            "share_complete": c.share_complete,
        },
        "plan_adherence": {
            "as_planned": a.as_planned,
            "modified": a.modified,
            "not_given": a.not_given,
            "assessed": a.assessed,
            "share_as_planned": a.share_as_planned,
            "deviations": [
                {
                    "case_id": d.case_id,
                    "pseudonym": d.pseudonym,
                    "date": _iso(d.done_on),
                    "adherence": d.adherence.value,
                    "reason": d.reason,
                }
                for d in a.deviations
            ],
        },
        "pain_response": {
            "counts": {category.value: count for category, count in p.counts},
            "assessed": p.assessed,
            "response_rate": p.response_rate,
        },
        "survival": {
            "origin": "board decision date",
            "overall": _group_json(result.survival_overall),
            "by_tokuhashi_band": [_group_json(g) for g in result.survival_by_band],
        },
    }
