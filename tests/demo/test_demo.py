"""The demo board is written by the same services as the app, back-dated with ``now=``.

One demo board is loaded per module into a fresh SQLite database, at a fixed reference
time well in the past: anything written with the real clock instead of the action's
clock would then lie after it.
"""

from __future__ import annotations

import ast
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

import board.db.models as models
from board.cases.enums import CaseStatus, Urgency
from board.cases.redflags import SymptomFacts, assess_red_flags, parse_pain_features
from board.cases.steps import high_grade_escc
from board.cases.workflow import can_transition
from board.db.engine import Database
from board.db.models import (
    AgendaItem,
    AuditEvent,
    Base,
    Case,
    FollowUp,
    Meeting,
    Patient,
    PlanVersion,
    SignOff,
    UTCDateTime,
)
from board.demo import DEMO_CASES, HISTORY, demo_case_count, load_demo
from board.errors import InvalidStateError
from board.followup.enums import FollowUpStatus
from board.installation import installation_state
from board.meetings.enums import MeetingStatus
from board.plans.enums import PlanStatus

#: One worker runs this module: its demo board (at the reference time) is loaded once.
pytestmark = pytest.mark.xdist_group("demo-module")

ROOT = Path(__file__).resolve().parents[2]
DEMO_PACKAGE = ROOT / "board" / "demo"
#: The demo's reference time: a Wednesday morning well before the tests run.
NOW = dt.datetime(2025, 3, 5, 10, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(_sqlite_template, path)
    db = Database.from_url(f"sqlite:///{path}")
    load_demo(db, now=NOW)
    yield db
    db.dispose()


def _pseudonyms(db: Database) -> dict[int, str]:
    with db.read() as session:
        return dict(session.execute(select(Case.id, Patient.pseudonym).join(Patient)).all())


def test_the_demo_holds_its_cases_users_and_demo_mode(demo: Database) -> None:
    state = installation_state(demo)
    assert state.case_count == demo_case_count() == len(DEMO_CASES) + len(HISTORY)
    assert state.user_count == 9 and state.demo_mode


def test_loading_twice_is_refused(demo: Database) -> None:
    with pytest.raises(InvalidStateError, match="empty database"):
        load_demo(demo, now=NOW)


def test_every_stored_time_lies_on_or_before_the_reference_time(demo: Database) -> None:
    """Every timestamp column (but the next meeting's start, and the default plan
    templates the installation starts with) was written with ``now=``."""
    late: list[str] = []
    with demo.read() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, UTCDateTime):
                    continue
                if (table.name, column.name) == ("meetings", "starts_at"):
                    continue
                query = select(func.max(column))
                if table.name == "plan_templates":
                    # The default templates come with the installation (seeded by the
                    # migration, by nobody): only templates people add count here.
                    query = query.where(table.c.created_by_id.is_not(None))
                latest = session.scalar(query)
                if latest is not None and latest > NOW:
                    late.append(f"{table.name}.{column.name}")
        assert late == [], f"written with the real clock: {late}"
        upcoming = session.scalars(select(Meeting).where(Meeting.starts_at > NOW)).all()
        assert [m.status for m in upcoming] == [MeetingStatus.SCHEDULED]


def test_a_reference_time_just_after_midnight_keeps_every_time_in_order(
    tmp_path: Path, _sqlite_template: Path
) -> None:
    """Today's entries (an MRI dated today, forms, notes, the agenda) still fit before
    the reference time when the day has only just begun."""
    shutil.copyfile(_sqlite_template, tmp_path / "midnight.db")
    db = Database.from_url(f"sqlite:///{tmp_path / 'midnight.db'}")
    midnight = dt.datetime(2025, 3, 4, 0, 2, tzinfo=dt.UTC)
    try:
        load_demo(db, now=midnight)
        with db.read() as session:
            latest = max(
                session.scalar(select(func.max(column)))
                for column in (
                    AuditEvent.occurred_at,
                    Case.updated_at,
                    AgendaItem.updated_at,
                    FollowUp.recorded_at,
                )
            )
            assert latest <= midnight
    finally:
        db.dispose()


def test_every_sign_off_has_its_audit_event(demo: Database) -> None:
    with demo.read() as session:
        sign_offs = session.scalars(select(SignOff)).all()
        events = {
            event.entity_id: event
            for event in session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "plan.sign", AuditEvent.entity_type == "sign_off"
                )
            )
        }
        assert len(sign_offs) == 4 * len(HISTORY)
        for sign_off in sign_offs:
            event = events.get(str(sign_off.id))
            assert event is not None, f"sign-off {sign_off.id} has no plan.sign event"
            assert event.actor_id == sign_off.user_id
            assert event.occurred_at == sign_off.signed_at


