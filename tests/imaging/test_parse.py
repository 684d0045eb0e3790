"""parse_dicom: the whole pydicom corpus, malformed input, metadata and de-identification."""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom import dcmread
from pydicom.dataset import Dataset

from board.imaging.common import Skipped
from board.imaging.enums import BodyRegion, Modality, SequenceHint
from board.imaging.parse import (
    ParsedInstance,
    accession_key_for,
    is_valid_uid,
    parse_dicom,
    parse_source,
    patient_key_for,
)
from board.imaging.reader import SourceFile
from board.imaging.synth import (
    SYNTHETIC_PATIENT_ID,
    dataset_to_bytes,
    synth_datasets,
    synth_secondary_capture,
    synth_series,
)

from .helpers import KEY, corpus_file, corpus_files, corpus_id


def _parsed(result: ParsedInstance | Skipped) -> ParsedInstance:
    assert isinstance(result, ParsedInstance), getattr(result, "reason", result)
    return result


def _skipped(result: ParsedInstance | Skipped) -> Skipped:
    assert isinstance(result, Skipped), result
    return result


# -- the whole corpus -------------------------------------------------------------------


@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_every_corpus_file_is_parsed_or_skipped_with_a_reason(path: str) -> None:
    result = parse_dicom(Path(path).read_bytes(), corpus_id(path), key=KEY)
    assert isinstance(result, ParsedInstance | Skipped)
    if isinstance(result, Skipped):
        assert result.reason.strip()
        assert "Error" not in result.reason  # no exception names leak to users
    else:
        assert is_valid_uid(result.sop_instance_uid)
        assert is_valid_uid(result.study_instance_uid)
        assert is_valid_uid(result.series_instance_uid)
        assert result.modality_code


@pytest.mark.parametrize(
    "name",
    [
        "CT_small.dcm",
        "MR_small.dcm",
        "MR_small_bigendian.dcm",
        "MR_small_implicit.dcm",
        "MR_small_RLE.dcm",
        "MR_small_jp2klossless.dcm",
        "JPEG2000.dcm",
        "image_dfl.dcm",
        "MR_small_padded.dcm",
        "693_J2KI.dcm",
    ],
)
def test_readable_corpus_images_are_parsed(name: str) -> None:
    result = _parsed(parse_dicom(corpus_file(name).read_bytes(), name, key=KEY))
    assert result.is_image


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("MR_truncated.dcm", "truncated or damaged DICOM file"),
        ("rtplan_truncated.dcm", "truncated or damaged DICOM file"),
        ("no_meta.dcm", "not a DICOM file"),
        ("ExplVR_LitEndNoMeta.dcm", "without the standard file header"),
        ("ExplVR_BigEndNoMeta.dcm", "without the standard file header"),
        ("no_meta_group_length.dcm", "truncated DICOM file (it ends before the SOPInstanceUID"),
        ("meta_missing_tsyntax.dcm", "missing required attribute SOPInstanceUID"),
        ("JPEGLSNearLossless_08.dcm", "missing required attribute StudyInstanceUID"),
        ("GDCMJ2K_TextGBR.dcm", "missing required attribute Modality"),
        ("README.txt", "not a DICOM file"),
        ("zipMR.gz", "gzip-compressed"),
        ("DICOMDIR", "DICOMDIR index file"),
        ("DICOMDIR-bigEnd", "DICOMDIR index file"),
    ],
)
def test_malformed_corpus_files_are_skipped_with_the_reason(name: str, reason: str) -> None:
    result = _skipped(parse_dicom(corpus_file(name).read_bytes(), name, key=KEY))
    assert reason in result.reason
    assert result.display_name == name


def test_rtplan_intact_is_parsed_but_truncated_copy_is_not() -> None:
    intact = _parsed(parse_dicom(corpus_file("rtplan.dcm").read_bytes(), "a", key=KEY))
    assert intact.modality is Modality.RTPLAN and not intact.is_image


def test_bad_vr_file_keeps_its_metadata_and_drops_the_bad_value() -> None:
    result = _parsed(parse_dicom(corpus_file("badVR.dcm").read_bytes(), "badVR", key=KEY))
    assert result.modality is Modality.RTDOSE
    assert result.number_of_frames == 1  # '1A' is not a number


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"\x00" * 300, "not a DICOM file (it holds only zero bytes)"),
        (b"Patient notes\nThis is plain text, not an image.\n" * 20, "not a DICOM file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF document"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "picture file"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "picture file"),
        (gzip.compress(b"x" * 1000), "gzip-compressed"),
        (b"PK\x03\x04" + b"\x00" * 200, "zip archive"),
        (b"\x00" * 128 + b"DICM", "truncated DICOM file (it ends before the SOPInstanceUID"),
        (b"\x00" * 128 + b"DICM" + b"\x02\x00\x00\x00UL\x04\x00", "truncated"),
    ],
    ids=["empty", "zeros", "text", "pdf", "png", "jpeg", "gzip", "zip", "dicm-only", "meta-cut"],
)
def test_non_dicom_bytes_are_skipped(data: bytes, reason: str) -> None:
    result = _skipped(parse_dicom(data, "upload", key=KEY))
    assert reason in result.reason


