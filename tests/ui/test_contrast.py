"""The theme's colours meet WCAG 2.1 AA contrast (computed from .streamlit/config.toml).

The browser test (tests/e2e/test_accessibility_browser.py) measures the drawn page with
axe-core; this one fails at once, without a browser, when a theme colour is changed to
one that cannot pass: Streamlit draws captions, help and hints in the text colour at
60 % opacity, coloured text (``:red[...]``) in the theme's ``*TextColor``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from board.ui.accessibility import FOCUS_COLOUR

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
#: Streamlit's light theme: the page and the sidebar.
BACKGROUNDS = ("#ffffff", "#f0f2f6")
CAPTION_OPACITY = 0.6


RGB = tuple[float, float, float]


def _rgb(colour: str) -> RGB:
    text = colour.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _luminance(colour: RGB) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: RGB, background: RGB) -> float:
    """The WCAG 2.1 contrast ratio of two sRGB colours."""
    high, low = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _over(colour: str, background: str, opacity: float) -> RGB:
    """``colour`` drawn at ``opacity`` over ``background``."""
    (fr, fg, fb), (br, bg, bb) = _rgb(colour), _rgb(background)
    return (
        opacity * fr + (1 - opacity) * br,
        opacity * fg + (1 - opacity) * bg,
        opacity * fb + (1 - opacity) * bb,
    )


THEME = tomllib.loads(CONFIG.read_text("utf-8"))["theme"]


def test_the_contrast_formula_matches_wcag_reference_values() -> None:
    assert contrast(_rgb("#000000"), _rgb("#ffffff")) == pytest.approx(21.0)
    assert contrast(_rgb("#767676"), _rgb("#ffffff")) == pytest.approx(4.54, abs=0.01)
    # Streamlit's default text colour gave captions 3.7:1: the finding this theme fixes
    assert contrast(_over("#31333f", "#ffffff", CAPTION_OPACITY), _rgb("#ffffff")) < 4.5


@pytest.mark.parametrize("background", BACKGROUNDS)
def test_captions_and_body_text_reach_4_5_to_1(background: str) -> None:
    text = THEME["textColor"]
    assert contrast(_rgb(text), _rgb(background)) >= 7
    assert contrast(_over(text, background, CAPTION_OPACITY), _rgb(background)) >= 4.5


@pytest.mark.parametrize("background", BACKGROUNDS)
@pytest.mark.parametrize("name", ["red", "orange", "yellow", "green", "blue", "violet", "gray"])
def test_coloured_text_reaches_4_5_to_1(name: str, background: str) -> None:
    assert contrast(_rgb(THEME[f"{name}TextColor"]), _rgb(background)) >= 4.5


@pytest.mark.parametrize("background", BACKGROUNDS)
def test_the_focus_outline_reaches_3_to_1(background: str) -> None:
    assert contrast(_rgb(FOCUS_COLOUR), _rgb(background)) >= 3
