"""The audit trail in words: every recorded action has a label; changes read as sentences."""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from board.audit.labels import (
    ACTION_LABELS,
    action_label,
    describe_changes,
    describe_value,
    entity_label,
    field_label,
    role_label,
)
from board.followup.enums import FollowUpStatus
from board.imaging.enums import StudySource

BOARD = Path(__file__).resolve().parents[2] / "board"
WRITER = BOARD / "audit" / "service.py"
ACTION_CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")

#: f-string actions and the values their placeholder takes.
TEMPLATE_VALUES: dict[str, tuple[str, ...]] = {
    "status.value": tuple(s.value for s in FollowUpStatus),
    "source.value": tuple(s.value for s in StudySource),
}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(BOARD.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _assignments(tree: ast.AST, name: str) -> list[ast.expr]:
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found.append(node.value)
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
            and node.value is not None
        ):
            found.append(node.value)
    return found


def _defaults(tree: ast.AST, name: str) -> list[ast.expr]:
    """Default values of function parameters called ``name``."""
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            for arg, default in zip(
                positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
            ):
                if arg.arg == name:
                    found.append(default)
            for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                if arg.arg == name and kw_default is not None:
                    found.append(kw_default)
    return found


def _resolve(expr: ast.expr, tree: ast.Module, where: str, depth: int = 0) -> set[str]:
    """Every action string an expression can be; fails on what it cannot follow."""
    assert depth < 5, f"{where}: cannot follow {ast.unparse(expr)}"
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _resolve(expr.body, tree, where, depth + 1) | _resolve(
            expr.orelse, tree, where, depth + 1
        )
    if isinstance(expr, ast.Name):
        sources = _assignments(tree, expr.id) + _defaults(tree, expr.id)
        assert sources, f"{where}: cannot find what {expr.id} is"
        found: set[str] = set()
        for source in sources:
            found |= _resolve(source, tree, where, depth + 1)
        return found
    if isinstance(expr, ast.JoinedStr):
        parts = expr.values
        assert len(parts) == 2, f"{where}: unexpected template {ast.unparse(expr)}"
        prefix, hole = parts
        assert isinstance(prefix, ast.Constant) and isinstance(hole, ast.FormattedValue)
        placeholder = ast.unparse(hole.value)
        assert placeholder in TEMPLATE_VALUES, (
            f"{where}: add the values of {placeholder} to TEMPLATE_VALUES in this test"
        )
        return {f"{prefix.value}{value}" for value in TEMPLATE_VALUES[placeholder]}
    raise AssertionError(f"{where}: cannot follow the action {ast.unparse(expr)}")


def recorded_actions() -> set[str]:
    """Every action code the code can write to the audit trail.

    The third argument of every ``record(...)`` call and the ``action=`` of every
    ``AuditEvent(...)`` built directly, followed through constants, conditional
    expressions, parameter defaults and enum templates; plus every module constant
    that looks like an action of one of those domains (constants passed as arguments).
    """
    actions: set[str] = set()
    trees = list(_modules())
    for path, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            where = f"{path.relative_to(BOARD.parent)}:{node.lineno}"
            if name == "record" and len(node.args) >= 3:
                actions |= _resolve(node.args[2], tree, where)
            elif name == "record" and any(k.arg == "action" for k in node.keywords):
                value = next(k.value for k in node.keywords if k.arg == "action")
                actions |= _resolve(value, tree, where)
            elif name == "AuditEvent" and path != WRITER:  # the writer takes the caller's
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        actions |= _resolve(keyword.value, tree, where)
    domains = {action.split(".")[0] for action in actions}
    for _path, tree in trees:
        for statement in tree.body:  # module constants, which may be passed as arguments
            value = getattr(statement, "value", None)
            if (
                isinstance(statement, ast.Assign | ast.AnnAssign)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and ACTION_CODE.match(value.value)
                and value.value.split(".")[0] in domains
            ):
                actions.add(value.value)
    return actions


