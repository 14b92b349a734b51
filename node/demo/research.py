"""Demo steps of the research dataset service (新药研发数据集服务), one research institute's work under
the contracts it negotiated over the Dataspace Protocol (``node.demo.dataspace``): it defines a cohort
(type 2 diabetes with HbA1c measured, on metformin) and sees its attrition at the three hospitals, trains
a gradient-boosted model (XGBoost, Flower's bagging) on the features it chose, with each hospital's own
AUC, and receives the cohort's multi-table de-identified dataset with its data dictionary. Every count,
round and dataset is a metered use of a contract."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from node.asset_registry.model import ProductStatus
from node.bootstrap import Container
from node.crypto.sm import PrivateKey
from node.demo.common import step
from node.demo.dataspace import DataSpace, Site, csv_assets, sign_in
from node.demo.federated import simulate
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
# the institute's model: HbA1c, glucose and BMI means and a hypertension flag -> type 2 diabetes
TREE_JOB: dict[str, Any] = {
    "model": "xgboost",
    "rounds": 3,
    "local_epochs": 5,  # trees each hospital boosts per round
    "lr": 0.3,
    "features": {"loinc": ["4548-4", "2345-7", "39156-5"], "diagnosis_flags": {"icd10": ["I10"]}},
    "outcome": {"diagnosis": {"icd10": ["E11"]}},
}


def _client(space: DataSpace, site: Site) -> PartnerClient:
    """The institute at ``site``, signed in with its SM2 key (no token handed over)."""
    token = sign_in(site.base, site.node.settings.name, space.researcher, space.key)
    return PartnerClient(site.base, token)


def cohort_step(space: DataSpace, n: int) -> None:
    step(
        n,
        "研究院定义队列，查看三家医院的筛选人数 / "
        "Research institute: a cohort's attrition at three hospitals",
    )
    shown = []
    for site in space.sites:
        client = _client(space, site)
        try:
            shown.append(client.cohort_attrition(site.contract_id, COHORT))
        finally:
            client.close()
    first = shown[0]
    print(
        f"   cohort {first['cohort']} v{first['version']} (SM3 {first['digest'][:16]}...): type 2 diabetes, "
        f"HbA1c measured, on metformin (A10BA02), adult, no HIV; counts below {first['min_cohort']} withheld"
    )
    names = [s.node.settings.name for s in space.sites]
    print(f"   {'criterion':<18}" + "".join(f"{name:>16}" for name in names))
    for i, s in enumerate(first["steps"]):
        counts = [
            f"<{a['min_cohort']}" if a["steps"][i]["suppressed"] else str(a["steps"][i]["remaining"])
            for a in shown
        ]
        print(f"   {'+' if s['include'] else '-'} {s['criterion']:<16}" + "".join(f"{x:>16}" for x in counts))
    sizes = ", ".join(f"{name} {a['size']}" for name, a in zip(names, shown, strict=True))
    print(f"   cohort size {sizes}; each count one metered use of the hospital's DSP contract")


def tree_step(space: DataSpace, n: int) -> None:
    step(
        n,
        "研究院在 DSP 合同下联邦训练梯度提升树 / "
        "Research institute: gradient-boosted trees (XGBoost) at three hospitals under its DSP contracts",
    )
    coordinator = space.sites[0]
    hospitals = {s.node.settings.name: {"contract_id": s.contract_id} for s in space.sites}
    client = _client(space, coordinator)
    try:
        job = client.start_training({"hospitals": hospitals, **TREE_JOB})
        print(
            f"   job {job['id']}: {job['model']} (Flower bagging), {job['rounds']} rounds of "
            f"{TREE_JOB['local_epochs']} trees per hospital, SecAgg+ {job['secure_aggregation']}"
        )
        print(f"   features chosen: {', '.join(job['feature_names'])}; outcome {job['outcome']}")
        print(f"   hospitals: {', '.join(f'{k} (DSP contract {v})' for k, v in job['participants'].items())}")
        done = simulate(coordinator.node, job["id"], [s.node for s in space.sites])
        with coordinator.node.uow() as uow:
            rounds = uow.fl.rounds(done.id)
        for r in rounds:
            print(f"   {r.line()}")
        last = rounds[-1].metrics
        for name in sorted(hospitals):
            print(
                f"   {name:<15} AUC {last[f'{name}.auc']:.3f}  accuracy {last[f'{name}.accuracy']:.3f}  "
                f"on {int(last[f'{name}.n'])} held-out patients"
            )
        print(
            f"   global AUC {last['auc']:.3f}, weighted by held-out patients (in the generated data "
            f"diabetes shifts HbA1c by 4 SD and glucose by 3 SD); {done.state.value}"
        )
        blob, digest = client.download_model(str(done.model_id))
        print(f"   model {done.model_id}: {len(blob):,} bytes of trees, SM3 {digest[:32]}...")
    finally:
        client.close()
    for site in space.sites:
        officer = site.node.identity.resolve("officer-li")
        ct = site.node.contracts.get(officer, site.contract_id)
        name = site.node.settings.name
        print(f"   {name:<15} contract {ct.id}: {ct.uses} uses of {ct.terms.max_uses} metered")


def dataset_step(
    c: Container, server: Any, token: str, key: PrivateKey, samples: Path, out: Path, n: int
) -> None:
    officer = c.identity.resolve("officer-li")
    researcher = c.identity.resolve("cq-research")
    tables = ("patients", "encounters", "conditions", "observations", "medications")
    assets = csv_assets(c, samples / "h1" / "csv", tables)
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

    step(
        n,
        "研究院获得队列的多表脱敏数据集 / Research institute: the cohort's multi-table anonymized dataset",
    )
    with server(c) as base:
        client = PartnerClient(base, token)
        try:
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
    print("   tables " + ", ".join(f"{t} {rows}" for t, rows in report["rows"].items()))
    for d in dictionary[:4]:
        print(f"   dictionary {d['table']}.{d['column']}: {d['description']}")
    print(f"   files: {', '.join(sorted(p.name for p in target.iterdir()))} (Parquet, DCAT, Croissant)")
    usage = c.contracts.get(researcher, contract_id)
    print(f"   contract {contract_id}: {usage.uses} metered uses of {usage.terms.max_uses}")
