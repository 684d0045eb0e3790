"""Fixtures: a board of people (every configured backend) and cases taken to a finalized
plan through the real plan services."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from board.auth.actor import Actor
from board.cases.views import CaseInput
from board.db.engine import Database
from tests.followup.helpers import Finalized, finalized_case
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


@pytest.fixture
def finalized(board: Board) -> Finalized:
    """A case with a finalized plan (cEBRT, clinic visit every 6 weeks, 3 times) and a
    pain baseline of 8/10 on 60 mg/day oral morphine equivalent."""
    return finalized_case(board)
