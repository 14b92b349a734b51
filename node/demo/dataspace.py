"""Demo steps of the data space: three hospital nodes join the regional registry and register their
catalogs; a research institute, with nothing but the light partner client (``hnode-partner``, its own
process and distribution), finds the diabetes products across them, signs in to each hospital with its
key, negotiates over the Dataspace Protocol, checks each node's signature against the region's key and
signs; each hospital's officer decides on its own contract."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from node.asset_registry.model import ProductStatus
from node.bootstrap import Container
from node.crypto.sm import PrivateKey
from node.dataspace.registration import adopt_partners
from node.demo.common import step
from node.demo.he import peer_node
from region.api import create_region_app
from region.service import RegionService
from region.store import open_engine

PRODUCT = "糖尿病队列检验统计（HbA1c）"
PARTNER_CLIENT = Path(__file__).resolve().parents[2] / "partner_client"


@contextlib.contextmanager
def _served(app: FastAPI) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start within 10 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _offer(c: Container) -> None:
    """Each hospital publishes its diabetes cohort statistics (labs and diagnoses, aggregate queries)."""
    officer = c.identity.resolve("officer-li")
    tables = {a.table: a for a in sorted(c.assets.search(), key=lambda a: a.connector == "csv")}
    p = c.products.create(
        officer.id,
        PRODUCT,
        [tables["observations"].id, tables["conditions"].id],
        "aggregate_query",
        ["researcher"],
        {"purposes": ["clinical_research"], "min_cohort": 20, "max_uses": 200},
        description="2型糖尿病（E11）患者的检验指标聚合统计",
    )
    c.products.set_status(officer.id, p.id, ProductStatus.PUBLISHED)


def _ours(c: Container) -> set[str]:
    return {p.id for p in c.products.visible(None) if p.name == PRODUCT}


def _partner(env: dict[str, str], *args: str) -> Any:
    """Run the partner's own tool, as the institute would (a separate process and distribution)."""
    r = subprocess.run(  # noqa: S603 - our own interpreter and module, arguments built here
        [sys.executable, "-m", "hnode_partner.cli", "--json", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if r.returncode != 0:
        raise RuntimeError(f"hnode-partner {args[0]} failed: {r.stderr[-500:]}")
    return json.loads(r.stdout)


def dataspace_steps(
    c: Container, serve: Any, keys: dict[str, PrivateKey], samples: Path, root: Path, passphrase: SecretStr,
    first_step: int,
) -> None:  # fmt: skip
    step(first_step, "Three hospitals join the regional registry and register their catalogs (signed)")
    region = RegionService(open_engine(f"sqlite:///{root / 'region.db'}"), c.clock, c.chain)
    operator = {"Authorization": f"Bearer {region.issue_token('operator', 'region operator')}"}
    reader = region.issue_token("reader", "cq-research")
    with (
        peer_node(root / "ds-h2", "h2", samples / "h2", keys["cq-research"]) as h2,
        peer_node(root / "ds-h3", "h3", samples / "h3", keys["cq-research"]) as h3,
        _served(create_region_app(region)) as region_url,
        serve(c) as base1,
        serve(h2.node) as base2,
        serve(h3.node) as base3,
        httpx.Client(base_url=region_url, timeout=30) as http,
    ):
        nodes = {"500000-0001": (c, base1), "500000-0002": (h2.node, base2), "500000-0003": (h3.node, base3)}
        for code, (node, base) in nodes.items():
            _offer(node)
            invitation = region.invite("region operator", code, 3600)["invitation"]
            http.post(
                "/v1/nodes/join", json=node.region.join_request(code, f"{base}/dsp/2025-1", invitation)
            ).raise_for_status()
            approved = http.post(f"/v1/nodes/{code}/approve", headers=operator).json()
            push = http.post("/v1/catalog", json=node.region.catalog_push(code))
            push.raise_for_status()
            pushed = push.json()
            print(
                f"   {code} {node.settings.name:<14} key digest on chain tx {approved['anchor_tx'][:18]}...; "
                f"catalog v{pushed['version'] % 10**6} with {pushed['entries']} products"
            )
        partner = {
            "name": "cq-research",
            "organization": "某医学研究院",
            "roles": ["researcher"],
            "public_key": keys["cq-research"].public_key().to_hex(),
        }
        http.post("/v1/partners", json=partner, headers=operator).raise_for_status()
        listed = http.get("/v1/partners", headers=operator).json()
        for node, _ in nodes.values():
            adopt_partners(node.identity, "cli:region-sync", listed)
        data_map = http.get("/v1/map", headers=operator).json()
        print(f"   registered with the region: {len(data_map['hospitals'])} hospitals; data map:")
        for h in data_map["hospitals"]:
            print(f"     {h['code']} products by mode {h['products_by_mode']}, levels {h['categories']}")

        step(
            first_step + 1,
            "A research institute finds the diabetes products and negotiates over DSP with all three",
        )
        env = {
            **os.environ,
            "PYTHONPATH": str(PARTNER_CLIENT),
            "PARTNER_KEY_PASSPHRASE": passphrase.get_secret_value(),
        }
        pem = str(root / "partners" / "cq-research.pem")
        state = str(root / "negotiations.json")
        common = ["--region", region_url, "--token", reader]
        found = _partner(env, *common, "search", "--text", "糖尿病", "--mode", "aggregate_query")
        print(
            f"   hnode-partner search --text 糖尿病: {len(found)} products "
            f"at {len({e['node'] for e in found})} hospitals"
        )
        who = ["--name", "cq-research", "--key", pem, "--state", state]
        started = _partner(
            env,
            *common,
            "negotiate",
            *who,
            "--purpose",
            "clinical_research",
            "--text",
            "糖尿病",
            "--mode",
            "aggregate_query",
        )
        for n in started:
            print(
                f"   {n['node']:<15} {n['title']}: DSP {n['state']} (providerPid {n['provider_pid'][:17]}...)"
            )
        for node, _ in nodes.values():  # each hospital decides its own contract (level 4: and ethics)
            officer, ethics = node.identity.resolve("officer-li"), node.identity.resolve("ethics-wang")
            for ct in node.contracts.list_for(officer):
                if ct.state.name == "PENDING_APPROVAL" and ct.product_id in _ours(node):
                    ct = node.contracts.approve(officer, ct.id)
                    if ct.state.name == "PENDING_ETHICS":
                        node.contracts.approve_ethics(ethics, ct.id)
        signed = _partner(env, *common, "sign", *who, "--purpose", "clinical_research")
        for n in (n for n in signed if n["contract_id"]):
            print(
                f"   {n['node']:<15} node signature checked against the region's key; "
                f"signed {n['contract_id']} -> {n['state']}"
            )
        for node, _ in nodes.values():
            node.anchoring.deliver()
        final = _partner(env, *common, "status", *who)
        states = ", ".join(f"{n['node']} {n['state']}" for n in final)
        print(f"   after anchoring: {states}")
