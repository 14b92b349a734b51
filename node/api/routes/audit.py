"""Read, seal and verify the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from node.api.deps import STAFF, container, require
from node.api.schemas import AuditEntryOut
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


@router.get("/verify")
def verify(
    _: Principal = Depends(require("audit.verify", *STAFF)), c: Container = Depends(container)
) -> dict[str, object]:
    return c.audit.verify(c.trusted_audit_keys()).as_dict()


@router.post("/seal")
def seal(
    _: Principal = Depends(require("audit.seal", Role.ADMIN)), c: Container = Depends(container)
) -> dict[str, object]:
    seals = c.audit.seal()
    return {"sealed": len(seals), "through": seals[-1].last_seq if seals else None}
