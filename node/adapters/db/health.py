"""What readiness and metrics read from the database: is it reachable and at the schema head, and the
node's counters as the database holds them (correct across the API, worker and CLI processes)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, select

from node.adapters.db import tables as t
from node.adapters.db.migrate import _config


@cache
def schema_heads() -> frozenset[str]:
    """The migration heads this code expects."""
    return frozenset(ScriptDirectory.from_config(_config("sqlite://")).get_heads())


def schema_revisions(engine: Engine) -> set[str]:
    """The revisions the database is at (raises if it cannot be reached)."""
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


@dataclass(frozen=True)
class NodeCounters:
    uses: int  # metered uses (usage records)
    uses_by_mode: dict[str, int]
    epsilon_spent: float  # privacy budget spent over all contracts
    decisions: dict[str, int]  # usage decisions by audit outcome: ok, denied, failed
    outbox_pending: int
    outbox_oldest_created_us: int | None
    imports: dict[str, int]  # asset imports by audit outcome
    contracts_by_state: dict[int, int]


def _grouped(conn: Connection, key: Any, where: Any = None) -> dict[str, int]:
    stmt = select(key, func.count()).group_by(key)
    if where is not None:
        stmt = stmt.where(where)
    return {str(k): int(v) for k, v in conn.execute(stmt).all()}


def read_counters(engine: Engine) -> NodeCounters:
    audit = t.audit_entries.c
    with engine.connect() as conn:
        by_mode = _grouped(conn, t.usage_records.c.access_mode)
        eps = conn.execute(select(func.coalesce(func.sum(t.contracts.c.epsilon_spent), 0.0))).scalar_one()
        decisions = _grouped(conn, audit.outcome, audit.action == "contract.use")
        imports = _grouped(conn, audit.outcome, audit.action == "asset.import")
        pending, oldest = conn.execute(
            select(func.count(), func.min(t.outbox.c.created_at_us)).where(
                t.outbox.c.delivered_at_us.is_(None)
            )
        ).one()
        states = _grouped(conn, t.contracts.c.state)
    return NodeCounters(
        uses=sum(by_mode.values()),
        uses_by_mode=by_mode,
        epsilon_spent=float(eps),
        decisions=decisions,
        outbox_pending=int(pending),
        outbox_oldest_created_us=int(oldest) if oldest is not None else None,
        imports=imports,
        contracts_by_state={int(k): v for k, v in states.items()},
    )
