"""The board analytics page: period, headline tiles, tables, Altair charts, CSV.

Text that came from people (meeting titles, pseudonyms, deviation reasons) is shown
only in tables (``st.dataframe``) or as chart data, never as markdown or HTML.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from board.analytics import service as analytics_service
from board.analytics.service import (
    AT_RISK_DAYS,
    DEFINITIONS,
    AnalyticsPeriod,
    BoardAnalytics,
    Distribution,
    SurvivalGroup,
    board_analytics,
    meeting_names,
)
from board.auth.actor import Actor
from board.auth.permissions import Action, allowed
from board.db.engine import Database
from board.scoring.pain import PainResponse
from board.ui.downloads import analytics_csv_bytes
from board.ui.errors import user_errors
from board.ui.text import md_escape
from board.ui.widgets import fmt_date, fmt_datetime
from board.wording import plural

#: the column headings of the number-at-risk table
AT_RISK_HEADINGS = dict(
    zip(AT_RISK_DAYS, ("0", "3 months", "6 months", "12 months", "24 months"), strict=True)
)

NO_MEETINGS = "No meetings yet: cases per meeting appear once a meeting has been scheduled."
NO_DECISIONS = (
    "No finalized plans yet: survival is counted from the board's decision, when the "
    "first plan of a case is finalized."
)
NO_PAIN = "No pain response recorded yet: it is recorded at follow-up after treatment."
NO_DATA = "no data"
#: the tier target cell of the routine tier, which has no time target
NO_TARGET = "no time target"
NO_ADHERENCE = (
    "No plan adherence recorded yet: it is recorded at follow-up once the treatment was due."
)


def _pct(share: float | None) -> str:
    return NO_DATA if share is None else f"{share * 100:.0f}%"


def _median(dist: Distribution, unit: str) -> str:
    return NO_DATA if dist.median is None else f"{dist.median:.1f} {unit}"


def _figure(value: float | None) -> str:
    """A figure for a table cell: one decimal, or "no data" (never an empty "None")."""
    return NO_DATA if value is None else f"{value:.1f}"


def _dist_row(name: str, unit: str, dist: Distribution, **extra: Any) -> dict[str, Any]:
    return {
        "Measure": name,
        "Cases (n)": dist.n,
        f"Median ({unit})": _figure(dist.median),
        f"Lower quartile ({unit})": _figure(dist.q1),
        f"Upper quartile ({unit})": _figure(dist.q3),
        **extra,
    }


def _chart(chart: Any, summary: str) -> None:
    """A chart with its text summary: the chart's description (what a screen reader
    announces for it) and a caption under it for everyone. The summary holds figures and
    fixed words only, never text from people."""
    st.altair_chart(chart.properties(description=summary), width="stretch")
    st.caption(md_escape(summary))


def meetings_summary(result: BoardAnalytics) -> str:
    """The cases-per-meeting chart in words."""
    meetings = result.meetings
    first, last = meetings[0].starts_at, meetings[-1].starts_at
    if first > last:
        first, last = last, first
    return (
        f"Bar chart of {plural(len(meetings), 'meeting')} from {fmt_datetime(first)} to "
        f"{fmt_datetime(last)}: cases on the agenda and cases discussed at each meeting; "
        f"{sum(m.on_agenda for m in meetings)} on the agenda and "
        f"{sum(m.discussed for m in meetings)} discussed in all. The table below gives "
        "each meeting's numbers."
    )


def survival_summary(result: BoardAnalytics) -> str:
    """The survival curves in words: each group's patients, deaths and median."""
    groups = "; ".join(
        f"{group.label}: {plural(group.n, 'patient')}, {plural(group.events, 'death')}, "
        + (
            "median survival not reached"
            if group.median_days is None
            else f"median survival {group.median_days:.0f} days"
        )
        for group in (*result.survival_by_band, result.survival_overall)
    )
    return (
        "Kaplan-Meier curves of the proportion of patients alive by days from the board "
        f"decision, one per Tokuhashi group. {groups}."
    )


def _tiles(result: BoardAnalytics) -> None:
    t = result.decision_to_treatment
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Meetings", len(result.meetings))
    c2.metric("Cases with a board decision", result.cases_decided)
    c3.metric("Referral to MRI (median)", _median(result.referral_to_mri.days, "days"))
    c4.metric("MRI to decision (median)", _median(result.mri_to_decision.days, "days"))
    c5, c6, c7, c8 = st.columns(4)
    c5.metric(
        "Immediate cases started within 24 h",
        _pct(t.urgent_share_within_target),
        help=f"{t.urgent_within_target} of {t.urgent_with_start} immediate cases with a start "
        "recorded.",
    )
    c6.metric("Complete at the meeting", _pct(result.completeness.share_complete))
    c7.metric("Given as planned", _pct(result.adherence.share_as_planned))
    c8.metric("Pain response rate", _pct(result.pain.response_rate))


