"""Aggregate queries under an ``aggregate_query`` contract: counts, sums, means, quantiles and
histograms over the product's allowed dimensions and measures, grouped, with OpenDP noise.

The privacy unit is the patient. Rows are first reduced to one per patient (a dimension takes the
patient's most frequent value, a measure the mean of the patient's values, clipped to the bounds the
product publishes), so a patient moves exactly one cell: the cells compose in parallel and the L1
sensitivity is 1 for counts, max(|lo|, |hi|) for sums and (hi - lo) / 2 for the centred sums of
means. The query's epsilon is split evenly over its releases (the count that every query releases,
plus one per measure; a mean is a noisy sum over a noisy count, two releases). Quantiles and
histograms come from a noisy histogram (post-processing). A cell whose noisy count is below the
minimum cohort (the contract's, or the product's if larger) is suppressed. The whole query is one
metered use charged its epsilon, decided before any row is read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from node.asset_registry.model import AccessMode, Asset, Product
from node.asset_registry.pii import PERSON_KEY
from node.asset_registry.ports import AssetStore, RegistryUnitOfWork
from node.audit.model import AuditEvent
from node.audit.services import AuditLog
from node.contracts.enforcement import UsageRequest, UsageService
from node.contracts.granted import contract_product, granted_product
from node.contracts.model import Contract
from node.contracts.services import ContractService
from node.errors import InvalidInput, PolicyDenied
from node.identity.model import Principal
from node.queries.noise import noisy_counts, noisy_reals

KINDS = ("count", "sum", "mean", "quantile", "histogram")
HISTOGRAM_BINS = 10
QUANTILE_BINS = 32
MAX_DIMENSIONS = 3
MAX_MEASURES = 6


@dataclass(frozen=True)
class Measure:
    kind: str
    column: str | None = None
    q: float | None = None

    @property
    def name(self) -> str:
        if self.kind == "count":
            return "count"
        return f"{self.kind}:{self.column}" + (f":{self.q:g}" if self.q is not None else "")

    @classmethod
    def parse(cls, spec: str) -> Measure:
        parts = spec.strip().split(":")
        kind = parts[0]
        if kind not in KINDS:
            raise InvalidInput(
                f"measure kinds: count, sum:COL, mean:COL, quantile:COL:Q, histogram:COL (not '{kind[:20]}')",
                code="query_invalid",
            )
        if kind == "count":
            if len(parts) != 1:
                raise InvalidInput("count takes no column", code="query_invalid")
            return cls("count")
        if len(parts) != (3 if kind == "quantile" else 2) or not parts[1]:
            raise InvalidInput(
                f"write the measure as {kind}:COLUMN" + (":Q" if kind == "quantile" else ""),
                code="query_invalid",
            )
        q = None
        if kind == "quantile":
            try:
                q = float(parts[2])
            except ValueError:
                q = -1.0
            if not 0 < q < 1:
                raise InvalidInput("a quantile is a number between 0 and 1", code="query_invalid")
        return cls(kind, parts[1], q)


@dataclass(frozen=True)
class Query:
    measures: tuple[Measure, ...]
    by: tuple[str, ...] = ()
    where: tuple[tuple[str, str], ...] = ()
    epsilon: float = 0.5

    @classmethod
    def parse(
        cls, measures: Sequence[str], by: Sequence[str] = (), where: Sequence[str] = (), epsilon: float = 0.5
    ) -> Query:
        parsed = tuple(dict.fromkeys(Measure.parse(m) for m in measures))
        if not 0 < len(measures) <= MAX_MEASURES:
            raise InvalidInput(f"ask for 1-{MAX_MEASURES} measures", code="query_invalid")
        if len(by) > MAX_DIMENSIONS or len(set(by)) != len(by):
            raise InvalidInput(f"group by at most {MAX_DIMENSIONS} distinct dimensions", code="query_invalid")
        conditions = []
        for w in where:
            col, sep, value = w.partition("=")
            if not sep or not col:
                raise InvalidInput("filters are written COLUMN=VALUE", code="query_invalid")
            conditions.append((col.strip(), value.strip()))
        if not (0 < epsilon <= 10 and math.isfinite(epsilon)):
            raise InvalidInput("epsilon must be in (0, 10]", code="epsilon_invalid")
        return cls(parsed, tuple(by), tuple(conditions), float(epsilon))


class QueryService:
    def __init__(
        self,
        uow_factory: Callable[[], RegistryUnitOfWork],
        store: AssetStore,
        contracts: ContractService,
        usage: UsageService,
        audit: AuditLog,
    ) -> None:
        self._uow = uow_factory
        self._store = store
        self._contracts = contracts
        self._usage = usage
        self._audit = audit

    def offer(self, principal: Principal, contract_id: str) -> dict[str, Any]:
        """What may be asked under this contract: dimensions, measures with their bounds, min cohort."""
        contract = self._contract(principal, contract_id)
        product, _ = contract_product(self._uow, contract)
        dims, bounds = _allowed(product)
        return {
            "dimensions": dims,
            "measures": {k: list(v) for k, v in bounds.items()},
            "kinds": list(KINDS),
            "min_cohort": _min_cohort(contract, product),
            "epsilon_left": contract.terms.epsilon - contract.epsilon_spent,
        }

    def run(self, principal: Principal, contract_id: str, query: Query) -> dict[str, Any]:
        contract = self._contract(principal, contract_id)
        product, _ = contract_product(self._uow, contract)
        _check_allowed(product, query)
        use = UsageRequest.for_aggregate_query(contract.id, [m.name for m in query.measures], query.epsilon)
        with self._usage.use(principal, use) as grant:
            granted, assets = granted_product(self._uow, grant)
            table = self._patients(assets, query)
            result = answer(table, query, _allowed(granted)[1], _min_cohort(grant.contract, granted))
            self._audit.record_now(
                AuditEvent(
                    principal.id,
                    "query.run",
                    "contract",
                    contract.id,
                    details={
                        "usage": grant.record.id,
                        "measures": [m.name for m in query.measures],
                        "by": list(query.by),
                        "epsilon": query.epsilon,
                        "cells": len(result["cells"]),
                        "suppressed": result["suppressed"],
                    },
                )
            )
        return {"contract_id": contract.id, **result}

    # -- internals -------------------------------------------------------------------------------
    def _contract(self, principal: Principal, contract_id: str) -> Contract:
        contract = self._contracts.get(principal, contract_id)
        if contract.terms.access_mode != AccessMode.AGGREGATE_QUERY:
            raise InvalidInput("this contract is not for aggregate queries", code="mode_mismatch")
        return contract

    def _patients(self, assets: list[Asset], query: Query) -> pd.DataFrame:
        """One row per patient with the query's columns, joined across the product's tables on the
        patient key."""
        needed = list(dict.fromkeys([*query.by, *(c for c, _ in query.where), *_measure_columns(query)]))
        frames: list[pd.DataFrame] = []
        remaining = set(needed)
        for asset in assets:
            names = {c.name for c in asset.columns}
            person = next((n for n in names if PERSON_KEY.match(n)), None)
            take = [c for c in needed if c in names and c in remaining]
            if not take and (needed or frames or person is None):
                continue  # a plain count reads the patient key of the first table that has one
            if person is None:
                raise InvalidInput(
                    "the product's tables have no patient key: aggregates need one", code="query_no_person"
                )
            cols = [person, *(c for c in take if c != person)]
            part = pd.concat(list(self._store.read(asset.storage_ref, cols)), ignore_index=True)
            key = next(c for c in asset.columns if c.name == person)
            unique = key.distinct_exact and key.distinct == asset.rows  # one row per patient (profile)
            frames.append(_per_patient(part.rename(columns={person: "__person"}), query, take, unique))
            remaining -= set(take)
        if remaining or not frames:
            raise InvalidInput(
                f"no table of the product holds: {', '.join(sorted(remaining)) or 'the patient key'}",
                code="query_invalid",
            )
        table = frames[0]
        for f in frames[1:]:
            table = table.join(f, how="inner")
        return table


def _measure_columns(query: Query) -> list[str]:
    return [m.column for m in query.measures if m.column]


def _per_patient(part: pd.DataFrame, query: Query, take: list[str], unique: bool) -> pd.DataFrame:
    for col, value in query.where:
        if col in take:
            part = part[part[col].astype(str) == value]
    dims = [c for c in take if c in query.by]
    measures = [c for c in take if c in _measure_columns(query)]
    person = part["__person"]
    if unique or person.is_unique:  # already one row per patient
        out = part.set_index("__person")[dims + measures].copy()
        for m in measures:
            out[m] = pd.to_numeric(out[m], errors="coerce")
        return out
    out = pd.DataFrame(index=pd.Index(person.unique(), name="__person"))
    for d in dims:  # the patient's most frequent value (vectorized mode)
        n = part.groupby(["__person", d], sort=False, dropna=False).size().reset_index(name="__n")
        top = n.sort_values("__n", ascending=False, kind="stable").drop_duplicates("__person")
        out[d] = top.set_index("__person")[d]
    for m in measures:
        out[m] = pd.to_numeric(part[m], errors="coerce").groupby(person).mean()
    return out


def _allowed(product: Product) -> tuple[list[str], dict[str, tuple[float, float]]]:
    t = product.policy_template
    dims = [str(d) for d in t.get("dimensions", [])]
    raw = t.get("measures", {})
    bounds: dict[str, tuple[float, float]] = {}
    if isinstance(raw, dict):
        for col, b in raw.items():
            if isinstance(b, list | tuple) and len(b) == 2 and float(b[0]) < float(b[1]):
                bounds[str(col)] = (float(b[0]), float(b[1]))
    return dims, bounds


def _check_allowed(product: Product, query: Query) -> None:
    dims, bounds = _allowed(product)
    bad_dims = [d for d in (*query.by, *(c for c, _ in query.where)) if d not in dims]
    if bad_dims:
        raise PolicyDenied(
            f"not a dimension of this product: {', '.join(sorted(set(bad_dims)))}; "
            f"allowed: {', '.join(dims)}",
            code="query_dimension_not_offered",
        )
    bad = [c for c in _measure_columns(query) if c not in bounds]
    if bad:
        raise PolicyDenied(
            f"not a measure of this product: {', '.join(sorted(set(bad)))}; allowed: {', '.join(bounds)}",
            code="query_measure_not_offered",
        )


def _min_cohort(contract: Contract, product: Product) -> int:
    return max(contract.terms.min_cohort, int(product.policy_template.get("min_cohort", 0)))


def answer(
    table: pd.DataFrame, query: Query, bounds: dict[str, tuple[float, float]], min_cohort: int
) -> dict[str, Any]:
    """The noisy answer over a one-row-per-patient table (pure: no I/O)."""
    releases = 1 + sum(2 if m.kind == "mean" else 1 for m in query.measures if m.kind != "count")
    eps = query.epsilon / releases
    if query.by:
        grouped = table.groupby(list(query.by), sort=True, dropna=False)
        codes = grouped.ngroup().to_numpy()
        groups = [k if isinstance(k, tuple) else (k,) for k in grouped.size().index]
    else:
        groups, codes = [()], np.zeros(len(table), dtype=int)
    n = len(groups)
    true_counts = np.bincount(codes, minlength=n).tolist()
    counts, count_noise = noisy_counts(true_counts, eps, sensitivity=1)
    noise: dict[str, Any] = {"count": count_noise.as_dict()}
    values: dict[str, list[Any]] = {}
    for m in query.measures:
        if m.kind == "count":
            continue
        assert m.column is not None
        lo, hi = bounds[m.column]
        col = table[m.column].to_numpy(dtype=float)
        present = ~np.isnan(col)
        clipped, in_cell = np.clip(col[present], lo, hi), codes[present]
        if m.kind == "sum":
            sums = np.bincount(in_cell, weights=clipped, minlength=n).tolist()
            noisy, sum_noise = noisy_reals(sums, eps, sensitivity=max(abs(lo), abs(hi)))
            noise[m.name] = sum_noise.as_dict()
            values[m.name] = [round(v, 4) for v in noisy]
        elif m.kind == "mean":
            # a noisy sum of values centred on the middle of the bounds (sensitivity half the range)
            # over a noisy count of the patients with a value
            mid = (lo + hi) / 2
            centred = np.bincount(in_cell, weights=clipped - mid, minlength=n).tolist()
            noisy, sum_noise = noisy_reals(centred, eps, sensitivity=(hi - lo) / 2)
            present_counts, _ = noisy_counts(np.bincount(in_cell, minlength=n).tolist(), eps, sensitivity=1)
            values[m.name] = [
                round(min(hi, max(lo, mid + s / c)), 4) if c > 0 else None
                for s, c in zip(noisy, present_counts, strict=True)
            ]
            noise[m.name] = {**sum_noise.as_dict(), "epsilon": 2 * eps, "count_scale": 1 / eps}
        else:
            bins = HISTOGRAM_BINS if m.kind == "histogram" else QUANTILE_BINS
            edges = np.linspace(lo, hi, bins + 1)
            idx = np.clip(np.searchsorted(edges, clipped, side="right") - 1, 0, bins - 1)
            flat = np.bincount(in_cell * bins + idx, minlength=n * bins).tolist()
            noisy_flat, hist_noise = noisy_counts(flat, eps, sensitivity=1)
            noise[m.name] = {**hist_noise.as_dict(), "bins": bins}
            per_cell = [noisy_flat[i * bins : (i + 1) * bins] for i in range(n)]
            if m.kind == "histogram":
                values[m.name] = [
                    [
                        {
                            "from": round(float(edges[b]), 6),
                            "to": round(float(edges[b + 1]), 6),
                            "count": h[b],
                        }
                        for b in range(bins)
                    ]
                    for h in per_cell
                ]
            else:
                assert m.q is not None
                values[m.name] = [_quantile(h, edges, m.q) for h in per_cell]
    cells, suppressed = [], 0
    for i, g in enumerate(groups):
        if counts[i] < max(min_cohort, 1):
            suppressed += 1
            continue
        cell: dict[str, Any] = {
            "group": {d: _plain(v) for d, v in zip(query.by, g, strict=True)},
            "count": counts[i],
        }
        for name, vals in values.items():
            cell[name] = vals[i]
        cells.append(cell)
    return {
        "measures": [m.name for m in query.measures],
        "by": list(query.by),
        "where": {c: v for c, v in query.where},
        "epsilon": query.epsilon,
        "min_cohort": min_cohort,
        "cells": cells,
        "suppressed": suppressed,
        "noise": noise,
        "unit": "patient",
    }


def _quantile(hist: list[int], edges: np.ndarray, q: float) -> float | None:
    total = sum(hist)
    if total <= 0:
        return None
    target, acc = q * total, 0.0
    for b, h in enumerate(hist):
        if h and acc + h >= target:
            return round(float(edges[b] + (edges[b + 1] - edges[b]) * (target - acc) / h), 4)
        acc += h
    return round(float(edges[-1]), 4)


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v.item() if hasattr(v, "item") else v
