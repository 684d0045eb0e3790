"""Fixtures: one person per role on a fresh database (every configured backend)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from board.auth.actor import Actor
from board.cases.views import CaseInput
from board.db.engine import Database
from tests.meetings.helpers import Board, make_board


@pytest.fixture
def board(
    db: Database,
    admin: Actor,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
) -> Board:
    """One user per role, with helpers for cases and meetings."""
    return make_board(db, admin, make_user, new_case)
