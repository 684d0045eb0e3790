"""Enums, body-region normalisation and MR sequence hints."""

from __future__ import annotations

import pytest

from board.cases.levels import SpineRegion
from board.imaging.enums import BodyRegion, ImportStatus, Modality, SequenceHint, StudySource
from board.imaging.normalise import combine_regions, normalise_body_region, sequence_hint

C, T, L, S = BodyRegion.CERVICAL, BodyRegion.THORACIC, BodyRegion.LUMBAR, BodyRegion.SACRAL


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("MR", Modality.MR),
        (" ct ", Modality.CT),
        ("PT", Modality.PT),
        ("OT", Modality.OT),
        ("REG", Modality.OTHER),
        ("", Modality.OTHER),
        (None, Modality.OTHER),
        ("other", Modality.OTHER),
    ],
)
def test_modality_from_code(code: str | None, expected: Modality) -> None:
    assert Modality.from_code(code) is expected


def test_enums_are_str_and_labelled() -> None:
    assert Modality.PT == "PT" and Modality.PT.label == "PET"
    assert all(member.label for member in Modality)
    assert all(member.label for member in BodyRegion)
    assert all(member.label for member in SequenceHint)
    assert {s.value for s in ImportStatus} == {"imported", "duplicate", "skipped"}
    assert {s.value for s in StudySource} == {"upload", "pacs", "manual"}
    assert StudySource.PACS.label == "Hospital PACS"


def test_spine_regions_share_values_with_case_levels() -> None:
    for region in SpineRegion:
        assert BodyRegion(region.value).is_spine


# body part examined, descriptions..., expected
BODY_REGION_TABLE: list[tuple[str | None, tuple[str, ...], BodyRegion]] = [
    ("CSPINE", (), C),
    ("TSPINE", (), T),
    ("LSPINE", (), L),
    ("SSPINE", (), S),
    ("SACRUM", (), S),
    ("COCCYX", (), S),
    ("CTSPINE", (), BodyRegion.SPINE),
    ("TLSPINE", (), BodyRegion.SPINE),
    ("LSSPINE", (), L),
    ("SPINE", (), BodyRegion.SPINE),
    ("WHOLEBODY", (), BodyRegion.WHOLE_BODY),
    ("HEAD", (), BodyRegion.OTHER),
    ("CHEST", (), BodyRegion.OTHER),
    (None, (), BodyRegion.UNKNOWN),
    ("", ("",), BodyRegion.UNKNOWN),
    (None, ("MRI BRAIN",), BodyRegion.UNKNOWN),
    (None, ("MR C-SPINE W/O",), C),
    (None, ("c_spine sag t2",), C),
    (None, ("XR C Spine Comp Min 4 Views",), C),
    (None, ("MRT HWS nativ",), C),
    (None, ("MRT BWS",), T),
    (None, ("MRT LWS mit KM",), L),
    (None, ("T-SPINE",), T),
    (None, ("Thoracic spine",), T),
    (None, ("SAG T2 THORACIC", "SPINE"), T),
    (None, ("CT THORACIC",), BodyRegion.UNKNOWN),
    ("CHEST", ("CT THORACIC",), BodyRegion.OTHER),
    (None, ("L-SPINE",), L),
    (None, ("LUMBAR SPINE",), L),
    (None, ("L/S SPINE",), L),
    (None, ("Lumbosacral",), L),
    (None, ("MR SACRUM",), S),
    (None, ("Os sacrum",), S),
    (None, ("WHOLE SPINE",), BodyRegion.WHOLE_SPINE),
    (None, ("whole-spine screening",), BodyRegion.WHOLE_SPINE),
    (None, ("Ganze WS",), BodyRegion.WHOLE_SPINE),
    (None, ("Ganzwirbelsäule",), BodyRegion.WHOLE_SPINE),
    (None, ("HWS/BWS/LWS",), BodyRegion.WHOLE_SPINE),
    (None, ("C-SPINE", "T-SPINE", "L-SPINE"), BodyRegion.WHOLE_SPINE),
    (None, ("HWS BWS",), BodyRegion.SPINE),
    (None, ("CT SPINE",), BodyRegion.SPINE),
    (None, ("CT L-SPINE",), L),
    (None, ("CT C-SPINE",), C),
    (None, ("PET WB",), BodyRegion.WHOLE_BODY),
    (None, ("Whole Body",), BodyRegion.WHOLE_BODY),
    (None, ("SAG T1 T12-L1",), BodyRegion.UNKNOWN),
    ("LSPINE", ("MRI WHOLE SPINE",), BodyRegion.WHOLE_SPINE),
]


