"""A small hand-built board whose analytics figures are worked out by hand in the tests.

Four cases (all dates 2026, times UTC):

====  =======  ========  ===========================  ====================  =================
case  urgency  referred  MR studies                   decision (1st final)  treatment start
====  =======  ========  ===========================  ====================  =================
A     urgent   01-01     01-03 (+ a CT on 01-02)      01-06 10:00           01-07 06:00 (20 h)
B     urgent   01-02     2025-12-30, 01-05            01-06 12:00 (v1;      01-07 18:00 (30 h)
                                                      v2 final 01-10)
C     week     01-10     01-12, 03-01 (after)         02-03 09:00           02-10 09:00 (168 h)
D     routine  01-20     none                         02-03 10:00           none
====  =======  ========  ===========================  ====================  =================

"week" is the NICE NG234 tier "within a week": counted per tier, but the 24-hour
target from decision to treatment is for the immediate (urgent) cases only.

Follow-ups (done unless said): A 01-20 as planned, partial pain response; B 01-15
modified (reason looks like a formula), progression; B 02-01 not started yet, complete
response; C 02-20 not given ("Patient declined"), indeterminate; C 04-04 (no adherence,
no pain); C a scheduled (not done) one on 05-01.
Deaths: A 03-01 (54 days after the decision), B 01-26 (20 days).
Tokuhashi band in the first finalized plan's baseline: A and B under 6 months (B's v2
says 1 year or more: ignored), C 1 year or more, D none (unknown).

Meetings: M1 01-05 (closed): A discussed, nothing missing; B discussed, radiology
missing. M2 02-02 (closed): C discussed, readiness not recorded; D on the agenda, not
discussed. M3 03-02 cancelled (A on its agenda): left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from board.cases.enums import Urgency
from board.db.engine import Database
from board.db.models import (
    AgendaItem,
    Case,
    FollowUp,
    ImagingStudy,
    Meeting,
    Patient,
    PlanVersion,
)
from board.followup.enums import Adherence, FollowUpKind, FollowUpStatus
from board.meetings.enums import MeetingStatus
from board.plans.enums import PlanStatus

FORMULA_REASON = '=HYPERLINK("http://example.invalid","dose reduced")'


def at(month: int, day: int, hour: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def day(month: int, d: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, d)


@dataclass(frozen=True)
class Board:
    cases: dict[str, int]
    meetings: dict[str, int]


def build_board(db: Database) -> Board:
    """Insert the board above; return the ids by letter."""
    with db.write() as s:
        cases: dict[str, Case] = {}
        for letter, urgency, referred in (
            ("A", Urgency.URGENT, at(1, 1, 9)),
            ("B", Urgency.URGENT, at(1, 2, 9)),
            ("C", Urgency.WITHIN_A_WEEK, at(1, 10, 9)),
            ("D", Urgency.ROUTINE, at(1, 20, 9)),
        ):
            patient = Patient(pseudonym=f"TB-{letter}")
            s.add(patient)
            s.flush()
            case = Case(
                patient_id=patient.id,
                urgency=urgency,
                priority=urgency.priority,
                primary_site="breast",
                created_at=referred,
            )
            s.add(case)
            s.flush()
            cases[letter] = case
        a, b, c, d = (cases[x].id for x in "ABCD")
        a_case, b_case = cases["A"], cases["B"]
        a_case.died_on = day(3, 1)
        b_case.died_on = day(1, 26)

        for case_id, modality, when in (
            (a, "MR", day(1, 3)),
            (a, "CT", day(1, 2)),
            (b, "MR", day(12, 30, 2025)),
            (b, "MR", day(1, 5)),
            (c, "MR", day(1, 12)),
            (c, "MR", day(3, 1)),
            (d, "CT", day(1, 21)),
            (d, "MR", None),
        ):
            s.add(
                ImagingStudy(case_id=case_id, source="manual", modality=modality, study_date=when)
            )

        m1 = Meeting(starts_at=at(1, 5, 14), title="January board", status=MeetingStatus.CLOSED)
        m2 = Meeting(starts_at=at(2, 2, 14), title="February board", status=MeetingStatus.CLOSED)
        m3 = Meeting(starts_at=at(3, 2, 14), title="March board", status=MeetingStatus.CANCELLED)
        s.add_all([m1, m2, m3])
        s.flush()
        for meeting, case_id, position, discussed, missing in (
            (m1, a, 1, at(1, 5, 14), []),
            (m1, b, 2, at(1, 5, 15), ["Radiology lesion assessment"]),
            (m2, c, 1, at(2, 2, 14), None),
            (m2, d, 2, None, None),
            (m3, a, 1, at(3, 2, 14), []),
        ):
            s.add(
                AgendaItem(
                    meeting_id=meeting.id,
                    case_id=case_id,
                    position=position,
                    discussed_at=discussed,
                    missing_at_discussion=missing,
                )
            )

        under_6 = {"tokuhashi_total": 5, "tokuhashi_band": "under_6_months", "pain_nrs": 7}
        for case_id, number, status, finalized, baseline, meeting_id in (
            (a, 1, PlanStatus.FINALIZED, at(1, 6, 10), under_6, m1.id),
            (b, 1, PlanStatus.SUPERSEDED, at(1, 6, 12), under_6, m1.id),
            (b, 2, PlanStatus.FINALIZED, at(1, 10, 12), {"tokuhashi_band": "1_year_or_more"}, None),
            (c, 1, PlanStatus.FINALIZED, at(2, 3, 9), {"tokuhashi_band": "1_year_or_more"}, m2.id),
            (d, 1, PlanStatus.FINALIZED, at(2, 3, 10), None, m2.id),
            (d, 2, PlanStatus.DRAFT, None, None, None),
        ):
            s.add(
                PlanVersion(
                    case_id=case_id,
                    number=number,
                    status=status,
                    finalized_at=finalized,
                    baseline=baseline,
                    meeting_id=meeting_id,
                )
            )

        done = FollowUpStatus.DONE
        for case_id, status, done_on, started, adherence, reason, pain in (
            (a, done, day(1, 20), at(1, 7, 6), Adherence.AS_PLANNED, None, "partial"),
            (b, done, day(1, 15), at(1, 7, 18), Adherence.MODIFIED, FORMULA_REASON, "progression"),
            (b, done, day(2, 1), None, Adherence.NOT_STARTED, None, "complete"),
            (
                c,
                done,
                day(2, 20),
                at(2, 10, 9),
                Adherence.NOT_GIVEN,
                "Patient declined",
                "indeterminate",
            ),
            (c, done, day(4, 4), None, None, None, None),
            (c, FollowUpStatus.SCHEDULED, None, None, None, None, None),
        ):
            s.add(
                FollowUp(
                    case_id=case_id,
                    kind=FollowUpKind.VISIT,
                    status=status,
                    due_on=done_on or day(5, 1),
                    done_on=done_on,
                    treatment_started_at=started,
                    adherence=adherence,
                    deviation_reason=reason,
                    pain_response=pain,
                )
            )
        return Board(
            cases={"A": a, "B": b, "C": c, "D": d},
            meetings={"M1": m1.id, "M2": m2.id, "M3": m3.id},
        )


def add_decided_case(
    session: Session, pseudonym: str, decided: dt.datetime, urgency: Urgency = Urgency.ROUTINE
) -> int:
    """A case referred the day before, with one finalized plan at ``decided``."""
    patient = Patient(pseudonym=pseudonym)
    session.add(patient)
    session.flush()
    case = Case(
        patient_id=patient.id,
        urgency=urgency,
        priority=urgency.priority,
        primary_site="breast",
        created_at=decided - dt.timedelta(days=1),
    )
    session.add(case)
    session.flush()
    session.add(
        PlanVersion(case_id=case.id, number=1, status=PlanStatus.FINALIZED, finalized_at=decided)
    )
    return case.id
