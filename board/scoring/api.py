"""The public scoring API: one call per score, with plain string values.

Other tools call these functions (re-exported from :mod:`board.scoring`)::

    from board import scoring
    scoring.sins("T12", "mechanical", "lytic", "normal", "lt50", "unilateral").total  # 11

Every function accepts the enum members of the calculators or the string values listed
in its docstring; any input may be ``"unknown"`` (or ``None``). The result is a frozen
:class:`Score` with ``total`` (``None`` when incomplete, and for ESCC and NOMS, which
have no total), ``category``, ``missing`` (the names of the unknown parameters),
``algorithm`` (the versioned id) and ``components``. A bad value raises
:class:`~board.errors.ValidationError` (a ``ValueError``) naming the parameter and the
values it accepts.

The arithmetic lives in the calculators (:mod:`~board.scoring.sins`,
:mod:`~board.scoring.escc`, :mod:`~board.scoring.tokuhashi`,
:mod:`~board.scoring.tomita`, :mod:`~board.scoring.noms`,
:mod:`~board.scoring.nesms_score`); this module only translates the public vocabulary.
Scores advise; the board decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import board.scoring.escc as escc_mod
import board.scoring.nesms_score as nesms_mod
import board.scoring.noms as noms_mod
import board.scoring.sins as sins_mod
import board.scoring.tokuhashi as tokuhashi_mod
import board.scoring.tomita as tomita_mod
from board.cases.levels import VertebralLevel
from board.errors import ValidationError
from board.scoring.common import INCOMPLETE_PREFIX, ScoreComponent, ScoreResult
from board.scoring.neuro import FrankelGrade
from board.scoring.primary import PrimarySite, TomitaGrowth, VisceralMetastases

UNKNOWN = "unknown"

# Public string value -> calculator enum member, per parameter.
SINS_PAIN: Mapping[str, sins_mod.SinsPain] = {
    "mechanical": sins_mod.SinsPain.MECHANICAL,
    "occasional": sins_mod.SinsPain.OCCASIONAL,
    "none": sins_mod.SinsPain.PAIN_FREE,
}
SINS_LESION: Mapping[str, sins_mod.BoneLesion] = {
    "lytic": sins_mod.BoneLesion.LYTIC,
    "mixed": sins_mod.BoneLesion.MIXED,
    "blastic": sins_mod.BoneLesion.BLASTIC,
}
SINS_ALIGNMENT: Mapping[str, sins_mod.Alignment] = {
    "subluxation": sins_mod.Alignment.SUBLUXATION_TRANSLATION,
    "deformity": sins_mod.Alignment.DE_NOVO_DEFORMITY,
    "normal": sins_mod.Alignment.NORMAL,
}
SINS_COLLAPSE: Mapping[str, sins_mod.Collapse] = {
    "gt50": sins_mod.Collapse.OVER_50,
    "lt50": sins_mod.Collapse.UNDER_50,
    "involved_gt50": sins_mod.Collapse.NO_COLLAPSE_OVER_50_INVOLVED,
    "none": sins_mod.Collapse.NONE,
}
SINS_POSTEROLATERAL: Mapping[str, sins_mod.Posterolateral] = {
    "bilateral": sins_mod.Posterolateral.BILATERAL,
    "unilateral": sins_mod.Posterolateral.UNILATERAL,
    "none": sins_mod.Posterolateral.NONE,
}
ESCC_GRADES: Mapping[str, escc_mod.EsccGrade] = {g.value: g for g in escc_mod.EsccGrade}
TOKUHASHI_VISCERAL: Mapping[str, VisceralMetastases] = {
    "unremovable": VisceralMetastases.UNTREATABLE,
    "removable": VisceralMetastases.TREATABLE,
    "none": VisceralMetastases.NONE,
}
TOMITA_VISCERAL: Mapping[str, VisceralMetastases] = {
    "none": VisceralMetastases.NONE,
    "treatable": VisceralMetastases.TREATABLE,
    "untreatable": VisceralMetastases.UNTREATABLE,
}
TOMITA_GROWTH: Mapping[str, TomitaGrowth] = {g.value: g for g in TomitaGrowth}
TOMITA_BONE: Mapping[str, tomita_mod.BoneMetastases] = {
    b.value: b for b in tomita_mod.BoneMetastases
}
NESMS_VISCERAL: Mapping[str, bool] = {
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "present": True,
    "none": False,
    "treatable": True,
    "untreatable": True,
    "removable": True,
    "unremovable": True,
}
NESMS_SKELETAL: Mapping[str, nesms_mod.SkeletalMetastases] = {
    "solitary": nesms_mod.SkeletalMetastases.SOLITARY,
    "single": nesms_mod.SkeletalMetastases.SOLITARY,
    "multiple": nesms_mod.SkeletalMetastases.MULTIPLE,
}
FRANKEL: Mapping[str, FrankelGrade] = {g.value.casefold(): g for g in FrankelGrade}
RADIOSENSITIVITY: Mapping[str, bool] = {"radiosensitive": True, "radioresistant": False}
YES_NO: Mapping[str, bool] = {"yes": True, "no": False, "true": True, "false": False}

#: Primary sites by the names of the reference table (revised Tokuhashi), plus every
#: :class:`PrimarySite` value.
TOKUHASHI_PRIMARY: Mapping[str, PrimarySite] = {
    "lung": PrimarySite.LUNG_NSCLC,
    "osteosarcoma": PrimarySite.OSTEOSARCOMA,
    "stomach": PrimarySite.STOMACH,
    "bladder": PrimarySite.BLADDER,
    "oesophagus": PrimarySite.OESOPHAGUS,
    "esophagus": PrimarySite.OESOPHAGUS,
    "pancreas": PrimarySite.PANCREAS,
    "liver": PrimarySite.LIVER,
    "gallbladder": PrimarySite.GALLBLADDER,
    "unidentified": PrimarySite.UNKNOWN_PRIMARY,
    "others": PrimarySite.OTHER,
    "kidney": PrimarySite.KIDNEY,
    "uterus": PrimarySite.UTERUS,
    "rectum": PrimarySite.RECTUM,
    "thyroid": PrimarySite.THYROID,
    "breast": PrimarySite.BREAST,
    "prostate": PrimarySite.PROSTATE,
    "carcinoid tumour": PrimarySite.NEUROENDOCRINE,
    "carcinoid": PrimarySite.NEUROENDOCRINE,
    **{site.value: site for site in PrimarySite},
}


@dataclass(frozen=True, slots=True)
class Score:
    """The result of one public scoring call.

    Parameters
    ----------
    algorithm:
        Versioned algorithm id, e.g. ``"sins@fisher2010"``.
    name, source:
        Display name and citation.
    total:
        Total points; ``None`` when incomplete, and always for ESCC and NOMS.
    category:
        The band (or the ESCC group, or the NOMS suggestion); ``None`` when incomplete.
    category_code:
        A stable code for the band (``"stable"``, ``"high"``, ``"cebrt"`` ...), or ``None``.
    missing:
        Names of the parameters still unknown (in parameter order); empty when complete.
    components:
        One line per component, each naming its parameter in ``input_key``.
    result:
        The calculator's full result (reasoning, consultation flag, ...).
    """

    algorithm: str
    name: str
    source: str
    total: int | None
    category: str | None
    category_code: str | None
    missing: tuple[str, ...]
    components: tuple[ScoreComponent, ...]
    result: ScoreResult | noms_mod.NomsResult

    @property
    def complete(self) -> bool:
        """Whether every needed input was known."""
        return not self.missing

    def summary(self) -> str:
        """One line: ``"incomplete: missing a, b"`` or ``"<total>: <category>"``.

        Returns
        -------
        str
            Never a partial total.
        """
        if self.missing:
            return INCOMPLETE_PREFIX + ", ".join(self.missing)
        if self.total is None:
            return str(self.category)
        return f"{self.total}: {self.category}"


def _allowed(choices: Mapping[str, Any]) -> str:
    return ", ".join(f"'{c}'" for c in (*choices, UNKNOWN))


def _is_unknown(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().casefold() in (UNKNOWN, ""))


def _choice(value: object, field: str, choices: Mapping[str, Any], member_type: type) -> Any:
    """Translate a public value (or a calculator member) for one parameter."""
    if _is_unknown(value):
        return None
    if isinstance(value, Enum) and isinstance(value, member_type):
        return value
    if isinstance(value, str):
        key = value.strip().casefold()
        if key in choices:
            return choices[key]
    raise ValidationError(
        f"{field}: {value!r} is not an allowed value; expected one of {_allowed(choices)}.",
        field=field,
    )


def _whole(value: object, field: str, minimum: int, maximum: int | None = None) -> int | None:
    if _is_unknown(value):
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    upper = "" if maximum is None else f" to {maximum}"
    if number is None or number < minimum or (maximum is not None and number > maximum):
        raise ValidationError(
            f"{field}: {value!r} is not allowed; expected a whole number from {minimum}"
            f"{upper}, or '{UNKNOWN}'.",
            field=field,
        )
    return number


def _yes_no(value: object, field: str, choices: Mapping[str, bool] = YES_NO) -> bool | None:
    if _is_unknown(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, noms_mod.Radiosensitivity):
        return value is noms_mod.Radiosensitivity.RADIOSENSITIVE
    if isinstance(value, str) and value.strip().casefold() in choices:
        return choices[value.strip().casefold()]
    raise ValidationError(
        f"{field}: {value!r} is not an allowed value; expected True, False, {_allowed(choices)}.",
        field=field,
    )


def _renamed(
    result: ScoreResult, names: Mapping[str, str]
) -> tuple[tuple[ScoreComponent, ...], tuple[str, ...]]:
    """Components with public parameter names, and the names still missing."""
    components = tuple(
        ScoreComponent(c.name, c.finding_label, c.points, names.get(c.input_key, c.input_key))
        for c in result.components
    )
    missing = tuple(c.input_key for c in components if c.points is None)
    return components, missing


def _score(
    result: ScoreResult,
    components: tuple[ScoreComponent, ...],
    missing: tuple[str, ...],
    code: str | None,
) -> Score:
    return Score(
        algorithm=result.algorithm_id,
        name=result.name,
        source=result.source,
        total=None if missing else result.total,
        category=None if missing else result.category,
        category_code=None if missing else code,
        missing=missing,
        components=components,
        result=result,
    )


def sins(
    level: VertebralLevel | str | None,
    pain: sins_mod.SinsPain | str | None,
    lesion: sins_mod.BoneLesion | str | None,
    alignment: sins_mod.Alignment | str | None,
    collapse: sins_mod.Collapse | str | None,
    posterolateral: sins_mod.Posterolateral | str | None,
) -> Score:
    """Spinal Instability Neoplastic Score of one lesion (Fisher 2010).

    Parameters
    ----------
    level:
        Vertebral level C1..S5, e.g. ``"T12"`` (the coccyx is rejected).
    pain:
        ``"mechanical"``, ``"occasional"`` or ``"none"``.
    lesion:
        ``"lytic"``, ``"mixed"`` or ``"blastic"``.
    alignment:
        ``"subluxation"``, ``"deformity"`` or ``"normal"``.
    collapse:
        ``"gt50"``, ``"lt50"``, ``"involved_gt50"`` or ``"none"``.
    posterolateral:
        ``"bilateral"``, ``"unilateral"`` or ``"none"``.

    Returns
    -------
    Score
        Total 0-18 with its band (``category_code`` ``stable``, ``potentially_unstable``
        or ``unstable``); ``result.surgical_consultation_advised`` is ``True`` at 7 or more.

    Raises
    ------
    ValidationError
        If a value is not allowed (the message names the parameter and the choices).
    """
    parsed_level = None
    if level is not None and not _is_unknown(level):
        try:
            parsed_level = sins_mod.parse_level(level)
        except ValidationError as exc:
            raise ValidationError(
                f"level: {exc.message} ('{UNKNOWN}' is also allowed)", field="level"
            ) from None
    inputs = sins_mod.SinsInputs(
        level=parsed_level,
        pain=_choice(pain, "pain", SINS_PAIN, sins_mod.SinsPain),
        bone_lesion=_choice(lesion, "lesion", SINS_LESION, sins_mod.BoneLesion),
        alignment=_choice(alignment, "alignment", SINS_ALIGNMENT, sins_mod.Alignment),
        collapse=_choice(collapse, "collapse", SINS_COLLAPSE, sins_mod.Collapse),
        posterolateral=_choice(
            posterolateral, "posterolateral", SINS_POSTEROLATERAL, sins_mod.Posterolateral
        ),
    )
    result = sins_mod.calculate_sins(inputs)
    components, missing = _renamed(result, {"bone_lesion": "lesion"})
    code = None if result.total is None else sins_mod.sins_category(result.total).value
    return _score(result, components, missing, code)


EsccGradeArg = escc_mod.EsccGrade | str | int | None
"""One ESCC grade as the public functions take it."""


def _case_escc(levels: Mapping[Any, EsccGradeArg], field: str) -> escc_mod.CaseEsccResult:
    """The case-level ESCC of a ``{level: grade}`` mapping, with public errors."""
    pairs = []
    for level, grade in levels.items():
        if isinstance(grade, int) and not isinstance(grade, bool):
            grade = str(grade)
        pairs.append((level, _choice(grade, field, ESCC_GRADES, escc_mod.EsccGrade)))
    try:
        return escc_mod.calculate_case_escc(pairs)
    except ValidationError as exc:
        raise ValidationError(f"{field}: {exc.message}", field=field) from None


def escc(grade: EsccGradeArg | Mapping[Any, EsccGradeArg]) -> Score:
    """Epidural spinal cord compression grade (Bilsky 2010), of one level or of a case.

    Parameters
    ----------
    grade:
        ``"0"``, ``"1a"``, ``"1b"``, ``"1c"``, ``"2"`` or ``"3"`` (0, 2 and 3 may also be
        given as numbers); or a mapping of levels to grades, e.g. ``{"T8": "3", "T10":
        "unknown"}``, for the case's grade over several levels.

    Returns
    -------
    Score
        No total; ``category`` names the grade and its group, ``category_code`` is
        ``low``, ``borderline`` (1c) or ``high``. For a mapping, the highest known grade
        drives the case: when any known level is 2 or 3 the result is complete ("high
        grade at T8 (ESCC 3)") even if another level is unknown
        (``result.ungraded_levels`` names it); only when every known level is low grade
        and some level is unknown is it incomplete, ``missing`` then naming the levels.

    Raises
    ------
    ValidationError
        If a grade is not one of these, or a level is not C1..S5.
    """
    if isinstance(grade, Mapping):
        case = _case_escc(grade, "grade")
        case_missing = () if case.complete else (case.ungraded_levels or ("grade",))
        return Score(
            algorithm=case.algorithm_id,
            name=case.name,
            source=case.source,
            total=None,
            category=case.category,
            category_code=None if case.group is None else case.group.value,
            missing=case_missing,
            components=case.components,
            result=case,
        )
    if isinstance(grade, int) and not isinstance(grade, bool):
        grade = str(grade)
    value = _choice(grade, "grade", ESCC_GRADES, escc_mod.EsccGrade)
    result = escc_mod.calculate_escc(escc_mod.EsccInputs(grade=value))
    components, missing = _renamed(result, {})
    missing = () if value is not None else ("grade",)
    return _score(result, components, missing, None if value is None else value.group.value)


def tokuhashi(
    karnofsky: int | str | None,
    extraspinal_bone_foci: int | str | None,
    vertebral_metastases: int | str | None,
    visceral: VisceralMetastases | str | None,
    primary: PrimarySite | str | None,
    frankel: FrankelGrade | str | None,
) -> Score:
    """Revised Tokuhashi score (Tokuhashi 2005).

    Parameters
    ----------
    karnofsky:
        Karnofsky performance status 10-100 in steps of 10.
    extraspinal_bone_foci:
        Number of extraspinal bone metastatic foci (0 or more).
    vertebral_metastases:
        Number of vertebral bodies with metastases (1 or more).
    visceral:
        ``"unremovable"``, ``"removable"`` or ``"none"``.
    primary:
        A site name of the reference table (``"lung"``, ``"osteosarcoma"``, ``"stomach"``,
        ``"bladder"``, ``"oesophagus"``, ``"pancreas"``, ``"liver"``, ``"gallbladder"``,
        ``"unidentified"``, ``"others"``, ``"kidney"``, ``"uterus"``, ``"rectum"``,
        ``"thyroid"``, ``"breast"``, ``"prostate"``, ``"carcinoid tumour"``) or a
        :class:`~board.scoring.primary.PrimarySite` value.
    frankel:
        ``"A"`` to ``"E"``.

    Returns
    -------
    Score
        Total 0-15 with its survival band (``under_6_months``, ``6_months_or_more``,
        ``1_year_or_more``).

    Raises
    ------
    ValidationError
        If a value is not allowed.
    """
    k = _whole(karnofsky, "karnofsky", 10, 100)
    if k is not None and k % 10:
        raise ValidationError(
            f"karnofsky: {karnofsky!r} is not allowed; expected 10, 20, ..., 100, or '{UNKNOWN}'.",
            field="karnofsky",
        )
    inputs = tokuhashi_mod.TokuhashiInputs(
        karnofsky=k,
        extraspinal_bone_metastases=_whole(extraspinal_bone_foci, "extraspinal_bone_foci", 0),
        vertebral_body_metastases=_whole(vertebral_metastases, "vertebral_metastases", 1),
        visceral_metastases=_choice(visceral, "visceral", TOKUHASHI_VISCERAL, VisceralMetastases),
        primary_site=_choice(primary, "primary", TOKUHASHI_PRIMARY, PrimarySite),
        frankel=_choice(frankel, "frankel", FRANKEL, FrankelGrade),
    )
    result = tokuhashi_mod.calculate_tokuhashi(inputs)
    components, missing = _renamed(
        result,
        {
            "extraspinal_bone_metastases": "extraspinal_bone_foci",
            "vertebral_body_metastases": "vertebral_metastases",
            "visceral_metastases": "visceral",
            "primary_site": "primary",
        },
    )
    code = None if result.total is None else tokuhashi_mod.tokuhashi_band(result.total).value
    return _score(result, components, missing, code)


def tomita(
    primary_growth: TomitaGrowth | str | None,
    visceral: VisceralMetastases | str | None,
    bone: tomita_mod.BoneMetastases | str | None,
) -> Score:
    """Tomita score (Tomita 2001).

    Parameters
    ----------
    primary_growth:
        ``"slow"``, ``"moderate"`` or ``"rapid"``.
    visceral:
        ``"none"``, ``"treatable"`` or ``"untreatable"``.
    bone:
        ``"solitary"`` or ``"multiple"``.

    Returns
    -------
    Score
        Total 2-10 with the authors' band (``long_term``, ``middle_term``,
        ``short_term``, ``supportive``).

    Raises
    ------
    ValidationError
        If a value is not allowed.
    """
    inputs = tomita_mod.TomitaInputs(
        primary_growth=_choice(primary_growth, "primary_growth", TOMITA_GROWTH, TomitaGrowth),
        visceral_metastases=_choice(visceral, "visceral", TOMITA_VISCERAL, VisceralMetastases),
        bone_metastases=_choice(bone, "bone", TOMITA_BONE, tomita_mod.BoneMetastases),
    )
    result = tomita_mod.calculate_tomita(inputs)
    components, missing = _renamed(
        result, {"visceral_metastases": "visceral", "bone_metastases": "bone"}
    )
    code = None if result.total is None else tomita_mod.tomita_band(result.total).value
    return _score(result, components, missing, code)


def noms(
    escc_grade: EsccGradeArg | Mapping[Any, EsccGradeArg],
    radiosensitive: bool | noms_mod.Radiosensitivity | str | None,
    sins_total: int | str | None,
    mechanical_pain: bool | str | None,
    can_tolerate_surgery: bool | str | None,
) -> Score:
    """The NOMS suggestion (Laufer 2013): decision support, not a score.

    Parameters
    ----------
    escc_grade:
        ``"0"``, ``"1a"``, ``"1b"``, ``"1c"``, ``"2"`` or ``"3"``; or a ``{level: grade}``
        mapping, read as by :func:`escc` (a known high-grade level decides the grid even
        if another level is unknown).
    radiosensitive:
        ``True``/``"radiosensitive"`` or ``False``/``"radioresistant"`` (to cEBRT).
    sins_total:
        SINS total 0-18 of the driving lesion.
    mechanical_pain:
        ``True``/``False`` (``"yes"``/``"no"``); needed only when SINS is 7-12.
    can_tolerate_surgery:
        ``True``/``False`` (``"yes"``/``"no"``): the systemic judgement.

    Returns
    -------
    Score
        No total; ``category`` is the suggestion (after the mechanical and systemic
        modifiers), ``category_code`` the N x O grid cell; ``result.reasoning`` explains
        it. Neurologic status (myelopathy, Frankel/ASIA) is not an input here: the grid
        uses the ESCC grade.

    Raises
    ------
    ValidationError
        If a value is not allowed.
    """
    escc_extra: dict[str, Any] = {}
    grade: escc_mod.EsccGrade | None
    if isinstance(escc_grade, Mapping):
        case = _case_escc(escc_grade, "escc_grade")
        escc_extra = noms_mod.escc_inputs_from_case(case)
        del escc_extra["escc_grade"]
        grade = case.grade if case.complete else None
    else:
        if isinstance(escc_grade, int) and not isinstance(escc_grade, bool):
            escc_grade = str(escc_grade)
        grade = _choice(escc_grade, "escc_grade", ESCC_GRADES, escc_mod.EsccGrade)
    sensitive = _yes_no(radiosensitive, "radiosensitive", RADIOSENSITIVITY)
    total = _whole(sins_total, "sins_total", 0, 18)
    mechanical = _yes_no(mechanical_pain, "mechanical_pain")
    tolerates = _yes_no(can_tolerate_surgery, "can_tolerate_surgery")
    radiosensitivity = None
    if sensitive is not None:
        radiosensitivity = (
            noms_mod.Radiosensitivity.RADIOSENSITIVE
            if sensitive
            else noms_mod.Radiosensitivity.RADIORESISTANT
        )
    result = noms_mod.calculate_noms(
        noms_mod.NomsInputs(
            escc_grade=grade,
            radiosensitivity=radiosensitivity,
            sins_total=total,
            mechanical_pain=mechanical,
            tolerates_surgery=tolerates,
            **escc_extra,
        )
    )
    missing: list[str] = []
    if grade is None:
        missing.append("escc_grade")
    if sensitive is None:
        missing.append("radiosensitive")
    if total is None:
        missing.append("sins_total")
    if total is not None and 7 <= total <= 12 and mechanical is None:
        missing.append("mechanical_pain")
    if tolerates is None:
        missing.append("can_tolerate_surgery")
    components = (
        ScoreComponent(
            "neurologic (ESCC)",
            None
            if grade is None
            else f"ESCC {grade.value}{_at(escc_extra.get('escc_level'))}: {grade.group.label}",
            None,
            "escc_grade",
        ),
        ScoreComponent(
            "oncologic",
            None if radiosensitivity is None else radiosensitivity.label,
            None,
            "radiosensitive",
        ),
        ScoreComponent(
            "mechanical (SINS)",
            None if total is None else _mechanical_label(total, mechanical),
            None,
            "sins_total",
        ),
        ScoreComponent(
            "systemic",
            None if tolerates is None else result.systemic,
            None,
            "can_tolerate_surgery",
        ),
    )
    done = not missing
    return Score(
        algorithm=result.algorithm_id,
        name=result.name,
        source=result.source,
        total=None,
        category="; ".join(result.suggestions) if done else None,
        category_code=None if not done or result.grid is None else result.grid.value,
        missing=tuple(missing),
        components=components,
        result=result,
    )


def _at(level: object) -> str:
    return f" at {level}" if level else ""


def _mechanical_label(total: int, mechanical: bool | None) -> str:
    stabilise = noms_mod.stabilisation_indicated(total, mechanical)
    if stabilise is None:
        return f"SINS {total}: mechanical pain unknown"
    return f"SINS {total}: " + ("stabilisation advised" if stabilise else "no stabilisation")


def _number(value: object, field: str) -> float | None:
    if _is_unknown(value):
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None:
        raise ValidationError(
            f"{field}: {value!r} is not allowed; expected a number, or '{UNKNOWN}'.", field=field
        )
    return number


def nesms(
    visceral_metastases: bool | VisceralMetastases | str | None,
    primary: PrimarySite | str | None,
    skeletal_metastases: nesms_mod.SkeletalMetastases | str | int | None,
    ambulatory: bool | str | None,
    albumin_g_per_dl: float | int | str | None,
) -> Score:
    """New England Spinal Metastasis Score (Ghori 2015; Schoenfeld 2016).

    Parameters
    ----------
    visceral_metastases:
        Whether visceral metastases are present: ``True``/``"yes"`` or
        ``False``/``"no"``; the Tokuhashi/Tomita values are read too (``"none"`` is no;
        ``"treatable"``, ``"untreatable"``, ``"removable"``, ``"unremovable"`` are yes).
    primary:
        A primary site as for :func:`tokuhashi` (``"lung"``, ``"breast"``, ``"kidney"``,
        ``"lymphoma"``, ``"myeloma"``, ... or a
        :class:`~board.scoring.primary.PrimarySite` value).
    skeletal_metastases:
        ``"solitary"`` (or ``"single"``) or ``"multiple"``, spinal and extraspinal
        together; or their number (1 is solitary, 2 or more multiple).
    ambulatory:
        Independent ambulation: ``True``/``"yes"`` or ``False``/``"no"``.
    albumin_g_per_dl:
        Serum albumin in g/dL (0-10; 35 g/L is 3.5 g/dL, see
        :func:`~board.scoring.nesms_score.albumin_g_per_l_to_g_per_dl`).

    Returns
    -------
    Score
        Total 0-3 (higher is better) with ``category_code`` ``"0"`` to ``"3"``;
        ``result.modified_bauer`` is the modified Bauer score 0-4. Incomplete, naming the
        parameters, when any input is unknown.

    Raises
    ------
    ValidationError
        If a value is not allowed (the message names the parameter and the choices).
    """
    visceral = _yes_no(visceral_metastases, "visceral_metastases", NESMS_VISCERAL)
    if isinstance(visceral_metastases, VisceralMetastases):
        visceral = visceral_metastases is not VisceralMetastases.NONE
    skeletal_value: object = skeletal_metastases
    if isinstance(skeletal_metastases, int) and not isinstance(skeletal_metastases, bool):
        count = _whole(skeletal_metastases, "skeletal_metastases", 1)
        skeletal_value = "multiple" if count is not None and count >= 2 else "solitary"
    albumin = _number(albumin_g_per_dl, "albumin_g_per_dl")
    try:
        albumin = nesms_mod.validate_albumin_g_per_dl(albumin)
    except ValidationError as exc:
        raise ValidationError(
            f"albumin_g_per_dl: {exc.message}", field="albumin_g_per_dl"
        ) from None
    inputs = nesms_mod.NesmsInputs(
        visceral_metastases=visceral,
        primary_site=_choice(primary, "primary", TOKUHASHI_PRIMARY, PrimarySite),
        skeletal_metastases=_choice(
            skeletal_value, "skeletal_metastases", NESMS_SKELETAL, nesms_mod.SkeletalMetastases
        ),
        ambulatory=_yes_no(ambulatory, "ambulatory"),
        albumin_g_per_dl=albumin,
    )
    result = nesms_mod.calculate_nesms(inputs)
    names = {"primary_site": "primary"}
    components = tuple(
        ScoreComponent(c.name, c.finding_label, c.points, names.get(c.input_key, c.input_key))
        for c in result.components
    )
    public = {
        "visceral_metastases": "visceral_metastases",
        "primary_site": "primary",
        "skeletal_metastases": "skeletal_metastases",
        "ambulatory": "ambulatory",
        "albumin_g_per_dl": "albumin_g_per_dl",
    }
    missing = tuple(name for key, name in public.items() if getattr(inputs, key) is None)
    code = None if result.total is None else str(result.total)
    return _score(result, components, missing, code)
