"""Health, the caller's identity and the node's public identity."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from node.api.deps import ANY_ROLE, container, public, require
from node.api.schemas import Health, NodeInfo, PrincipalOut
from node.bootstrap import Container
from node.identity.model import Principal

router = APIRouter()


@router.get(
    "/health",
    tags=["system"],
    summary="Liveness (no authentication)",
    response_model=Health,
    openapi_extra=public("orchestrators probe it without a token; it names nothing"),
)
def health() -> Health:
    return Health(status="ok")


@router.get("/v1/whoami", tags=["system"], response_model=PrincipalOut)
def whoami(me: Principal = Depends(require("whoami", *ANY_ROLE))) -> PrincipalOut:
    return PrincipalOut.of(me)


@router.get("/v1/node", tags=["system"], response_model=NodeInfo)
def node_info(
    _: Principal = Depends(require("node.info", *ANY_ROLE)), c: Container = Depends(container)
) -> NodeInfo:
    s = c.settings
    return NodeInfo(name=s.name, display_name=s.display_name, public_key=c.signer.public_key_hex)
