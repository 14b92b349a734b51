"""One-stop settlement (issue 18): claims built, signed, encrypted, pulled, decrypted, answered and
recorded. Target: < 200 ms per claim over 100 claims.

A temporary SQLite node with 100 discharges (encounters, two diagnoses, one procedure and six itemized
charges each, as the FHIR and DFT^P03 imports store them) and the patients' consents. The billing desk
submits each claim over HTTP (metered use, claim read from the encrypted store, FHIR validation, SM2
signature, SM2-wrapped SM4 sealing, queued); the insurer's SDK pulls them, decrypts and verifies each,
answers with a signed ClaimResponse, and the node verifies and records it. Baseline in the same run:
the same 100 Claims built and validated (fhir.resources) in memory, no store, no crypto, no HTTP.
Prints one JSON object. `python benchmarks/settlement_bench.py [--claims N]`
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.registry import open_source
from node.adapters.db.migrate import upgrade
from node.adapters.node_key import create_node_key
from node.api.app import create_app
from node.asset_registry.model import ProductStatus
from node.bootstrap import Container, build_container
from node.config import load_settings
from node.contracts.model import DAY_US
from node.crypto.sm import PrivateKey
from node.sdk.insurer import InsurerClient
from node.sdk.partner import PartnerClient
from node.settlement.claim import Encounter, build_claim

FIELDS = ["billablePeriod", "diagnosis", "procedure", "item"]


def _write(root: Path, n: int) -> list[Encounter]:
    root.mkdir(parents=True)
    tables: dict[str, list[list[Any]]] = {
        "encounters": [["encounter_id", "patient_id", "class", "department", "start", "end"]],
        "conditions": [["condition_id", "patient_id", "encounter_id", "icd10", "display"]],
        "procedures": [["procedure_id", "patient_id", "encounter_id", "code", "code_system", "display"]],
        "charges": [
            [
                "mrn",
                "visit_number",
                "transaction_id",
                "code",
                "display",
                "quantity",
                "unit_price",
                "amount",
                "currency",
            ]
        ],
    }
    encs = []
    for i in range(n):
        e, p = f"b-e{i:04d}", f"b-p{i:04d}"
        start, end = "2026-11-20T08:00:00+08:00", "2026-11-25T10:00:00+08:00"
        tables["encounters"].append([e, p, "IMP", "心内科", start, end])
        dx = [("I21.9", "急性心肌梗死"), ("I10", "原发性高血压")]
        for j, (code, name) in enumerate(dx):
            tables["conditions"].append([f"{e}-c{j}", p, e, code, name])
        tables["procedures"].append(
            [f"{e}-x", p, e, "415070008", "http://snomed.info/sct", "经皮冠状动脉介入治疗"]
        )
        charges = []
        for j in range(6):
            amount = 100.0 * (j + 1) + i
            tables["charges"].append(
                [p, e, f"{e}-t{j}", f"11020000{j}", f"项目{j}", 1, amount, amount, "CNY"]
            )
            charges.append(
                {
                    "code": f"11020000{j}",
                    "display": f"项目{j}",
                    "quantity": 1,
                    "unit_price": amount,
                    "amount": amount,
                    "currency": "CNY",
                }
            )
        encs.append(
            Encounter(e, p, True, start, end, dx, [("415070008", None, "经皮冠状动脉介入治疗")], charges)
        )
    for name, rows in tables.items():
        with (root / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return encs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _node(root: Path) -> Container:
    pw = SecretStr("bench-passphrase")
    settings = load_settings(data_dir=root, key_passphrase=pw, database_url="")
    upgrade(settings.database_url)
    create_node_key(settings.node_key_path, pw)
    return build_container(settings)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        encs = _write(root / "data", args.claims)
        c = _node(root / "node")
        ident = c.identity
        officer = ident.register("bench", "officer", ["data_officer"], "数据管理办公室")
        ethics = ident.register("bench", "ethics", ["ethics_reviewer"], "伦理委员会")
        key = PrivateKey.generate()
        insurer = ident.register("bench", "insurer-a", ["insurer"], "某保险", key.public_key().to_hex())
        assets = c.assets.import_source("bench", open_source("csv", str(root / "data"))).assets
        template = {
            "purposes": ["claims_verification"],
            "consent_required": True,
            "claim_fields": FIELDS,
            "max_uses": 10 * args.claims,
        }
        p = c.products.create(officer.id, "结算", [a.id for a in assets], "settlement", ["insurer"], template)
        c.products.set_status(officer.id, p.id, ProductStatus.PUBLISHED)
        now = c.clock.now_us()
        terms = {
            "purpose": "claims_verification", "access_mode": "settlement", "valid_from_us": now,
            "valid_to_us": now + 30 * DAY_US, "max_uses": 10 * args.claims, "min_cohort": 20,
        }  # fmt: skip
        ct = c.contracts.request(insurer, p.id, terms)
        assert ct.state.name != "REJECTED", ct.reason
        ct = c.contracts.approve(officer, ct.id)
        if ct.needs_ethics:
            ct = c.contracts.approve_ethics(ethics, ct.id)
        c.contracts.sign(insurer, ct.id, key.sign(ct.canonical()).hex())
        c.anchoring.deliver()
        for e in encs:
            c.consents.grant(
                officer.id,
                e.patient_id,
                insurer.id,
                "claims_verification",
                now - DAY_US,
                now + DAY_US,
                "kiosk",
                "k",
            )

        t0 = time.perf_counter()
        for e in encs:
            build_claim(
                f"cl-{e.encounter_id}",
                e,
                ["patient", "total", *FIELDS],
                "某保险",
                "医院",
                ct.id,
                "2026-12-06T10:00:00+08:00",
            )
        baseline = time.perf_counter() - t0

        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(c), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        desk = {"Authorization": f"Bearer {ident.issue_token('bench', officer.id).secret}"}
        ins = InsurerClient(PartnerClient(base, ident.issue_token("bench", insurer.id).secret, timeout_s=120))
        cpu0, t0 = time.process_time(), time.perf_counter()
        with httpx.Client(base_url=base, timeout=120) as http:
            for e in encs:
                r = http.post(
                    "/v1/settlement/claims",
                    json={"contract_id": ct.id, "encounter_id": e.encounter_id},
                    headers=desk,
                )
                r.raise_for_status()
        submitted = time.perf_counter() - t0
        t1 = time.perf_counter()
        claims = ins.pull_claims(key, ct.id, c.signer.public_key_hex, limit=min(500, args.claims))
        pulled = time.perf_counter() - t1
        t2 = time.perf_counter()
        settled = [ins.respond_claim(key, claim, round(claim["total"]["value"] * 0.8, 2)) for claim in claims]
        answered = time.perf_counter() - t2
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        server.should_exit = True
        thread.join(timeout=10)
        records = c.settlement.settlements(officer, ct.id)
        ok = len(settled) == args.claims and all(r.status == "settled" for r in records)
        per = 1000 * wall / args.claims
        print(json.dumps({
            "claims": args.claims,
            "settled": sum(r.status == "settled" for r in records),
            "uses": c.contracts.get(officer, ct.id).uses,
            "per_claim_ms": round(per, 1),
            "per_claim_cpu_ms": round(1000 * cpu / args.claims, 1),
            "submit_ms": round(1000 * submitted / args.claims, 1),
            "pull_and_open_ms": round(1000 * pulled / args.claims, 1),
            "answer_and_record_ms": round(1000 * answered / args.claims, 1),
            "baseline_build_only_ms": round(1000 * baseline / args.claims, 2),
            "load_1min": round(os.getloadavg()[0], 1),
            "target_ms": 200,
            "pass": ok and per < 200,
        }, indent=2))  # fmt: skip
        c.close()


if __name__ == "__main__":
    main()
