"""The console's lists at scale (issue 19: 10,000 contracts stay fast to list and search).

A fresh node with the sample world and 10,000 contracts (copies of one real request, inserted through
the repository in one transaction), 5,000 assets in 1,000 imports, 10,000 HE queries and 10,000
consents (copies likewise) on SQLite, or on PostgreSQL with ``--postgres`` (a scratch database on
127.0.0.1:5432, dropped afterwards). Each console endpoint is timed through the real app (median of 5
after a warm-up). Baselines, same run: what the pages cost before they were paged in SQL, i.e. loading
every contract visible to the officer (``ContractService.list_for``) and every asset (what each assets
and imports page loaded). Prints one JSON object.
"""

from __future__ import annotations

import json
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from node.adapters.db.migrate import upgrade  # noqa: E402
from node.api.app import create_app  # noqa: E402
from node.asset_registry.model import Asset  # noqa: E402
from node.consent.model import Channel, Consent  # noqa: E402
from node.contracts.model import Contract  # noqa: E402
from node.contracts.ports import UsageRecord  # noqa: E402
from tests.conftest import _pg_admin, _sqlalchemy_url, make_container  # noqa: E402
from tests.contract_world import build_world  # noqa: E402

CONTRACTS = 10_000
ASSETS = 5_000  # 5 per import
HE_QUERIES = 10_000
CONSENTS = 10_000
PATHS = [
    "/v1/console/contracts?limit=20",
    "/v1/console/contracts?limit=20&offset=9980",
    "/v1/console/contracts?limit=20&q=insurer",
    "/v1/console/contracts?limit=20&q=ct_ab",
    "/v1/console/contracts?limit=20&state=PENDING_APPROVAL",
    "/v1/console/pending?limit=10",
    "/v1/console/map",
    "/v1/console/audit?limit=20",
    "/v1/console/assets?limit=20",
    "/v1/console/assets?limit=20&offset=4980",
    "/v1/console/assets?limit=20&text=patient",
    "/v1/console/imports?limit=20",
    "/v1/console/imports?limit=20&offset=980",
    "/v1/console/he-queries?limit=20",
    "/v1/console/he-queries?limit=20&offset=9980",
    "/v1/console/consents?limit=20&state=in_force",
    "/v1/console/consents?limit=20&offset=9980",
]


def _median_ms(fn: object, runs: int = 5) -> float:
    assert callable(fn)
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def _copies(uow: Any, assets: list[Asset], contract: Contract) -> None:
    """Assets (5 per import), HE queries and consents, copied from the world's."""
    for i in range(ASSETS // len(assets)):
        import_id = "im_" + secrets.token_hex(8)
        for a in assets:
            at = a.created_at_us + i + 1
            uow.assets.add(replace(a, id="as_" + secrets.token_hex(8), import_id=import_id, created_at_us=at))
    uow.contracts.add_usages(
        [
            UsageRecord(
                "us_" + secrets.token_hex(8),
                contract.id,
                contract.partner_id,
                "he_query",
                "p",
                0.1,
                40,
                "q",
                i,
            )
            for i in range(HE_QUERIES)
        ]
    )
    for i in range(CONSENTS):
        uow.consents.add(
            Consent(
                "cs_" + secrets.token_hex(8),
                f"P{i:06d}",
                contract.partner_id,
                "claims_verification",
                0,
                2**61,
                Channel.KIOSK,
                f"k-{i}",
                "bench",
                i,
            )
        )


def main() -> None:
    postgres = "--postgres" in sys.argv
    tmp = Path(tempfile.mkdtemp(prefix="console-lists-"))
    name = f"hnode_bench_{secrets.token_hex(4)}"
    if postgres:
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = _sqlalchemy_url(name)
    else:
        url = f"sqlite:///{tmp / 'node.db'}"
    try:
        upgrade(url)
        c = make_container(url, tmp / "node")
        w = build_world(c, tmp / "samples")
        first = c.contracts.request(
            w.insurer, w.products["aggregate"], w.terms("aggregate_query", "actuarial_statistics")
        )
        world_assets = c.assets.search()
        with c.uow() as uow:
            for i in range(CONTRACTS - 1):
                copy = replace(
                    first, id="ct_" + secrets.token_hex(8), requested_at_us=first.requested_at_us + i + 1
                )
                uow.contracts.add(copy)
            _copies(uow, world_assets, first)
            uow.commit()
        http = TestClient(create_app(c))
        auth = {"Authorization": "Bearer " + c.identity.issue_token("bench", w.officer.id).secret}
        out: dict[str, object] = {
            "benchmark": "console_lists",
            "database": "postgresql" if postgres else "sqlite",
            "contracts": CONTRACTS,
            "baseline_load_every_contract_ms": _median_ms(lambda: c.contracts.list_for(w.officer)),
            "assets": ASSETS + 5,
            "baseline_load_every_asset_ms": _median_ms(lambda: c.assets.search()),
        }
        for path in PATHS:
            assert http.get(path, headers=auth).status_code == 200, path
            out[path] = _median_ms(lambda p=path: http.get(p, headers=auth))
        print(json.dumps(out, indent=1))
        c.close()
    finally:
        if postgres:
            with _pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
