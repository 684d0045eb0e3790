"""Grouping into study > series, statuses, duplicates, and the corpus end to end."""

from __future__ import annotations

import pickle
from pathlib import Path

from board.imaging.common import Skipped
from board.imaging.enums import BodyRegion, ImportStatus, Modality, SequenceHint
from board.imaging.grouping import group_instances
from board.imaging.parse import ParsedInstance, parse_dicom, parse_sources, patient_key_for
from board.imaging.reader import iter_sources
from board.imaging.synth import (
    SYNTHETIC_PATIENT_ID,
    synth_mr_spine_study,
    synth_secondary_capture,
    synth_series,
)

from .helpers import KEY, corpus_root


def _parse_all(files: list[bytes], prefix: str = "f") -> list[ParsedInstance | Skipped]:
    return [parse_dicom(data, f"{prefix}{i}", key=KEY) for i, data in enumerate(files)]


def test_mr_study_with_several_series() -> None:
    files = synth_mr_spine_study(7)
    grouping = group_instances(_parse_all(files))
    (study,) = grouping.studies
    assert study.instance_count == 21
    assert study.modalities == (Modality.MR,)
    assert study.body_region is BodyRegion.WHOLE_SPINE
    assert study.study_description == "MRI WHOLE SPINE"
    assert study.study_date is not None
    assert [s.series_number for s in study.series] == [1, 2, 3]
    assert [s.sequence_hint for s in study.series] == [
        SequenceHint.T1,
        SequenceHint.T2,
        SequenceHint.STIR,
    ]
    for series in study.series:
        assert series.instance_count == 7 and series.frame_count == 7
        middle = series.middle_instance
        assert middle is not None and middle.instance_number == 4
        assert series.thumbnail_refusal is None
        assert [i.instance_number for i in series.instances] == list(range(1, 8))
    assert study.patient_keys == {patient_key_for(SYNTHETIC_PATIENT_ID, "SYNTHETIC", KEY)}
    assert len(study.accession_keys) == 1
    assert grouping.count(ImportStatus.IMPORTED) == 21


def test_duplicates_within_the_batch_and_already_known() -> None:
    files = synth_series("CT", 4)
    results = _parse_all(files + files[:2])
    known = {results[3].sop_instance_uid}  # type: ignore[union-attr]
    grouping = group_instances(results, known_sop_instance_uids=known)
    statuses = [o.status for o in grouping.outcomes]
    assert statuses == [
        ImportStatus.IMPORTED,
        ImportStatus.IMPORTED,
        ImportStatus.IMPORTED,
        ImportStatus.DUPLICATE,
        ImportStatus.DUPLICATE,
        ImportStatus.DUPLICATE,
    ]
    assert grouping.outcomes[3].reason == "already imported"
    assert "earlier in this batch (f0)" in grouping.outcomes[4].reason
    (study,) = grouping.studies
    assert study.series[0].instance_count == 3  # distinct, new SOP UIDs only


def test_same_sop_uid_in_another_series_is_a_conflict() -> None:
    first = parse_dicom(synth_series("MR", 1)[0], "a", key=KEY)
    assert isinstance(first, ParsedInstance)
    from dataclasses import replace

    clash = replace(first, series_instance_uid="1.2.3.4", display_name="b")
    grouping = group_instances([first, clash])
    assert grouping.outcomes[1].status is ImportStatus.SKIPPED
    assert "conflicting" in grouping.outcomes[1].reason


def test_skipped_inputs_pass_through_in_order() -> None:
    results: list[ParsedInstance | Skipped] = [
        Skipped("junk.txt", "not a DICOM file"),
        *_parse_all(synth_series("PT", 2)),
    ]
    grouping = group_instances(results)
    first = grouping.outcomes[0]
    assert (first.display_name, first.status, first.reason) == (
        "junk.txt",
        ImportStatus.SKIPPED,
        "not a DICOM file",
    )
    assert first.instance is None and first.study_instance_uid is None
    assert grouping.outcomes[1].series_instance_uid is not None
    (study,) = grouping.studies
    assert study.series[0].radiopharmaceutical.startswith("Fluorodeoxyglucose")
    assert study.body_region is BodyRegion.WHOLE_BODY


def test_mixed_study_and_capture_series() -> None:
    mr = synth_series("MR", 3, series_number=2, body_part="CSPINE")
    study_uid = parse_dicom(mr[0], "x", key=KEY).study_instance_uid  # type: ignore[union-attr]
    ct = synth_series("CT", 2, study_instance_uid=study_uid, series_number=1, body_part="CSPINE")
    sc = synth_secondary_capture(study_instance_uid=study_uid, series_number=99)
    grouping = group_instances(_parse_all(mr + ct + [sc]))
    (study,) = grouping.studies
    assert study.modalities == (Modality.CT, Modality.MR, Modality.OT)
    assert [s.series_number for s in study.series] == [1, 2, 99]
    assert study.body_region is BodyRegion.CERVICAL
    capture = study.series[2]
    assert capture.burned_in_annotation and capture.thumbnail_refusal
    assert study.series[0].convolution_kernel == "B70s"


def test_studies_of_two_patients_are_visible() -> None:
    a = synth_series("MR", 1, patient_id="P-A")
    b = synth_series("MR", 1, patient_id="P-B")
    grouping = group_instances(_parse_all(a + b))
    assert len(grouping.studies) == 2 and len(grouping.patient_keys) == 2


def test_whole_corpus_end_to_end() -> None:
    items = list(iter_sources([corpus_root()]))
    results = list(parse_sources(items, key=KEY))
    grouping = group_instances(results)
    assert len(grouping.outcomes) == len(items) == len(results)
    assert all(o.status is not ImportStatus.SKIPPED or o.reason for o in grouping.outcomes)
    descriptions = {s.study_instance_uid for s in grouping.studies}
    for name in ("CT_small.dcm", "MR_small.dcm"):
        outcome = next(o for o in grouping.outcomes if o.display_name.endswith(name))
        assert outcome.instance is not None
        assert outcome.instance.study_instance_uid in descriptions or (
            outcome.status is ImportStatus.DUPLICATE
        )
    modalities = {m for s in grouping.studies for m in s.modalities}
    assert {Modality.CT, Modality.MR, Modality.CR} <= modalities
    assert grouping.count(ImportStatus.DUPLICATE) > 0  # MR_small in several syntaxes


def test_results_and_sources_pickle_for_worker_processes(tmp_path: Path) -> None:
    path = tmp_path / "a.dcm"
    path.write_bytes(synth_series("MR", 1)[0])
    (source,) = list(iter_sources([path]))
    result = parse_dicom(path.read_bytes(), "a.dcm", key=KEY)
    grouping = group_instances([result, Skipped("b", "not a DICOM file")])
    for value in (source, result, grouping):
        assert pickle.loads(pickle.dumps(value)) == value
