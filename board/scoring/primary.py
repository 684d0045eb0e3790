"""Primary tumour sites and how the prognostic scores group them.

The mappings are kept as data (module-level tuples of rows with a note) so that they
can be read, checked against the papers, and later edited by an administrator:

- :data:`TOKUHASHI_PRIMARY_ROWS`: site -> revised Tokuhashi primary-site group
  (Tokuhashi Y et al., Spine 2005;30(19):2186-91). Every site maps: sites the paper does
  not name fall in "others" (2 points).
- :data:`TOMITA_GROWTH_ROWS`: site -> Tomita growth group (Tomita K et al., Spine
  2001;26(3):298-306). Only the sites the paper names are mapped (its lists end in
  "etc."); for any other site the board chooses the growth group itself.

Also the vocabulary of visceral metastases shared by both scores.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType


class PrimarySite(StrEnum):
    """Primary tumour site or histology family, as recorded for a case."""

    BREAST = "breast"
    PROSTATE = "prostate"
    LUNG_NSCLC = "lung_nsclc"
    LUNG_SCLC = "lung_sclc"
    KIDNEY = "kidney"
    THYROID = "thyroid"
    LIVER = "liver"
    GALLBLADDER = "gallbladder"
    STOMACH = "stomach"
    OESOPHAGUS = "oesophagus"
    PANCREAS = "pancreas"
    BLADDER = "bladder"
    COLON = "colon"
    RECTUM = "rectum"
    UTERUS = "uterus"
    OVARY = "ovary"
    CERVIX = "cervix"
    MELANOMA = "melanoma"
    SARCOMA = "sarcoma"
    OSTEOSARCOMA = "osteosarcoma"
    LYMPHOMA = "lymphoma"
    MYELOMA = "myeloma"
    SEMINOMA = "seminoma"
    NEUROENDOCRINE = "neuroendocrine"
    HEAD_AND_NECK = "head_and_neck"
    UNKNOWN_PRIMARY = "unknown_primary"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return _SITE_LABELS[self]


_SITE_LABELS: dict[PrimarySite, str] = {
    PrimarySite.BREAST: "Breast",
    PrimarySite.PROSTATE: "Prostate",
    PrimarySite.LUNG_NSCLC: "Lung, non-small-cell (NSCLC)",
    PrimarySite.LUNG_SCLC: "Lung, small-cell (SCLC)",
    PrimarySite.KIDNEY: "Kidney (renal cell)",
    PrimarySite.THYROID: "Thyroid",
    PrimarySite.LIVER: "Liver (hepatocellular)",
    PrimarySite.GALLBLADDER: "Gallbladder",
    PrimarySite.STOMACH: "Stomach",
    PrimarySite.OESOPHAGUS: "Oesophagus",
    PrimarySite.PANCREAS: "Pancreas",
    PrimarySite.BLADDER: "Bladder",
    PrimarySite.COLON: "Colon",
    PrimarySite.RECTUM: "Rectum",
    PrimarySite.UTERUS: "Uterus (endometrium/corpus)",
    PrimarySite.OVARY: "Ovary",
    PrimarySite.CERVIX: "Uterine cervix",
    PrimarySite.MELANOMA: "Melanoma",
    PrimarySite.SARCOMA: "Sarcoma (soft tissue or bone, other than osteosarcoma)",
    PrimarySite.OSTEOSARCOMA: "Osteosarcoma",
    PrimarySite.LYMPHOMA: "Lymphoma",
    PrimarySite.MYELOMA: "Myeloma / plasmacytoma",
    PrimarySite.SEMINOMA: "Seminoma / testis",
    PrimarySite.NEUROENDOCRINE: "Neuroendocrine tumour / carcinoid",
    PrimarySite.HEAD_AND_NECK: "Head and neck",
    PrimarySite.UNKNOWN_PRIMARY: "Unknown primary (unidentified)",
    PrimarySite.OTHER: "Other primary site",
}


class VisceralMetastases(StrEnum):
    """Metastases to major internal organs (Tokuhashi) / visceral metastases (Tomita)."""

    NONE = "none"
    TREATABLE = "treatable"
    UNTREATABLE = "untreatable"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {
            VisceralMetastases.NONE: "No visceral metastases",
            VisceralMetastases.TREATABLE: "Removable / treatable visceral metastases",
            VisceralMetastases.UNTREATABLE: "Unremovable / untreatable visceral metastases",
        }[self]


class TokuhashiPrimaryGroup(StrEnum):
    """Primary-site groups of the revised Tokuhashi score (2005), with their points."""

    LUNG_OSTEOSARCOMA_STOMACH_BLADDER_OESOPHAGUS_PANCREAS = "group_0"
    LIVER_GALLBLADDER_UNIDENTIFIED = "group_1"
    OTHERS = "group_2"
    KIDNEY_UTERUS = "group_3"
    RECTUM = "group_4"
    THYROID_BREAST_PROSTATE_CARCINOID = "group_5"

    @property
    def points(self) -> int:
        """Tokuhashi points for this group."""
        return int(self.value.removeprefix("group_"))

    @property
    def label(self) -> str:
        """Plain-English name, as in the paper."""
        return {
            "group_0": "lung, osteosarcoma, stomach, bladder, oesophagus, pancreas",
            "group_1": "liver, gallbladder, unidentified",
            "group_2": "others",
            "group_3": "kidney, uterus",
            "group_4": "rectum",
            "group_5": "thyroid, breast, prostate, carcinoid tumour",
        }[self.value]


class TomitaGrowth(StrEnum):
    """Growth rate of the primary tumour in the Tomita score (2001), with its points."""

    SLOW = "slow"
    MODERATE = "moderate"
    RAPID = "rapid"

    @property
    def points(self) -> int:
        """Tomita points for this growth group."""
        return {TomitaGrowth.SLOW: 1, TomitaGrowth.MODERATE: 2, TomitaGrowth.RAPID: 4}[self]

    @property
    def label(self) -> str:
        """Plain-English name, as in the paper."""
        return {
            TomitaGrowth.SLOW: "slow growth (breast, thyroid, prostate, etc.)",
            TomitaGrowth.MODERATE: "moderate growth (kidney, uterus, etc.)",
            TomitaGrowth.RAPID: "rapid growth (lung, liver, stomach, colon, primary unknown, etc.)",
        }[self]


_T = TokuhashiPrimaryGroup
TOKUHASHI_SOURCE = (
    'Tokuhashi Y et al., "A revised scoring system for preoperative evaluation of '
    'metastatic spine tumor prognosis", Spine 2005;30(19):2186-91.'
)

TOKUHASHI_PRIMARY_ROWS: tuple[tuple[PrimarySite, TokuhashiPrimaryGroup, str], ...] = (
    (PrimarySite.BREAST, _T.THYROID_BREAST_PROSTATE_CARCINOID, "named"),
    (PrimarySite.PROSTATE, _T.THYROID_BREAST_PROSTATE_CARCINOID, "named"),
    (PrimarySite.LUNG_NSCLC, _T.LUNG_OSTEOSARCOMA_STOMACH_BLADDER_OESOPHAGUS_PANCREAS, "lung"),
    (PrimarySite.LUNG_SCLC, _T.LUNG_OSTEOSARCOMA_STOMACH_BLADDER_OESOPHAGUS_PANCREAS, "lung"),
    (PrimarySite.KIDNEY, _T.KIDNEY_UTERUS, "named"),
    (PrimarySite.THYROID, _T.THYROID_BREAST_PROSTATE_CARCINOID, "named"),
    (PrimarySite.LIVER, _T.LIVER_GALLBLADDER_UNIDENTIFIED, "named"),
    (PrimarySite.GALLBLADDER, _T.LIVER_GALLBLADDER_UNIDENTIFIED, "named"),
    (PrimarySite.STOMACH, _T.LUNG_OSTEOSARCOMA_STOMACH_BLADDER_OESOPHAGUS_PANCREAS, "named"),
    (PrimarySite.OESOPHAGUS, _T.LUNG_OSTEOSARCOMA_STOMACH_BLADDER_OESOPHAGUS_PANCREAS, "named"),
    (PrimarySite.PANCREAS, _T.LUNG_OSTEOSARCOMA_STOMACH_BLADDER_OESOPHAGUS_PANCREAS, "named"),
    (PrimarySite.BLADDER, _T.LUNG_OSTEOSARCOMA_STOMACH_BLADDER_OESOPHAGUS_PANCREAS, "named"),
    (PrimarySite.COLON, _T.OTHERS, "not named: others"),
    (PrimarySite.RECTUM, _T.RECTUM, "named"),
    (PrimarySite.UTERUS, _T.KIDNEY_UTERUS, "named"),
    (PrimarySite.OVARY, _T.OTHERS, "not named: others"),
    (PrimarySite.CERVIX, _T.KIDNEY_UTERUS, "cervix uteri read as uterus"),
    (PrimarySite.MELANOMA, _T.OTHERS, "not named: others"),
    (PrimarySite.SARCOMA, _T.OTHERS, "not named: others (osteosarcoma is separate)"),
    (PrimarySite.OSTEOSARCOMA, _T.LUNG_OSTEOSARCOMA_STOMACH_BLADDER_OESOPHAGUS_PANCREAS, "named"),
    (PrimarySite.LYMPHOMA, _T.OTHERS, "not named: others"),
    (PrimarySite.MYELOMA, _T.OTHERS, "not named: others"),
    (PrimarySite.SEMINOMA, _T.OTHERS, "not named: others"),
    (PrimarySite.NEUROENDOCRINE, _T.THYROID_BREAST_PROSTATE_CARCINOID, "carcinoid tumour"),
    (PrimarySite.HEAD_AND_NECK, _T.OTHERS, "not named: others"),
    (PrimarySite.UNKNOWN_PRIMARY, _T.LIVER_GALLBLADDER_UNIDENTIFIED, "unidentified"),
    (PrimarySite.OTHER, _T.OTHERS, "others"),
)
"""(site, Tokuhashi group, note) rows; every :class:`PrimarySite` appears once."""

TOMITA_SOURCE = (
    'Tomita K et al., "Surgical strategy for spinal metastases", Spine 2001;26(3):298-306.'
)

TOMITA_GROWTH_ROWS: tuple[tuple[PrimarySite, TomitaGrowth, str], ...] = (
    (PrimarySite.BREAST, TomitaGrowth.SLOW, "named"),
    (PrimarySite.THYROID, TomitaGrowth.SLOW, "named"),
    (PrimarySite.PROSTATE, TomitaGrowth.SLOW, "named"),
    (PrimarySite.KIDNEY, TomitaGrowth.MODERATE, "named"),
    (PrimarySite.UTERUS, TomitaGrowth.MODERATE, "named"),
    (PrimarySite.CERVIX, TomitaGrowth.MODERATE, "cervix uteri read as uterus"),
    (PrimarySite.LUNG_NSCLC, TomitaGrowth.RAPID, "lung"),
    (PrimarySite.LUNG_SCLC, TomitaGrowth.RAPID, "lung"),
    (PrimarySite.LIVER, TomitaGrowth.RAPID, "named"),
    (PrimarySite.STOMACH, TomitaGrowth.RAPID, "named"),
    (PrimarySite.COLON, TomitaGrowth.RAPID, "named"),
    (PrimarySite.UNKNOWN_PRIMARY, TomitaGrowth.RAPID, "primary unknown"),
)
"""(site, Tomita growth, note) rows: only sites the paper names; the board chooses for others."""

TOKUHASHI_PRIMARY: MappingProxyType[PrimarySite, TokuhashiPrimaryGroup] = MappingProxyType(
    {site: group for site, group, _ in TOKUHASHI_PRIMARY_ROWS}
)
TOMITA_GROWTH: MappingProxyType[PrimarySite, TomitaGrowth] = MappingProxyType(
    {site: growth for site, growth, _ in TOMITA_GROWTH_ROWS}
)


def tokuhashi_group(site: PrimarySite) -> TokuhashiPrimaryGroup:
    """Revised Tokuhashi primary-site group of a site.

    Parameters
    ----------
    site:
        The primary site.

    Returns
    -------
    TokuhashiPrimaryGroup
        The group; sites the paper does not name are "others" (2 points).
    """
    return TOKUHASHI_PRIMARY.get(site, TokuhashiPrimaryGroup.OTHERS)


def tomita_growth(site: PrimarySite) -> TomitaGrowth | None:
    """Tomita growth group of a site, when the paper names it.

    Parameters
    ----------
    site:
        The primary site.

    Returns
    -------
    TomitaGrowth | None
        The growth group, or ``None`` when the paper does not classify the site (the
        board must then choose slow, moderate or rapid itself).
    """
    return TOMITA_GROWTH.get(site)
