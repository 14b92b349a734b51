"""``hnode region``: run the regional registry (region side) and talk to it (node side).

Region side: ``serve``, ``migrate``, ``token``, ``invite``, ``approve``, ``reject``, ``audit-verify``; its
database is REGION_DATABASE_URL (default: SQLite ``region.db`` in NODE_DATA_DIR), migrated by the region's
own Alembic migrations whenever the region opens it (``migrate`` does only that); its chain account
derives from the key in NODE_DATA_DIR like a node's, REGION_STALE_SECONDS (default 300) is how long a
silent node stays fresh and REGION_MAX_PENDING (default 100) how many join requests may wait for the
operator.
Node side: ``join`` and ``push``, signed with the node key, sent over HTTP."""

from __future__ import annotations

import os
import time
from typing import Any

import typer

from node.cli.common import EXIT_INVALID, fail, open_container, print_json
from node.config import load_settings

region_app = typer.Typer(
    help="Regional registry: serve it, or join and push this node's catalog.", no_args_is_help=True
)


def _database_url() -> str:
    s = load_settings()
    s.data_dir.mkdir(parents=True, exist_ok=True)
    return os.environ.get("REGION_DATABASE_URL") or f"sqlite:///{s.data_dir / 'region.db'}"


def _service() -> Any:
    from node.adapters.chain import ChainConnector
    from node.adapters.node_key import FileSigner
    from node.ports import SystemClock
    from region.service import RegionService
    from region.store import open_engine

    s = load_settings()
    url = _database_url()
    key = FileSigner(s.node_key_path, s.key_passphrase)
    chain = ChainConnector(s, lambda label, length: key.derive_key(label, length))
    stale = int(os.environ.get("REGION_STALE_SECONDS", "300"))
    pending = int(os.environ.get("REGION_MAX_PENDING", "100"))
    return RegionService(open_engine(url), SystemClock(), chain, stale_after_s=stale, max_pending=pending)


@region_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8090, "--port"),
) -> None:
    """Run the registry's HTTP API; every REGION_PROBE_SECONDS (default 60) it asks each approved node's
    /health, so a node that is down turns stale (searches never wait for it)."""
    import threading

    import httpx
    import uvicorn

    from region.api import create_region_app

    service = _service()
    every = float(os.environ.get("REGION_PROBE_SECONDS", "60"))

    def reachable(url: str) -> bool:
        return httpx.get(url, timeout=2.0).status_code == 200

    def probe_loop() -> None:
        while True:
            service.probe(reachable)
            time.sleep(every)

    threading.Thread(target=probe_loop, daemon=True, name="region-probe").start()
    uvicorn.run(create_region_app(service), host=host, port=port, log_level="info")


@region_app.command("migrate")
def migrate() -> None:
    """Create or upgrade the region's database schema (the region's own Alembic migrations)."""
    from region.migrate import upgrade

    upgrade(_database_url())
    typer.echo("region database at head")


@region_app.command("audit-verify")
def audit_verify(as_json: bool = typer.Option(False, "--json")) -> None:
    """Recompute the region's audit hash chain; exit 1 and name the first broken entry if any."""
    report = _service().verify_audit()
    if as_json:
        print_json(report)
    elif report["ok"]:
        typer.echo(f"region audit intact: {report['entries']} entries")
    else:
        typer.echo(f"region audit BROKEN at entry #{report['first_broken_seq']}: {report['reason']}")
    if not report["ok"]:
        raise typer.Exit(EXIT_INVALID)


@region_app.command("token")
def token(
    role: str = typer.Option("reader", "--role", help="operator or reader"),
    label: str = typer.Option("", "--label"),
) -> None:
    """Issue a registry token (printed once)."""
    typer.echo(_service().issue_token(role, label or role))


@region_app.command("invite")
def invite(
    code: str = typer.Option(..., "--institution-code", help="the hospital's institution code"),
    valid_hours: float = typer.Option(
        72.0, "--valid-hours", min=0.02, max=720, help="how long it may be used"
    ),
) -> None:
    """Issue a single-use join invitation for one institution code (the token is printed once; hand it to
    the hospital out of band, it passes it to `hnode region join --invitation`)."""
    print_json(_service().invite("cli:operator", code, int(valid_hours * 3600)))


@region_app.command("approve")
def approve(code: str) -> None:
    """Admit a node that asked to join; its key digest is anchored on the chain."""
    print_json(_service().approve("cli:operator", code))


@region_app.command("reject")
def reject(code: str) -> None:
    """Turn a pending join down; it leaves the pending queue (a new invitation lets the hospital retry)."""
    print_json(_service().reject("cli:operator", code))


@region_app.command("join")
def join(
    region: str = typer.Option(..., "--region", help="URL of the regional registry"),
    code: str = typer.Option(..., "--code", help="this hospital's institution code"),
    endpoint: str = typer.Option(..., "--endpoint", help="this node's public base URL"),
    invitation: str = typer.Option(
        ...,
        "--invitation",
        envvar="REGION_INVITATION",
        help="the one-time invitation the region's operator issued for this institution code",
    ),
) -> None:
    """Ask the region to admit this node (signed with the node key, carrying the invitation)."""
    _post(
        f"{region}/v1/nodes/join",
        open_container().region.join_request(code, endpoint.rstrip("/") + "/dsp/2025-1", invitation),
    )


@region_app.command("push")
def push(
    region: str = typer.Option(..., "--region", help="URL of the regional registry"),
    code: str = typer.Option(..., "--code", help="this hospital's institution code"),
) -> None:
    """Register this node's published products with the region (a new signed catalog version)."""
    _post(f"{region}/v1/catalog", open_container().region.catalog_push(code))


@region_app.command("partners-sync")
def partners_sync(
    region: str = typer.Option(..., "--region", help="URL of the regional registry"),
    token: str = typer.Option(..., "--token", envvar="REGION_TOKEN", help="a reader token of the region"),
) -> None:
    """Register here, by their keys, the partners the region lists (they can then sign in with them)."""
    import httpx

    from node.dataspace.registration import adopt_partners

    try:
        r = httpx.get(f"{region}/v1/partners", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    except httpx.HTTPError as exc:
        raise fail(f"the region is unreachable ({type(exc).__name__})", 3) from None
    if r.status_code != 200:
        raise fail(f"the region refused: {r.status_code}")
    print_json(adopt_partners(open_container().identity, "cli:region-sync", r.json()))


def _post(url: str, body: dict[str, Any]) -> None:
    import httpx

    try:
        r = httpx.post(url, json=body, timeout=30)
    except httpx.HTTPError as exc:
        raise fail(f"the region is unreachable ({type(exc).__name__})", 3) from None
    if r.status_code >= 400:
        raise fail(f"the region refused: {r.json().get('code', r.status_code)}")
    print_json(r.json())
