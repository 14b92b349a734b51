"""Typed bodies of the contract routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from node.api.schemas import AnchorReceiptOut, Out
from node.asset_registry.model import AccessMode

_NOW = 1_800_000_000_000_000
_TERMS_EXAMPLE: dict[str, Any] = {
    "purpose": "actuarial_statistics",
    "access_mode": "aggregate_query",
    "valid_from_us": _NOW,
    "valid_to_us": _NOW + 30 * 86_400_000_000,
    "max_uses": 10,
    "epsilon": 1.0,
    "min_cohort": 20,
}


class ContractTerms(BaseModel):
    """ODRL-like terms; times in microseconds since the epoch (UTC). The negotiation policy then checks
    them against the product's offer."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_TERMS_EXAMPLE]})

    purpose: str = Field(min_length=1, max_length=64, description="a purpose code")
    access_mode: AccessMode
    valid_from_us: int = Field(ge=0, lt=2**62)
    valid_to_us: int = Field(ge=0, lt=2**62)
    max_uses: int = Field(ge=0, lt=2**62)
    epsilon: float = Field(default=0.0, ge=0, lt=1e6, description="total differential-privacy budget")
    min_cohort: int = Field(default=0, ge=0, lt=2**62)
    k: int = Field(default=0, ge=0, lt=2**62, description="k-anonymity of extracts")
    prohibitions: list[str] | None = Field(default=None, max_length=20)
    duties: dict[str, int] | None = Field(default=None, description='e.g. {"delete_after_days": 30}')

    def raw(self) -> dict[str, Any]:
        """As the contract service parses terms (it checks them again, with its own messages)."""
        return self.model_dump(mode="json", exclude_none=True)


class RequestIn(BaseModel):
    product_id: str = Field(min_length=1, max_length=64)
    terms: ContractTerms

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"product_id": "pd_0123456789abcdef", "terms": _TERMS_EXAMPLE}]}
    )


class TermsIn(BaseModel):
    terms: ContractTerms

    model_config = ConfigDict(json_schema_extra={"examples": [{"terms": {**_TERMS_EXAMPLE, "max_uses": 5}}]})


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=300)

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "用途超出产品范围"}]})


class SignatureIn(BaseModel):
    signature: str = Field(
        min_length=16,
        max_length=200,
        description="SM2 over SM3 with user ID 1234567812345678 (GM/T 0009); DER signature, hex",
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"signature": "3045022100" + "ab" * 32 + "0220" + "cd" * 32}]}
    )


class UseIn(BaseModel):
    purpose: str = Field(min_length=1, max_length=64)
    access_mode: str | None = Field(default=None, description="default: the contract's")
    epsilon: float = Field(default=0.0, ge=0, le=1e6)
    cohort_size: int | None = Field(default=None, ge=0, lt=2**62)
    ref: str = Field(default="", max_length=128)
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=160,
        description="unique per contract: a retry with the same key gets the first use back, charged once",
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"purpose": "actuarial_statistics", "epsilon": 0.1, "ref": "q-1"}]}
    )


class TermsOut(Out):
    purpose: str
    access_mode: str
    valid_from_us: int
    valid_to_us: int
    max_uses: int
    epsilon: float
    min_cohort: int
    k: int
    prohibitions: list[str]
    duties: dict[str, Any]


class ApprovalOut(BaseModel):
    role: str
    by: str
    at_us: int


class ContractOut(Out):
    id: str
    product_id: str
    partner_id: str
    node: str
    state: str
    state_zh: str
    version: int
    level: int
    needs_ethics: bool
    terms: TermsOut
    uses: int
    uses_left: int
    epsilon_spent: float
    epsilon_left: float
    reason: str
    approvals: list[ApprovalOut]
    digest: str
    signed_by: list[str]
    requested_at_us: int
    updated_at_us: int


class DocumentOut(Out):
    contract_id: str
    state: str
    document: dict[str, Any] = Field(description="the ODRL-like document both sides sign")
    canonical_base64: str = Field(description="its RFC 8785 bytes")
    digest_sm3: str
    signing: str


class UseOut(Out):
    usage_id: str
    use: int
    uses_left: int
    epsilon_left: float
    state: str


class UsageRecordOut(Out):
    id: str
    contract_id: str
    principal_id: str
    access_mode: str
    purpose: str
    epsilon: float
    cohort_size: int | None
    ref: str
    at_us: int


class UsageOut(Out):
    uses: int
    uses_left: int
    epsilon_spent: float
    epsilon_left: float
    records: list[UsageRecordOut]


class CheckOut(BaseModel):
    name: str
    ok: bool
    detail: str


class ContractCopyOut(Out):
    contract_id: str
    document: dict[str, Any]
    digest: str
    signatures: dict[str, dict[str, Any] | None]
    anchor: AnchorReceiptOut | None


class VerificationOut(Out):
    contract_id: str
    ok: bool
    checks: list[CheckOut]
    copy_: ContractCopyOut = Field(alias="copy")
