"""Vocabularies of the specialists' structured assessments.

The radiology vocabularies use the values of the public scoring API
(:mod:`board.scoring.api`), so a saved form feeds the scores without translation.
Grades that already have an enum in :mod:`board.scoring` (ESCC, Frankel, ASIA, ECOG,
primary site, pain character) are reused from there.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    """A vocabulary whose members carry a plain-English label."""

    @property
    def label(self) -> str:
        """Plain-English name."""
        return _LABELS.get(self.value, self.value.replace("_", " "))


class LesionType(_Labelled):
    """Bone lesion quality (SINS)."""

    LYTIC = "lytic"
    MIXED = "mixed"
    BLASTIC = "blastic"


class Collapse(_Labelled):
    """Vertebral body collapse (SINS)."""

    GT50 = "gt50"
    LT50 = "lt50"
    INVOLVED_GT50 = "involved_gt50"
    NONE = "none"


class Alignment(_Labelled):
    """Radiographic alignment (SINS)."""

    SUBLUXATION = "subluxation"
    DEFORMITY = "deformity"
    NORMAL = "normal"


class Posterolateral(_Labelled):
    """Posterolateral involvement of the spinal elements (SINS)."""

    BILATERAL = "bilateral"
    UNILATERAL = "unilateral"
    NONE = "none"


class VisceralStatus(_Labelled):
    """Metastases to major internal organs, as the oncologist judges them."""

    NONE = "none"
    REMOVABLE = "removable"
    UNREMOVABLE = "unremovable"


class SurgicalOption(_Labelled):
    """Surgical options the spine surgeon considers."""

    SEPARATION_SURGERY = "separation_surgery"
    OPEN_STABILISATION = "open_stabilisation"
    PERCUTANEOUS_STABILISATION = "percutaneous_stabilisation"
    CEMENT_AUGMENTATION = "cement_augmentation"
    DECOMPRESSION = "decompression"
    EN_BLOC_RESECTION = "en_bloc_resection"
    NO_SURGERY = "no_surgery"


class SurgicalCandidacy(_Labelled):
    """Whether the patient is a surgical candidate, in the surgeon's view."""

    CANDIDATE = "candidate"
    BORDERLINE = "borderline"
    NOT_CANDIDATE = "not_candidate"


class SystemicOption(_Labelled):
    """Systemic therapy options."""

    CHEMOTHERAPY = "chemotherapy"
    TARGETED = "targeted"
    IMMUNOTHERAPY = "immunotherapy"
    HORMONAL = "hormonal"
    BONE_TARGETED = "bone_targeted"
    NONE = "none"


class TomitaGrowthChoice(_Labelled):
    """Growth rate of the primary (Tomita), when the site does not decide it."""

    SLOW = "slow"
    MODERATE = "moderate"
    RAPID = "rapid"


class RadiosensitivityChoice(_Labelled):
    """Expected response of the histology to cEBRT, set by the radiation oncologist."""

    RADIOSENSITIVE = "radiosensitive"
    RADIORESISTANT = "radioresistant"


class InterventionalOption(_Labelled):
    """Interventional pain options."""

    NERVE_BLOCK = "nerve_block"
    EPIDURAL_INJECTION = "epidural_injection"
    INTRATHECAL_PUMP = "intrathecal_pump"
    VERTEBRAL_AUGMENTATION = "vertebral_augmentation"
    RADIOFREQUENCY_ABLATION = "radiofrequency_ablation"


class Mobility(_Labelled):
    """Mobility as the physiotherapist finds it."""

    INDEPENDENT = "independent"
    WALKING_AID = "walking_aid"
    ASSISTED = "assisted"
    WHEELCHAIR = "wheelchair"
    BEDBOUND = "bedbound"


class PhysioTechnique(_Labelled):
    """Physiotherapy techniques considered suitable."""

    GRADED_EXERCISE = "graded_exercise"
    GAIT_TRAINING = "gait_training"
    TRANSFER_TRAINING = "transfer_training"
    ORTHOSIS = "orthosis"
    BREATHING_EXERCISES = "breathing_exercises"
    HYDROTHERAPY = "hydrotherapy"
    GENTLE_MASSAGE_AWAY_FROM_TUMOUR = "gentle_massage_away_from_tumour"


_LABELS: dict[str, str] = {
    "gt50": "more than 50% collapse",
    "lt50": "less than 50% collapse",
    "involved_gt50": "no collapse, more than 50% of the body involved",
    "subluxation": "subluxation or translation",
    "deformity": "de novo deformity (kyphosis/scoliosis)",
    "mixed": "mixed lytic/blastic",
    "cement_augmentation": "cement augmentation (vertebro-/kyphoplasty)",
    "en_bloc_resection": "en bloc resection",
    "not_candidate": "not a surgical candidate",
    "bone_targeted": "bone-targeted (bisphosphonate, denosumab)",
    "walking_aid": "walks with an aid",
    "gentle_massage_away_from_tumour": "gentle massage away from the tumour site",
}
