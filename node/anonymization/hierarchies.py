"""Generalization hierarchies for quasi-identifiers: level 0 is the value itself, the top level is '*'."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

STAR = "*"


@dataclass(frozen=True)
class Hierarchy:
    name: str
    levels: tuple[Callable[[pd.Series], pd.Series], ...]  # one function per level above 0

    @property
    def height(self) -> int:
        return len(self.levels)

    def apply(self, values: pd.Series, level: int) -> pd.Series:
        if level == 0:
            return values.astype(str).where(values.notna(), STAR)
        return self.levels[level - 1](values)


def _star(values: pd.Series) -> pd.Series:
    return pd.Series(STAR, index=values.index)


def _age_band(width: int) -> Callable[[pd.Series], pd.Series]:
    def band(values: pd.Series) -> pd.Series:
        v = pd.to_numeric(values, errors="coerce")
        low = (v // width * width).astype("Int64")
        out = low.astype(str) + "-" + (low + width - 1).astype(str)
        return out.where(v.notna(), STAR)

    return band


def _date_prefix(n: int, suffix: str = "") -> Callable[[pd.Series], pd.Series]:
    def cut(values: pd.Series) -> pd.Series:
        s = values.astype(str).str.replace("/", "-", regex=False)
        return (s.str[:n] + suffix).where(values.notna() & s.str.match(r"^\d{4}"), STAR)

    return cut


def _date_period(kind: str) -> Callable[[pd.Series], pd.Series]:
    """ISO week (2025-W10) or quarter (2025-Q1) of a date."""

    def cut(values: pd.Series) -> pd.Series:
        d = pd.to_datetime(values.astype(str).str.replace("/", "-", regex=False).str[:10], errors="coerce")
        if kind == "week":
            iso = d.dt.isocalendar()
            out = iso["year"].astype(str) + "-W" + iso["week"].astype("Int64").astype(str).str.zfill(2)
        else:
            out = d.dt.year.astype("Int64").astype(str) + "-Q" + d.dt.quarter.astype("Int64").astype(str)
        return out.where(d.notna(), STAR)

    return cut


def _region(keep: int) -> Callable[[pd.Series], pd.Series]:
    """GB/T 2260 codes: 6 digits = county, first 4 = city (xxxx00), first 2 = province (xx0000)."""

    def cut(values: pd.Series) -> pd.Series:
        s = values.astype(str).str.replace(r"\.0$", "", regex=True)
        return (s.str[:keep] + "0" * (6 - keep)).where(values.notna() & s.str.match(r"^\d{6}$"), STAR)

    return cut


_ADDRESS_CUTS = (r"^(.*?(?:区|县|旗))", r"^(.*?(?:市|州|盟|地区))", r"^(.*?(?:省|自治区|市))")


def _address(pattern: str) -> Callable[[pd.Series], pd.Series]:
    def cut(values: pd.Series) -> pd.Series:
        return values.astype(str).str.extract(pattern, expand=False).fillna(STAR).where(values.notna(), STAR)

    return cut


# ages in years, then bands of 5, 10 and 20 years; dates as days, ISO weeks, months, quarters, years,
# decades (birth dates);
# regions by GB/T 2260 level (county, city, province)
AGE = Hierarchy("age", (_age_band(5), _age_band(10), _age_band(20), _star))
DATE = Hierarchy(
    "date",
    (
        _date_period("week"),
        _date_prefix(7),
        _date_period("quarter"),
        _date_prefix(4),
        _date_prefix(3, "x"),
        _star,
    ),
)
REGION = Hierarchy("region", (_region(4), _region(2), _star))
ADDRESS = Hierarchy("address", (*(_address(p) for p in _ADDRESS_CUTS), _star))
CATEGORICAL = Hierarchy("categorical", (_star,))
HIERARCHIES = {h.name: h for h in (AGE, DATE, REGION, ADDRESS, CATEGORICAL)}


def guess(name: str, values: pd.Series) -> Hierarchy:
    """Pick a hierarchy from the column's name and a look at its values."""
    lname = name.lower()
    sample = values.dropna().astype(str).head(50)
    if re.search(r"age|年龄", lname) and pd.to_numeric(sample, errors="coerce").notna().all():
        return AGE
    if re.search(r"date|birth|time|日期|出生", lname) or (
        len(sample) and sample.str.match(r"^\d{4}-\d{2}").all()
    ):
        return DATE
    if (
        re.search(r"district|region|area|code|行政区|区划", lname)
        and sample.str.match(r"^\d{6}(\.0)?$").all()
    ):
        return REGION
    if re.search(r"address|addr|住址|地址", lname):
        return ADDRESS
    return CATEGORICAL
