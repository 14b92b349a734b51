"""Insurer paths (issue 18): PSI end to end over HTTP, and aggregate queries with group-by.

Targets:
- PSI of 100,000 members x 100,000 patients < 60 s end to end over HTTP (the insurer's CLI path: member
  keys normalized, blinded, sent; the node's metered run; intersection). Baseline in the same run: a
  plain hash join of the same normalized sets (what either side could do if it saw the other's list).
- an aggregate query (count, mean, quantile) grouped by two dimensions over 100,000 rows: p50 < 100 ms
  through QueryService (metered use, table read from the encrypted store, OpenDP noise). Baseline: the
  same group-by in pandas on the in-memory frame, without noise or metering.

Uses a temporary SQLite node and the embedded chain; the API is served by uvicorn on loopback, in
this process, so the CPU time reported covers both sides. Prints one JSON object, with the 1-minute
load average: on a shared machine wall-clock figures stretch with it, CPU time much less.
`python benchmarks/insurer_bench.py [--patients N] [--runs R]`
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import uvicorn
from hnode_partner.psi import parse_members
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from node.adapters.db.migrate import upgrade
from node.adapters.node_key import create_node_key
from node.anonymization.checksums import id_check_digit
from node.api.app import create_app
from node.asset_registry.model import ProductStatus
from node.bootstrap import Container, build_container
from node.config import load_settings
from node.contracts.model import DAY_US
from node.crypto.sm import PrivateKey
from node.queries.services import Query
from node.sdk.insurer import InsurerClient
from node.sdk.partner import PartnerClient

AREAS = ["500101", "500103", "500105", "500106", "500107", "500108", "500112", "500113"]


def _ids(n: int, rng: random.Random, offset: int) -> list[str]:
    out = []
    for i in range(n):
        born = f"{rng.randint(1940, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        first17 = f"{rng.choice(AREAS)}{born}{(i + offset) % 1000:03d}"
        out.append(first17 + id_check_digit(first17))
    return out


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


def _contract(
    c: Container, partner: Any, key: PrivateKey, product: str, mode: str, purpose: str, **kw: Any
) -> str:
    officer, ethics = c.identity.resolve("officer"), c.identity.resolve("ethics")
    now = c.clock.now_us()
    terms = {
        "purpose": purpose,
        "access_mode": mode,
        "valid_from_us": now,
        "valid_to_us": now + 30 * DAY_US,
        "max_uses": 10_000,
        "min_cohort": 20,
    } | kw
    ct = c.contracts.request(partner, product, terms)
    ct = c.contracts.approve(officer, ct.id)
    if ct.needs_ethics:
        ct = c.contracts.approve_ethics(ethics, ct.id)
    c.contracts.sign(partner, ct.id, key.sign(ct.canonical()).hex())
    c.anchoring.deliver()
    return ct.id


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    rng = random.Random(18)
    root = Path(tempfile.mkdtemp(prefix="insurer-bench-"))
    n = args.patients
    patient_ids = _ids(n, rng, 0)
    table = pd.DataFrame(
        {
            "patient_id": [f"p{i:07d}" for i in range(n)],
            "id_card": patient_ids,
            "sex": [rng.choice(["male", "female"]) for _ in range(n)],
            "district_code": [rng.choice(AREAS) for _ in range(n)],
            "charge": [round(rng.lognormvariate(7, 0.8), 2) for _ in range(n)],
        }
    )
    table.to_csv(root / "patients.csv", index=False)
    c = _node(root / "node")
    from connectors.registry import open_source

    c.identity.register("bench", "officer", ["data_officer"], "数据管理办公室")
    c.identity.register("bench", "ethics", ["ethics_reviewer"], "伦理委员会")
    key = PrivateKey.generate()
    insurer = c.identity.register("bench", "insurer", ["insurer"], "某保险", key.public_key().to_hex())
    officer = c.identity.resolve("officer")
    asset = c.assets.import_source("bench", open_source("csv", str(root / "patients.csv"))).assets[0]
    products = {}
    query_template = {
        "purposes": ["actuarial_statistics"],
        "epsilon": 1000.0,
        "max_uses": 10_000,
        "dimensions": ["sex", "district_code"],
        "measures": {"charge": [0, 20000]},
    }
    for name, mode, template in (
        ("psi", "psi", {"purposes": ["claims_verification"], "max_members": 200_000, "max_uses": 10_000}),
        ("query", "aggregate_query", query_template),
    ):
        p = c.products.create(officer.id, f"bench-{name}", [asset.id], mode, ["insurer"], template)
        c.products.set_status(officer.id, p.id, ProductStatus.PUBLISHED)
        products[name] = p.id
    psi_ct = _contract(c, insurer, key, products["psi"], "psi", "claims_verification")
    q_ct = _contract(
        c, insurer, key, products["query"], "aggregate_query", "actuarial_statistics", epsilon=1000.0
    )
    token = c.identity.issue_token("bench", insurer.id).secret

    # the insurer's list: half of the hospital's patients, half other people
    members = patient_ids[: n // 2] + _ids(n - n // 2, rng, 500)
    rng.shuffle(members)
    t = time.perf_counter()
    mine, theirs = set(parse_members(members)), {f"id:{x}" for x in patient_ids}
    joined = len(mine & theirs)
    join_s = time.perf_counter() - t

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(c), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        client = InsurerClient(PartnerClient(f"http://127.0.0.1:{port}", token, timeout_s=600))
        t, p = time.perf_counter(), time.process_time()
        result = client.psi(psi_ct, members)
        psi_s, psi_cpu = time.perf_counter() - t, time.process_time() - p
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    query = Query.parse(
        ["count", "mean:charge", "quantile:charge:0.5"], ["sex", "district_code"], epsilon=0.5
    )
    lat, cpu = [], []
    for _ in range(args.runs):
        t, p = time.perf_counter(), time.process_time()
        out = c.queries.run(insurer, q_ct, query)
        lat.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - p) * 1000)
    base = []
    for _ in range(args.runs):
        t = time.perf_counter()
        g = table.groupby(["sex", "district_code"])["charge"]
        g.agg(["count", "mean", "median"])
        base.append((time.perf_counter() - t) * 1000)
    c.close()
    print(
        json.dumps(
            {
                "load_average_1m": round(os.getloadavg()[0], 1),
                "psi": {
                    "members": len(members),
                    "patients": n,
                    "matched": len(result["matched"]),
                    "expected": joined,
                    "end_to_end_s": round(psi_s, 2),
                    "cpu_s_both_sides": round(psi_cpu, 2),
                    "baseline_plain_hash_join_s": round(join_s, 3),
                    "target_s": 60,
                },
                "aggregate_query": {
                    "rows": n,
                    "cells": len(out["cells"]),
                    "p50_ms": round(statistics.median(lat), 1),
                    "p95_ms": round(sorted(lat)[int(0.95 * (len(lat) - 1))], 1),
                    "cpu_p50_ms": round(statistics.median(cpu), 1),
                    "baseline_pandas_groupby_p50_ms": round(statistics.median(base), 1),
                    "target_p50_ms": 100,
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
