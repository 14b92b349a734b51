"""Private set intersection under a ``psi`` contract (the partner's client runs the other half)."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from node.api.deps import container, require
from node.api.schemas import Out
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

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"request": "CiQIARIg9c1mS0V4b3R1c2JsaW5kZWQ=", "name_keys": True}]}
    )


class PsiTermsOut(Out):
    """What a run under this contract allows."""

    max_members: int = Field(description="the largest member list a run takes")
    min_members: int = Field(description="the smallest member list a run takes")
    reveal: Literal["members", "count"] = Field(description="members in the intersection, or its size only")
    keys: list[str] = Field(description="the member keys the hospital's set holds")


class PsiAnswerOut(Out):
    """The node's half of one run (openmined-psi, base64): the client computes the intersection."""

    setup: str = Field(description="the node's blinded set (ServerSetup), base64")
    response: str = Field(description="the client's items blinded by the node (Response), base64")
    reveal: Literal["members", "count"]
    members: int = Field(description="members of the hospital's set the run compared against")


@router.get("/{contract_id}", response_model=PsiTermsOut)
def terms(
    contract_id: str,
    me: Principal = Depends(require("psi.terms", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """What a run under this contract allows: largest member list, smallest, members or count only."""
    return c.psi.terms(me, contract_id).view()


@router.post("/{contract_id}", response_model=PsiAnswerOut)
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
