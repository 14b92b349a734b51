"""Principals (partners and staff) and their tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from node.api.deps import STAFF, container, public, require
from node.api.schemas import IssuedTokenOut, PrincipalIn, PrincipalOut, TokenIn, TokenOut
from node.bootstrap import Container
from node.identity.model import Principal, Role

router = APIRouter(prefix="/v1", tags=["identity"])


@router.post("/principals", response_model=PrincipalOut, status_code=status.HTTP_201_CREATED)
def register_principal(
    body: PrincipalIn,
    me: Principal = Depends(require("principal.register", Role.ADMIN)),
    c: Container = Depends(container),
) -> PrincipalOut:
    p = c.identity.register(me.id, body.name, body.roles, body.organization, body.public_key)
    return PrincipalOut.of(p)


@router.get("/principals", response_model=list[PrincipalOut])
def list_principals(
    _: Principal = Depends(require("principal.list", *STAFF)), c: Container = Depends(container)
) -> list[PrincipalOut]:
    return [PrincipalOut.of(p) for p in c.identity.list_principals()]


@router.get("/principals/{principal_id}", response_model=PrincipalOut)
def get_principal(
    principal_id: str,
    _: Principal = Depends(require("principal.show", *STAFF)),
    c: Container = Depends(container),
) -> PrincipalOut:
    return PrincipalOut.of(c.identity.get(principal_id))


@router.post(
    "/principals/{principal_id}/tokens", response_model=IssuedTokenOut, status_code=status.HTTP_201_CREATED
)
def issue_token(
    principal_id: str,
    body: TokenIn,
    me: Principal = Depends(require("token.issue", Role.ADMIN)),
    c: Container = Depends(container),
) -> IssuedTokenOut:
    issued = c.identity.issue_token(me.id, principal_id, body.ttl_hours, body.label)
    return IssuedTokenOut(**TokenOut.of(issued.token).model_dump(), token=issued.secret)


@router.get("/principals/{principal_id}/tokens", response_model=list[TokenOut])
def list_tokens(
    principal_id: str,
    _: Principal = Depends(require("token.list", Role.ADMIN)),
    c: Container = Depends(container),
) -> list[TokenOut]:
    return [TokenOut.of(t) for t in c.identity.tokens_of(principal_id)]


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(
    token_id: str,
    me: Principal = Depends(require("token.revoke", Role.ADMIN)),
    c: Container = Depends(container),
) -> TokenOut:
    return TokenOut.of(c.identity.revoke_token(me.id, token_id))


class SignInStatement(BaseModel):
    """What the partner signs (further members are signed and checked as sent)."""

    type: str = Field(max_length=64, description='"hnode/sign-in"')
    node: str = Field(max_length=64, description="this node's name")
    partner: str = Field(max_length=64, description="the partner's registered principal name")
    at_us: int = Field(strict=True, description="when it was signed, µs since the epoch (five minutes)")

    model_config = ConfigDict(extra="allow")


class SignInIn(BaseModel):
    statement: SignInStatement
    signature: str = Field(
        min_length=16, max_length=200, description="SM2 over the statement's RFC 8785 bytes, DER hex"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "statement": {
                        "type": "hnode/sign-in",
                        "node": "cq-hospital-1",
                        "partner": "cq-institute",
                        "at_us": 1796000000000000,
                    },
                    "signature": "3045022100c1f0...",
                }
            ]
        }
    )


@router.post(
    "/sign-in",
    response_model=IssuedTokenOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=public("the partner's SM2 signature over the statement is the credential", 401, 422, 503),
)
def sign_in(body: SignInIn, c: Container = Depends(container)) -> IssuedTokenOut:
    """A partner registered with its key (e.g. from the regional registry) signs in with that key: the
    signature is the credential; the answer is a one-hour token. No bearer token needed."""
    issued = c.identity.sign_in(c.settings.name, body.statement.model_dump(), body.signature)
    return IssuedTokenOut(**TokenOut.of(issued.token).model_dump(), token=issued.secret)
