"""What the imaging functions take from pages and give back to them: frozen dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from board.imaging.enums import BodyRegion, ImportStatus, Modality, StudySource
from board.wording import plural


@dataclass(frozen=True, slots=True)
class FileResult:
    """What happened to one input file of an import.

    Parameters
    ----------
    path:
        The input as shown to the user (file name, or ``archive.zip › member``).
    status:
        Imported, duplicate or skipped.
    reason:
        Why it was a duplicate or skipped; ``""`` when imported.
    study_uid, series_uid:
        The UIDs, when the file could be parsed.
    """

    path: str
    status: ImportStatus
    reason: str = ""
    study_uid: str | None = None
    series_uid: str | None = None

    def as_json(self) -> dict[str, str | None]:
        """The result as a JSON-ready dict (the ``--json`` line of the command line)."""
        return {
            "path": self.path,
            "status": self.status.value,
            "reason": self.reason,
            "study_uid": self.study_uid,
            "series_uid": self.series_uid,
        }


@dataclass(frozen=True, slots=True)
class IdentityConflict:
    """A study whose patient differs from the case's patient; refused unless overridden.

    Parameters
    ----------
    study_uid:
        The refused study.
    description:
        Its date, modality and description, for the message.
    reason:
        Plain-English explanation of the mismatch.
    """

    study_uid: str
    description: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of one import (or dry run).

    Parameters
    ----------
    files:
        One result per input file, in input order.
    studies_added, series_added, instances_added:
        What was written (what would be, for a dry run).
    conflicts:
        Studies refused because they belong to another patient.
    dry_run:
        Nothing was written.
    seconds:
        Wall-clock time of the import.
    workers:
        Processes used to parse the files (1: no parallel parsing).
    """

    files: tuple[FileResult, ...]
    studies_added: int = 0
    series_added: int = 0
    instances_added: int = 0
    conflicts: tuple[IdentityConflict, ...] = ()
    dry_run: bool = False
    seconds: float = 0.0
    workers: int = 1

    def count(self, status: ImportStatus) -> int:
        """How many files have ``status``.

        Parameters
        ----------
        status:
            The status to count.

        Returns
        -------
        int
            The number of files.
        """
        return sum(1 for f in self.files if f.status is status)

    @property
    def imported(self) -> int:
        """Files imported (or that would be, for a dry run)."""
        return self.count(ImportStatus.IMPORTED)

    @property
    def summary(self) -> dict[str, object]:
        """Counts as a JSON-ready dict (the last ``--json`` line)."""
        return {
            "summary": True,
            "dry_run": self.dry_run,
            "files": len(self.files),
            "imported": self.imported,
            "duplicate": self.count(ImportStatus.DUPLICATE),
            "skipped": self.count(ImportStatus.SKIPPED),
            "studies_added": self.studies_added,
            "series_added": self.series_added,
            "instances_added": self.instances_added,
            "identity_conflicts": len(self.conflicts),
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
        }

    @property
    def message(self) -> str:
        """One plain-English line summing up the import."""
        verb = "would be imported" if self.dry_run else "imported"
        text = (
            f"{self.imported} of {plural(len(self.files), 'file')} {verb} "
            f"({self.count(ImportStatus.DUPLICATE)} duplicate, "
            f"{self.count(ImportStatus.SKIPPED)} skipped); "
            f"{plural(self.studies_added, 'new study')}, {plural(self.series_added, 'new series')}."
        )
        if self.conflicts:
            refused = len(self.conflicts)
            text += (
                f" {plural(refused, 'study')} {'was' if refused == 1 else 'were'} refused "
                f"because {'it belongs' if refused == 1 else 'they belong'} to a different patient."
            )
        return text


@dataclass(frozen=True, slots=True)
class SeriesView:
    """One series of an attached study, for the imaging tab.

    Parameters
    ----------
    id, series_uid, series_number, description, modality:
        The series.
    body_region:
        Normalised body region, when known.
    instance_count:
        Number of images (instances).
    sequence_hint, ct_kernel, radiopharmaceutical:
        MR sequence hint (``"T2"``), CT convolution kernel, PET tracer, when known.
    thumbnail_png:
        The key image, or ``None``.
    thumbnail_note:
        Why there is no key image, when there is none.
    """

    id: int
    series_uid: str
    series_number: int | None
    description: str
    modality: str
    body_region: BodyRegion | None
    instance_count: int
    sequence_hint: str | None
    ct_kernel: str | None
    radiopharmaceutical: str | None
    thumbnail_png: bytes | None = field(repr=False)
    thumbnail_note: str | None


@dataclass(frozen=True, slots=True)
class StudyView:
    """One study attached to a case, with its series.

    Parameters
    ----------
    id, study_uid, source, modality, study_date, description, body_region, report_text:
        The study (``study_uid`` is ``None`` for a study entered by hand).
    identity_override_reason:
        The reason given when the study was attached despite a patient mismatch.
    created_at, created_by:
        When and by whom it was attached.
    series:
        Ordered by series number.
    viewer_url:
        Link to the study in the hospital viewer, when configured.
    version:
        The row version (send it back when correcting the study).
    corrected_at, corrected_by:
        When and by whom the date, modality or region was last corrected by hand
        (``None`` when never).
    """

    id: int
    study_uid: str | None
    source: StudySource
    modality: str
    study_date: dt.date | None
    description: str
    body_region: BodyRegion | None
    report_text: str | None
    identity_override_reason: str | None
    created_at: dt.datetime
    created_by: str | None
    series: tuple[SeriesView, ...]
    viewer_url: str | None = None
    version: int = 1
    corrected_at: dt.datetime | None = None
    corrected_by: str | None = None

    @property
    def instance_count(self) -> int:
        """Images over all series."""
        return sum(s.instance_count for s in self.series)

    @property
    def modality_label(self) -> str:
        """Plain-English modality name."""
        return Modality.from_code(self.modality).label


@dataclass(frozen=True, slots=True)
class ManualStudyInput:
    """A study entered by hand (outside-hospital imaging with only a report).

    Parameters
    ----------
    modality:
        MR, CT, PT, ...
    study_date:
        When it was done (not in the future).
    body_region:
        The region imaged.
    description:
        Short description ("MRI whole spine with contrast").
    report_text:
        The report, as text.
    """

    modality: Modality
    study_date: dt.date | None
    body_region: BodyRegion
    description: str
    report_text: str = ""


@dataclass(frozen=True, slots=True)
class StudyCorrection:
    """The outcome of correcting a study's date, modality or body region.

    Parameters
    ----------
    study_id:
        The study.
    version:
        Its version after the correction (unchanged when nothing differed).
    changed:
        Plain names of the fields changed, in display order (``"date"``,
        ``"modality"``, ``"body region"``); empty when the study already said this.
    """

    study_id: int
    version: int
    changed: tuple[str, ...]

    @property
    def message(self) -> str:
        """One plain-English line for the person who corrected the study."""
        if not self.changed:
            return "Nothing to correct: the study already says this."
        names = list(self.changed)
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"Corrected the {listed}."
