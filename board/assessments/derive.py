"""Scores derived live from a case's saved assessments, each input with its source.

:func:`derive_scores` is pure: it takes the case's facts and the roles' forms
(:class:`DerivationInput`) and returns :class:`CaseScores`: SINS per lesion (component
by component, who supplied each input), the case's driving SINS, ESCC at the most
compressed level (a known high-grade level decides the case even while another level is
not yet graded), the NOMS suggestion with its reasoning, revised Tokuhashi, Tomita, the
New England Spinal Metastasis Score (NESMS), performance status (with the
ECOG/Karnofsky conversion shown as approximate) and the neurological grade. Anything
unknown leaves the score *incomplete*, naming what is missing; a partial total is never
presented as final.

Where inputs come from
----------------------
- Lesions: the radiologist's lesion rows. While the radiologist has listed none, the
  case's involved levels are used, with findings stored on the case's lesion rows (older
  data) when there are any.
- SINS pain: the spine surgeon's "mechanical pain", else the pain team's pain character,
  else the referral's pain character; a non-mechanical pain is "occasional" when the
  pain score (pain team, else referral) is above 0 and "pain-free" at 0.
- Extraspinal bone foci and visceral metastases: the oncologist, else the radiologist.
- NESMS: visceral metastases and primary site as above; skeletal metastases (solitary or
  multiple) from the extraspinal foci and the vertebral count; albumin from the
  oncologist's form (g/L, converted to g/dL); independent ambulation from the
  physiotherapist's mobility (independent: yes; assisted, wheelchair, bedbound: no; a
  walking aid: unknown, the board decides).
- Primary site: the oncologist, else the referral. Radiosensitivity: the radiation
  oncologist's explicit choice, else the histology table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from board.assessments.enums import Mobility, SurgicalCandidacy, VisceralStatus
from board.assessments.forms import (
    Form,
    OncologistForm,
    PainForm,
    PhysiotherapistForm,
    RadiationOncologistForm,
    RadiologistForm,
    SurgeonForm,
)
from board.auth.roles import Role
from board.cases.levels import VertebralLevel
from board.errors import ValidationError
from board.scoring import api
from board.scoring.common import ScoreResult
from board.scoring.escc import SOURCE as ESCC_SOURCE
from board.scoring.escc import CaseEsccResult, EsccGrade, calculate_case_escc
from board.scoring.nesms_score import (
    NesmsInputs,
    albumin_g_per_l_to_g_per_dl,
    calculate_nesms,
    skeletal_metastases_from_counts,
)
from board.scoring.neuro import AsiaGrade, FrankelGrade
from board.scoring.noms import (
    HISTOLOGY_TABLES,
    HistologyRow,
    NomsInputs,
    NomsResult,
    Radiosensitivity,
    calculate_noms,
    escc_inputs_from_case,
)
from board.scoring.performance import (
    ECOG_SOURCE,
    KARNOFSKY_SOURCE,
    EcogGrade,
    ecog_to_karnofsky,
    karnofsky_to_ecog,
)
from board.scoring.primary import PrimarySite, VisceralMetastases
from board.scoring.sins import (
    CaseSins,
    SinsInputs,
    SinsPain,
    SinsResult,
    calculate_sins,
    most_unstable,
)
from board.scoring.tokuhashi import TokuhashiInputs, calculate_tokuhashi
from board.scoring.tomita import BoneMetastases, TomitaInputs, calculate_tomita

SURGICAL_CONSULTATION_TEXT = "surgical consultation advised (SINS 7 or more)"
#: Shorter display names of some scores (:attr:`DerivedScore.short_name`).
SHORT_NAMES = {"tokuhashi": "Tokuhashi"}
_ESCC_ORDER = list(EsccGrade)


@dataclass(frozen=True, slots=True)
class Sourced:
    """One input of a score with where it came from.

    Parameters
    ----------
    name:
        The input ("bone lesion", "Karnofsky", ...).
    value:
        The value in plain English, or ``"unknown"``.
    source:
        Who supplied it (``"Radiologist (Dr Rad)"``, ``"referral"``), or ``""`` when unknown.
    points:
        Points it gives, when the score has points.
    """

    name: str
    value: str
    source: str
    points: int | None = None

    @property
    def text(self) -> str:
        """The input as one line: ``"bone lesion: lytic (2 points), Radiologist (Dr Rad)"``."""
        text = f"{self.name}: {self.value}"
        if self.points is not None:
            text += f" ({self.points} point{'' if self.points == 1 else 's'})"
        if self.source:
            text += f", {self.source}"
        return text


@dataclass(frozen=True, slots=True)
class LesionScore:
    """SINS and ESCC of one lesion, every component with its source."""

    level: str
    sins: SinsResult
    components: tuple[Sourced, ...]
    escc: EsccGrade | None
    escc_source: str


@dataclass(frozen=True, slots=True)
class DerivedScore:
    """One case-level score as the Scores tab and the presenter show it.

    Parameters
    ----------
    key:
        ``sins``, ``escc``, ``noms``, ``tokuhashi``, ``tomita``, ``nesms``, ``performance``,
        ``neuro``.
    name:
        Display name.
    algorithm_id:
        Versioned algorithm id, or ``""`` for a plain finding.
    complete:
        Whether every input was known.
    value:
        The result in short (``"T11: 9"``, ``"2"``), or ``"incomplete"``.
    category:
        The band/meaning, or ``"missing X, Y"`` when incomplete.
    summary:
        One line: ``"incomplete: missing X, Y"`` or value and category.
    missing:
        What is still missing.
    inputs:
        The inputs with their sources.
    source:
        The citation.
    notes:
        Extra lines (reasoning, advice, approximations).
    components:
        Each input as a line (:attr:`Sourced.text`); for SINS, every component of
        every lesion prefixed with its level (``"T8 bone lesion: lytic (2 points), ..."``)
        instead of the per-lesion summaries of ``inputs``. Set by :func:`derive_scores`.
    """

    key: str
    name: str
    algorithm_id: str
    complete: bool
    value: str
    category: str
    summary: str
    missing: tuple[str, ...]
    inputs: tuple[Sourced, ...]
    source: str
    notes: tuple[str, ...] = ()
    components: tuple[str, ...] = ()

    @property
    def short_name(self) -> str:
        """The name where space is short (presenter, report): "Tokuhashi" for the
        revised Tokuhashi score, else :attr:`name`."""
        return SHORT_NAMES.get(self.key, self.name)


@dataclass(frozen=True, slots=True)
class DerivationInput:
    """What the derivation looks at.

    Parameters
    ----------
    primary_site:
        The case's primary site (stored value) from the referral.
    levels:
        The case's involved levels ("T7", ...).
    pain_score:
        The referral's pain score (0-10), if known.
    pain_character:
        The referral's pain character (mechanical, biological, radicular), if known.
    lesion_findings:
        Findings stored on the case's lesion rows, by level (older data).
    forms:
        Each role's saved form.
    authors:
        Display name of whoever last saved each role's form.
    histology_tables:
        NOMS histology tables (an administrator's edited table included).
    """

    primary_site: str | None = None
    levels: tuple[str, ...] = ()
    pain_score: int | None = None
    pain_character: str | None = None
    lesion_findings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    forms: Mapping[Role, Form] = field(default_factory=dict)
    authors: Mapping[Role, str] = field(default_factory=dict)
    histology_tables: Mapping[str, Sequence[HistologyRow]] = field(
        default_factory=lambda: HISTOLOGY_TABLES
    )


@dataclass(frozen=True, slots=True)
class CaseScores:
    """Everything the Scores tab shows for a case."""

    lesions: tuple[LesionScore, ...]
    case_sins: CaseSins | None
    scores: tuple[DerivedScore, ...]
    noms: NomsResult | None
    escc: EsccGrade | None
    ecog: EcogGrade | None
    karnofsky: int | None
    frankel: FrankelGrade | None
    asia: AsiaGrade | None
    tokuhashi: ScoreResult | None = None
    tomita: ScoreResult | None = None
    nesms: ScoreResult | None = None

    def get(self, key: str) -> DerivedScore:
        """The score with this key.

        Parameters
        ----------
        key:
            ``sins``, ``escc``, ``noms``, ``tokuhashi``, ``tomita``, ``nesms``,
            ``performance`` or ``neuro``.

        Returns
        -------
        DerivedScore
            The score.

        Raises
        ------
        KeyError
            If there is no such score.
        """
        for score in self.scores:
            if score.key == key:
                return score
        raise KeyError(key)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _source(inp: DerivationInput, role: Role) -> str:
    author = inp.authors.get(role)
    return f"{role.label} ({author})" if author else role.label


def _form(inp: DerivationInput, cls: type[Any]) -> Any:
    for form in inp.forms.values():
        if isinstance(form, cls):
            return form
    return None


def _lenient(value: Any, *parsers: Any) -> Any:
    """The first parse of a stored value that works, or ``None``."""
    if value is None or value == "unknown":
        return None
    for parse in parsers:
        try:
            result = parse(value)
        except (ValidationError, ValueError, KeyError, TypeError):
            continue
        if result is not None:
            return result
    return None


def _legacy_enum(mapping: Mapping[str, Any], enum_cls: type[Any]) -> list[Any]:
    return [lambda v: mapping[str(v).casefold()], lambda v: enum_cls(str(v))]


def _known(value: object) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    label = getattr(value, "label", None)
    return str(label) if isinstance(label, str) else str(value)


def _score(
    key: str,
    name: str,
    result: ScoreResult,
    inputs: tuple[Sourced, ...],
    notes: tuple[str, ...] = (),
) -> DerivedScore:
    if not result.complete:
        return DerivedScore(
            key,
            name,
            result.algorithm_id,
            False,
            "incomplete",
            "missing " + ", ".join(result.missing),
            result.summary(),
            result.missing,
            inputs,
            result.source,
            notes,
        )
    return DerivedScore(
        key,
        name,
        result.algorithm_id,
        True,
        str(result.total),
        str(result.category or ""),
        result.summary(),
        (),
        inputs,
        result.source,
        notes + ((result.category_detail,) if result.category_detail else ()),
    )


# ---------------------------------------------------------------------------
# Lesions and SINS
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RawLesion:
    level: str
    findings: Mapping[str, Any]
    source: str


def _lesions(inp: DerivationInput) -> list[_RawLesion]:
    radiology: RadiologistForm | None = _form(inp, RadiologistForm)
    if radiology is not None and radiology.lesions:
        source = _source(inp, Role.RADIOLOGIST)
        return [_RawLesion(lesion.level, lesion.to_data(), source) for lesion in radiology.lesions]
    levels = list(inp.levels) or list(inp.lesion_findings)
    rows: list[_RawLesion] = []
    for level in levels:
        findings = inp.lesion_findings.get(level) or {}
        rows.append(
            _RawLesion(level, findings, "radiology findings on the case" if findings else "")
        )
    return rows


def _sins_pain(inp: DerivationInput) -> tuple[SinsPain | None, str]:
    surgeon: SurgeonForm | None = _form(inp, SurgeonForm)
    pain: PainForm | None = _form(inp, PainForm)
    if surgeon is not None and surgeon.mechanical_pain is True:
        return SinsPain.MECHANICAL, _source(inp, Role.SPINE_SURGEON) + ": mechanical pain"
    if pain is not None and pain.character is not None and pain.character.value == "mechanical":
        return SinsPain.MECHANICAL, _source(inp, Role.PAIN_PALLIATIVE) + ": mechanical pain"
    team_character = pain is not None and pain.character is not None
    surgeon_says_no = surgeon is not None and surgeon.mechanical_pain is False
    if not (team_character or surgeon_says_no) and inp.pain_character == "mechanical":
        return SinsPain.MECHANICAL, "referral: mechanical pain"
    not_mechanical = surgeon_says_no or team_character or inp.pain_character is not None
    score, score_source = None, ""
    if pain is not None and pain.nrs is not None:
        score, score_source = pain.nrs, _source(inp, Role.PAIN_PALLIATIVE) + f": NRS {pain.nrs}"
    elif inp.pain_score is not None:
        score, score_source = inp.pain_score, f"referral: pain score {inp.pain_score}"
    if score == 0:
        return SinsPain.PAIN_FREE, score_source
    if not_mechanical and score is not None:
        if surgeon_says_no:
            who = _source(inp, Role.SPINE_SURGEON)
        elif team_character:
            who = _source(inp, Role.PAIN_PALLIATIVE)
        else:
            who = "referral"
        return SinsPain.OCCASIONAL, f"{who}: not mechanical; {score_source}"
    return None, ""


def _lesion_score(raw: _RawLesion, pain: tuple[SinsPain | None, str]) -> LesionScore:
    f = raw.findings
    lesion_pain = _lenient(f.get("pain"), *_legacy_enum(api.SINS_PAIN, SinsPain))
    pain_value, pain_source = (lesion_pain, raw.source) if lesion_pain is not None else pain
    values = {
        "bone_lesion": _lenient(
            f.get("lesion_type", f.get("bone_lesion")),
            *_legacy_enum(api.SINS_LESION, type(api.SINS_LESION["lytic"])),
        ),
        "alignment": _lenient(
            f.get("alignment"),
            *_legacy_enum(api.SINS_ALIGNMENT, type(api.SINS_ALIGNMENT["normal"])),
        ),
        "collapse": _lenient(
            f.get("collapse"), *_legacy_enum(api.SINS_COLLAPSE, type(api.SINS_COLLAPSE["none"]))
        ),
        "posterolateral": _lenient(
            f.get("posterolateral"),
            *_legacy_enum(api.SINS_POSTEROLATERAL, type(api.SINS_POSTEROLATERAL["none"])),
        ),
    }
    result = calculate_sins(SinsInputs(level=raw.level, pain=pain_value, **values))  # type: ignore[arg-type]
    sources = {
        "level": raw.source or "case levels",
        "pain": pain_source,
        **{key: raw.source if value is not None else "" for key, value in values.items()},
    }
    components = tuple(
        Sourced(
            c.name,
            c.finding_label or "unknown",
            sources.get(c.input_key, "") if c.points is not None else "",
            c.points,
        )
        for c in result.components
    )
    escc = _lenient(f.get("escc"), lambda v: EsccGrade(str(v).casefold()))
    return LesionScore(raw.level, result, components, escc, raw.source if escc else "")


def _sins_score(lesions: Sequence[LesionScore], case_sins: CaseSins | None) -> DerivedScore:
    inputs = tuple(
        Sourced(
            f"{lesion.level}",
            lesion.sins.summary(),
            ", ".join(sorted({c.source for c in lesion.components if c.source})),
            lesion.sins.total,
        )
        for lesion in lesions
    )
    notes: list[str] = []
    if case_sins is not None and case_sins.surgical_consultation_advised:
        notes.append(SURGICAL_CONSULTATION_TEXT.capitalize() + ".")
    source = lesions[0].sins.source if lesions else api.sins_mod.SOURCE
    if case_sins is None:
        return DerivedScore(
            "sins",
            "SINS",
            api.sins_mod.ALGORITHM_ID,
            False,
            "incomplete",
            "missing lesions (no level recorded)",
            "incomplete: missing lesions",
            ("lesions",),
            (),
            source,
        )
    if case_sins.complete and case_sins.driving is not None:
        driving = case_sins.driving
        return DerivedScore(
            "sins",
            "SINS",
            driving.algorithm_id,
            True,
            f"{driving.level}: {driving.total}",
            str(driving.category),
            case_sins.summary(),
            (),
            inputs,
            source,
            tuple(notes) + ((driving.category_detail,) if driving.category_detail else ()),
        )
    missing = tuple(
        f"{r.level or 'unknown level'} {', '.join(r.missing)}" for r in case_sins.incomplete_lesions
    )
    return DerivedScore(
        "sins",
        "SINS",
        api.sins_mod.ALGORITHM_ID,
        False,
        "incomplete",
        case_sins.summary().removeprefix("incomplete: "),
        case_sins.summary(),
        missing,
        inputs,
        source,
        tuple(notes),
    )


def _case_escc(lesions: Sequence[LesionScore]) -> CaseEsccResult:
    """The case ESCC over the lesions' levels (a level listed twice keeps its worst
    known grade; an unreadable level is left out)."""
    grades: dict[VertebralLevel, EsccGrade | None] = {}
    for lesion in lesions:
        try:
            level = VertebralLevel.parse(lesion.level)
        except ValidationError:
            continue
        known = [g for g in (grades.get(level), lesion.escc) if g is not None]
        grades[level] = max(known, key=_ESCC_ORDER.index) if known else None
    return calculate_case_escc(list(grades.items()))


def _escc_score(
    lesions: Sequence[LesionScore],
) -> tuple[DerivedScore, EsccGrade | None, CaseEsccResult]:
    inputs = tuple(
        Sourced(lesion.level, _known(lesion.escc and lesion.escc.value), lesion.escc_source)
        for lesion in lesions
    )
    case = _case_escc(lesions)
    if not case.complete or case.grade is None:
        missing = case.missing or ("ESCC grade",)
        return (
            DerivedScore(
                "escc",
                "ESCC",
                case.algorithm_id,
                False,
                "incomplete",
                "missing " + ", ".join(missing),
                "incomplete: missing " + ", ".join(missing),
                missing,
                inputs,
                ESCC_SOURCE,
            ),
            None,
            case,
        )
    grade = case.grade
    detail = f"{grade.group.label}: {grade.label} (most compressed level {case.level})"
    notes: tuple[str, ...] = ()
    if case.ungraded_levels:
        notes = (
            f"Not yet graded: {', '.join(case.ungraded_levels)}; a known level is already "
            "high grade, so the case is high grade whatever they show.",
        )
    return (
        DerivedScore(
            "escc",
            "ESCC",
            case.algorithm_id,
            True,
            grade.value,
            detail,
            f"ESCC {grade.value}: {detail}",
            (),
            inputs,
            ESCC_SOURCE,
            notes,
        ),
        grade,
        case,
    )


# ---------------------------------------------------------------------------
# The whole case
# ---------------------------------------------------------------------------


def derive_scores(inp: DerivationInput) -> CaseScores:
    """Derive every score of a case from its saved assessments.

    Parameters
    ----------
    inp:
        The case's facts and forms.

    Returns
    -------
    CaseScores
        Per-lesion SINS and ESCC, and the case-level scores, each with its sources;
        incomplete scores name what is missing.
    """
    onc: OncologistForm | None = _form(inp, OncologistForm)
    surgeon: SurgeonForm | None = _form(inp, SurgeonForm)
    radiology: RadiologistForm | None = _form(inp, RadiologistForm)
    rt: RadiationOncologistForm | None = _form(inp, RadiationOncologistForm)
    onc_src = _source(inp, Role.MEDICAL_ONCOLOGIST)
    surg_src = _source(inp, Role.SPINE_SURGEON)
    rad_src = _source(inp, Role.RADIOLOGIST)

    pain = _sins_pain(inp)
    lesions = tuple(_lesion_score(raw, pain) for raw in _lesions(inp))
    case_sins = most_unstable([lesion.sins for lesion in lesions]) if lesions else None
    scores = [_sins_score(lesions, case_sins)]
    escc_score, escc, case_escc = _escc_score(lesions)
    scores.append(escc_score)

    # Primary site and systemic burden.
    site: PrimarySite | None = None
    site_src = ""
    if onc is not None and onc.primary_site is not None:
        site, site_src = onc.primary_site, onc_src
    else:
        site = _lenient(inp.primary_site, PrimarySite)
        site_src = "referral" if site is not None else ""
    foci, foci_src = None, ""
    if onc is not None and onc.extraspinal_bone_foci is not None:
        foci, foci_src = onc.extraspinal_bone_foci, onc_src
    elif radiology is not None and radiology.extraspinal_bone_foci is not None:
        foci, foci_src = radiology.extraspinal_bone_foci, rad_src
    elif radiology is not None and radiology.extraspinal_bone_metastases_seen is False:
        foci, foci_src = 0, rad_src + ": none seen"
    visceral, visceral_src = None, ""
    if onc is not None and onc.visceral_metastases is not None:
        visceral, visceral_src = onc.visceral_metastases, onc_src
    elif radiology is not None and radiology.visceral_metastases_seen is False:
        visceral, visceral_src = VisceralStatus.NONE, rad_src + ": none seen"
    visceral_metastases = None if visceral is None else api.TOKUHASHI_VISCERAL[visceral.value]
    vertebrae, vertebrae_src = None, ""
    if radiology is not None and radiology.vertebral_metastases is not None:
        vertebrae, vertebrae_src = radiology.vertebral_metastases, rad_src
    elif lesions:
        vertebrae = len(lesions)
        vertebrae_src = f"{lesions[0].components[0].source or 'case levels'}: lesions listed"
    frankel = surgeon.frankel if surgeon is not None else None
    asia = surgeon.asia if surgeon is not None else None
    ecog = onc.ecog if onc is not None else None
    karnofsky = onc.karnofsky if onc is not None else None

    # NOMS.
    radiosensitivity = None
    if rt is not None and rt.radiosensitivity is not None:
        radiosensitivity = Radiosensitivity(rt.radiosensitivity.value)
    mechanical: bool | None = None
    if case_sins is not None and case_sins.driving is not None:
        mechanical = dict(case_sins.driving.inputs).get("pain") == SinsPain.MECHANICAL.value
        if dict(case_sins.driving.inputs).get("pain") is None:
            mechanical = None
    if mechanical is None and surgeon is not None:
        mechanical = surgeon.mechanical_pain
    tolerates = surgeon.tolerates_surgery if surgeon is not None else None
    if tolerates is None and surgeon is not None and surgeon.candidacy is not None:
        tolerates = {
            SurgicalCandidacy.CANDIDATE: True,
            SurgicalCandidacy.NOT_CANDIDATE: False,
        }.get(surgeon.candidacy)
    noms: NomsResult | None
    try:
        noms = calculate_noms(
            NomsInputs(
                **escc_inputs_from_case(case_escc),  # type: ignore[arg-type]
                myelopathy=surgeon.myelopathy if surgeon else None,
                radiculopathy=surgeon.radiculopathy if surgeon else None,
                frankel=frankel,
                asia=asia,
                histology=site,
                radiosensitivity=radiosensitivity,
                sins_total=case_sins.total if case_sins is not None else None,
                mechanical_pain=mechanical,
                tolerates_surgery=tolerates,
                ecog=ecog,
            ),
            inp.histology_tables,
        )
    except ValidationError:
        noms = None
    noms_inputs = (
        Sourced("ESCC grade", _known(escc and escc.value), rad_src if escc else ""),
        Sourced(
            "radiation sensitivity",
            _known(noms.radiosensitivity.label if noms and noms.radiosensitivity else None),
            _source(inp, Role.RADIATION_ONCOLOGIST)
            if radiosensitivity is not None
            else (f"histology table ({site_src})" if noms and noms.radiosensitivity else ""),
        ),
        Sourced(
            "SINS total",
            _known(case_sins.total if case_sins else None),
            "SINS above" if case_sins and case_sins.total is not None else "",
        ),
        Sourced("mechanical pain", _known(mechanical), pain[1] if mechanical is not None else ""),
        Sourced("tolerates surgery", _known(tolerates), surg_src if tolerates is not None else ""),
        Sourced(
            "neurology",
            _known(frankel and f"Frankel {frankel.value}"),
            surg_src if frankel else "",
        ),
    )
    if noms is None:
        scores.append(
            DerivedScore(
                "noms",
                "NOMS",
                api.noms_mod.ALGORITHM_ID,
                False,
                "incomplete",
                "not available",
                "incomplete: not available",
                ("inputs",),
                noms_inputs,
                api.noms_mod.SOURCE,
            )
        )
    else:
        suggestion = "; ".join(noms.suggestions)
        scores.append(
            DerivedScore(
                "noms",
                "NOMS",
                noms.algorithm_id,
                noms.complete,
                "suggestion" if noms.complete else "incomplete",
                suggestion if noms.complete else "missing " + ", ".join(noms.missing),
                noms.summary(),
                noms.missing,
                noms_inputs,
                noms.source,
                noms.reasoning,
            )
        )

    # Revised Tokuhashi.
    toku = calculate_tokuhashi(
        TokuhashiInputs(
            karnofsky=karnofsky if karnofsky else None,
            extraspinal_bone_metastases=foci,
            vertebral_body_metastases=vertebrae,
            visceral_metastases=visceral_metastases,
            primary_site=site,
            frankel=frankel,
        )
    )
    toku_src = {
        "karnofsky": onc_src if karnofsky else "",
        "extraspinal_bone_metastases": foci_src,
        "vertebral_body_metastases": vertebrae_src,
        "visceral_metastases": visceral_src,
        "primary_site": site_src,
        "frankel": surg_src if frankel else "",
    }
    toku_notes: tuple[str, ...] = ()
    if karnofsky is None and ecog is not None:
        toku_notes = (
            f"Karnofsky is not recorded; ECOG {ecog.value} is "
            f"{ecog_to_karnofsky(ecog).label} (an approximation, not used in the score).",
        )
    scores.append(
        _score(
            "tokuhashi",
            "Revised Tokuhashi",
            toku,
            tuple(
                Sourced(
                    c.name, c.finding_label or "unknown", toku_src.get(c.input_key, ""), c.points
                )
                for c in toku.components
            ),
            toku_notes,
        )
    )

    # Tomita.
    bone = None
    if vertebrae is not None and vertebrae >= 2:
        bone = BoneMetastases.MULTIPLE
    elif vertebrae is not None and foci is not None:
        bone = BoneMetastases.SOLITARY if vertebrae + foci == 1 else BoneMetastases.MULTIPLE
    growth = None
    if onc is not None and onc.primary_growth is not None:
        growth = api.TOMITA_GROWTH[onc.primary_growth.value]
    tomita = calculate_tomita(
        TomitaInputs(
            primary_site=site,
            primary_growth=growth,
            visceral_metastases=visceral_metastases,
            bone_metastases=bone,
        )
    )
    bone_src = ", ".join(s for s in (vertebrae_src, foci_src) if s) if bone else ""
    tomita_src = {
        "primary_growth": onc_src if growth else "",
        "primary_site": site_src,
        "visceral_metastases": visceral_src,
        "bone_metastases": bone_src,
    }
    scores.append(
        _score(
            "tomita",
            "Tomita",
            tomita,
            tuple(
                Sourced(
                    c.name, c.finding_label or "unknown", tomita_src.get(c.input_key, ""), c.points
                )
                for c in tomita.components
            ),
        )
    )

    # NESMS.
    physio: PhysiotherapistForm | None = _form(inp, PhysiotherapistForm)
    nesms_score, nesms = _nesms(
        visceral=visceral,
        visceral_src=visceral_src,
        site=site,
        site_src=site_src,
        foci=foci,
        foci_src=foci_src,
        vertebrae=vertebrae,
        vertebrae_src=vertebrae_src,
        albumin_g_per_l=onc.albumin if onc is not None else None,
        albumin_src=onc_src,
        mobility=physio.mobility if physio is not None else None,
        mobility_src=_source(inp, Role.PHYSIOTHERAPIST),
    )
    scores.append(nesms_score)

    scores.append(_performance(ecog, karnofsky, onc_src))
    scores.append(_neuro(surgeon, surg_src))
    return CaseScores(
        lesions=lesions,
        case_sins=case_sins,
        scores=tuple(replace(s, components=_components(s, lesions)) for s in scores),
        noms=noms,
        escc=escc,
        ecog=ecog,
        karnofsky=karnofsky,
        frankel=frankel,
        asia=asia,
        tokuhashi=toku,
        tomita=tomita,
        nesms=nesms,
    )


def _components(score: DerivedScore, lesions: Sequence[LesionScore]) -> tuple[str, ...]:
    """A score's inputs as lines; SINS lesion by lesion (its case line is a summary)."""
    if score.key == "sins" and lesions:
        return tuple(
            f"{lesion.level} {item.text}" for lesion in lesions for item in lesion.components
        )
    return tuple(item.text for item in score.inputs)


