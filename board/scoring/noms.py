"""The NOMS framework: decision support, not a score.

Source: Laufer I et al., "The NOMS framework: approach to the treatment of spinal
metastatic tumors", The Oncologist 2013;18(6):744-51.

- Neurologic: ESCC grade plus myelopathy/radiculopathy (Frankel or ASIA grade). Over
  several levels the case's grade comes from
  :func:`board.scoring.escc.calculate_case_escc` (see :func:`escc_inputs_from_case`):
  when a known level is high grade the grid uses it even if another level is not yet
  graded, and the reasoning names that level.
- Oncologic: expected response of the histology to conventional external beam
  radiation (cEBRT), looked up in a histology table kept as data with its citation
  (:data:`LAUFER_2013_RADIOSENSITIVITY`, and the SC.24 alternative
  :data:`SC24_RADIOSENSITIVITY`), or set by the board.
- Mechanical: SINS 13-18, or 7-12 with mechanical pain, calls for stabilisation whatever
  the histology.
- Systemic: whether the patient can tolerate the proposed treatment.

Grid (N x O) before M and S modify it: low grade (0, 1a, 1b, 1c) radiosensitive cEBRT,
radioresistant SBRT; high grade (2, 3) radiosensitive cEBRT, radioresistant separation
surgery then SBRT (cEBRT if the patient cannot tolerate surgery).

Every output is a suggestion with its reasoning; the board decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from board.errors import ValidationError
from board.scoring.common import (
    INCOMPLETE_PREFIX,
    JsonScalar,
    ScoreInputs,
    coerce_bool,
    coerce_enum,
    coerce_int,
)
from board.scoring.escc import CaseEsccResult, EsccGrade, EsccGroup, parse_escc_grade
from board.scoring.neuro import AsiaGrade, FrankelGrade, parse_asia, parse_frankel
from board.scoring.performance import EcogGrade, parse_ecog
from board.scoring.primary import PrimarySite
from board.scoring.sins import SinsPain, SinsResult

ALGORITHM_ID = "noms@laufer2013"
NAME = "NOMS framework (decision support)"
SOURCE = (
    'Laufer I et al., "The NOMS framework: approach to the treatment of spinal metastatic '
    'tumors", The Oncologist 2013;18(6):744-51.'
)
SC24_SOURCE = (
    "CCTG SC.24 trial: Sahgal A et al., stereotactic body radiotherapy versus conventional "
    "external beam radiotherapy for painful spinal metastases, Lancet Oncol 2021 "
    "(radioresistant: gastrointestinal, sarcoma, melanoma, renal cell; all others "
    "radiosensitive)."
)
STABILISATION_TEXT = (
    "stabilisation (percutaneous or open instrumentation, or cement augmentation for a "
    "painful compression fracture without retropulsion)"
)


class Radiosensitivity(StrEnum):
    """Expected response of a histology to conventional external beam radiation."""

    RADIOSENSITIVE = "radiosensitive"
    RADIORESISTANT = "radioresistant"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {
            "radiosensitive": "radiosensitive to cEBRT",
            "radioresistant": "radioresistant to cEBRT",
        }[self.value]


@dataclass(frozen=True, slots=True)
class HistologyRow:
    """One row of a histology radiosensitivity table.

    Parameters
    ----------
    key:
        The :class:`~board.scoring.primary.PrimarySite` value it applies to.
    label:
        The histology as the source names it.
    radiosensitivity:
        Expected response to cEBRT.
    source:
        Citation of the row.
    """

    key: str
    label: str
    radiosensitivity: Radiosensitivity
    source: str


_S = Radiosensitivity.RADIOSENSITIVE
_R = Radiosensitivity.RADIORESISTANT

LAUFER_2013_RADIOSENSITIVITY: tuple[HistologyRow, ...] = (
    HistologyRow("lymphoma", "lymphoma", _S, SOURCE),
    HistologyRow("myeloma", "myeloma", _S, SOURCE),
    HistologyRow("seminoma", "seminoma", _S, SOURCE),
    HistologyRow("breast", "breast carcinoma (most)", _S, SOURCE),
    HistologyRow("prostate", "prostate carcinoma (most)", _S, SOURCE),
    HistologyRow("ovary", "ovarian carcinoma (most)", _S, SOURCE),
    HistologyRow("neuroendocrine", "neuroendocrine carcinoma (most)", _S, SOURCE),
    HistologyRow("kidney", "renal cell carcinoma", _R, SOURCE),
    HistologyRow("thyroid", "thyroid carcinoma", _R, SOURCE),
    HistologyRow("liver", "hepatocellular carcinoma", _R, SOURCE),
    HistologyRow("colon", "colon carcinoma", _R, SOURCE),
    HistologyRow("lung_nsclc", "non-small-cell lung carcinoma", _R, SOURCE),
    HistologyRow("sarcoma", "sarcoma", _R, SOURCE),
    HistologyRow("osteosarcoma", "sarcoma (osteosarcoma)", _R, SOURCE),
    HistologyRow("melanoma", "melanoma", _R, SOURCE),
)
"""Laufer 2013 (default). Histologies the paper does not list are absent: the board sets
their radiosensitivity explicitly."""

SC24_RADIOSENSITIVITY: tuple[HistologyRow, ...] = (
    HistologyRow("colon", "gastrointestinal (colon)", _R, SC24_SOURCE),
    HistologyRow("rectum", "gastrointestinal (rectum)", _R, SC24_SOURCE),
    HistologyRow("stomach", "gastrointestinal (stomach)", _R, SC24_SOURCE),
    HistologyRow("oesophagus", "gastrointestinal (oesophagus)", _R, SC24_SOURCE),
    HistologyRow("liver", "gastrointestinal (hepatocellular)", _R, SC24_SOURCE),
    HistologyRow("gallbladder", "gastrointestinal (gallbladder)", _R, SC24_SOURCE),
    HistologyRow("pancreas", "gastrointestinal (pancreas)", _R, SC24_SOURCE),
    HistologyRow("sarcoma", "sarcoma", _R, SC24_SOURCE),
    HistologyRow("osteosarcoma", "sarcoma (osteosarcoma)", _R, SC24_SOURCE),
    HistologyRow("melanoma", "melanoma", _R, SC24_SOURCE),
    HistologyRow("kidney", "renal cell carcinoma", _R, SC24_SOURCE),
    HistologyRow("breast", "breast (all others)", _S, SC24_SOURCE),
    HistologyRow("prostate", "prostate (all others)", _S, SC24_SOURCE),
    HistologyRow("lung_nsclc", "non-small-cell lung (all others)", _S, SC24_SOURCE),
    HistologyRow("lung_sclc", "small-cell lung (all others)", _S, SC24_SOURCE),
    HistologyRow("thyroid", "thyroid (all others)", _S, SC24_SOURCE),
    HistologyRow("bladder", "bladder (all others)", _S, SC24_SOURCE),
    HistologyRow("uterus", "uterus (all others)", _S, SC24_SOURCE),
    HistologyRow("ovary", "ovary (all others)", _S, SC24_SOURCE),
    HistologyRow("cervix", "cervix (all others)", _S, SC24_SOURCE),
    HistologyRow("lymphoma", "lymphoma (all others)", _S, SC24_SOURCE),
    HistologyRow("myeloma", "myeloma (all others)", _S, SC24_SOURCE),
    HistologyRow("seminoma", "seminoma (all others)", _S, SC24_SOURCE),
    HistologyRow("neuroendocrine", "neuroendocrine (all others)", _S, SC24_SOURCE),
    HistologyRow("head_and_neck", "head and neck (all others)", _S, SC24_SOURCE),
)
"""SC.24 alternative. Unknown primary and "other" are absent: an unknown histology has no
radiosensitivity; the board sets it."""

HISTOLOGY_TABLES: Mapping[str, tuple[HistologyRow, ...]] = MappingProxyType(
    {"laufer2013": LAUFER_2013_RADIOSENSITIVITY, "sc24": SC24_RADIOSENSITIVITY}
)
"""Available histology tables by key; ``"laufer2013"`` is the default."""

DEFAULT_HISTOLOGY_TABLE = "laufer2013"


def lookup_histology(
    histology: PrimarySite | str, rows: Sequence[HistologyRow] = LAUFER_2013_RADIOSENSITIVITY
) -> HistologyRow | None:
    """Find a histology in a radiosensitivity table.

    Parameters
    ----------
    histology:
        The histology (a :class:`PrimarySite` or its value).
    rows:
        The table, Laufer 2013 by default.

    Returns
    -------
    HistologyRow | None
        The row, or ``None`` when the table does not list the histology.
    """
    key = histology.value if isinstance(histology, PrimarySite) else str(histology)
    for row in rows:
        if row.key == key:
            return row
    return None


class NomsGridCell(StrEnum):
    """Suggestion of the N x O grid."""

    CEBRT = "cebrt"
    SBRT = "sbrt"
    SEPARATION_SURGERY_THEN_SBRT = "separation_surgery_then_sbrt"

    @property
    def label(self) -> str:
        """Plain-English suggestion as in the grid."""
        return {
            "cebrt": "cEBRT",
            "sbrt": "SBRT",
            "separation_surgery_then_sbrt": (
                "separation surgery, then SBRT; cEBRT if the patient cannot tolerate surgery"
            ),
        }[self.value]


def grid_cell(escc: EsccGrade, radiosensitivity: Radiosensitivity) -> NomsGridCell:
    """The N x O grid suggestion.

    Parameters
    ----------
    escc:
        ESCC grade (1c counts as low grade).
    radiosensitivity:
        Expected response to cEBRT.

    Returns
    -------
    NomsGridCell
        cEBRT for any radiosensitive histology; SBRT for low-grade radioresistant;
        separation surgery then SBRT for high-grade radioresistant.
    """
    if radiosensitivity is Radiosensitivity.RADIOSENSITIVE:
        return NomsGridCell.CEBRT
    if escc.is_high_grade:
        return NomsGridCell.SEPARATION_SURGERY_THEN_SBRT
    return NomsGridCell.SBRT


def stabilisation_indicated(sins_total: int, mechanical_pain: bool | None) -> bool | None:
    """The mechanical modifier.

    Parameters
    ----------
    sins_total:
        SINS total, 0-18.
    mechanical_pain:
        Whether the pain is mechanical (only needed for totals 7-12).

    Returns
    -------
    bool | None
        ``True`` for 13-18, or 7-12 with mechanical pain; ``False`` for 0-6, or 7-12
        without mechanical pain; ``None`` for 7-12 when mechanical pain is unknown.

    Raises
    ------
    ValidationError
        If the total is outside 0-18.
    """
    total = coerce_int(sins_total, "sins_total", "SINS total", 0, 18)
    assert total is not None
    if total >= 13:
        return True
    if total <= 6:
        return False
    return mechanical_pain


@dataclass(frozen=True, slots=True)
class NomsInputs(ScoreInputs):
    """Inputs of the NOMS suggestion; ``None`` means unknown.

    Parameters
    ----------
    escc_grade:
        Bilsky ESCC grade.
    myelopathy, radiculopathy:
        Clinical myelopathy / functional radiculopathy.
    frankel, asia:
        Neurologic grade; any one of ``myelopathy``, ``frankel`` or ``asia`` makes the
        neurologic status known.
    histology:
        Histology / primary site, looked up in the histology table.
    radiosensitivity:
        The board's explicit radiosensitivity; used instead of the table when given.
    histology_table:
        Key of the table in :data:`HISTOLOGY_TABLES` (default ``"laufer2013"``).
    sins_total:
        SINS total of the driving lesion (0-18).
    mechanical_pain:
        Whether the pain is mechanical (needed when SINS is 7-12).
    tolerates_surgery:
        The board's judgement whether the patient can tolerate surgery given systemic
        disease burden and comorbidity.
    ecog:
        ECOG performance status, reported alongside the systemic consideration.
    escc_level:
        The level the ESCC grade was read at (the case's most compressed level), when
        known; shown in the reasoning.
    escc_ungraded_levels:
        Levels not yet graded, as text (``"T10, T11"``). With a high ``escc_grade`` they
        are named but do not hold the suggestion back; with ``escc_grade`` unknown they
        are what is missing.

    Raises
    ------
    ValidationError
        If a value is out of range or not recognised.
    """

    escc_grade: EsccGrade | None = None
    myelopathy: bool | None = None
    radiculopathy: bool | None = None
    frankel: FrankelGrade | None = None
    asia: AsiaGrade | None = None
    histology: PrimarySite | None = None
    radiosensitivity: Radiosensitivity | None = None
    histology_table: str = DEFAULT_HISTOLOGY_TABLE
    sins_total: int | None = None
    mechanical_pain: bool | None = None
    tolerates_surgery: bool | None = None
    ecog: EcogGrade | None = None
    escc_level: str | None = None
    escc_ungraded_levels: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "escc_grade", parse_escc_grade(self.escc_grade))
        for key, what in (
            ("myelopathy", "Myelopathy"),
            ("radiculopathy", "Radiculopathy"),
            ("mechanical_pain", "Mechanical pain"),
            ("tolerates_surgery", "Tolerates surgery"),
        ):
            set_(self, key, coerce_bool(getattr(self, key), key, what))
        set_(self, "frankel", parse_frankel(self.frankel))
        set_(self, "asia", parse_asia(self.asia))
        set_(self, "histology", coerce_enum(self.histology, PrimarySite, "histology", "Histology"))
        set_(
            self,
            "radiosensitivity",
            coerce_enum(
                self.radiosensitivity, Radiosensitivity, "radiosensitivity", "Radiosensitivity"
            ),
        )
        if not isinstance(self.histology_table, str) or not self.histology_table:
            raise ValidationError(
                "Histology table must be the key of a table, e.g. 'laufer2013'.",
                field="histology_table",
            )
        set_(self, "sins_total", coerce_int(self.sins_total, "sins_total", "SINS total", 0, 18))
        set_(self, "ecog", parse_ecog(self.ecog))
        for key in ("escc_level", "escc_ungraded_levels"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, str):
                raise ValidationError(f"{key} must be text, not {value!r}.", field=key)
            set_(self, key, (value or "").strip() or None)


@dataclass(frozen=True, slots=True)
class NomsResult:
    """The NOMS suggestion with its reasoning.

    Parameters
    ----------
    algorithm_id, name, source:
        Identification and citation.
    escc_group:
        Low, borderline (1c, grouped with low for the grid) or high.
    radiosensitivity:
        The radiosensitivity used, or ``None`` when unknown.
    radiosensitivity_source:
        Where it came from (the table's citation, or "set by the board").
    grid:
        The N x O suggestion, or ``None`` when N or O is unknown.
    stabilisation:
        The mechanical modifier: ``True`` when stabilisation is advised, ``None``
        when it cannot be known yet.
    systemic:
        The systemic consideration in plain English, or ``None`` when unknown.
    suggestions:
        The suggestion after M and S modify the grid, one item a line (may be partial
        when incomplete).
    reasoning:
        Plain-English reasoning lines, in N, O, M, S order.
    complete:
        Whether every needed input was known.
    missing:
        Plain-English names of the missing inputs.
    inputs:
        The inputs as stored.
    """

    algorithm_id: str
    name: str
    source: str
    escc_group: EsccGroup | None
    radiosensitivity: Radiosensitivity | None
    radiosensitivity_source: str | None
    grid: NomsGridCell | None
    stabilisation: bool | None
    systemic: str | None
    suggestions: tuple[str, ...]
    reasoning: tuple[str, ...]
    complete: bool
    missing: tuple[str, ...]
    inputs: tuple[tuple[str, JsonScalar], ...] = ()

    def summary(self) -> str:
        """One line for display.

        Returns
        -------
        str
            ``"incomplete: missing X, Y"`` when incomplete, else the suggestions joined
            with ``"; "``.
        """
        if not self.complete:
            return INCOMPLETE_PREFIX + ", ".join(self.missing)
        return "; ".join(self.suggestions)

    def to_dict(self) -> dict[str, Any]:
        """Return the algorithm id, inputs and result as a JSON-serialisable mapping.

        Returns
        -------
        dict[str, Any]
            Keys ``algorithm_id``, ``name``, ``source``, ``inputs`` and ``result``.
        """
        return {
            "algorithm_id": self.algorithm_id,
            "name": self.name,
            "source": self.source,
            "inputs": dict(self.inputs),
            "result": {
                "escc_group": None if self.escc_group is None else self.escc_group.value,
                "radiosensitivity": (
                    None if self.radiosensitivity is None else self.radiosensitivity.value
                ),
                "radiosensitivity_source": self.radiosensitivity_source,
                "grid": None if self.grid is None else self.grid.value,
                "stabilisation": self.stabilisation,
                "systemic": self.systemic,
                "suggestions": list(self.suggestions),
                "reasoning": list(self.reasoning),
                "complete": self.complete,
                "missing": list(self.missing),
                "summary": self.summary(),
            },
        }


def mechanical_from_sins(result: SinsResult) -> tuple[int | None, bool | None]:
    """NOMS mechanical inputs from a SINS result.

    Parameters
    ----------
    result:
        The driving lesion's SINS result.

    Returns
    -------
    tuple[int | None, bool | None]
        The SINS total (``None`` when incomplete) and whether the pain is mechanical
        (``None`` when the pain finding is unknown).
    """
    pain_value = dict(result.inputs).get("pain")
    pain = coerce_enum(pain_value, SinsPain, "pain", "SINS pain")
    return result.total, None if pain is None else pain is SinsPain.MECHANICAL


def escc_inputs_from_case(result: CaseEsccResult) -> dict[str, str | EsccGrade | None]:
    """The NOMS neurologic inputs from the case's ESCC over several levels.

    Parameters
    ----------
    result:
        From :func:`board.scoring.escc.calculate_case_escc`.

    Returns
    -------
    dict[str, str | EsccGrade | None]
        ``escc_grade`` (the case's grade when the case result is complete, which it is
        as soon as a known level is high grade), ``escc_level`` and
        ``escc_ungraded_levels``, to pass to :class:`NomsInputs`.
    """
    return {
        "escc_grade": result.grade if result.complete else None,
        "escc_level": result.level if result.complete else None,
        "escc_ungraded_levels": ", ".join(result.ungraded_levels) or None,
    }


def _neurologic(inputs: NomsInputs, reasons: list[str], missing: list[str]) -> None:
    grade = inputs.escc_grade
    ungraded = inputs.escc_ungraded_levels
    if grade is None:
        if ungraded:
            missing.append(f"ESCC grade at {ungraded}")
            reasons.append(f"Neurologic: ESCC not yet graded at {ungraded}.")
        else:
            missing.append("ESCC grade")
            reasons.append("Neurologic: ESCC grade unknown.")
    else:
        at = f" at {inputs.escc_level}" if inputs.escc_level else ""
        line = f"Neurologic: ESCC {grade.value}{at} ({grade.label}): {grade.group.label}"
        if grade is EsccGrade.G1C:
            line += "; grouped with low grade for the grid, but borderline"
        reasons.append(line + ".")
        if ungraded:
            if grade.is_high_grade:
                reasons.append(
                    f"Neurologic: ESCC not yet graded at {ungraded}; a known level is already "
                    "high grade, so the suggestion does not wait for it."
                )
            else:
                missing.append(f"ESCC grade at {ungraded}")
                reasons.append(
                    f"Neurologic: ESCC not yet graded at {ungraded}; it could be higher."
                )
    findings: list[str] = []
    if inputs.myelopathy is not None:
        findings.append("myelopathy present" if inputs.myelopathy else "no myelopathy")
    if inputs.radiculopathy is not None:
        findings.append(
            "functional radiculopathy present" if inputs.radiculopathy else "no radiculopathy"
        )
    if inputs.frankel is not None:
        findings.append(f"Frankel {inputs.frankel.value} ({inputs.frankel.label})")
    if inputs.asia is not None:
        findings.append(f"ASIA {inputs.asia.value} ({inputs.asia.label})")
    if inputs.myelopathy is None and inputs.frankel is None and inputs.asia is None:
        missing.append("neurologic status (myelopathy, Frankel or ASIA grade)")
    if findings:
        reasons.append("Neurologic examination: " + "; ".join(findings) + ".")


def _oncologic(
    inputs: NomsInputs,
    tables: Mapping[str, Sequence[HistologyRow]],
    reasons: list[str],
    missing: list[str],
) -> tuple[Radiosensitivity | None, str | None]:
    if inputs.radiosensitivity is not None:
        reasons.append(f"Oncologic: {inputs.radiosensitivity.label} (set by the board).")
        return inputs.radiosensitivity, "set by the board"
    if inputs.histology is None:
        missing.append("histology (radiation sensitivity)")
        reasons.append("Oncologic: histology unknown.")
        return None, None
    if inputs.histology_table not in tables:
        raise ValidationError(
            f"Unknown histology table '{inputs.histology_table}'; expected one of "
            f"{', '.join(sorted(tables))}.",
            field="histology_table",
        )
    row = lookup_histology(inputs.histology, tables[inputs.histology_table])
    if row is None:
        missing.append(
            f"radiation sensitivity ({inputs.histology.label} is not in the histology "
            "table: the board sets it)"
        )
        reasons.append(
            f"Oncologic: {inputs.histology.label} is not listed in the histology table "
            f"'{inputs.histology_table}'."
        )
        return None, None
    reasons.append(f"Oncologic: {row.label}: {row.radiosensitivity.label} ({row.source})")
    return row.radiosensitivity, row.source


def _mechanical(inputs: NomsInputs, reasons: list[str], missing: list[str]) -> bool | None:
    total = inputs.sins_total
    if total is None:
        missing.append("SINS total")
        reasons.append("Mechanical: SINS unknown.")
        return None
    stabilise = stabilisation_indicated(total, inputs.mechanical_pain)
    if total >= 13:
        reasons.append(
            f"Mechanical: SINS {total} (13-18, unstable): {STABILISATION_TEXT} is advised, "
            "whatever the histology."
        )
    elif total <= 6:
        reasons.append(f"Mechanical: SINS {total} (0-6, stable): no stabilisation for instability.")
    elif stabilise is None:
        missing.append("mechanical pain")
        reasons.append(
            f"Mechanical: SINS {total} (7-12): whether the pain is mechanical decides "
            "stabilisation; it is unknown."
        )
    elif stabilise:
        reasons.append(
            f"Mechanical: SINS {total} (7-12) with mechanical pain: {STABILISATION_TEXT} is "
            "advised, whatever the histology."
        )
    else:
        reasons.append(
            f"Mechanical: SINS {total} (7-12) without mechanical pain: no stabilisation by "
            "the NOMS rule; a SINS of 7 or more still warrants a surgical consultation."
        )
    return stabilise


def _systemic(inputs: NomsInputs, reasons: list[str], missing: list[str]) -> str | None:
    if inputs.ecog is not None:
        reasons.append(f"Performance status: ECOG {inputs.ecog.value} ({inputs.ecog.label}).")
    if inputs.tolerates_surgery is None:
        missing.append("whether the patient can tolerate surgery (systemic)")
        reasons.append("Systemic: tolerance of surgery not yet judged.")
        return None
    if inputs.tolerates_surgery:
        text = "the patient can tolerate surgery"
    else:
        text = "the patient cannot tolerate surgery"
    reasons.append(f"Systemic: {text} (systemic disease burden and comorbidity).")
    return text


def calculate_noms(
    inputs: NomsInputs,
    tables: Mapping[str, Sequence[HistologyRow]] = HISTOLOGY_TABLES,
) -> NomsResult:
    """Build the NOMS suggestion with its reasoning.

    Parameters
    ----------
    inputs:
        The N, O, M and S inputs; any may be unknown.
    tables:
        Histology tables by key (an administrator's edited tables can be passed here).

    Returns
    -------
    NomsResult
        The grid suggestion, the mechanical modifier, the systemic consideration, the
        combined suggestions, the reasoning and what is missing.

    Raises
    ------
    ValidationError
        If ``inputs.histology_table`` is not a key of ``tables``.
    """
    reasons: list[str] = []
    missing: list[str] = []
    _neurologic(inputs, reasons, missing)
    radiosensitivity, rs_source = _oncologic(inputs, tables, reasons, missing)
    grid = None
    if inputs.escc_grade is not None and radiosensitivity is not None:
        grid = grid_cell(inputs.escc_grade, radiosensitivity)
        group = "high" if inputs.escc_grade.is_high_grade else "low"
        reasons.append(
            f"Grid (N x O): {group}-grade ESCC with a {radiosensitivity.value} histology: "
            f"{grid.label}."
        )
    stabilise = _mechanical(inputs, reasons, missing)
    systemic = _systemic(inputs, reasons, missing)

    suggestions: list[str] = []
    tolerates = inputs.tolerates_surgery
    if stabilise:
        if tolerates is False:
            suggestions.append(
                "instability calls for stabilisation, but the patient cannot tolerate "
                "surgery: the board may weigh less invasive options (percutaneous "
                "instrumentation, or cement augmentation for a painful compression "
                "fracture without retropulsion)"
            )
        else:
            suggestions.append(STABILISATION_TEXT)
    if grid is NomsGridCell.SEPARATION_SURGERY_THEN_SBRT:
        if tolerates is True:
            suggestions.append("separation surgery, then SBRT")
        elif tolerates is False:
            suggestions.append("cEBRT (the patient cannot tolerate separation surgery)")
            reasons.append(
                "Systemic modifies the grid: cEBRT instead of separation surgery and SBRT."
            )
        else:
            suggestions.append(grid.label)
    elif grid is not None:
        suggestions.append(grid.label)
    reasons.append("Decision support only: the board decides.")

    return NomsResult(
        algorithm_id=ALGORITHM_ID,
        name=NAME,
        source=SOURCE,
        escc_group=None if inputs.escc_grade is None else inputs.escc_grade.group,
        radiosensitivity=radiosensitivity,
        radiosensitivity_source=rs_source,
        grid=grid,
        stabilisation=stabilise,
        systemic=systemic,
        suggestions=tuple(suggestions),
        reasoning=tuple(reasons),
        complete=not missing,
        missing=tuple(missing),
        inputs=tuple(inputs.to_dict().items()),
    )