def test_force_is_never_used_text_does_not_parse() -> None:
    text = b"(0010,0010) PN PatientName\n" * 50
    assert isinstance(parse_dicom(text, "t.txt", key=KEY), Skipped)


@pytest.mark.parametrize(
    "keyword", ["SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "Modality"]
)
def test_missing_required_attribute(keyword: str) -> None:
    ds = synth_datasets("MR", 1)[0]
    delattr(ds, keyword)
    result = _skipped(parse_dicom(dataset_to_bytes(ds), "x.dcm", key=KEY))
    assert result.reason == f"missing required attribute {keyword}"


@pytest.mark.parametrize(
    ("uid", "ok"),
    [
        ("1.2.840.10008.1.2", True),
        ("1.2.3." + "4" * 58, True),
        ("1.2.3." + "4" * 59, False),
        ("1.2.abc", False),
        ("1..2", False),
        (".1.2", False),
        ("1.2.", False),
        ("", False),
        ("1.2.840.0123", True),  # leading zero: not standard but written by real devices
    ],
)
def test_uid_validation(uid: str, ok: bool) -> None:
    assert is_valid_uid(uid) is ok


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_invalid_uid_is_skipped_with_the_attribute_named() -> None:
    ds = synth_datasets("MR", 1)[0]
    ds.StudyInstanceUID = "1.2.840.99999." + "9" * 60
    result = _skipped(parse_dicom(dataset_to_bytes(ds), "x.dcm", key=KEY))
    assert result.reason.startswith("invalid StudyInstanceUID")


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_invalid_modality_code_is_skipped() -> None:
    ds = synth_datasets("MR", 1)[0]
    ds.Modality = "M<R>"
    result = _skipped(parse_dicom(dataset_to_bytes(ds), "x.dcm", key=KEY))
    assert result.reason.startswith("invalid Modality")


def test_unknown_modality_code_maps_to_other_and_keeps_the_code() -> None:
    ds = synth_datasets("MR", 1)[0]
    ds.Modality = "REG"
    result = _parsed(parse_dicom(dataset_to_bytes(ds), "x.dcm", key=KEY))
    assert result.modality is Modality.OTHER and result.modality_code == "REG"


def test_truncation_anywhere_never_raises_and_pixel_cuts_are_detected() -> None:
    data = synth_series("MR", 1, rows=32, columns=32)[0]
    pixel_start = len(data) - 32 * 32 * 2
    for cut in range(0, len(data), 37):
        result = parse_dicom(data[:cut], f"cut{cut}", key=KEY)
        assert isinstance(result, ParsedInstance | Skipped)
        if cut > pixel_start:
            assert isinstance(result, Skipped) and "truncated" in result.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(parse_dicom(data, "r", key=KEY), ParsedInstance | Skipped)
    assert isinstance(
        parse_dicom(b"\x00" * 128 + b"DICM" + data, "r", key=KEY), ParsedInstance | Skipped
    )


_MUTATION_BASE = synth_series("CT", 1, rows=16, columns=16)[0]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_MUTATION_BASE) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    )
)
def test_corrupted_headers_never_raise(flips: list[tuple[int, int]]) -> None:
    data = bytearray(_MUTATION_BASE)
    for offset, value in flips:
        data[offset] = value
    assert isinstance(parse_dicom(bytes(data), "m", key=KEY), ParsedInstance | Skipped)


def test_short_key_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        parse_dicom(b"", "x", key=b"short")
    with pytest.raises(ValueError):
        patient_key_for("123", None, b"")


def test_parse_source_reads_files_and_passes_skips_through(tmp_path: Path) -> None:
    path = tmp_path / "one.dcm"
    path.write_bytes(synth_series("MR", 1)[0])
    assert isinstance(parse_source(SourceFile("one.dcm", path=path), key=KEY), ParsedInstance)
    gone = SourceFile("gone.dcm", path=tmp_path / "gone.dcm")
    assert "could not be read" in _skipped(parse_source(gone, key=KEY)).reason
    skip = Skipped("a", "b")
    assert parse_source(skip, key=KEY) is skip


# -- metadata ---------------------------------------------------------------------------


