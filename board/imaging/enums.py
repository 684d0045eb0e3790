"""Closed vocabularies of the imaging subdomain.

All are :class:`enum.StrEnum`, so a member compares equal to its value and can be
stored as plain text.
"""

from __future__ import annotations

from enum import StrEnum


class Modality(StrEnum):
    """DICOM modality (0008,0060), reduced to the codes a tumor board meets.

    Codes outside this list map to :attr:`OTHER`; the original code is kept next to
    the enum (``ParsedInstance.modality_code``).
    """

    MR = "MR"
    CT = "CT"
    PT = "PT"
    NM = "NM"
    CR = "CR"
    DX = "DX"
    MG = "MG"
    RF = "RF"
    XA = "XA"
    US = "US"
    SR = "SR"
    SEG = "SEG"
    RTSTRUCT = "RTSTRUCT"
    RTPLAN = "RTPLAN"
    RTDOSE = "RTDOSE"
    RTIMAGE = "RTIMAGE"
    PR = "PR"
    KO = "KO"
    DOC = "DOC"
    OT = "OT"
    OTHER = "other"

    @classmethod
    def from_code(cls, code: str | None) -> Modality:
        """Map a DICOM modality code to a member.

        Parameters
        ----------
        code:
            The value of (0008,0060) Modality, any case, surrounding spaces allowed.

        Returns
        -------
        Modality
            The matching member; :attr:`OTHER` for an unknown, empty or missing code.
        """
        text = (code or "").strip().upper()
        if not text or text == "OTHER":
            return cls.OTHER
        try:
            return cls(text)
        except ValueError:
            return cls.OTHER

    @property
    def label(self) -> str:
        """Plain-English name."""
        return _MODALITY_LABELS.get(self, self.value)

    @property
    def is_cross_sectional(self) -> bool:
        """True for the modalities a spine board reads slice by slice (MR, CT, PT, NM)."""
        return self in (Modality.MR, Modality.CT, Modality.PT, Modality.NM)


_MODALITY_LABELS: dict[Modality, str] = {
    Modality.MR: "MRI",
    Modality.CT: "CT",
    Modality.PT: "PET",
    Modality.NM: "Nuclear medicine",
    Modality.CR: "Radiograph (CR)",
    Modality.DX: "Radiograph (DX)",
    Modality.MG: "Mammography",
    Modality.RF: "Fluoroscopy",
    Modality.XA: "Angiography",
    Modality.US: "Ultrasound",
    Modality.SR: "Structured report",
    Modality.SEG: "Segmentation",
    Modality.RTSTRUCT: "RT structure set",
    Modality.RTPLAN: "RT plan",
    Modality.RTDOSE: "RT dose",
    Modality.RTIMAGE: "RT image",
    Modality.PR: "Presentation state",
    Modality.KO: "Key object selection",
    Modality.DOC: "Document",
    Modality.OT: "Other (OT)",
    Modality.OTHER: "Other",
}


class BodyRegion(StrEnum):
    """Body region of a study or series, normalised to the spine regions.

    The first four values equal :class:`board.cases.levels.SpineRegion` values.
    """

    CERVICAL = "cervical"
    THORACIC = "thoracic"
    LUMBAR = "lumbar"
    SACRAL = "sacral"
    WHOLE_SPINE = "whole_spine"
    SPINE = "spine"
    """Spine, with the region not stated or two regions together (e.g. C and T)."""
    WHOLE_BODY = "whole_body"
    OTHER = "other"
    """A body part is stated and it is not the spine (brain, chest, ...)."""
    UNKNOWN = "unknown"
    """Nothing in the headers says which body part was imaged."""

    @property
    def label(self) -> str:
        """Plain-English name."""
        return _REGION_LABELS[self]

    @property
    def is_spine(self) -> bool:
        """True for the spine regions, whole spine and unspecified spine."""
        return self in (
            BodyRegion.CERVICAL,
            BodyRegion.THORACIC,
            BodyRegion.LUMBAR,
            BodyRegion.SACRAL,
            BodyRegion.WHOLE_SPINE,
            BodyRegion.SPINE,
        )


_REGION_LABELS: dict[BodyRegion, str] = {
    BodyRegion.CERVICAL: "Cervical spine",
    BodyRegion.THORACIC: "Thoracic spine",
    BodyRegion.LUMBAR: "Lumbar spine",
    BodyRegion.SACRAL: "Sacrum",
    BodyRegion.WHOLE_SPINE: "Whole spine",
    BodyRegion.SPINE: "Spine (region not stated or several regions)",
    BodyRegion.WHOLE_BODY: "Whole body",
    BodyRegion.OTHER: "Other body part",
    BodyRegion.UNKNOWN: "Unknown",
}


class SequenceHint(StrEnum):
    """MR sequence weighting guessed from the headers (a hint, not a guarantee)."""

    T1 = "T1"
    T1_CONTRAST = "T1+C"
    T2 = "T2"
    STIR = "STIR"
    FLAIR = "FLAIR"
    PD = "PD"
    DWI = "DWI"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return _SEQUENCE_LABELS[self]


_SEQUENCE_LABELS: dict[SequenceHint, str] = {
    SequenceHint.T1: "T1-weighted",
    SequenceHint.T1_CONTRAST: "T1-weighted with contrast",
    SequenceHint.T2: "T2-weighted",
    SequenceHint.STIR: "STIR (fat-suppressed inversion recovery)",
    SequenceHint.FLAIR: "FLAIR",
    SequenceHint.PD: "Proton density",
    SequenceHint.DWI: "Diffusion-weighted",
}


class ImportStatus(StrEnum):
    """What happened to one input file."""

    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return self.value.capitalize()


class StudySource(StrEnum):
    """Where a study attached to a case came from."""

    UPLOAD = "upload"
    PACS = "pacs"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {
            StudySource.UPLOAD: "Uploaded files",
            StudySource.PACS: "Hospital PACS",
            StudySource.MANUAL: "Entered by hand",
        }[self]
