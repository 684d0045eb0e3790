"""The board report as data: one model, rendered as PDF and as HTML.

Every field is plain text (or PNG bytes for thumbnails). Renderers show text literally:
nothing here is ever interpreted as markup.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from board.assessments.derive import DerivedScore, Sourced
from board.cases.read_model import NOT_RECORDED, CaseReadModel
from board.localtime import fmt_local

#: The scores of the report's score table, in order (then the performance status line).
REPORT_SCORES = ("sins", "escc", "noms", "tokuhashi", "tomita", "nesms")
PERFORMANCE_SOURCE = "ECOG (Oken 1982); Karnofsky (1949)"

#: One line of the score table: name, result, category, component lines, source.
ScoreTableLine = tuple[str, str, str, tuple[str, ...], str]
#: One line of the compact score table (PDF): name, result, key inputs, short source.
CompactScoreLine = tuple[str, str, str, str]

_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_CITATION = re.compile(r'^(?P<authors>[^"]+?),\s*"[^"]*",\s*(?P<journal>[^;]+?)\s*(?:;|\.?$)')


def short_citation(source: str) -> str:
    """A citation cut to authors, journal and year, for a narrow column.

    Parameters
    ----------
    source:
        A citation such as ``Fisher CG et al., "A novel ...", Spine 2010;35(22):E1221-9.``

    Returns
    -------
    str
        ``Fisher CG et al., Spine 2010``; a source in another form is returned as is.
    """
    found = _CITATION.match(source)
    if found is None:
        return source
    return f"{found['authors']}, {found['journal']}"


def compact_input(item: Sourced) -> str:
    """One input of a score in a few words: name, value without its explanation, points.

    Parameters
    ----------
    item:
        The input, e.g. general condition = "Karnofsky 80%: good (Karnofsky 80-100%)",
        2 points, from the medical oncologist.

    Returns
    -------
    str
        E.g. ``general condition: Karnofsky 80% (2 points)`` (who supplied it is left
        to the full listing).
    """
    name = _PARENTHESES.sub("", item.name).rsplit(": ", 1)[-1].strip()
    value = item.value.split(": ", 1)[0].strip()
    text = value if value.lower() == name.lower() else f"{name}: {value}"
    if item.points is not None and value != str(item.points):
        text += f" ({item.points} point{'' if item.points == 1 else 's'})"
    return text


CONFIDENTIALITY = (
    "Confidential: contains health information about a pseudonymised patient. For the "
    "treating teams only; do not forward outside the care pathway."
)


@dataclass(frozen=True, slots=True)
class ReportHeader:
    """Who the report is about and which plan version it shows."""

    case_id: int
    pseudonym: str
    hospital_number: str | None
    age: int | None
    sex: str
    primary: str
    histology: str | None
    levels: tuple[str, ...]
    meeting: str | None
    meeting_date: dt.date | None
    plan_number: int | None
    plan_status: str
    finalized_at: dt.datetime | None
    draft: bool


@dataclass(frozen=True, slots=True)
class ImagingRow:
    """One imaging study, with its key image when there is one."""

    modality: str
    study_date: dt.date | None
    description: str
    body_region: str
    study_uid: str | None
    series: int
    thumbnail_png: bytes | None
    thumbnail_caption: str


@dataclass(frozen=True, slots=True)
class PathologyRow:
    """One biopsy."""

    kind: str
    status: str
    performed_on: dt.date | None
    site: str
    histology: str
    grade: str
    markers: str
    pathologist: str
    report_text: str


@dataclass(frozen=True, slots=True)
class SpecialtyInput:
    """One specialty's input in short."""

    role: str
    submitted: bool
    summary: str


@dataclass(frozen=True, slots=True)
class PlanComponentRow:
    """One component of the consensus plan."""

    component: str
    text: str


@dataclass(frozen=True, slots=True)
class SafetyPromptRow:
    """One safety prompt of the plan, with its source and whether the board
    acknowledged it."""

    text: str
    source: str
    severity: str
    acknowledged: bool

    @property
    def line(self) -> str:
        """The prompt as one line of the report."""
        kind = "Warning" if self.severity == "warning" else "Check"
        done = "acknowledged" if self.acknowledged else "not acknowledged"
        return f"{kind} ({done}): {self.text} Source: {self.source}"


@dataclass(frozen=True, slots=True)
class ActionRow:
    """One action item."""

    description: str
    owner: str
    due_on: dt.date | None
    done: bool


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    """One scheduled follow-up."""

    kind: str
    due_on: dt.date
    status: str


@dataclass(frozen=True, slots=True)
class DissentRow:
    """A recorded dissent; ``on_version`` names an earlier version it was recorded on."""

    author: str
    role: str
    text: str
    at: dt.datetime
    on_version: int | None = None

    @property
    def heading(self) -> str:
        """Author, role, time and (for an earlier version's dissent) the version."""
        earlier = f", on version {self.on_version}" if self.on_version is not None else ""
        return f"{self.author} ({self.role}), {when(self.at)}{earlier}:"


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    """A member recorded at the meeting."""

    name: str
    role: str
    present: bool
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class SignOffRow:
    """A signature; ``current`` is False when the plan changed after it."""

    name: str
    role: str
    signed_at: dt.datetime
    current: bool


@dataclass(frozen=True, slots=True)
class NoteRow:
    """An append-only note on the case."""

    author: str
    role: str
    kind: str
    at: dt.datetime
    body: str


