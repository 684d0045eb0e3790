"""The text alternative of key images: modality, series, date, region and case levels."""

from __future__ import annotations

import datetime as dt

import pytest

from board.imaging.alt_text import key_image_alt
from board.imaging.enums import BodyRegion


def test_names_modality_series_date_region_and_levels() -> None:
    text = key_image_alt("MR", 3, "SAG T2", dt.date(2026, 11, 2), BodyRegion.THORACIC, ("T7", "T8"))
    assert text == (
        "Key image: MRI, series 3 SAG T2, 2026-11-02, Thoracic spine; case levels T7, T8"
    )


def test_takes_the_stored_region_value_and_the_plain_modality_name() -> None:
    text = key_image_alt("PT", 1, "WB FDG", dt.date(2026, 1, 5), "whole_body", ("L2",))
    assert text == "Key image: PET, series 1 WB FDG, 2026-01-05, Whole body; case levels L2"


@pytest.mark.parametrize("region", [None, BodyRegion.UNKNOWN, BodyRegion.OTHER, "not-a-region"])
def test_leaves_out_an_unknown_or_non_spine_region(region: BodyRegion | str | None) -> None:
    text = key_image_alt("CT", 2, "bone", dt.date(2026, 3, 1), region, ())
    assert text == "Key image: CT, series 2 bone, 2026-03-01"


def test_says_what_is_missing_instead_of_leaving_gaps() -> None:
    assert key_image_alt("MR", None, None, None, None, ("C5",)) == (
        "Key image: MRI, series without a name, undated; case levels C5"
    )
    assert key_image_alt("MR", None, "  ", None, None, ()) == (
        "Key image: MRI, series without a name, undated"
    )
    assert key_image_alt("MR", 7, None, None, None, ()) == "Key image: MRI, series 7, undated"


def test_an_unknown_modality_code_is_named_as_it_came() -> None:
    assert key_image_alt("ZZ", 1, "x", None, None, ()).startswith("Key image: ZZ, series 1 x")
    assert key_image_alt("", 1, "x", None, None, ()).startswith("Key image: unknown modality,")
