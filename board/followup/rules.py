"""Pure rules of follow-up: the schedule from the plan, the checks of an entry, and the
pain response after radiation (due and overdue are in :mod:`board.followup.due`).

Schedule: each follow-up item of the finalized plan ("Clinic visit every 6 weeks, 4
times") gives due dates counted from the decision date. Without a number of times the
schedule covers one year (:data:`DEFAULT_HORIZON_WEEKS`).

Pain response: International Bone Metastases Consensus (Chow E et al., Int J Radiat
Oncol Biol Phys 2012;82:1730), computed by :func:`board.scoring.pain.classify_pain_response`
from the baseline stored at the decision and the entry's pain and opioid dose, only when
the plan includes radiation and only at a contact on or after the recorded start of
radiation (before it, or with no start recorded: "not yet assessable: radiation not
started").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from board.errors import ValidationError
from board.followup.enums import Adherence, FollowUpKind
from board.followup.views import FollowUpInput
from board.scoring.neuro import AsiaGrade, FrankelGrade
from board.scoring.pain import NOT_YET_ASSESSABLE, PainResponse, classify_pain_response
from board.scoring.performance import validate_karnofsky

DEFAULT_HORIZON_WEEKS = 52
MAX_OCCURRENCES = 52
MAX_TEXT = 5_000
MAX_OMED_MG = 100_000


# ---------------------------------------------------------------------------
# Schedule
# ---------------------------------------------------------------------------


def schedule_dates(
    start: dt.date, interval_weeks: int, occurrences: int | None = None
) -> tuple[dt.date, ...]:
    """Due dates of a repeating follow-up.

    Parameters
    ----------
    start:
        The decision date (the first follow-up is one interval later).
    interval_weeks:
        Weeks between follow-ups, 1 or more.
    occurrences:
        How many; ``None`` covers one year from ``start``.

    Returns
    -------
    tuple[date, ...]
        The due dates in order.

    Raises
    ------
    ValidationError
        If the interval or the number is not a positive whole number.
    """
    if (
        isinstance(interval_weeks, bool)
        or not isinstance(interval_weeks, int)
        or interval_weeks < 1
    ):
        raise ValidationError(
            f"A follow-up interval is a whole number of weeks, 1 or more; {interval_weeks!r} "
            "is not.",
            field="interval_weeks",
        )
    if occurrences is None:
        occurrences = max(1, DEFAULT_HORIZON_WEEKS // interval_weeks)
    elif (
        isinstance(occurrences, bool)
        or not isinstance(occurrences, int)
        or not 1 <= occurrences <= MAX_OCCURRENCES
    ):
        raise ValidationError(
            f"The number of follow-ups is a whole number from 1 to {MAX_OCCURRENCES}; "
            f"{occurrences!r} is not.",
            field="occurrences",
        )
    return tuple(start + dt.timedelta(weeks=interval_weeks * k) for k in range(1, occurrences + 1))


@dataclass(frozen=True, slots=True)
class PlannedFollowUp:
    """One due date from the plan's schedule."""

    kind: FollowUpKind
    due_on: dt.date
    source: str


def schedule_from_items(
    decision_on: dt.date, items: Sequence[tuple[str, dict[str, Any], str]]
) -> tuple[PlannedFollowUp, ...]:
    """The follow-ups a plan's follow-up items ask for.

    Parameters
    ----------
    decision_on:
        The date the plan was finalized.
    items:
        ``(option, details, description)`` of each follow-up item of the plan; the option
        is ``visit``, ``imaging`` or ``labs``; details hold ``interval_weeks`` and
        optionally ``occurrences``. Items without an interval schedule nothing.

    Returns
    -------
    tuple[PlannedFollowUp, ...]
        Every due date, in date order.
    """
    found: list[PlannedFollowUp] = []
    for option, details, description in items:
        interval = details.get("interval_weeks")
        if interval is None:
            continue
        kind = FollowUpKind(option) if option in set(FollowUpKind) else FollowUpKind.VISIT
        for due in schedule_dates(decision_on, int(interval), details.get("occurrences")):
            found.append(PlannedFollowUp(kind, due, description))
    found.sort(key=lambda p: (p.due_on, p.kind.value))
    return tuple(found)


# ---------------------------------------------------------------------------
# Checking an entry
# ---------------------------------------------------------------------------