#: Independent ambulation (NESMS) from the physiotherapist's mobility; a walking aid
#: leaves it unknown (the board decides whether that is independent).
AMBULATORY_BY_MOBILITY: Mapping[Mobility, bool | None] = {
    Mobility.INDEPENDENT: True,
    Mobility.WALKING_AID: None,
    Mobility.ASSISTED: False,
    Mobility.WHEELCHAIR: False,
    Mobility.BEDBOUND: False,
}


def _nesms(
    *,
    visceral: VisceralStatus | None,
    visceral_src: str,
    site: PrimarySite | None,
    site_src: str,
    foci: int | None,
    foci_src: str,
    vertebrae: int | None,
    vertebrae_src: str,
    albumin_g_per_l: float | None,
    albumin_src: str,
    mobility: Mobility | None,
    mobility_src: str,
) -> tuple[DerivedScore, ScoreResult]:
    """The New England Spinal Metastasis Score with the source of each input."""
    try:
        skeletal = skeletal_metastases_from_counts(foci, vertebrae)
    except ValidationError:
        skeletal = None
    try:
        albumin = albumin_g_per_l_to_g_per_dl(albumin_g_per_l)
    except ValidationError:
        albumin = None
    ambulatory = None if mobility is None else AMBULATORY_BY_MOBILITY.get(mobility)
    result = calculate_nesms(
        NesmsInputs(
            visceral_metastases=None if visceral is None else visceral is not VisceralStatus.NONE,
            primary_site=site,
            skeletal_metastases=skeletal,
            ambulatory=ambulatory,
            albumin_g_per_dl=albumin,
        )
    )
    skeletal_src = ", ".join(s for s in (vertebrae_src, foci_src) if s) if skeletal else ""
    sources = {
        "visceral_metastases": visceral_src,
        "primary_site": site_src,
        "skeletal_metastases": skeletal_src,
        "modified_bauer": "",
        "ambulatory": (
            f"{mobility_src}: mobility {mobility.label}"
            if ambulatory is not None and mobility
            else ""
        ),
        "albumin_g_per_dl": (
            f"{albumin_src}: {albumin_g_per_l:g} g/L" if albumin is not None else ""
        ),
    }
    notes: tuple[str, ...] = ()
    if mobility is Mobility.WALKING_AID:
        notes = (
            "Mobility with a walking aid: independent ambulation is left for the board to decide.",
        )
    score = _score(
        "nesms",
        "NESMS",
        result,
        tuple(
            Sourced(c.name, c.finding_label or "unknown", sources.get(c.input_key, ""), c.points)
            for c in result.components
        ),
        notes,
    )
    return score, result


