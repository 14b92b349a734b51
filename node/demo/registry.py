"""Demo steps of the asset registry: sample data, every connector, grading, products, catalog."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pandas as pd

from connectors.mllp import FS, MllpListener, frame
from connectors.registry import open_source
from connectors.samples import copy_sample_dicom, generate, hl7_messages, write_sample_files
from node.asset_registry.catalog import dcat_catalog
from node.asset_registry.model import CATEGORY_ZH, Asset, ProductStatus
from node.asset_registry.services import ImportOptions
from node.bootstrap import Container
from node.demo.common import step
from node.errors import InvalidInput

HOSPITALS = ("h1", "h2", "h3")
PATIENTS = 400


def registry_steps(c: Container, samples: Path, first_step: int, officer: str) -> None:
    step(first_step, f"Generate synthetic data for {len(HOSPITALS)} hospitals ({PATIENTS} patients each)")
    for h in HOSPITALS:
        counts = write_sample_files(samples / h, PATIENTS, seed=2026, hospital=h)
        print(
            f"   {h}: {counts['fhir_resources']:,} FHIR resources, {counts['hl7_messages']:,} HL7 messages, "
            f"{counts['csv_rows']:,} CSV rows"
        )
    copy_sample_dicom(samples / "h1" / "dicom")
    h1 = samples / "h1"
    _parquet_and_sql(h1)
    _mllp_feed(h1)

    step(first_step + 1, "Import this hospital's (h1) data through every connector")
    imports = [
        ("fhir", str(h1 / "fhir"), [], ImportOptions("病案科", "daily", ["慢病管理", "保险核保"])),
        ("hl7", str(h1 / "mllp-spool"), [], ImportOptions("信息中心", "realtime", ["住院监测"])),
        ("csv", str(h1 / "csv" / "observations.csv"), [], ImportOptions("检验科", "daily", ["科研统计"])),
        ("dicom", str(h1 / "dicom"), [], ImportOptions("放射科", "weekly", ["影像科研"])),
        ("parquet", str(h1 / "parquet"), [], ImportOptions("内分泌科", "monthly", ["糖尿病研究"])),
        (
            "sql",
            f"sqlite:///{h1 / 'his.db'}",
            ["his_medications"],
            ImportOptions("药剂科", "daily", ["合理用药"]),
        ),
    ]
    assets: list[Asset] = []
    for connector, source, tables, options in imports:
        result = c.assets.import_source("cli:demo", open_source(connector, source, tables), options)
        assets += result.assets
        print(f"   {connector:<8} {result.rows:>7,} rows -> {len(result.assets)} asset(s)")
    _real_shapes(c, h1, assets)
    broken = h1 / "broken.csv"
    broken.write_text("patient_id,loinc,value\nh1-p1,2345-7,5.1\nh1-p2,2345-7\n", encoding="utf-8")
    try:
        c.assets.import_source("cli:demo", open_source("csv", str(broken)))
    except InvalidInput as exc:
        print(f"   csv      a ragged file is refused and nothing registered: {exc.message}")

    step(first_step + 2, "The catalog with suggested grades (GB/T 39725-2020) and their reasons")
    for a in c.assets.search():
        g = a.grade
        pii = ", ".join(sorted({t for ts in a.pii_columns.values() for t in ts})) or "-"
        print(
            f"   L{g.level} {a.name:<30} {a.source_system.value:<5} {a.rows:>6,} rows  "
            f"{CATEGORY_ZH[g.category]} / {g.dsl_class.value}  PII: {pii}"
        )
        print(f"      why: {g.reasons[0]}")

    step(first_step + 3, "The data officer confirms and overrides grades, then publishes data products")
    by_table = {a.table: a for a in assets if a.connector in ("fhir", "csv")}
    obs_fhir, patients, obs_lis = (
        by_table["observations"],
        by_table["patients"],
        next(a for a in assets if a.connector == "csv"),
    )
    c.assets.grade(officer, patients.id, patients.suggested.level, "确认：含直接标识符")
    c.assets.grade(officer, obs_lis.id, 4, "检验结果可与病案号关联，按4级管理")
    print(
        f"   confirmed {patients.name} at L{patients.suggested.level}; "
        f"overrode {obs_lis.name} L{obs_lis.suggested.level} -> L4"
    )
    try:
        c.products.create(officer, "患者身份明细", [patients.id], "anonymized_extract", ["researcher"])
    except InvalidInput as exc:
        print(f"   refused: {exc.message}")
    offers: list[tuple[str, list[str], str, list[str], dict[str, Any]]] = [
        (
            "血糖血压统计查询",
            [obs_fhir.id],
            "aggregate_query",
            ["insurer", "researcher"],
            {"purposes": ["underwriting_risk_model", "drug_research"], "min_cohort": 20, "epsilon": 1.0},
        ),
        (
            "慢病风险联邦建模",
            [obs_fhir.id, by_table["conditions"].id],
            "federated_training",
            ["researcher"],
            {"purposes": ["drug_research"], "epsilon": 3.0, "max_uses": 50},
        ),
        (
            "就诊记录脱敏提取",
            [by_table["encounters"].id],
            "anonymized_extract",
            ["researcher"],
            {"purposes": ["drug_research"], "k": 5, "prohibitions": ["re_identification", "onward_transfer"]},
        ),
        (
            "检验指标密文计算",
            [obs_fhir.id, by_table["conditions"].id],
            "he_query",
            ["insurer", "researcher"],
            {
                "purposes": ["underwriting_risk_model", "clinical_research"],
                "cohorts": ["E11", "I10"],
                "epsilon": 3.0,
                "min_cohort": 20,
            },
        ),
    ]
    for name, ids, mode, roles, policy in offers:
        p = c.products.create(officer, name, ids, mode, roles, policy)
        c.products.set_status(officer, p.id, ProductStatus.PUBLISHED)
        print(f"   published {p.id} {name:<12} {mode:<19} -> {', '.join(roles)}")
    for role in ("insurer", "researcher"):
        names = [p.name for p in c.products.visible(frozenset({role}))]
        print(f"   a {role} sees: {', '.join(names)}")

    step(first_step + 4, "Export the catalog as DCAT JSON-LD")
    doc = dcat_catalog(c.settings.name, c.settings.display_name, c.assets.search(), c.products.visible(None))
    out = samples.parent / "catalog.jsonld"
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"   {len(doc['dcat:dataset'])} datasets, {len(doc['dcat:service'])} data services -> {out}")


def _parquet_and_sql(h1: Path) -> None:
    """The same hospital's tables as a Parquet export and as a HIS database, for those connectors."""
    (h1 / "parquet").mkdir(exist_ok=True)
    conditions = pd.read_csv(h1 / "csv" / "conditions.csv", dtype=str)
    conditions.to_parquet(h1 / "parquet" / "diabetes_registry.parquet")
    meds = pd.read_csv(h1 / "csv" / "medications.csv", dtype=str)
    with sqlite3.connect(h1 / "his.db") as db:
        meds.to_sql("his_medications", db, index=False, if_exists="replace")


