"""The board analytics as a short plain-text summary (for the command line)."""

from __future__ import annotations

from board.analytics.service import BoardAnalytics, Distribution
from board.localtime import fmt_local
from board.wording import plural


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:.0f}%"


def _dist(dist: Distribution, unit: str) -> str:
    if dist.n == 0 or dist.median is None or dist.q1 is None or dist.q3 is None:
        return "no data"
    return (
        f"median {dist.median:.1f} {unit} (interquartile range {dist.q1:.1f}-{dist.q3:.1f}), "
        f"n={dist.n}"
    )


def _days(value: float | None) -> str:
    return "not reached" if value is None else plural(round(value), "day")


def plain_summary(result: BoardAnalytics) -> str:
    """The headline figures, one per line.

    Parameters
    ----------
    result:
        The figures.

    Returns
    -------
    str
        Plain text (no markup).
    """
    t = result.decision_to_treatment
    c = result.completeness
    a = result.adherence
    p = result.pain
    s = result.survival_overall
    lines = [
        f"Board analytics, {result.period.label} (generated {fmt_local(result.generated_at)})",
        f"Cases referred: {result.cases_referred}; cases with a board decision: "
        f"{result.cases_decided}",
        "Triage tiers (cases referred): "
        + "; ".join(f"{tier.label}: {tier.cases}" for tier in result.tiers),
        f"Meetings: {len(result.meetings)}; cases on their agendas: "
        f"{sum(m.on_agenda for m in result.meetings)}, discussed: "
        f"{sum(m.discussed for m in result.meetings)}",
        f"Referral to MRI: {_dist(result.referral_to_mri.days, 'days')}; MRI before referral: "
        f"{result.referral_to_mri.mri_before_referral}; no MRI: {result.referral_to_mri.no_mri}",
        f"MRI to board decision: {_dist(result.mri_to_decision.days, 'days')}",
        f"Decision to treatment start: {_dist(t.hours, 'hours')}; no start recorded: {t.no_start}",
        f"Immediate cases started within 24 hours: {t.urgent_within_target} of "
        f"{t.urgent_with_start} with a start recorded ({_pct(t.urgent_share_within_target)}); "
        f"missed or not recorded: {t.urgent_missed}",
        f"Complete at the meeting: {c.complete} of {c.complete + c.incomplete} "
        f"({_pct(c.share_complete)}); not recorded: {c.not_recorded}",
        f"Plan adherence: as planned {a.as_planned}, modified {a.modified}, not given "
        f"{a.not_given} ({_pct(a.share_as_planned)} as planned)",
        f"Pain response: {p.assessed} assessed, response rate {_pct(p.response_rate)}",
        f"Survival from the decision: {plural(s.events, 'death')} among {s.n}; "
        f"median {_days(s.median_days)}",
    ]
    for group in result.survival_by_band:
        lines.append(
            f"  {group.label}: {plural(group.events, 'death')} among {group.n}; median "
            f"{_days(group.median_days)}"
        )
    return "\n".join(lines)
