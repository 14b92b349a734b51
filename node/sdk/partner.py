"""A partner's client of a hospital node: request, sign (with the partner's own SM2 key, which never
leaves the partner), use and verify contracts."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from node.crypto.canonical import canonical_json
from node.crypto.sm import PrivateKey, sm3
from node.errors import (
    Conflict,
    DependencyUnavailable,
    InvalidInput,
    NodeError,
    NotFound,
    PolicyDenied,
    Unauthorized,
)

_BY_STATUS: dict[int, type[NodeError]] = {
    401: Unauthorized,
    403: PolicyDenied,
    404: NotFound,
    409: Conflict,
    422: InvalidInput,
    503: DependencyUnavailable,
}


class ApiError(NodeError):
    """A problem+json answer; also an instance of the matching error category (``PolicyDenied``...)."""

    reasons: list[str]
    problem: dict[str, Any]  # the whole problem+json body (extension members such as a job's state)


# one subclass per category, so callers can catch e.g. PolicyDenied from the node's 403
_API_ERRORS: dict[int, type[ApiError]] = {
    status: type(f"Api{cat.__name__}", (ApiError, cat), {}) for status, cat in _BY_STATUS.items()
}


def _raise_for_problem(r: httpx.Response) -> None:
    if r.status_code < 400:
        return
    try:
        body = r.json()
    except ValueError:
        body = {}
    err = _API_ERRORS.get(r.status_code, ApiError)(
        str(body.get("detail") or f"HTTP {r.status_code}"),
        code=str(body.get("code") or f"http_{r.status_code}"),
    )
    err.reasons = list(body.get("reasons") or [])
    err.problem = body if isinstance(body, dict) else {}
    raise err


class PartnerClient:
    def __init__(
        self, base_url: str, token: str, http: httpx.Client | None = None, timeout_s: float = 30
    ) -> None:
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout_s)
        self._headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        headers = {**self._headers, **kw.pop("headers", {})}
        r = self._http.request(method, path, headers=headers, **kw)
        _raise_for_problem(r)
        return r.json()

    def catalog(self) -> list[dict[str, Any]]:
        products: list[dict[str, Any]] = self._call("GET", "/v1/products")
        return products

    def request(self, product_id: str, terms: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = self._call(
            "POST", "/v1/contracts", json={"product_id": product_id, "terms": terms}
        )
        return out

    def contracts(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._call("GET", "/v1/contracts")
        return out

    def contract(self, contract_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._call("GET", f"/v1/contracts/{contract_id}")
        return out

    def accept(self, contract_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._call("POST", f"/v1/contracts/{contract_id}/accept")
        return out

    def document(self, contract_id: str) -> tuple[bytes, dict[str, Any]]:
        """The canonical bytes to sign, checked locally: they must be the RFC 8785 form of the
        document shown, and hash to the digest the node announces."""
        doc = self._call("GET", f"/v1/contracts/{contract_id}/document")
        canonical = base64.b64decode(doc["canonical_base64"])
        if canonical != canonical_json(doc["document"]) or sm3(canonical).hex() != doc["digest_sm3"]:
            raise InvalidInput(
                "the node's document does not match its canonical bytes", code="document_mismatch"
            )
        return canonical, doc["document"]

    def sign(
        self, contract_id: str, key: PrivateKey, expect_terms: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Sign the contract with the partner's key; refuse if the terms differ from ``expect_terms``."""
        canonical, document = self.document(contract_id)
        if expect_terms is not None and {k: document["terms"].get(k) for k in expect_terms} != expect_terms:
            raise Conflict(
                "the contract's terms are not the ones expected: not signing", code="terms_changed"
            )
        signature = key.sign(canonical).hex()
        out: dict[str, Any] = self._call(
            "POST", f"/v1/contracts/{contract_id}/sign", json={"signature": signature}
        )
        return out

    def use(
        self,
        contract_id: str,
        purpose: str,
        epsilon: float = 0.0,
        cohort_size: int | None = None,
        ref: str = "",
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """One metered use; with ``idempotency_key`` a retry returns the first use (``replayed``)."""
        body: dict[str, Any] = {
            "purpose": purpose,
            "epsilon": epsilon,
            "cohort_size": cohort_size,
            "ref": ref,
        }
        if idempotency_key is not None:
            body["idempotency_key"] = idempotency_key
        out: dict[str, Any] = self._call("POST", f"/v1/contracts/{contract_id}/uses", json=body)
        return out

    def usage(self, contract_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._call("GET", f"/v1/contracts/{contract_id}/usage")
        return out

    def extract(self, contract_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._call("POST", f"/v1/contracts/{contract_id}/extract")
        return out

    def verification(self, contract_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._call("GET", f"/v1/contracts/{contract_id}/verification")
        return out

    def start_training(self, request: dict[str, Any]) -> dict[str, Any]:
        """Create a federated training job on the coordinating node (see POST /v1/fl/jobs):
        ``{"hospitals": {NODE: {"contract_id": ...}}, "rounds": ...}``; each contract names its product."""
        out: dict[str, Any] = self._call("POST", "/v1/fl/jobs", json=request)
        return out

    def run_training(self, job_id: str) -> dict[str, Any]:
        """Hand a created job to the coordinator's SuperLink; a started job raises ``Conflict``
        (HTTP 409) whose ``problem["state"]`` is the job's state."""
        out: dict[str, Any] = self._call("POST", f"/v1/fl/jobs/{job_id}/start")
        return out

    def training_job(self, job_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._call("GET", f"/v1/fl/jobs/{job_id}")
        return out

    def download_model(self, model_id: str) -> tuple[bytes, str]:
        """The model's bytes, after checking them against the SM3 digest the node registered."""
        r = self._http.get(f"/v1/fl/models/{model_id}", headers=self._headers)
        _raise_for_problem(r)
        digest = r.headers.get("X-Model-Digest-SM3", "")
        if sm3(r.content).hex() != digest:
            raise ValueError("the model does not match the digest the node sent")
        return r.content, digest

    def cohort_attrition(self, contract_id: str, definition: dict[str, Any]) -> dict[str, Any]:
        """A cohort's attrition at this hospital (one metered use; small counts withheld)."""
        body = {"contract_id": contract_id, "definition": definition}
        out: dict[str, Any] = self._call("POST", "/v1/research/cohorts/attrition", json=body)
        return out

    def research_dataset(self, contract_id: str, definition: dict[str, Any]) -> tuple[str, bytes]:
        """A multi-table anonymized dataset of the cohort: (dataset id, zip bytes)."""
        body = {"contract_id": contract_id, "definition": definition}
        r = self._http.post("/v1/research/datasets", json=body, headers=self._headers)
        _raise_for_problem(r)
        return r.headers.get("X-Dataset-Id", "dataset"), r.content

    def close(self) -> None:
        self._http.close()
