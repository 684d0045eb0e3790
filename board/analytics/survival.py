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
from itertools import repeat

from board.errors import ValidationError

#: products like 3/4 * 2/3 land a rounding error away from 0.5
_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class KMStep:
    """The estimate at one observed time.

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
    times:
        The observed times, sorted (kept to count the number at risk at any time).
    steps:
        One step per distinct observed time, in time order.
    n:
        Number of patients.
    events:
        Number of deaths.
    median:
        Median survival in days, ``None`` when not reached.
    """

    times: tuple[float, ...]
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
        total = len(self.times)
        return tuple(AtRisk(float(t), total - bisect_left(self.times, t)) for t in times)


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


def _estimate(tallies: Counter[tuple[float, bool]], std_errors: bool) -> KaplanMeier:
    """The product-limit estimate of validated ``(time, event) -> patients`` counts."""
    distinct = sorted({time for time, _ in tallies})
    n = sum(tallies.values())
    at_risk = n
    survival = 1.0
    greenwood_sum = 0.0
    median: float | None = None
    steps: list[KMStep] = []
    times: list[float] = []
    for time in distinct:
        events = tallies.get((time, True), 0)
        censored = tallies.get((time, False), 0)
        times.extend(repeat(time, events + censored))
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
        times=tuple(times),
        steps=tuple(steps),
        n=n,
        events=sum(count for (_, event), count in tallies.items() if event),
        median=median,
    )
