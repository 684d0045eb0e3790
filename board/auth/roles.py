"""The roles of the tumor board."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user's role on the board; decides which actions and forms are theirs."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    MEDICAL_ONCOLOGIST = "medical_oncologist"
    RADIOLOGIST = "radiologist"
    SPINE_SURGEON = "spine_surgeon"
    RADIATION_ONCOLOGIST = "radiation_oncologist"
    PAIN_PALLIATIVE = "pain_palliative"
    PHYSIOTHERAPIST = "physiotherapist"
    PATHOLOGIST = "pathologist"

    @property
    def label(self) -> str:
        """Plain-English name of the role."""
        return _LABELS[self]


_LABELS: dict[Role, str] = {
    Role.ADMIN: "Administrator",
    Role.COORDINATOR: "Tumor board coordinator",
    Role.MEDICAL_ONCOLOGIST: "Medical oncologist",
    Role.RADIOLOGIST: "Radiologist",
    Role.SPINE_SURGEON: "Neurosurgeon / spine surgeon",
    Role.RADIATION_ONCOLOGIST: "Radiation oncologist",
    Role.PAIN_PALLIATIVE: "Pain and palliative care",
    Role.PHYSIOTHERAPIST: "Physiotherapist",
    Role.PATHOLOGIST: "Pathologist",
}

#: Roles that contribute a structured assessment to a case before the meeting.
CONTRIBUTING_ROLES: tuple[Role, ...] = (
    Role.RADIOLOGIST,
    Role.SPINE_SURGEON,
    Role.MEDICAL_ONCOLOGIST,
    Role.RADIATION_ONCOLOGIST,
    Role.PAIN_PALLIATIVE,
    Role.PHYSIOTHERAPIST,
)

#: Roles whose input every spine case needs before discussion (also the default quorum).
REQUIRED_ROLES: tuple[Role, ...] = (
    Role.MEDICAL_ONCOLOGIST,
    Role.RADIOLOGIST,
    Role.SPINE_SURGEON,
    Role.RADIATION_ONCOLOGIST,
)
