"""Data space: federated catalog search across 20 nodes, registering 1,000 catalog entries, and a
Dataspace Protocol negotiation to AGREED.

Targets (issue 22): search across 20 nodes p50 < 200 ms (the registry served by uvicorn over real HTTP,
20 nodes with their own SM2 keys having joined, been approved and pushed 50 entries each); registering
1,000 entries < 5 s (one signed push: client signing, HTTP, verification, insert); negotiation to AGREED
< 1 s of node time (ContractRequestMessage, scripted officer approval, GET -> AGREED, in-process ASGI).
Baselines in the same run: GET /health over the same HTTP; a 10-entry push; the REST request + approve
of the same contract. Prints one JSON object.
"""

from __future__ import annotations

import json
import secrets
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr

from connectors.registry import open_source
from connectors.samples import write_sample_files
from node.adapters.db.migrate import upgrade
from node.adapters.node_key import create_node_key
from node.api.app import create_app
from node.asset_registry.model import ProductStatus
from node.bootstrap import build_container
from node.config import load_settings
from node.contracts.model import DAY_US
from node.crypto.sm import PrivateKey
from node.ports import AnchorReceipt, SystemClock
from region.api import create_region_app
from region.service import RegionService, sign_payload
from region.store import open_engine

NODES, PER_NODE, SEARCHES, NEGOTIATIONS = 20, 50, 200, 20
WORDS = ["糖尿病", "高血压", "肿瘤", "心衰", "慢阻肺", "脑卒中", "肾病", "妊娠"]


class _Ledger:
    """Stands in for the chain during the registry benchmark (anchoring is not what is measured)."""

    def anchor(self, digest: str, kind: str, ref: str) -> AnchorReceipt:
        return AnchorReceipt(digest, kind, ref, "0x" + "00" * 32, 1, 0, "0x" + "00" * 20, 1, "0x" + "00" * 20)


def _entries(node: int, n: int) -> list[dict[str, Any]]:
    modes = ["aggregate_query", "he_query", "federated_training", "anonymized_extract"]
    return [
        {
            "dataset_id": f"urn:hnode:h{node}:product:pd_{i:04d}",
            "title": f"{WORDS[(node + i) % len(WORDS)]}专病数据产品 {i}",
            "description": "聚合统计与联邦建模",
            "category": ["health_status", "medical_application"][i % 2],
            "level": 2 + i % 3,
            "access_mode": modes[i % 4],
            "scenarios": ["慢病管理"] if i % 3 else ["科研"],
            "update_frequency": "daily",
        }
        for i in range(n)
    ]


