"""Normalise free-text DICOM headers: body region, MR sequence weighting, and the
names and identifiers scrubbed from descriptions.

Both functions work on plain strings and numbers, so the same rules serve files
(:mod:`board.imaging.parse`), PACS metadata (DICOMweb JSON) and manual entry.
Matching is on upper-cased text in which punctuation (``-``, ``_``, ``/``, ``^``,
``.``) counts as a space and German umlauts are spelled out (``Ä`` -> ``AE``), so
``C-Spine``, ``c_spine``, ``CSPINE`` and ``HWS`` are all the cervical spine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from board.imaging.enums import BodyRegion, SequenceHint

__all__ = [
    "GENERIC_WORDS",
    "combine_regions",
    "identifier_words",
    "normalise_body_region",
    "scrub_identifiers",
    "sequence_hint",
]

_UMLAUTS = str.maketrans({"Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "SS"})
_SEPARATORS = re.compile(r"[^A-Z0-9+*]+")


def _norm(*texts: str | None) -> str:
    """Upper-case, spell out umlauts, punctuation to single spaces, padded with spaces."""
    joined = " | ".join(t for t in texts if t)
    upper = joined.upper().translate(_UMLAUTS)
    return " " + _SEPARATORS.sub(" ", upper).strip() + " "


def _rx(body: str) -> re.Pattern[str]:
    """A pattern matching ``body`` as whole words (no letter or digit on either side)."""
    return re.compile(rf"(?<![A-Z0-9])(?:{body})(?![A-Z0-9])")


# -- body region ------------------------------------------------------------------------

_C, _T, _L, _S = BodyRegion.CERVICAL, BodyRegion.THORACIC, BodyRegion.LUMBAR, BodyRegion.SACRAL

#: Keywords naming two adjacent regions at once.
_PAIR_PATTERNS: tuple[tuple[re.Pattern[str], frozenset[BodyRegion]], ...] = (
    (
        _rx(r"CTSPINE|C T ?SPINE|CERVICOTHORACIC|CERVICO ?THORACIC|C ?T ?JUNCTION"),
        frozenset({_C, _T}),
    ),
    (_rx(r"TLSPINE|T ?L ?SPINE|THORACOLUMBAR|THORACO ?LUMBAR|BWS ?LWS"), frozenset({_T, _L})),
    (_rx(r"LSSPINE|L ?S ?SPINE|LUMBOSACRAL|LUMBO ?SACRAL|LWS ?SAKRUM"), frozenset({_L, _S})),
)
_WHOLE_SPINE = _rx(
    r"WHOLE ?SPINE|TOTAL ?SPINE|ENTIRE ?SPINE|FULL ?SPINE|COMPLETE ?SPINE|SPINE ?WHOLE"
    r"|ALL ?SPINE|WS ?GESAMT|GESAMTE ?WS|GANZE ?WS|GANZWIRBELSAEULE|GESAMTWIRBELSAEULE"
    r"|GESAMTE ?WIRBELSAEULE|GANZE ?WIRBELSAEULE|CTL ?SPINE|C T L ?SPINE"
)
_REGION_PATTERNS: tuple[tuple[re.Pattern[str], BodyRegion], ...] = (
    (_rx(r"C ?SPINE|CERVICAL|HWS|HALSWIRBELSAEULE"), _C),
    (_rx(r"T ?SPINE|TH ?SPINE|THORACIC ?SPINE|DORSAL ?SPINE|D ?SPINE|BWS|BRUSTWIRBELSAEULE"), _T),
    (_rx(r"L ?SPINE|LUMBAR|LUMBAL|LWS|LENDENWIRBELSAEULE"), _L),
    (_rx(r"S ?SPINE|SACRUM|SACRAL|SAKRUM|KREUZBEIN|COCCYX|STEISSBEIN|SACROCOCCYGEAL"), _S),
)
#: "THORACIC" alone may mean the chest; it names the thoracic spine only next to a
#: spine word.
_THORACIC_ALONE = _rx(r"THORACIC|THORAKAL|TH")
_SPINE = _rx(r"SPINE|SPINAL|WS|WIRBELSAEULE|VERTEBRA\w*|MYELO\w*|COLUMNA")
_WHOLE_BODY = _rx(
    r"WHOLE ?BODY|WHOLEBODY|TOTAL ?BODY|GANZKOERPER|WB|SKULL ?BASE ?TO ?THIGH|SKULL ?TO ?THIGH"
    r"|VERTEX ?TO ?THIGH|EYES? ?TO ?THIGH|HEAD ?TO ?TOE|TORSO"
)


def normalise_body_region(body_part_examined: str | None, *descriptions: str | None) -> BodyRegion:
    """Map a body part code and descriptions to a :class:`BodyRegion`.

    Rules, in order:

    1. a whole-spine keyword (``WHOLE SPINE``, ``GANZE WS``, ...) gives WHOLE_SPINE;
    2. the spine regions named anywhere (``CSPINE``, ``C-SPINE``, ``HWS``, ``LSPINE``,
       ``LWS``, ``SACRUM``, paired codes like ``LSSPINE``) are collected; lumbar with
       sacral counts as lumbar (lumbosacral imaging); one region gives that region,
       cervical + thoracic + lumbar gives WHOLE_SPINE, any other pair gives SPINE;
    3. a whole-body keyword (``WHOLEBODY``, ``WB``, ``skull to thigh``) gives WHOLE_BODY;
    4. a generic spine word (``SPINE``, ``WS``, ``VERTEBRA``) gives SPINE;
    5. any other stated body part gives OTHER, nothing at all gives UNKNOWN.

    Parameters
    ----------
    body_part_examined:
        (0018,0015) Body Part Examined (a code such as ``LSPINE``) or ``None``.
    descriptions:
        Free texts to search as well: study description, series description,
        protocol name.

    Returns
    -------
    BodyRegion
        The normalised region.
    """
    text = _norm(body_part_examined, *descriptions)
    if not text.strip():
        return BodyRegion.UNKNOWN
    if _WHOLE_SPINE.search(text):
        return BodyRegion.WHOLE_SPINE
    regions: set[BodyRegion] = set()
    for pattern, pair in _PAIR_PATTERNS:
        if pattern.search(text):
            regions |= pair
    for pattern, region in _REGION_PATTERNS:
        if pattern.search(text):
            regions.add(region)
    generic_spine = bool(_SPINE.search(text))
    if generic_spine and _THORACIC_ALONE.search(text):
        regions.add(_T)
    if regions:
        return _combine(regions)
    if _WHOLE_BODY.search(text):
        return BodyRegion.WHOLE_BODY
    if generic_spine:
        return BodyRegion.SPINE
    if (body_part_examined or "").strip():
        return BodyRegion.OTHER
    return BodyRegion.UNKNOWN


def combine_regions(regions: Iterable[BodyRegion]) -> BodyRegion:
    """One region for a study made of series with the given regions.

    Spine regions combine as in :func:`normalise_body_region` (lumbar + sacral is
    lumbar; C + T + L is whole spine; another pair is SPINE); then whole spine, spine,
    whole body and other win in that order.

    Parameters
    ----------
    regions:
        The regions of the series.

    Returns
    -------
    BodyRegion
        The study's region; UNKNOWN when nothing is known.
    """
    present = set(regions)
    specific = present & {_C, _T, _L, _S}
    if specific:
        combined = _combine(set(specific))
        if BodyRegion.WHOLE_SPINE in present:
            return BodyRegion.WHOLE_SPINE
        return combined
    for region in (
        BodyRegion.WHOLE_SPINE,
        BodyRegion.SPINE,
        BodyRegion.WHOLE_BODY,
        BodyRegion.OTHER,
    ):
        if region in present:
            return region
    return BodyRegion.UNKNOWN


def _combine(regions: set[BodyRegion]) -> BodyRegion:
    if _L in regions:
        regions.discard(_S)
    if len(regions) == 1:
        return next(iter(regions))
    if {_C, _T, _L} <= regions:
        return BodyRegion.WHOLE_SPINE
    return BodyRegion.SPINE


# -- MR sequence ------------------------------------------------------------------------

_STIR = re.compile(r"STIR|TIRM")
_DWI = _rx(r"DWI|DIFF\w*|ADC|TRACEW|DTI|RESOLVE|EP2D ?DIFF\w*|B ?\d{3,4}")
_FLAIR = re.compile(r"FLAIR")
_T1 = re.compile(
    r"(?<![A-Z0-9])T1(?![0-9])|MPRAGE|MP ?RAGE|(?<![A-Z0-9])VIBE(?![A-Z0-9])|SPGR|BRAVO|THRIVE"
    r"|(?<![A-Z0-9])LAVA(?![A-Z0-9])"
)
_CONTRAST = re.compile(
    r"\+ ?C(?![A-Z0-9])|(?<![A-Z0-9])C ?\+|\+ ?GD|(?<![A-Z0-9])GD(?![A-Z0-9])|GADO\w*|GAD(?![A-Z])"
    r"|(?<![A-Z0-9])KM(?![A-Z0-9])|\+ ?KM|(?<![A-Z0-9])POST(?![A-Z0-9])|CONTRAST|KONTRAST"
    r"|(?<![A-Z0-9])CE(?![A-Z0-9])"
)
_T2 = re.compile(r"(?<![A-Z0-9])T2(?![0-9*])|HASTE|(?<![A-Z0-9])SSFSE(?![A-Z0-9])")
_PD = _rx(r"PD|PDW|PD ?W|PROTON ?DENSITY|PROTONEN\w*")
_SIEMENS_DWI_SEQUENCE = re.compile(r"EP_B\d+")

#: Inversion-time limits (ms) used when only the headers' timing is known.
STIR_MAX_INVERSION_MS = 300.0
FLAIR_MIN_INVERSION_MS = 1500.0


def sequence_hint(
    *,
    series_description: str | None = None,
    protocol_name: str | None = None,
    sequence_name: str | None = None,
    scanning_sequence: str | Iterable[str] | None = None,
    inversion_time: float | None = None,
    repetition_time: float | None = None,
    echo_time: float | None = None,
    contrast_agent: str | None = None,
) -> SequenceHint | None:
    """Guess the weighting of an MR series from its headers.

    Words in the series description, protocol name and sequence name decide first,
    in this order: STIR (``STIR``, ``TIRM``), diffusion (``DWI``, ``DIFF``, ``ADC``),
    T1 (``T1``, ``MPRAGE``, ``VIBE``, ...; with contrast when ``+C``, ``GD``, ``KM``,
    ``POST``... or a contrast agent is recorded), FLAIR, T2 (``T2`` but not ``T2*``,
    ``HASTE``), proton density. ``T12`` (a vertebra) is not ``T1``. Without a word,
    timing decides: an inversion-recovery sequence with TI < 300 ms is STIR and with
    TI > 1500 ms FLAIR; a spin echo with TR < 900 ms and TE < 30 ms is T1, with TR >=
    2000 ms is T2 when TE >= 60 ms and PD when TE < 40 ms.

    Parameters
    ----------
    series_description, protocol_name, sequence_name:
        (0008,103E), (0018,1030), (0018,0024).
    scanning_sequence:
        (0018,0020) values such as ``SE``, ``IR``, ``GR``, ``EP`` (a string with
        backslashes or a list).
    inversion_time, repetition_time, echo_time:
        (0018,0082), (0018,0080), (0018,0081) in milliseconds.
    contrast_agent:
        (0018,0010) Contrast/Bolus Agent.

    Returns
    -------
    SequenceHint | None
        The hint, or ``None`` when nothing points anywhere.
    """
    text = _norm(series_description, protocol_name, sequence_name)
    if _STIR.search(text):
        return SequenceHint.STIR
    if _DWI.search(text) or _SIEMENS_DWI_SEQUENCE.search((sequence_name or "").upper()):
        return SequenceHint.DWI
    if _T1.search(text):
        contrast = bool((contrast_agent or "").strip()) or bool(_CONTRAST.search(text))
        return SequenceHint.T1_CONTRAST if contrast else SequenceHint.T1
    if _FLAIR.search(text):
        return SequenceHint.FLAIR
    if _T2.search(text):
        return SequenceHint.T2
    if _PD.search(text):
        return SequenceHint.PD
    return _hint_from_timing(scanning_sequence, inversion_time, repetition_time, echo_time)


def _hint_from_timing(
    scanning_sequence: str | Iterable[str] | None,
    inversion_time: float | None,
    repetition_time: float | None,
    echo_time: float | None,
) -> SequenceHint | None:
    if scanning_sequence is None:
        kinds: set[str] = set()
    elif isinstance(scanning_sequence, str):
        kinds = {part.strip().upper() for part in scanning_sequence.split("\\")}
    else:
        kinds = {str(part).strip().upper() for part in scanning_sequence}
    if "IR" in kinds and inversion_time is not None and inversion_time > 0:
        if inversion_time < STIR_MAX_INVERSION_MS:
            return SequenceHint.STIR
        if inversion_time > FLAIR_MIN_INVERSION_MS:
            return SequenceHint.FLAIR
        return None
    if "SE" in kinds and not kinds & {"GR", "EP", "IR"}:
        if repetition_time is None or echo_time is None:
            return None
        if repetition_time < 900 and echo_time < 30:
            return SequenceHint.T1
        if repetition_time >= 2000 and echo_time >= 60:
            return SequenceHint.T2
        if repetition_time >= 2000 and echo_time < 40:
            return SequenceHint.PD
    return None


# -- names and identifiers in free text -------------------------------------------------

#: Words kept in descriptions even when a staff name, institution or station contains
#: them: anatomy, modality and sequence words, and the generic words of place names.
GENERIC_WORDS = frozenset(
    [
        "ABDOMEN",
        "AND",
        "ANGIO",
        "AX",
        "AXIAL",
        "BODY",
        "BONE",
        "BRAIN",
        "CARDIAC",
        "CENTER",
        "CENTRE",
        "CERVICAL",
        "CHEST",
        "CLINIC",
        "CLINICS",
        "COR",
        "CORONAL",
        "CT",
        "DE",
        "DEL",
        "DEPARTMENT",
        "DEPT",
        "DER",
        "DES",
        "DIAGNOSTIC",
        "DR",
        "DU",
        "DWI",
        "FLAIR",
        "FOR",
        "GENERAL",
        "HEAD",
        "HOSPITAL",
        "HOSPITALS",
        "IMAGING",
        "INSTITUTE",
        "KLINIK",
        "KLINIKUM",
        "LUMBAR",
        "MD",
        "MEDICAL",
        "MR",
        "MRI",
        "NECK",
        "NUCLEAR",
        "OF",
        "ORTHOPAEDIC",
        "ORTHOPEDIC",
        "PELVIS",
        "PET",
        "PROF",
        "RADIOLOGY",
        "REGIONAL",
        "SAG",
        "SAGITTAL",
        "SAINT",
        "SCAN",
        "SPINE",
        "ST",
        "STIR",
        "T1",
        "T2",
        "THE",
        "THORACIC",
        "THORAX",
        "UNIVERSITY",
        "UNIVERSITAETS",
        "UNIVERSITY",
        "WHOLE",
        "WITH",
    ]
)

_NAME_SPLIT = re.compile(r"[\^=\s,;]+")


def identifier_words(
    *,
    patient_names: Iterable[str] = (),
    identifiers: Iterable[str] = (),
    staff_names: Iterable[str] = (),
    places: Iterable[str] = (),
) -> tuple[str, ...]:
    """The words and phrases to remove from free text, upper-cased, longest first.

    Parameters
    ----------
    patient_names:
        Patient names (DICOM PN, ``Family^Given``): every part of two or more
        characters.
    identifiers:
        Patient ID, accession number, birth date and the like: whole values of three
        or more characters.
    staff_names:
        Referring, performing, reading and requesting physicians, operators: every
        part of two or more characters except the words of :data:`GENERIC_WORDS`
        (``Dr``, ``MD``).
    places:
        Institution, department and station names: the whole name, and each of its
        words of three or more characters except :data:`GENERIC_WORDS` (so
        ``Moulinsart Spine Hospital`` removes ``Moulinsart`` but keeps ``SPINE`` in
        ``MRI SPINE``).

    Returns
    -------
    tuple[str, ...]
        For :func:`scrub_identifiers`.
    """
    words: set[str] = set()
    for name in patient_names:
        words.update(p.upper() for p in _NAME_SPLIT.split(name) if len(p) >= 2)
    for value in identifiers:
        if len(value.strip()) >= 3:
            words.add(value.strip().upper())
    for name in staff_names:
        parts = (p.upper() for p in _NAME_SPLIT.split(name))
        words.update(p for p in parts if len(p) >= 2 and p not in GENERIC_WORDS)
    for place in places:
        whole = " ".join(place.split()).upper()
        if len(whole) >= 3 and whole not in GENERIC_WORDS:
            words.add(whole)
        parts = (p.upper() for p in _NAME_SPLIT.split(place))
        words.update(p for p in parts if len(p) >= 3 and p not in GENERIC_WORDS)
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def scrub_identifiers(text: str, words: Iterable[str]) -> str:
    """Replace every whole-word occurrence of ``words`` in ``text`` by ``***``.

    Parameters
    ----------
    text:
        A description.
    words:
        From :func:`identifier_words` (matched case-insensitively, longest first).

    Returns
    -------
    str
        The text with the words replaced.
    """
    found = [w for w in words if w and w in text.upper()]
    if not text or not found:  # the usual case: nothing to remove
        return text
    found.sort(key=len, reverse=True)
    pattern = re.compile(
        r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(w) for w in found) + r")(?![A-Za-z0-9])",
        re.IGNORECASE,
    )
    return pattern.sub("***", text)
