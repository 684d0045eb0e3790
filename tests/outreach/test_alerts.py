"""The MSCC alert at once: a case entering the immediate tier is mailed to the MSCC
coordinator right after the save commits (not at the next ``notify`` run), once."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select

from board.cases.enums import Urgency
from board.cases.service import get_case, update_case
from board.db.models import ReminderSent
from board.outreach.alerts import watch_immediate_tier
from board.outreach.reminders import run_notify
from tests.meetings.helpers import Board, urgent_symptoms
from tests.outreach.conftest import Mailbox
from tests.outreach.test_reminders import MSCC, SYSTEM, settings


def _join(threads: list[threading.Thread]) -> int:
    """Wait for every alert thread started so far; how many there were."""
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    return len(threads)


def test_a_new_immediate_case_is_mailed_at_once_and_only_once(
    board: Board, mailbox: Mailbox, tmp_path: Path
) -> None:
    threads = watch_immediate_tier(board.db, settings(tmp_path, mailbox), wait=True)
    assert threads is not None

    routine = board.case(ready=False)
    assert _join(threads) == 0 and mailbox.messages == []  # routine: nothing to say

    urgent = board.case(ready=False, **urgent_symptoms())
    assert get_case(board.db, board.coordinator, urgent).urgency is Urgency.URGENT
    assert _join(threads) == 1
    [message] = mailbox.to(MSCC)
    pseudonym = get_case(board.db, board.coordinator, urgent).pseudonym
    assert pseudonym in message["Subject"]
    assert f"/case?case={urgent}" in message.get_content()

    # Saving the urgent case again sends nothing more, nor does the next notify run.
    case = get_case(board.db, board.coordinator, urgent)
    update_case(
        board.db,
        board.coordinator,
        urgent,
        case.version,
        board.new_case(referral_question="Worse today.", **urgent_symptoms()),
    )
    _join(threads)
    later = run_notify(board.db, SYSTEM, settings(tmp_path, mailbox))
    assert not [r for r in later.sent if r.case_id == urgent]
    assert len(mailbox.to(MSCC)) == 1
    assert routine not in {r.case_id for r in later.sent}


def test_a_case_edited_into_the_immediate_tier_is_mailed_at_once(
    board: Board, mailbox: Mailbox, tmp_path: Path
) -> None:
    threads = watch_immediate_tier(board.db, settings(tmp_path, mailbox), wait=True)
    assert threads is not None
    case_id = board.case(ready=False)
    case = get_case(board.db, board.coordinator, case_id)
    assert case.urgency is not Urgency.URGENT
    update_case(
        board.db, board.coordinator, case_id, case.version, board.new_case(**urgent_symptoms())
    )
    assert _join(threads) == 1
    assert [m["Subject"] for m in mailbox.to(MSCC)] == [
        f"Immediate tier: suspected spinal cord compression, {case.pseudonym}"
    ]
    with board.db.read() as session:
        keys = session.scalars(select(ReminderSent.key)).all()
    assert keys == [f"mscc:{case_id}:{MSCC}"]


def test_a_mail_server_that_is_down_never_fails_the_save(board: Board, tmp_path: Path) -> None:
    down = Mailbox(port=1)  # nothing listens on port 1 of the loopback address
    threads = watch_immediate_tier(board.db, settings(tmp_path, down), wait=True)
    assert threads is not None
    case_id = board.case(ready=False, **urgent_symptoms())  # saved all the same
    assert _join(threads) == 1
    assert get_case(board.db, board.coordinator, case_id).urgency is Urgency.URGENT
    with board.db.read() as session:  # not recorded as sent: the next run sends it
        assert session.scalars(select(ReminderSent)).all() == []


def test_nothing_is_watched_without_mail_or_an_mscc_address(board: Board, tmp_path: Path) -> None:
    assert watch_immediate_tier(board.db, settings(tmp_path, None)) is None
