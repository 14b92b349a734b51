"""The insurer's side of PSI and aggregate queries, over a node's API (a ``PartnerClient``).

PSI: member identifiers are normalized and checked here (an invalid line is named and nothing is
sent), the list's size is checked against the contract before any cryptography, the members are
blinded with a fresh key that never leaves this process, and the node's answer is unblinded here.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from typing import Any

from node.errors import PolicyDenied
from node.psi.identifiers import display, parse_members
from node.psi.protocol import PsiClient
from node.sdk.partner import PartnerClient


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
