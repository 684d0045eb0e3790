"""The audit trail in words: a label per action, role and field, changes as sentences.

The trail stores codes (``plan.item_add``, ``spine_surgeon``, ``pain_score``) so that
filters and exports stay stable; people read them through this vocabulary:
:func:`action_label` ("Plan component added"), :func:`role_label`
("Neurosurgeon / spine surgeon") and :func:`describe_changes`
("Pain score: 5 -> 7; Limb weakness: not recorded -> Yes").

Every action the code records has a label in :data:`ACTION_LABELS` (a test scans the
code's ``record(...)`` calls); a code stored by an older version falls back to a
readable form of itself.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from typing import Any

from board.assessments.enums import (
    Alignment,
    Collapse,
    InterventionalOption,
    LesionType,
    Mobility,
    PhysioTechnique,
    Posterolateral,
    RadiosensitivityChoice,
    SurgicalCandidacy,
    SurgicalOption,
    SystemicOption,
    TomitaGrowthChoice,
    VisceralStatus,
)
from board.auth.roles import Role
from board.cases.enums import CaseStatus, NoteKind, Sex, Urgency
from board.followup.enums import Adherence, FollowUpKind, FollowUpStatus
from board.imaging.enums import BodyRegion, Modality, StudySource
from board.localtime import fmt_local
from board.meetings.enums import AgendaTriage, MeetingStatus
from board.pathology.enums import BiopsyKind, BiopsyStatus
from board.plans.catalogue import COMPONENT_LABELS, INTENT_LABELS, describe_item
from board.plans.enums import PlanComponent, PlanIntent, PlanStatus
from board.scoring.pain import PainCharacter, PainResponse
from board.scoring.primary import PrimarySite

#: What was not recorded (``None`` in the trail).
NOT_RECORDED = "not recorded"

#: Every action code the app records, with what people read.
ACTION_LABELS: Mapping[str, str] = {
    # cases
    "case.create": "Case registered",
    "case.update": "Case details changed",
    "case.status": "Case status changed",
    "case.urgency": "Urgency re-assessed",
    "case.death": "Death recorded",
    "case.rediscussion_request": "Re-discussion at the board requested",
    "case.rediscussion_done": "Re-discussion request settled by a new plan",
    "note.add": "Note added",
    # imaging and pathology
    "imaging.upload": "Imaging uploaded",
    "imaging.pacs": "Imaging attached from the hospital PACS",
    "imaging.manual": "Imaging entered by hand",
    "imaging.add_manual": "Imaging entered by hand",
    "imaging.correct": "Imaging study details corrected",
    "imaging.identity_override": "Imaging of a different patient ID attached, with a reason",
    "imaging.key_image": "Key image chosen in the series viewer",
    "imaging.send_to_pacs": "Imaging files sent to the hospital PACS",
    "biopsy.add": "Biopsy added",
    "biopsy.update": "Biopsy changed",
    # specialist input and scores
    "assessment.create": "Assessment recorded",
    "assessment.save": "Assessment draft saved",
    "assessment.submit": "Assessment submitted for the meeting",
    "scores.record": "Scores recorded",
    # meetings
    "meeting.schedule": "Meeting scheduled",
    "meeting.update": "Meeting details changed",
    "meeting.status": "Meeting status changed",
    "agenda.add": "Added to a meeting agenda",
    "agenda.build": "Agenda built",
    "agenda.move": "Agenda order changed",
    "agenda.sort": "Agenda sorted",
    "agenda.remove": "Removed from a meeting agenda",
    "agenda.triage": "Agenda triage changed",
    "agenda.timer_start": "Discussion timer started",
    "agenda.timer_pause": "Discussion timer paused",
    "attendance.record": "Attendance recorded",
    "attendance.remove": "Attendance removed",
    # the plan
    "plan.start": "Plan started",
    "plan.update": "Plan changed",
    "plan.item_add": "Plan component added",
    "plan.noms_start": "Plan started from the NOMS suggestion",
    "plan.template_apply": "Plan template applied",
    "plan_template.create": "Plan template added",
    "plan_template.retire": "Plan template retired",
    "plan_template.restore": "Plan template offered again",
    "action_item.carry": "Action item carried to the amended plan",
    "meeting.present": "Case presented at the meeting",
    "meeting.follow": "Started following the meeting",
    "board.backup": "Board backed up",
    "board.restore": "Board restored from a backup",
    "plan.item_remove": "Plan component removed",
    "plan.acknowledge": "Safety prompt acknowledged",
    "plan.dissent": "Dissent recorded",
    "plan.sign": "Plan signed",
    "plan.finalize": "Plan finalized",
    "plan.report_stored": "Report and letter files stored",
    "plan.amend": "Plan amendment started",
    "plan.supersede": "Plan version superseded by an amendment",
    "action_item.add": "Action item added",
    "action_item.done": "Action item done",
    # follow-up
    "follow_up.schedule": "Follow-up scheduled from the plan",
    "follow_up.record": "Follow-up recorded",
    "follow_up.correct": "Follow-up corrected",
    "follow_up.missed": "Follow-up marked missed",
    "follow_up.cancelled": "Follow-up cancelled",
    "follow_up.scheduled": "Follow-up scheduled",
    "follow_up.done": "Follow-up done",
    # exports
    "report.export": "Board report downloaded",
    "letter.export": "Outcome letter downloaded",
    "letter.texts": "Outcome letter texts changed",
    "deck.export": "Meeting slides downloaded",
    "calendar.export": "Meeting invitation (.ics) downloaded",
    "reminder.send": "Reminder e-mail sent",
    "reminder.failed": "Reminder e-mail not accepted by the mail server (tried again later)",
    "account.reminders": "Reminder e-mails turned on or off",
    "fhir.export": "FHIR export downloaded",
    "worklist.export": "Worklist exported",
    "analytics.export": "Board analytics exported",
    "audit.export": "Audit trail exported",
    # accounts and sign-in
    "auth.sign_in": "Signed in",
    "auth.sign_out": "Signed out",
    "auth.sign_in_failed": "Sign-in failed",
    "auth.sign_in_throttled": "Sign-in slowed after repeated failures",
    "auth.sessions_ended": "Sessions ended by an administrator",
    "user.create": "Account created",
    "user.activate": "Account reactivated",
    "user.deactivate": "Account deactivated",
    "user.role": "Role changed",
    "user.email": "Single sign-on e-mail changed",
    "user.link_oidc": "Account linked to hospital single sign-on",
    "user.password_reset": "Password reset",
}

#: What the changed fields are called on screen.
FIELD_LABELS: Mapping[str, str] = {
    # the case
    "pseudonym": "Pseudonym",
    "hospital_number": "Hospital number",
    "age_at_referral": "Age at referral",
    "birth_year": "Birth year",
    "sex": "Sex",
    "primary_site": "Primary cancer site",
    "histology": "Histology",
    "known_cancer": "Known cancer diagnosis",
    "levels": "Vertebral levels",
    "pain_score": "Pain score",
    "pain_character": "Pain character",
    "pain_new_or_worse": "New or worsening back pain",
    "pain_features": "Spinal pain features",
    "weakness": "Limb weakness",
    "numbness": "Numbness or sensory level",
    "reflex_change": "Reflex change",
    "gait_disturbance": "Gait disturbance",
    "bladder_bowel_dysfunction": "Bladder or bowel dysfunction",
    "radicular_pain": "Radicular pain",
    "symptom_onset": "Symptom onset",
    "referral_question": "Referral question",
    "referred_by": "Referred by",
    "urgency": "Urgency",
    "urgency_reasons": "Why",
    "status": "Status",
    "died_on": "Date of death",
    "reason": "Reason",
    "rediscussion_requested_at": "Re-discussion requested",
    "cancelled_follow_up_ids": "Follow-ups cancelled",
    "removed_from_meeting_ids": "Removed from meetings",
    "kind": "Kind",
    "length": "Length (characters)",
    # imaging and pathology
    "modality": "Modality",
    "study_date": "Study date",
    "body_region": "Body region",
    "description": "Description",
    "study_uid": "Study Instance UID",
    "series_added": "Series added",
    "instances_added": "Images added",
    "key_image": "Key image",
    "sop_uid": "SOP Instance UID",
    "frame": "Frame",
    "instances_sent": "Images sent",
    "performed_on": "Biopsy date",
    "site": "Site",
    "level": "Level",
    "grade": "Grade",
    "markers": "Markers",
    "pathologist": "Pathologist",
    "report_text": "Report",
    # assessments (every role's form)
    "role": "Role",
    "submitted": "Submitted for the meeting",
    "comment": "Comment",
    "lesions": "Lesions",
    "lesion_type": "Bone lesion",
    "collapse": "Vertebral body collapse",
    "alignment": "Alignment",
    "posterolateral": "Posterolateral involvement",
    "escc": "ESCC grade",
    "posterior_wall_involvement": "Posterior vertebral wall involved",
    "extraspinal_bone_metastases_seen": "Extraspinal bone metastases seen",
    "extraspinal_bone_foci": "Extraspinal bone metastases (foci)",
    "visceral_metastases_seen": "Visceral metastases seen",
    "vertebral_metastases": "Vertebral bodies with metastases",
    "frankel": "Frankel grade",
    "asia": "ASIA impairment scale",
    "myelopathy": "Myelopathy",
    "radiculopathy": "Radiculopathy",
    "mechanical_pain": "Mechanical pain",
    "surgical_options": "Surgical options",
    "candidacy": "Surgical candidacy",
    "tolerates_surgery": "Can tolerate surgery",
    "primary_growth": "Primary growth (Tomita)",
    "visceral_metastases": "Visceral metastases",
    "brain_metastases": "Brain metastases",
    "ecog": "ECOG",
    "karnofsky": "Karnofsky (%)",
    "systemic_options": "Systemic options",
    "thrombocytopenia": "Thrombocytopenia",
    "renal_impairment": "Renal impairment",
    "anticoagulation": "On anticoagulation",
    "bmi": "Body-mass index",
    "haemoglobin": "Haemoglobin (g/dL)",
    "platelets": "Platelets (x10^9/L)",
    "lymphocytes": "Lymphocytes (x10^9/L)",
    "neutrophils": "Neutrophils (x10^9/L)",
    "white_cells": "White cells (x10^9/L)",
    "creatinine": "Creatinine (umol/L)",
    "inr": "INR",
    "alkaline_phosphatase": "Alkaline phosphatase (U/L)",
    "albumin": "Albumin (g/L)",
    "prior_systemic_therapy": "Prior systemic therapy",
    "prior_radiation": "Prior radiation to the level",
    "prior_dose_gy": "Prior radiation dose (Gy)",
    "prior_fractions": "Prior radiation fractions",
    "prior_radiation_details": "Prior radiation details",
    "radiosensitivity": "Expected response to cEBRT",
    "cebrt_option": "cEBRT is an option",
    "cebrt_dose_gy": "cEBRT dose (Gy)",
    "cebrt_fractions": "cEBRT fractions",
    "sbrt_option": "SBRT is an option",
    "sbrt_dose_gy": "SBRT dose (Gy)",
    "sbrt_fractions": "SBRT fractions",
    "nrs": "Pain score (NRS)",
    "character": "Pain character",
    "analgesics": "Current analgesics",
    "opioid_ome_mg": "Opioid dose (OME mg/day)",
    "interventional_options": "Interventional options",
    "mobility": "Mobility",
    "goals": "Goals",
    "techniques": "Suitable techniques",
    "scores": "Scores",
    # meetings and the agenda
    "title": "Title",
    "starts_at": "Starts",
    "location": "Place",
    "video_link": "Video link",
    "chair_id": "Chair (user ID)",
    "required_roles": "Required specialties",
    "meeting_id": "Meeting ID",
    "position": "Position on the agenda",
    "order": "Agenda order (case IDs)",
    "triage": "Triage",
    "added_case_ids": "Cases added (IDs)",
    "discussion_seconds": "Discussion time (seconds)",
    "user_id": "User ID",
    "present": "Present",
    # the plan
    "number": "Version",
    "plan_version": "Plan version",
    "plan_version_id": "Plan version ID",
    "revision": "Revision",
    "intent": "Intent",
    "summary": "Summary",
    "deviation_reason": "Reason for the deviation",
    "component": "Component",
    "option": "Option",
    "details": "Details",
    "prompt": "Safety prompt",
    "signed_by_roles": "Signed by",
    "amends": "Amends version",
    "by_version": "Replaced by version",
    "owner_role": "Owner (role)",
    "owner_user_id": "Owner (user ID)",
    "due_on": "Due",
    "done_at": "Done",
    # follow-up
    "scheduled": "Scheduled",
    "done_on": "Contact date",
    "omed_mg": "OMED (mg/day)",
    "baseline_pain": "Baseline pain score",
    "baseline_omed_mg": "Baseline OMED (mg/day)",
    "pain_response": "Pain response",
    "ambulatory": "Walking",
    "treatment_given": "Treatment given",
    "adherence": "Adherence to the plan",
    "treatment_started_at": "Treatment start",
    "notes": "Notes",
    "imaging_findings": "Imaging findings",
    "complications": "Complications",
    "rediscussion_requested": "Re-discussion requested",
    "rediscussion_reason": "What to discuss",
    # exports and accounts
    "channel": "Where",
    "rows": "Rows",
    "filters": "Filters",
    "format": "Format",
    "draft": "Draft",
    "stored": "Stored copy",
    "bytes": "Size (bytes)",
    "resources": "Resources",
    "case_id": "Case ID",
    "actor": "User filter",
    "action": "Action filter",
    "since": "From",
    "until": "Until",
    "from": "From",
    "to": "To",
    "username": "Username",
    "display_name": "Name",
    "email": "E-mail",
    "oidc_subject": "Single sign-on subject",
    "active": "Active",
    "is_active": "Active",
    "sessions": "Sessions ended",
}

#: Fields whose stored codes come from a closed vocabulary, by field name.
_VALUE_VOCABULARY: Mapping[str, type[enum.Enum]] = {
    "role": Role,
    "owner_role": Role,
    "signed_by_roles": Role,
    "required_roles": Role,
    "sex": Sex,
    "urgency": Urgency,
    "primary_site": PrimarySite,
    "pain_character": PainCharacter,
    "character": PainCharacter,
    "pain_response": PainResponse,
    "adherence": Adherence,
    "triage": AgendaTriage,
    "modality": Modality,
    "body_region": BodyRegion,
    "source": StudySource,
    "intent": PlanIntent,
    "component": PlanComponent,
    "lesion_type": LesionType,
    "collapse": Collapse,
    "alignment": Alignment,
    "posterolateral": Posterolateral,
    "visceral_metastases": VisceralStatus,
    "surgical_options": SurgicalOption,
    "candidacy": SurgicalCandidacy,
    "systemic_options": SystemicOption,
    "primary_growth": TomitaGrowthChoice,
    "radiosensitivity": RadiosensitivityChoice,
    "interventional_options": InterventionalOption,
    "mobility": Mobility,
    "techniques": PhysioTechnique,
}

#: ``status`` and ``kind`` mean different things on different records.
_ENTITY_VOCABULARY: Mapping[tuple[str, str], type[enum.Enum]] = {
    ("case", "status"): CaseStatus,
    ("meeting", "status"): MeetingStatus,
    ("follow_up", "status"): FollowUpStatus,
    ("follow_up", "kind"): FollowUpKind,
    ("biopsy", "status"): BiopsyStatus,
    ("biopsy", "kind"): BiopsyKind,
    ("note", "kind"): NoteKind,
    ("plan_version", "status"): PlanStatus,
    ("plan", "status"): PlanStatus,
}

#: Labels kept in mappings of their own (the plan catalogue's).
_MAPPED_LABELS: Mapping[type[enum.Enum], Mapping[Any, str]] = {
    PlanComponent: COMPONENT_LABELS,
    PlanIntent: INTENT_LABELS,
}

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def humanise(code: str) -> str:
    """A code as words: ``plan.item_add`` -> "Plan item add", ``in_progress`` -> "In progress".

    Parameters
    ----------
    code:
        A dotted or snake_case code.

    Returns
    -------
    str
        The words, first letter capitalised.
    """
    words = re.sub(r"[._]+", " ", code).strip()
    return words[:1].upper() + words[1:]


def action_label(action: str) -> str:
    """What an audit action code means, for people.

    Parameters
    ----------
    action:
        The stored code, such as ``plan.item_add``.

    Returns
    -------
    str
        "Plan component added"; a code unknown to this version reads as words.
    """
    return ACTION_LABELS.get(action) or humanise(action)


def role_label(role: str | None) -> str:
    """The plain name of a stored role code (empty when there is none).

    Parameters
    ----------
    role:
        ``spine_surgeon`` or ``None``.

    Returns
    -------
    str
        "Neurosurgeon / spine surgeon"; an unknown code reads as words.
    """
    if not role:
        return ""
    try:
        return Role(role).label
    except ValueError:
        return humanise(role)


def field_label(key: str) -> str:
    """What a changed field is called on screen.

    Parameters
    ----------
    key:
        The stored field name, such as ``pain_score``.

    Returns
    -------
    str
        "Pain score"; an unknown name reads as words.
    """
    return FIELD_LABELS.get(key) or humanise(key)


def _member_label(vocabulary: type[enum.Enum], value: object) -> str | None:
    try:
        member = vocabulary(value)
    except ValueError:
        return None
    mapped = _MAPPED_LABELS.get(vocabulary)
    if mapped is not None and member in mapped:
        return mapped[member]
    label = getattr(member, "label", None)
    return label if isinstance(label, str) else humanise(str(member.value))


def _number(value: float) -> str:
    return f"{value:g}"


def describe_value(value: Any, key: str | None = None, entity_type: str | None = None) -> str:
    """One stored value as people read it.

    Parameters
    ----------
    value:
        The value as the trail stores it (JSON: text, numbers, booleans, ``None``,
        lists and objects).
    key:
        Its field name, to translate codes of a closed vocabulary ("spine_surgeon").
    entity_type:
        The kind of record, where a field's vocabulary depends on it (``status``).

    Returns
    -------
    str
        "Yes"/"No" for booleans, "not recorded" for ``None``, times in the hospital's
        zone, codes as their labels, lists joined with commas.
    """
    if value is None or value == "":
        return NOT_RECORDED
    if isinstance(value, list | tuple) and not value:
        return "none"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(describe_value(v, key, entity_type) for v in value)
    if isinstance(value, Mapping):
        parts = [
            f"{field_label(str(k))}: {describe_value(v, str(k), entity_type)}"
            for k, v in value.items()
            if v not in (None, "", [])
        ]
        return "(" + ", ".join(parts) + ")" if parts else NOT_RECORDED
    if isinstance(value, dt.datetime):
        return fmt_local(value)
    text = str(value)
    if key is not None:
        vocabulary = (
            _ENTITY_VOCABULARY.get((entity_type, key)) if entity_type is not None else None
        ) or _VALUE_VOCABULARY.get(key)
        if vocabulary is not None:
            label = _member_label(vocabulary, text)
            if label is not None:
                return label
    if _ISO_DATETIME.match(text):
        try:
            return fmt_local(dt.datetime.fromisoformat(text))
        except ValueError:
            return text
    return text


def _plan_item(values: Mapping[str, Any]) -> str | None:
    """A plan component as one line ("Radiation: cEBRT 20 Gy in 5 fractions ...")."""
    component, option = values.get("component"), values.get("option")
    if not isinstance(component, str) or not isinstance(option, str):
        return None
    details = values.get("details")
    line = describe_item(component, option, details if isinstance(details, Mapping) else {})
    name = _member_label(PlanComponent, component) or humanise(component)
    return f"{name}: {line}"


def describe_changes(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    entity_type: str | None = None,
) -> str:
    """The changes of one audit event as a sentence per field.

    Parameters
    ----------
    before, after:
        The changed fields before and after (either may be ``None``).
    entity_type:
        The kind of record changed (``case``, ``meeting``, ``follow_up`` ...).

    Returns
    -------
    str
        Fields joined with "; ": "Pain score: 5 -> 7" for a change, "Pain score: 7"
        for a new or unchanged value (a new record lists only what was recorded).
    """
    old = dict(before or {})
    new = dict(after or {})
    only = new if not old else old if not new else None
    if only is not None and {"component", "option"} <= only.keys():
        line = _plan_item(only)
        if line is not None:
            return line
    parts: list[str] = []
    for key in [*new, *(k for k in old if k not in new)]:
        label = field_label(key)
        if key in old and key in new and old[key] != new[key]:
            parts.append(
                f"{label}: {describe_value(old[key], key, entity_type)} -> "
                f"{describe_value(new[key], key, entity_type)}"
            )
        elif key in new:
            if not old and new[key] in (None, "", []):
                continue  # a new record: list only what was recorded
            parts.append(f"{label}: {describe_value(new[key], key, entity_type)}")
        else:
            parts.append(f"{label}: {describe_value(old[key], key, entity_type)} -> removed")
    return "; ".join(parts)


def entity_label(entity_type: str, entity_id: str | None) -> str:
    """The record an event is about, in words ("Imaging study 12").

    Parameters
    ----------
    entity_type, entity_id:
        As stored.

    Returns
    -------
    str
        The kind of record and its ID.
    """
    return f"{humanise(entity_type)} {entity_id or ''}".strip()
