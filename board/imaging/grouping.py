"""Group parsed instances into study > series summaries and give each file a status.

Pure and database-free: the caller passes the SOP Instance UIDs it already holds
(``known_sop_instance_uids``) and gets back, in input order, one
:class:`FileOutcome` per input (imported, duplicate or skipped with the reason) and
the studies built from the instances that are new.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, time

from board.imaging.common import Skipped
from board.imaging.enums import BodyRegion, ImportStatus, Modality, SequenceHint
from board.imaging.normalise import combine_regions
from board.imaging.parse import ParsedInstance
from board.imaging.thumbnail import refusal_reason, select_middle_instance

__all__ = ["FileOutcome", "Grouping", "SeriesSummary", "StudySummary", "group_instances"]


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What happened to one input file.

    Parameters
    ----------
    display_name:
        The input as shown to the user.
    status:
        Imported (new in this batch), duplicate, or skipped.
    reason:
        Why it was a duplicate or skipped; ``""`` when imported.
    instance:
        The parsed metadata, ``None`` when the file was skipped before parsing
        succeeded.
    """

    display_name: str
    status: ImportStatus
    reason: str = ""
    instance: ParsedInstance | None = None

    @property
    def study_instance_uid(self) -> str | None:
        """The study UID, when the file was parsed."""
        return self.instance.study_instance_uid if self.instance else None

    @property
    def series_instance_uid(self) -> str | None:
        """The series UID, when the file was parsed."""
        return self.instance.series_instance_uid if self.instance else None


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """One series of the batch, from its new instances.

    Descriptive fields come from the first instance by Instance Number; flags are
    true when any instance has them.

    Parameters
    ----------
    study_instance_uid, series_instance_uid:
        The UIDs.
    series_number, series_description, modality, modality_code, body_part_examined,
    body_region, sequence_hint, convolution_kernel, radiopharmaceutical, manufacturer,
    manufacturer_model:
        As in :class:`~board.imaging.parse.ParsedInstance`.
    instance_count:
        Distinct SOP Instance UIDs (the count shown to users).
    frame_count:
        Sum of the instances' frames.
    burned_in_annotation, secondary_or_screen_capture:
        Any instance flagged.
    instances:
        The distinct instances, ordered by Instance Number.
    """

    study_instance_uid: str
    series_instance_uid: str
    series_number: int | None
    series_description: str
    modality: Modality
    modality_code: str
    body_part_examined: str
    body_region: BodyRegion
    sequence_hint: SequenceHint | None
    convolution_kernel: str
    radiopharmaceutical: str
    manufacturer: str
    manufacturer_model: str
    instance_count: int
    frame_count: int
    burned_in_annotation: bool
    secondary_or_screen_capture: bool
    instances: tuple[ParsedInstance, ...]

    @property
    def middle_instance(self) -> ParsedInstance | None:
        """The instance to thumbnail (middle by Instance Number)."""
        return select_middle_instance(self.instances)

    @property
    def thumbnail_refusal(self) -> str | None:
        """Why this series must not get a thumbnail (privacy), or ``None``."""
        middle = self.middle_instance
        return refusal_reason(
            burned_in_annotation=self.burned_in_annotation,
            image_type=("SECONDARY",) if self.secondary_or_screen_capture else (),
            sop_class_uid=middle.sop_class_uid if middle else "",
        )


@dataclass(frozen=True, slots=True)
class StudySummary:
    """One study of the batch with its series.

    Parameters
    ----------
    study_instance_uid:
        The UID (used to open the study in the PACS viewer).
    study_date, study_time, study_description:
        From the first series' first instance that has them.
    body_region:
        Combined from the series (:func:`~board.imaging.normalise.combine_regions`).
    modalities:
        Distinct modalities, in series order.
    patient_keys:
        Distinct patient keys seen in the study (more than one means the files
        disagree about the patient).
    accession_keys:
        Distinct accession-number keys.
    series:
        Ordered by series number, then UID.
    """

    study_instance_uid: str
    study_date: date | None
    study_time: time | None
    study_description: str
    body_region: BodyRegion
    modalities: tuple[Modality, ...]
    patient_keys: frozenset[str]
    accession_keys: frozenset[str]
    series: tuple[SeriesSummary, ...]

    @property
    def instance_count(self) -> int:
        """Distinct instances over all series."""
        return sum(s.instance_count for s in self.series)


@dataclass(frozen=True, slots=True)
class Grouping:
    """Result of :func:`group_instances`.

    Parameters
    ----------
    outcomes:
        One per input, in input order.
    studies:
        Studies built from the imported (new) instances, ordered by date then UID.
    """

    outcomes: tuple[FileOutcome, ...]
    studies: tuple[StudySummary, ...]

    @property
    def patient_keys(self) -> frozenset[str]:
        """Distinct patient keys over all studies."""
        keys: set[str] = set()
        for study in self.studies:
            keys |= study.patient_keys
        return frozenset(keys)

    def count(self, status: ImportStatus) -> int:
        """Number of inputs with ``status``.

        Parameters
        ----------
        status:
            The status to count.

        Returns
        -------
        int
            How many outcomes have it.
        """
        return sum(1 for outcome in self.outcomes if outcome.status is status)


