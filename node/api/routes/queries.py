"""Aggregate queries with differential privacy under an ``aggregate_query`` contract."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from node.api.deps import container, require
from node.api.schemas import Out
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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"measures": ["count", "mean:age"], "by": ["sex"], "where": ["region=渝中区"], "epsilon": 0.5}
            ]
        }
    )


class QueryOfferOut(Out):
    """What may be asked under this contract."""

    dimensions: list[str] = Field(description="columns to group and filter by")
    measures: dict[str, list[float]] = Field(description="column -> clipping bounds [low, high]")
    kinds: list[str] = Field(description="measure kinds: count, sum, mean, quantile, histogram")
    min_cohort: int = Field(description="cells with fewer patients are suppressed")
    epsilon_left: float = Field(description="privacy budget left on the contract")


class QueryAnswerOut(Out):
    """One query's noisy cells; cells below the minimum cohort are suppressed."""

    contract_id: str
    measures: list[str]
    by: list[str]
    where: dict[str, str]
    epsilon: float
    min_cohort: int
    cells: list[dict[str, Any]] = Field(description="group -> values, count and each measure (noisy)")
    suppressed: int
    noise: dict[str, dict[str, Any]] = Field(description="measure -> noise mechanism and scale")
    unit: str = Field(description="what a count counts: patient")


@router.get("/{contract_id}", response_model=QueryOfferOut)
def offer(
    contract_id: str,
    me: Principal = Depends(require("query.offer", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """The dimensions and measures (with clipping bounds) this contract's product allows."""
    return c.queries.offer(me, contract_id)


@router.post("/{contract_id}", response_model=QueryAnswerOut)
def run(
    contract_id: str,
    body: QueryIn,
    me: Principal = Depends(require("query.run", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """One metered query charged ``epsilon``: noisy cells, small ones suppressed, noise scales included."""
    query = Query.parse([m[:80] for m in body.measures], body.by, body.where, body.epsilon)
    return c.queries.run(me, contract_id, query)