async def _stop(server: asyncio.Server) -> None:
    """Stop accepting, then let every connection handler finish (each ends on its peer's EOF), so
    the loop closes with no task pending."""
    server.close()
    await server.wait_closed()
    handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if handlers:
        await asyncio.wait(handlers, timeout=5)


def _mllp_feed(h1: Path) -> None:
    """A HIS sends live messages over MLLP; the listener ACKs good ones after spooling, NAKs a bad one."""
    listener = MllpListener(h1 / "mllp-spool")
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(listener.serve("127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    messages = [m for p in generate(30, seed=2026, hospital="h1") for m in hl7_messages(p, "h1")]
    messages.insert(5, "MSH|^~\\&|HIS|H1|||20260101||ADT^A04|BAD1|P|2.5\rPID|1\rthis is not a segment")
    codes: dict[str, int] = {}
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for m in messages:
            sock.sendall(frame(m))
            reply = b""
            while not reply.endswith(FS + b"\r"):
                reply += sock.recv(4096)
            code = reply.decode().split("MSA|")[1][:2]
            codes[code] = codes.get(code, 0) + 1
    asyncio.run_coroutine_threadsafe(_stop(server), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    loop.close()
    print(
        f"   MLLP feed: {codes.get('AA', 0)} messages acknowledged (AA), {codes.get('AE', 0)} rejected (AE)"
    )


BAD_LIS_MESSAGE = (
    "MSH|^~\\&|LIS|H1|HNODE|H1|20250601080500||ORU^R01^ORU_R01|LISBAD1|P|2.5||||||GB 18030-2000\r"
    "PID|1||H1-MRN-BAD^^^H1^MR||钱^坤||19910101|M\r"
    "OBX|1|NM|718-7^血红蛋白^LN||一百二十|g/L|||||F"
)


def _real_shapes(c: Container, h1: Path, assets: list[Asset]) -> None:
    """What real systems send: urn:uuid transaction bundles, a GB 18030 LIS feed with censored values and
    a bad message, kept in quarantine; a changed feed that breaks a quality rule."""
    fhir_obs = next(a for a in assets if a.connector == "fhir" and a.table == "observations")
    obs = pd.concat(list(c.store.read(fhir_obs.storage_ref)))
    claims = sum(a.rows for a in assets if a.connector == "fhir" and a.table == "claims")
    print(
        f"   fhir     transaction bundles refer by urn:uuid: {obs['patient_id'].notna().sum():,} of "
        f"{len(obs):,} observations linked to their patient; {claims:,} claims"
    )
    feed = h1 / "lis" / "lis-gb18030.hl7"
    feed.parent.mkdir(exist_ok=True)
    original = (h1 / "hl7" / "lis-gb18030.hl7").read_bytes()
    feed.write_bytes(original + BAD_LIS_MESSAGE.encode("gb18030") + b"\r\n")
    options = ImportOptions("检验科", "daily", ["检验质控"])
    lis = c.assets.import_source("cli:demo", open_source("hl7", str(feed), on_error="quarantine"), options)
    tables = {a.table: a for a in lis.assets}
    lab = pd.concat(list(c.store.read(tables["observations"].storage_ref)))
    results = tables["observations"].rows
    print(
        f"   hl7      GB 18030 LIS feed (MSH-18): {lis.records:,} messages, {results:,} results "
        f"({(lab['comparator'] == '<').sum():,} censored such as <5 kept as 5 with '<'), "
        f"{tables['charges'].rows:,} itemized charges"
    )
    for r in c.quarantine.list(import_id=lis.import_id):
        print(f"   quarantine (隔离区) {r.id}: {r.location}: {r.reason}")
    text = original.decode("gb18030")
    mg_dl = "\r".join(_in_mg_dl(line) for line in text.split("\r"))
    feed.write_bytes(mg_dl.encode("gb18030"))
    again = c.assets.import_source("cli:demo", open_source("hl7", str(feed), on_error="quarantine"), options)
    version = next(a for a in again.assets if a.table == "observations")
    for alert in again.alerts.get(version.id, []):
        print(
            f"   quality alert (质量告警) on v{version.version} of {version.name}: rule {alert['rule']} "
            f"{alert['column']} held in v{version.version - 1}, now {alert['violations']:,} of "
            f"{alert['checked']:,} break it"
        )


def _in_mg_dl(segment: str) -> str:
    """The LIS switches glucose to mg/dL (x18): the unit rule and the plausible range for 2345-7 break."""
    if not segment.startswith("OBX|") or "|2345-7^" not in segment:
        return segment
    fields = segment.split("|")
    fields[5], fields[6] = f"{float(fields[5]) * 18:.0f}", "mg/dL"
    return "|".join(fields)