def _serve(app: Any) -> tuple[str, uvicorn.Server, threading.Thread]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def _p50(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def region_bench(tmp: Path) -> dict[str, Any]:
    service = RegionService(open_engine(f"sqlite:///{tmp / 'region.db'}"), SystemClock(), lambda: _Ledger())  # type: ignore[arg-type,return-value]
    operator = {"Authorization": f"Bearer {service.issue_token('operator', 'op')}"}
    reader = {"Authorization": f"Bearer {service.issue_token('reader', 'r')}"}
    url, server, thread = _serve(create_region_app(service))
    out: dict[str, Any] = {}
    with httpx.Client(base_url=url, timeout=60) as http:
        keys = {}
        for n in range(NODES):
            code, key = f"500000-{n:04d}", PrivateKey.generate()
            keys[code] = key
            join = {
                "type": "join",
                "hospital": f"医院{n}",
                "institution_code": code,
                "dsp_endpoint": f"https://h{n}.example",
                "public_key": key.public_key().to_hex(),
                "invitation": service.invite("op", code, 3600)["invitation"],
            }
            http.post("/v1/nodes/join", json=sign_payload(join, key.sign)).raise_for_status()
            http.post(f"/v1/nodes/{code}/approve", headers=operator).raise_for_status()

        def push(code: str, version: int, entries: list[dict[str, Any]]) -> float:
            t0 = time.perf_counter()
            body = sign_payload(
                {"type": "catalog", "node": code, "version": version, "entries": entries}, keys[code].sign
            )
            http.post("/v1/catalog", json=body).raise_for_status()
            return time.perf_counter() - t0

        big = "500000-0000"  # one hospital registers 1,000 entries; the others 50 each
        out["register_10_entries_s"] = round(push(big, 1, _entries(0, 10)), 3)
        out["register_1000_entries_s"] = round(push(big, 2, _entries(0, 1000)), 3)
        for n in range(1, NODES):
            push(f"500000-{n:04d}", 1, _entries(n, PER_NODE))
        health, search = [], []
        for i in range(SEARCHES):
            t0 = time.perf_counter()
            http.get("/health").raise_for_status()
            health.append(time.perf_counter() - t0)
            params: dict[str, Any] = {"text": WORDS[i % len(WORDS)]}
            if i % 2:
                params |= {"access_mode": "federated_training", "scenario": "慢病管理"}
            t0 = time.perf_counter()
            r = http.get("/v1/catalog/search", params=params, headers=reader)
            r.raise_for_status()
            search.append(time.perf_counter() - t0)
        found = len(http.get("/v1/catalog/search", params={"text": "糖尿病"}, headers=reader).json())
    server.should_exit = True
    thread.join(timeout=10)
    out |= {
        "nodes": NODES,
        "entries_searched": (NODES - 1) * PER_NODE + 1000,
        "search_p50_ms": _p50(search),
        "search_p95_ms": round(sorted(search)[int(0.95 * len(search))] * 1000, 2),
        "health_p50_ms_baseline": _p50(health),
        "diabetes_hits": found,
    }
    return out


def negotiation_bench(tmp: Path) -> dict[str, Any]:
    pw = SecretStr(secrets.token_urlsafe(16))
    settings = load_settings(data_dir=tmp / "node", key_passphrase=pw, database_url="")
    upgrade(settings.database_url)
    create_node_key(settings.node_key_path, pw)
    c = build_container(settings)
    write_sample_files(tmp / "samples", 150, seed=5)
    officer = c.identity.register("bench", "officer", ["data_officer"], "数据管理办公室")
    key = PrivateKey.generate()
    researcher = c.identity.register(
        "bench", "institute", ["researcher"], "研究院", key.public_key().to_hex()
    )
    assets = {
        a.table: a
        for a in c.assets.import_source("bench", open_source("csv", str(tmp / "samples" / "csv"))).assets
    }
    product = c.products.create(
        officer.id, "bench", [assets["encounters"].id], "aggregate_query", ["researcher"], {"max_uses": 10**6}
    )
    c.products.set_status(officer.id, product.id, ProductStatus.PUBLISHED)
    http = TestClient(create_app(c))
    auth = {"Authorization": f"Bearer {c.identity.issue_token('bench', researcher.id).secret}"}
    dataset = f"urn:hnode:{settings.name}:product:{product.id}"
    dsp, rest = [], []
    for i in range(NEGOTIATIONS + 2):
        purpose = {"leftOperand": "purpose", "operator": "eq", "rightOperand": "clinical_research"}
        offer = {
            "@id": f"urn:hnode:{settings.name}:offer:{product.id}",
            "@type": "Offer",
            "target": dataset,
            "permission": [{"action": "use", "constraint": [purpose]}],
        }
        message = {
            "@context": ["https://w3id.org/dspace/2025/1/context.jsonld"],
            "@type": "ContractRequestMessage",
            "consumerPid": f"urn:uuid:bench-{i}",
            "callbackAddress": "https://institute.example/cb",
            "offer": offer,
        }
        t0 = time.perf_counter()
        neg = http.post("/dsp/2025-1/negotiations/request", json=message, headers=auth).json()
        # the officer's approval, scripted
        ct = next(x for x in c.contracts.list_for(researcher) if x.state.name == "PENDING_APPROVAL")
        c.contracts.approve(officer, ct.id)
        state = http.get(f"/dsp/2025-1/negotiations/{neg['providerPid']}", headers=auth).json()["state"]
        elapsed = time.perf_counter() - t0
        assert state == "AGREED", state
        now = c.clock.now_us()
        terms = {
            "purpose": "clinical_research",
            "access_mode": "aggregate_query",
            "valid_from_us": now,
            "valid_to_us": now + 30 * DAY_US,
            "max_uses": 10,
            "epsilon": 1.0,
            "min_cohort": 10,
        }
        t1 = time.perf_counter()
        ct2 = http.post("/v1/contracts", json={"product_id": product.id, "terms": terms}, headers=auth).json()
        c.contracts.approve(officer, ct2["id"])
        rest_elapsed = time.perf_counter() - t1
        if i >= 2:  # the first two warm caches
            dsp.append(elapsed)
            rest.append(rest_elapsed)
    c.close()
    return {
        "negotiations": NEGOTIATIONS,
        "dsp_to_agreed_p50_ms": _p50(dsp),
        "dsp_to_agreed_max_ms": round(max(dsp) * 1000, 2),
        "rest_request_approve_p50_ms_baseline": _p50(rest),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        region = region_bench(Path(tmp))
        negotiation = negotiation_bench(Path(tmp))
    result = {
        "region": region,
        "negotiation": negotiation,
        "targets": {
            "search_p50_under_200ms": region["search_p50_ms"] < 200,
            "register_1000_under_5s": region["register_1000_entries_s"] < 5,
            "negotiation_to_agreed_under_1s": negotiation["dsp_to_agreed_max_ms"] < 1000,
        },
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
