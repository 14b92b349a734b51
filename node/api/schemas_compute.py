"""Typed bodies of the federated-training and homomorphic-encryption routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from node.api.schemas import Out
from node.he_query.params import MAX_FEATURE_CIPHERTEXTS, MAX_JOB_BATCHES


class HospitalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contract_id: str = Field(
        min_length=1, max_length=64, description="the partner's contract at that hospital"
    )


class JobIn(BaseModel):
    """A training job across hospitals; each round is a metered use of the partner's contract at each."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "hospitals": {
                        "cq-hospital-a": {"contract_id": "ct_0123456789abcdef"},
                        "cq-hospital-b": {"contract_id": "ct_fedcba9876543210"},
                    },
                    "rounds": 5,
                    "model": "logreg",
                    "target": "E11",
                    "dp_epsilon": 2.0,
                }
            ]
        },
    )

    hospitals: dict[str, HospitalIn] = Field(min_length=1, max_length=64, description="node name -> contract")
    rounds: int | None = Field(default=None, ge=1, le=1000)
    local_epochs: int | None = Field(default=None, ge=1, le=1000)
    lr: float | None = Field(default=None, gt=0, le=10)
    model: str | None = Field(
        default=None,
        description="logreg, mlp, xgboost (Flower bagging; no DP, no SecAgg+) or dp_trees (boosted trees "
        "for DP and SecAgg+)",
    )
    target: str | None = Field(default=None, max_length=8, description="ICD-10 prefix to predict")
    features: dict[str, Any] | None = Field(
        default=None,
        description='{"loinc": [CODE], "diagnosis_flags": {SYSTEM: [PREFIX]}, "medication_flags": '
        "{SYSTEM: [PREFIX]}}, a system as HE cohorts name it (icd10, snomed_ct; atc, rxnorm; a FHIR URI or "
        "a hospital's local system), within what each hospital's product offers (default: six risk labs)",
    )
    outcome: dict[str, Any] | None = Field(
        default=None,
        description='{"diagnosis": {"icd10": [PREFIX]}} or {"lab": {"loinc", "min", "max"}} (default: E11)',
    )
    dp_epsilon: float | None = Field(default=None, gt=0, le=100)
    secure_aggregation: bool | None = Field(default=None, description="default: on with 3+ hospitals")
    min_hospitals: int | None = Field(default=None, ge=0, le=64)
    round_timeout_s: float | None = Field(default=None, gt=0, le=86_400)
    secagg_timeout_s: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="seconds each SecAgg+ stage waits for the hospitals (default: round_timeout_s / 4)",
    )

    def raw(self) -> dict[str, Any]:
        """As the job service reads a request (it checks it again)."""
        return self.model_dump(mode="json", exclude_none=True)


class StopIn(BaseModel):
    reason: str = Field(default="", max_length=200)

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "合约即将到期"}]})


class JobOut(Out):
    id: str
    partner_id: str
    state: str
    model: str
    rounds: int
    rounds_done: int
    hospitals: int
    min_hospitals: int
    secure_aggregation: bool
    dp_target_epsilon: float | None
    epsilon_spent: float
    participants: dict[str, str]
    feature_names: list[str] = Field(description="the model's columns: loinc:CODE, icd10:PREFIX, atc:PREFIX")
    outcome: str | None = Field(description="what the model predicts")
    code: str | None
    reason: str | None
    stop_reason: str | None
    model_id: str | None
    created_at_us: int
    updated_at_us: int


class RoundOut(BaseModel):
    round: int
    metrics: dict[str, float]
    refused: list[str]
    at_us: int


class JobDetailOut(JobOut):
    round_metrics: list[RoundOut]


class ModelOut(Out):
    id: str
    job_id: str
    partner_id: str
    name: str
    version: int
    digest: str
    size: int
    metrics: dict[str, float]
    participants: dict[str, dict[str, Any]]
    epsilon: float
    created_at_us: int
    anchor: dict[str, Any] | None


class TrainedOut(Out):
    job: str
    contract_id: str
    partner_id: str
    product_id: str
    assets: list[str]
    purpose: str
    rounds: int
    epsilon: float
    last_at_us: int


_SESSION = "9" * 64
_CT = "XqAQBAAAAAA="  # base64 of a (truncated) serialized ciphertext


class ScoreIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"contract_id": "ct_0123456789abcdef", "session": _SESSION, "features": [_CT]}]
        }
    )

    contract_id: str = Field(min_length=1, max_length=64)
    session: str = Field(min_length=64, max_length=64)
    features: list[str] = Field(
        min_length=1, max_length=MAX_FEATURE_CIPHERTEXTS, description="base64 CKKS vectors, one per feature"
    )


class ScoreJobIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"contract_id": "ct_0123456789abcdef", "session": _SESSION, "batches": [[_CT], [_CT]]}
            ]
        }
    )

    contract_id: str = Field(min_length=1, max_length=64)
    session: str = Field(min_length=64, max_length=64)
    batches: list[list[str]] = Field(
        min_length=1,
        max_length=MAX_JOB_BATCHES,
        description="per batch: base64 CKKS vectors, one per feature",
    )


class AggregateIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "contract_id": "ct_0123456789abcdef",
                    "counts_session": _SESSION,
                    "sums_session": "8" * 64,
                    "condition": "E11",
                    "epsilon": 0.5,
                }
            ]
        }
    )

    contract_id: str = Field(min_length=1, max_length=64)
    counts_session: str = Field(min_length=64, max_length=64)
    sums_session: str = Field(min_length=64, max_length=64)
    condition: str = Field(
        min_length=1,
        max_length=200,
        description="the cohort: an ICD-10 prefix (E11) or SYSTEM|PREFIX "
        "(snomed_ct|44054006, loinc, atc, rxnorm, a local system)",
    )
    epsilon: float = Field(gt=0, le=10)


class CombineIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"session": _SESSION, "scheme": "bfv-counts", "parts": [_CT, _CT]}]}
    )

    session: str = Field(min_length=64, max_length=64)
    scheme: str = Field(max_length=32)
    parts: list[str] = Field(min_length=1, max_length=64)


class SessionOut(Out):
    session: str = Field(description="SM3 digest of the public context: name it in queries")
    scheme: str
    expires_in_s: int


class ScoresOut(Out):
    scores: str = Field(description="base64 CKKS ciphertext of the scores, under the partner's keys")


class HeJobOut(Out):
    id: str
    kind: str
    state: str
    progress: dict[str, int]
    error: str | None
    scores: list[str] | None = None


class AggregateOut(Out):
    hospital: str
    counts: str
    sums: str
    count_names: list[str]
    sum_names: list[str]
    noise: dict[str, Any]


class CombinedOut(Out):
    total: str


class RiskModelOut(Out):
    product_id: str
    version: int
    target: str
    features: list[Any]
    output: str
    digest: str
