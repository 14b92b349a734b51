"""Usage contracts, for both sides: partners request, sign and use; officers and ethics reviewers decide."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Depends, Query, status

from node.api.deps import ANY_ROLE, container, require
from node.api.schemas_contracts import (
    ContractOut,
    DocumentOut,
    ReasonIn,
    RequestIn,
    SignatureIn,
    TermsIn,
    UsageOut,
    UseIn,
    UseOut,
    VerificationOut,
)
from node.api.schemas_registry import ExtractOut
from node.asset_registry.model import AccessMode
from node.bootstrap import Container
from node.contracts.enforcement import UsageRequest
from node.contracts.model import State, contract_view
from node.errors import InvalidInput
from node.identity.model import PARTNER_ROLES, Principal, Role

router = APIRouter(prefix="/v1/contracts", tags=["contracts"])
PARTNER = tuple(sorted(PARTNER_ROLES))
OFFICER = (Role.DATA_OFFICER,)
REVIEWERS = (Role.DATA_OFFICER, Role.ETHICS_REVIEWER)
SIGNING = "SM2 over SM3 with user ID 1234567812345678 (GM/T 0009); DER signature, hex"


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ContractOut)
def request_contract(
    body: RequestIn,
    me: Principal = Depends(require("contract.request", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Request a product under terms. Terms the negotiation policy refuses come back REJECTED with
    the failed checks in ``reason``; acceptable ones wait for the data officer."""
    return contract_view(c.contracts.request(me, body.product_id, body.terms.raw()))


@router.get("", response_model=list[ContractOut])
def list_contracts(
    state: list[str] = Query(default_factory=list),
    me: Principal = Depends(require("contract.list", *ANY_ROLE)),
    c: Container = Depends(container),
) -> list[dict[str, Any]]:
    """Partners see their own contracts; staff see all (filter e.g. ``?state=PENDING_APPROVAL``)."""
    try:
        states = {State[s] for s in state}
    except KeyError:
        raise InvalidInput(
            f"unknown state; known: {', '.join(s.name for s in State)}", code="state_unknown"
        ) from None
    return [contract_view(x) for x in c.contracts.list_for(me, states or None)]


