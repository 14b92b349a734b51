"""k-anonymity (with optional l-diversity): full-domain generalization with record suppression, and
local recoding (Mondrian, ``mondrian.py``); by default both run and the one with less information loss
at the same k, l and suppression limit is released, the report naming it and the loss per column.

The search walks the generalization lattice upwards by total height; a node is feasible when the
records in equivalence classes smaller than k (or, with l-diversity, with fewer than l distinct
sensitive values) are at most ``max_suppression`` of the table. Feasibility is monotone (generalizing
only merges classes), so the first height with feasible nodes holds the least generalized solutions;
among them the node with the least information loss wins. Classes are counted on integer codes, and
every solution is checked by ``verify`` (separate, plain-Python code) before ``anonymize`` returns it.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from node.anonymization.hierarchies import Hierarchy, guess
from node.anonymization.mondrian import partition
from node.errors import InvalidInput


@dataclass(frozen=True)
class TableReport:
    k_target: int
    l_target: int | None
    achieved_k: int
    achieved_l: int | None
    rows_in: int
    rows_out: int
    suppressed_rows: int
    generalization: dict[str, dict[str, object]]
    information_loss: float
    prosecutor_risk_highest: float
    prosecutor_risk_average: float
    records_at_highest_risk: float
    journalist_risk_highest: float
    marketer_risk: float
    dropped_columns: list[str] = field(default_factory=list)
    met: bool = True
    method: str = "full_domain"
    loss_by_column: dict[str, float] = field(default_factory=dict)
    candidates: dict[str, float] = field(default_factory=dict)  # method -> its information loss

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class _Node:
    levels: tuple[int, ...]
    suppressed: np.ndarray  # boolean mask of suppressed rows
    loss: float


@dataclass
class _Local:
    levels: dict[str, np.ndarray]  # per quasi-identifier, each record's level
    loss: float
    loss_by_column: dict[str, float]


METHODS = ("auto", "full_domain", "mondrian")


class KAnonymizer:
    def __init__(
        self,
        quasi: list[str],
        k: int,
        sensitive: str | None = None,
        l_diversity: int | None = None,
        max_suppression: float = 0.1,
        hierarchies: dict[str, Hierarchy] | None = None,
        person: str | None = None,
        method: str = "auto",
    ) -> None:
        """``person`` names a column identifying the individual: classes are then counted in distinct
        persons, not rows (a patient with ten diagnoses is still one person). ``method``: "auto" (both,
        the one with less information loss wins), "full_domain" or "mondrian"."""
        if method not in METHODS:
            raise InvalidInput("method must be auto, full_domain or mondrian", code="method_invalid")
        self.method = method
        if k < 2:
            raise InvalidInput("k must be at least 2", code="k_invalid")
        if (sensitive is None) != (l_diversity is None):
            raise InvalidInput("--sensitive and --l go together", code="l_diversity_invalid")
        if l_diversity is not None and l_diversity < 2:
            raise InvalidInput("l must be at least 2", code="l_diversity_invalid")
        if not 0 <= max_suppression < 1:
            raise InvalidInput("max suppression must be in [0, 1)", code="suppression_invalid")
        self.quasi, self.k, self.sensitive, self.l = quasi, k, sensitive, l_diversity
        self.max_suppression = max_suppression
        self._hierarchies = hierarchies or {}
        self.person = person
        self._persons: np.ndarray | None = None

    def anonymize(
        self, table: pd.DataFrame, drop: list[str] | None = None
    ) -> tuple[pd.DataFrame, TableReport]:
        missing = [
            c
            for c in [
                *self.quasi,
                *([self.sensitive] if self.sensitive else []),
                *([self.person] if self.person else []),
                *(drop or []),
            ]
            if c not in table.columns
        ]
        if missing:
            raise InvalidInput(f"column(s) not in the table: {', '.join(missing)}", code="column_missing")
        if table.empty:
            raise InvalidInput("the table has no rows", code="table_empty")
        hier = {q: self._hierarchies.get(q) or guess(q, table[q]) for q in self.quasi}
        codes = {
            q: [self._codes(hier[q].apply(table[q], lv)) for lv in range(hier[q].height + 1)]
            for q in self.quasi
        }
        sens = pd.factorize(table[self.sensitive].astype(str))[0] if self.sensitive else None
        self._persons = pd.factorize(table[self.person].astype(str))[0] if self.person else None
        candidates: dict[str, float] = {}
        best = local = None
        if self.method in ("auto", "full_domain"):
            best = self._search(codes, hier, sens, len(table))
            if best is not None:
                candidates["full_domain"] = round(float(best.loss), 4)
        if self.method in ("auto", "mondrian"):
            local = self._local(table, codes, hier, sens)
            if local is not None:
                candidates["mondrian"] = round(local.loss, 4)
        if local is not None and (best is None or local.loss < best.loss):
            released = table.copy()
            for q in self.quasi:
                released[q] = _apply_levels(hier[q], table[q], local.levels[q])
            report = self._report(released, table, None, hier, drop or [], True, local, candidates)
        else:
            met = best is not None
            if best is None:  # report the fully generalized table, which still fails the target
                top = tuple(hier[q].height for q in self.quasi)
                best = self._evaluate(top, codes, hier, sens, len(table))
            released = table.copy()
            for q, lv in zip(self.quasi, best.levels, strict=True):
                released[q] = hier[q].apply(table[q], lv)
            released = released[~best.suppressed].reset_index(drop=True)
            report = self._report(released, table, best, hier, drop or [], met, None, candidates)
        if report.met and not verify(released, self.quasi, self.k, self.sensitive, self.l, self.person):
            raise AssertionError("anonymizer output failed independent verification")
        return released.drop(columns=drop or []), report

    def _local(
        self,
        table: pd.DataFrame,
        codes: dict[str, list[np.ndarray]],
        hier: dict[str, Hierarchy],
        sens: np.ndarray | None,
    ) -> _Local | None:
        order = {q: _order(table[q], hier[q]) for q in self.quasi}
        found = partition(order, codes, self.k, sens, self.l, self._persons)
        if found is None:
            return None
        by_column = {q: float(np.mean(found.levels[q] / hier[q].height)) for q in self.quasi}
        return _Local(found.levels, float(np.mean(list(by_column.values()))), by_column)

    @staticmethod
    def _codes(values: pd.Series) -> np.ndarray:
        return np.asarray(pd.factorize(values)[0], dtype=np.int64)

    def _search(
        self, codes: dict[str, list[np.ndarray]], hier: dict[str, Hierarchy], sens: np.ndarray | None, n: int
    ) -> _Node | None:
        heights = [hier[q].height for q in self.quasi]
        by_height: dict[int, list[tuple[int, ...]]] = defaultdict(list)
        for levels in itertools.product(*(range(h + 1) for h in heights)):
            by_height[sum(levels)].append(levels)
        for h in sorted(by_height):
            feasible = [
                node
                for levels in by_height[h]
                if (node := self._evaluate(levels, codes, hier, sens, n)).suppressed.sum()
                <= self.max_suppression * n
            ]
            if feasible:
                return min(feasible, key=lambda nd: (nd.loss, nd.levels))
        return None

    def _evaluate(
        self,
        levels: tuple[int, ...],
        codes: dict[str, list[np.ndarray]],
        hier: dict[str, Hierarchy],
        sens: np.ndarray | None,
        n: int,
    ) -> _Node:
        key = np.zeros(n, dtype=np.int64)
        for q, lv in zip(self.quasi, levels, strict=True):
            col = codes[q][lv]
            key = key * (int(col.max()) + 2) + col + 1
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        if self._persons is not None:  # class size in distinct persons
            counts = np.bincount(_distinct_pairs(inverse, self._persons), minlength=len(counts))
        bad = counts[inverse] < self.k
        if sens is not None and self.l is not None:
            diversity = np.bincount(_distinct_pairs(inverse, sens), minlength=len(counts))
            bad |= diversity[inverse] < self.l
        gen = float(np.mean([lv / hier[q].height for q, lv in zip(self.quasi, levels, strict=True)]))
        loss = gen * (1 - bad.mean()) + bad.mean()  # suppressed records lose all their information
        return _Node(levels, bad, loss)

    def _report(
        self,
        out: pd.DataFrame,
        table: pd.DataFrame,
        node: _Node | None,
        hier: dict[str, Hierarchy],
        dropped: list[str],
        met: bool,
        local: _Local | None,
        candidates: dict[str, float],
    ) -> TableReport:
        groups = out.groupby(self.quasi, dropna=False) if len(out) else None
        if groups is None:
            sizes = pd.Series(dtype=int)
        else:
            sizes = groups[self.person].nunique() if self.person else groups.size()
        achieved_k = int(sizes.min()) if len(sizes) else 0
        achieved_l = None
        if self.sensitive and len(out):
            achieved_l = int(out.groupby(self.quasi, dropna=False)[self.sensitive].nunique().min())
        risk_high = 1 / achieved_k if achieved_k else 1.0
        # risks are per individual: persons when a person column is given, else records
        population = int(out[self.person].nunique()) if self.person and len(out) else len(out)
        if local is not None:
            generalization: dict[str, dict[str, object]] = {}
            for q in self.quasi:
                levels, counts = np.unique(local.levels[q], return_counts=True)
                generalization[q] = {
                    "hierarchy": hier[q].name,
                    "level": int(levels[np.argmax(counts)]),  # the most frequent
                    "of": hier[q].height,
                    "levels": {str(int(lv)): int(c) for lv, c in zip(levels, counts, strict=True)},
                }
            suppressed, loss, by_column = 0, local.loss, local.loss_by_column
        else:
            assert node is not None
            generalization = {
                q: {"hierarchy": hier[q].name, "level": lv, "of": hier[q].height}
                for q, lv in zip(self.quasi, node.levels, strict=True)
            }
            share = float(node.suppressed.mean())
            suppressed, loss = int(node.suppressed.sum()), node.loss
            by_column = {
                q: lv / hier[q].height * (1 - share) + share
                for q, lv in zip(self.quasi, node.levels, strict=True)
            }
        return TableReport(
            k_target=self.k,
            l_target=self.l,
            achieved_k=achieved_k,
            achieved_l=achieved_l,
            rows_in=len(table),
            rows_out=len(out),
            suppressed_rows=suppressed,
            generalization=generalization,
            information_loss=round(float(loss), 4),
            prosecutor_risk_highest=round(risk_high, 4),
            prosecutor_risk_average=round(len(sizes) / population, 4) if population else 1.0,
            records_at_highest_risk=round(float((sizes[sizes == achieved_k].sum()) / population), 4)
            if population
            else 1.0,
            journalist_risk_highest=round(risk_high, 4),  # the released table stands in for the population
            marketer_risk=round(len(sizes) / population, 4) if population else 1.0,
            dropped_columns=dropped,
            met=met,
            method="mondrian" if local is not None else "full_domain",
            loss_by_column={q: round(v, 4) for q, v in by_column.items()},
            candidates=candidates,
        )


def _distinct_pairs(classes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The class of each distinct (class, value) pair: one 1-D unique on a combined key, far faster than
    ``np.unique(..., axis=1)`` on stacked columns."""
    width = int(values.max()) + 1 if len(values) else 1
    keys = np.sort(classes.astype(np.int64) * width + values)  # sorting: numpy 2's hashed unique is slower
    return keys[np.r_[True, keys[1:] != keys[:-1]]] // width


