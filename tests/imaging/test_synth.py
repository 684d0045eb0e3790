"""The synthetic data API used by tests, the demo board and benchmarks."""

from __future__ import annotations

import io

import numpy as np
import pytest
from pydicom import dcmread

from board.imaging.enums import Modality
from board.imaging.synth import (
    SOP_CLASSES,
    SYNTHETIC_PATIENT_NAME,
    synth_datasets,
    synth_mr_spine_study,
    synth_secondary_capture,
    synth_series,
)


@pytest.mark.parametrize("modality", [m.value for m in SOP_CLASSES])
def test_every_preset_writes_valid_files(modality: str) -> None:
    files = synth_series(modality, 2)
    datasets = [dcmread(io.BytesIO(f)) for f in files]
    assert [d.InstanceNumber for d in datasets] == [1, 2]
    assert datasets[0].SeriesInstanceUID == datasets[1].SeriesInstanceUID
    assert datasets[0].SOPInstanceUID != datasets[1].SOPInstanceUID
    assert datasets[0].PatientName == SYNTHETIC_PATIENT_NAME
    assert datasets[0].SOPClassUID == SOP_CLASSES[Modality(modality)]
    assert datasets[0].pixel_array.shape == (64, 64)


def test_pet_preset() -> None:
    ds = dcmread(io.BytesIO(synth_series("PT", 1)[0]))
    assert ds.Modality == "PT" and ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.128"
    assert ds.Units == "BQML"
    info = ds.RadiopharmaceuticalInformationSequence[0]
    assert info.Radiopharmaceutical == "Fluorodeoxyglucose"


def test_secondary_capture_preset() -> None:
    ds = dcmread(io.BytesIO(synth_secondary_capture()))
    assert ds.BurnedInAnnotation == "YES" and list(ds.ImageType) == ["DERIVED", "SECONDARY"]


def test_study_shares_one_study_uid() -> None:
    files = synth_mr_spine_study(2, rows=16, columns=16)
    uids = {dcmread(io.BytesIO(f)).StudyInstanceUID for f in files}
    assert len(files) == 6 and len(uids) == 1


def test_given_pixels_and_frames() -> None:
    values = np.arange(12).reshape(3, 4)
    (ds,) = synth_datasets("MR", 1, rows=3, columns=4, pixel_values=values)
    np.testing.assert_array_equal(ds.pixel_array, values)
    with pytest.raises(ValueError, match="shape"):
        synth_datasets("MR", 1, rows=5, columns=4, pixel_values=values)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="no synthetic preset"):
        synth_series("SR", 1)
    with pytest.raises(ValueError):
        synth_series("MR", 0)
