"""Counted nouns: "1 case", "2 cases", "1 day ago"."""

from __future__ import annotations

import pytest

from board.wording import days_ago, plural, plural_of


@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [
        (0, "case", "0 cases"),
        (1, "case", "1 case"),
        (2, "case", "2 cases"),
        (1, "day", "1 day"),
        (3, "day", "3 days"),
        (1, "study", "1 study"),
        (2, "study", "2 studies"),
        (2, "new study", "2 new studies"),
        (1, "series", "1 series"),
        (4, "series", "4 series"),
        (2, "entry", "2 entries"),
        (2, "biopsy", "2 biopsies"),
        (2, "person", "2 people"),
        (2, "box", "2 boxes"),
        (2, "key", "2 keys"),
        (1, "fictional case", "1 fictional case"),
        (10_000, "case", "10,000 cases"),
    ],
)
def test_plural(count: int, noun: str, text: str) -> None:
    assert plural(count, noun) == text


def test_plural_with_an_irregular_form() -> None:
    assert plural(2, "criterion", "criteria") == "2 criteria"
    assert plural(1, "criterion", "criteria") == "1 criterion"
    assert plural_of("case") == "cases"


@pytest.mark.parametrize(
    ("days", "text"),
    [(0, "today"), (1, "1 day ago"), (2, "2 days ago"), (-1, "in 1 day"), (-3, "in 3 days")],
)
def test_days_ago(days: int, text: str) -> None:
    assert days_ago(days) == text
