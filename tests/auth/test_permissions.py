"""The role x action table and the refusal message."""

from __future__ import annotations

import pytest

from board.auth.actor import Actor
from board.auth.permissions import PERMISSIONS, Action, allowed, require
from board.auth.roles import CONTRIBUTING_ROLES, REQUIRED_ROLES, Role
from board.errors import PermissionDeniedError, UserError


def _actor(role: Role) -> Actor:
    return Actor(1, "someone", "Some One", role)


def test_every_action_has_a_rule_and_a_label() -> None:
    assert set(PERMISSIONS) == set(Action)
    for action in Action:
        assert action.label
        assert PERMISSIONS[action], f"{action} is allowed to nobody"


def test_every_role_has_a_label() -> None:
    assert len({role.label for role in Role}) == len(Role)


def test_required_roles_contribute() -> None:
    assert set(REQUIRED_ROLES) <= set(CONTRIBUTING_ROLES)


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        (Role.ADMIN, Action.NOTE_ADD, False),
        (Role.ADMIN, Action.PLAN_SIGN, False),
        (Role.ADMIN, Action.USERS_ADMINISTER, True),
        (Role.ADMIN, Action.CASE_CREATE, True),
        (Role.COORDINATOR, Action.USERS_ADMINISTER, False),
        (Role.COORDINATOR, Action.MEETING_SCHEDULE, True),
        (Role.COORDINATOR, Action.PLAN_SIGN, False),
        (Role.RADIOLOGIST, Action.IMAGING_ATTACH, True),
        (Role.PHYSIOTHERAPIST, Action.IMAGING_ATTACH, False),
        (Role.PATHOLOGIST, Action.PATHOLOGY_EDIT, True),
        (Role.PATHOLOGIST, Action.ASSESSMENT_EDIT_OWN, False),
        (Role.SPINE_SURGEON, Action.PLAN_FINALIZE, True),
        (Role.SPINE_SURGEON, Action.AUDIT_VIEW, False),
        (Role.PHYSIOTHERAPIST, Action.ANALYTICS_VIEW, True),
        (Role.ADMIN, Action.ANALYTICS_VIEW, True),
    ],
)
def test_policy(role: Role, action: Action, expected: bool) -> None:
    assert allowed(role, action) is expected


def test_only_administrators_administer() -> None:
    assert PERMISSIONS[Action.USERS_ADMINISTER] == {Role.ADMIN}
    assert PERMISSIONS[Action.SETTINGS_ADMINISTER] == {Role.ADMIN}


def test_everyone_may_view_cases() -> None:
    assert PERMISSIONS[Action.CASE_VIEW] == frozenset(Role)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_require_follows_the_table(role: Role, action: Action) -> None:
    if role in PERMISSIONS[action]:
        require(_actor(role), action)
    else:
        with pytest.raises(PermissionDeniedError) as info:
            require(_actor(role), action)
        assert str(info.value) == f"Your role ({role.label}) may not {action.label}."
        assert isinstance(info.value, UserError)
