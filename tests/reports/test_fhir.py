"""FHIR R4 export: the Bundle validates (R4B) and every code comes from its value set."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from board.auth.permissions import PERMISSIONS, Action
from board.db.engine import Database
from board.errors import PermissionDeniedError
from board.reports.fhir import build_bundle, export_fhir
from board.reports.service import get_report
from tests.meetings.helpers import events
from tests.reports.helpers import (
    RICH_PSEUDONYM,
    STUDY_UID,
    DemoPlan,
    case_id_of,
    enrich,
    plan_demo_case,
    stored_report,
)

# Value sets, written out here independently of the code under test (FHIR R4, LOINC).
ADMINISTRATIVE_GENDER = {"male", "female", "other", "unknown"}
BUNDLE_TYPE = {
    "document",
    "message",
    "transaction",
    "transaction-response",
    "batch",
    "batch-response",
    "history",
    "searchset",
    "collection",
}
CONDITION_CLINICAL = {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
CONDITION_VERIFICATION = {
    "unconfirmed",
    "provisional",
    "differential",
    "confirmed",
    "refuted",
    "entered-in-error",
}
CONDITION_CATEGORY = {"problem-list-item", "encounter-diagnosis"}
OBSERVATION_STATUS = {
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
}
OBSERVATION_CATEGORY = {
    "social-history",
    "vital-signs",
    "imaging",
    "laboratory",
    "procedure",
    "survey",
    "exam",
    "therapy",
    "activity",
}
IMAGING_STUDY_STATUS = {"registered", "available", "cancelled", "entered-in-error", "unknown"}
CARE_PLAN_STATUS = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
CARE_PLAN_INTENT = {"proposal", "plan", "order", "option"}
ACTIVITY_STATUS = {
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
}
DOCUMENT_STATUS = {"current", "superseded", "entered-in-error"}
COMPOSITION_STATUS = {"preliminary", "final", "amended", "entered-in-error"}
# LOINC answer list LL529-9 for 89247-1 (ECOG performance status).
ECOG_ANSWERS = {"LA9622-7", "LA9623-5", "LA9624-3", "LA9625-0", "LA9626-8", "LA9627-6"}
DICOM_MODALITY = {"CR", "CT", "DX", "MG", "MR", "NM", "OT", "PT", "RF", "SEG", "SR", "US", "XA"}
KNOWN_SYSTEMS = {
    "http://loinc.org",
    "http://snomed.info/sct",
    "http://dicom.nema.org/resources/ontology/DCM",
    "http://terminology.hl7.org/CodeSystem/condition-clinical",
    "http://terminology.hl7.org/CodeSystem/condition-ver-status",
    "http://terminology.hl7.org/CodeSystem/condition-category",
    "http://terminology.hl7.org/CodeSystem/observation-category",
    "urn:tumorboard:score",
}
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"


@pytest.fixture
def db(demo_database: Database) -> Database:
    """Every test here starts from the demo board (loaded once per process)."""
    return demo_database


@pytest.fixture
def final(db: Database) -> DemoPlan:
    enrich(db, case_id_of(db))
    return plan_demo_case(db)


def _bundle(db: Database, plan: DemoPlan) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(export_fhir(db, plan.coordinator, plan.case_id).data)
    return data


def _by_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _codings(value: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if "system" in value and "code" in value:
            found.append(value)
        for child in value.values():
            found += _codings(child)
    elif isinstance(value, list):
        for child in value:
            found += _codings(child)
    return found


def test_bundle_validates_and_carries_the_codes(db: Database, final: DemoPlan) -> None:
    bundle = _bundle(db, final)
    Bundle.model_validate(bundle)
    assert bundle["type"] in BUNDLE_TYPE

    (patient,) = _by_type(bundle, "Patient")
    assert patient["identifier"][0]["value"] == RICH_PSEUDONYM
    assert patient["gender"] in ADMINISTRATIVE_GENDER and patient["gender"] == "female"
    assert "name" not in patient and "birthDate" not in patient and "address" not in patient
    patient_ref = f"urn:uuid:{patient['id']}"

    conditions = _by_type(bundle, "Condition")
    primary = next(
        c for c in conditions if c["meta"]["profile"][0].endswith("primary-cancer-condition")
    )
    secondary = next(
        c for c in conditions if c["meta"]["profile"][0].endswith("secondary-cancer-condition")
    )
    assert secondary["extension"][0]["url"] == MCODE + "mcode-related-primary-cancer-condition"
    assert secondary["extension"][0]["valueReference"]["reference"] == f"urn:uuid:{primary['id']}"
    assert secondary["code"]["coding"][0]["code"] == "128462008"
    assert "T8" in secondary["bodySite"][0]["text"]
    for condition in conditions:
        assert condition["subject"]["reference"] == patient_ref
        assert condition["clinicalStatus"]["coding"][0]["code"] in CONDITION_CLINICAL
        assert condition["verificationStatus"]["coding"][0]["code"] in CONDITION_VERIFICATION
        assert condition["category"][0]["coding"][0]["code"] in CONDITION_CATEGORY

    observations = _by_type(bundle, "Observation")
    codes = {o["code"]["coding"][0]["code"]: o for o in observations}
    ecog, karnofsky = codes["89247-1"], codes["89243-0"]
    assert ecog["valueCodeableConcept"]["coding"][0]["code"] == "LA9623-5"  # ECOG 1
    assert ecog["valueCodeableConcept"]["coding"][0]["code"] in ECOG_ANSWERS
    assert karnofsky["valueInteger"] == 80
    for key in ("sins", "escc", "noms", "tokuhashi", "tomita", "nesms"):
        assert key in codes, key
        assert codes[key]["note"][0]["text"].startswith("Source:")
    assert codes["noms"]["component"], "the NOMS reasoning is carried as components"
    for key in ("sins", "tokuhashi", "tomita"):
        assert len(codes[key]["component"]) >= 3, key  # every input with its points
    for observation in observations:
        assert observation["status"] in OBSERVATION_STATUS
        assert observation["category"][0]["coding"][0]["code"] in OBSERVATION_CATEGORY

    (study,) = _by_type(bundle, "ImagingStudy")
    assert study["identifier"][0] == {"system": "urn:dicom:uid", "value": f"urn:oid:{STUDY_UID}"}
    assert study["status"] in IMAGING_STUDY_STATUS
    assert study["modality"][0]["code"] in DICOM_MODALITY

    (care_plan,) = _by_type(bundle, "CarePlan")
    assert care_plan["status"] in CARE_PLAN_STATUS and care_plan["status"] == "active"
    assert care_plan["intent"] in CARE_PLAN_INTENT
    descriptions = [a["detail"]["description"] for a in care_plan["activity"]]
    assert "cEBRT 8 Gy in 1 fraction" in descriptions
    assert any(d.startswith("Book radiotherapy planning CT") for d in descriptions)
    for activity in care_plan["activity"]:
        assert activity["detail"]["status"] in ACTIVITY_STATUS
    assert care_plan["addresses"][0]["reference"] == f"urn:uuid:{secondary['id']}"

    (document,) = _by_type(bundle, "DocumentReference")
    assert document["status"] in DOCUMENT_STATUS
    assert document["docStatus"] in COMPOSITION_STATUS and document["docStatus"] == "final"
    attachment = document["content"][0]["attachment"]
    pdf, _html = stored_report(db, final.plan_id)
    assert attachment["contentType"] == "application/pdf"
    assert base64.b64decode(attachment["data"]) == pdf

    # Every coding uses a known system; every reference points into the bundle.
    for coding in _codings(bundle):
        assert coding["system"] in KNOWN_SYSTEMS, coding
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    text = json.dumps(bundle)
    for reference in {r for r in _references(bundle)}:
        assert reference in full_urls, reference
    assert "urn:uuid:" in text


def _references(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            found.append(value["reference"])
        for child in value.values():
            found += _references(child)
    elif isinstance(value, list):
        for child in value:
            found += _references(child)
    return found


def test_draft_plan_exports_as_draft(db: Database) -> None:
    plan = plan_demo_case(db, finalize=False)
    bundle = _bundle(db, plan)
    Bundle.model_validate(bundle)
    (care_plan,) = _by_type(bundle, "CarePlan")
    assert care_plan["status"] == "draft"
    (document,) = _by_type(bundle, "DocumentReference")
    assert document["docStatus"] == "preliminary"


def test_build_bundle_of_a_case_without_plan_or_imaging(db: Database) -> None:
    from tests.reports.helpers import actors

    coordinator = next(a for r, a in actors(db).items() if r.value == "coordinator")
    report = get_report(db, coordinator, case_id_of(db, "TB-DEMO02"))
    bundle = build_bundle(report, b"%PDF-1.4 test")
    Bundle.model_validate(bundle)
    (care_plan,) = _by_type(bundle, "CarePlan")
    assert care_plan["status"] == "draft" and "activity" not in care_plan


def test_export_is_audited_and_permission_checked(
    db: Database, final: DemoPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_fhir(db, final.coordinator, final.case_id, channel="cli")
    (event,) = events(db, "fhir.export")
    assert event.case_id == final.case_id and event.after is not None
    assert event.after["channel"] == "cli"
    monkeypatch.setitem(PERMISSIONS, Action.EXPORT, frozenset())
    with pytest.raises(PermissionDeniedError):
        export_fhir(db, final.coordinator, final.case_id)
    assert len(events(db, "fhir.export")) == 1