def test_every_finalized_plan_has_its_stored_report(demo: Database) -> None:
    with demo.read() as session:
        plans = session.scalars(
            select(PlanVersion).where(
                PlanVersion.status.in_((PlanStatus.FINALIZED, PlanStatus.SUPERSEDED))
            )
        ).all()
        assert len(plans) == len(HISTORY)
        finalize_events = set(
            session.scalars(
                select(AuditEvent.entity_id).where(AuditEvent.action == "plan.finalize")
            )
        )
        for plan in plans:
            assert plan.report_pdf is not None and bytes(plan.report_pdf).startswith(b"%PDF")
            assert plan.report_html and "<html" in plan.report_html.lower()
            assert plan.baseline is not None
            assert str(plan.id) in finalize_events
            assert plan.finalized_at is not None and plan.finalized_at < NOW


def test_urgency_is_what_the_red_flag_rule_says(demo: Database) -> None:
    names = _pseudonyms(demo)
    urgent: set[str] = set()
    tiers: dict[Urgency, set[str]] = {}
    with demo.read() as session:
        for case in session.scalars(select(Case)):
            expected = assess_red_flags(
                SymptomFacts(
                    known_cancer=case.known_cancer,
                    pain_score=case.pain_score,
                    pain_new_or_worse=case.pain_new_or_worse,
                    weakness=case.weakness,
                    numbness=case.numbness,
                    gait_disturbance=case.gait_disturbance,
                    bladder_bowel_dysfunction=case.bladder_bowel_dysfunction,
                    radicular_pain=case.radicular_pain,
                    high_grade_escc=high_grade_escc(session, case),
                    neuro_signs_on_examination=case.reflex_change,
                    pain_features=parse_pain_features(case.pain_features),
                )
            )
            assert (case.urgency is Urgency.URGENT) is expected.urgent, names[case.id]
            assert case.priority == case.urgency.priority
            assert (case.urgency is Urgency.WITHIN_A_WEEK) is (expected.tier == "within_a_week"), (
                names[case.id]
            )
            if expected.urgent:
                urgent.add(names[case.id])
            tiers.setdefault(case.urgency, set()).add(names[case.id])
    # The demo shows each NG234 tier.
    assert set(tiers) == {Urgency.URGENT, Urgency.WITHIN_A_WEEK, Urgency.ROUTINE}
    assert "TB-DEMO11" in tiers[Urgency.WITHIN_A_WEEK]
    # ESCC 2 on the radiologist's grading makes these two urgent without any symptom.
    assert {"TB-DEMO04", "TB-DEMO08"} <= urgent
    assert {"TB-DEMO02", "TB-DEMO14", "TB-DEMO16"} <= urgent


def test_status_history_goes_through_the_workflow(demo: Database) -> None:
    names = _pseudonyms(demo)
    with demo.read() as session:
        statuses = dict(session.execute(select(Case.id, Case.status)).all())
        moves: dict[int, list[tuple[CaseStatus, CaseStatus]]] = {cid: [] for cid in statuses}
        for event in session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "case.status")
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        ):
            assert event.case_id is not None and event.before and event.after
            moves[event.case_id].append(
                (CaseStatus(event.before["status"]), CaseStatus(event.after["status"]))
            )
    seen: set[CaseStatus] = set()
    for case_id, status in statuses.items():
        current = CaseStatus.PREPARING
        for before, after in moves[case_id]:
            assert before is current, names[case_id]
            assert can_transition(before, after), names[case_id]
            current = after
        assert current is status, names[case_id]
        seen.add(status)
    assert {
        CaseStatus.PREPARING,
        CaseStatus.READY,
        CaseStatus.PLAN_FINALIZED,
        CaseStatus.IN_FOLLOW_UP,
    } <= seen


def test_the_history_is_what_the_board_would_hold(demo: Database) -> None:
    with demo.read() as session:
        closed = session.scalars(
            select(Meeting).where(Meeting.status == MeetingStatus.CLOSED)
        ).all()
        assert len(closed) == 2
        items = session.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id.in_([m.id for m in closed]))
        ).all()
        assert len(items) == len(HISTORY)
        assert all(item.discussed_at is not None for item in items)
        assert {item.discussion_seconds for item in items} == {480}
        missing = [item.missing_at_discussion for item in items if item.missing_at_discussion]
        assert missing == [["Radiation oncologist input"]]
        follow_ups = session.scalars(select(FollowUp)).all()
        assert {f.status for f in follow_ups} == set(FollowUpStatus)
        overdue = [
            f for f in follow_ups if f.status is FollowUpStatus.SCHEDULED and f.due_on < NOW.date()
        ]
        assert overdue
        assert all(f.recorded_at is not None for f in follow_ups if f.status is FollowUpStatus.DONE)
        deaths = session.scalar(
            select(func.count()).select_from(Case).where(Case.died_on.is_not(None))
        )
        assert deaths == 4


