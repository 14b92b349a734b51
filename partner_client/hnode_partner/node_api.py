"""One hospital node's own API (``/v1/...``) under a bearer token the node issued to the partner:
request, sign (with the partner's own SM2 key, which never leaves the partner), use and verify
contracts, and the work they allow (training jobs, models, research cohorts and datasets).

Every refusal raises ``NodeApiError`` carrying the problem+json answer (HTTP status, code, reasons and
the whole body); a check made here raises ``PartnerError`` with its code. The node's ``hnode partner``
commands wrap this client (``node/sdk/partner.py``)."""

from __future__ import annotations

import base64
from typing import Any, NoReturn, Protocol

import httpx

from hnode_partner.client import PartnerError
from hnode_partner.sm import canonical, sm3_hex


class NodeApiError(PartnerError):
    """A problem+json answer of the node: its HTTP status, code, reasons and whole body."""

    def __init__(self, message: str, code: str, status: int, problem: dict[str, Any]) -> None:
        super().__init__(message, code)
        self.status = status
        self.problem = problem  # extension members such as a job's state
        self.reasons = [str(r) for r in problem.get("reasons") or []]


class Signer(Protocol):
    """The partner's SM2 key: signs the canonical bytes (DER signature, as bytes or hex)."""

    def sign(self, message: bytes) -> bytes | str: ...


def problem_error(r: httpx.Response) -> NodeApiError:
    try:
        body = r.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return NodeApiError(
        str(body.get("detail") or f"HTTP {r.status_code}"),
        str(body.get("code") or f"http_{r.status_code}"),
        r.status_code,
        body,
    )


class PartnerClient:
    def __init__(
        self, base_url: str, token: str, http: httpx.Client | None = None, timeout_s: float = 30
    ) -> None:
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout_s)
        self._headers = {"Authorization": f"Bearer {token}"}

    def _fail(self, error: PartnerError) -> NoReturn:
        """Every refusal passes here (a wrapper may raise its own error classes instead)."""
        raise error

    def _checked(self, r: httpx.Response) -> httpx.Response:
        if r.status_code >= 400:
            self._fail(problem_error(r))
        return r

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        headers = {**self._headers, **kw.pop("headers", {})}
        return self._checked(self._http.request(method, path, headers=headers, **kw)).json()

    def call(self, method: str, path: str, **kw: Any) -> Any:
        """One call of the node's API; problem+json raises (as ``Hospital.call`` does)."""
        return self._call(method, path, **kw)

    def catalog(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/v1/products"))

    def request(self, product_id: str, terms: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", "/v1/contracts", json={"product_id": product_id, "terms": terms}))

    def contracts(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/v1/contracts"))

    def contract(self, contract_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/v1/contracts/{contract_id}"))

    def accept(self, contract_id: str) -> dict[str, Any]:
        return dict(self._call("POST", f"/v1/contracts/{contract_id}/accept"))

    def document(self, contract_id: str) -> tuple[bytes, dict[str, Any]]:
        """The canonical bytes to sign, checked locally: they must be the RFC 8785 form of the
        document shown, and hash to the digest the node announces."""
        doc = self._call("GET", f"/v1/contracts/{contract_id}/document")
        raw = base64.b64decode(doc["canonical_base64"])
        if raw != canonical(doc["document"]) or sm3_hex(raw) != doc["digest_sm3"]:
            self._fail(
                PartnerError("the node's document does not match its canonical bytes", "document_mismatch")
            )
        return raw, doc["document"]

    def sign(
        self, contract_id: str, key: Signer, expect_terms: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Sign the contract with the partner's key; refuse if the terms differ from ``expect_terms``."""
        raw, document = self.document(contract_id)
        if expect_terms is not None and {k: document["terms"].get(k) for k in expect_terms} != expect_terms:
            self._fail(
                PartnerError("the contract's terms are not the ones expected: not signing", "terms_changed")
            )
        signature = key.sign(raw)
        hex_signature = signature.hex() if isinstance(signature, bytes) else signature
        return dict(
            self._call("POST", f"/v1/contracts/{contract_id}/sign", json={"signature": hex_signature})
        )

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
        return dict(self._call("POST", f"/v1/contracts/{contract_id}/uses", json=body))

    def usage(self, contract_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/v1/contracts/{contract_id}/usage"))

    def extract(self, contract_id: str) -> dict[str, Any]:
        return dict(self._call("POST", f"/v1/contracts/{contract_id}/extract"))

    def verification(self, contract_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/v1/contracts/{contract_id}/verification"))

    def start_training(self, request: dict[str, Any]) -> dict[str, Any]:
        """Create a federated training job on the coordinating node (see POST /v1/fl/jobs):
        ``{"hospitals": {NODE: {"contract_id": ...}}, "rounds": ...}``; each contract names its product."""
        return dict(self._call("POST", "/v1/fl/jobs", json=request))

    def run_training(self, job_id: str) -> dict[str, Any]:
        """Hand a created job to the coordinator's SuperLink; a started job is refused (HTTP 409) with
        the job's state in ``problem["state"]``."""
        return dict(self._call("POST", f"/v1/fl/jobs/{job_id}/start"))

    def training_job(self, job_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/v1/fl/jobs/{job_id}"))

    def download_model(self, model_id: str) -> tuple[bytes, str]:
        """The model's bytes, after checking them against the SM3 digest the node registered."""
        r = self._checked(self._http.get(f"/v1/fl/models/{model_id}", headers=self._headers))
        digest = r.headers.get("X-Model-Digest-SM3", "")
        if sm3_hex(r.content) != digest:
            self._fail(
                PartnerError("the model does not match the digest the node sent", "model_digest_mismatch")
            )
        return r.content, digest

    def cohort_attrition(self, contract_id: str, definition: dict[str, Any]) -> dict[str, Any]:
        """A cohort's attrition at this hospital (one metered use; small counts withheld)."""
        body = {"contract_id": contract_id, "definition": definition}
        return dict(self._call("POST", "/v1/research/cohorts/attrition", json=body))

    def research_dataset(self, contract_id: str, definition: dict[str, Any]) -> tuple[str, bytes]:
        """A multi-table anonymized dataset of the cohort: (dataset id, zip bytes)."""
        body = {"contract_id": contract_id, "definition": definition}
        r = self._checked(self._http.post("/v1/research/datasets", json=body, headers=self._headers))
        return r.headers.get("X-Dataset-Id", "dataset"), r.content

    def close(self) -> None:
        self._http.close()
