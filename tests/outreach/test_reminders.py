"""Reminder e-mails against a local SMTP server: who gets what, never twice, opt-out,
pseudonym and link only, a refused message is tried again, audited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from board.accounts.users import my_account, set_email, set_reminders
from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.enums import Urgency
from board.db.models import ActionItem, Case, FollowUp, Patient, ReminderSent
from board.errors import PermissionDeniedError
from board.followup.enums import FollowUpKind, FollowUpStatus
from board.meetings.service import add_to_agenda, schedule_meeting
from board.meetings.views import MeetingInput
from board.outreach.enums import ReminderKind
from board.outreach.reminders import run_notify
from board.settings import Settings, load_settings
from tests.meetings.helpers import Board, events
from tests.outreach.conftest import Mailbox

APP = "https://board.hospital.example"
MSCC = "mscc@hospital.example"
SYSTEM = Actor.system("command line")


def settings(tmp_path: Path, mailbox: Mailbox | None) -> Settings:
    env = {
        "TUMORBOARD_DATA_DIR": str(tmp_path),
        "TUMORBOARD_SECRET_KEY": "k" * 40,
        "TUMORBOARD_APP_URL": APP,
        "TUMORBOARD_MSCC_COORDINATOR_EMAIL": MSCC,
    }
    if mailbox is not None:
        env["TUMORBOARD_SMTP_URL"] = mailbox.url
        env["TUMORBOARD_MAIL_FROM"] = "Tumor Board <board@hospital.example>"
    return load_settings(env)


def _pseudonym(board: Board, case_id: int) -> str:
    with board.db.read() as session:
        value = session.scalar(
            select(Patient.pseudonym)
            .join(Case, Case.patient_id == Patient.id)
            .where(Case.id == case_id)
        )
        assert value is not None
        return value


class Scene:
    """A meeting tomorrow with a case nobody has assessed, an overdue action item and
    follow-up, and a case in the immediate tier; addresses for most people."""

    def __init__(self, board: Board) -> None:
        self.board = board
        day_after = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
        self.starts_at = dt.datetime.combine(day_after, dt.time(12, 0), tzinfo=dt.UTC)
        # The run happens the day before, at 16:00 UTC (the hospital's zone here).
        self.now = self.starts_at - dt.timedelta(hours=20)
        self.today = self.now.date()
        for actor, address in (
            (board.oncologist, "onco@hospital.example"),
            (board.radiologist, "rad@hospital.example"),
            (board.surgeon, "spine@hospital.example"),
            (board.coordinator, "coord@hospital.example"),
        ):
            set_email(board.db, board.admin, actor.user_id or 0, address)
        # The radiation oncologist has no address: named in the run's summary.
        self.case_id = board.case(hospital_number="HN-998877")
        meeting = schedule_meeting(
            board.db,
            board.coordinator,
            MeetingInput(
                starts_at=self.starts_at,
                title="Spine board of Dr Spine",
                location="Room 2",
                video_link=None,
                chair_id=board.surgeon.user_id,
                required_roles=(Role.SPINE_SURGEON,),
            ),
        )
        self.meeting_id = meeting.id
        add_to_agenda(board.db, board.coordinator, meeting.id, self.case_id)
        self.other_id = board.case(hospital_number="HN-112233")
        self.urgent_id = board.case()
        with board.db.write() as session:
            session.add(
                ActionItem(
                    case_id=self.other_id,
                    description="Call Mrs Example Patient about the CT",
                    owner_user_id=board.surgeon.user_id,
                    due_on=self.today - dt.timedelta(days=1),
                )
            )
            session.add(
                FollowUp(
                    case_id=self.other_id,
                    kind=FollowUpKind.VISIT,
                    status=FollowUpStatus.SCHEDULED,
                    due_on=self.today - dt.timedelta(days=3),
                )
            )
            urgent = session.get(Case, self.urgent_id)
            assert urgent is not None
            urgent.urgency = Urgency.URGENT


@pytest.fixture
def scene(board: Board) -> Scene:
    return Scene(board)


def test_each_reminder_goes_to_whom_it_concerns_once(
    scene: Scene, mailbox: Mailbox, tmp_path: Path
) -> None:
    board = scene.board
    config = settings(tmp_path, mailbox)
    result = run_notify(board.db, SYSTEM, config, now=scene.now)
    assert not result.failed
    kinds = sorted((r.kind, r.recipient) for r in result.sent)
    assert kinds == sorted(
        [
            (ReminderKind.MEETING_INPUT, "onco@hospital.example"),
            (ReminderKind.MEETING_INPUT, "rad@hospital.example"),
            (ReminderKind.MEETING_INPUT, "spine@hospital.example"),
            (ReminderKind.ACTION_DUE, "spine@hospital.example"),
            (ReminderKind.FOLLOW_UP_OVERDUE, "coord@hospital.example"),
            (ReminderKind.MSCC_IMMEDIATE, MSCC),
        ]
    )
    assert len(mailbox.messages) == 6
    # The radiation oncologist (input missing, no address) is named for the operator.
    assert [n for n in result.without_address if n.startswith("radiation")] != []
    pseudonym = _pseudonym(board, scene.case_id)
    (input_mail,) = mailbox.to("rad@hospital.example")
    body = input_mail.get_content()
    assert "Tumor board tomorrow" in input_mail["Subject"]
    assert input_mail["From"] == "Tumor Board <board@hospital.example>"
    assert f"{pseudonym}: {APP}/case?case={scene.case_id}" in body
    assert f"{APP}/meetings?meeting={scene.meeting_id}" in body
    assert f"{APP}/account" in body
    (action_mail,) = [m for m in mailbox.to("spine@hospital.example") if "action" in m["Subject"]]
    other = _pseudonym(board, scene.other_id)
    assert other in action_mail["Subject"] and "overdue" in action_mail["Subject"]
    assert f"{APP}/case?case={scene.other_id}" in action_mail.get_content()
    (mscc_mail,) = mailbox.to(MSCC)
    assert _pseudonym(board, scene.urgent_id) in mscc_mail.get_content()
    # Pseudonym and link only: no name, hospital number or typed text in any message.
    for message in mailbox.messages:
        text = message["Subject"] + message.get_content()
        for secret in (
            "HN-998877",
            "HN-112233",
            "Mrs Example",
            "Dr Spine",
            "Dr Rad",
            "Dr Onco",
            "Cora Coordinator",
        ):
            assert secret not in text, (secret, text)
        assert message.get_content_type() == "text/plain"
    assert len(events(board.db, "reminder.send")) == 6
    # Never twice: the next runs (the same day, and the day after) send nothing again.
    again = run_notify(board.db, SYSTEM, config, now=scene.now + dt.timedelta(hours=2))
    assert again.sent == () and again.due == ()
    later = run_notify(board.db, SYSTEM, config, now=scene.now + dt.timedelta(days=1))
    assert later.sent == ()
    assert len(mailbox.messages) == 6
    with board.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ReminderSent)) == 6


def test_opting_out_stops_reminders_and_opting_in_resumes_them(
    scene: Scene, mailbox: Mailbox, tmp_path: Path
) -> None:
    board = scene.board
    config = settings(tmp_path, mailbox)
    account = set_reminders(board.db, board.radiologist, False)
    assert account.reminders_enabled is False
    assert my_account(board.db, board.radiologist).reminders_enabled is False
    changed = events(board.db, "account.reminders")
    assert len(changed) == 1 and changed[0].after == {"reminders_enabled": False}
    run_notify(board.db, SYSTEM, config, now=scene.now)
    assert mailbox.to("rad@hospital.example") == []
    assert len(mailbox.to("onco@hospital.example")) == 1
    set_reminders(board.db, board.radiologist, True)
    resumed = run_notify(board.db, SYSTEM, config, now=scene.now + dt.timedelta(hours=1))
    assert [r.recipient for r in resumed.sent] == ["rad@hospital.example"]
    assert len(mailbox.to("rad@hospital.example")) == 1
    with pytest.raises(PermissionDeniedError):
        set_reminders(board.db, SYSTEM, False)


def test_dry_run_and_mail_off_send_and_record_nothing(
    scene: Scene, mailbox: Mailbox, tmp_path: Path
) -> None:
    board = scene.board
    dry = run_notify(board.db, SYSTEM, settings(tmp_path, mailbox), dry_run=True, now=scene.now)
    assert len(dry.due) == 6 and dry.sent == () and dry.dry_run
    off = run_notify(board.db, SYSTEM, settings(tmp_path, None), now=scene.now)
    assert not off.mail_enabled and len(off.due) == 6 and off.sent == ()
    assert "E-mail is off" in off.summary()
    assert mailbox.messages == []
    assert events(board.db, "reminder.send") == []


def test_a_refused_message_is_tried_again_on_the_next_run(
    scene: Scene, mailbox: Mailbox, tmp_path: Path
) -> None:
    board = scene.board
    config = settings(tmp_path, mailbox)
    mailbox.refuse.add(MSCC)
    first = run_notify(board.db, SYSTEM, config, now=scene.now)
    assert [r.recipient for r, _ in first.failed] == [MSCC]
    assert len(first.sent) == 5
    assert len(events(board.db, "reminder.failed")) == 1
    mailbox.refuse.clear()
    second = run_notify(board.db, SYSTEM, config, now=scene.now + dt.timedelta(minutes=5))
    assert [r.recipient for r in second.sent] == [MSCC]
    assert len(mailbox.to(MSCC)) == 1


def test_reminders_are_permission_checked(
    scene: Scene, mailbox: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from board.auth.permissions import PERMISSIONS, Action

    monkeypatch.setitem(PERMISSIONS, Action.EXPORT, frozenset())
    with pytest.raises(PermissionDeniedError):
        run_notify(scene.board.db, SYSTEM, settings(tmp_path, mailbox), now=scene.now)
    assert mailbox.messages == []


def test_a_reminder_claimed_by_another_run_is_not_sent_again(scene: Scene) -> None:
    """Two runs at once (two servers): the unique key lets only one claim a reminder."""
    from board.outreach.reminders import Reminder, _claim

    reminder = Reminder(
        key=f"mscc:{scene.urgent_id}:{MSCC}",
        kind=ReminderKind.MSCC_IMMEDIATE,
        recipient=MSCC,
        subject="s",
        body="b",
        case_id=scene.urgent_id,
    )
    first = _claim(scene.board.db, SYSTEM, reminder, scene.now)
    assert first is not None
    assert _claim(scene.board.db, SYSTEM, reminder, scene.now) is None
    with scene.board.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ReminderSent)) == 1
    assert len(events(scene.board.db, "reminder.send")) == 1
