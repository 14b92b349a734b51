"""Contracts: policy decision latency, metered decisions over HTTP on PostgreSQL, audit anchoring.

Targets (issue 5):
- usage decision through the embedded engine: p50 <= 0.5 ms, p99 <= 2 ms with 1,000 active contracts;
- end to end through HTTP with PostgreSQL: >= 300 metered usage decisions/s;
- 10,000 audit entries anchored with one transaction; an inclusion proof verifies in < 1 ms.

Baselines measured in the same run: the same checks written in plain Python, and a constant Rego
decision (rego-cpp's fixed cost per query); GET /health on the same server (the HTTP ceiling);
anchoring one single digest.

The HTTP load comes from wrk where it is installed (`apt-get install wrk`), else from a separate
Python process (asyncio + httpx, which itself needs most of a core), keep-alive, CONCURRENCY
connections, against `hnode serve` (one uvicorn process). Uses a temporary database on 127.0.0.1:5432.
Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from regopy import Interpreter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test world builder lives in tests/

from node.adapters.db.migrate import upgrade
from node.adapters.policy.bundle import PolicyBundle
from node.adapters.policy.regopy_engine import RegopyEngine
from node.audit.model import AuditEvent, merkle_proof, verify_merkle_proof
from tests.conftest import PASSPHRASE, make_container
from tests.contract_world import build_world

ADMIN = os.environ.get("HNODE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CONTRACTS = 1000
DECISIONS = 5000
HTTP_SECONDS = float(os.environ.get("HNODE_BENCH_HTTP_SECONDS", "10"))
CONCURRENCY = 16
MANY = 16  # contracts the load is spread over (one partner's here; many partners' in production)
AUDIT_N = 10_000
DAY = 86_400_000_000


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))]


def _contract(i: int, now: int) -> dict[str, Any]:
    return {
        "id": f"ct_{i:05d}",
        "partner_id": f"pr_{i % 40:03d}",
        "state": "ACTIVE",
        "valid_from_us": now - DAY,
        "valid_to_us": now + 30 * DAY,
        "purpose": "actuarial_statistics",
        "access_mode": "aggregate_query",
        "uses": i % 9,
        "max_uses": 10,
        "epsilon": 1.0,
        "epsilon_spent": (i % 5) * 0.1,
        "min_cohort": 20,
        "product_id": f"pd_{i % 25:03d}",
        "asset_ids": [f"as_{i % 25:03d}a", f"as_{i % 25:03d}b"],
    }


def _product(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": c["product_id"],
        "status": "published",
        "access_mode": "aggregate_query",
        "asset_ids": c["asset_ids"],
    }


def _python_checks(doc: dict[str, Any]) -> bool:
    c, r = doc["contract"], doc["request"]
    return (
        c["state"] == "ACTIVE"
        and doc["principal"]["id"] == c["partner_id"]
        and c["valid_from_us"] <= doc["now_us"] < c["valid_to_us"]
        and r["purpose"] == c["purpose"]
        and r["access_mode"] == c["access_mode"]
        and c["uses"] < c["max_uses"]
        and r["epsilon"] >= 0
        and c["epsilon_spent"] + r["epsilon"] <= c["epsilon"]
        and (r["cohort_size"] is None or r["cohort_size"] >= c["min_cohort"])
        and doc["product"]["id"] == c["product_id"]
        and doc["product"]["status"] == "published"
        and doc["product"]["access_mode"] == c["access_mode"]
        and 0 < len(doc["product"]["asset_ids"])
        and set(doc["product"]["asset_ids"]) <= set(c["asset_ids"])
    )


def decision_latency() -> dict[str, Any]:
    now = time.time_ns() // 1000
    contracts = [_contract(i, now) for i in range(CONTRACTS)]
    rng = random.Random(5)
    docs = []
    for _ in range(DECISIONS):
        c = rng.choice(contracts)
        docs.append(
            {
                "principal": {"id": c["partner_id"], "roles": ["insurer"]},
                "contract": c,
                "product": _product(c),
                "request": {
                    "purpose": "actuarial_statistics",
                    "access_mode": "aggregate_query",
                    "epsilon": 0.1,
                    "cohort_size": 100,
                    "consent": None,
                },
                "now_us": now,
            }
        )
    engine = RegopyEngine(PolicyBundle.load())
    for d in docs[:200]:
        engine.decide("usage", d)
    lat, allowed = [], 0
    for d in docs:
        t = time.perf_counter()
        allowed += engine.decide("usage", d).allow
        lat.append((time.perf_counter() - t) * 1000)
    py = []
    for d in docs:
        t = time.perf_counter()
        _python_checks(d)
        py.append((time.perf_counter() - t) * 1000)
    rego = Interpreter()
    rego.add_module("c.rego", 'package c\nimport rego.v1\ndecision := {"allow": true, "reasons": []}\n')
    bundle = rego.build(None, ["c/decision"])
    const = []
    for d in docs:
        t = time.perf_counter()
        rego.set_input(d)
        str(rego.query_bundle_entrypoint(bundle, "c/decision"))
        const.append((time.perf_counter() - t) * 1000)
    return {
        "active_contracts": CONTRACTS,
        "decisions": DECISIONS,
        "allowed": allowed,
        "usage_decision_p50_ms": round(pct(lat, 0.5), 4),
        "usage_decision_p99_ms": round(pct(lat, 0.99), 4),
        "baseline_python_checks_p50_ms": round(pct(py, 0.5), 5),
        "baseline_constant_rego_p50_ms": round(pct(const, 0.5), 4),
        "baseline_constant_rego_p99_ms": round(pct(const, 0.99), 4),
    }


async def _load(
    url: str, paths: list[str], headers: dict[str, str], body: dict[str, Any] | None
) -> dict[str, Any]:
    ok = denied = errors = 0
    latencies: list[float] = []
    deadline = time.monotonic() + HTTP_SECONDS
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as client:

        async def worker(n: int) -> None:
            nonlocal ok, denied, errors
            i = n
            while time.monotonic() < deadline:
                path = paths[i % len(paths)]
                i += CONCURRENCY
                t = time.perf_counter()
                r = await (client.post(path, json=body) if body is not None else client.get(path))
                latencies.append(time.perf_counter() - t)
                if r.status_code == 200:
                    ok += 1
                elif r.status_code == 403:
                    denied += 1
                else:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))
        elapsed = time.perf_counter() - start
    return {
        "per_second": round(ok / elapsed, 1),
        "ok": ok,
        "denied": denied,
        "errors": errors,
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(pct(latencies, 0.99) * 1000, 2),
    }


def load_client() -> None:
    """Run in a separate process: ``python contracts_bench.py --load URL PATH[,PATH...] TOKEN BODY``."""
    url, paths, token, body = sys.argv[2:6]
    headers = {"Authorization": f"Bearer {token}"} if token != "-" else {}
    loaded = json.loads(body) if body != "-" else None
    print(json.dumps(asyncio.run(_load(url, paths.split(","), headers, loaded))))


WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local body = %(body)s
local i = 0
request = function()
  i = i + 1
  return wrk.format(body and "POST" or "GET", paths[(i %% #paths) + 1], headers, body)
end
"""


