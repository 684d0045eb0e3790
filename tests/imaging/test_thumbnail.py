"""Thumbnails: windowing, MONOCHROME1, multi-frame, colour, refusals, compressed data."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.pixels import get_decoder
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID, RLELossless

from board.imaging.synth import (
    dataset_to_bytes,
    synth_datasets,
    synth_secondary_capture,
    synth_series,
)
from board.imaging.thumbnail import (
    Thumbnail,
    ThumbnailRefused,
    make_thumbnail,
    percentile_window,
    refusal_reason,
    select_middle_instance,
)

from .helpers import corpus_file, corpus_files, corpus_id


def _thumb(data: bytes, max_size: int = 256) -> Thumbnail:
    result = make_thumbnail(data, max_size)
    assert isinstance(result, Thumbnail), getattr(result, "reason", result)
    return result


def _pixels(thumb: Thumbnail) -> np.ndarray:
    image = Image.open(io.BytesIO(thumb.png_bytes))
    assert image.format == "PNG"
    return np.asarray(image)


def _linear(values: np.ndarray, center: float, width: float) -> np.ndarray:
    """DICOM PS3.3 C.11.2.1.2.1 LINEAR window to 0..255, written out independently."""
    c, w = center - 0.5, width - 1
    out = ((values - c) / w + 0.5) * 255.0
    out = np.where(values <= c - w / 2, 0, out)
    out = np.where(values > c + w / 2, 255, out)
    return np.clip(np.rint(out), 0, 255)


# -- windowing --------------------------------------------------------------------------


def test_window_from_header_is_applied_exactly() -> None:
    values = np.array([[0, 40, 50, 60, 80, 99, 100, 101, 120, 140, 150, 160, 400, 4000]] * 4)
    data = synth_series(
        "MR",
        1,
        rows=4,
        columns=values.shape[1],
        pixel_values=values,
        window=(100, 100),
        extra={"PixelSpacing": [1.0, 1.0]},
    )[0]
    out = _pixels(_thumb(data))
    assert out.shape == values.shape
    np.testing.assert_allclose(out[0], _linear(values[0].astype(float), 100, 100), atol=1)
    assert out[0, 0] == 0 and out[0, -1] == 255


def test_ct_rescale_then_window_in_hounsfield_units() -> None:
    hu = np.array([[-1000, -160, 40, 240, 1000]] * 2)
    stored = hu + 1024  # the CT preset writes intercept -1024
    data = synth_series(
        "CT",
        1,
        rows=2,
        columns=5,
        pixel_values=stored,
        window=(40, 400),
        extra={"PixelSpacing": [1.0, 1.0]},
    )[0]
    out = _pixels(_thumb(data))
    np.testing.assert_allclose(out[0], _linear(hu[0].astype(float), 40, 400), atol=1)
    assert out[0, 2] in (127, 128, 129)


def test_percentile_window_without_header_window() -> None:
    values = np.arange(10000).reshape(100, 100)
    data = synth_series("MR", 1, rows=100, columns=100, pixel_values=values)[0]
    out = _pixels(_thumb(data)).astype(int)
    assert out.min() == 0 and out.max() == 255
    low, high = np.percentile(values, [1, 99])
    expected = np.clip(np.rint((values - low) * 255 / (high - low)), 0, 255)
    np.testing.assert_allclose(out, expected, atol=1)


def test_percentile_window_of_a_flat_image_is_black() -> None:
    assert not percentile_window(np.full((4, 4), 7.0)).any()


def test_voi_lut_sequence_is_used() -> None:
    values = np.arange(256).reshape(16, 16)
    ds = synth_datasets("MR", 1, rows=16, columns=16, pixel_values=values)[0]
    item = Dataset()
    item.LUTDescriptor = [256, 0, 8]
    item.LUTData = list(range(255, -1, -1))  # an inverting LUT
    item["LUTData"].VR = "US"
    ds.VOILUTSequence = DicomSequence([item])
    out = _pixels(_thumb(dataset_to_bytes(ds))).astype(int)
    np.testing.assert_array_equal(out, 255 - values)


def test_monochrome1_is_inverted() -> None:
    values = np.tile(np.arange(0, 1000, 10), (10, 1))
    mono2 = _pixels(
        _thumb(
            synth_series(
                "MR",
                1,
                rows=10,
                columns=100,
                pixel_values=values,
                extra={"PixelSpacing": [1.0, 1.0]},
            )[0]
        )
    )
    data = synth_series(
        "MR",
        1,
        rows=10,
        columns=100,
        pixel_values=values,
        photometric="MONOCHROME1",
        extra={"PixelSpacing": [1.0, 1.0]},
    )[0]
    mono1 = _pixels(_thumb(data))
    brightest = np.unravel_index(np.argmax(values), values.shape)
    darkest = np.unravel_index(np.argmin(values), values.shape)
    assert mono1[brightest] == 0  # the highest stored value is displayed darkest
    assert mono1[darkest] == 255
    np.testing.assert_array_equal(mono1.astype(int), 255 - mono2.astype(int))


def test_corpus_monochrome1_cr_renders() -> None:
    data = corpus_file("6154").read_bytes()
    assert dcmread(io.BytesIO(data)).PhotometricInterpretation == "MONOCHROME1"
    assert _thumb(data).width > 0


# -- geometry and multi-frame ----------------------------------------------------------


def test_large_image_is_reduced_and_small_one_is_not_enlarged() -> None:
    big = _thumb(synth_series("MR", 1, rows=512, columns=512)[0])
    assert (big.width, big.height) == (256, 256)
    small = _thumb(synth_series("MR", 1, rows=40, columns=60)[0])
    assert (small.width, small.height) == (60, 40)
    assert max(_thumb(synth_series("MR", 1, rows=512, columns=256)[0], 128).width, 0) == 64


def test_non_square_pixels_keep_the_physical_aspect() -> None:
    data = synth_series("MR", 1, rows=100, columns=100, extra={"PixelSpacing": [2.0, 1.0]})[0]
    thumb = _thumb(data)
    assert (thumb.width, thumb.height) == (50, 100)


def test_multiframe_uses_the_middle_frame() -> None:
    frames = np.stack([np.full((8, 8), 100 * (i + 1)) for i in range(5)])  # 100..500
    data = synth_series(
        "MR", 1, rows=8, columns=8, frames=5, pixel_values=frames, window=(300, 401)
    )[0]
    thumb = _thumb(data)
    assert thumb.frame_index == 2
    expected = _linear(np.array([300.0]), 300, 401)[0]
    assert abs(int(_pixels(thumb)[0, 0]) - expected) <= 1


def test_png_carries_no_metadata() -> None:
    image = Image.open(io.BytesIO(_thumb(synth_series("MR", 1)[0]).png_bytes))
    assert not {k for k in image.info if k not in ("dpi", "gamma")}


# -- colour ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["examples_rgb_color.dcm", "examples_ybr_color.dcm", "examples_palette.dcm"]
)
def test_colour_images_pass_through_as_rgb(name: str) -> None:
    out = _pixels(_thumb(corpus_file(name).read_bytes()))
    assert out.ndim == 3 and out.shape[2] == 3


# -- refusals -------------------------------------------------------------------------


def test_burned_in_annotation_is_refused() -> None:
    data = synth_series("MR", 1, burned_in_annotation=True)[0]
    result = make_thumbnail(data)
    assert isinstance(result, ThumbnailRefused) and "burned-in annotation" in result.reason


def test_secondary_capture_is_refused() -> None:
    result = make_thumbnail(synth_secondary_capture(burned_in_annotation=False))
    assert isinstance(result, ThumbnailRefused) and "secondary or screen capture" in result.reason


def test_secondary_image_type_is_refused() -> None:
    data = synth_series("CT", 1, extra={"ImageType": ["DERIVED", "SECONDARY", "MPR"]})[0]
    result = make_thumbnail(data)
    assert isinstance(result, ThumbnailRefused) and "SECONDARY" in result.reason


def test_refusal_reason_helper() -> None:
    assert refusal_reason(burned_in_annotation=False) is None
    assert refusal_reason(burned_in_annotation=False, image_type=["ORIGINAL", "PRIMARY"]) is None
    assert refusal_reason(burned_in_annotation=False, image_type=["SCREEN CAPTURE"])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a DICOM file"),
        (b"hello", "not a DICOM file"),
    ],
)
def test_non_dicom_is_refused(data: bytes, reason: str) -> None:
    result = make_thumbnail(data)
    assert isinstance(result, ThumbnailRefused) and reason in result.reason


def test_object_without_pixels_is_refused() -> None:
    result = make_thumbnail(corpus_file("rtplan.dcm").read_bytes())
    assert isinstance(result, ThumbnailRefused) and "no image" in result.reason


def test_truncated_pixel_data_is_refused() -> None:
    data = synth_series("MR", 1, rows=64, columns=64)[0]
    result = make_thumbnail(data[:-1000])
    assert isinstance(result, ThumbnailRefused)


def test_oversized_frame_is_refused() -> None:
    data = synth_series("MR", 1, rows=64, columns=64)[0]
    result = make_thumbnail(data, max_pixels=1000)
    assert isinstance(result, ThumbnailRefused) and "too large" in result.reason


# -- compressed transfer syntaxes -----------------------------------------------------

COMPRESSED = [
    "JPEG-lossy.dcm",
    "JPGExtended.dcm",
    "JPEG2000.dcm",
    "MR_small_jp2klossless.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "JPEGLSNearLossless_16.dcm",
    "MR_small_RLE.dcm",
    "SC_rgb_jpeg_dcmtk.dcm",
    "SC_rgb_jpeg_gdcm.dcm",
    "SC_rgb_rle.dcm",
    "examples_jpeg2k.dcm",
    "693_J2KI.dcm",
    "J2K_pixelrep_mismatch.dcm",
    "rtdose_rle.dcm",
    "SC_rgb_gdcm_KY.dcm",
]


def _as_primary_image(path: Path) -> tuple[bytes, UID]:
    """The corpus file made thumbnail-eligible (ORIGINAL/PRIMARY, not a capture)."""
    ds = dcmread(path)
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    if "BurnedInAnnotation" in ds:
        del ds.BurnedInAnnotation
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return buffer.getvalue(), ds.file_meta.TransferSyntaxUID


@pytest.mark.parametrize("name", COMPRESSED)
def test_compressed_syntaxes_give_a_thumbnail_or_a_reason(name: str) -> None:
    data, syntax = _as_primary_image(corpus_file(name))
    assert syntax.is_compressed
    result = make_thumbnail(data)
    if isinstance(result, ThumbnailRefused):
        assert result.reason.startswith("no thumbnail:")
        if not get_decoder(syntax).is_available:
            assert "no decoder for it is installed" in result.reason
            assert syntax.name in result.reason
    else:
        assert _pixels(result).size > 0


@pytest.mark.parametrize(
    "name",
    ["MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "SC_rgb_jpeg_dcmtk.dcm", "JPEG2000.dcm"],
)
def test_installed_decoders_give_thumbnails(name: str) -> None:
    data, _ = _as_primary_image(corpus_file(name))
    _thumb(data)


def test_synthetic_rle_thumbnail_matches_uncompressed() -> None:
    values = np.arange(64 * 64).reshape(64, 64) % 1000
    plain = _pixels(_thumb(synth_series("MR", 1, pixel_values=values)[0]))
    rle = _pixels(
        _thumb(synth_series("MR", 1, pixel_values=values, transfer_syntax=RLELossless)[0])
    )
    np.testing.assert_array_equal(plain, rle)


@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_every_corpus_file_gives_a_thumbnail_or_a_reason(path: str) -> None:
    result = make_thumbnail(Path(path).read_bytes())
    assert isinstance(result, Thumbnail | ThumbnailRefused)
    if isinstance(result, ThumbnailRefused):
        assert result.reason.startswith("no thumbnail:")


# -- middle instance ------------------------------------------------------------------


@dataclass
class _Item:
    instance_number: int | None
    sop_instance_uid: str


def test_select_middle_instance_by_instance_number() -> None:
    items = [_Item(n, f"1.{n}") for n in (5, 1, 3, 2, 4)]
    middle = select_middle_instance(items)
    assert middle is not None and middle.instance_number == 3
    even = select_middle_instance([_Item(n, f"1.{n}") for n in (4, 1, 3, 2)])
    assert even is not None and even.instance_number == 3
    assert select_middle_instance([]) is None
    unnumbered = [_Item(None, "1.9"), _Item(1, "1.1"), _Item(None, "1.8")]
    chosen = select_middle_instance(unnumbered)
    assert chosen is not None and chosen.sop_instance_uid == "1.8"
