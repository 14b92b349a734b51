"""The insurer's side of PSI and aggregate queries, over a node's API (a ``PartnerClient``).

PSI: member identifiers are normalized and checked here (an invalid line is named and nothing is
sent), the list's size is checked against the contract before any cryptography, the members are
blinded with a fresh key that never leaves this process, and the node's answer is unblinded here.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from node.crypto.sm import PrivateKey
from node.errors import PolicyDenied
from node.psi.identifiers import display, parse_members
from node.psi.protocol import PsiClient
from node.sdk.partner import PartnerClient
from node.settlement.claim import claim_response
from node.settlement.sealing import open_claim, sign_response


class InsurerClient:
    def __init__(self, node: PartnerClient) -> None:
        self._node = node

    def psi_terms(self, contract_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._node._call("GET", f"/v1/psi/{contract_id}")
        return out

    def psi(self, contract_id: str, lines: Iterable[str]) -> dict[str, Any]:
        """``{"members": N, "matched": [...]}``, or ``{"members": N, "matched_count": k}`` under a
        count-only contract."""
        keys = parse_members(lines)
        terms = self.psi_terms(contract_id)
        if len(keys) > terms["max_members"]:
            raise PolicyDenied(
                f"the list has {len(keys)} members; this contract allows at most {terms['max_members']}",
                code="psi_list_too_large",
            )
        if len(keys) < terms["min_members"]:
            raise PolicyDenied(
                f"the list has {len(keys)} members; this contract needs at least {terms['min_members']}",
                code="psi_list_too_small",
            )
        reveal = terms["reveal"] == "members"
        client = PsiClient(reveal)
        request = base64.b64encode(client.request(keys)).decode()
        names = any(k.startswith("nb:") for k in keys)  # tells the node only whether fallback keys are used
        body = {"request": request, "name_keys": names}
        answer = self._node._call("POST", f"/v1/psi/{contract_id}", json=body)
        setup, response = base64.b64decode(answer["setup"]), base64.b64decode(answer["response"])
        if not reveal:
            return {"members": len(keys), "matched_count": client.intersection_size(setup, response)}
        matched = [display(keys[i]) for i in client.intersection(setup, response)]
        return {"members": len(keys), "matched": matched}

    def query_offer(self, contract_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._node._call("GET", f"/v1/queries/{contract_id}")
        return out

    def query(
        self,
        contract_id: str,
        measures: Sequence[str],
        by: Sequence[str] = (),
        where: Sequence[str] = (),
        epsilon: float = 0.5,
    ) -> dict[str, Any]:
        body = {"measures": list(measures), "by": list(by), "where": list(where), "epsilon": epsilon}
        out: dict[str, Any] = self._node._call("POST", f"/v1/queries/{contract_id}", json=body)
        return out

    # -- one-stop settlement ---------------------------------------------------------------------
    def pull_claims(
        self, key: PrivateKey, contract_id: str | None = None, node_key: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """The unsettled claims, decrypted with ``key`` (which stays here) and each checked against the
        node's signature: ``node_key`` pins the node's public key (else the one the node announces)."""
        answer = self._node._call(
            "POST", "/v1/settlement/claims/pull", json={"contract_id": contract_id, "limit": limit}
        )
        signer = node_key or answer["node_key"]
        return [open_claim(p, key, signer) for p in answer["claims"]]

    def respond_claim(
        self, key: PrivateKey, claim: dict[str, Any], payable: float, insurer: str = ""
    ) -> dict[str, Any]:
        """Answer a claim with a ClaimResponse paying ``payable``, signed with ``key``."""
        total = claim["total"]
        created = datetime.now(timezone(timedelta(hours=8))).isoformat(timespec="seconds")
        doc = claim_response(
            "cr-" + secrets.token_hex(8),
            claim["id"],
            total["value"],
            round(payable, 2),
            total.get("currency", "CNY"),
            insurer or str((claim.get("insurer") or {}).get("display", "")),
            created,
        )
        out: dict[str, Any] = self._node._call(
            "POST", f"/v1/settlement/claims/{claim['id']}/response", json=sign_response(doc, key)
        )
        return out

    def settle_claims(
        self,
        key: PrivateKey,
        adjudicate: Callable[[dict[str, Any]], float],
        contract_id: str | None = None,
        node_key: str | None = None,
    ) -> list[dict[str, Any]]:
        """Pull, verify, decrypt, adjudicate (``adjudicate(claim)`` returns the payable amount) and answer."""
        return [
            self.respond_claim(key, claim, adjudicate(claim))
            for claim in self.pull_claims(key, contract_id, node_key)
        ]

    def settlements(self, contract_id: str | None = None, day: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("contract_id", contract_id), ("date", day)) if v}
        out: list[dict[str, Any]] = self._node._call("GET", "/v1/settlement/claims", params=params)
        return out

    def reconciliation(self, day: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._node._call(
            "GET", "/v1/settlement/reconciliation", params={"date": day}
        )
        return out
