"""Faster capture on every backend: plan templates, the NOMS start, batch sign-off, and
amendments that keep their context (meeting, open action items, dissent history)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from board.auth.roles import Role
from board.db.models import PlanTemplate, utcnow
from board.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from board.meetings.enums import MeetingStatus
from board.meetings.service import add_to_agenda, set_meeting_status
from board.plans.action_items import add_action_item, complete_action_item
from board.plans.dissent import add_dissent
from board.plans.drafting import (
    add_plan_item,
    apply_noms_suggestion,
    checked_item,
    start_plan,
    update_plan_header,
)
from board.plans.enums import PlanComponent, PlanIntent
from board.plans.lifecycle import (
    amend_plan,
    finalize_plan,
    plans_awaiting_signature,
    sign_plan,
    sign_plans,
)
from board.plans.plan_board import get_plan_board
from board.plans.starters import DEFAULT_TEMPLATES
from board.plans.templates import (
    apply_template,
    create_template,
    list_templates,
    set_template_active,
)
from board.plans.views import ActionItemInput, PlanHeaderInput, PlanItemInput, PlanVersionView
from board.worklist.service import list_worklist
from board.worklist.views import WorklistFilter
from tests.meetings.helpers import Board, at_running_meeting, events, set_findings

CEBRT = PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1})


def _template_id(board: Board, name: str) -> int:
    return next(t.id for t in list_templates(board.db, board.coordinator) if t.name == name)


def _started(board: Board) -> tuple[int, int, PlanVersionView]:
    case_id, meeting = at_running_meeting(board)
    return case_id, meeting.id, start_plan(board.db, board.coordinator, case_id, meeting.id)


# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------


def test_the_default_templates_are_seeded_and_valid(board: Board) -> None:
    stored = list_templates(board.db, board.coordinator)
    assert [t.name for t in stored] == [spec.name for spec in DEFAULT_TEMPLATES]
    for template, spec in zip(stored, DEFAULT_TEMPLATES, strict=True):
        assert template.active and template.intent is spec.intent
        # Stored exactly as the components would be checked when added by hand.
        assert [(i.component, i.option, i.details) for i in template.items] == [
            (c.component, c.option, c.details) for c in map(checked_item, spec.items)
        ]
    texts = {t.name: t.summary for t in stored}
    assert texts["cEBRT 8 Gy in 1 fraction"] == "Radiation: cEBRT 8 Gy in 1 fraction"
    assert texts["Separation surgery, then SBRT 24 Gy in 2 fractions"] == (
        "Surgery: Separation surgery; Radiation: SBRT 24 Gy in 2 fractions"
    )


def test_applying_a_template_adds_its_components_in_one_edit(board: Board) -> None:
    db = board.db
    case_id, _, plan = _started(board)
    name = "Separation surgery, then SBRT 24 Gy in 2 fractions"
    template_id = _template_id(board, name)
    applied = apply_template(db, board.coordinator, plan.id, plan.version, template_id)
    assert [i.text for i in applied.items] == ["Separation surgery", "SBRT 24 Gy in 2 fractions"]
    assert applied.intent is None  # this template sets no intent
    added = events(db, "plan.item_add")
    assert [e.detail for e in added] == [f"From the template '{name}'."] * 2
    (event,) = events(db, "plan.template_apply")
    assert event.after == {"template_id": template_id, "template": name, "added": 2}
    # The components stay editable and validate like those added by hand.
    board_view = get_plan_board(db, board.coordinator, case_id)
    assert board_view.current is not None and board_view.current.editable
    with pytest.raises(ConflictError):  # the version shown before the template
        add_plan_item(db, board.coordinator, plan.id, plan.version, CEBRT)
    with pytest.raises(InvalidStateError, match="already on the plan"):
        apply_template(db, board.coordinator, plan.id, applied.version, _template_id(board, name))


def test_a_template_sets_its_intent_only_on_a_plan_without_one(board: Board) -> None:
    db = board.db
    _, _, plan = _started(board)
    bsc = _template_id(board, "Best supportive care")
    applied = apply_template(db, board.coordinator, plan.id, plan.version, bsc)
    assert applied.intent is PlanIntent.BEST_SUPPORTIVE_CARE
    assert [i.option for i in applied.items] == ["palliative_care_team", "caregiver_resources"]
    update = events(db, "plan.update")[-1]
    assert update.after == {"intent": "best_supportive_care"}

    plan = update_plan_header(
        db, board.coordinator, plan.id, applied.version, PlanHeaderInput(PlanIntent.PALLIATIVE)
    )
    plan = apply_template(
        db,
        board.coordinator,
        plan.id,
        plan.version,
        _template_id(board, "cEBRT 8 Gy in 1 fraction"),
    )
    assert plan.intent is PlanIntent.PALLIATIVE


def test_a_template_that_no_longer_validates_adds_nothing(board: Board) -> None:
    db = board.db
    _, _, plan = _started(board)
    template_id = _template_id(board, "SBRT 24 Gy in 2 fractions")
    with db.write() as session:  # as if the plausibility range had changed since
        session.execute(
            update(PlanTemplate)
            .where(PlanTemplate.id == template_id)
            .values(
                components=[
                    {
                        "component": "radiation",
                        "option": "sbrt",
                        "details": {"dose_gy": 80, "fractions": 1},
                    }
                ]
            )
        )
    with pytest.raises(ValidationError, match="no longer fits") as caught:
        apply_template(db, board.coordinator, plan.id, plan.version, template_id)
    # The same refusal as for the component entered by hand.
    with pytest.raises(ValidationError) as by_hand:
        add_plan_item(
            db,
            board.coordinator,
            plan.id,
            plan.version,
            PlanItemInput(PlanComponent.RADIATION, "sbrt", {"dose_gy": 80, "fractions": 1}),
        )
    assert by_hand.value.message in caught.value.message
    assert get_plan_board(db, board.coordinator, plan.case_id).current.items == ()  # type: ignore[union-attr]
    assert events(db, "plan.item_add") == []


def test_administrators_add_and_retire_templates(board: Board) -> None:
    db = board.db
    items = [
        PlanItemInput(PlanComponent.SURGERY, "decompression", {"approach": "open"}),
        PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 20, "fractions": 5}),
    ]
    with pytest.raises(PermissionDeniedError):
        create_template(db, board.coordinator, "Decompression then cEBRT", items)
    with pytest.raises(ValidationError, match="name"):
        create_template(db, board.admin, "  ", items)
    with pytest.raises(ValidationError, match="at least one component"):
        create_template(db, board.admin, "Empty", [])
    with pytest.raises(ValidationError, match=r"Component 2: .*Gy"):
        create_template(
            db,
            board.admin,
            "Implausible",
            [items[0], PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 80})],
        )
    with pytest.raises(ValidationError, match="already exists"):
        create_template(db, board.admin, "cebrt 8 GY in 1 fraction", items)

    created = create_template(
        db, board.admin, " Decompression  then cEBRT ", items, PlanIntent.PALLIATIVE
    )
    assert created.name == "Decompression then cEBRT" and created.active
    assert created.summary == (
        "Surgery: Decompression (approach Open); Radiation: cEBRT 20 Gy in 5 fractions"
    )
    (event,) = events(db, "plan_template.create")
    assert event.actor_name == "Ada Admin" and event.after is not None

    retired = set_template_active(db, board.admin, created.id, created.version, False)
    assert not retired.active
    assert "Decompression then cEBRT" not in {t.name for t in list_templates(db, board.admin)}
    assert "Decompression then cEBRT" in {
        t.name for t in list_templates(db, board.admin, include_retired=True)
    }
    with pytest.raises(ConflictError):
        set_template_active(db, board.admin, created.id, created.version, True)
    with pytest.raises(InvalidStateError, match="already retired"):
        set_template_active(db, board.admin, created.id, retired.version, False)
    with pytest.raises(NotFoundError):
        set_template_active(db, board.admin, 99_999, 1, False)
    assert [e.action for e in events(db) if e.action.startswith("plan_template.")] == [
        "plan_template.create",
        "plan_template.retire",
    ]
    _, _, plan = _started(board)
    with pytest.raises(InvalidStateError, match="retired"):
        apply_template(db, board.coordinator, plan.id, plan.version, created.id)
    restored = set_template_active(db, board.admin, created.id, retired.version, True)
    applied = apply_template(db, board.coordinator, plan.id, plan.version, restored.id)
    assert applied.intent is PlanIntent.PALLIATIVE and len(applied.items) == 2


# ---------------------------------------------------------------------------
# The NOMS suggestion as a starting point
# ---------------------------------------------------------------------------


def test_the_noms_start_adds_what_noms_suggests(board: Board) -> None:
    db = board.db
    case_id, _, plan = _started(board)  # breast, low-grade ESCC, stable: NOMS says cEBRT
    assert get_plan_board(db, board.coordinator, case_id).departures
    started = apply_noms_suggestion(db, board.coordinator, plan.id, plan.version)
    assert [i.text for i in started.items] == ["cEBRT 8 Gy in 1 fraction"]
    view = get_plan_board(db, board.coordinator, case_id)
    assert view.departures == ()
    assert started.noms_suggestion["departures"] == []
    (added,) = events(db, "plan.item_add")
    assert added.detail == "From the NOMS suggestion."
    (event,) = events(db, "plan.noms_start")
    assert event.after is not None and event.after["suggestions"] == ["cEBRT"]
    with pytest.raises(InvalidStateError, match="already follows"):
        apply_noms_suggestion(db, board.coordinator, plan.id, started.version)
    with pytest.raises(ConflictError):
        apply_noms_suggestion(db, board.coordinator, plan.id, plan.version)
    with pytest.raises(PermissionDeniedError):
        apply_noms_suggestion(db, board.admin, plan.id, started.version)


def test_the_noms_start_for_an_unstable_radioresistant_high_grade_case(board: Board) -> None:
    db = board.db
    _, meeting = at_running_meeting(board)
    other = board.case(primary_site="kidney")
    set_findings(
        db,
        other,
        lesion_type="lytic",
        collapse="gt50",
        alignment="subluxation",
        posterolateral="bilateral",
        escc="3",
        pain="mechanical",
    )
    add_to_agenda(db, board.coordinator, meeting.id, other)
    plan = start_plan(db, board.coordinator, other, meeting.id)
    noms = get_plan_board(db, board.coordinator, other).case.noms
    assert noms is not None and noms.grid is not None
    started = apply_noms_suggestion(db, board.coordinator, plan.id, plan.version)
    assert [i.option for i in started.items] == ["separation_surgery", "sbrt"]
    assert get_plan_board(db, board.coordinator, other).departures == ()


def test_the_noms_start_without_a_suggestion_says_what_is_missing(board: Board) -> None:
    db = board.db
    _, meeting = at_running_meeting(board)
    bare = board.case()
    add_to_agenda(db, board.coordinator, meeting.id, bare)
    plan = start_plan(db, board.coordinator, bare, meeting.id)
    with pytest.raises(InvalidStateError, match=r"no suggestion .* yet .*missing: ESCC grade"):
        apply_noms_suggestion(db, board.coordinator, plan.id, plan.version)
    assert events(db, "plan.item_add") == []


# ---------------------------------------------------------------------------
# Batch sign-off
# ---------------------------------------------------------------------------


def _complete_plan(board: Board, case_id: int, meeting_id: int) -> PlanVersionView:
    db = board.db
    plan = start_plan(db, board.coordinator, case_id, meeting_id)
    plan = update_plan_header(
        db, board.coordinator, plan.id, plan.version, PlanHeaderInput(PlanIntent.PALLIATIVE, "RT")
    )
    return add_plan_item(db, board.coordinator, plan.id, plan.version, CEBRT)


def _second_case(board: Board, meeting_id: int) -> int:
    case_id = board.case()
    set_findings(
        board.db,
        case_id,
        lesion_type="blastic",
        collapse="none",
        alignment="normal",
        posterolateral="none",
        escc="1a",
        pain="occasional",
    )
    add_to_agenda(board.db, board.coordinator, meeting_id, case_id)
    return case_id


def test_a_specialist_signs_every_plan_of_the_meeting_in_one_pass(board: Board) -> None:
    db = board.db
    first_case, meeting = at_running_meeting(board)
    second_case = _second_case(board, meeting.id)
    third_case = _second_case(board, meeting.id)
    first = _complete_plan(board, first_case, meeting.id)
    second = _complete_plan(board, second_case, meeting.id)
    second = add_dissent(db, board.oncologist, second.id, "Prefer 20 Gy in 5 fractions.")
    third = start_plan(db, board.coordinator, third_case, meeting.id)  # not complete yet

    waiting = plans_awaiting_signature(db, board.radiotherapist, meeting.id)
    assert [w.plan.id for w in waiting] == [first.id, second.id, third.id]
    shown = waiting[1]
    assert shown.pseudonym and shown.position == 2
    assert shown.plan.intent is PlanIntent.PALLIATIVE and shown.plan.summary == "RT"
    assert [i.text for i in shown.plan.items] == ["cEBRT 8 Gy in 1 fraction"]
    assert [d.text for d in shown.plan.dissents] == ["Prefer 20 Gy in 5 fractions."]
    assert waiting[0].signable and not waiting[2].signable
    assert "Choose the intent" in " ".join(waiting[2].blockers)

    # The first plan changes after it was shown: its stale version is refused, the
    # second is still signed; the third is refused with what blocks it.
    add_plan_item(
        db,
        board.coordinator,
        first.id,
        first.version,
        PlanItemInput(PlanComponent.PHYSIOTHERAPY, "heat", {"goals": "ease stiffness"}),
    )
    outcomes = sign_plans(
        db,
        board.radiotherapist,
        [(w.plan.id, w.plan.version) for w in waiting],
    )
    assert [(o.plan_id, o.signed) for o in outcomes] == [
        (first.id, False),
        (second.id, True),
        (third.id, False),
    ]
    assert "was changed by Cora Coordinator" in outcomes[0].message
    assert outcomes[1].message == f"Signed version 1 of the plan of {shown.pseudonym}."
    assert "cannot be signed yet" in outcomes[2].message
    (signed,) = events(db, "plan.sign")
    assert signed.case_id == second_case and signed.actor_name == "Dr Beam"

    after = plans_awaiting_signature(db, board.radiotherapist, meeting.id)
    assert [w.plan.id for w in after] == [first.id, third.id]
    # Another specialist still sees all three.
    assert len(plans_awaiting_signature(db, board.surgeon, meeting.id)) == 3


def test_batch_sign_off_checks_role_and_attendance(board: Board) -> None:
    db = board.db
    case_id, meeting = at_running_meeting(board)
    plan = _complete_plan(board, case_id, meeting.id)
    with pytest.raises(PermissionDeniedError):
        plans_awaiting_signature(db, board.coordinator, meeting.id)
    with pytest.raises(PermissionDeniedError):
        sign_plans(db, board.coordinator, [(plan.id, plan.version)])
    with pytest.raises(ValidationError):
        sign_plans(db, board.surgeon, [])
    with pytest.raises(NotFoundError):
        plans_awaiting_signature(db, board.surgeon, 99_999)
    # The radiologist is not recorded present: refused per plan with the reason.
    (outcome,) = sign_plans(db, board.radiologist, [(plan.id, plan.version)])
    assert not outcome.signed and "record your attendance" in outcome.message
    (missing,) = sign_plans(db, board.surgeon, [(99_999, 1)])
    assert not missing.signed and "does not exist" in missing.message
    assert events(db, "plan.sign") == []


# ---------------------------------------------------------------------------
# Amendments keep their context
# ---------------------------------------------------------------------------


def _open_actions(board: Board, case_id: int) -> int:
    page = list_worklist(board.db, board.coordinator, WorklistFilter(search=None))
    return next(row.open_action_items for row in page.rows if row.id == case_id)


def _finalized_with_context(board: Board) -> tuple[int, int, PlanVersionView]:
    db = board.db
    case_id, meeting = at_running_meeting(board)
    plan = _complete_plan(board, case_id, meeting.id)
    due = utcnow().date() + dt.timedelta(days=7)
    plan = add_action_item(
        db, board.coordinator, plan.id, ActionItemInput("Book RT", due, Role.RADIATION_ONCOLOGIST)
    )
    plan = add_action_item(
        db, board.coordinator, plan.id, ActionItemInput("Fit brace", due, Role.PHYSIOTHERAPIST)
    )
    plan = add_dissent(db, board.oncologist, plan.id, "Prefer 20 Gy in 5 fractions.")
    for signer in (board.radiotherapist, board.surgeon):
        plan = sign_plan(db, signer, plan.id, plan.version)
    plan = finalize_plan(db, board.surgeon, plan.id, plan.version)
    brace = next(a for a in plan.action_items if a.description == "Fit brace")
    complete_action_item(db, board.physio, brace.id, brace.version)
    return case_id, meeting.id, plan


def test_an_amendment_carries_open_actions_dissent_and_its_meeting(board: Board) -> None:
    db = board.db
    case_id, meeting_id, first = _finalized_with_context(board)
    assert _open_actions(board, case_id) == 1

    second = amend_plan(db, board.oncologist, first.id, "New MRI: progression at T9")

    assert second.meeting_id == meeting_id  # the meeting in progress
    assert [a.description for a in second.action_items] == ["Book RT"]
    assert _open_actions(board, case_id) == 1  # counted once, on the live version
    versions = get_plan_board(db, board.coordinator, case_id).versions
    assert [a.description for a in versions[0].action_items] == ["Fit brace"]  # done: stays
    assert [(d.text, d.plan_number) for d in second.dissents] == [
        ("Prefer 20 Gy in 5 fractions.", 1)
    ]
    (carry,) = events(db, "action_item.carry")
    assert carry.before == {"plan_version": 1} and carry.after == {"plan_version": 2}
    (amend,) = events(db, "plan.amend")
    assert amend.after == {"number": 2, "amends": 1, "meeting_id": meeting_id}

    # A dissent on the amendment joins the history; the first version keeps its own.
    second = add_dissent(db, board.surgeon, second.id, "Surgery first.")
    assert [d.plan_number for d in second.dissents] == [1, 2]
    assert len(get_plan_board(db, board.coordinator, case_id).versions[0].dissents) == 1

    # The amendment is signed at the meeting by those present, and its chair finalizes.
    for signer in (board.radiotherapist, board.surgeon):
        second = sign_plan(db, signer, second.id, second.version)
    with pytest.raises(PermissionDeniedError, match="chair"):
        finalize_plan(db, board.radiotherapist, second.id, second.version)
    final = finalize_plan(db, board.surgeon, second.id, second.version)
    book = final.action_items[0]
    complete_action_item(db, board.radiotherapist, book.id, book.version)
    assert _open_actions(board, case_id) == 0


def test_an_explicit_meeting_wins_and_without_a_running_one_there_is_none(
    board: Board,
) -> None:
    db = board.db
    _, _, first = _finalized_with_context(board)
    other = board.meeting(days=5)
    second = amend_plan(db, board.oncologist, first.id, "Correction", other.id)
    assert second.meeting_id == other.id

    _, later_meeting, later = _finalized_with_context(board)
    meeting = board.reload(later_meeting)
    set_meeting_status(db, board.coordinator, meeting.id, meeting.version, MeetingStatus.CLOSED)
    outside = amend_plan(db, board.oncologist, later.id, "Correction")
    assert outside.meeting_id is None
    assert [a.description for a in outside.action_items] == ["Book RT"]
