"""What plan services take from pages and give back: frozen dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from board.auth.roles import Role
from board.cases.enums import CaseStatus
from board.cases.read_model import CaseReadModel
from board.plans.enums import PlanComponent, PlanIntent, PlanStatus
from board.plans.rules import SignatureState
from board.scoring.safety import SafetyWarning


@dataclass(frozen=True, slots=True)
class PlanItemInput:
    """A component to add to a plan.

    Parameters
    ----------
    component:
        The family (surgery, radiation, ...).
    option:
        The option's value in :data:`board.plans.catalogue.CATALOGUE`.
    details:
        The option's details as entered.
    """

    component: PlanComponent
    option: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlanHeaderInput:
    """The plan's intent, summary and the reason for departing from NOMS."""

    intent: PlanIntent | None
    summary: str = ""
    deviation_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ActionItemInput:
    """A task from the plan: owner (a role or a person) and due date."""

    description: str
    due_on: dt.date
    owner_role: Role | None = None
    owner_user_id: int | None = None


@dataclass(frozen=True, slots=True)
class PlanItemView:
    """One component of a plan version."""

    id: int
    component: PlanComponent
    component_label: str
    option: str
    option_label: str
    details: dict[str, Any]
    text: str


@dataclass(frozen=True, slots=True)
class DissentView:
    """A recorded dissent; an amendment shows those of the versions before it too."""

    id: int
    author_name: str
    author_role: Role
    text: str
    created_at: dt.datetime
    #: the plan version it was recorded on
    plan_number: int | None = None


@dataclass(frozen=True, slots=True)
class SignOffView:
    """A signature; ``current`` is False when the plan changed after it was given."""

    id: int
    user_id: int
    name: str
    role: Role
    signed_at: dt.datetime
    current: bool


@dataclass(frozen=True, slots=True)
class ActionItemView:
    """An action item with its owner and due date."""

    id: int
    version: int
    description: str
    owner: str
    owner_role: Role | None
    owner_user_id: int | None
    due_on: dt.date | None
    done_at: dt.datetime | None
    done_by: str | None

    @property
    def done(self) -> bool:
        """Whether the item is done."""
        return self.done_at is not None


@dataclass(frozen=True, slots=True)
class PlanVersionView:
    """One version of a case's plan with everything on it."""

    id: int
    version: int
    case_id: int
    number: int
    status: PlanStatus
    meeting_id: int | None
    intent: PlanIntent | None
    summary: str
    deviation_reason: str | None
    amendment_reason: str | None
    noms_suggestion: dict[str, Any]
    acknowledged: tuple[str, ...]
    created_at: dt.datetime
    created_by: str | None
    updated_at: dt.datetime
    updated_by: str | None
    finalized_at: dt.datetime | None
    finalized_by: str | None
    items: tuple[PlanItemView, ...]
    dissents: tuple[DissentView, ...]
    sign_offs: tuple[SignOffView, ...]
    action_items: tuple[ActionItemView, ...]

    @property
    def editable(self) -> bool:
        """Only a draft can change."""
        return self.status is PlanStatus.DRAFT


@dataclass(frozen=True, slots=True)
class TemplateItemView:
    """One component of a plan template."""

    component: PlanComponent
    option: str
    details: dict[str, Any]
    text: str
    """For example "Radiation: cEBRT 8 Gy in 1 fraction"."""


@dataclass(frozen=True, slots=True)
class PlanTemplateView:
    """A plan template: its name, components, the intent it sets, whether offered."""

    id: int
    version: int
    name: str
    intent: PlanIntent | None
    items: tuple[TemplateItemView, ...]
    active: bool
    updated_at: dt.datetime
    updated_by: str | None

    @property
    def summary(self) -> str:
        """The components in one line."""
        return "; ".join(i.text for i in self.items)


@dataclass(frozen=True, slots=True)
class PlanToSign:
    """A draft plan of a meeting awaiting the signer's signature (batch sign-off)."""

    plan: PlanVersionView
    pseudonym: str
    #: the case's place on the meeting's agenda (``None``: not on it)
    position: int | None
    #: what still stops the plan from being signed (empty: it can be signed)
    blockers: tuple[str, ...]
    #: how the plan departs from the NOMS suggestion
    departures: tuple[str, ...]

    @property
    def signable(self) -> bool:
        """Whether nothing blocks the signature."""
        return not self.blockers


@dataclass(frozen=True, slots=True)
class SignOutcome:
    """What happened to one plan of a batch sign-off."""

    plan_id: int
    pseudonym: str
    number: int | None
    signed: bool
    message: str


@dataclass(frozen=True, slots=True)
class PlanBoard:
    """A case's plan as the plan screen shows it: versions, checks, who may do what."""

    case_id: int
    case_status: CaseStatus
    case_version: int
    case: CaseReadModel
    versions: tuple[PlanVersionView, ...]
    current: PlanVersionView | None
    departures: tuple[str, ...]
    prompts: tuple[SafetyWarning, ...]
    blockers: tuple[str, ...]
    signatures: SignatureState
    chair_id: int | None
    chair_name: str | None
    meeting_title: str | None
    attendee_ids: tuple[int, ...]
    dose_lines: tuple[str, ...] = ()
    """The current version's radiation courses with BED and EQD2 (alpha/beta stated)."""

    @property
    def final(self) -> PlanVersionView | None:
        """The finalized version in force, if any."""
        for version in reversed(self.versions):
            if version.status is PlanStatus.FINALIZED:
                return version
        return None


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One line of a side-by-side comparison of two versions."""

    label: str
    left: str
    right: str

    @property
    def changed(self) -> bool:
        """Whether the two sides differ."""
        return self.left != self.right


@dataclass(frozen=True, slots=True)
class VersionComparison:
    """Two plan versions side by side."""

    left_number: int
    right_number: int
    rows: tuple[ComparisonRow, ...]
