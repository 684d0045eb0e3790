"""The text alternative of a key image: what a screen reader says instead of the picture.

A key image is one series' thumbnail. Its alternative names the modality, the series
(number and description), the study date, the body region when known and the case's
vertebral levels, e.g. "Key image: MRI, series 3 SAG T2, 2026-11-02, Thoracic spine;
case levels T7, T8". It is plain text (an ``alt`` attribute), never markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from board.imaging.enums import BodyRegion, Modality


def key_image_alt(
    modality: str,
    series_number: int | None,
    description: str | None,
    study_date: dt.date | None,
    body_region: BodyRegion | str | None,
    levels: Sequence[str],
) -> str:
    """Describe a key image for a screen reader.

    Parameters
    ----------
    modality:
        The series' DICOM modality code (``"MR"``); shown by its plain name ("MRI").
    series_number, description:
        The series' number and description, when known.
    study_date:
        The study's date, when known.
    body_region:
        The series' normalised body region (a :class:`BodyRegion` or its value); an
        unknown or other region is left out.
    levels:
        The case's vertebral levels (``"T7"``).

    Returns
    -------
    str
        One line of plain text, never empty.
    """
    kind = Modality.from_code(modality)
    name = kind.label if kind is not Modality.OTHER else (modality.strip() or "unknown modality")
    number = "" if series_number is None else str(series_number)
    series = " ".join(part.strip() for part in (number, description or "") if part.strip())
    parts = [f"Key image: {name}", f"series {series}" if series else "series without a name"]
    parts.append(study_date.isoformat() if study_date else "undated")
    region = _region(body_region)
    if region:
        parts.append(region)
    text = ", ".join(parts)
    if levels:
        text += "; case levels " + ", ".join(levels)
    return text


def _region(body_region: BodyRegion | str | None) -> str | None:
    if body_region is None:
        return None
    try:
        region = BodyRegion(body_region)
    except ValueError:
        return None
    if region in (BodyRegion.UNKNOWN, BodyRegion.OTHER):
        return None
    return region.label
