"""First page load of the officer console on loopback (issue 19: < 1 s), in headless Chromium.

A fresh SQLite node with the sample world (5 assets, 5 products, a pending contract) is served by
uvicorn on 127.0.0.1; each run opens a new browser context (empty cache) and loads /console/ until the
login form is visible, then signs in and waits until the 待办 page shows its first pending contract.
Warm runs reload in the same context. Baseline, same run: the same browser loading the node's
/health JSON (what a page costs with nothing to parse or render). Prints one JSON object.

Needs the built console (make console) and Debian's chromium (make browser).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from node.api.app import create_app  # noqa: E402
from tests.chain_support import free_port  # noqa: E402
from tests.conftest import make_container  # noqa: E402
from tests.contract_world import build_world  # noqa: E402

RUNS = 7
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="console-bench-"))
    url = f"sqlite:///{tmp / 'node.db'}"
    from node.adapters.db.migrate import upgrade

    upgrade(url)
    c = make_container(url, tmp / "node")
    w = build_world(c, tmp / "samples")
    c.contracts.request(
        w.insurer, w.products["aggregate"], w.terms("aggregate_query", "actuarial_statistics")
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(c), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    cold, warm, login, health, nav = [], [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for i in range(RUNS):
            ctx = browser.new_context(viewport={"width": 1440, "height": 900})
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(base + "/health")
            health.append(_ms(t0))
            t0 = time.perf_counter()
            page.goto(base + "/console/")
            page.get_by_label("员工令牌").wait_for()
            cold.append(_ms(t0))
            timing: dict[str, Any] = page.evaluate(
                "() => performance.getEntriesByType('navigation')[0].toJSON()"
            )
            nav.append(timing["loadEventEnd"])
            t0 = time.perf_counter()
            page.reload()
            page.get_by_label("员工令牌").wait_for()
            warm.append(_ms(t0))
            token = c.identity.issue_token("bench", w.officer.id, ttl_hours=1, label=f"bench {i}").secret
            t0 = time.perf_counter()
            page.get_by_label("员工令牌").fill(token)
            page.get_by_role("button", name="登录").click()
            page.locator("[data-contract]").first.wait_for()
            login.append(_ms(t0))
            ctx.close()
        browser.close()
    server.should_exit = True
    dist = ROOT / "console" / "dist" / "assets"
    out = {
        "benchmark": "console_first_load",
        "runs": RUNS,
        "baseline_health_json_ms": statistics.median(health),
        "first_load_cold_cache_ms": statistics.median(cold),
        "first_load_cold_cache_max_ms": max(cold),
        "navigation_load_event_ms": round(statistics.median(nav), 1),
        "reload_warm_cache_ms": statistics.median(warm),
        "sign_in_to_pending_page_ms": statistics.median(login),
        "bundle_bytes_initial": sum(f.stat().st_size for f in dist.glob("index-*")),
        "target_first_load_ms": 1000,
        "pass": max(cold) < 1000,
    }
    print(json.dumps(out, indent=1))
    c.close()


if __name__ == "__main__":
    main()