@dataclass(frozen=True, slots=True)
class BoardReport:
    """The whole board report of one case.

    ``plan_*`` fields are empty when the case has no plan yet; ``header.draft`` is True
    unless the shown plan version is finalized (renderers then watermark DRAFT).
    ``scores`` are the case's derived scores shown in the score table
    (:data:`REPORT_SCORES`); ``noms_reasoning``, ``performance`` and ``neurology``, taken
    from the case read model the report was built from, give the table its extra lines.
    A model built by hand without them shows the scores' own lines only. ``case`` (that
    read model, for callers that want it) is neither printed nor compared: everything a
    renderer prints is in the other fields, so a model kept as JSON
    (:mod:`board.reports.snapshot`) renders exactly as the one built.
    """

    header: ReportHeader
    referral_question: str
    presenting_problem: tuple[str, ...]
    red_flags: tuple[str, ...]
    urgent: bool
    imaging: tuple[ImagingRow, ...]
    pathology: tuple[PathologyRow, ...]
    specialties: tuple[SpecialtyInput, ...]
    scores: tuple[DerivedScore, ...]
    noms_suggestion: str
    departures: tuple[str, ...]
    deviation_reason: str | None
    plan_intent: str | None
    plan_summary: str
    amendment_reason: str | None
    plan_components: tuple[PlanComponentRow, ...]
    action_items: tuple[ActionRow, ...]
    follow_ups: tuple[FollowUpRow, ...]
    dissents: tuple[DissentRow, ...]
    attendance: tuple[AttendanceRow, ...]
    sign_offs: tuple[SignOffRow, ...]
    notes: tuple[NoteRow, ...]
    generated_at: dt.datetime
    confidentiality: str = CONFIDENTIALITY
    case: CaseReadModel | None = field(default=None, compare=False, repr=False)
    safety_prompts: tuple[SafetyPromptRow, ...] = ()
    """The plan's safety prompts as stored with the plan (at its start, on each
    acknowledgement and at finalization)."""
    dose_lines: tuple[str, ...] = ()
    """The plan's radiation courses with BED and EQD2 (alpha/beta stated)."""
    noms_reasoning: tuple[str, ...] = ()
    """The NOMS framework's reasoning lines (under the NOMS score)."""
    performance: str | None = None
    """The performance status as the case read model words it (``None``: not given)."""
    neurology: str | None = None
    """The neurology as the case read model words it (``None``: not given)."""

    @property
    def title(self) -> str:
        """The report's title line."""
        return f"Spine tumor board report: {self.header.pseudonym}"

    def components(self, score: DerivedScore) -> tuple[str, ...]:
        """A score's component lines in the report: its inputs (SINS lesion by lesion),
        then the NOMS reasoning, performance status and neurology where they bear on it.

        Parameters
        ----------
        score:
            One of :attr:`scores`.

        Returns
        -------
        tuple[str, ...]
            The lines, in order.
        """
        found = list(score.components)
        if score.key == "noms":
            found.extend(self.noms_reasoning)
        performance, neurology = self.performance, self.neurology
        if score.key in ("tokuhashi", "tomita") and performance not in (None, NOT_RECORDED):
            found.append(f"performance status: {performance}")
        if score.key in ("noms", "tokuhashi") and neurology not in (None, NOT_RECORDED):
            found.append(f"neurology: {neurology}")
        return tuple(found)

    def score_table(self) -> tuple[ScoreTableLine, ...]:
        """The score table both renderers print: each score, then performance status.

        Returns
        -------
        tuple[ScoreTableLine, ...]
            (name, result, category, component lines, source) per line; the
            performance line (from the read model) has the neurology as its category
            (empty when not recorded).
        """
        lines: list[ScoreTableLine] = [
            (s.short_name, s.value, s.category, self.components(s), s.source) for s in self.scores
        ]
        if self.performance is not None:
            lines.append(
                (
                    "Performance status",
                    self.performance,
                    self.neurology if self.neurology not in (None, NOT_RECORDED) else "",
                    (),
                    PERFORMANCE_SOURCE,
                )
            )
        return tuple(lines)

    def compact_score_table(self) -> tuple[CompactScoreLine, ...]:
        """The score table in short, for the PDF: one line of a few words per score.

        Returns
        -------
        tuple[CompactScoreLine, ...]
            (name, result with its category, key inputs, short source) per score, then
            performance status with the neurology as its input (when recorded).
        """
        lines: list[CompactScoreLine] = [
            (
                s.short_name,
                f"{s.value}, {s.category}" if s.category else s.value,
                "; ".join(compact_input(i) for i in s.inputs) or "-",
                short_citation(s.source),
            )
            for s in self.scores
        ]
        if self.performance is not None:
            neurology = self.neurology if self.neurology not in (None, NOT_RECORDED) else ""
            lines.append(
                (
                    "Performance status",
                    self.performance,
                    f"neurology: {neurology}" if neurology else "-",
                    PERFORMANCE_SOURCE,
                )
            )
        return tuple(lines)


SECTION_TITLES: tuple[str, ...] = (
    "Presenting problem and red flags",
    "Imaging",
    "Pathology",
    "Specialty input",
    "Scores",
    "NOMS suggestion and plan departure",
    "Consensus plan",
    "Action items",
    "Follow-up schedule",
    "Dissent",
    "Attendance and sign-offs",
    "Notes",
)
"""Section headings, in order, shared by both renderers (and checked by tests)."""


def when(value: dt.datetime | dt.date | None) -> str:
    """A date, or a time in the hospital's zone, as report text.

    Parameters
    ----------
    value:
        A date, an aware or naive (UTC) datetime, or ``None``.

    Returns
    -------
    str
        ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM`` with the zone (``CET``), or ``"-"``.
    """
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return fmt_local(value)
    return value.isoformat()
