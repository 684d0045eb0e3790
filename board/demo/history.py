"""The demonstration board's history, written through the services: cases discussed at two
earlier meetings and followed up since.

Eight fictional patients (:data:`board.demo.history_spec.HISTORY`) were discussed 24 and
10 weeks before the demo's reference time. Each meeting is run as in use: scheduled two
weeks ahead, its cases referred, worked up and marked ready, the agenda built, the
meeting started with its quorum present, every case timed, its plan captured, signed by
the required specialties and finalized by the chair (which stores the report, captures
the baseline and schedules the follow-up), and the meeting closed. The contacts that
have fallen due since are recorded through the follow-up service, so the pain
responses, adherence, deaths and due or overdue follow-ups are computed exactly as in
use. Together they give the analytics page something to show: decision-to-treatment
times (two urgent cases, one within 24 hours and one not), adherence with deviations,
every pain response category, and survival by Tokuhashi band.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.enums import CaseStatus
from board.cases.workflow import set_case_status
from board.demo.history_spec import HISTORY, Course, meeting_times
from board.demo.material import (
    Team,
    add_biopsy_result,
    add_mri,
    entry_time,
    register_case,
    save_forms,
)
from board.demo.spec import MEETING_PLACE, MEETING_TITLE, REQUIRED_ROLES, DemoCase
from board.errors import InvalidStateError
from board.followup.enums import FollowUpKind, FollowUpStatus
from board.followup.service import get_follow_up_board, record_follow_up, set_follow_up_status
from board.followup.views import FollowUpInput
from board.meetings.enums import MeetingStatus
from board.meetings.service import (
    build_agenda,
    record_attendance,
    run_timer,
    schedule_meeting,
    set_meeting_status,
)
from board.meetings.views import MeetingDetail, MeetingInput
from board.plans.drafting import (
    acknowledge_prompt,
    add_plan_item,
    start_plan,
    update_plan_header,
)
from board.plans.lifecycle import finalize_plan, sign_plan
from board.plans.plan_board import get_plan_board
from board.plans.rules import warning_key
from board.plans.views import PlanHeaderInput, PlanItemInput

#: The coordinator schedules each meeting this long before it starts.
SCHEDULED_BEFORE = dt.timedelta(days=14)
#: Each case is referred this long before its meeting.
REFERRED_BEFORE = dt.timedelta(days=9, hours=6)
SYMPTOMS_BEFORE = dt.timedelta(days=30)
BIOPSY_BEFORE_REFERRAL = dt.timedelta(days=20)
#: The specialists' forms are in the day before the meeting.
FORMS_BEFORE = dt.timedelta(days=1)
#: Each case is discussed for eight minutes, one every ten minutes.
SLOT = dt.timedelta(minutes=10)
DISCUSSION = dt.timedelta(minutes=8)
#: Follow-up contacts are recorded in the afternoon of their day.
CONTACT_TIME = dt.time(14, 0)


def _prepare(team: Team, index: int, spec: DemoCase, course: Course, starts_at: dt.datetime) -> int:
    """Refer one history case, enter its material and mark it ready; returns its id."""
    registered = starts_at - REFERRED_BEFORE + dt.timedelta(minutes=10 * index)
    case_id = register_case(team, spec, (starts_at - SYMPTOMS_BEFORE).date(), now=registered)
    add_biopsy_result(
        team,
        case_id,
        spec,
        taken_on=registered.date() - BIOPSY_BEFORE_REFERRAL,
        now=registered + dt.timedelta(hours=1),
    )
    mri_on = registered.date() + dt.timedelta(days=-4 if course.mri_before_referral else 1)
    forms_at = starts_at - FORMS_BEFORE
    add_mri(
        team,
        case_id,
        study_on=mri_on,
        now=entry_time(mri_on, registered + dt.timedelta(hours=2), forms_at),
    )
    save_forms(team, case_id, spec, now=forms_at)
    set_case_status(
        team.db,
        team.actor(Role.COORDINATOR),
        case_id,
        CaseStatus.READY,
        reason=course.ready_reason if course.drafts_at_discussion else None,
        now=forms_at + dt.timedelta(hours=1),
    )
    return case_id


def _decide(
    team: Team,
    case_id: int,
    meeting_id: int,
    spec: DemoCase,
    course: Course,
    discussed: dt.datetime,
) -> None:
    """The board's decision on one case: the chair captures the plan, the required
    specialties sign it and the chair finalizes it at the end of the discussion."""
    db = team.db
    chair = team.actor(Role.SPINE_SURGEON)
    step = dt.timedelta(seconds=30)
    at = discussed
    plan = start_plan(db, chair, case_id, meeting_id, now=at)
    for component, option, details in course.items:
        at += step
        plan = add_plan_item(
            db, chair, plan.id, plan.version, PlanItemInput(component, option, details), now=at
        )
    departures = get_plan_board(db, chair, case_id).departures
    if departures and course.departure_reason is None:
        raise InvalidStateError(
            f"Demo case {spec.pseudonym} departs from the NOMS suggestion "
            f"({'; '.join(departures)}): give its course a departure_reason."
        )
    at += step
    plan = update_plan_header(
        db,
        chair,
        plan.id,
        plan.version,
        PlanHeaderInput(
            course.intent, course.summary, course.departure_reason if departures else None
        ),
        now=at,
    )
    for prompt in get_plan_board(db, chair, case_id).prompts:
        key = warning_key(prompt)
        if key not in plan.acknowledged:
            at += step
            plan = acknowledge_prompt(db, chair, plan.id, plan.version, key, now=at)
    signed_at = discussed + DISCUSSION - dt.timedelta(minutes=2)
    for role in REQUIRED_ROLES:
        plan = sign_plan(db, team.actor(role), plan.id, plan.version, now=signed_at)
    finalize_plan(db, chair, plan.id, plan.version, now=discussed + DISCUSSION)


def _run_meeting(
    team: Team,
    detail: MeetingDetail,
    cases: dict[int, tuple[DemoCase, Course]],
) -> dict[int, dt.datetime]:
    """Start the meeting, record its quorum, discuss the agenda and close it.

    Returns when each case's plan was finalized (the decision), by case id.
    """
    db = team.db
    coordinator = team.actor(Role.COORDINATOR)
    starts_at = detail.starts_at
    detail = set_meeting_status(
        db, coordinator, detail.id, detail.version, MeetingStatus.IN_PROGRESS, now=starts_at
    )
    for role in REQUIRED_ROLES:
        detail = record_attendance(db, coordinator, detail.id, team.user_id(role), now=starts_at)
    decided: dict[int, dt.datetime] = {}
    for row in detail.agenda:
        discussed = starts_at + SLOT * row.position
        spec, course = cases[row.case_id]
        run_timer(db, coordinator, row.id, True, now=discussed)
        _decide(team, row.case_id, detail.id, spec, course, discussed)
        detail = run_timer(db, coordinator, row.id, False, now=discussed + DISCUSSION)
        decided[row.case_id] = discussed + DISCUSSION
    set_meeting_status(
        db,
        coordinator,
        detail.id,
        detail.version,
        MeetingStatus.CLOSED,
        now=starts_at + SLOT * (len(detail.agenda) + 1),
    )
    return decided


def _meeting(
    team: Team, starts_at: dt.datetime, history: Sequence[tuple[DemoCase, Course]]
) -> dict[int, tuple[Course, dt.datetime]]:
    """One earlier meeting and its cases; returns each case's course and decision time."""
    coordinator = team.actor(Role.COORDINATOR)
    detail = schedule_meeting(
        team.db,
        coordinator,
        MeetingInput(
            starts_at=starts_at,
            title=MEETING_TITLE,
            location=MEETING_PLACE,
            video_link=None,
            chair_id=team.user_id(Role.SPINE_SURGEON),
            required_roles=REQUIRED_ROLES,
        ),
        now=starts_at - SCHEDULED_BEFORE,
    )
    cases = {
        _prepare(team, index, spec, course, starts_at): (spec, course)
        for index, (spec, course) in enumerate(history)
    }
    detail = build_agenda(
        team.db,
        coordinator,
        detail.id,
        now=starts_at - FORMS_BEFORE + dt.timedelta(hours=2),
    )
    if {row.case_id for row in detail.agenda} != set(cases):
        raise InvalidStateError("The demo meeting's agenda is not the cases referred to it.")
    decided = _run_meeting(team, detail, cases)
    return {case_id: (cases[case_id][1], decided[case_id]) for case_id in cases}


