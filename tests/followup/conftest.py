"""Fixtures: cases taken to a finalized plan through the real plan services (the board of
people is the shared ``board`` fixture)."""

from __future__ import annotations

import pytest

from tests.followup.helpers import Finalized, finalized_case
from tests.meetings.helpers import Board


@pytest.fixture
def finalized(board: Board) -> Finalized:
    """A case with a finalized plan (cEBRT, clinic visit every 6 weeks, 3 times) and a
    pain baseline of 8/10 on 60 mg/day oral morphine equivalent."""
    return finalized_case(board)