def test_the_scan_finds_the_actions_it_must() -> None:
    actions = recorded_actions()
    # literal, conditional, variable, parameter default / constant, and both templates
    assert {"case.create", "assessment.submit", "assessment.save", "user.deactivate"} <= actions
    assert {"auth.sign_in_failed", "auth.sign_in_throttled"} <= actions
    assert {"follow_up.missed", "follow_up.cancelled", "imaging.upload", "imaging.pacs"} <= actions
    assert len(actions) > 60


def test_every_recorded_action_has_a_label() -> None:
    missing = sorted(a for a in recorded_actions() if a not in ACTION_LABELS)
    assert missing == [], f"add a label to board.audit.labels.ACTION_LABELS for {missing}"


def test_labels_are_plain_words() -> None:
    for code, label in ACTION_LABELS.items():
        assert label and label[0].isupper(), code
        assert "_" not in label and code not in label, code
    assert action_label("plan.item_add") == "Plan component added"
    assert action_label("case.create") == "Case registered"
    # a code written by an older version still reads as words
    assert action_label("case.archive_old") == "Case archive old"


def test_role_labels() -> None:
    assert role_label("spine_surgeon") == "Neurosurgeon / spine surgeon"
    assert role_label("coordinator") == "Tumor board coordinator"
    assert role_label(None) == ""
    assert role_label("ward_clerk") == "Ward clerk"


def test_changes_read_as_sentences() -> None:
    assert describe_changes({"pain_score": 5}, {"pain_score": 7}) == "Pain score: 5 -> 7"
    assert (
        describe_changes(
            {"weakness": None, "numbness": True, "levels": "T7"},
            {"weakness": True, "numbness": False, "levels": "T7, T8"},
            "case",
        )
        == "Limb weakness: not recorded -> Yes; Numbness or sensory level: Yes -> No; "
        "Vertebral levels: T7 -> T7, T8"
    )
    # a status means what its record's vocabulary says
    assert describe_changes({"status": "preparing"}, {"status": "ready"}, "case") == (
        "Status: Preparing -> Ready"
    )
    assert describe_changes({"status": "scheduled"}, {"status": "in_progress"}, "meeting") == (
        "Status: Scheduled -> In progress"
    )
    # roles and lists of roles by their names; unchanged context shown once
    assert describe_changes(
        {"role": "spine_surgeon", "frankel": None}, {"role": "spine_surgeon", "frankel": "D"}
    ) == ("Role: Neurosurgeon / spine surgeon; Frankel grade: not recorded -> D")
    assert describe_changes(None, {"signed_by_roles": ["radiologist", "medical_oncologist"]}) == (
        "Signed by: Radiologist, Medical oncologist"
    )
    # a new record lists only what was recorded
    assert describe_changes(None, {"pain_score": 6, "weakness": None, "sex": "female"}) == (
        "Pain score: 6; Sex: Female"
    )
    # a plan component as its one-line description
    assert describe_changes(
        None,
        {"component": "radiation", "option": "cebrt", "details": {"dose_gy": 8.0, "fractions": 1}},
    ) == ("Radiation: cEBRT 8 Gy in 1 fraction")
    assert describe_changes({}, {}) == ""


def test_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUMORBOARD_TIMEZONE", "Europe/Berlin")
    assert describe_value(None) == "not recorded"
    assert describe_value([]) == "none"
    assert describe_value(False) == "No"
    assert describe_value(8.0) == "8"
    assert describe_value("2026-12-08T16:00:00+00:00", "starts_at") == "2026-12-08 17:00 CET"
    assert describe_value(dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)) == "2026-07-01 14:00 CEST"
    assert describe_value("2026-12-08", "study_date") == "2026-12-08"
    assert describe_value("whole_spine", "body_region") == "Whole spine"
    # free text is never translated, even when it looks like a code
    assert describe_value("spine_surgeon", "referral_question") == "spine_surgeon"
    assert field_label("opioid_ome_mg") == "Opioid dose (OME mg/day)"
    assert field_label("some_new_field") == "Some new field"
    assert entity_label("imaging_study", "12") == "Imaging study 12"
