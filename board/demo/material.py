"""What every demo case goes through before a meeting, written through the services.

The demo team (:class:`Team`) registers each case, records its biopsy and MRI and saves
every role's form, each action back-dated with ``now=``: the rows, the audit events and
the rules (a date may not lie in the future, the radiologist's ESCC grade re-applies the
red-flag rule) are exactly those of the app in use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from board.accounts.users import UserView
from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import create_case
from board.cases.specialist_input import save_assessment
from board.cases.views import CaseInput
from board.db.engine import Database
from board.demo.spec import (
    DEMO_FORM_ROLES,
    MARKERS,
    REFERRING_CLINIC,
    DemoCase,
    assessment_data,
    site_value,
)
from board.imaging.enums import BodyRegion, Modality
from board.imaging.manual import add_manual_study
from board.imaging.views import ManualStudyInput
from board.pathology.enums import BiopsyKind, BiopsyStatus
from board.pathology.service import BiopsyInput, add_biopsy

_BIOPSY_REPORT = "Fictional report: core biopsy of the vertebral lesion."
#: Something dated on a day is entered from this time of that day (UTC) on.
_WORKDAY_START = dt.time(9, 0)


@dataclass(frozen=True, slots=True)
class Team:
    """The database and the demo user of each role."""

    db: Database
    users: dict[Role, UserView]

    def actor(self, role: Role) -> Actor:
        """The actor of the demo user with ``role``."""
        return self.users[role].as_actor()

    def user_id(self, role: Role) -> int:
        """The id of the demo user with ``role``."""
        return self.users[role].id


def entry_time(day: dt.date, after: dt.datetime, latest: dt.datetime) -> dt.datetime:
    """When something dated ``day`` is entered: from the morning of that day and after
    ``after``, but no later than ``latest`` (and never before the day begins)."""
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
    wanted = max(after, dt.datetime.combine(day, _WORKDAY_START, tzinfo=dt.UTC))
    return max(start, min(wanted, latest))


def register_case(team: Team, spec: DemoCase, onset: dt.date, *, now: dt.datetime) -> int:
    """Register a demo case (its referral) as the coordinator at ``now``; returns its id."""
    symptoms = spec.symptoms
    detail = create_case(
        team.db,
        team.actor(Role.COORDINATOR),
        CaseInput(
            primary_site=site_value(spec.site),
            levels=spec.levels,
            histology=spec.histology,
            age=spec.age,
            sex=spec.sex,
            pain_score=spec.pain_score,
            pain_character=spec.pain_character,
            pain_new_or_worse=symptoms.get("pain_new_or_worse"),
            weakness=symptoms.get("weakness", False),
            numbness=symptoms.get("numbness", False),
            gait_disturbance=symptoms.get("gait_disturbance", False),
            bladder_bowel_dysfunction=symptoms.get("bladder_bowel_dysfunction", False),
            radicular_pain=symptoms.get("radicular_pain", False),
            pain_features=tuple(sorted(spec.pain_features))
            if spec.pain_features is not None
            else None,
            symptom_onset=onset,
            referral_question=spec.question,
            referred_by=REFERRING_CLINIC,
        ),
        pseudonym=spec.pseudonym,
        now=now,
    )
    return detail.id


def add_biopsy_result(
    team: Team, case_id: int, spec: DemoCase, *, taken_on: dt.date, now: dt.datetime
) -> None:
    """The pathologist records the case's core biopsy (pending, or final with markers)."""
    level = spec.levels.split(",")[0].strip()
    pending = spec.biopsy_pending
    add_biopsy(
        team.db,
        team.actor(Role.PATHOLOGIST),
        case_id,
        BiopsyInput(
            kind=BiopsyKind.CORE_NEEDLE,
            status=BiopsyStatus.PENDING if pending else BiopsyStatus.FINAL,
            performed_on=taken_on,
            site=f"{level} vertebral body",
            level=level,
            histology=None if pending else spec.histology,
            markers={} if pending else dict(MARKERS.get(spec.site, {})),
            pathologist=team.users[Role.PATHOLOGIST].display_name,
            report_text=None if pending else _BIOPSY_REPORT,
        ),
        now=now,
    )


def add_mri(team: Team, case_id: int, *, study_on: dt.date, now: dt.datetime) -> None:
    """The radiologist enters the case's whole-spine MRI (an outside study with a report)."""
    add_manual_study(
        team.db,
        team.actor(Role.RADIOLOGIST),
        case_id,
        ManualStudyInput(
            modality=Modality.MR,
            study_date=study_on,
            body_region=BodyRegion.WHOLE_SPINE,
            description="MRI whole spine with contrast",
            report_text="Fictional report: findings as recorded by the radiologist.",
        ),
        now=now,
    )


def save_forms(team: Team, case_id: int, spec: DemoCase, *, now: dt.datetime) -> None:
    """Every role saves its form at ``now``: the roles in ``spec.submitted_roles`` submit
    it for the meeting, the others keep a draft (readiness still lists their input).

    The radiologist saves first: the ESCC grades re-apply the red-flag rule.
    """
    for role in DEMO_FORM_ROLES:
        save_assessment(
            team.db,
            team.actor(role),
            case_id,
            role,
            assessment_data(spec, role),
            0,
            submit=role in spec.submitted_roles,
            now=now,
        )
