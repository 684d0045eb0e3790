"""Plan services on every backend: capture, sign-off rules, finalization, amendments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from board.auth.roles import Role
from board.cases.enums import CaseStatus
from board.cases.service import get_case
from board.db.models import PlanItem, PlanVersion, SignOff, utcnow
from board.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from board.meetings.enums import MeetingStatus
from board.meetings.service import add_to_agenda, set_meeting_status
from board.meetings.views import MeetingDetail
from board.plans.action_items import add_action_item, complete_action_item
from board.plans.comparison import compare_versions
from board.plans.dissent import add_dissent
from board.plans.drafting import (
    acknowledge_prompt,
    add_plan_item,
    remove_plan_item,
    start_plan,
    update_plan_header,
)
from board.plans.enums import PlanComponent, PlanIntent, PlanStatus
from board.plans.lifecycle import amend_plan, finalize_plan, sign_plan
from board.plans.plan_board import get_plan_board
from board.plans.rules import warning_key
from board.plans.views import ActionItemInput, PlanHeaderInput, PlanItemInput, PlanVersionView
from board.worklist.service import list_worklist
from board.worklist.views import WorklistFilter
from tests.meetings.helpers import Board, at_running_meeting, case_status, events

CEBRT = PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1})
SBRT = PlanItemInput(PlanComponent.RADIATION, "sbrt", {"dose_gy": 24, "fractions": 2})
HEAT = PlanItemInput(PlanComponent.PHYSIOTHERAPY, "heat", {"goals": "ease stiffness"})


@dataclass
class Setting:
    """A running meeting with one ready case on its agenda and its signers present."""

    board: Board
    meeting: MeetingDetail
    case_id: int


@pytest.fixture
def setting(board: Board) -> Setting:
    # Breast (radiosensitive) with low-grade ESCC and a stable spine: NOMS suggests cEBRT.
    case_id, meeting = at_running_meeting(board)
    return Setting(board, meeting, case_id)


def _started(s: Setting) -> PlanVersionView:
    return start_plan(s.board.db, s.board.coordinator, s.case_id, s.meeting.id)


def _complete(s: Setting) -> PlanVersionView:
    """A draft that may be signed: palliative cEBRT."""
    db, coordinator = s.board.db, s.board.coordinator
    plan = _started(s)
    plan = update_plan_header(
        db, coordinator, plan.id, plan.version, PlanHeaderInput(PlanIntent.PALLIATIVE, "RT")
    )
    return add_plan_item(db, coordinator, plan.id, plan.version, CEBRT)


def _signed(s: Setting) -> PlanVersionView:
    plan = _complete(s)
    plan = sign_plan(s.board.db, s.board.radiotherapist, plan.id, plan.version)
    return sign_plan(s.board.db, s.board.surgeon, plan.id, plan.version)


def _final(s: Setting) -> PlanVersionView:
    plan = _signed(s)
    return finalize_plan(s.board.db, s.board.surgeon, plan.id, plan.version)


# ---------------------------------------------------------------------------
# Starting and editing
# ---------------------------------------------------------------------------


def test_starting_the_plan_marks_the_case_discussed(setting: Setting) -> None:
    db = setting.board.db
    plan = _started(setting)
    assert plan.number == 1 and plan.status is PlanStatus.DRAFT and plan.editable
    assert plan.meeting_id == setting.meeting.id
    assert case_status(db, setting.case_id) is CaseStatus.DISCUSSED
    assert plan.noms_suggestion["result"]["grid"] == "cebrt"
    # Starting again returns the same draft.
    assert _started(setting).id == plan.id
    (start,) = events(db, "plan.start")
    assert start.after == {"number": 1, "meeting_id": setting.meeting.id, "status": "draft"}
    transition = events(db, "case.status")[-1]
    assert transition.after == {"status": "discussed"}
    row = setting.board.reload(setting.meeting.id).agenda[0]
    assert row.discussed_at is not None


def test_a_plan_is_started_only_at_a_running_meeting_for_a_ready_case(board: Board) -> None:
    ready = board.case(levels="T4")
    preparing = board.case(ready=False, levels="T5")
    elsewhere = board.case(levels="T6")
    meeting = board.meeting()
    add_to_agenda(board.db, board.coordinator, meeting.id, ready)
    add_to_agenda(board.db, board.coordinator, meeting.id, preparing)
    with pytest.raises(InvalidStateError, match="start the meeting"):
        start_plan(board.db, board.coordinator, ready)
    with pytest.raises(InvalidStateError, match="start it"):
        start_plan(board.db, board.coordinator, ready, meeting.id)
    set_meeting_status(
        board.db,
        board.coordinator,
        meeting.id,
        board.reload(meeting.id).version,
        MeetingStatus.IN_PROGRESS,
    )
    with pytest.raises(InvalidStateError, match="must be ready"):
        start_plan(board.db, board.coordinator, preparing)
    with pytest.raises(InvalidStateError, match="not on this meeting's agenda"):
        start_plan(board.db, board.coordinator, elsewhere, meeting.id)
    with pytest.raises(PermissionDeniedError):
        start_plan(board.db, board.admin, ready)
    with pytest.raises(NotFoundError):
        start_plan(board.db, board.coordinator, 9999)
    # Found through the running meeting when none is named.
    assert start_plan(board.db, board.coordinator, ready).meeting_id == meeting.id
    with board.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PlanVersion)) == 1


def test_editing_a_draft_raises_its_revision_and_audits(setting: Setting) -> None:
    db, coordinator = setting.board.db, setting.board.coordinator
    plan = _started(setting)
    plan = update_plan_header(
        db,
        coordinator,
        plan.id,
        plan.version,
        PlanHeaderInput(PlanIntent.PALLIATIVE, "  Single fraction  ", None),
    )
    assert plan.intent is PlanIntent.PALLIATIVE and plan.summary == "Single fraction"
    (update,) = events(db, "plan.update")
    assert update.before == {"intent": None, "summary": ""}
    assert update.after == {"intent": "palliative", "summary": "Single fraction"}

    plan = add_plan_item(db, coordinator, plan.id, plan.version, CEBRT)
    plan = add_plan_item(db, coordinator, plan.id, plan.version, HEAT)
    assert [i.text for i in plan.items] == [
        "cEBRT 8 Gy in 1 fraction",
        "Heat therapy (goals ease stiffness)",
    ]
    assert len(events(db, "plan.item_add")) == 2
    plan = remove_plan_item(db, coordinator, plan.id, plan.version, plan.items[1].id)
    assert [i.option for i in plan.items] == ["cebrt"]
    (removed,) = events(db, "plan.item_remove")
    assert removed.before is not None and removed.before["option"] == "heat"
    with pytest.raises(NotFoundError):
        remove_plan_item(db, coordinator, plan.id, plan.version, 99999)
    with setting.board.db.read() as session:
        stored = session.get(PlanVersion, plan.id)
        assert stored is not None and stored.revision == 5


def test_spinal_manipulation_needs_a_written_reason(setting: Setting) -> None:
    db, coordinator = setting.board.db, setting.board.coordinator
    plan = _started(setting)
    with pytest.raises(ValidationError, match="written reason to proceed") as caught:
        add_plan_item(
            db,
            coordinator,
            plan.id,
            plan.version,
            PlanItemInput(PlanComponent.PAIN, "complementary", {"therapy": "chiropractic"}),
        )
    assert caught.value.field == "reason_to_proceed"


def test_80_gy_in_one_fraction_is_refused(setting: Setting) -> None:
    db, coordinator = setting.board.db, setting.board.coordinator
    plan = _started(setting)
    with pytest.raises(ValidationError, match="between 4-50 Gy, not 80"):
        add_plan_item(
            db,
            coordinator,
            plan.id,
            plan.version,
            PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 80, "fractions": 1}),
        )


def test_invalid_item_saves_nothing(setting: Setting) -> None:
    db, coordinator = setting.board.db, setting.board.coordinator
    plan = _started(setting)
    with pytest.raises(ValidationError, match="fractions"):
        add_plan_item(
            db,
            coordinator,
            plan.id,
            plan.version,
            PlanItemInput(PlanComponent.RADIATION, "sbrt", {"dose_gy": 24}),
        )
    with pytest.raises(ValidationError):
        update_plan_header(
            db,
            coordinator,
            plan.id,
            plan.version,
            PlanHeaderInput("cure-all"),  # type: ignore[arg-type]
        )
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(PlanItem)) == 0
    assert events(db, "plan.item_add") == []


def test_a_stale_edit_is_refused_naming_who_changed_the_plan(setting: Setting) -> None:
    db, board = setting.board.db, setting.board
    plan = _started(setting)
    add_plan_item(db, board.oncologist, plan.id, plan.version, CEBRT)
    with pytest.raises(ConflictError, match="Dr Onco") as caught:
        add_plan_item(db, board.coordinator, plan.id, plan.version, SBRT)
    assert "reload" in str(caught.value)
    assert [
        i.option for i in get_plan_board(db, board.coordinator, setting.case_id).current.items
    ] == [  # type: ignore[union-attr]
        "cebrt"
    ]


# ---------------------------------------------------------------------------
# NOMS and safety prompts
# ---------------------------------------------------------------------------


def test_departing_from_noms_needs_a_reason_before_signing(setting: Setting) -> None:
    db, board = setting.board.db, setting.board
    plan = _started(setting)
    plan = update_plan_header(
        db, board.coordinator, plan.id, plan.version, PlanHeaderInput(PlanIntent.PALLIATIVE)
    )
    plan = add_plan_item(db, board.coordinator, plan.id, plan.version, SBRT)
    view = get_plan_board(db, board.coordinator, setting.case_id)
    assert view.departures == ("NOMS suggests cEBRT; the plan has no cEBRT.",)
    assert "record why" in " ".join(view.blockers)
    with pytest.raises(InvalidStateError, match="record why"):
        sign_plan(db, board.surgeon, plan.id, plan.version)
    plan = update_plan_header(
        db,
        board.coordinator,
        plan.id,
        plan.version,
        PlanHeaderInput(PlanIntent.PALLIATIVE, "", "Re-irradiation field: SBRT spares the cord."),
    )
    assert get_plan_board(db, board.coordinator, setting.case_id).blockers == ()
    sign_plan(db, board.surgeon, plan.id, plan.version)


def test_safety_prompts_must_be_acknowledged(setting: Setting) -> None:
    db, board = setting.board.db, setting.board
    plan = _complete(setting)
    plan = add_plan_item(
        db,
        board.coordinator,
        plan.id,
        plan.version,
        PlanItemInput(
            PlanComponent.PAIN,
            "complementary",
            {
                "therapy": "chiropractic",
                "reason_to_proceed": "Patient's informed choice; gentle, away from the lesion.",
            },
        ),
    )
    view = get_plan_board(db, board.coordinator, setting.case_id)
    # The manipulation prompt must be acknowledged; the advisory check that prior
    # radiation is not recorded (for the cEBRT) is shown but does not block.
    prompt, advisory = view.prompts
    assert "fracture and cord injury" in prompt.text
    assert advisory.code == "rt-reirradiation" and not advisory.needs_acknowledgement
    with pytest.raises(InvalidStateError, match="Acknowledge the safety prompt"):
        sign_plan(db, board.surgeon, plan.id, plan.version)
    with pytest.raises(ValidationError, match="no longer applies"):
        acknowledge_prompt(db, board.coordinator, plan.id, plan.version, "nsaid-risk:check")
    plan = acknowledge_prompt(db, board.coordinator, plan.id, plan.version, warning_key(prompt))
    assert plan.acknowledged == (warning_key(prompt),)
    (event,) = events(db, "plan.acknowledge")
    assert event.detail == prompt.text
    sign_plan(db, board.surgeon, plan.id, plan.version)


# ---------------------------------------------------------------------------
# Sign-off and finalization
# ---------------------------------------------------------------------------


def test_who_may_sign(setting: Setting) -> None:
    db, board = setting.board.db, setting.board
    plan = _complete(setting)
    for actor in (board.coordinator, board.admin):
        with pytest.raises(PermissionDeniedError):
            sign_plan(db, actor, plan.id, plan.version)
    # A specialist who is not recorded present may not sign.
    with pytest.raises(PermissionDeniedError, match="recorded present"):
        sign_plan(db, board.radiologist, plan.id, plan.version)
    plan = sign_plan(db, board.oncologist, plan.id, plan.version)
    with pytest.raises(InvalidStateError, match="already signed"):
        sign_plan(db, board.oncologist, plan.id, plan.version)
    (sign_off,) = plan.sign_offs
    assert sign_off.name == "Dr Onco" and sign_off.role is Role.MEDICAL_ONCOLOGIST
    assert sign_off.current
    (event,) = events(db, "plan.sign")
    assert event.after == {"plan_version": 1, "revision": 3, "role": "medical_oncologist"}


def test_an_edit_after_signing_asks_for_fresh_signatures(setting: Setting) -> None:
    db, board = setting.board.db, setting.board
    plan = _signed(setting)
    view = get_plan_board(db, board.coordinator, setting.case_id)
    assert view.signatures.complete
    plan = add_plan_item(db, board.coordinator, plan.id, plan.version, HEAT)
    view = get_plan_board(db, board.coordinator, setting.case_id)
    assert [s.current for s in view.current.sign_offs] == [False, False]  # type: ignore[union-attr]
    assert view.signatures.missing_roles == (Role.SPINE_SURGEON, Role.RADIATION_ONCOLOGIST)
    prompt = view.prompts[0]
    plan = acknowledge_prompt(db, board.coordinator, plan.id, plan.version, warning_key(prompt))
    with pytest.raises(InvalidStateError, match="every required role"):
        finalize_plan(db, board.surgeon, plan.id, plan.version)
    plan = sign_plan(db, board.radiotherapist, plan.id, plan.version)
    plan = sign_plan(db, board.surgeon, plan.id, plan.version)
    assert sum(s.current for s in plan.sign_offs) == 2 and len(plan.sign_offs) == 4
    finalize_plan(db, board.surgeon, plan.id, plan.version)


def test_only_the_chair_finalizes_and_only_when_required_roles_signed(setting: Setting) -> None:
    db, board = setting.board.db, setting.board
    plan = _complete(setting)
    plan = sign_plan(db, board.surgeon, plan.id, plan.version)
    plan = sign_plan(db, board.oncologist, plan.id, plan.version)
    with pytest.raises(InvalidStateError, match="Radiation oncologist"):
        finalize_plan(db, board.surgeon, plan.id, plan.version)
    plan = sign_plan(db, board.radiotherapist, plan.id, plan.version)
    with pytest.raises(PermissionDeniedError, match="chair"):
        finalize_plan(db, board.radiotherapist, plan.id, plan.version)
    with pytest.raises(PermissionDeniedError):
        finalize_plan(db, board.coordinator, plan.id, plan.version)
    assert case_status(db, setting.case_id) is CaseStatus.DISCUSSED

    final = finalize_plan(db, board.surgeon, plan.id, plan.version)
    assert final.status is PlanStatus.FINALIZED and not final.editable
    assert final.finalized_by == "Dr Spine" and final.finalized_at is not None
    assert case_status(db, setting.case_id) is CaseStatus.PLAN_FINALIZED
    (event,) = events(db, "plan.finalize")
    assert event.after is not None
    assert event.after["signed_by_roles"] == [
        "medical_oncologist",
        "radiation_oncologist",
        "spine_surgeon",
    ]
    assert events(db, "case.status")[-1].after == {"status": "plan_finalized"}


def test_a_finalized_plan_is_read_only(setting: Setting) -> None:
    db, board = setting.board.db, setting.board
    final = _final(setting)
    item_id = final.items[0].id
    attempts = [
        lambda: update_plan_header(
            db, board.coordinator, final.id, final.version, PlanHeaderInput(PlanIntent.CURATIVE)
        ),
        lambda: add_plan_item(db, board.coordinator, final.id, final.version, SBRT),
        lambda: remove_plan_item(db, board.coordinator, final.id, final.version, item_id),
        lambda: acknowledge_prompt(db, board.coordinator, final.id, final.version, "x"),
        lambda: add_dissent(db, board.oncologist, final.id, "I disagree"),
        lambda: add_action_item(
            db,
            board.coordinator,
            final.id,
            ActionItemInput("Book RT", utcnow().date(), owner_role=Role.RADIATION_ONCOLOGIST),
        ),
        lambda: sign_plan(db, board.oncologist, final.id, final.version),
        lambda: finalize_plan(db, board.surgeon, final.id, final.version),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidStateError, match=r"read-only|amend"):
            attempt()
    view = get_plan_board(db, board.coordinator, setting.case_id)
    assert view.current is not None and view.current.items == final.items
    assert view.current.intent is PlanIntent.PALLIATIVE


# ---------------------------------------------------------------------------
# Amendments and comparison
# ---------------------------------------------------------------------------


def test_amendment_is_a_new_version_with_a_reason(setting: Setting) -> None:
    db, board = setting.board.db, setting.board
    final = _final(setting)
    # Amended after the meeting closed: outside a meeting (one in progress would own it).
    meeting = board.reload(setting.meeting.id)
    set_meeting_status(db, board.coordinator, meeting.id, meeting.version, MeetingStatus.CLOSED)
    with pytest.raises(ValidationError, match="reason"):
        amend_plan(db, board.oncologist, final.id, "  ")
    with pytest.raises(PermissionDeniedError):
        amend_plan(db, board.coordinator, final.id, "new scan")
    draft = amend_plan(db, board.oncologist, final.id, "New MRI shows progression at T9")
    assert draft.number == 2 and draft.status is PlanStatus.DRAFT
    assert draft.amendment_reason == "New MRI shows progression at T9"
    assert [i.text for i in draft.items] == [i.text for i in final.items]
    assert draft.intent is final.intent and draft.sign_offs == ()
    with pytest.raises(InvalidStateError, match="already open"):
        amend_plan(db, board.oncologist, final.id, "again")
    with pytest.raises(InvalidStateError, match="draft is edited directly"):
        amend_plan(db, board.oncologist, draft.id, "again")
    (event,) = events(db, "plan.amend")
    assert event.detail == "New MRI shows progression at T9"
    assert event.after == {"number": 2, "amends": 1, "meeting_id": None}
    assert draft.meeting_id is None
    # The old version stays in force until the amendment is finalized.
    view = get_plan_board(db, board.coordinator, setting.case_id)
    assert view.final is not None and view.final.number == 1
    assert case_status(db, setting.case_id) is CaseStatus.PLAN_FINALIZED

    draft = add_plan_item(
        db,
        board.coordinator,
        draft.id,
        draft.version,
        PlanItemInput(PlanComponent.FOLLOW_UP, "imaging", {"interval_weeks": 12, "modality": "MR"}),
    )
    comparison = compare_versions(db, board.coordinator, setting.case_id, 1, 2)
    rows = {row.label: row for row in comparison.rows}
    assert rows["Follow-up"].left == "" and "every 12 weeks" in rows["Follow-up"].right
    assert rows["Follow-up"].changed and rows["Amendment reason"].changed
    assert not rows["Radiation"].changed and not rows["Intent"].changed
    with pytest.raises(NotFoundError):
        compare_versions(db, board.coordinator, setting.case_id, 1, 7)

    # Amendment outside a meeting: a required-role signer finalizes it.
    draft = sign_plan(db, board.radiotherapist, draft.id, draft.version)
    with pytest.raises(InvalidStateError, match="every required role"):
        finalize_plan(db, board.radiotherapist, draft.id, draft.version)
    for actor in (board.oncologist, board.radiologist, board.surgeon):
        draft = sign_plan(db, actor, draft.id, draft.version)
    with pytest.raises(PermissionDeniedError, match="signed it"):
        finalize_plan(db, board.pathologist, draft.id, draft.version)
    second = finalize_plan(db, board.radiotherapist, draft.id, draft.version)
    assert second.status is PlanStatus.FINALIZED
    versions = get_plan_board(db, board.coordinator, setting.case_id).versions
    assert [v.status for v in versions] == [PlanStatus.SUPERSEDED, PlanStatus.FINALIZED]
    assert len(events(db, "plan.supersede")) == 1
    assert case_status(db, setting.case_id) is CaseStatus.PLAN_FINALIZED


# ---------------------------------------------------------------------------
# Dissent and action items
# ---------------------------------------------------------------------------


def test_dissent_is_recorded_with_its_author(setting: Setting) -> None:
    db, board = setting.board.db, setting.board
    plan = _complete(setting)
    with pytest.raises(ValidationError):
        add_dissent(db, board.oncologist, plan.id, "   ")
    with pytest.raises(PermissionDeniedError):
        add_dissent(db, board.coordinator, plan.id, "I disagree")
    plan = add_dissent(db, board.oncologist, plan.id, "Prefer 20 Gy in 5 fractions.")
    (dissent,) = plan.dissents
    assert (dissent.author_name, dissent.author_role) == ("Dr Onco", Role.MEDICAL_ONCOLOGIST)
    assert dissent.text == "Prefer 20 Gy in 5 fractions."
    assert len(events(db, "plan.dissent")) == 1


def _open_actions(board: Board, case_id: int) -> int:
    page = list_worklist(board.db, board.coordinator, WorklistFilter(search=None))
    return next(row.open_action_items for row in page.rows if row.id == case_id)


def test_action_items_show_on_the_worklist_until_done(setting: Setting) -> None:
    db, board = setting.board.db, setting.board
    plan = _complete(setting)
    due = utcnow().date() + dt.timedelta(days=7)
    bad = [
        ActionItemInput("", due, owner_role=Role.RADIATION_ONCOLOGIST),
        ActionItemInput("Book RT", due),
        ActionItemInput("Book RT", due, Role.RADIATION_ONCOLOGIST, board.surgeon.user_id),
        ActionItemInput("Book RT", utcnow().date() - dt.timedelta(days=1), Role.COORDINATOR),
        ActionItemInput("Book RT", due, owner_user_id=99999),
    ]
    for data in bad:
        with pytest.raises(ValidationError):
            add_action_item(db, board.coordinator, plan.id, data)
    plan = add_action_item(
        db, board.coordinator, plan.id, ActionItemInput("Book RT", due, Role.RADIATION_ONCOLOGIST)
    )
    plan = add_action_item(
        db,
        board.coordinator,
        plan.id,
        ActionItemInput("Refer to physio", due, owner_user_id=board.physio.user_id),
    )
    first, second = plan.action_items
    assert (first.owner, second.owner) == ("Radiation oncologist", "Phil Physio")
    assert _open_actions(board, setting.case_id) == 2
    assert get_case(db, board.coordinator, setting.case_id).open_action_items == 2

    # Action items can be completed after the plan is finalized.
    plan = sign_plan(db, board.radiotherapist, plan.id, plan.version)
    plan = sign_plan(db, board.surgeon, plan.id, plan.version)
    finalize_plan(db, board.surgeon, plan.id, plan.version)
    done = complete_action_item(db, board.radiotherapist, first.id, first.version)
    assert done.done and done.done_by == "Dr Beam"
    assert _open_actions(board, setting.case_id) == 1
    with pytest.raises(ConflictError):
        complete_action_item(db, board.coordinator, first.id, first.version)
    with pytest.raises(InvalidStateError, match="already done"):
        complete_action_item(db, board.coordinator, first.id, done.version)
    assert [e.action for e in events(db) if e.action.startswith("action_item.")] == [
        "action_item.add",
        "action_item.add",
        "action_item.done",
    ]


def test_each_step_of_a_plan_is_audited(setting: Setting) -> None:
    db, board = setting.board.db, setting.board
    final = _final(setting)
    amend_plan(db, board.oncologist, final.id, "new imaging")
    actions = [e.action for e in events(db) if e.case_id == setting.case_id]
    for expected in (
        "case.status",
        "plan.start",
        "plan.update",
        "plan.item_add",
        "plan.sign",
        "plan.finalize",
        "plan.amend",
    ):
        assert expected in actions
    assert actions.count("plan.sign") == 2
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(SignOff)) == 2
