"""Local recoding by Mondrian multidimensional partitioning (LeFevre, DeWitt, Ramakrishnan 2006).

The records are split recursively: a partition is cut along the quasi-identifier it would generalize most
(its level over the height of its hierarchy; ties by range), near the median, at a boundary of that column's
hierarchy (a province, a quarter, an age band of 20, then finer), when both halves still hold at least k
individuals (and, with l-diversity, l distinct sensitive values); otherwise it is a leaf. Each leaf then
releases, per quasi-identifier, the lowest level of that column's generalization hierarchy at which all of
its records agree (a day, a week, a month ...), so different records of the table may be generalized to
different levels: local recoding, against the full-domain lattice's one level per column. No record is
suppressed. ARX and anjana implement the same idea; neither installs here without a JVM or fits the
hierarchies and person counting of ``tabular.py``, so the partitioning is written out (about 80 lines).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass
class Partitioning:
    leaf: np.ndarray  # leaf number of each record
    levels: dict[str, np.ndarray]  # per quasi-identifier, the hierarchy level of each record


def _distinct(values: np.ndarray, idx: np.ndarray, n_values: int) -> int:
    """Distinct values among ``values[idx]`` (integer codes below ``n_values``): a count of codes when
    there are few (sensitive values: no sort), a sort otherwise (persons)."""
    if n_values <= 4 * len(idx):
        return int(np.count_nonzero(np.bincount(values[idx], minlength=n_values)))
    return len(np.unique(values[idx]))


def partition(
    order: dict[str, np.ndarray],
    codes: dict[str, list[np.ndarray]],
    k: int,
    sens: np.ndarray | None = None,
    l_diversity: int | None = None,
    persons: np.ndarray | None = None,
) -> Partitioning | None:
    """``order[q]`` ranks each record's value of ``q`` (numbers, days, codes); ``codes[q][lv]`` are the
    integer codes of the values generalized to level ``lv``. None when the whole table is not k-anonymous
    (or l-diverse) even as one partition."""
    quasi = list(order)
    n = len(next(iter(order.values())))

    n_persons = int(persons.max()) + 1 if persons is not None and len(persons) else 0
    n_sens = int(sens.max()) + 1 if sens is not None and len(sens) else 0

    def allowed(idx: np.ndarray) -> bool:
        if (len(idx) if persons is None else _distinct(persons, idx, n_persons)) < k:
            return False
        return sens is None or l_diversity is None or _distinct(sens, idx, n_sens) >= l_diversity

    everything = np.arange(n)
    if not allowed(everything):
        return None
    spans = {q: float(np.ptp(order[q])) or 1.0 for q in quasi}
    leaves: list[np.ndarray] = []
    stack = [everything]
    while stack:
        idx = stack.pop()
        if len(idx) < 2 * k:
            leaves.append(idx)
            continue
        # the column this partition would generalize most (its level over its hierarchy's height) first,
        # ties by range (computed only for tied columns)
        cost = {q: _level(idx, codes[q]) / (len(codes[q]) - 1) for q in quasi}
        tied = {c for c in cost.values() if list(cost.values()).count(c) > 1}
        widths = sorted(
            ((c, float(np.ptp(order[q][idx])) / spans[q] if c in tied else 0.0, q) for q, c in cost.items()),
            reverse=True,
        )
        for halves in (h for cost, _, q in widths if cost > 0 for h in _cuts(idx, order[q], codes[q])):
            if allowed(halves[0]) and allowed(halves[1]):
                stack += list(halves)
                break
        else:  # no cut keeps both halves k-anonymous (and l-diverse): a leaf
            leaves.append(idx)
    leaf = np.empty(n, dtype=np.int64)
    for i, idx in enumerate(leaves):
        leaf[idx] = i
    return Partitioning(leaf, {q: _leaf_levels(leaf, len(leaves), codes[q]) for q in quasi})


CUTS_PER_LEVEL = 8


def _level(idx: np.ndarray, codes: list[np.ndarray]) -> int:
    """The lowest level at which the partition's records agree. Agreement holds at every level above one
    that agrees (the hierarchy's groups nest; the top level is one group), so a binary search over the
    levels reads a few of them, not all."""
    lo, hi = 0, len(codes) - 1  # the top level always agrees
    while lo < hi:
        mid = (lo + hi) // 2
        values = codes[mid][idx]
        if values.min() == values.max():
            hi = mid
        else:
            lo = mid + 1
    return lo


def _cuts(idx: np.ndarray, order: np.ndarray, codes: list[np.ndarray]) -> Iterator[tuple[np.ndarray, ...]]:
    """Candidate cuts of a partition along one column, at the boundaries of its hierarchy's groups: the
    coarsest level whose groups the partition spans first (provinces before cities, quarters before
    months), each level's boundaries nearest the median first. A cut that keeps groups whole leaves
    halves that agree at that level, so records keep finer values than a cut through a group would."""
    sort = np.argsort(order[idx], kind="stable")
    ranked, middle = idx[sort], len(idx) / 2
    for level in range(len(codes) - 2, -1, -1):
        keys = codes[level][ranked]
        bounds = np.flatnonzero(keys[1:] != keys[:-1]) + 1
        if len(bounds) == 0:
            continue
        for b in bounds[np.argsort(np.abs(bounds - middle), kind="stable")][:CUTS_PER_LEVEL]:
            yield ranked[:b], ranked[b:]


def _leaf_levels(leaf: np.ndarray, n_leaves: int, codes: list[np.ndarray]) -> np.ndarray:
    """Per record, the lowest level at which every record of its leaf has the same code."""
    order = np.argsort(leaf, kind="stable")
    sorted_leaf = leaf[order]
    starts = np.flatnonzero(np.r_[True, sorted_leaf[1:] != sorted_leaf[:-1]])
    level_of_leaf = np.full(n_leaves, len(codes) - 1, dtype=np.int64)
    undecided = np.ones(n_leaves, dtype=bool)
    for lv, c in enumerate(codes):
        values = c[order]
        uniform = np.minimum.reduceat(values, starts) == np.maximum.reduceat(values, starts)
        ids = sorted_leaf[starts]
        newly = uniform & undecided[ids]
        level_of_leaf[ids[newly]] = lv
        undecided[ids[newly]] = False
    return np.asarray(level_of_leaf[leaf])
