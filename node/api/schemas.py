"""Request and response bodies of the API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from node.audit.model import AuditEntry
from node.identity.model import Principal, Token


class Out(BaseModel):
    """A response body: the documented fields are typed; fields a newer node adds pass through."""

    model_config = ConfigDict(extra="allow")


class PrincipalIn(BaseModel):
    name: str = Field(min_length=2, max_length=64)
    roles: list[str] = Field(min_length=1)
    organization: str = Field(default="", max_length=200)
    public_key: str | None = Field(default=None, description="SM2 public key, 130 hex characters 04||X||Y")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "cq-research",
                    "roles": ["researcher"],
                    "organization": "重庆医科大学",
                    "public_key": "04...",
                }
            ]
        }
    )


class PrincipalOut(BaseModel):
    id: str
    name: str
    kind: str
    roles: list[str]
    organization: str
    public_key: str | None
    created_at_us: int
    disabled: bool

    @classmethod
    def of(cls, p: Principal) -> PrincipalOut:
        return cls(**{**p.__dict__, "roles": sorted(p.roles)})


class TokenIn(BaseModel):
    ttl_hours: int | None = Field(default=None, ge=1, le=24 * 366)
    label: str = Field(default="", max_length=100)

    model_config = ConfigDict(json_schema_extra={"examples": [{"ttl_hours": 720, "label": "精算平台"}]})


class TokenOut(BaseModel):
    id: str
    principal_id: str
    label: str
    created_at_us: int
    expires_at_us: int
    revoked_at_us: int | None

    @classmethod
    def of(cls, t: Token) -> TokenOut:
        return cls(**{k: v for k, v in t.__dict__.items() if k != "token_hash"})


class IssuedTokenOut(TokenOut):
    token: str = Field(description="The bearer secret. Shown once; the node stores only its SM3 hash.")


class AuditEntryOut(BaseModel):
    seq: int
    ts_us: int
    actor: str
    action: str
    object_type: str
    object_id: str
    outcome: str
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditEntryOut:
        return cls(**e.__dict__)


class NodeInfo(BaseModel):
    name: str
    display_name: str
    public_key: str


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error answer (``application/problem+json``)."""

    type: str = Field(description="urn:hnode:problem:{code}")
    title: str = Field(description="Chinese first; English with Accept-Language: en")
    status: int
    detail: str = Field(description="What went wrong; never patient data")
    code: str = Field(description="Stable machine-readable code")
    instance: str = Field(description="The request path")
    reasons: list[str] | None = Field(default=None, description="Failed policy checks, by name")
    request_id: str | None = Field(default=None, description="Also in the X-Request-ID header")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "type": "urn:hnode:problem:contract_not_found",
                    "title": "资源不存在",
                    "status": 404,
                    "detail": "contract ct_x not found",
                    "code": "contract_not_found",
                    "instance": "/v1/contracts/ct_x",
                    "request_id": "8f14e45fceea167a5a36dedd4bea2543",
                }
            ]
        }
    }


class Health(BaseModel):
    status: Literal["ok"]


class VerifyOut(Out):
    ok: bool
    entries: int
    seals: int
    sealed_through: int
    first_broken_seq: int | None = None
    reason: str | None = None


class SealOut(Out):
    sealed: int
    through: int | None


class AnchorReceiptOut(Out):
    digest: str
    kind: str
    ref: str
    tx_hash: str
    block_number: int
    block_time: int
    contract_address: str
    chain_id: int
    submitter: str


class AnchorOut(Out):
    """The Merkle batch closed now (None if nothing was new) and what the outbox delivered."""

    batch: dict[str, Any] | None
    delivered: list[dict[str, Any]]
    failed: list[dict[str, Any]]
    pending: int


class ProofStep(BaseModel):
    side: str
    hash: str


class ProofOut(Out):
    seq: int
    entry_hash: str
    index: int
    batch: list[int] = Field(description="first and last sequence number of the batch")
    path: list[ProofStep]
    merkle_root: str
    anchor: AnchorReceiptOut | None
    checks: dict[str, bool]


class EntityOut(BaseModel):
    type: str
    start: int
    end: int
    score: float


class DetectedOut(BaseModel):
    entities: list[EntityOut]


class AnonymizedOut(BaseModel):
    text: str


class TextsIn(BaseModel):
    texts: list[str] = Field(min_length=1, max_length=1000, description="each at most NODE_MAX_TEXT_CHARS")
    date_shift_days: int | None = Field(default=None, ge=-3650, le=3650)

    model_config = ConfigDict(json_schema_extra={"examples": [{"texts": ["患者张三，男，电话13812345678"]}]})