def test_mr_metadata() -> None:
    files = synth_series(
        "MR",
        3,
        series_description="SAG T2 TSE",
        body_part="LSPINE",
        series_number=4,
        study_description="MRI L-SPINE",
    )
    result = _parsed(parse_dicom(files[1], "mr.dcm", key=KEY))
    assert result.modality is Modality.MR
    assert result.sequence_hint is SequenceHint.T2
    assert result.body_region is BodyRegion.LUMBAR
    assert result.body_part_examined == "LSPINE"
    assert result.series_number == 4 and result.instance_number == 2
    assert result.series_description == "SAG T2 TSE"
    assert result.study_date is not None and result.study_date.isoformat() == "2025-01-15"
    assert result.study_time is not None and result.study_time.isoformat() == "09:30:00"
    assert result.sop_class_uid == "1.2.840.10008.5.1.4.1.1.4"
    assert result.rows == 64 and result.columns == 64 and result.number_of_frames == 1
    assert result.manufacturer == "SYNTHETIC" and result.manufacturer_model == "SynthMR 1000"
    assert not result.burned_in_annotation and not result.secondary_or_screen_capture
    assert result.thumbnail_allowed
    assert result.convolution_kernel == "" and result.radiopharmaceutical == ""


def test_mr_stir_from_inversion_time_only() -> None:
    data = synth_series("MR", 1, series_description="SAG 3", inversion_time=150.0)[0]
    assert _parsed(parse_dicom(data, "x", key=KEY)).sequence_hint is SequenceHint.STIR


def test_ct_metadata() -> None:
    data = synth_series("CT", 1, kernel="BONEPLUS", body_part="TSPINE")[0]
    result = _parsed(parse_dicom(data, "ct.dcm", key=KEY))
    assert result.modality is Modality.CT
    assert result.convolution_kernel == "BONEPLUS"
    assert result.body_region is BodyRegion.THORACIC
    assert result.sequence_hint is None


def test_ct_with_several_kernels() -> None:
    data = synth_series("CT", 1, extra={"ConvolutionKernel": ["I70f", "3"]})[0]
    assert _parsed(parse_dicom(data, "ct", key=KEY)).convolution_kernel == "I70f / 3"


def test_pet_metadata() -> None:
    data = synth_series("PT", 2)[1]
    raw = dcmread(__import__("io").BytesIO(data))
    assert raw.SOPClassUID == "1.2.840.10008.5.1.4.1.1.128" and raw.Units == "BQML"
    result = _parsed(parse_dicom(data, "pet.dcm", key=KEY))
    assert result.modality is Modality.PT
    assert result.sop_class_uid == "1.2.840.10008.5.1.4.1.1.128"
    assert result.radiopharmaceutical.startswith("Fluorodeoxyglucose")
    assert "Fluorine" in result.radiopharmaceutical
    assert result.body_region is BodyRegion.WHOLE_BODY


def test_pet_tracer_from_code_when_name_missing() -> None:
    ds = synth_datasets("PT", 1)[0]
    del ds.RadiopharmaceuticalInformationSequence[0].Radiopharmaceutical
    result = _parsed(parse_dicom(dataset_to_bytes(ds), "pet", key=KEY))
    assert result.radiopharmaceutical.startswith("Fluorodeoxyglucose F^18^")


def test_secondary_capture_flags() -> None:
    result = _parsed(parse_dicom(synth_secondary_capture(), "sc.dcm", key=KEY))
    assert result.burned_in_annotation and result.secondary_or_screen_capture
    assert not result.thumbnail_allowed


def test_multiframe_count() -> None:
    data = synth_series("MR", 1, frames=5, rows=8, columns=8)[0]
    assert _parsed(parse_dicom(data, "mf", key=KEY)).number_of_frames == 5


def test_corpus_ct_and_mr_metadata() -> None:
    ct = _parsed(parse_dicom(corpus_file("CT_small.dcm").read_bytes(), "ct", key=KEY))
    assert ct.modality is Modality.CT and ct.rows == 128
    cr = _parsed(parse_dicom(corpus_file("6154").read_bytes(), "cr", key=KEY))
    assert cr.modality is Modality.CR and cr.body_region is BodyRegion.CERVICAL
    mr = _parsed(parse_dicom(corpus_file("MR_small.dcm").read_bytes(), "mr", key=KEY))
    assert mr.modality is Modality.MR and mr.secondary_or_screen_capture  # DERIVED\SECONDARY


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    ("value", "expected"),
    [("20240131", "2024-01-31"), ("2024.01.31", "2024-01-31"), ("20241341", None), ("", None)],
)
def test_study_date_parsing(value: str, expected: str | None) -> None:
    data = synth_series("MR", 1, study_date=value)[0]
    result = _parsed(parse_dicom(data, "d", key=KEY))
    assert (result.study_date.isoformat() if result.study_date else None) == expected


# -- de-identification ------------------------------------------------------------------

