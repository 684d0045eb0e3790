"""The series viewer's pure parts: window presets, windowing, decoding, the bounded cache."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pydicom import dcmread

from board.errors import ValidationError
from board.imaging.synth import synth_series
from board.imaging.thumbnail import Thumbnail, ThumbnailRefused, make_thumbnail
from board.imaging.viewer import (
    CT_PRESETS,
    Frame,
    FrameCache,
    Window,
    WindowPreset,
    apply_window,
    decode_frames,
    presets_for,
    render_frame,
    window_frame,
)

# (preset, Hounsfield value, expected grey 0-255)
CT_ROWS = [
    # bone: level 400, width 1800 -> -500 black, 1300 white
    (WindowPreset.BONE, -1000, 0),
    (WindowPreset.BONE, -500, 0),
    (WindowPreset.BONE, 400, 128),  # 127.5 rounds to even
    (WindowPreset.BONE, 850, 191),  # (850 + 500) * 255 / 1800 = 191.25
    (WindowPreset.BONE, 1300, 255),
    (WindowPreset.BONE, 3000, 255),
    # soft tissue: level 40, width 400 -> -160 black, 240 white
    (WindowPreset.SOFT_TISSUE, -160, 0),
    (WindowPreset.SOFT_TISSUE, -1000, 0),
    (WindowPreset.SOFT_TISSUE, 40, 128),
    (WindowPreset.SOFT_TISSUE, 0, 102),  # 160 * 255 / 400 = 102
    (WindowPreset.SOFT_TISSUE, 240, 255),
    (WindowPreset.SOFT_TISSUE, 400, 255),
    # lung: level -600, width 1500 -> -1350 black, 150 white
    (WindowPreset.LUNG, -1350, 0),
    (WindowPreset.LUNG, -1000, 60),  # 350 * 255 / 1500 = 59.5 -> 60
    (WindowPreset.LUNG, -600, 128),
    (WindowPreset.LUNG, 150, 255),
    (WindowPreset.LUNG, 1000, 255),
]


@pytest.mark.parametrize(("preset", "value", "grey"), CT_ROWS)
def test_ct_presets_map_hounsfield_units(preset: WindowPreset, value: float, grey: int) -> None:
    frame = Frame(np.array([[value]], dtype=np.float32))
    pixels, words = window_frame(frame, preset)
    assert pixels.dtype == np.uint8
    assert int(pixels[0, 0]) == grey
    assert words.startswith(preset.label)


@pytest.mark.parametrize(
    ("preset", "level", "width"),
    [
        (WindowPreset.BONE, 400, 1800),
        (WindowPreset.SOFT_TISSUE, 40, 400),
        (WindowPreset.LUNG, -600, 1500),
    ],
)
def test_preset_values(preset: WindowPreset, level: float, width: float) -> None:
    assert CT_PRESETS[preset] == Window(level, width)
    assert CT_PRESETS[preset].label == f"level {level:g} / width {width:g}"


@pytest.mark.parametrize(
    ("modality", "expected"),
    [
        ("CT", (WindowPreset.BONE, WindowPreset.SOFT_TISSUE, WindowPreset.LUNG, WindowPreset.AUTO)),
        ("ct", (WindowPreset.BONE, WindowPreset.SOFT_TISSUE, WindowPreset.LUNG, WindowPreset.AUTO)),
        ("MR", (WindowPreset.AUTO,)),
        ("PT", (WindowPreset.AUTO,)),
        ("XYZ", (WindowPreset.AUTO,)),
        ("", (WindowPreset.AUTO,)),
    ],
)
def test_presets_offered_per_modality(modality: str, expected: tuple[WindowPreset, ...]) -> None:
    assert presets_for(modality) == expected


@pytest.mark.parametrize(
    ("level", "width", "message"),
    [
        (40, 0, "more than 0"),
        (40, -10, "more than 0"),
        (float("nan"), 400, "numbers"),
        (40, float("inf"), "numbers"),
    ],
)
def test_window_rejects_bad_values(level: float, width: float, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Window(level, width)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 100, 200, 300, 400], [0, 64, 128, 191, 255]),  # linear between the ends
        ([-50, 0, 400, 450], [0, 0, 255, 255]),  # clipped outside
        ([float("nan"), 200], [0, 128]),  # NaN shows black
    ],
)
def test_apply_window_table(values: list[float], expected: list[int]) -> None:
    out = apply_window(np.array(values, dtype=np.float32), Window(200, 400))
    assert out.tolist() == expected


def test_automatic_window_uses_the_slice_percentiles_and_ignores_outliers() -> None:
    values = np.tile(np.linspace(100, 600, 100, dtype=np.float32), (100, 1))
    values[0, 0] = 100_000  # one hot pixel must not flatten the picture
    pixels, words = window_frame(Frame(values), WindowPreset.AUTO)
    assert words.startswith("Automatic")
    assert pixels[50, 0] == 0 and pixels[50, 99] == 255
    assert 100 < int(pixels[50, 50]) < 160


def test_auto_on_a_flat_slice_is_black_not_an_error() -> None:
    pixels, _ = window_frame(Frame(np.full((8, 8), 42, np.float32)), WindowPreset.AUTO)
    assert not pixels.any()


@pytest.mark.parametrize(
    ("invert", "value", "grey"), [(False, 240, 255), (True, 240, 0), (True, -160, 255)]
)
def test_monochrome1_is_inverted(invert: bool, value: float, grey: int) -> None:
    frame = Frame(np.array([[value]], np.float32), invert=invert)
    assert int(window_frame(frame, WindowPreset.SOFT_TISSUE)[0][0, 0]) == grey


def test_colour_frames_pass_through_unwindowed() -> None:
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[..., 0] = 200
    pixels, words = window_frame(Frame(rgb), WindowPreset.BONE)
    assert pixels is rgb and "colour" in words


def test_decode_ct_applies_the_rescale_to_hounsfield_units() -> None:
    data = synth_series("CT", 1, rows=32, columns=32)[0]
    ds = dcmread(io.BytesIO(data))
    stored = ds.pixel_array.astype(np.float64)
    (frame,) = decode_frames(ds)
    expected = stored * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    assert frame.values.dtype == np.float32 and frame.values.shape == (32, 32)
    assert np.allclose(frame.values, expected)
    assert frame.nbytes == 32 * 32 * 4


def test_decode_multiframe_gives_every_frame() -> None:
    data = synth_series("MR", 1, rows=16, columns=16, frames=3)[0]
    frames = decode_frames(dcmread(io.BytesIO(data)))
    assert len(frames) == 3
    assert [float(f.values[0, 0]) for f in frames] == [0.0, 10.0, 20.0]


def test_decode_refuses_an_instance_without_pixels() -> None:
    data = synth_series("CT", 1, rows=8, columns=8)[0]
    ds = dcmread(io.BytesIO(data))
    del ds.PixelData
    with pytest.raises(ValidationError, match="no pixel data"):
        decode_frames(ds)


def test_render_frame_makes_a_png_with_square_pixels() -> None:
    frame = Frame(np.zeros((10, 20), np.float32), aspect=2.0)  # rows 2 mm apart, columns 1 mm
    png, width, height, _ = render_frame(frame, WindowPreset.AUTO)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (20, 20) == (width, height)


def test_key_image_of_a_chosen_frame_and_of_a_frame_that_is_not_there() -> None:
    data = synth_series("MR", 1, rows=16, columns=16, frames=3)[0]
    chosen = make_thumbnail(data, frame=0)
    middle = make_thumbnail(data)
    assert isinstance(chosen, Thumbnail) and isinstance(middle, Thumbnail)
    assert (chosen.frame_index, middle.frame_index) == (0, 1)
    missing = make_thumbnail(data, frame=3)
    assert isinstance(missing, ThumbnailRefused) and "no frame 4" in missing.reason


# -- the cache bound ------------------------------------------------------------------


def _frame(nbytes: int) -> Frame:
    return Frame(np.zeros(nbytes, dtype=np.uint8))


@settings(max_examples=200, deadline=None)
@given(
    bound=st.integers(min_value=0, max_value=4096),
    puts=st.lists(
        st.tuples(st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=2048)),
        max_size=60,
    ),
)
def test_cache_never_holds_more_than_its_bound(bound: int, puts: list[tuple[int, int]]) -> None:
    cache = FrameCache(bound)
    for name, size in puts:
        key = ("1.2", "1.2.3", f"1.2.3.{name}", 0)
        kept = cache.put(key, _frame(size))
        held = [cache.get(k) for k in cache.held_keys()]
        assert cache.bytes_used == sum(f.nbytes for f in held if f is not None)
        assert cache.bytes_used <= bound
        # What fits is kept (the newest frame is never the one dropped) ...
        assert kept == (size <= bound)
        assert (key in cache) == kept
        # ... and what does not fit alone is refused, leaving the rest as it was.


@settings(max_examples=100, deadline=None)
@given(sizes=st.lists(st.integers(min_value=1, max_value=100), min_size=2, max_size=30))
def test_cache_drops_the_least_recently_used_first(sizes: list[int]) -> None:
    bound = 150
    cache = FrameCache(bound)
    order: list[tuple[str, str, str, int]] = []
    for index, size in enumerate(sizes):
        key = ("1.2", "1.2.3", f"1.2.3.{index}", 0)
        cache.put(key, _frame(size))
        order.append(key)
        if index % 3 == 2:  # viewing an older frame makes it recent again
            first = next(cache.held_keys())
            cache.get(first)
            order.remove(first)
            order.append(first)
    held = list(cache.held_keys())
    # The frames held are the most recently used ones, in the same order.
    assert held == order[len(order) - len(held) :]
    assert sum(sizes[int(k[2].rsplit(".", 1)[1])] for k in held) == cache.bytes_used <= bound


def test_cache_bound_cannot_be_negative() -> None:
    with pytest.raises(ValidationError, match="0 bytes or more"):
        FrameCache(-1)
