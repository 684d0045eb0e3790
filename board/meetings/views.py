"""What meeting services take from pages and give back: frozen dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from board.auth.roles import Role
from board.cases.enums import CaseStatus, Urgency
from board.meetings.enums import AgendaTriage, MeetingStatus
from board.plans.enums import PlanStatus


@dataclass(frozen=True, slots=True)
class MeetingInput:
    """The schedule form.

    Parameters
    ----------
    starts_at:
        Date and time (timezone-aware).
    title:
        Name of the meeting.
    location:
        Room, or ``None`` when the meeting is online only.
    video_link:
        ``https://`` link of the video call, or ``None``.
    chair_id:
        The chairing specialist (finalizes the plans).
    required_roles:
        The specialties that must attend (quorum) and sign each plan.
    invitee_ids:
        The people invited; ``None`` for the default: every active user of the required
        specialties, and the chair.
    """

    starts_at: dt.datetime
    title: str
    location: str | None
    video_link: str | None
    chair_id: int | None
    required_roles: tuple[Role, ...]
    invitee_ids: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class MeetingSummary:
    """A meeting in a list."""

    id: int
    starts_at: dt.datetime
    title: str
    status: MeetingStatus
    agenda_count: int


@dataclass(frozen=True, slots=True)
class AgendaRow:
    """One case on an agenda."""

    id: int
    version: int
    position: int
    case_id: int
    pseudonym: str
    primary_site_label: str
    levels: tuple[str, ...]
    urgency: Urgency
    case_status: CaseStatus
    missing: tuple[str, ...]
    triage: AgendaTriage
    discussed_at: dt.datetime | None
    discussion_seconds: int
    timer_started_at: dt.datetime | None
    plan_status: PlanStatus | None
    plan_number: int | None
    referral_question: str
    #: why a case in follow-up is back on the agenda
    rediscussion_reason: str | None = None

    def elapsed_seconds(self, now: dt.datetime) -> int:
        """Discussion time so far, including a running timer."""
        running = 0
        if self.timer_started_at is not None:
            running = max(0, int((now - self.timer_started_at).total_seconds()))
        return self.discussion_seconds + running

    @property
    def ready(self) -> bool:
        """Whether the readiness checklist is complete."""
        return not self.missing

    @property
    def plan_text(self) -> str:
        """The case's newest plan in words: "not started", "draft, version 1", ..."""
        if self.plan_status is None:
            return "not started"
        return f"{self.plan_status.value}, version {self.plan_number}"

    @property
    def status_text(self) -> str:
        """Where the case stands, in one plain line for the agenda.

        Before the discussion: "Ready", or what is still missing (also for a case marked
        ready with a reason while input was missing). Afterwards: the case's status, its
        newest plan and the discussion time.
        """
        status = self.case_status
        missing = "; ".join(self.missing)
        if status in (CaseStatus.PREPARING, CaseStatus.READY):
            if not self.missing:
                parts = ["Ready"]
            elif status is CaseStatus.READY:
                parts = [f"Marked ready; still missing: {missing}"]
            else:
                parts = [f"Still missing: {missing}"]
        else:
            parts = [status.label]
        if status is CaseStatus.PLAN_FINALIZED and self.plan_status is PlanStatus.FINALIZED:
            parts = [f"Plan finalized, version {self.plan_number}"]
        elif self.plan_status is not None:
            parts.append(f"{self.plan_status.value} plan, version {self.plan_number}")
        if self.discussed_at is not None:
            parts.append(f"discussion time {_clock(self.discussion_seconds)}")
        return "; ".join(parts)


def _clock(seconds: int) -> str:
    """Seconds as ``m:ss`` (or ``h:mm:ss``)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    """One attendee."""

    id: int
    user_id: int
    name: str
    role: Role
    present: bool
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Quorum:
    """Whether the required specialties are present."""

    required_roles: tuple[Role, ...]
    present_roles: tuple[Role, ...]
    missing_roles: tuple[Role, ...]

    @property
    def met(self) -> bool:
        """True when no required specialty is absent."""
        return not self.missing_roles

    def warning(self) -> str | None:
        """The quorum warning, or ``None`` when the quorum is met."""
        if self.met:
            return None
        return (
            "No quorum: absent required specialt"
            + ("ies: " if len(self.missing_roles) > 1 else "y: ")
            + ", ".join(r.label for r in self.missing_roles)
            + "."
        )


@dataclass(frozen=True, slots=True)
class MeetingDetail:
    """A meeting with its agenda, attendance and quorum."""

    id: int
    version: int
    starts_at: dt.datetime
    title: str
    location: str | None
    video_link: str | None
    chair_id: int | None
    chair_name: str | None
    status: MeetingStatus
    required_roles: tuple[Role, ...]
    agenda: tuple[AgendaRow, ...]
    attendance: tuple[AttendanceRow, ...]
    quorum: Quorum
    updated_at: dt.datetime
    updated_by: str | None
    #: the people invited, by name
    invitees: tuple[PersonOption, ...] = ()

    def as_input(self) -> MeetingInput:
        """The editable fields, as the form holds them."""
        return MeetingInput(
            starts_at=self.starts_at,
            title=self.title,
            location=self.location,
            video_link=self.video_link,
            chair_id=self.chair_id,
            required_roles=self.required_roles,
            invitee_ids=tuple(p.id for p in self.invitees),
        )

    def attendance_of(self, user_id: int | None) -> AttendanceRow | None:
        """The attendance recorded for a person, if any."""
        return next((a for a in self.attendance if a.user_id == user_id), None)

    @property
    def invited_not_recorded(self) -> tuple[PersonOption, ...]:
        """Invitees with no attendance recorded yet ("All invited present" records them)."""
        recorded = {a.user_id for a in self.attendance}
        return tuple(p for p in self.invitees if p.id not in recorded)


@dataclass(frozen=True, slots=True)
class AgendaCandidate:
    """A case that could go on the agenda, in the suggested order."""

    case_id: int
    pseudonym: str
    primary_site_label: str
    levels: tuple[str, ...]
    urgency: Urgency
    status: CaseStatus
    missing: tuple[str, ...]
    created_at: dt.datetime
    rediscussion: bool = False

    @property
    def ready(self) -> bool:
        """Whether nothing is missing."""
        return not self.missing


@dataclass(frozen=True, slots=True)
class PersonOption:
    """An active user, for chair, attendance and action-item owner pickers."""

    id: int
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class LiveState:
    """What a follower needs to know about a meeting now: one cheap read.

    Parameters
    ----------
    meeting_id:
        The meeting.
    status:
        The meeting's status.
    item_id, case_id, position:
        The agenda item the chair presents, its case and its place on the agenda;
        ``None`` until the chair first moves (or after the case left the agenda).
    since:
        When the chair moved to it.
    case_stamp:
        The newest audit event of the presented case: it changes whenever anything
        about the case changes (the draft plan, a signature, a dissent), so a follower
        knows when to draw the case again.
    """

    meeting_id: int
    status: MeetingStatus
    item_id: int | None
    case_id: int | None
    position: int | None
    since: dt.datetime | None
    case_stamp: int | None

    @property
    def token(self) -> tuple[object, ...]:
        """Changes when the presented case, or anything about it, changes."""
        return (self.status, self.item_id, self.since, self.case_stamp)


@dataclass(frozen=True, slots=True)
class FollowerRow:
    """Someone following a meeting live."""

    user_id: int
    name: str
    role: Role
    joined_at: dt.datetime
    last_seen_at: dt.datetime
