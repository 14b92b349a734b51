"""Demo step of the research dataset service (新药研发数据集服务): a research institute defines a cohort
(type 2 diabetes with HbA1c measured, on metformin), sees its attrition at this hospital, and receives
the cohort's multi-table de-identified dataset with its data dictionary, each one metered use."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from connectors.registry import open_source
from node.asset_registry.model import ProductStatus
from node.bootstrap import Container
from node.crypto.sm import PrivateKey
from node.demo.common import step
from node.demo.he import activate_contract, contract_terms
from node.sdk.partner import PartnerClient

ACTOR = "cli:demo"
PRODUCT = "2型糖尿病新药研发数据集（患者/就诊/诊断/检验/用药）"
COHORT: dict[str, Any] = {
    "name": "2型糖尿病 HbA1c 二甲双胍",
    "version": 1,
    "index": {"diagnosis": {"system": "icd10", "codes": ["E11"]}},
    "criteria": [
        {"id": "hba1c_measured", "lab": {"loinc": "4548-4"}, "window_days": [-365, 365]},
        {"id": "on_metformin", "medication": {"system": "atc", "codes": ["A10BA02"]}},
        {"id": "adult", "age": {"min": 18}},
        {"id": "no_hiv", "include": False, "diagnosis": {"system": "icd10", "codes": ["B20"]}},
    ],
}


def research_steps(
    c: Container, server: Any, token: str, key: PrivateKey, samples: Path, out: Path, first_step: int
) -> None:
    officer = c.identity.resolve("officer-li")
    researcher = c.identity.resolve("cq-research")
    tables = {"patients", "encounters", "conditions", "observations", "medications"}
    assets = {a.table: a for a in c.assets.search() if a.connector == "csv" and a.table in tables}
    for table in sorted(tables - set(assets)):  # the EMR's other CSV exports, for the research copy
        imported = c.assets.import_source(
            ACTOR, open_source("csv", str(samples / "h1" / "csv" / f"{table}.csv"))
        )
        assets |= {a.table: a for a in imported.assets}
    p = c.products.create(
        officer.id,
        PRODUCT,
        [assets[t].id for t in sorted(tables)],
        "research_dataset",
        ["researcher"],
        {"purposes": ["drug_research"], "k": 5, "min_cohort": 10, "max_uses": 10},
    )
    c.products.set_status(officer.id, p.id, ProductStatus.PUBLISHED)
    terms = contract_terms(
        c, "drug_research", access_mode="research_dataset", k=5, min_cohort=10, epsilon=0.0
    )
    contract_id = activate_contract(c, researcher, key, p.id, terms)

    step(first_step, "Research institute: a cohort's attrition (type 2 diabetes, HbA1c, metformin)")
    with server(c) as base:
        client = PartnerClient(base, token)
        try:
            shown = client.cohort_attrition(contract_id, COHORT)
            print(
                f"   {shown['cohort']} v{shown['version']} (SM3 {shown['digest'][:16]}...), "
                f"counts below {shown['min_cohort']} withheld"
            )
            for s in shown["steps"]:
                n = f"<{shown['min_cohort']}" if s["suppressed"] else str(s["remaining"])
                print(f"   {'+' if s['include'] else '-'} {s['criterion']:<18} {n:>6}")

            step(first_step + 1, "Research institute: the cohort's multi-table de-identified dataset")
            dataset_id, blob = client.research_dataset(contract_id, COHORT)
        finally:
            client.close()
    target = out / dataset_id
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        for name in z.namelist():
            (target / Path(name).name).write_bytes(z.read(name))
    report = json.loads((target / "report.json").read_text("utf-8"))
    dictionary = json.loads((target / "dictionary.json").read_text("utf-8"))
    print(
        f"   {dataset_id}: {report['persons_released']} persons (k={report['achieved_k']} per person, "
        f"{report['persons_suppressed']} suppressed), dates shifted per patient by up to "
        f"±{report['max_date_shift_days']} days"
    )
    print("   tables " + ", ".join(f"{t} {n}" for t, n in report["rows"].items()))
    for d in dictionary[:4]:
        print(f"   dictionary {d['table']}.{d['column']}: {d['description']}")
    print(f"   files: {', '.join(sorted(p.name for p in target.iterdir()))} (Parquet, DCAT, Croissant)")
    usage = c.contracts.get(researcher, contract_id)
    print(f"   contract {contract_id}: {usage.uses} metered uses of {usage.terms.max_uses}")
