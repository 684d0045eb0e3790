"""The case read model gives every key image its text alternative (both backends)."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image
from sqlalchemy import select

from board.cases.read_model import load_case_read_model
from board.db.engine import Database
from board.db.models import Case, ImagingSeries, ImagingStudy


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (8, 8), 128).save(out, format="PNG")
    return out.getvalue()


def test_key_images_carry_modality_series_region_and_the_case_levels(
    demo_database: Database,
) -> None:
    with demo_database.write() as session:
        case = session.scalars(select(Case).order_by(Case.id)).first()
        assert case is not None
        case_id, levels = case.id, tuple(x for x in case.levels.split(",") if x)
        study = ImagingStudy(
            case_id=case_id,
            source="manual",
            modality="MR",
            study_date=dt.date(2030, 1, 2),  # the newest study: its series come first
            description="MRI whole spine",
        )
        session.add(study)
        session.flush()
        session.add_all(
            [
                ImagingSeries(
                    study_id=study.id,
                    series_uid="1.2.3.1",
                    modality="MR",
                    series_number=3,
                    description="SAG T2",
                    body_region="thoracic",
                    thumbnail_png=_png(),
                ),
                ImagingSeries(
                    study_id=study.id,
                    series_uid="1.2.3.2",
                    modality="CT",
                    series_number=None,
                    description=None,
                    thumbnail_png=_png(),
                ),
            ]
        )
    with demo_database.read() as session:
        images = load_case_read_model(session, case_id).images
    suffix = "; case levels " + ", ".join(levels) if levels else ""
    # (the two backends sort a missing series number first or last)
    assert sorted(image.alt for image in images[:2]) == [
        "Key image: CT, series without a name, 2030-01-02" + suffix,
        "Key image: MRI, series 3 SAG T2, 2030-01-02, Thoracic spine" + suffix,
    ]
