"""Radiotherapy: presets, BED/EQD2 at alpha/beta 10 and 2, plausibility ranges (both sides
of every limit), the non-standard and re-irradiation prompts, and the dose invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board.errors import ValidationError
from board.scoring.radiotherapy import (
    CORD_ALPHA_BETA,
    PLAUSIBLE_RANGES,
    SBRT_SURGERY_TIMING_TEXT,
    STANDARD_REGIMENS,
    TUMOUR_ALPHA_BETA,
    RadiationCourse,
    Technique,
    assess_regimen,
    bed,
    check_plausible,
    cumulative_eqd2,
    dose_summary,
    eqd2,
    parse_technique,
    presets,
    reirradiation_text,
    standard_regimen,
)

C, S = Technique.CEBRT, Technique.SBRT


def test_presets_are_the_reference_regimens() -> None:
    assert [r.label for r in presets("cebrt")] == [
        "cEBRT 8 Gy in 1 fraction",
        "cEBRT 20 Gy in 5 fractions",
        "cEBRT 24 Gy in 6 fractions",
        "cEBRT 30 Gy in 10 fractions",
    ]
    assert [r.label for r in presets(S)] == [
        "SBRT 16-24 Gy in 1 fraction",
        "SBRT 24 Gy in 2 fractions",
        "SBRT 27 Gy in 3 fractions",
        "SBRT 30 Gy in 4 fractions",
        "SBRT 30-35 Gy in 5 fractions",
    ]
    assert [r.preset_total_gy for r in presets(S)] == [None, 24.0, 27.0, 30.0, None]
    assert "SC.24" in presets(S)[1].source
    assert len(STANDARD_REGIMENS) == 9


@pytest.mark.parametrize(
    ("technique", "total", "fractions", "standard"),
    [
        (C, 8, 1, True), (C, 20, 5, True), (C, 24, 6, True), (C, 30, 10, True),
        (C, 8.5, 1, False), (C, 20, 4, False), (C, 30, 12, False), (C, 36, 12, False),
        (S, 16, 1, True), (S, 20, 1, True), (S, 24, 1, True), (S, 15.9, 1, False),
        (S, 24, 2, True), (S, 26, 2, False), (S, 27, 3, True), (S, 30, 3, False),
        (S, 30, 4, True), (S, 28, 4, False), (S, 30, 5, True), (S, 35, 5, True),
        (S, 29.9, 5, False), (S, 35.1, 5, False),
        # The same dose with the other technique's name is not its standard.
        (S, 30, 10, False), (C, 24, 2, False),
    ],
)  # fmt: skip
def test_standard_regimens_and_both_sides_of_each_range(
    technique: Technique, total: float, fractions: int, standard: bool
) -> None:
    try:
        found = assess_regimen(technique, total, fractions)
    except ValidationError:
        assert not standard
        return
    assert found.is_standard is standard
    assert (standard_regimen(technique, total, fractions) is not None) is standard
    prompt = found.prompt()
    if standard:
        assert prompt is None
    else:
        assert prompt is not None and "is not a standard regimen" in prompt
        assert "Please check the prescription" in prompt
        assert "alpha/beta 10 (tumour)" in prompt and "alpha/beta 2 (spinal cord" in prompt


# BED and EQD2, worked by hand: BED = n d (1 + d / ab); EQD2 = BED / (1 + 2 / ab).
DOSES = [
    # total, n, BED10, EQD2_10, BED2, EQD2_2
    (8, 1, 14.4, 12.0, 40.0, 20.0),
    (20, 5, 28.0, 70 / 3, 60.0, 30.0),
    (24, 6, 33.6, 28.0, 72.0, 36.0),
    (30, 10, 39.0, 32.5, 75.0, 37.5),
    (24, 2, 52.8, 44.0, 168.0, 84.0),
    (27, 3, 51.3, 42.75, 148.5, 74.25),
    (30, 4, 52.5, 43.75, 142.5, 71.25),
    (35, 5, 59.5, 59.5 / 1.2, 157.5, 78.75),
    (18, 1, 50.4, 42.0, 180.0, 90.0),
]


@pytest.mark.parametrize(("total", "n", "bed10", "eqd10", "bed2", "eqd2_2"), DOSES)
def test_bed_and_eqd2(
    total: float, n: int, bed10: float, eqd10: float, bed2: float, eqd2_2: float
) -> None:
    assert bed(total, n, TUMOUR_ALPHA_BETA) == pytest.approx(bed10)
    assert eqd2(total, n, TUMOUR_ALPHA_BETA) == pytest.approx(eqd10)
    assert bed(total, n, CORD_ALPHA_BETA) == pytest.approx(bed2)
    assert eqd2(total, n, CORD_ALPHA_BETA) == pytest.approx(eqd2_2)
    summary = dose_summary(total, n)
    assert summary.bed_10 == pytest.approx(bed10) and summary.eqd2_2 == pytest.approx(eqd2_2)
    assert summary.dose_per_fraction_gy == pytest.approx(total / n)


def test_dose_text_names_the_alpha_beta() -> None:
    assert dose_summary(8, 1).text() == (
        "8 Gy in 1 fraction (8 Gy per fraction): BED 14.4 Gy, EQD2 12 Gy at alpha/beta 10 "
        "(tumour); BED 40 Gy, EQD2 20 Gy at alpha/beta 2 (spinal cord, late effects)"
    )
    assert "EQD2 23.3 Gy at alpha/beta 10" in dose_summary(20, 5).text()


@pytest.mark.parametrize(
    ("args", "field"),
    [((0, 1, 10), "dose_gy"), ((-8, 1, 10), "dose_gy"), ((float("nan"), 1, 10), "dose_gy"),
     ((True, 1, 10), "dose_gy"), ((8, 0, 10), "fractions"), ((8, 1.5, 10), "fractions"),
     ((8, 1, 0), "alpha_beta"), ((8, 1, -2), "alpha_beta")],
)  # fmt: skip
def test_dose_inputs_are_validated(args: tuple[object, ...], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        bed(*args)  # type: ignore[arg-type]
    assert info.value.field == field


# Plausibility: both sides of every limit, each crossed alone.
PLAUSIBILITY = [
    # cEBRT: 1.5-10 Gy per fraction, 1-25 fractions, 4-50 Gy total
    (C, 37.5, 25, None), (C, 37.25, 25, "1.5 Gy per fraction is below 1.5 Gy"),
    (C, 10, 1, None), (C, 10.1, 1, "10.1 Gy per fraction is above 10 Gy"),
    (C, 45, 25, None), (C, 45, 26, "26 fractions is more than 25"),
    (C, 4, 1, None), (C, 3.9, 1, "total 3.9 Gy is below 4 Gy"),
    (C, 50, 25, None), (C, 50.1, 25, "total 50.1 Gy is above 50 Gy"),
    # SBRT: 5-24 Gy per fraction, 1-5 fractions, 12-45 Gy total
    (S, 25, 5, None), (S, 24.9, 5, "5 Gy per fraction is below 5 Gy"),
    (S, 24, 1, None), (S, 24.1, 1, "24.1 Gy per fraction is above 24 Gy"),
    (S, 35, 5, None), (S, 36, 6, "6 fractions is more than 5"),
    (S, 12, 1, None), (S, 11.9, 1, "total 11.9 Gy is below 12 Gy"),
    (S, 45, 5, None), (S, 45.5, 5, "total 45.5 Gy is above 45 Gy"),
]  # fmt: skip


@pytest.mark.parametrize(("technique", "total", "fractions", "problem"), PLAUSIBILITY)
def test_plausibility_ranges(
    technique: Technique, total: float, fractions: int, problem: str | None
) -> None:
    if problem is None:
        check_plausible(technique, total, fractions)
        assess_regimen(technique, total, fractions)
        return
    with pytest.raises(ValidationError) as info:
        check_plausible(technique, total, fractions)
    message = info.value.message
    assert problem in message
    assert PLAUSIBLE_RANGES[technique].describe() in message
    assert info.value.field == ("fractions" if "fractions is" in problem else "dose_gy")
    with pytest.raises(ValidationError):
        assess_regimen(technique, total, fractions)


@pytest.mark.parametrize("technique", [C, S])
def test_80_gy_in_one_fraction_is_refused(technique: Technique) -> None:
    with pytest.raises(ValidationError) as info:
        check_plausible(technique, 80, 1)
    message = info.value.message
    assert message.startswith(f"{technique.label} 80 Gy in 1 fraction is outside the plausible")
    assert "80 Gy per fraction is above" in message and "total 80 Gy is above" in message
    assert info.value.field == "dose_gy"


def test_ranges_described() -> None:
    assert PLAUSIBLE_RANGES[C].describe() == (
        "1.5-10 Gy per fraction, 1-25 fractions, 4-50 Gy total"
    )
    assert PLAUSIBLE_RANGES[S].describe() == "5-24 Gy per fraction, 1-5 fractions, 12-45 Gy total"


def test_technique_parsing() -> None:
    assert parse_technique(" SBRT ") is S
    with pytest.raises(ValidationError) as info:
        parse_technique("protons")
    assert info.value.field == "technique"


# Re-irradiation and timing --------------------------------------------------------------


def test_reirradiation_with_the_prior_course() -> None:
    planned = RadiationCourse(S, 24, 2, "L3")
    prior = RadiationCourse(None, 20, 5)
    text = reirradiation_text(planned, prior, "20 Gy / 5, 2024")
    assert "recorded prior radiation to this level (recorded: 20 Gy / 5, 2024)" in text
    assert "Planned: SBRT 24 Gy in 2 fractions to L3, EQD2 84 Gy at alpha/beta 2" in text
    assert "Prior course: 20 Gy in 5 fractions, EQD2 30 Gy at alpha/beta 2" in text
    assert "Cumulative EQD2 at alpha/beta 2 (spinal cord, late effects): 114 Gy" in text
    assert cumulative_eqd2((prior, planned)) == pytest.approx(114.0)


def test_reirradiation_without_the_prior_dose() -> None:
    text = reirradiation_text(RadiationCourse(C, 8, 1), None)
    assert "cannot be computed" in text and "(recorded:" not in text
    assert "EQD2 20 Gy at alpha/beta 2" in text


def test_timing_text_leaves_the_interval_to_local_protocol() -> None:
    assert "wound healing" in SBRT_SURGERY_TIMING_TEXT
    assert "local protocol decides the interval" in SBRT_SURGERY_TIMING_TEXT


def test_course_is_validated() -> None:
    with pytest.raises(ValidationError):
        RadiationCourse(C, 0, 1)
    with pytest.raises(ValidationError):
        RadiationCourse("protons", 8, 1)  # type: ignore[arg-type]
    assert RadiationCourse("cebrt", 8, 1).technique is C  # type: ignore[arg-type]


# Invariants ----------------------------------------------------------------------------

DOSE = st.floats(0.5, 100, allow_nan=False)
FRACTIONS = st.integers(1, 40)
AB = st.sampled_from([TUMOUR_ALPHA_BETA, CORD_ALPHA_BETA])
SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(DOSE, DOSE, FRACTIONS, AB)
def test_bed_and_eqd2_are_monotonic_in_total_dose(a: float, b: float, n: int, ab: float) -> None:
    low, high = sorted((a, b))
    assert bed(low, n, ab) <= bed(high, n, ab)
    assert eqd2(low, n, ab) <= eqd2(high, n, ab)


@SETTINGS
@given(DOSE, FRACTIONS, FRACTIONS, AB)
def test_fewer_larger_fractions_never_lower_the_bed(
    total: float, n1: int, n2: int, ab: float
) -> None:
    """The same total in fewer (larger) fractions has at least the same BED and EQD2."""
    few, many = sorted((n1, n2))
    assert bed(total, few, ab) >= bed(total, many, ab) - 1e-9
    assert eqd2(total, few, ab) >= eqd2(total, many, ab) - 1e-9


@SETTINGS
@given(DOSE, FRACTIONS, AB)
def test_bed_bounds_and_2_gy_fractions(total: float, n: int, ab: float) -> None:
    assert bed(total, n, ab) >= total
    assert eqd2(total, n, ab) == pytest.approx(bed(total, n, ab) / (1 + 2 / ab))
    # 2 Gy per fraction: EQD2 is the total dose.
    assert eqd2(2.0 * n, n, ab) == pytest.approx(2.0 * n)
    # A lower alpha/beta (late effects) never gives a lower BED.
    assert bed(total, n, CORD_ALPHA_BETA) >= bed(total, n, TUMOUR_ALPHA_BETA)


@SETTINGS
@given(st.sampled_from([C, S]), DOSE, FRACTIONS)
def test_plausible_iff_inside_every_limit(technique: Technique, total: float, n: int) -> None:
    rng = PLAUSIBLE_RANGES[technique]
    inside = (
        rng.min_total_gy <= total <= rng.max_total_gy
        and rng.min_fractions <= n <= rng.max_fractions
        and rng.min_dose_per_fraction_gy <= total / n <= rng.max_dose_per_fraction_gy
    )
    try:
        found = assess_regimen(technique, total, n)
    except ValidationError:
        assert not inside
    else:
        assert inside
        assert (found.prompt() is None) is found.is_standard


@SETTINGS
@given(st.lists(st.tuples(DOSE, FRACTIONS), min_size=1, max_size=4))
def test_cumulative_eqd2_adds_up(courses: list[tuple[float, int]]) -> None:
    made = [RadiationCourse(None, total, n) for total, n in courses]
    assert cumulative_eqd2(made) == pytest.approx(sum(c.eqd2_cord for c in made))