def _meetings(result: BoardAnalytics) -> None:
    st.subheader("Cases per meeting")
    if not result.meetings:
        st.info(NO_MEETINGS)
    else:
        # two meetings at the same time stay two rows and two groups of bars
        names = meeting_names(result.meetings)
        rows = [
            {
                "Date": fmt_datetime(m.starts_at),
                "Meeting": name,
                "Status": m.status.value.replace("_", " "),
                "Cases on the agenda": m.on_agenda,
                "Cases discussed": m.discussed,
            }
            for m, name in zip(result.meetings, names, strict=True)
        ]
        long = pd.DataFrame(
            [
                {"Meeting": f"{fmt_datetime(m.starts_at)} {name}", "Cases": count, "Count": label}
                for m, name in zip(result.meetings, names, strict=True)
                for label, count in (("on the agenda", m.on_agenda), ("discussed", m.discussed))
            ]
        )
        chart = (
            alt.Chart(long)
            .mark_bar()
            .encode(
                x=alt.X("Meeting:N", sort=None, title="Meeting", axis=alt.Axis(labelLimit=240)),
                xOffset=alt.XOffset("Count:N"),
                y=alt.Y("Cases:Q", title="Cases", axis=alt.Axis(tickMinStep=1)),
                color=alt.Color(
                    "Count:N", title=None, scale=alt.Scale(domain=["on the agenda", "discussed"])
                ),
            )
        )
        _chart(chart, meetings_summary(result))
        st.dataframe(rows, hide_index=True, key="an_meetings")
    st.caption(DEFINITIONS["meetings"])


def _tiers(result: BoardAnalytics) -> None:
    st.subheader("Triage tiers (NICE NG234)")
    st.dataframe(
        [
            {
                "Tier": tier.label,
                "Cases referred": tier.cases,
                "Target (hours to MRI)": NO_TARGET
                if tier.target_hours is None
                else str(tier.target_hours),
            }
            for tier in result.tiers
        ],
        hide_index=True,
        key="an_tiers",
    )
    st.caption(DEFINITIONS["tiers"])


def _timeliness(result: BoardAnalytics) -> None:
    st.subheader("Time to MRI, decision and treatment")
    r, m, t = result.referral_to_mri, result.mri_to_decision, result.decision_to_treatment
    st.dataframe(
        [
            _dist_row(
                "Referral to MRI",
                "days",
                r.days,
                Note=f"MRI before referral (counted as 0): {r.mri_before_referral}; "
                f"no MRI: {r.no_mri}",
            ),
            _dist_row("MRI to board decision", "days", m.days, Note=f"no MRI: {m.no_mri}"),
        ],
        hide_index=True,
        key="an_days",
    )
    st.caption(DEFINITIONS["referral_to_mri"] + " " + DEFINITIONS["mri_to_decision"])
    st.dataframe(
        [
            _dist_row(
                "Board decision to treatment start",
                "hours",
                t.hours,
                Note=f"started before the decision (counted as 0): "
                f"{t.started_before_decision}; no start recorded: {t.no_start}",
            )
        ],
        hide_index=True,
        key="an_hours",
    )
    st.text(
        f"Immediate cases with a decision: {t.urgent_decided}; with a start recorded: "
        f"{t.urgent_with_start}; started within 24 hours: {t.urgent_within_target} "
        f"({_pct(t.urgent_share_within_target)})."
    )
    if t.urgent_misses:
        st.dataframe(
            [
                {
                    "Case": miss.pseudonym,
                    "Decision": fmt_datetime(miss.decided_at),
                    "Treatment start": fmt_datetime(miss.started_at) or "not recorded",
                    "Hours": "not recorded" if miss.hours is None else f"{miss.hours:.1f}",
                }
                for miss in t.urgent_misses
            ],
            hide_index=True,
            key="an_misses",
        )
        if t.misses_not_listed:
            st.caption(_listed(len(t.urgent_misses), t.urgent_missed))
    st.caption(DEFINITIONS["decision_to_treatment"])


def _listed(shown: int, total: int) -> str:
    """Says that a list shows only the most recent cases, and where the rest are."""
    return (
        f"The {shown} most recent of {total} cases, by decision date. Narrow the period, "
        "or download the analytics (CSV) to see every one."
    )


def _completeness(result: BoardAnalytics) -> None:
    st.subheader("Complete at the meeting")
    c = result.completeness
    st.dataframe(
        [
            {
                "Cases discussed": c.discussed,
                "Complete": c.complete,
                "Something missing": c.incomplete,
                "Not recorded": c.not_recorded,
                "Share complete": _pct(c.share_complete),
            }
        ],
        hide_index=True,
        key="an_complete",
    )
    st.caption(DEFINITIONS["completeness"])


def _bar(data: pd.DataFrame, category: str) -> alt.Chart:
    """Horizontal bars: the category names stay readable."""
    return (
        alt.Chart(data, height=40 * len(data) + 40)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort=None, title=None, axis=alt.Axis(labelLimit=300)),
            x=alt.X("Cases:Q", axis=alt.Axis(tickMinStep=1)),
        )
    )


