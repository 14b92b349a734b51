"""The registry end to end on SQLite and PostgreSQL: atomic imports, grading, products, catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from connectors.registry import open_source
from connectors.samples import write_sample_files
from node.asset_registry.catalog import dcat_catalog
from node.asset_registry.model import ProductStatus, SourceSystem
from node.asset_registry.ports import SourceInfo
from node.bootstrap import Container
from node.errors import InvalidInput, NodeError


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reg")
    write_sample_files(out, 80, seed=3)
    return out


def _stored_tables(c: Container) -> list[Path]:
    root = c.settings.data_dir / "tables"
    return [p for p in root.glob("*") if p.name != ".staging"] if root.exists() else []


class FailingSource:
    """Yields good batches for two tables, then fails: nothing of it may remain."""

    info = SourceInfo("csv", "failing.csv", SourceSystem.OTHER)
    digest = "0" * 64

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        yield "patients", pd.DataFrame({"patient_id": ["a", "b"], "name": ["张三", "李四"]})
        yield "observations", pd.DataFrame({"patient_id": ["a"], "value": [1.0]})
        raise InvalidInput("failing.csv:3: ragged row", code="source_malformed")


def test_import_registers_all_tables_encrypted(container: Container, sample_dir: Path) -> None:
    result = container.assets.import_source("cli:t", open_source("csv", str(sample_dir / "csv")))
    assert {a.table for a in result.assets} == {
        "patients",
        "encounters",
        "conditions",
        "observations",
        "medications",
    }
    patients = next(a for a in result.assets if a.table == "patients")
    assert patients.grade.level == 4 and "CN_ID_CARD" in patients.pii_columns["id_card"]
    assert patients.rows == 80 and len(patients.source_digest) == 64
    stored = pd.concat(list(container.store.read(patients.storage_ref)))
    assert len(stored) == 80
    some_id = str(stored["id_card"].iloc[0])
    for part in (container.settings.data_dir / "tables" / patients.storage_ref).iterdir():
        assert some_id.encode() not in part.read_bytes()  # encrypted at rest
    actions = [e.action for e in container.audit.recent(10)]
    assert actions.count("asset.register") == 5 and "asset.import" in actions


def test_failed_import_leaves_nothing(container: Container) -> None:
    with pytest.raises(NodeError):
        container.assets.import_source("cli:t", FailingSource())
    assert container.assets.search() == []
    assert _stored_tables(container) == []
    assert list((container.settings.data_dir / "tables" / ".staging").glob("*")) == []
    last = container.audit.recent(1)[0]
    assert (last.action, last.outcome, last.details["code"]) == ("asset.import", "failed", "source_malformed")


def test_grade_products_and_catalog(container: Container, sample_dir: Path) -> None:
    result = container.assets.import_source("cli:t", open_source("csv", str(sample_dir / "csv")))
    by_table = {a.table: a for a in result.assets}
    obs, patients = by_table["observations"], by_table["patients"]
    assert obs.grade.level == 3
    with pytest.raises(InvalidInput) as err:
        container.products.create("off", "身份信息提取", [patients.id], "anonymized_extract", ["researcher"])
    assert err.value.code == "mode_not_allowed_for_grade"
    extract = container.products.create(
        "off",
        "检验结果脱敏提取",
        [obs.id],
        "anonymized_extract",
        ["researcher"],
        {"k": 5, "purposes": ["drug_research"]},
    )
    agg = container.products.create("off", "血糖统计", [obs.id], "aggregate_query", ["insurer", "researcher"])
    for p in (extract, agg):
        container.products.set_status("off", p.id, ProductStatus.PUBLISHED)
    assert {p.id for p in container.products.visible(frozenset({"insurer"}))} == {agg.id}
    # the officer raises the level: the extract may no longer leave and is retired with it
    graded = container.assets.grade("off", obs.id, 4, "含罕见病检验结果")
    assert graded.confirmed and graded.grade.level == 4 and graded.suggested.level == 3
    assert container.products.get(extract.id).status == ProductStatus.RETIRED
    assert container.products.get(agg.id).status == ProductStatus.PUBLISHED
    actions = [e.action for e in container.audit.recent(5)]
    assert "asset.grade" in actions and "product.retire" in actions
    assert [a.id for a in container.assets.search(level=4, text="observ")] == [obs.id]
    doc = dcat_catalog("n1", "医院", container.assets.search(), container.products.visible(None))
    ds = next(d for d in doc["dcat:dataset"] if d["dct:identifier"] == obs.id)
    assert ds["hnode:grade"]["hnode:level"] == 4 and ds["hnode:grade"]["hnode:confirmed"] is True
    assert ds["prov:wasGeneratedBy"]["prov:used"]["hnode:sm3"] == obs.source_digest
    for bad in ({"level": 0, "reason": "x y"}, {"level": 3, "reason": ""}):
        with pytest.raises(InvalidInput):
            container.assets.grade("off", obs.id, bad["level"], str(bad["reason"]))  # type: ignore[arg-type]
