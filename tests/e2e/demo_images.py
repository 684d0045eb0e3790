"""Key images for demo cases: synthetic MR and CT series imported as a radiologist would.

The demo board has no imaging with pixels, so the presenter shows no key images. The
browser tests that check the projector layout give a few demo cases the most key
images a case can show (three series), imported through the app's own import.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.read_model import MAX_IMAGES
from board.db.engine import Database
from board.db.models import Case, Patient, User
from board.imaging.enums import Modality
from board.imaging.importer import import_uploads
from board.imaging.links import derive_key
from board.imaging.synth import synth_series

#: The series each case gets: modality and description.
SERIES = (
    (Modality.MR, "SAG T2 TSE"),
    (Modality.MR, "SAG T1 TSE"),
    (Modality.CT, "SAG BONE"),
)


def _spine_like(rows: int, columns: int, shift: int) -> np.ndarray:
    """A picture with some structure (a column of bright blocks) for the thumbnail."""
    y, x = np.mgrid[0:rows, 0:columns]
    picture = 200 + 150 * np.sin((x + shift) / 9.0) + 100 * np.cos(y / 13.0)
    spine = (np.abs(x - columns // 2) < columns // 8) & ((y // 24) % 2 == 0)
    picture[spine] += 700
    return picture.clip(0, 1500).astype(np.uint16)


def add_key_images(database_url: str, secret_key: str, pseudonyms: tuple[str, ...]) -> None:
    """Import three synthetic series (so three key images) into each named demo case.

    Parameters
    ----------
    database_url:
        The app's database.
    secret_key:
        The installation's secret key (the import hashes the Patient ID with it).
    pseudonyms:
        The demo cases, e.g. ``("TB-DEMO02",)``.
    """
    assert len(SERIES) == MAX_IMAGES
    db = Database.from_url(database_url)
    try:
        with db.read() as session:
            user = session.scalars(select(User).where(User.role == Role.RADIOLOGIST)).first()
            assert user is not None
            radiologist = Actor(user.id, user.username, user.display_name, user.role)
            cases = dict(
                session.execute(
                    select(Patient.pseudonym, Case.id)
                    .join(Case, Case.patient_id == Patient.id)
                    .where(Patient.pseudonym.in_(pseudonyms))
                ).all()
            )
        for pseudonym in pseudonyms:
            uploads = []
            for number, (modality, description) in enumerate(SERIES, start=1):
                files = synth_series(
                    modality,
                    3,
                    rows=256,
                    columns=256,
                    series_number=number,
                    series_description=description,
                    pixel_values=_spine_like(256, 256, number * 7),
                    patient_id=f"E2E-{pseudonym}",
                    study_instance_uid=None,
                    study_date="20261201",
                )
                uploads += [(f"{pseudonym}-{number}-{i}.dcm", data) for i, data in enumerate(files)]
            report = import_uploads(
                db,
                radiologist,
                cases[pseudonym],
                uploads,
                key=derive_key(secret_key),
                override_reason="browser test: key images on the projector",
            )
            assert report.instances_added == len(uploads), report
    finally:
        db.dispose()
