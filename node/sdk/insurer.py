"""The insurer's side of PSI and aggregate queries, over a node's API (a ``PartnerClient``).

PSI and queries are the light client's (``hnode_partner.psi``, ``hnode_partner.queries``): member
identifiers are normalized and checked here (an invalid line is named and nothing is sent), the list's
size is checked against the contract before any cryptography, the members are blinded with a fresh key
that never leaves this process, and the node's answer is unblinded here.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from hnode_partner import psi, queries

from node.crypto.sm import PrivateKey
from node.sdk.partner import PartnerClient, node_errors
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
        count-only contract (the light client's ``hnode_partner.psi``)."""
        with node_errors():
            return psi.run(self._node, contract_id, psi.parse_members(lines))

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
        return queries.query(self._node, contract_id, measures, by, where, epsilon)

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
