"""Aggregate queries with differential privacy at a hospital: noisy cells (small ones suppressed), each
result with its noise mechanism, scale and epsilon."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hnode_partner.client import NodeCaller


def query(
    node: NodeCaller,
    contract_id: str,
    measures: Sequence[str],
    by: Sequence[str] = (),
    where: Sequence[str] = (),
    epsilon: float = 0.5,
) -> dict[str, Any]:
    """One query under an aggregate_query contract (spends ``epsilon`` of its budget)."""
    body = {"measures": list(measures), "by": list(by), "where": list(where), "epsilon": epsilon}
    return dict(node.call("POST", f"/v1/queries/{contract_id}", json=body))
