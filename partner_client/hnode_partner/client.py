"""Talking to the region (discovery) and to hospitals (Dataspace Protocol 2025-1, consumer side)."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import httpx

from hnode_partner.sm import Key, canonical, verify

DSP_CONTEXT = ["https://w3id.org/dspace/2025/1/context.jsonld"]
DSP_PATH = "/dsp/2025-1"
SIGNATURE = "urn:hnode:vocab#signature"
SIGNED_CONTRACT = "urn:hnode:vocab#signedContract"


class PartnerError(Exception):
    """A refusal or failure, with the server's code when it gave one."""

    def __init__(self, message: str, code: str = "error") -> None:
        super().__init__(message)
        self.code = code


def _json(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        try:
            body = r.json()
            code = str(body.get("code", r.status_code))
            detail = body.get("detail") or (body.get("reason") or [""])[0]
        except ValueError:
            code, detail = str(r.status_code), r.text[:200]
        raise PartnerError(f"{r.request.method} {r.request.url.path}: {r.status_code} {detail}", code)
    return r.json()


class NodeCaller(Protocol):
    """A hospital node's own API (``/v1/...``) under the partner's credential: a ``Hospital`` signed in
    with the partner's key, or a ``node_api.PartnerClient`` holding a token the node issued."""

    def call(self, method: str, path: str, **kw: Any) -> Any: ...


class Region:
    def __init__(self, url: str, token: str, http: httpx.Client | None = None) -> None:
        self._http = http or httpx.Client(base_url=url, timeout=30)
        self._auth = {"Authorization": f"Bearer {token}"}

    def search(self, **filters: Any) -> list[dict[str, Any]]:
        params = {k: v for k, v in filters.items() if v not in (None, "")}
        return list(_json(self._http.get("/v1/catalog/search", params=params, headers=self._auth)))

    def nodes(self) -> list[dict[str, Any]]:
        return list(_json(self._http.get("/v1/nodes", headers=self._auth)))

    def node_keys(self) -> dict[str, str]:
        """Institution code -> SM2 public key of every node the operator approved."""
        return {n["code"]: n["public_key"] for n in self.nodes() if n["status"] == "approved"}


def node_name(dataset_id: str) -> str:
    """The node's name inside a dataset id ``urn:hnode:{node}:product:{pd}``."""
    parts = dataset_id.split(":")
    if len(parts) != 5 or parts[:2] != ["urn", "hnode"] or parts[3] != "product":
        raise PartnerError(f"not a hospital dataset id: {dataset_id[:80]}", "dataset_id_invalid")
    return parts[2]


class Hospital:
    """One hospital node's DSP endpoint, signed in with the partner's key."""

    def __init__(self, dsp_endpoint: str, http: httpx.Client | None = None) -> None:
        base = dsp_endpoint.rstrip("/").removesuffix(DSP_PATH)
        self._http = http or httpx.Client(base_url=base, timeout=30)
        self._auth: dict[str, str] = {}

    def sign_in(self, node: str, partner: str, key: Key) -> None:
        statement = {
            "type": "hnode/sign-in",
            "node": node,
            "partner": partner,
            "at_us": time.time_ns() // 1000,
        }
        body = {"statement": statement, "signature": key.sign(canonical(statement))}
        token = _json(self._http.post("/v1/sign-in", json=body))["token"]
        self._auth = {"Authorization": f"Bearer {token}"}

    def use_token(self, token: str) -> None:
        self._auth = {"Authorization": f"Bearer {token}"}

    def request(self, entry: dict[str, Any], purpose: str, callback: str) -> dict[str, Any]:
        """A ContractRequestMessage for the catalog entry's offer as published, naming a purpose."""
        offer = entry["offer"]
        message = {
            "@context": DSP_CONTEXT,
            "@type": "ContractRequestMessage",
            "consumerPid": f"urn:uuid:{uuid.uuid4()}",
            "callbackAddress": callback,
            "offer": {
                "@id": offer["@id"],
                "@type": "Offer",
                "target": entry["dataset_id"],
                "permission": [
                    {
                        "action": "use",
                        "constraint": [{"leftOperand": "purpose", "operator": "eq", "rightOperand": purpose}],
                    }
                ],
            },
        }
        return dict(
            _json(self._http.post(f"{DSP_PATH}/negotiations/request", json=message, headers=self._auth))
        )

    def state(self, provider_pid: str) -> str:
        return str(
            _json(self._http.get(f"{DSP_PATH}/negotiations/{provider_pid}", headers=self._auth))["state"]
        )

    def agreement(self, provider_pid: str) -> dict[str, Any]:
        return dict(
            _json(self._http.get(f"{DSP_PATH}/negotiations/{provider_pid}/agreement", headers=self._auth))
        )

    def call(self, method: str, path: str, **kw: Any) -> Any:
        """One call of the node's own API (``/v1/...``) as the signed-in partner; problem+json raises."""
        headers = {**self._auth, **kw.pop("headers", {})}
        return _json(self._http.request(method, path, headers=headers, **kw))

    def transfer_request(self, agreement_id: str, consumer_pid: str, callback: str) -> dict[str, Any]:
        """A TransferRequestMessage (HttpData-PULL) for an anonymized extract under an agreement; the
        node answers REQUESTED and sends the data address to ``callback`` in its TransferStartMessage."""
        message = {
            "@context": DSP_CONTEXT,
            "@type": "TransferRequestMessage",
            "consumerPid": consumer_pid,
            "agreementId": agreement_id,
            "format": "HttpData-PULL",
            "callbackAddress": callback,
        }
        return dict(_json(self._http.post(f"{DSP_PATH}/transfers/request", json=message, headers=self._auth)))

    def pull(self, start: dict[str, Any]) -> dict[str, Any]:
        """The data a TransferStartMessage points to, fetched once with its single-use token."""
        address = start.get("dataAddress") or {}
        props = {p.get("name"): p.get("value") for p in address.get("endpointProperties", [])}
        endpoint, token = address.get("endpoint"), props.get("authorization")
        if not isinstance(endpoint, str) or not isinstance(token, str):
            raise PartnerError(
                "the TransferStartMessage carries no HTTP data address", "data_address_missing"
            )
        return dict(_json(self._http.get(endpoint, headers={"Authorization": f"Bearer {token}"})))

    def start_training(self, job: dict[str, Any]) -> dict[str, Any]:
        """Create a federated training job at this node acting as coordinator."""
        return dict(_json(self._http.post("/v1/fl/jobs", json=job, headers=self._auth)))

    def verify_agreement(self, provider_pid: str, consumer_pid: str, signature: str) -> str:
        message = {
            "@context": DSP_CONTEXT,
            "@type": "ContractAgreementVerificationMessage",
            "providerPid": provider_pid,
            "consumerPid": consumer_pid,
            SIGNATURE: signature,
        }
        url = f"{DSP_PATH}/negotiations/{provider_pid}/agreement/verification"
        return str(_json(self._http.post(url, json=message, headers=self._auth))["state"])


@dataclass
class Negotiation:
    """What the partner keeps of one negotiation (the --state file holds a list of these)."""

    node: str
    institution_code: str
    dsp_endpoint: str
    dataset_id: str
    title: str
    provider_pid: str
    consumer_pid: str
    state: str
    contract_id: str = ""
    product_id: str = ""
    access_mode: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_agreement(agreement_message: dict[str, Any], node_key: str, purpose: str | None = None) -> bytes:
    """The canonical contract bytes to sign, once the node's SM2 signature over them verifies against
    the key the region approved for that node (and, if given, the purpose is the one asked for)."""
    signed = agreement_message["agreement"].get(SIGNED_CONTRACT) or {}
    document = signed.get("document")
    if not isinstance(document, dict):
        raise PartnerError("the agreement carries no signed contract document", "agreement_unsigned")
    message = canonical(document)
    node_sigs = [s for s in signed.get("signatures", []) if s.get("publicKey") == node_key]
    if not node_sigs or not verify(node_key, node_sigs[0]["value"], message):
        raise PartnerError(
            "the node's signature does not verify against its registered key", "node_signature_invalid"
        )
    if purpose is not None and document.get("terms", {}).get("purpose") != purpose:
        raise PartnerError("the agreement's purpose is not the one requested", "terms_changed")
    return message


def training_job(negotiations: list[Negotiation], rounds: int, dp_epsilon: float | None) -> dict[str, Any]:
    """A federated job whose hospitals are those where the partner holds a FINALIZED federated-training
    contract negotiated over DSP (found in the region's catalog), instead of a hand-written list."""
    hospitals = {
        n.node: {"contract_id": n.contract_id}  # each contract names its product; a job cannot
        for n in negotiations
        if n.state == "FINALIZED" and n.access_mode == "federated_training" and n.contract_id
    }
    if len(hospitals) < 2:
        raise PartnerError(
            "federated training needs finalized contracts at two hospitals or more", "too_few_hospitals"
        )
    job: dict[str, Any] = {"hospitals": hospitals, "rounds": rounds}
    if dp_epsilon is not None:
        job["dp_epsilon"] = dp_epsilon
    return job
