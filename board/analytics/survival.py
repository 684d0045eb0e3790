"""Kaplan-Meier (product-limit) survival estimate, written out in full.

For the distinct times :math:`t_1 < t_2 < ...` at which something happened, with
:math:`n_i` patients still under observation just before :math:`t_i` (the number at
risk) and :math:`d_i` deaths at :math:`t_i`:

    S(t) = product over t_i <= t of (1 - d_i / n_i)

A patient censored at :math:`t_i` (alive at last contact) is still at risk at
:math:`t_i`: at tied times deaths are counted before censorings (the usual convention).

The Greenwood standard error is

    SE(t) = S(t) * sqrt(sum over t_i <= t of d_i / (n_i * (n_i - d_i)))

and 0 once the estimate has reached 0 (every patient still at risk died).

The median survival is the first time at which S(t) <= 0.5; ``None`` when the curve
never gets there (fewer than half of the patients died during follow-up).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from board.errors import ValidationError

#: products like 3/4 * 2/3 land a rounding error away from 0.5
_TOLERANCE = 1e-12


class KMStep(NamedTuple):
    """The estimate at one observed time.

    A named tuple, not a frozen dataclass: a board's curves have thousands of steps,
    and a tuple is made several times faster.

    Parameters
    ----------
    time:
        Days from the origin.
    survival:
        S(time), the estimate just after this time.
    at_risk:
        Patients still under observation just before this time.
    events:
        Deaths at this time.
    censored:
        Patients censored (alive at last contact) at this time.
    std_error:
        Greenwood standard error of S(time), or ``None`` when not asked for.
    """

    time: float
    survival: float
    at_risk: int
    events: int
    censored: int
    std_error: float | None = None


@dataclass(frozen=True, slots=True)
class AtRisk:
    """The number at risk at a chosen time (for the table under a curve).

    Parameters
    ----------
    time:
        Days from the origin.
    at_risk:
        Patients whose observed time is at least ``time``.
    """

    time: float
    at_risk: int


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """A Kaplan-Meier estimate.

    Parameters
    ----------
    steps:
        One step per distinct observed time, in time order.
    n:
        Number of patients.
    events:
        Number of deaths.
    median:
        Median survival in days, ``None`` when not reached.
    """

    steps: tuple[KMStep, ...]
    n: int
    events: int
    median: float | None

    def survival_at(self, time: float) -> float:
        """S(time): the estimate at ``time`` (1.0 before the first event).

        Parameters
        ----------
        time:
            Days from the origin.

        Returns
        -------
        float
            The estimated probability of surviving beyond ``time``.
        """
        value = 1.0
        for step in self.steps:
            if step.time > time:
                break
            value = step.survival
        return value

    def number_at_risk(self, times: Sequence[float]) -> tuple[AtRisk, ...]:
        """How many patients are still under observation at each of ``times``.

        Parameters
        ----------
        times:
            Days from the origin, e.g. ``(0, 91, 183, 365, 730)``.

        Returns
        -------
        tuple[AtRisk, ...]
            One entry per time: patients whose observed time is at least that time.
        """
        # a step's number at risk counts the patients observed at its time or later, so
        # the number at risk at t is that of the first step at or after t
        step_times = [step.time for step in self.steps]
        found = []
        for t in times:
            index = bisect_left(step_times, t)
            found.append(
                AtRisk(float(t), self.steps[index].at_risk if index < len(step_times) else 0)
            )
        return tuple(found)


def _validated(observations: Iterable[tuple[float, bool]]) -> list[tuple[float, bool]]:
    checked: list[tuple[float, bool]] = []
    for index, item in enumerate(observations):
        try:
            time, event = item
        except (TypeError, ValueError):
            raise ValidationError(
                f"Observation {index + 1} must be a pair (time in days, death yes/no).",
                "observations",
            ) from None
        if isinstance(time, bool) or not isinstance(time, int | float):
            raise ValidationError(
                f"Observation {index + 1}: the time must be a number of days, not {time!r}.",
                "time",
            )
        if not math.isfinite(time) or time < 0:
            raise ValidationError(
                f"Observation {index + 1}: the time must be 0 days or more, not {time!r}.",
                "time",
            )
        if not isinstance(event, bool):
            raise ValidationError(
                f"Observation {index + 1}: the event must be True (death) or False "
                f"(alive at last contact), not {event!r}.",
                "event",
            )
        checked.append((float(time), event))
    return checked


def kaplan_meier(
    observations: Iterable[tuple[float, bool]], *, std_errors: bool = False
) -> KaplanMeier:
    """Estimate the survival curve of a group of patients.

    Parameters
    ----------
    observations:
        One ``(time_days, event)`` pair per patient: the time from the origin to death
        (``event=True``) or to the last contact alive (``event=False``, censored).
    std_errors:
        Also compute Greenwood standard errors.

    Returns
    -------
    KaplanMeier
        The steps, the median and the counts; no steps when there are no patients.

    Raises
    ------
    ValidationError
        If a time is negative or not a finite number, or an event is not a bool.
    """
    return _estimate(Counter(_validated(observations)), std_errors)


def kaplan_meier_tallied(
    tallies: Mapping[tuple[float, bool], int], *, std_errors: bool = False
) -> KaplanMeier:
    """The same estimate from observations already counted: ``(time, event) -> patients``.

    For large groups (a board's every decided case) counted in one pass: the estimate
    is exactly that of :func:`kaplan_meier` on the same observations listed one by one.

    Parameters
    ----------
    tallies:
        For each distinct ``(time_days, event)`` pair, how many patients have it.
    std_errors:
        Also compute Greenwood standard errors.

    Returns
    -------
    KaplanMeier
        The steps, the median and the counts; no steps when there are no patients.

    Raises
    ------
    ValidationError
        If a time is negative or not a finite number, an event is not a bool, or a
        count is not a positive whole number.
    """
    checked: Counter[tuple[float, bool]] = Counter()
    for observation, patients in tallies.items():
        if isinstance(patients, bool) or not isinstance(patients, int) or patients < 1:
            raise ValidationError(
                f"The number of patients observed at {observation!r} must be a whole "
                f"number of at least 1, not {patients!r}.",
                "observations",
            )
        (pair,) = _validated([observation])
        checked[pair] += patients
    return _estimate(checked, std_errors)


def kaplan_meier_counts(
    deaths: Mapping[float, int], censored: Mapping[float, int], *, std_errors: bool = False
) -> KaplanMeier:
    """The same estimate from the deaths and the censored patients counted per time.

    For a board's every decided case counted by the database per day: the estimate is
    exactly that of :func:`kaplan_meier` on the same observations listed one by one.

    Parameters
    ----------
    deaths:
        For each time (days) with deaths, how many.
    censored:
        For each time (days) with patients alive at last contact, how many.
    std_errors:
        Also compute Greenwood standard errors.

    Returns
    -------
    KaplanMeier
        The steps, the median and the counts; no steps when there are no patients.

    Raises
    ------
    ValidationError
        If a time is negative or not a finite number, or a count is not a whole number
        of at least 1.
    """
    for counts in (deaths, censored):
        for time, patients in counts.items():
            if type(time) is not float or not 0.0 <= time < math.inf:
                _validated([(time, True)])  # raises, naming what is wrong
            if type(patients) is not int or patients < 1:
                raise ValidationError(
                    f"The number of patients observed at {time!r} must be a whole "
                    f"number of at least 1, not {patients!r}.",
                    "observations",
                )
    return _product_limit(deaths, censored, std_errors)


def _estimate(tallies: Counter[tuple[float, bool]], std_errors: bool) -> KaplanMeier:
    """The product-limit estimate of validated ``(time, event) -> patients`` counts."""
    deaths: dict[float, int] = {}
    censored: dict[float, int] = {}
    for (time, event), count in tallies.items():
        if count:
            (deaths if event else censored)[time] = count
    return _product_limit(deaths, censored, std_errors)


def _product_limit(
    deaths: Mapping[float, int], censored_at: Mapping[float, int], std_errors: bool
) -> KaplanMeier:
    """The product-limit estimate of validated deaths and censored patients per time."""
    distinct = sorted(deaths.keys() | censored_at.keys())
    n = sum(deaths.values()) + sum(censored_at.values())
    at_risk = n
    survival = 1.0
    greenwood_sum = 0.0
    median: float | None = None
    steps: list[KMStep] = []
    for time in distinct:
        events = deaths.get(time, 0)
        censored = censored_at.get(time, 0)
        if events:
            survival *= 1.0 - events / at_risk
            if events < at_risk:
                greenwood_sum += events / (at_risk * (at_risk - events))
        std_error: float | None = None
        if std_errors:
            std_error = 0.0 if survival <= 0.0 else survival * math.sqrt(greenwood_sum)
        steps.append(KMStep(time, survival, at_risk, events, censored, std_error))
        if median is None and survival <= 0.5 + _TOLERANCE:
            median = time
        at_risk -= events + censored
    return KaplanMeier(
        steps=tuple(steps),
        n=n,
        events=sum(deaths.values()),
        median=median,
    )