def _lua(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for these values


def _run_wrk(url: str, paths: list[str], token: str, body: dict[str, Any] | None) -> dict[str, Any]:
    """The same load through wrk (C, one thread, CONCURRENCY connections): it leaves the server the CPU
    the Python load tool would take on a 2-core machine."""
    headers = {"Content-Type": "application/json"} | (
        {"Authorization": f"Bearer {token}"} if token != "-" else {}
    )
    script = WRK_SCRIPT % {
        "paths": ", ".join(_lua(p) for p in paths),
        "headers": ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in headers.items()),
        "body": _lua(json.dumps(body)) if body is not None else "nil",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{int(HTTP_SECONDS)}s", "--latency", "-s", f.name, url],
            capture_output=True,
            text=True,
            check=True,
            timeout=HTTP_SECONDS * 3 + 60,
        ).stdout
    finally:
        os.unlink(f.name)
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    return {
        "per_second": round(
            float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)) * (total - errors) / total, 1
        ),  # type: ignore[union-attr]
        "ok": total - errors,
        "errors": errors,
        "p50_ms": _wrk_ms(out, "50%"),
        "p99_ms": _wrk_ms(out, "99%"),
    }


def _wrk_ms(out: str, label: str) -> float:
    m = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)\b", out)
    if m is None:
        raise RuntimeError(f"wrk printed no {label} latency")
    return round(float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)], 2)


