"""Aggregate queries with differential privacy under an ``aggregate_query`` contract."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from node.api.deps import container, require
from node.bootstrap import Container
from node.identity.model import PARTNER_ROLES, Principal
from node.queries.services import Query

router = APIRouter(prefix="/v1/queries", tags=["queries"])
PARTNER = tuple(sorted(PARTNER_ROLES))


class QueryIn(BaseModel):
    measures: list[str] = Field(
        min_length=1, max_length=6, description="count, sum:COL, mean:COL, quantile:COL:Q, histogram:COL"
    )
    by: list[str] = Field(default_factory=list, max_length=3, description="dimensions to group by")
    where: list[str] = Field(default_factory=list, max_length=3, description="COLUMN=VALUE filters")
    epsilon: float = Field(default=0.5, gt=0, le=10, description="charged to the contract's budget")


@router.get("/{contract_id}")
def offer(
    contract_id: str,
    me: Principal = Depends(require("query.offer", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """The dimensions and measures (with clipping bounds) this contract's product allows."""
    return c.queries.offer(me, contract_id)


@router.post("/{contract_id}")
def run(
    contract_id: str,
    body: QueryIn,
    me: Principal = Depends(require("query.run", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """One metered query charged ``epsilon``: noisy cells, small ones suppressed, noise scales included."""
    query = Query.parse([m[:80] for m in body.measures], body.by, body.where, body.epsilon)
    return c.queries.run(me, contract_id, query)
