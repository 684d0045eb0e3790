"""FHIR R4 export of a case as a Bundle (validated with ``fhir.resources.R4B``).

Contents: a pseudonymised Patient (no name, no birth date); the mCODE
PrimaryCancerCondition and the SecondaryCancerCondition for the spinal metastasis,
linked to it; Observations for ECOG (LOINC 89247-1) and Karnofsky (LOINC 89243-0) and
for each score with its components; ImagingStudy resources identified by Study
Instance UID; a CarePlan for the board's decision with its activities; and the
report PDF as a DocumentReference. fhir.resources does not check code values: the
values used are listed here and checked against their value sets in the tests.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.reports.model import BoardReport
from board.reports.service import ReportFormat, report_data

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PSEUDONYM_SYSTEM = "urn:tumorboard:pseudonym"
SCORE_SYSTEM = "urn:tumorboard:score"
DICOM_UID_SYSTEM = "urn:dicom:uid"
NAMESPACE = uuid.UUID("6f1d4bde-33b3-4c4e-9b59-5a2d8f6c1e10")

ECOG_LOINC = "89247-1"
KARNOFSKY_LOINC = "89243-0"
#: LOINC answer list LL529-9 (ECOG performance status grades 0-5).
ECOG_ANSWERS: dict[int, tuple[str, str]] = {
    0: (
        "LA9622-7",
        "Fully active, able to carry on all pre-disease performance without restriction",
    ),
    1: (
        "LA9623-5",
        "Restricted in physically strenuous activity but ambulatory and able to carry out "
        "work of a light or sedentary nature, e.g., light house work, office work",
    ),
    2: (
        "LA9624-3",
        "Ambulatory and capable of all selfcare but unable to carry out any work activities. "
        "Up and about more than 50% of waking hours",
    ),
    3: (
        "LA9625-0",
        "Capable of only limited selfcare, confined to bed or chair more than 50% of waking hours",
    ),
    4: (
        "LA9626-8",
        "Completely disabled. Cannot carry on any selfcare. Totally confined to bed or chair",
    ),
    5: ("LA9627-6", "Dead"),
}
PRIMARY_CANCER_SNOMED = ("363346000", "Malignant neoplastic disease (disorder)")
SECONDARY_CANCER_SNOMED = ("128462008", "Secondary malignant neoplastic disease (disorder)")
VERTEBRAL_COLUMN_SNOMED = ("421060004", "Structure of vertebral column (body structure)")
REPORT_LOINC = ("11488-4", "Consult note")
DICOM_MODALITIES = frozenset(
    {"CR", "CT", "DX", "MG", "MR", "NM", "OT", "PT", "RF", "SEG", "SR", "US", "XA"}
)
GENDERS = {"Female": "female", "Male": "male", "Other": "other"}


@dataclass(frozen=True, slots=True)
class FhirFile:
    """An exported bundle.

    Parameters
    ----------
    filename:
        A safe file name.
    data:
        The Bundle as UTF-8 JSON.
    """

    filename: str
    data: bytes


def _id(case_id: int, kind: str, n: int = 0) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{case_id}/{kind}/{n}"))


def _ref(rid: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{rid}"}


def _coding(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _instant(value: Any) -> str:
    text: str = value.isoformat()
    return text if value.tzinfo is not None else text + "+00:00"


def build_bundle(report: BoardReport, pdf: bytes) -> dict[str, Any]:
    """The FHIR R4 Bundle (as a JSON-ready mapping) of a report.

    Parameters
    ----------
    report:
        The board report model of the case.
    pdf:
        The report PDF, attached as a DocumentReference.

    Returns
    -------
    dict[str, Any]
        A ``collection`` Bundle, validated with ``fhir.resources.R4B``.

    Raises
    ------
    pydantic.ValidationError
        If a resource does not validate (a bug: every value is set here).
    """
    head = report.header
    cid = head.case_id
    final = not head.draft
    stamp = _instant(report.generated_at)
    entries: list[dict[str, Any]] = []

    def add(kind: str, resource: dict[str, Any], n: int = 0) -> str:
        rid = _id(cid, kind, n)
        resource["id"] = rid
        entries.append({"fullUrl": f"urn:uuid:{rid}", "resource": resource})
        return rid

    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": PSEUDONYM_SYSTEM, "value": head.pseudonym}],
        "gender": GENDERS.get(head.sex, "unknown"),
    }
    patient_id = add("patient", patient)
    subject = _ref(patient_id)

    primary_text = head.primary + (f" ({head.histology})" if head.histology else "")
    primary_id = add(
        "primary",
        {
            "resourceType": "Condition",
            "meta": {"profile": [MCODE + "mcode-primary-cancer-condition"]},
            "clinicalStatus": _coding(CONDITION_CLINICAL, "active", "Active"),
            "verificationStatus": _coding(CONDITION_VERIFICATION, "confirmed", "Confirmed"),
            "category": [_coding(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
            "code": {
                "coding": [
                    {
                        "system": SNOMED,
                        "code": PRIMARY_CANCER_SNOMED[0],
                        "display": PRIMARY_CANCER_SNOMED[1],
                    }
                ],
                "text": f"Primary cancer: {primary_text}",
            },
            "bodySite": [{"text": head.primary}],
            "subject": subject,
        },
    )
    secondary_id = add(
        "secondary",
        {
            "resourceType": "Condition",
            "meta": {"profile": [MCODE + "mcode-secondary-cancer-condition"]},
            "extension": [
                {
                    "url": MCODE + "mcode-related-primary-cancer-condition",
                    "valueReference": _ref(primary_id),
                }
            ],
            "clinicalStatus": _coding(CONDITION_CLINICAL, "active", "Active"),
            "verificationStatus": _coding(CONDITION_VERIFICATION, "confirmed", "Confirmed"),
            "category": [_coding(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
            "code": _coding(SNOMED, *SECONDARY_CANCER_SNOMED),
            "bodySite": [
                {
                    "coding": [
                        {
                            "system": SNOMED,
                            "code": VERTEBRAL_COLUMN_SNOMED[0],
                            "display": VERTEBRAL_COLUMN_SNOMED[1],
                        }
                    ],
                    "text": "Spine: " + (", ".join(head.levels) or "level not recorded"),
                }
            ],
            "subject": subject,
        },
    )

    status = "final" if final else "preliminary"
    scores = report.case.scores if report.case is not None else None
    ecog = None if scores is None or scores.ecog is None else scores.ecog.grade
    karnofsky = None if scores is None else scores.karnofsky
    observation_ids: list[str] = []
    if ecog is not None:
        code, display = ECOG_ANSWERS[ecog]
        observation_ids.append(
            add(
                "ecog",
                {
                    "resourceType": "Observation",
                    "meta": {"profile": [MCODE + "mcode-ecog-performance-status"]},
                    "status": status,
                    "category": [_coding(OBSERVATION_CATEGORY, "survey", "Survey")],
                    "code": _coding(LOINC, ECOG_LOINC, "ECOG Performance Status score"),
                    "subject": subject,
                    "effectiveDateTime": stamp,
                    "valueCodeableConcept": _coding(LOINC, code, display),
                    "interpretation": [{"text": f"ECOG {ecog}"}],
                },
            )
        )
    if karnofsky is not None:
        observation_ids.append(
            add(
                "karnofsky",
                {
                    "resourceType": "Observation",
                    "meta": {"profile": [MCODE + "mcode-karnofsky-performance-status"]},
                    "status": status,
                    "category": [_coding(OBSERVATION_CATEGORY, "survey", "Survey")],
                    "code": _coding(LOINC, KARNOFSKY_LOINC, "Karnofsky Performance Status score"),
                    "subject": subject,
                    "effectiveDateTime": stamp,
                    "valueInteger": karnofsky,
                },
            )
        )
    for n, score in enumerate(report.scores):
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            "status": status if score.complete else "preliminary",
            "category": [_coding(OBSERVATION_CATEGORY, "exam", "Exam")],
            "code": {
                "coding": [
                    {"system": SCORE_SYSTEM, "code": score.key, "display": score.short_name}
                ],
                "text": score.short_name,
            },
            "subject": subject,
            "focus": [_ref(secondary_id)],
            "effectiveDateTime": stamp,
            "valueString": score.value,
            "note": [{"text": f"Source: {score.source}"}],
        }
        if score.category:
            observation["interpretation"] = [{"text": score.category}]
        components = report.components(score)
        if components:
            observation["component"] = [
                {"code": {"text": f"{score.short_name} component"}, "valueString": c}
                for c in components
            ]
        observation_ids.append(add("score", observation, n))

    imaging_ids: list[str] = []
    for n, row in enumerate(report.imaging):
        study: dict[str, Any] = {
            "resourceType": "ImagingStudy",
            "status": "available",
            "subject": subject,
            "numberOfSeries": row.series,
        }
        if row.study_uid:
            study["identifier"] = [
                {"system": DICOM_UID_SYSTEM, "value": f"urn:oid:{row.study_uid}"}
            ]
        if row.modality in DICOM_MODALITIES:
            study["modality"] = [{"system": DCM, "code": row.modality}]
        if row.study_date is not None:
            study["started"] = f"{row.study_date.isoformat()}T00:00:00+00:00"
        if row.description:
            study["description"] = row.description
        imaging_ids.append(add("imaging", study, n))

    plan_status = "active" if final else "draft"
    activities: list[dict[str, Any]] = [
        {
            "detail": {
                "status": "not-started",
                "code": {"text": c.component},
                "description": c.text,
            }
        }
        for c in report.plan_components
    ]
    activities += [
        {
            "detail": {
                "status": "completed" if a.done else "not-started",
                "code": {"text": "Action item"},
                "description": f"{a.description} (owner: {a.owner})",
                **({"scheduledString": f"due {a.due_on.isoformat()}"} if a.due_on else {}),
            }
        }
        for a in report.action_items
    ]
    notes = [f"NOMS suggestion: {report.noms_suggestion}"]
    notes += [f"Departure from NOMS: {d}" for d in report.departures]
    if report.deviation_reason:
        notes.append(f"Reason for departing: {report.deviation_reason}")
    notes += [
        f"Dissent ({d.author}, {d.role}"
        + (f", on version {d.on_version}" if d.on_version is not None else "")
        + f"): {d.text}"
        for d in report.dissents
    ]
    care_plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "status": plan_status,
        "intent": "plan",
        "title": "Spine tumor board consensus plan"
        + (f", version {head.plan_number}" if head.plan_number else ""),
        "description": report.plan_summary or (report.plan_intent or "No plan yet"),
        "subject": subject,
        "created": stamp,
        "addresses": [_ref(secondary_id)],
        "supportingInfo": [_ref(i) for i in (*observation_ids, *imaging_ids)],
        "note": [{"text": n} for n in notes],
    }
    if activities:
        care_plan["activity"] = activities
    care_plan_id = add("careplan", care_plan)

    add(
        "document",
        {
            "resourceType": "DocumentReference",
            "status": "current",
            "docStatus": "final" if final else "preliminary",
            "type": _coding(LOINC, *REPORT_LOINC),
            "subject": subject,
            "date": stamp,
            "description": report.title,
            "content": [
                {
                    "attachment": {
                        "contentType": "application/pdf",
                        "data": base64.b64encode(pdf).decode("ascii"),
                        "title": f"{report.title}.pdf",
                        "creation": stamp,
                    }
                }
            ],
            "context": {"related": [_ref(care_plan_id)]},
        },
    )
    bundle = {
        "resourceType": "Bundle",
        "id": _id(cid, "bundle"),
        "type": "collection",
        "timestamp": stamp,
        "entry": entries,
    }
    Bundle.model_validate(bundle)
    return bundle


def export_fhir(db: Database, actor: Actor, case_id: int, *, channel: str = "app") -> FhirFile:
    """The FHIR R4 Bundle of a case as JSON (audited).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who exports (needs the export permission).
    case_id:
        The case.
    channel:
        Where it was asked for (``app``, ``cli``), for the audit trail.

    Returns
    -------
    FhirFile
        The bundle; one ``fhir.export`` audit event is written.

    Raises
    ------
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not export.
    """
    require(actor, Action.EXPORT)
    with db.read() as session:
        report, pdf, _stored, plan_id = report_data(session, case_id, ReportFormat.PDF)
    bundle = build_bundle(report, pdf)
    data = json.dumps(bundle, ensure_ascii=False, indent=1).encode("utf-8")
    with db.write() as session:
        record(
            session,
            actor,
            "fhir.export",
            "case",
            case_id,
            case_id=case_id,
            after={
                "channel": channel,
                "plan_version_id": plan_id,
                "draft": report.header.draft,
                "resources": len(bundle["entry"]),
                "bytes": len(data),
            },
        )
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in report.header.pseudonym)
    return FhirFile(f"fhir-{safe}.json", data)
