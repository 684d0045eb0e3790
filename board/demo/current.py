"""The demonstration board's current cases and next meeting, written through the services.

A week before the reference time the coordinator schedules the next Tuesday's meeting;
the nine current cases are referred two days before the reference time, their
biopsies, MRIs and forms follow (the radiologist's ESCC grades make some urgent), the
notes are added, the coordinator marks the complete cases ready and builds the agenda
(every ready case and every urgent one: urgent first, then by readiness).
"""

from __future__ import annotations

import datetime as dt

from board.auth.roles import Role
from board.cases.enums import CaseStatus
from board.cases.readiness import MRI_MAX_AGE_DAYS
from board.cases.service import add_note
from board.cases.workflow import set_case_status
from board.demo.material import (
    Team,
    add_biopsy_result,
    add_mri,
    entry_time,
    register_case,
    save_forms,
)
from board.demo.spec import (
    DEMO_CASES,
    MEETING_PLACE,
    MEETING_TITLE,
    REQUIRED_ROLES,
    DemoCase,
)
from board.meetings.service import build_agenda, schedule_meeting
from board.meetings.views import MeetingInput

#: How long before the reference time things happen.
SCHEDULED_BEFORE = dt.timedelta(days=7)
REFERRED_BEFORE = dt.timedelta(days=2)
SYMPTOMS_BEFORE = dt.timedelta(days=21)
BIOPSY_BEFORE = dt.timedelta(days=10)
FORMS_BEFORE = dt.timedelta(hours=6)


def next_meeting_time(now: dt.datetime) -> dt.datetime:
    """The first Tuesday after ``now``, at 16:00 UTC (when the board meets)."""
    day = now.date() + dt.timedelta(days=1)
    while day.weekday() != 1:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(16, 0), tzinfo=dt.UTC)


def _ready(spec: DemoCase) -> bool:
    """Whether the case's checklist is complete: every required role has submitted, the
    histology is known and the MRI is recent (the service checks the same)."""
    return (
        set(REQUIRED_ROLES) <= set(spec.submitted_roles)
        and not spec.biopsy_pending
        and spec.mri_days_ago is not None
        and spec.mri_days_ago <= MRI_MAX_AGE_DAYS
    )


def _prepare(team: Team, index: int, spec: DemoCase, now: dt.datetime) -> int:
    """Register one current case and enter its material; returns the case id."""
    registered = now - REFERRED_BEFORE + dt.timedelta(minutes=10 * index)
    case_id = register_case(team, spec, (now - SYMPTOMS_BEFORE).date(), now=registered)
    add_biopsy_result(
        team,
        case_id,
        spec,
        taken_on=(now - BIOPSY_BEFORE).date(),
        now=registered + dt.timedelta(hours=1),
    )
    last = registered + dt.timedelta(hours=1)
    if spec.mri_days_ago is not None:
        study_on = (now - dt.timedelta(days=spec.mri_days_ago)).date()
        last = entry_time(
            study_on, registered + dt.timedelta(hours=2), now - dt.timedelta(minutes=10)
        )
        add_mri(team, case_id, study_on=study_on, now=last)
    forms_at = min(
        now - dt.timedelta(minutes=4),
        max(now - FORMS_BEFORE, last + dt.timedelta(minutes=10)),
    )
    save_forms(team, case_id, spec, now=forms_at)
    for role, text in spec.notes:
        add_note(team.db, team.actor(role), case_id, text, now=forms_at + dt.timedelta(minutes=1))
    if _ready(spec):
        set_case_status(
            team.db,
            team.actor(Role.COORDINATOR),
            case_id,
            CaseStatus.READY,
            now=forms_at + dt.timedelta(minutes=2),
        )
    return case_id


def schedule_next_meeting(team: Team, now: dt.datetime) -> int:
    """The coordinator schedules the next Tuesday's meeting a week ahead; returns its id."""
    detail = schedule_meeting(
        team.db,
        team.actor(Role.COORDINATOR),
        MeetingInput(
            starts_at=next_meeting_time(now),
            title=MEETING_TITLE,
            location=MEETING_PLACE,
            video_link=None,
            chair_id=team.user_id(Role.SPINE_SURGEON),
            required_roles=REQUIRED_ROLES,
        ),
        now=now - SCHEDULED_BEFORE,
    )
    return detail.id


def load_current(team: Team, meeting_id: int, now: dt.datetime) -> tuple[int, dt.datetime]:
    """Add the current cases and build the next meeting's agenda.

    Parameters
    ----------
    team:
        The database and the demo users.
    meeting_id:
        The next meeting (:func:`schedule_next_meeting`).
    now:
        The demo's reference time.

    Returns
    -------
    tuple[int, datetime]
        How many cases were added, and when the next meeting starts.
    """
    for index, spec in enumerate(DEMO_CASES):
        _prepare(team, index, spec, now)
    detail = build_agenda(
        team.db, team.actor(Role.COORDINATOR), meeting_id, now=now - dt.timedelta(minutes=1)
    )
    return len(DEMO_CASES), detail.starts_at