def _text(value: str | None, field: str, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{what} is text; {value!r} is not.", field=field)
    cleaned = value.strip()
    if len(cleaned) > MAX_TEXT:
        raise ValidationError(f"{what} is too long: at most {MAX_TEXT} characters.", field=field)
    return cleaned or None


def _int_in(value: object, field: str, what: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            f"{what} is a whole number from {low} to {high}; {value!r} is not.", field=field
        )
    return value


def _grade(value: str | None, field: str, what: str, enum: type[Any]) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip().upper()
    if text not in {g.value for g in enum}:
        raise ValidationError(f"{what} is one of A, B, C, D or E; {value!r} is not.", field=field)
    return text


def check_entry(
    data: FollowUpInput, *, today: dt.date, referred_on: dt.date, decided_on: dt.date | None
) -> dict[str, Any]:
    """Check a follow-up entry and return the values to store.

    Parameters
    ----------
    data:
        The entry as typed.
    today:
        The current date (no date may lie after it).
    referred_on:
        The referral date (nothing can happen before it).
    decided_on:
        The date of the board's decision, if any (no contact may lie before it: the
        pain response is measured against the baseline at the decision).

    Returns
    -------
    dict[str, Any]
        Column values (texts stripped, empty texts as ``None``).

    Raises
    ------
    ValidationError
        Naming the first field that is not as expected.
    """
    contact = data.contact_on
    if not isinstance(contact, dt.date) or isinstance(contact, dt.datetime):
        raise ValidationError("Give the date of the follow-up contact.", field="contact_on")
    if contact > today:
        raise ValidationError(
            f"The contact date {contact:%Y-%m-%d} is in the future; record a contact once it "
            "has happened (the schedule lists the ones to come).",
            field="contact_on",
        )
    if contact < referred_on:
        raise ValidationError(
            f"The contact date {contact:%Y-%m-%d} is before the referral ({referred_on:%Y-%m-%d}).",
            field="contact_on",
        )
    if decided_on is not None and contact < decided_on:
        raise ValidationError(
            f"The contact date {contact:%Y-%m-%d} is before the board's decision "
            f"({decided_on:%Y-%m-%d}); follow-up is recorded from the decision on.",
            field="contact_on",
        )
    omed = data.omed_mg
    if omed is not None and (
        isinstance(omed, bool)
        or not isinstance(omed, int | float)
        or not math.isfinite(omed)
        or not 0 <= omed <= MAX_OMED_MG
    ):
        raise ValidationError(
            "The opioid dose is a daily oral morphine equivalent in mg, from 0 (no opioid) "
            f"to {MAX_OMED_MG:,}; {omed!r} is not.",
            field="omed_mg",
        )
    ecog = _int_in(data.ecog, "ecog", "ECOG performance status", 0, 5)
    karnofsky = None if data.karnofsky is None else validate_karnofsky(data.karnofsky)
    died_on = data.died_on
    if died_on is not None:
        if not isinstance(died_on, dt.date) or isinstance(died_on, dt.datetime):
            raise ValidationError("Give the date of death as a date.", field="died_on")
        if died_on > today:
            raise ValidationError("The date of death cannot be in the future.", field="died_on")
        if died_on < referred_on:
            raise ValidationError(
                f"The date of death {died_on:%Y-%m-%d} is before the referral "
                f"({referred_on:%Y-%m-%d}).",
                field="died_on",
            )
        if died_on > contact:
            raise ValidationError(
                "The date of death is after the date of this contact; record the death at "
                "a contact on or after it.",
                field="died_on",
            )
    if ecog == 5 and died_on is None:
        raise ValidationError(
            "ECOG 5 means the patient has died: record the date of death instead.", field="ecog"
        )
    if died_on is not None and (karnofsky not in (None, 0) or ecog not in (None, 5)):
        raise ValidationError(
            "A patient who has died has no performance status other than ECOG 5 / "
            "Karnofsky 0: leave it empty.",
            field="ecog",
        )
    adherence = data.adherence
    deviation = _text(data.deviation_reason, "deviation_reason", "The reason for the deviation")
    if adherence is not None and adherence.is_deviation and deviation is None:
        raise ValidationError(
            f"Treatment {adherence.label}: say why the treatment departed from the plan.",
            field="deviation_reason",
        )
    if (adherence is None or not adherence.is_deviation) and deviation is not None:
        raise ValidationError(
            "A deviation reason is only recorded when the treatment was modified or not "
            "given; choose that, or clear the reason.",
            field="deviation_reason",
        )
    started = data.treatment_started_at
    if started is not None:
        if not isinstance(started, dt.datetime) or started.tzinfo is None:
            raise ValidationError(
                "Give the date and time the treatment started.", field="treatment_started_at"
            )
        if started.date() > today:
            raise ValidationError(
                "The treatment start cannot be in the future.", field="treatment_started_at"
            )
        if started.date() < referred_on:
            raise ValidationError(
                f"The treatment start {started:%Y-%m-%d} is before the referral "
                f"({referred_on:%Y-%m-%d}).",
                field="treatment_started_at",
            )
        if adherence is not None and adherence in (Adherence.NOT_GIVEN, Adherence.NOT_STARTED):
            raise ValidationError(
                f"The treatment is recorded as '{adherence.label}' but has a start time; "
                "clear one of them.",
                field="treatment_started_at",
            )
    reason = _text(data.rediscussion_reason, "rediscussion_reason", "The re-discussion reason")
    if data.rediscussion_requested and reason is None:
        raise ValidationError(
            "Say what the board should discuss again.", field="rediscussion_reason"
        )
    if died_on is not None and data.rediscussion_requested:
        raise ValidationError(
            "A re-discussion cannot be requested for a patient who has died.",
            field="rediscussion_requested",
        )
    return {
        "kind": FollowUpKind(data.kind),
        "done_on": contact,
        "pain_score": _int_in(data.pain_score, "pain_score", "Pain (NRS)", 0, 10),
        "omed_mg": None if omed is None else float(omed),
        "ecog": ecog,
        "karnofsky": karnofsky,
        "frankel": _grade(data.frankel, "frankel", "The Frankel grade", FrankelGrade),
        "asia": _grade(data.asia, "asia", "The ASIA impairment scale", AsiaGrade),
        "ambulatory": data.ambulatory,
        "imaging_findings": _text(data.imaging_findings, "imaging_findings", "Imaging findings"),
        "complications": _text(data.complications, "complications", "Complications"),
        "treatment_given": _text(data.treatment_given, "treatment_given", "Treatment given"),
        "adherence": adherence,
        "deviation_reason": deviation,
        "treatment_started_at": None if started is None else started.astimezone(dt.UTC),
        "rediscussion_requested": bool(data.rediscussion_requested),
        "rediscussion_reason": reason if data.rediscussion_requested else None,
        "died_on": died_on,
        "notes": _text(data.notes, "notes", "Notes"),
    }


# ---------------------------------------------------------------------------
# Pain response
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PainAssessment:
    """The pain response of one entry, or why there is none."""

    response: PainResponse | None
    text: str


def assess_pain_response(
    *,
    has_radiation: bool,
    baseline_pain: int | None,
    baseline_omed: float | None,
    pain: int | None,
    omed: float | None,
    radiation_start: dt.date | None,
    contact_date: dt.date,
) -> PainAssessment:
    """The pain response after radiation for one follow-up entry.

    Parameters
    ----------
    has_radiation:
        Whether the plan in force includes radiation.
    baseline_pain, baseline_omed:
        Pain and daily OMED at the decision.
    pain, omed:
        Pain and daily OMED at this contact.
    radiation_start:
        The recorded start of radiation (a date; a datetime is read by its date), or
        ``None`` when no start is recorded.
    contact_date:
        The date of this contact.

    Returns
    -------
    PainAssessment
        The response, or ``None`` with the reason: not applicable (no radiation), "not
        yet assessable: radiation not started" (no start recorded, or a contact before
        it), pain not assessed at this contact, or what is missing. A contact on the
        start date is assessable.
    """
    if not has_radiation:
        return PainAssessment(None, "not applicable: the plan has no radiation")
    if isinstance(radiation_start, dt.datetime):
        radiation_start = radiation_start.date()
    if radiation_start is None or contact_date < radiation_start:
        return PainAssessment(None, NOT_YET_ASSESSABLE)
    if pain is None and omed is None:
        return PainAssessment(None, "pain not assessed at this contact")
    missing = [
        name
        for name, value in (
            ("baseline pain", baseline_pain),
            ("baseline opioid dose", baseline_omed),
            ("pain at this contact", pain),
            ("opioid dose at this contact", omed),
        )
        if value is None
    ]
    if missing:
        return PainAssessment(None, "incomplete: missing " + ", ".join(missing))
    assert baseline_pain is not None and baseline_omed is not None
    assert pain is not None and omed is not None
    response = classify_pain_response(baseline_pain, pain, baseline_omed, omed)
    text = (
        f"{response.label} (pain {baseline_pain} -> {pain}; "
        f"OMED {baseline_omed:g} -> {omed:g} mg/day)"
    )
    if baseline_pain < 2:
        text += "; the consensus assesses patients with baseline pain of 2 or more"
    return PainAssessment(response, text)
