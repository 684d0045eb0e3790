"""The report's DejaVu font is parsed once per process; every PDF still embeds its own subset."""

from __future__ import annotations

from typing import Any

import pytest
from fpdf.fonts import TTFFont

from board.reports import pdf as pdf_module
from board.reports.pdf import render_pdf
from tests.reports.helpers import minimal_report, pypdf_text

FIRST = "Zoë Ångström-Müller, ≥ 5 µg"
# letters the first document does not use: its embedded subset lacks them
SECOND = "Wilhelm Ørsted, Ω ≤ 3 Gy, Straße"


def test_the_font_is_parsed_once_and_each_pdf_keeps_its_own_glyphs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[str] = []
    original = TTFFont.__init__

    def counting(self: TTFFont, fpdf: Any, path: Any, fontkey: str, *args: Any, **kw: Any) -> None:
        parsed.append(fontkey)
        original(self, fpdf, path, fontkey, *args, **kw)

    monkeypatch.setattr(TTFFont, "__init__", counting)
    pdf_module._parsed_fonts.cache_clear()

    first = render_pdf(minimal_report(referral_question=FIRST))
    assert parsed == ["dejavu", "dejavuB"]  # regular and bold, parsed for the first PDF
    second = render_pdf(minimal_report(referral_question=SECOND))
    again = render_pdf(minimal_report(referral_question=FIRST))
    assert parsed == ["dejavu", "dejavuB"]  # not parsed again

    assert FIRST in pypdf_text(first) and FIRST in pypdf_text(again)
    assert SECOND in pypdf_text(second)
    assert "Spine tumor board report: TB-X" in pypdf_text(second)  # bold face too
    for document in (first, second, again):
        assert document.startswith(b"%PDF-") and b"/FontFile2" in document
