"""Report layout: the PDF's scores in a compact table, the HTML imaging table fits its column."""

from __future__ import annotations

import re

import pytest

from board.assessments.derive import DerivedScore, Sourced
from board.reports.html import BREAK_EVERY, breakable, render_html
from board.reports.model import ImagingRow, compact_input, short_citation
from board.reports.pdf import render_pdf
from tests.reports.helpers import minimal_report, pypdf_text

ONCOLOGIST = "Medical oncologist (Dr Maya Okafor)"
REASONING = "Grid (N x O): low-grade ESCC with a radiosensitive histology: cEBRT."
TOKUHASHI = DerivedScore(
    key="tokuhashi",
    name="revised Tokuhashi score",
    algorithm_id="tokuhashi-2005",
    complete=True,
    value="14",
    category="predicted survival 1 year or more",
    summary="14: predicted survival 1 year or more",
    missing=(),
    inputs=(
        Sourced("general condition", "Karnofsky 80%: good (Karnofsky 80-100%)", ONCOLOGIST, 2),
        Sourced(
            "primary site", "Breast: thyroid, breast, prostate, carcinoid tumour", ONCOLOGIST, 5
        ),
        Sourced("extraspinal bone metastases", "1 focus", ONCOLOGIST, 1),
    ),
    source=(
        'Tokuhashi Y et al., "A revised scoring system for preoperative evaluation of '
        'metastatic spine tumor prognosis", Spine 2005;30(19):2186-91.'
    ),
    notes=(REASONING,),
    components=(
        f"general condition: Karnofsky 80%: good (Karnofsky 80-100%) (2 points), {ONCOLOGIST}",
        REASONING,
    ),
)
NESMS_INPUTS = (
    Sourced("modified Bauer: no visceral metastases", "no visceral metastases", ONCOLOGIST, 1),
    Sourced("modified Bauer score (3-4: 2 points, 0-2: 0)", "3 of 4", "", 2),
    Sourced("serum albumin 3.5 g/dL (35 g/L) or more", "unknown", ""),
)


def _section(text: str, title: str, following: str) -> str:
    return text[text.index(title) : text.index(following)]


def test_the_pdf_scores_are_one_short_row_each() -> None:
    report = minimal_report(scores=(TOKUHASHI,))
    scores = " ".join(
        _section(pypdf_text(render_pdf(report)), "Scores\n", "NOMS suggestion").split()
    )
    assert "Score Result Key inputs Source" in scores
    assert "14, predicted survival 1 year or more" in scores
    assert (
        "general condition: Karnofsky 80% (2 points); primary site: Breast (5 points); "
        "extraspinal bone metastases: 1 focus (1 point)"
    ) in scores
    assert "Tokuhashi Y et al., Spine 2005" in scores
    # the long lines stay in the full listing (HTML report, Scores tab)
    assert "Dr Maya Okafor" not in scores and "Grid (N x O)" not in scores
    assert "revised scoring system" not in scores and "Components" not in scores
    html = render_html(report)
    assert "Dr Maya Okafor" in html and "Grid (N x O)" in html


@pytest.mark.parametrize(
    ("item", "text"),
    [
        (TOKUHASHI.inputs[0], "general condition: Karnofsky 80% (2 points)"),
        (TOKUHASHI.inputs[2], "extraspinal bone metastases: 1 focus (1 point)"),
        (NESMS_INPUTS[0], "no visceral metastases (1 point)"),
        (NESMS_INPUTS[1], "modified Bauer score: 3 of 4 (2 points)"),
        (NESMS_INPUTS[2], "serum albumin 3.5 g/dL or more: unknown"),
        (Sourced("T8", "2: stable", "Radiologist", 2), "T8: 2"),
        (Sourced("ESCC grade", "1a", "Radiologist"), "ESCC grade: 1a"),
    ],
)
def test_an_input_in_a_few_words(item: Sourced, text: str) -> None:
    assert compact_input(item) == text


@pytest.mark.parametrize(
    ("source", "short"),
    [
        (TOKUHASHI.source, "Tokuhashi Y et al., Spine 2005"),
        (
            'Ghori AK et al., "Modeling 1-year survival after surgery on the metastatic '
            'spine", Spine J 2015;15(11):2345-50; validated by Schoenfeld AJ et al., '
            "Spine J 2016;16(4):482-90.",
            "Ghori AK et al., Spine J 2015",
        ),
        ("ECOG (Oken 1982); Karnofsky (1949)", "ECOG (Oken 1982); Karnofsky (1949)"),
    ],
)
def test_a_citation_in_short(source: str, short: str) -> None:
    assert short_citation(source) == short


LONG_UID = "1.2.826.0.1.3680043.8.498.12345678901234567890123456789012345678"
LONG_WORD = "AxialT2weightedTurboSpinEchoWithFatSaturationAndGadolinium" * 3


def _imaging_table(html: str) -> str:
    start = html.index('<table class="imaging">')
    return html[start : html.index("</table>", start)]


def test_the_html_imaging_table_fits_its_column() -> None:
    row = ImagingRow("MR", None, LONG_WORD, "thoracic_spine", LONG_UID, 3, None, "")
    html = render_html(minimal_report(imaging=(row,)))
    css = html[html.index("<style>") : html.index("</style>")]
    assert "table-layout: fixed" in css and "overflow-wrap: anywhere" in css
    table = _imaging_table(html)
    widths = [int(w) for w in re.findall(r'<col style="width: (\d+)%">', table)]
    assert len(widths) == 6 and sum(widths) == 100
    # no run of text without a place to break the line: words at most BREAK_EVERY long
    text = re.sub(r"<(?!wbr>)[^>]*>", " ", table)
    runs = [run for chunk in text.split() for run in chunk.split("<wbr>")]
    assert max(len(run) for run in runs) <= BREAK_EVERY
    # the text itself is unchanged once the break opportunities are taken out
    assert LONG_UID in table.replace("<wbr>", "") and LONG_WORD in table.replace("<wbr>", "")


def test_break_opportunities_never_let_markup_through() -> None:
    hostile = "<script>alert('x')</script>" + "y" * 40
    marked = str(breakable(hostile))
    assert "<script>" not in marked and "&lt;script&gt;" in marked.replace("<wbr>", "")
    assert set(re.findall(r"<[^>]*>", marked)) <= {"<wbr>"}