IDENTIFIERS = {
    "PatientName": "DOE^JOHNATHAN^QUINCY",
    "PatientBirthDate": "19471103",
    "PatientAddress": "742 Evergreen Terrace, Springfield",
    "PatientID": "HOSP-99887766",
    "OtherPatientIDs": "ALT-55443322",
    "InstitutionName": "Saint Exemplary Hospital",
    "ReferringPhysicianName": "HOUSE^GREGORY",
    "IssuerOfPatientID": "ISSUER-XYZ",
    "AccessionNumber": "ACC778899",
    "PatientTelephoneNumbers": "555-0199",
    "OperatorsName": "TECH^TERESA",
    "StationName": "MRSTATION9",
    "InstitutionAddress": "1 Hospital Way, Springfield",
    "PatientSex": "M",
}


def _identifier_strings() -> list[str]:
    strings: list[str] = []
    for keyword, value in IDENTIFIERS.items():
        if keyword == "PatientSex":
            continue
        strings.append(value)
        strings.extend(part for part in value.replace(",", "^").split("^") if len(part) > 3)
    return strings


def test_parsed_instance_holds_no_identifiers() -> None:
    ds = synth_datasets("MR", 1, extra=IDENTIFIERS)[0]
    result = _parsed(parse_dicom(dataset_to_bytes(ds), "image-0001.dcm", key=KEY))
    blob = repr(result) + repr(dataclasses.asdict(result))
    for text in _identifier_strings():
        assert text not in blob, text
        assert text.lower() not in blob.lower(), text
    assert "1947-11-03" not in blob  # (random UIDs may contain short digit runs)
    assert result.patient_key == patient_key_for("HOSP-99887766", "ISSUER-XYZ", KEY)
    assert result.accession_key == accession_key_for("ACC778899", KEY)


def test_identifiers_in_descriptions_are_scrubbed() -> None:
    extra = dict(IDENTIFIERS)
    extra["StudyDescription"] = "MRI L-SPINE Doe Johnathan HOSP-99887766"
    extra["SeriesDescription"] = "SAG T2 for DOE ACC778899 19471103"
    ds = synth_datasets("MR", 1, extra=extra)[0]
    result = _parsed(parse_dicom(dataset_to_bytes(ds), "x", key=KEY))
    assert result.study_description == "MRI L-SPINE *** *** ***"
    assert result.series_description == "SAG T2 for *** *** ***"
    assert result.sequence_hint is SequenceHint.T2 and result.body_region is BodyRegion.LUMBAR


def test_patient_key_is_keyed_and_uses_the_issuer() -> None:
    a = patient_key_for("123", "HOSP", KEY)
    assert a == patient_key_for(" 123 ", "HOSP", KEY)
    assert a != patient_key_for("123", "OTHER", KEY)
    assert a != patient_key_for("123", "HOSP", b"another-key-of-enough-length")
    assert a is not None and len(a) == 64 and "123" not in a
    assert patient_key_for("", "HOSP", KEY) is None
    assert accession_key_for("123", KEY) != patient_key_for("123", "", KEY)


def test_file_without_patient_id_has_no_patient_key() -> None:
    ds = synth_datasets("CT", 1)[0]
    del ds.PatientID
    result = _parsed(parse_dicom(dataset_to_bytes(ds), "x", key=KEY))
    assert result.patient_key is None


def test_synthetic_patient_key_matches_helper() -> None:
    result = _parsed(parse_dicom(synth_series("MR", 1)[0], "x", key=KEY))
    assert result.patient_key == patient_key_for(SYNTHETIC_PATIENT_ID, "SYNTHETIC", KEY)


def test_display_name_is_kept_as_given() -> None:
    assert _parsed(parse_dicom(synth_series("MR", 1)[0], "a/b.dcm", key=KEY)).display_name == (
        "a/b.dcm"
    )


def test_control_characters_in_descriptions_are_removed() -> None:
    ds: Dataset = synth_datasets("MR", 1)[0]
    ds.SeriesDescription = "SAG\x07T2\x1b[31m"
    result = _parsed(parse_dicom(dataset_to_bytes(ds), "x", key=KEY))
    assert "\x1b" not in result.series_description and "\x07" not in result.series_description


# -- header-only fast path ----------------------------------------------------------------


def test_head_parse_agrees_with_whole_file_parse_over_the_corpus() -> None:
    from board.imaging.parse import parse_dicom_head

    from .helpers import corpus_files

    files = [Path(p).read_bytes() for p in corpus_files()]
    files += synth_series("MR", 2, rows=128, columns=128)
    decided = 0
    for index, data in enumerate(files):
        whole = parse_dicom(data, f"f{index}", key=KEY)
        for cut in (64, 1024, 4096, len(data) // 2, len(data) - 1):
            if not 0 < cut < len(data):
                continue
            head = parse_dicom_head(data[:cut], len(data), f"f{index}", key=KEY)
            if head is not None:
                decided += 1
                assert head == whole, (index, cut)
    assert decided > 20