@pytest.mark.parametrize(("body_part", "descriptions", "expected"), BODY_REGION_TABLE)
def test_body_region_table(
    body_part: str | None, descriptions: tuple[str, ...], expected: BodyRegion
) -> None:
    assert normalise_body_region(body_part, *descriptions) is expected


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        ([], BodyRegion.UNKNOWN),
        ([L, L], L),
        ([L, S], L),
        ([C, T, L], BodyRegion.WHOLE_SPINE),
        ([C, T], BodyRegion.SPINE),
        ([BodyRegion.SPINE, C], C),
        ([BodyRegion.WHOLE_SPINE, C], BodyRegion.WHOLE_SPINE),
        ([BodyRegion.WHOLE_BODY, BodyRegion.OTHER], BodyRegion.WHOLE_BODY),
        ([BodyRegion.OTHER, BodyRegion.UNKNOWN], BodyRegion.OTHER),
    ],
)
def test_combine_regions(regions: list[BodyRegion], expected: BodyRegion) -> None:
    assert combine_regions(regions) is expected


SEQUENCE_TABLE: list[tuple[dict[str, object], SequenceHint | None]] = [
    ({"series_description": "SAG T1 TSE"}, SequenceHint.T1),
    ({"series_description": "t1_tse_sag"}, SequenceHint.T1),
    ({"series_description": "T1W_TSE"}, SequenceHint.T1),
    ({"series_description": "SAG T1 +C"}, SequenceHint.T1_CONTRAST),
    ({"series_description": "T1 FS POST GD"}, SequenceHint.T1_CONTRAST),
    ({"series_description": "t1_tse_sag KM"}, SequenceHint.T1_CONTRAST),
    ({"series_description": "SAG T1", "contrast_agent": "Gadovist"}, SequenceHint.T1_CONTRAST),
    ({"series_description": "SAG T2 TSE"}, SequenceHint.T2),
    ({"series_description": "t2_tse_sag_384"}, SequenceHint.T2),
    ({"series_description": "T2W"}, SequenceHint.T2),
    ({"series_description": "SAG STIR"}, SequenceHint.STIR),
    ({"series_description": "T2 STIR SAG"}, SequenceHint.STIR),
    ({"series_description": "t2_tirm_sag"}, SequenceHint.STIR),
    ({"series_description": "ep2d_diff_tra"}, SequenceHint.DWI),
    ({"series_description": "DWI b800"}, SequenceHint.DWI),
    ({"series_description": "ADC"}, SequenceHint.DWI),
    ({"series_description": "AX FLAIR"}, SequenceHint.FLAIR),
    ({"series_description": "PD FS COR"}, SequenceHint.PD),
    ({"series_description": "T2* MEDIC"}, None),
    ({"series_description": "SAG T12-L1 LOCALIZER"}, None),
    ({"protocol_name": "T1_SAG"}, SequenceHint.T1),
    ({"series_description": "SAG", "protocol_name": "t2_tse"}, SequenceHint.T2),
    ({"sequence_name": "*ep_b1000t"}, SequenceHint.DWI),
    ({"scanning_sequence": "SE\\IR", "inversion_time": 160.0}, SequenceHint.STIR),
    ({"scanning_sequence": ["IR"], "inversion_time": 2500.0}, SequenceHint.FLAIR),
    ({"scanning_sequence": ["IR"], "inversion_time": 900.0}, None),
    ({"scanning_sequence": "SE", "repetition_time": 550.0, "echo_time": 10.0}, SequenceHint.T1),
    ({"scanning_sequence": "SE", "repetition_time": 3500.0, "echo_time": 100.0}, SequenceHint.T2),
    ({"scanning_sequence": "SE", "repetition_time": 3000.0, "echo_time": 20.0}, SequenceHint.PD),
    ({"scanning_sequence": "GR", "repetition_time": 550.0, "echo_time": 10.0}, None),
    ({"scanning_sequence": "SE"}, None),
    ({}, None),
]


@pytest.mark.parametrize(("fields", "expected"), SEQUENCE_TABLE)
def test_sequence_hint_table(fields: dict[str, object], expected: SequenceHint | None) -> None:
    assert sequence_hint(**fields) is expected  # type: ignore[arg-type]