def load_history(team: Team, now: dt.datetime) -> int:
    """Add the history cases, their earlier meetings, plans and follow-up.

    Parameters
    ----------
    team:
        The database and the demo users (created before the first meeting).
    now:
        The demo's reference time.

    Returns
    -------
    int
        How many cases were added.
    """
    courses: dict[int, tuple[Course, dt.datetime]] = {}
    for index, starts_at in enumerate(meeting_times(now)):
        courses |= _meeting(
            team, starts_at, [(spec, course) for spec, course in HISTORY if course.meeting == index]
        )
    for case_id, (course, decided) in courses.items():
        _follow(team, case_id, course, decided, now)
    return len(courses)


def _contact_time(day: dt.date, now: dt.datetime) -> dt.datetime:
    """When a contact on ``day`` is recorded: that afternoon, or ``now`` if earlier."""
    return min(dt.datetime.combine(day, CONTACT_TIME, tzinfo=dt.UTC), now)


def _follow(
    team: Team,
    case_id: int,
    course: Course,
    decided: dt.datetime,
    now: dt.datetime,
) -> None:
    """Record the contacts that have fallen due, through the follow-up service."""
    db = team.db
    today = now.date()
    death = (
        None
        if course.died_after_days is None
        else decided.date() + dt.timedelta(days=course.died_after_days)
    )
    visit_actor: Actor = team.actor(Role.RADIATION_ONCOLOGIST)
    imaging_actor: Actor = team.actor(Role.RADIOLOGIST)
    board = get_follow_up_board(db, visit_actor, case_id)
    due = sorted(
        (
            (row.due_on, row.id, row.version, row.kind)
            for row in board.scheduled
            if row.status is FollowUpStatus.SCHEDULED and row.due_on <= today
        ),
    )
    first = True
    visit_index = 0
    died_recorded = False
    for index, (due_on, fid, version, kind) in enumerate(due):
        at = _contact_time(due_on, now)
        if death is not None and due_on >= death:
            if kind is not FollowUpKind.VISIT:
                continue  # the visit on or after the death records it; this one is cancelled
            record_follow_up(
                db,
                visit_actor,
                case_id,
                FollowUpInput(
                    contact_on=due_on,
                    kind=FollowUpKind.VISIT,
                    died_on=death,
                    notes="Died at home under the palliative care team.",
                ),
                scheduled_id=fid,
                expected_version=version,
                now=at,
            )
            died_recorded = True
            break
        if course.leave_overdue and index == len(due) - 1 and kind is FollowUpKind.VISIT:
            continue
        if course.missed_first and first:
            set_follow_up_status(
                db,
                visit_actor,
                fid,
                version,
                FollowUpStatus.MISSED,
                "Did not attend; admitted elsewhere with a chest infection.",
                now=_contact_time(due_on + dt.timedelta(days=1), now),
            )
            first = False
            continue
        if kind is FollowUpKind.IMAGING:
            record_follow_up(
                db,
                imaging_actor,
                case_id,
                FollowUpInput(
                    contact_on=due_on,
                    kind=FollowUpKind.IMAGING,
                    imaging_findings=course.imaging_findings,
                ),
                scheduled_id=fid,
                expected_version=version,
                now=at,
            )
            continue
        contact = course.visits[min(visit_index, len(course.visits) - 1)]
        visit_index += 1
        started = decided + dt.timedelta(hours=course.start_hours) if visit_index == 1 else None
        record_follow_up(
            db,
            visit_actor,
            case_id,
            FollowUpInput(
                contact_on=due_on,
                kind=FollowUpKind.VISIT,
                pain_score=contact.pain,
                omed_mg=contact.omed,
                ecog=contact.ecog,
                karnofsky=contact.karnofsky,
                frankel=contact.frankel,
                asia=contact.frankel,
                ambulatory=contact.ambulatory,
                complications=contact.complications,
                treatment_given=course.treatment_given if visit_index == 1 else None,
                adherence=course.adherence if visit_index == 1 else None,
                deviation_reason=course.deviation if visit_index == 1 else None,
                treatment_started_at=started,
            ),
            scheduled_id=fid,
            expected_version=version,
            now=at,
        )
        first = False
    if death is not None and not died_recorded and death <= today:
        contact_on = min(today, death + dt.timedelta(days=3))
        record_follow_up(
            db,
            visit_actor,
            case_id,
            FollowUpInput(
                contact_on=contact_on,
                kind=FollowUpKind.VISIT,
                died_on=death,
                notes="Died in hospital; the family informed the team.",
            ),
            now=_contact_time(contact_on, now),
        )
