"""Private set intersection under a ``psi`` contract (the partner's client runs the other half)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from node.api.deps import container, require
from node.bootstrap import Container
from node.errors import InvalidInput
from node.identity.model import PARTNER_ROLES, Principal

router = APIRouter(prefix="/v1/psi", tags=["psi"])
PARTNER = tuple(sorted(PARTNER_ROLES))
MAX_REQUEST_BYTES = 64 * 1024 * 1024  # about 1.4 million blinded members, base64


class PsiIn(BaseModel):
    request: str = Field(description="the client's serialized openmined-psi Request, base64")
    name_keys: bool = Field(
        default=True,
        description="the list uses the name + birth date fallback: the hospital adds those keys to its set",
    )


@router.get("/{contract_id}")
def terms(
    contract_id: str,
    me: Principal = Depends(require("psi.terms", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """What a run under this contract allows: largest member list, smallest, members or count only."""
    return c.psi.terms(me, contract_id).view()


@router.post("/{contract_id}")
def run(
    contract_id: str,
    body: PsiIn,
    request: Request,
    me: Principal = Depends(require("psi.run", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """One metered run: the node blinds the client's items and sends its own blinded set."""
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_REQUEST_BYTES:
        raise InvalidInput(f"PSI requests are at most {MAX_REQUEST_BYTES} bytes", code="psi_request_invalid")
    try:
        raw = base64.b64decode(body.request, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("request is not base64", code="psi_request_invalid") from None
    answer = c.psi.run(me, contract_id, raw, body.name_keys)
    return {
        "setup": base64.b64encode(answer.setup).decode(),
        "response": base64.b64encode(answer.response).decode(),
        "reveal": "members" if answer.reveal else "count",
        "members": answer.members,
    }