def _performance(ecog: EcogGrade | None, karnofsky: int | None, source: str) -> DerivedScore:
    inputs = (
        Sourced("ECOG", _known(ecog and f"{ecog.value} ({ecog.label})"), source if ecog else ""),
        Sourced(
            "Karnofsky",
            "unknown" if karnofsky is None else f"{karnofsky}%",
            source if karnofsky is not None else "",
        ),
    )
    notes: list[str] = []
    if ecog is not None and karnofsky is None:
        notes.append(f"ECOG {ecog.value} is {ecog_to_karnofsky(ecog).label} (approximate).")
    if karnofsky is not None and ecog is None:
        notes.append(
            f"Karnofsky {karnofsky}% is {karnofsky_to_ecog(karnofsky).label} (approximate)."
        )
    parts = []
    if ecog is not None:
        parts.append(f"ECOG {ecog.value}")
    if karnofsky is not None:
        parts.append(f"Karnofsky {karnofsky}%")
    if not parts:
        return DerivedScore(
            "performance",
            "Performance status",
            "",
            False,
            "incomplete",
            "missing ECOG or Karnofsky",
            "incomplete: missing ECOG or Karnofsky",
            ("ECOG or Karnofsky",),
            inputs,
            f"{ECOG_SOURCE} {KARNOFSKY_SOURCE}",
        )
    meaning = ecog.label if ecog is not None else ""
    value = ", ".join(parts)
    return DerivedScore(
        "performance",
        "Performance status",
        "",
        True,
        value,
        meaning,
        f"{value}" + (f": {meaning}" if meaning else ""),
        (),
        inputs,
        f"{ECOG_SOURCE} {KARNOFSKY_SOURCE}",
        tuple(notes),
    )