# ---------------------------------------------------------------------------
# The demo package writes nothing itself
# ---------------------------------------------------------------------------

MODEL_CLASSES = frozenset(
    name
    for name, value in vars(models).items()
    if isinstance(value, type) and issubclass(value, Base) and value is not Base
)


def _demo_modules() -> list[Path]:
    files = sorted(DEMO_PACKAGE.glob("*.py"))
    assert {p.name for p in files} >= {"__init__.py", "spec.py", "current.py", "history.py"}
    return files


def write_offences(source: str) -> list[str]:
    """What in a module's source writes to the database without a service: an import of
    SQLAlchemy or of the ORM models, a session call that writes (``add``, ``add_all``,
    ``merge``, ``delete``, ``execute``) or opens a write transaction (``write``), and a
    model class built into a row."""
    offences: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
                names += [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                names = [alias.name for alias in node.names]
            for name in names:
                if name.split(".")[0] == "sqlalchemy" or name.startswith("board.db.models"):
                    offences.append(f"line {node.lineno}: imports {name}")
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in ("add", "add_all", "merge", "delete", "execute", "write"):
                offences.append(f"line {node.lineno}: calls {called}()")
            if called in MODEL_CLASSES:
                offences.append(f"line {node.lineno}: builds a {called} row")
    return offences


@pytest.mark.parametrize("path", _demo_modules(), ids=lambda p: p.name)
def test_demo_modules_write_only_through_services(path: Path) -> None:
    offences = write_offences(path.read_text(encoding="utf-8"))
    assert offences == [], f"{path.name} must write through the services: {offences}"


def test_the_static_check_catches_rows_written_by_hand() -> None:
    assert {"Case", "SignOff", "PlanVersion", "AuditEvent"} <= MODEL_CLASSES
    source = (
        "from board.db import models\n"
        "from sqlalchemy import update\n"
        "def f(db, session):\n"
        "    with db.write() as s:\n"
        "        s.add_all([models.SignOff(user_id=1)])\n"
        "    session.add(models.Case())\n"
        "    session.execute(update(models.Case))\n"
    )
    found = " ".join(write_offences(source))
    for expected in (
        "imports board.db.models",
        "imports sqlalchemy",
        "calls write()",
        "calls add_all()",
        "builds a SignOff row",
        "calls add()",
        "builds a Case row",
        "calls execute()",
    ):
        assert expected in found, expected


#: Each prompt family of issue 14 and the prompt codes that show it.
PROMPT_FAMILIES = {
    "re-irradiation": ("rt-reirradiation",),
    "steroid": ("dexamethasone-mscc",),
    "bleeding and anticoagulation": ("bleeding-",),
    "cement leakage": ("cement-leakage",),
    "spinal precautions": ("spinal-precautions",),
    "bone-modifying agent": ("bone-modifying", "denosumab", "zoledronic"),
}


def test_the_demo_shows_each_prompt_family(demo: Database) -> None:
    """Every safety prompt family and a radiation dose line appear in some finalized plan
    of the demo, stored with the plan (with their sources) and in its report."""
    with demo.read() as session:
        plans = session.scalars(
            select(PlanVersion).where(
                PlanVersion.status.in_((PlanStatus.FINALIZED, PlanStatus.SUPERSEDED))
            )
        ).all()
        stored = [(plan.noms_suggestion or {}, plan.report_html or "") for plan in plans]
    prompts = [p for snapshot, _ in stored for p in snapshot.get("safety_prompts", ())]
    codes = {p["code"] for p in prompts if p.get("acknowledged") is True and p.get("source")}
    for family, prefixes in PROMPT_FAMILIES.items():
        assert any(code.startswith(prefixes) or any(x in code for x in prefixes)
                   for code in codes), f"{family}: {sorted(codes)}"  # fmt: skip
    dose_lines = [line for snapshot, _ in stored for line in snapshot.get("dose_lines", ())]
    assert any("EQD2" in line and "alpha/beta 10" in line for line in dose_lines)
    reirradiation = [p for p in prompts if p["code"].startswith("rt-reirradiation")]
    assert any("8 Gy in 1 fraction to C7" in p["text"] for p in reirradiation)
    assert any("Safety prompts" in html and "EQD2" in html for _, html in stored)