def _adherence(result: BoardAnalytics) -> None:
    st.subheader("Plan adherence")
    a = result.adherence
    if not a.assessed:
        st.info(NO_ADHERENCE)
    else:
        counts = pd.DataFrame(
            {
                "Adherence": ["given as planned", "given, but modified", "not given"],
                "Cases": [a.as_planned, a.modified, a.not_given],
            }
        )
        _chart(
            _bar(counts, "Adherence"),
            f"Bar chart of plan adherence: {a.as_planned} given as planned, {a.modified} "
            f"given but modified, {a.not_given} not given.",
        )
        st.text(f"Given as planned: {a.as_planned} of {a.assessed} ({_pct(a.share_as_planned)}).")
        if a.deviations:
            st.dataframe(
                [
                    {
                        "Case": d.pseudonym,
                        "Date": fmt_date(d.done_on) or "undated",
                        "Adherence": d.adherence.label,
                        "Reason": d.reason or "",
                    }
                    for d in a.deviations
                ],
                hide_index=True,
                key="an_deviations",
            )
            if a.deviations_not_listed:
                st.caption(_listed(len(a.deviations), a.deviation_count))
    st.caption(DEFINITIONS["adherence"])


def _pain(result: BoardAnalytics) -> None:
    st.subheader("Pain response")
    p = result.pain
    if not p.assessed:
        st.info(NO_PAIN)
    else:
        counts = pd.DataFrame(
            {
                "Response": [category.label for category, _ in p.counts],
                "Cases": [count for _, count in p.counts],
            }
        )
        _chart(
            _bar(counts, "Response"),
            "Bar chart of pain response: "
            + ", ".join(f"{category.label} {count}" for category, count in p.counts)
            + ".",
        )
        st.text(
            f"Assessed: {p.assessed}; complete {p.count(PainResponse.COMPLETE)}, partial "
            f"{p.count(PainResponse.PARTIAL)}; response rate {_pct(p.response_rate)}."
        )
    st.caption(DEFINITIONS["pain"])


def _curve_points(group: SurvivalGroup) -> list[dict[str, Any]]:
    points = [{"Group": group.label, "Days": 0.0, "Survival": 1.0, "Censored": False}]
    points += [
        {"Group": group.label, "Days": s.time, "Survival": s.survival, "Censored": s.censored > 0}
        for s in group.steps
    ]
    return points


def _survival(result: BoardAnalytics) -> None:
    st.subheader("Survival from the board decision")
    groups = result.survival_by_band
    if not result.survival_overall.n:
        st.info(NO_DECISIONS)
        st.caption(DEFINITIONS["survival"])
        return
    curve = pd.DataFrame([point for group in groups for point in _curve_points(group)])
    base = alt.Chart(curve).encode(
        x=alt.X("Days:Q", title="Days from the board decision"),
        y=alt.Y("Survival:Q", title="Proportion alive", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color(
            "Group:N",
            title=None,
            legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=500),
        ),
    )
    steps = base.mark_line(interpolate="step-after")
    # a tick where patients were censored (alive at last contact), as usual on KM curves
    censored = base.transform_filter(alt.datum.Censored).mark_tick(thickness=2, size=10)
    _chart(steps + censored, survival_summary(result))
    st.dataframe(
        [
            {
                "Group": group.label,
                **{f"At risk, {AT_RISK_HEADINGS[int(p.time)]}": p.at_risk for p in group.at_risk},
                "Deaths / patients": f"{group.events} / {group.n}",
                "Median survival (days)": "not reached"
                if group.median_days is None
                else f"{group.median_days:.0f}",
            }
            for group in (*groups, result.survival_overall)
        ],
        hide_index=True,
        key="an_survival",
    )
    st.caption(DEFINITIONS["survival"])


def render_analytics(db: Database, actor: Actor) -> None:
    """The whole analytics page for ``actor``.

    Parameters
    ----------
    db:
        The database.
    actor:
        The signed-in user (needs the analytics permission; the CSV also the export one).
    """
    st.title("Board analytics")
    c1, c2 = st.columns(2)
    start: dt.date | None = c1.date_input(
        "From (decision, meeting or referral date)", value=None, key="an_from"
    )
    end: dt.date | None = c2.date_input("To (inclusive)", value=None, key="an_to")
    with user_errors():
        period = AnalyticsPeriod(start, end)
        # the page lists the most recent misses and deviations; the CSV lists all
        result = board_analytics(db, actor, period, list_limit=analytics_service.LISTED)
        st.caption(f"Period: {period.label}. Figures computed {fmt_datetime(result.generated_at)}.")
        _tiles(result)
        _meetings(result)
        _tiers(result)
        _timeliness(result)
        _completeness(result)
        _adherence(result)
        _pain(result)
        _survival(result)
        if allowed(actor.role, Action.EXPORT):
            st.download_button(
                "Download analytics (CSV)",
                data=lambda: analytics_csv_bytes(db, actor, period),
                file_name="board-analytics.csv",
                mime="text/csv",
                icon=":material/download:",
                key="an_csv",
                on_click="ignore",
                help="Every figure of this page, one per row. The export is recorded.",
            )