def _neuro(surgeon: SurgeonForm | None, source: str) -> DerivedScore:
    frankel = surgeon.frankel if surgeon else None
    asia = surgeon.asia if surgeon else None
    myelopathy = surgeon.myelopathy if surgeon else None
    radiculopathy = surgeon.radiculopathy if surgeon else None
    inputs = (
        Sourced(
            "Frankel",
            _known(frankel and f"{frankel.value} ({frankel.label})"),
            source if frankel else "",
        ),
        Sourced("ASIA", _known(asia and f"{asia.value} ({asia.label})"), source if asia else ""),
        Sourced("myelopathy", _known(myelopathy), source if myelopathy is not None else ""),
        Sourced(
            "radiculopathy", _known(radiculopathy), source if radiculopathy is not None else ""
        ),
    )
    citation = "Frankel HL et al., Paraplegia 1969;7:179-92; ASIA Impairment Scale (ISNCSCI)."
    parts = []
    if frankel is not None:
        parts.append(f"Frankel {frankel.value}")
    if asia is not None:
        parts.append(f"ASIA {asia.value}")
    if not parts:
        return DerivedScore(
            "neuro",
            "Neurological grade",
            "",
            False,
            "incomplete",
            "missing Frankel or ASIA grade",
            "incomplete: missing Frankel or ASIA grade",
            ("Frankel or ASIA grade",),
            inputs,
            citation,
        )
    meaning = frankel.label if frankel is not None else (asia.label if asia else "")
    value = ", ".join(parts)
    return DerivedScore(
        "neuro",
        "Neurological grade",
        "",
        True,
        value,
        meaning,
        f"{value}: {meaning}",
        (),
        inputs,
        citation,
    )


def level_sort_key(level: str) -> int:
    """Anatomical position of a level, unknown levels last."""
    try:
        return VertebralLevel.parse(level).index
    except ValidationError:
        return 99


__all__ = [
    "CaseScores",
    "DerivationInput",
    "DerivedScore",
    "LesionScore",
    "Sourced",
    "VisceralMetastases",
    "derive_scores",
]
