"""Aggregate queries that answer (issue 18, item 4) under an ``aggregate_query`` contract, through the
SDK against the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from node.api.app import create_app
from node.errors import InvalidInput, PolicyDenied
from node.sdk.insurer import InsurerClient
from node.sdk.partner import PartnerClient
from tests.conftest import make_container
from tests.contract_world import build_world
from tests.insurer_world import InsurerWorld, build_insurer_world


@pytest.fixture
def iw(db_url: str, tmp_path: Path) -> Iterator[InsurerWorld]:
    c = make_container(db_url, tmp_path / "node")
    yield build_insurer_world(build_world(c, tmp_path / "samples"), tmp_path / "samples")
    c.close()


def _insurer(iw: InsurerWorld) -> InsurerClient:
    token = iw.w.c.identity.issue_token("cli:t", iw.w.insurer.id).secret
    return InsurerClient(PartnerClient("", token, http=TestClient(create_app(iw.w.c))))


def test_grouped_measures_over_joined_tables_with_epsilon_charged(iw: InsurerWorld, tmp_path: Path) -> None:
    ins = _insurer(iw)
    ct = iw.contract("query", "aggregate_query", "actuarial_statistics", epsilon=4.0, min_cohort=20)
    offer = ins.query_offer(ct)
    assert offer["dimensions"] == ["sex", "district_code", "loinc"] and offer["measures"] == {
        "value": [0, 300]
    }
    out = ins.query(ct, ["count", "mean:value", "histogram:value"], ["sex"], ["loinc=2345-7"], epsilon=3.0)

    obs = pd.read_csv(tmp_path / "samples" / "csv" / "observations.csv", dtype={"loinc": str})
    glucose = obs[obs.loinc == "2345-7"].groupby("patient_id")["value"].mean()
    truth = iw.patients.set_index("patient_id").loc[glucose.index].assign(value=glucose).groupby("sex")
    cells = {c["group"]["sex"]: c for c in out["cells"]}
    assert set(cells) == set(truth.groups)
    count_scale = out["noise"]["count"]["scale"]
    assert count_scale == pytest.approx(1 / 0.75)  # count, mean (sum + count), histogram share 3.0
    for sex, cell in cells.items():
        assert isinstance(cell["count"], int) and cell["count"] >= 0
        assert abs(cell["count"] - len(truth.get_group(sex))) <= 15 * count_scale
        assert len(cell["histogram:value"]) == 10 and all(b["count"] >= 0 for b in cell["histogram:value"])
    for name in ("count", "mean:value", "histogram:value"):
        assert {"mechanism", "scale", "epsilon"} <= set(out["noise"][name])
    contract = iw.w.c.contracts.get(iw.w.insurer, ct)
    assert contract.uses == 1 and contract.epsilon_spent == pytest.approx(3.0)
    with pytest.raises(PolicyDenied) as spent:
        ins.query(ct, ["count"], ["sex"], epsilon=1.5)
    assert spent.value.reasons == ["privacy_budget_left"]  # type: ignore[attr-defined]
    events = [e for e in iw.w.c.audit.recent(limit=20) if e.action == "query.run"]
    assert events[0].details["measures"] == ["count", "mean:value", "histogram:value"]
    assert "2345-7" not in str(events[0].details)  # filters' values are not recorded


def test_small_cells_are_suppressed(iw: InsurerWorld) -> None:
    ins = _insurer(iw)
    ct = iw.contract("query", "aggregate_query", "actuarial_statistics", epsilon=4.0, min_cohort=60)
    out = ins.query(ct, ["count"], ["district_code"], epsilon=2.0)
    by_district = iw.patients.groupby("district_code").size()
    assert out["min_cohort"] == 60
    assert out["suppressed"] >= int((by_district < 40).sum())
    assert all(c["count"] >= 60 for c in out["cells"])
    assert len(out["cells"]) + out["suppressed"] == len(by_district)


def test_what_the_product_does_not_offer_is_refused_and_costs_nothing(iw: InsurerWorld) -> None:
    ins = _insurer(iw)
    ct = iw.contract("query", "aggregate_query", "actuarial_statistics", epsilon=4.0)
    with pytest.raises(PolicyDenied) as dim:
        ins.query(ct, ["count"], ["name"])
    assert dim.value.code == "query_dimension_not_offered"
    with pytest.raises(PolicyDenied) as measure:
        ins.query(ct, ["sum:id_card"])
    assert measure.value.code == "query_measure_not_offered"
    with pytest.raises(InvalidInput) as malformed:
        ins.query(ct, ["median:value"])
    assert malformed.value.code == "query_invalid"
    with pytest.raises(InvalidInput):
        ins.query(ct, ["count"], epsilon=0)
    contract = iw.w.c.contracts.get(iw.w.insurer, ct)
    assert contract.uses == 0 and contract.epsilon_spent == 0
    psi = iw.contract("psi-count", "psi", "claims_verification")
    with pytest.raises(InvalidInput) as mode:
        ins.query(psi, ["count"])
    assert mode.value.code == "mode_mismatch"
    plain = ins.query(ct, ["count"], epsilon=0.5)
    assert abs(plain["cells"][0]["count"] - len(iw.patients)) <= 30
