"""Vertebral levels C1..S5 as a validated value object."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from board.cases.levels import ALL_LEVELS, SpineRegion, VertebralLevel, parse_levels
from board.errors import ValidationError


def test_the_29_levels_in_order() -> None:
    names = [str(level) for level in ALL_LEVELS]
    assert len(names) == 29
    assert names[:8] == ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "T1"]
    assert names[-6:] == ["L5", "S1", "S2", "S3", "S4", "S5"]
    assert [level.index for level in ALL_LEVELS] == list(range(29))
    assert sorted(ALL_LEVELS, reverse=True) == list(reversed(ALL_LEVELS))


@pytest.mark.parametrize(
    ("text", "region", "index"),
    [("C1", SpineRegion.CERVICAL, 0), ("t 7", SpineRegion.THORACIC, 13),
     ("L-1", SpineRegion.LUMBAR, 19), (" s5 ", SpineRegion.SACRAL, 28)],
)  # fmt: skip
def test_parse_one(text: str, region: SpineRegion, index: int) -> None:
    level = VertebralLevel.parse(text)
    assert (level.region, level.index) == (region, index)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("X9", "expected C1-C7, T1-T12, L1-L5 or S1-S5"),
        ("T13", "thoracic levels run from T1 to T12"),
        ("C8", "cervical levels run from C1 to C7"),
        ("L6", "lumbar levels run from L1 to L5"),
        ("S6", "sacral levels run from S1 to S5"),
        ("T0", "T1 to T12"),
        ("Co1", "expected C1-C7"),
        ("", "is not a vertebral level"),
        ("T7a", "is not a vertebral level"),
    ],
)
def test_parse_rejects(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        VertebralLevel.parse(text)
    assert info.value.field == "level"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T4-T6, L1", ["T4", "T5", "T6", "L1"]),
        ("T6-T4", ["T4", "T5", "T6"]),
        ("C7-T1", ["C7", "T1"]),
        ("L5-S1; T7 t7", ["T7", "L5", "S1"]),
        (("L1", "T12"), ["T12", "L1"]),
        ("", []),
    ],
)
def test_parse_levels(text: str | tuple[str, ...], expected: list[str]) -> None:
    assert [str(level) for level in parse_levels(text)] == expected


@pytest.mark.parametrize("text", ["T4-T13", "T4-X1", "Co1-Co2", "T7, T13"])
def test_parse_levels_rejects(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_levels(text)


@given(st.lists(st.sampled_from(ALL_LEVELS), min_size=1, max_size=10))
def test_parse_levels_round_trip(levels: list[VertebralLevel]) -> None:
    text = ", ".join(str(level).lower() for level in levels)
    assert parse_levels(text) == tuple(sorted(set(levels)))


@given(st.sampled_from(ALL_LEVELS), st.sampled_from(ALL_LEVELS))
def test_ranges_cover_every_level_between(a: VertebralLevel, b: VertebralLevel) -> None:
    parsed = parse_levels(f"{a}-{b}")
    low, high = min(a, b), max(a, b)
    assert parsed == ALL_LEVELS[low.index : high.index + 1]
