"""The noisy answer of an aggregate query over a one-row-per-patient table: non-negative integer
counts, small cells suppressed, every release with its mechanism, scale and epsilon, values near the
truth at the announced scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from node.errors import InvalidInput
from node.queries.services import Measure, Query, answer

BOUNDS = {"value": (0.0, 20.0)}


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    sex = ["male"] * 3000 + ["female"] * 2000 + ["other"] * 4
    value = np.concatenate([rng.normal(6, 1, 3000), rng.normal(8, 1, 2000), [5, 5, 5, 5]])
    return pd.DataFrame({"sex": sex, "value": value})


def test_cells_are_noisy_non_negative_and_close_to_the_truth() -> None:
    q = Query.parse(["count", "mean:value", "quantile:value:0.5", "sum:value"], ["sex"], epsilon=2.0)
    out = answer(_table(), q, BOUNDS, min_cohort=20)
    cells = {c["group"]["sex"]: c for c in out["cells"]}
    assert set(cells) == {"female", "male"} and out["suppressed"] == 1  # 4 patients < 20
    assert all(isinstance(c["count"], int) and c["count"] >= 0 for c in out["cells"])
    assert abs(cells["male"]["count"] - 3000) < 60 and abs(cells["female"]["count"] - 2000) < 60
    assert abs(cells["male"]["mean:value"] - 6) < 0.3 and abs(cells["female"]["mean:value"] - 8) < 0.3
    assert abs(cells["male"]["quantile:value:0.5"] - 6) < 0.6
    assert abs(cells["female"]["sum:value"] - 16000) < 400
    # five releases (count, mean = sum + count, quantile, sum) share epsilon 2
    assert out["noise"]["count"] == {
        "mechanism": "discrete Laplace (OpenDP), clamped at 0",
        "scale": 2.5,
        "epsilon": 0.4,
        "sensitivity": 1.0,
    }
    assert out["noise"]["mean:value"]["scale"] == pytest.approx(10 / 0.4)  # half the range, centred
    assert out["noise"]["sum:value"]["scale"] == pytest.approx(20 / 0.4)
    assert out["noise"]["quantile:value:0.5"]["bins"] == 32


def test_histograms_and_an_ungrouped_count() -> None:
    out = answer(_table(), Query.parse(["histogram:value"], epsilon=1.0), BOUNDS, min_cohort=0)
    (cell,) = out["cells"]
    assert cell["group"] == {} and abs(cell["count"] - 5004) < 40
    hist = cell["histogram:value"]
    assert [b["from"] for b in hist] == [2.0 * i for i in range(10)]
    assert all(isinstance(b["count"], int) and b["count"] >= 0 for b in hist)
    assert hist[3]["count"] > 1000  # 6-8 holds most values


def test_everything_below_the_cohort_is_suppressed() -> None:
    out = answer(_table(), Query.parse(["count"], ["sex"]), BOUNDS, min_cohort=10_000)
    assert out["cells"] == [] and out["suppressed"] == 3


@pytest.mark.parametrize(
    "measures",
    [["median:value"], ["quantile:value:1.5"], ["sum"], ["count:value"], [], ["count"] * 7],
)
def test_malformed_measures_are_refused(measures: list[str]) -> None:
    with pytest.raises(InvalidInput):
        Query.parse(measures)


def test_query_limits() -> None:
    with pytest.raises(InvalidInput):
        Query.parse(["count"], ["a", "b", "c", "d"])
    with pytest.raises(InvalidInput):
        Query.parse(["count"], where=["sex"])
    with pytest.raises(InvalidInput):
        Query.parse(["count"], epsilon=0)
    assert Measure.parse("quantile:value:0.9").name == "quantile:value:0.9"