def _run_load(url: str, paths: list[str], token: str, body: dict[str, Any] | None) -> dict[str, Any]:
    if shutil.which("wrk"):
        return _run_wrk(url, paths, token, body)
    encoded = json.dumps(body) if body is not None else "-"
    out = subprocess.run(
        [sys.executable, __file__, "--load", url, ",".join(paths), token, encoded],
        capture_output=True,
        text=True,
        check=True,
        timeout=HTTP_SECONDS * 3 + 60,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def http_and_anchoring(url: str, data: Path) -> dict[str, Any]:
    from tests.chain_support import free_port

    upgrade(url)
    c = make_container(url, data / "node")
    w = build_world(c, data / "samples")
    terms = w.terms("aggregate_query", "actuarial_statistics", max_uses=1_000_000)
    many = [w.active(w.insurer, w.insurer_key, "aggregate", terms) for _ in range(MANY)]
    ct = many[0]
    token = c.identity.issue_token("bench", w.insurer.id).secret
    results: dict[str, Any] = {}

    # audit anchoring: fill to 10,000 entries, one Merkle root, one transaction
    have = c.audit.recent(1)[0].seq
    for i in range(0, AUDIT_N - have, 500):
        c.audit.record_now(
            *[AuditEvent("bench", "bench.fill", "x", str(i + j)) for j in range(min(500, AUDIT_N - have - i))]
        )
    t = time.perf_counter()
    single = c.anchoring.enqueue("model", "bench-single", secrets.token_hex(32))
    one = c.anchoring.deliver()
    single_s = time.perf_counter() - t
    t = time.perf_counter()
    batch, report = c.anchoring.anchor_audit()
    batch_s = time.perf_counter() - t
    assert batch is not None and len(report.delivered) == 1 and single.digest == one.delivered[0].digest
    proof = c.anchoring.prove(batch.last_seq // 3)
    with c.uow() as uow:
        hashes = [e.entry_hash for e in uow.audit.iter_entries(batch.first_seq, batch.last_seq)]
    assert proof.path == merkle_proof(hashes, proof.index)
    n = 2000
    t = time.perf_counter()
    for _ in range(n):
        verify_merkle_proof(proof.entry_hash, proof.path, proof.merkle_root)
    verify_ms = (time.perf_counter() - t) / n * 1000
    results |= {
        "audit_entries_anchored": batch.last_seq - batch.first_seq + 1,
        "audit_anchor_transactions": len(report.delivered),
        "audit_anchor_seconds": round(batch_s, 3),
        "baseline_single_anchor_seconds": round(single_s, 3),
        "proof_steps": len(proof.path),
        "proof_verify_ms": round(verify_ms, 4),
        "proof_on_chain": c.anchoring.check_proof(proof),
    }
    c.close()

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NODE_")} | {
        "NODE_DATA_DIR": str(data / "node"),
        "NODE_DATABASE_URL": url,
        "NODE_KEY_PASSPHRASE": PASSPHRASE.get_secret_value(),
        "NODE_LISTEN_PORT": str(port),
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "hnode"), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
        body = {"purpose": "actuarial_statistics", "epsilon": 0.0, "cohort_size": 100, "ref": "bench"}
        one = [f"/v1/contracts/{ct.id}/uses"]
        results["http_metered_decisions_one_contract"] = _run_load(base, one, token, body)
        paths = [f"/v1/contracts/{x.id}/uses" for x in many]
        results[f"http_metered_decisions_{MANY}_contracts"] = _run_load(base, paths, token, body)
        results["baseline_http_health"] = _run_load(base, ["/health"], "-", None)
    finally:
        server.terminate()
        server.wait(timeout=10)
    results["http_settings"] = {
        "load_tool": (
            "wrk -t1 (Lua script, keep-alive)"
            if shutil.which("wrk")
            else "benchmarks/contracts_bench.py --load (asyncio + httpx, separate process)"
        ),
        "connections": CONCURRENCY,
        "seconds": HTTP_SECONDS,
        "server": "hnode serve (one uvicorn process), PostgreSQL 15 on loopback",
    }
    return results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--load":
        load_client()
        return
    result: dict[str, Any] = {"decision": decision_latency()}
    db = f"hnode_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    url = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{db}"
    try:
        result |= http_and_anchoring(url, Path(tempfile.mkdtemp()))
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