def _order(values: pd.Series, hierarchy: Hierarchy) -> np.ndarray:
    """A number per record that orders the column's values: the value itself for numbers, the day for
    dates, else the rank of the text (GB/T 2260 codes sort by province, city, county)."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().all():
        return np.asarray(numbers, dtype=np.float64)
    if hierarchy.name == "date":
        days = pd.to_datetime(values.astype(str).str[:10], errors="coerce")
        if days.notna().all():
            return np.asarray(days.to_numpy().astype("datetime64[D]").astype(np.int64), dtype=np.float64)
    return np.asarray(pd.factorize(values.astype(str), sort=True)[0], dtype=np.float64)


def _apply_levels(hierarchy: Hierarchy, values: pd.Series, levels: np.ndarray) -> pd.Series:
    out = pd.Series("", index=values.index, dtype=object)
    for lv in np.unique(levels):
        mask = levels == lv
        out[mask] = hierarchy.apply(values[mask], int(lv)).to_numpy()
    return out


def verify(
    table: pd.DataFrame,
    quasi: list[str],
    k: int,
    sensitive: str | None = None,
    l_div: int | None = None,
    person: str | None = None,
) -> bool:
    """Independent check of the output: plain tuples and counters, none of the anonymizer's machinery."""
    rows = list(map(tuple, table[quasi].astype(str).to_numpy(dtype=object)))
    if person is None:
        sizes = Counter(rows)
    else:
        people: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for row, who in zip(rows, table[person].astype(str).tolist(), strict=True):
            people[row].add(who)
        sizes = Counter({row: len(who) for row, who in people.items()})
    if any(n < k for n in sizes.values()):
        return False
    if sensitive is not None and l_div is not None:
        values: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for row, s in zip(rows, table[sensitive].astype(str).tolist(), strict=True):
            values[row].add(s)
        return all(len(v) >= l_div for v in values.values())
    return True