@router.get("/{contract_id}", response_model=ContractOut)
def show(
    contract_id: str,
    me: Principal = Depends(require("contract.show", *ANY_ROLE)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return contract_view(c.contracts.get(me, contract_id))


@router.get("/{contract_id}/document", response_model=DocumentOut)
def document(
    contract_id: str,
    me: Principal = Depends(require("contract.document", *ANY_ROLE)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """The exact bytes both sides sign (RFC 8785 canonical JSON), with their SM3 digest."""
    contract = c.contracts.get(me, contract_id)
    canonical = contract.canonical()
    return {
        "contract_id": contract.id,
        "state": contract.state.name,
        "document": contract.document(),
        "canonical_base64": base64.b64encode(canonical).decode(),
        "digest_sm3": contract.computed_digest(),
        "signing": SIGNING,
    }


@router.post("/{contract_id}/sign", response_model=ContractOut)
def sign(
    contract_id: str,
    body: SignatureIn,
    me: Principal = Depends(require("contract.sign", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Submit the partner's signature; the node countersigns and queues the digest for the chain."""
    return contract_view(c.contracts.sign(me, contract_id, body.signature))


@router.post("/{contract_id}/accept", response_model=ContractOut)
def accept(
    contract_id: str,
    me: Principal = Depends(require("contract.accept", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Accept the officer's counter-offer."""
    return contract_view(c.contracts.accept_counter_offer(me, contract_id))


@router.post("/{contract_id}/decline", response_model=ContractOut)
def decline(
    contract_id: str,
    body: ReasonIn,
    me: Principal = Depends(require("contract.decline", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return contract_view(c.contracts.decline(me, contract_id, body.reason))


@router.post("/{contract_id}/terminate", response_model=ContractOut)
def terminate(
    contract_id: str,
    body: ReasonIn,
    me: Principal = Depends(require("contract.terminate", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return contract_view(c.contracts.terminate(me, contract_id, body.reason))


@router.post("/{contract_id}/approve", response_model=ContractOut)
def approve(
    contract_id: str,
    me: Principal = Depends(require("contract.approve", *OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return contract_view(c.contracts.approve(me, contract_id))


@router.post("/{contract_id}/ethics-approve", response_model=ContractOut)
def ethics_approve(
    contract_id: str,
    me: Principal = Depends(require("contract.ethics_approve", Role.ETHICS_REVIEWER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return contract_view(c.contracts.approve_ethics(me, contract_id))


@router.post("/{contract_id}/reject", response_model=ContractOut)
def reject(
    contract_id: str,
    body: ReasonIn,
    me: Principal = Depends(require("contract.reject", *REVIEWERS)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return contract_view(c.contracts.reject(me, contract_id, body.reason))


@router.post("/{contract_id}/counter-offer", response_model=ContractOut)
def counter_offer(
    contract_id: str,
    body: TermsIn,
    me: Principal = Depends(require("contract.counter_offer", *OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return contract_view(c.contracts.counter_offer(me, contract_id, body.terms.raw()))


@router.post("/{contract_id}/revoke", response_model=ContractOut)
def revoke(
    contract_id: str,
    body: ReasonIn,
    me: Principal = Depends(require("contract.revoke", *OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return contract_view(c.contracts.revoke(me, contract_id, body.reason))


@router.post("/{contract_id}/uses", response_model=UseOut)
def use(
    contract_id: str,
    body: UseIn,
    me: Principal = Depends(require("contract.use", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Ask the enforcement point for one use and meter it (for enforcement points elsewhere, e.g. a
    federated-learning client). Denials are 403 with the failed checks in ``reasons``."""
    try:
        mode = AccessMode(body.access_mode) if body.access_mode else None
    except ValueError:
        raise InvalidInput("unknown access_mode", code="mode_unknown") from None
    request = UsageRequest.for_remote_check(
        contract_id, mode, body.purpose, body.epsilon, body.cohort_size, body.ref, body.idempotency_key
    )
    grant = c.usage.check(me, request)
    return {
        "usage_id": grant.record.id,
        "replayed": grant.replayed,
        "use": grant.contract.uses,
        "uses_left": grant.contract.uses_left,
        "epsilon_left": grant.contract.epsilon_left,
        "state": grant.contract.state.name,
    }


@router.get("/{contract_id}/usage", response_model=UsageOut)
def usage(
    contract_id: str,
    me: Principal = Depends(require("contract.usage", *ANY_ROLE)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Remaining quota and privacy budget, and every metered use."""
    contract = c.contracts.get(me, contract_id)
    return {
        "uses": contract.uses,
        "uses_left": contract.uses_left,
        "epsilon_spent": contract.epsilon_spent,
        "epsilon_left": contract.epsilon_left,
        "records": [r.__dict__ for r in c.contracts.usage_of(me, contract_id)],
    }


@router.post("/{contract_id}/extract", response_model=ExtractOut)
def extract(
    contract_id: str,
    me: Principal = Depends(require("contract.extract", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """The anonymized extract of an ``anonymized_extract`` contract: one metered use."""
    out, report = c.contract_extracts.extract(me, contract_id)
    return {"report": report.as_dict(), "columns": list(out.columns), "rows": out.astype(str).values.tolist()}


@router.get("/{contract_id}/verification", response_model=VerificationOut)
def verification(
    contract_id: str,
    me: Principal = Depends(require("contract.verify", *ANY_ROLE)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Digest, both SM2 signatures and the chain anchor, checked now; also the exportable copy."""
    c.contracts.get(me, contract_id)  # visibility check
    report = c.verifier.verify(contract_id)
    return {**report.as_dict(), "copy": c.verifier.export(contract_id)}