def group_instances(
    results: Iterable[ParsedInstance | Skipped],
    *,
    known_sop_instance_uids: Collection[str] = (),
) -> Grouping:
    """Give each input a status and group the new instances into studies and series.

    An instance whose SOP Instance UID is in ``known_sop_instance_uids`` or appeared
    earlier in the batch is a duplicate; one whose UID appeared earlier under another
    study or series is skipped as conflicting. Skipped inputs pass through.

    Parameters
    ----------
    results:
        Parse results, e.g. from :func:`~board.imaging.parse.parse_sources`.
    known_sop_instance_uids:
        UIDs already stored (for the same case), so re-importing adds nothing.

    Returns
    -------
    Grouping
        Outcomes in input order and the study summaries.
    """
    outcomes: list[FileOutcome] = []
    first_seen: dict[str, ParsedInstance] = {}
    accepted: dict[tuple[str, str], list[ParsedInstance]] = {}
    for result in results:
        if isinstance(result, Skipped):
            outcomes.append(FileOutcome(result.display_name, ImportStatus.SKIPPED, result.reason))
            continue
        outcomes.append(_classify(result, first_seen, known_sop_instance_uids, accepted))
    studies = _build_studies(accepted)
    return Grouping(tuple(outcomes), studies)


def _classify(
    instance: ParsedInstance,
    first_seen: dict[str, ParsedInstance],
    known: Collection[str],
    accepted: dict[tuple[str, str], list[ParsedInstance]],
) -> FileOutcome:
    uid = instance.sop_instance_uid
    name = instance.display_name
    earlier = first_seen.get(uid)
    if earlier is not None:
        same_place = (earlier.study_instance_uid, earlier.series_instance_uid) == (
            instance.study_instance_uid,
            instance.series_instance_uid,
        )
        if not same_place:
            return FileOutcome(
                name,
                ImportStatus.SKIPPED,
                "conflicting file: the same image ID (SOP Instance UID) appears earlier in "
                f"this batch under a different study or series ({earlier.display_name})",
                instance,
            )
        return FileOutcome(
            name,
            ImportStatus.DUPLICATE,
            f"the same image appears earlier in this batch ({earlier.display_name})",
            instance,
        )
    first_seen[uid] = instance
    if uid in known:
        return FileOutcome(name, ImportStatus.DUPLICATE, "already imported", instance)
    accepted.setdefault((instance.study_instance_uid, instance.series_instance_uid), []).append(
        instance
    )
    return FileOutcome(name, ImportStatus.IMPORTED, "", instance)


def _instance_order(instance: ParsedInstance) -> tuple[bool, int, str]:
    number = instance.instance_number
    return (number is None, number or 0, instance.sop_instance_uid)


def _build_series(instances: list[ParsedInstance]) -> SeriesSummary:
    ordered = tuple(sorted(instances, key=_instance_order))
    head = ordered[0]
    return SeriesSummary(
        study_instance_uid=head.study_instance_uid,
        series_instance_uid=head.series_instance_uid,
        series_number=head.series_number,
        series_description=_first(i.series_description for i in ordered),
        modality=head.modality,
        modality_code=head.modality_code,
        body_part_examined=_first(i.body_part_examined for i in ordered),
        body_region=combine_regions(i.body_region for i in ordered),
        sequence_hint=head.sequence_hint,
        convolution_kernel=_first(i.convolution_kernel for i in ordered),
        radiopharmaceutical=_first(i.radiopharmaceutical for i in ordered),
        manufacturer=_first(i.manufacturer for i in ordered),
        manufacturer_model=_first(i.manufacturer_model for i in ordered),
        instance_count=len(ordered),
        frame_count=sum(i.number_of_frames for i in ordered),
        burned_in_annotation=any(i.burned_in_annotation for i in ordered),
        secondary_or_screen_capture=any(i.secondary_or_screen_capture for i in ordered),
        instances=ordered,
    )


def _series_order(series: SeriesSummary) -> tuple[bool, int, str]:
    number = series.series_number
    return (number is None, number or 0, series.series_instance_uid)


def _build_studies(
    accepted: dict[tuple[str, str], list[ParsedInstance]],
) -> tuple[StudySummary, ...]:
    by_study: dict[str, list[SeriesSummary]] = {}
    for instances in accepted.values():
        series = _build_series(instances)
        by_study.setdefault(series.study_instance_uid, []).append(series)
    studies: list[StudySummary] = []
    for study_uid, series_list in by_study.items():
        series_list.sort(key=_series_order)
        everything = [i for s in series_list for i in s.instances]
        modalities: list[Modality] = []
        for s in series_list:
            if s.modality not in modalities:
                modalities.append(s.modality)
        studies.append(
            StudySummary(
                study_instance_uid=study_uid,
                study_date=next((i.study_date for i in everything if i.study_date), None),
                study_time=next((i.study_time for i in everything if i.study_time), None),
                study_description=_first(i.study_description for i in everything),
                body_region=combine_regions(s.body_region for s in series_list),
                modalities=tuple(modalities),
                patient_keys=frozenset(i.patient_key for i in everything if i.patient_key),
                accession_keys=frozenset(i.accession_key for i in everything if i.accession_key),
                series=tuple(series_list),
            )
        )
    studies.sort(
        key=lambda s: (s.study_date is None, s.study_date or date.min, s.study_instance_uid)
    )
    return tuple(studies)


def _first(values: Iterable[str]) -> str:
    return next((v for v in values if v), "")
