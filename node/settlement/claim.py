"""A FHIR R4 ``Claim`` from an encounter, its diagnoses, procedures and itemized charges, holding only
the fields the contract lists (minimum necessary), validated with the R4B models of fhir.resources; and
the insurer's ``ClaimResponse`` read back (outcome, submitted total, payable benefit).

Every claim names the patient (the hospital's patient id as an identifier: the insurer matches its
member) and the total: without them nothing can be settled. The rest is optional per contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.claimresponse import ClaimResponse
from pydantic import ValidationError

from node.errors import InvalidInput, PolicyDenied

REQUIRED_FIELDS = ("patient", "total")
OPTIONAL_FIELDS = ("billablePeriod", "diagnosis", "procedure", "item")
CLAIM_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
PATIENT_SYSTEM = "urn:hnode:patient-id"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"


@dataclass(frozen=True)
class Encounter:
    """What the hospital's tables hold about one encounter (only what a claim may use)."""

    encounter_id: str
    patient_id: str
    inpatient: bool
    start: str | None
    end: str | None
    diagnoses: list[tuple[str, str | None]]  # (ICD-10 code, display)
    procedures: list[tuple[str, str | None, str | None]]  # (code, system, display)
    charges: list[dict[str, Any]]  # code, code_system, display, quantity, unit_price, amount, currency

    @property
    def total(self) -> float:
        return round(sum(float(c.get("amount") or 0.0) for c in self.charges), 2)

    @property
    def currency(self) -> str:
        return next((str(c["currency"]) for c in self.charges if c.get("currency")), "CNY")


def claim_fields(asked: list[str] | None, allowed: list[str]) -> list[str]:
    """The fields a claim will carry: those asked (or all the contract allows), never one it omits."""
    fields = list(allowed) if asked is None else list(asked)
    unknown = sorted(set(fields) - set(CLAIM_FIELDS))
    if unknown:
        raise InvalidInput(f"unknown claim field(s): {', '.join(unknown)}", code="claim_field_unknown")
    beyond = sorted(set(fields) - set(allowed) - set(REQUIRED_FIELDS))
    if beyond:
        raise PolicyDenied(
            f"the contract does not allow the claim field(s): {', '.join(beyond)}",
            code="claim_field_not_allowed",
        )
    return sorted(set(fields) | set(REQUIRED_FIELDS), key=CLAIM_FIELDS.index)


def build_claim(
    claim_id: str,
    enc: Encounter,
    fields: list[str],
    insurer: str,
    provider: str,
    contract_id: str,
    created: str,
) -> dict[str, Any]:
    """The Claim as a JSON object (validated); ``fields`` already checked against the contract."""
    doc: dict[str, Any] = {
        "resourceType": "Claim",
        "id": claim_id,
        "status": "active",
        "type": {
            "coding": [{"system": CLAIM_TYPE, "code": "institutional" if enc.inpatient else "professional"}]
        },
        "use": "claim",
        "patient": {"identifier": {"system": PATIENT_SYSTEM, "value": enc.patient_id}},
        "created": created,
        "insurer": {"display": insurer},
        "provider": {"display": provider},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": f"contract {contract_id}"}}],
        "total": {"value": enc.total, "currency": enc.currency},
    }
    if "billablePeriod" in fields and (enc.start or enc.end):
        doc["billablePeriod"] = {k: v for k, v in (("start", enc.start), ("end", enc.end)) if v}
    if "diagnosis" in fields and enc.diagnoses:
        doc["diagnosis"] = [
            {
                "sequence": i,
                "diagnosisCodeableConcept": {"coding": [_coding(ICD10, code, display)]},
            }
            for i, (code, display) in enumerate(enc.diagnoses, 1)
        ]
    if "procedure" in fields and enc.procedures:
        doc["procedure"] = [
            {
                "sequence": i,
                "procedureCodeableConcept": {"coding": [_coding(system or SNOMED, code, display)]},
            }
            for i, (code, system, display) in enumerate(enc.procedures, 1)
        ]
    if "item" in fields:
        doc["item"] = [_item(i, c, enc.currency) for i, c in enumerate(enc.charges, 1)]
    try:
        Claim.model_validate(doc)
    except ValidationError as exc:
        raise InvalidInput(
            f"the claim is not a valid FHIR R4 Claim ({exc.error_count()} problem(s))", code="claim_invalid"
        ) from None
    return doc


def _coding(system: str, code: str, display: str | None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _item(seq: int, c: dict[str, Any], currency: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sequence": seq,
        "productOrService": {
            "coding": [
                _coding(str(c.get("code_system") or "urn:hnode:charge"), str(c["code"]), c.get("display"))
            ]
        },
        "net": {"value": round(float(c.get("amount") or 0.0), 2), "currency": currency},
    }
    if c.get("quantity") is not None:
        item["quantity"] = {"value": float(c["quantity"])}
    if c.get("unit_price") is not None:
        item["unitPrice"] = {"value": round(float(c["unit_price"]), 2), "currency": currency}
    return item


@dataclass(frozen=True)
class Adjudication:
    claim_id: str
    outcome: str
    submitted: float
    payable: float
    currency: str


def read_response(doc: Any) -> Adjudication:
    """The parts of a ClaimResponse a settlement records; anything malformed is refused."""
    try:
        ClaimResponse.model_validate(doc)
    except (ValidationError, TypeError, ValueError):
        raise InvalidInput(
            "the response is not a valid FHIR R4 ClaimResponse", code="claim_response_invalid"
        ) from None
    ref = str(((doc.get("request") or {}).get("reference")) or "")
    if not ref.startswith("Claim/"):
        raise InvalidInput("the response names no Claim in request.reference", code="claim_response_invalid")
    totals = {
        coding.get("code"): t.get("amount") or {}
        for t in doc.get("total") or []
        for coding in (t.get("category") or {}).get("coding") or []
    }
    if "submitted" not in totals or "benefit" not in totals:
        raise InvalidInput(
            "the response must state the submitted and benefit totals", code="claim_response_invalid"
        )
    return Adjudication(
        claim_id=ref.removeprefix("Claim/"),
        outcome=str(doc.get("outcome")),
        submitted=float(totals["submitted"].get("value", 0)),
        payable=float(totals["benefit"].get("value", 0)),
        currency=str(totals["benefit"].get("currency") or "CNY"),
    )


def claim_response(
    response_id: str,
    claim_id: str,
    submitted: float,
    payable: float,
    currency: str,
    insurer: str,
    created: str,
) -> dict[str, Any]:
    """A ClaimResponse as an insurer returns it (used by the insurer's client and the tests)."""
    cat = "http://terminology.hl7.org/CodeSystem/adjudication"
    doc = {
        "resourceType": "ClaimResponse",
        "id": response_id,
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE, "code": "institutional"}]},
        "use": "claim",
        "patient": {"display": "as in the claim"},
        "created": created,
        "insurer": {"display": insurer},
        "request": {"reference": f"Claim/{claim_id}"},
        "outcome": "complete",
        "total": [
            {
                "category": {"coding": [{"system": cat, "code": "submitted"}]},
                "amount": {"value": submitted, "currency": currency},
            },
            {
                "category": {"coding": [{"system": cat, "code": "benefit"}]},
                "amount": {"value": payable, "currency": currency},
            },
        ],
        "payment": {
            "type": {"coding": [{"code": "complete"}]},
            "amount": {"value": payable, "currency": currency},
        },
    }
    ClaimResponse.model_validate(doc)
    return doc
