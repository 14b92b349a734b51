"""One-stop settlement (商保一站式结算): the billing desk submits claims, the insurer pulls them and
answers with signed ClaimResponses, and both see the settlements and the daily reconciliation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from node.api.deps import STAFF, container, require
from node.api.schemas import Out
from node.bootstrap import Container
from node.identity.model import Principal, Role

router = APIRouter(prefix="/v1/settlement", tags=["settlement"])
STAFF_AND_INSURER = (*STAFF, Role.INSURER)
DAY = r"^\d{4}-\d{2}-\d{2}$"


class ClaimIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"contract_id": "ct_0123456789abcdef", "encounter_id": "h1-p000002-e1"}]
        }
    )
    contract_id: str = Field(max_length=32)
    encounter_id: str = Field(min_length=1, max_length=64)
    fields: list[str] | None = Field(
        default=None, description="claim fields to send; default: all the contract allows"
    )
    version: int = Field(default=1, ge=1, le=1000, description="a corrected claim carries a new version")


class PullIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"contract_id": "ct_0123456789abcdef", "limit": 100}]}
    )
    contract_id: str | None = Field(default=None, max_length=32)
    limit: int = Field(default=100, ge=1, le=500)


class ClaimResponseDoc(BaseModel):
    """A FHIR R4 ClaimResponse; its fields pass through unchanged (the signature covers them all)."""

    model_config = ConfigDict(extra="allow")
    resourceType: str = Field(description="ClaimResponse")
    request: Any = Field(description="Reference to the Claim answered: {'reference': 'Claim/ID'}")
    total: Any = Field(description="adjudication totals: 'submitted' and 'benefit' (the payable amount)")


class ResponseIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "response": {"resourceType": "ClaimResponse", "request": {"reference": "Claim/cl-0123"}},
                    "signature": "3045...",
                }
            ]
        }
    )
    response: ClaimResponseDoc = Field(description="the FHIR R4 ClaimResponse")
    signature: str = Field(max_length=160, description="SM2 DER signature over its RFC 8785 JSON, hex")


class ClaimOut(Out):
    claim_id: str
    contract_id: str
    partner_id: str
    encounter_id: str | None = Field(description="the hospital's encounter id (not shown to insurers)")
    version: int
    status: str = Field(description="queued, pulled or settled")
    total: float
    currency: str
    payable: float | None
    patient_share: float | None = Field(description="what the patient pays at the desk: total - payable")
    created_at_us: int
    settled_at_us: int | None


class SealedClaimOut(Out):
    claim_id: str
    contract_id: str
    signer: str = Field(description="the node's SM2 public key")
    signature: str = Field(description="SM2 DER signature over the claim's RFC 8785 JSON, hex")
    sealed: dict[str, str] = Field(description="SM2-SM4-GCM: wrapped_key, nonce, ciphertext (base64)")


class PulledOut(Out):
    node_key: str
    claims: list[SealedClaimOut]


class ReconciliationOut(Out):
    date: str
    partner_id: str
    partner_name: str = Field(description="the insurer's registered name")
    currency: str
    claims: int
    settled: int
    pending: int
    total: float
    payable: float
    patient_share: float
    pending_total: float


@router.post("/claims", response_model=ClaimOut)
def submit(
    body: ClaimIn,
    me: Principal = Depends(require("settlement.submit", *STAFF)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Build, sign, seal and queue an encounter's claim; a retry returns the first claim."""
    return c.settlement.submit(me, body.contract_id, body.encounter_id, body.fields, body.version).view()


@router.get("/claims", response_model=list[ClaimOut])
def settlements(
    contract_id: str | None = Query(default=None, max_length=32),
    date: str | None = Query(default=None, pattern=DAY),
    me: Principal = Depends(require("settlement.list", *STAFF_AND_INSURER)),
    c: Container = Depends(container),
) -> list[dict[str, Any]]:
    """Claims and their settlements (an insurer sees its own)."""
    return [r.view(me.kind == "partner") for r in c.settlement.settlements(me, contract_id, date)]


@router.get("/reconciliation", response_model=list[ReconciliationOut])
def reconciliation(
    date: str = Query(pattern=DAY),
    me: Principal = Depends(require("settlement.reconcile", *STAFF_AND_INSURER)),
    c: Container = Depends(container),
) -> list[dict[str, Any]]:
    """Per insurer, the day's claims (China time): counts, totals, payable, patients' share, pending."""
    names = {p.id: p.name for p in c.identity.list_principals()}
    return [
        {**r, "partner_name": names.get(r["partner_id"], r["partner_id"])}
        for r in c.settlement.reconcile(me, date)
    ]


@router.post("/claims/pull", response_model=PulledOut)
def pull(
    body: PullIn,
    me: Principal = Depends(require("settlement.pull", Role.INSURER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """The insurer's unsettled claims, each signed by the node and sealed for the insurer's key."""
    claims = c.settlement.pull(me, body.contract_id, body.limit)
    return {"node_key": c.settlement.node_key(), "claims": [r.package for r in claims]}


@router.post("/claims/{claim_id}/response", response_model=ClaimOut)
def respond(
    claim_id: str,
    body: ResponseIn,
    me: Principal = Depends(require("settlement.respond", Role.INSURER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Record the insurer's signed ClaimResponse (verified against its registered key)."""
    return c.settlement.respond(me, claim_id, body.response.model_dump(), body.signature).view(True)
