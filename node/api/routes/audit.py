"""Read, seal and verify the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from node.api.deps import ANY_ROLE, STAFF, container, require
from node.api.schemas import AnchorOut, AuditEntryOut, ProofOut, SealOut, VerifyOut
from node.bootstrap import Container
from node.identity.model import Principal, Role

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/entries", response_model=list[AuditEntryOut])
def recent_entries(
    limit: int = Query(50, ge=1, le=1000),
    actor: str | None = None,
    action: str | None = None,
    _: Principal = Depends(require("audit.read", *STAFF)),
    c: Container = Depends(container),
) -> list[AuditEntryOut]:
    return [AuditEntryOut.of(e) for e in c.audit.recent(limit, actor=actor, action=action)]


@router.get("/verify", response_model=VerifyOut)
def verify(
    _: Principal = Depends(require("audit.verify", *STAFF)), c: Container = Depends(container)
) -> dict[str, object]:
    return c.audit.verify(c.trusted_audit_keys()).as_dict()


@router.post("/seal", response_model=SealOut)
def seal(
    _: Principal = Depends(require("audit.seal", Role.ADMIN)), c: Container = Depends(container)
) -> dict[str, object]:
    seals = c.audit.seal()
    return {"sealed": len(seals), "through": seals[-1].last_seq if seals else None}


@router.post("/anchor", response_model=AnchorOut)
def anchor(
    _: Principal = Depends(require("audit.anchor", Role.ADMIN)), c: Container = Depends(container)
) -> dict[str, object]:
    """Close a Merkle batch over the entries not yet anchored and anchor its root on the chain."""
    batch, report = c.anchoring.anchor_audit()
    return {"batch": batch.__dict__ if batch else None, **report.as_dict()}


@router.get("/proofs/{seq}", response_model=ProofOut)
def prove(
    seq: int = Path(ge=1, le=2**63 - 1, description="the entry's sequence number"),
    _: Principal = Depends(require("audit.prove", *ANY_ROLE)),
    c: Container = Depends(container),
) -> dict[str, object]:
    """The inclusion proof of one entry in an anchored batch, and whether it checks out now."""
    proof = c.anchoring.prove(seq)
    return {**proof.as_dict(), "checks": c.anchoring.check_proof(proof)}
