"""Who may do what: one table of role x action, used by every service function."""

from __future__ import annotations

from enum import StrEnum

from board.auth.actor import Actor
from board.auth.roles import CONTRIBUTING_ROLES, Role
from board.errors import PermissionDeniedError


class Action(StrEnum):
    """Actions that need a permission."""

    CASE_VIEW = "case.view"
    CASE_CREATE = "case.create"
    CASE_EDIT = "case.edit"
    NOTE_ADD = "note.add"
    IMAGING_ATTACH = "imaging.attach"
    PATHOLOGY_EDIT = "pathology.edit"
    ASSESSMENT_EDIT_OWN = "assessment.edit_own"
    MEETING_SCHEDULE = "meeting.schedule"
    MEETING_RUN = "meeting.run"
    PLAN_EDIT = "plan.edit"
    PLAN_SIGN = "plan.sign"
    PLAN_FINALIZE = "plan.finalize"
    PLAN_AMEND = "plan.amend"
    FOLLOW_UP_RECORD = "follow_up.record"
    EXPORT = "export"
    ANALYTICS_VIEW = "analytics.view"
    AUDIT_VIEW = "audit.view"
    USERS_ADMINISTER = "users.administer"
    SETTINGS_ADMINISTER = "settings.administer"
    BOARD_BACKUP = "board.backup"

    @property
    def label(self) -> str:
        """Plain-English description used in refusals."""
        return _LABELS[self]


_LABELS: dict[Action, str] = {
    Action.CASE_VIEW: "view cases",
    Action.CASE_CREATE: "create cases",
    Action.CASE_EDIT: "edit case details",
    Action.NOTE_ADD: "add notes",
    Action.IMAGING_ATTACH: "attach or correct imaging",
    Action.PATHOLOGY_EDIT: "record pathology",
    Action.ASSESSMENT_EDIT_OWN: "edit their own role's assessment",
    Action.MEETING_SCHEDULE: "schedule meetings and build agendas",
    Action.MEETING_RUN: "run a meeting (presenter, attendance)",
    Action.PLAN_EDIT: "edit the draft plan",
    Action.PLAN_SIGN: "sign a plan",
    Action.PLAN_FINALIZE: "finalize a plan",
    Action.PLAN_AMEND: "amend a finalized plan",
    Action.FOLLOW_UP_RECORD: "record follow-up",
    Action.EXPORT: "export reports and data",
    Action.ANALYTICS_VIEW: "view the board analytics",
    Action.AUDIT_VIEW: "view the audit trail",
    Action.USERS_ADMINISTER: "administer users",
    Action.SETTINGS_ADMINISTER: "change settings",
    Action.BOARD_BACKUP: "back up or restore the whole board",
}

_ALL = frozenset(Role)
_CLINICIANS = frozenset(CONTRIBUTING_ROLES) | {Role.PATHOLOGIST}
_STAFF = _CLINICIANS | {Role.COORDINATOR}

#: The permission table. Every service function checks it through :func:`require`.
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.CASE_VIEW: _ALL,
    Action.CASE_CREATE: _STAFF | {Role.ADMIN},
    Action.CASE_EDIT: _STAFF | {Role.ADMIN},
    Action.NOTE_ADD: _STAFF,
    Action.IMAGING_ATTACH: frozenset({Role.RADIOLOGIST, Role.COORDINATOR}),
    Action.PATHOLOGY_EDIT: frozenset({Role.PATHOLOGIST, Role.MEDICAL_ONCOLOGIST, Role.COORDINATOR}),
    Action.ASSESSMENT_EDIT_OWN: frozenset(CONTRIBUTING_ROLES),
    Action.MEETING_SCHEDULE: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Action.MEETING_RUN: _STAFF,
    Action.PLAN_EDIT: _STAFF,
    Action.PLAN_SIGN: _CLINICIANS,
    Action.PLAN_FINALIZE: _CLINICIANS,
    Action.PLAN_AMEND: _CLINICIANS,
    Action.FOLLOW_UP_RECORD: _STAFF,
    Action.EXPORT: _STAFF | {Role.ADMIN},
    Action.ANALYTICS_VIEW: _STAFF | {Role.ADMIN},
    Action.AUDIT_VIEW: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.USERS_ADMINISTER: frozenset({Role.ADMIN}),
    Action.SETTINGS_ADMINISTER: frozenset({Role.ADMIN}),
    Action.BOARD_BACKUP: frozenset({Role.ADMIN}),
}


def allowed(role: Role, action: Action) -> bool:
    """Whether ``role`` may perform ``action``."""
    return role in PERMISSIONS[action]


def require(actor: Actor, action: Action) -> None:
    """Raise unless the actor's role may perform ``action``.

    Parameters
    ----------
    actor:
        Who is acting.
    action:
        What they want to do.

    Raises
    ------
    PermissionDeniedError
        With a message naming the role and the action.
    """
    if not allowed(actor.role, action):
        raise PermissionDeniedError(f"Your role ({actor.role.label}) may not {action.label}.")
