"""Running the node: ``serve``, ``worker``, ``migrate``, ``keys``, ``demo``."""

from __future__ import annotations

import logging.config
import os
import time
from typing import Any

import typer

from node.cli.common import open_container, print_json
from node.config import load_settings

keys_app = typer.Typer(help="The node's own SM2 identity.", no_args_is_help=True)


@keys_app.command("init")
def keys_init(
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing if the key already exists."),
) -> None:
    """Create the node key (encrypted with NODE_KEY_PASSPHRASE); print its public key."""
    from node.adapters.node_key import create_node_key

    s = load_settings()
    if if_missing and s.node_key_path.exists():
        typer.echo(f"node key exists: {s.node_key_path}")
        return
    typer.echo(create_node_key(s.node_key_path, s.key_passphrase))


@keys_app.command("show")
def keys_show() -> None:
    """Print the node's name and public key."""
    c = open_container()
    print_json({"name": c.settings.name, "public_key": c.signer.public_key_hex})


def migrate() -> None:
    """Create or upgrade the database schema (Alembic)."""
    from node.adapters.db.migrate import upgrade

    s = load_settings()
    upgrade(s.database_url)
    typer.echo("database at head")


def serve(
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Processes; more than one needs NODE_CHAIN_RPC_URL (one owner of the embedded chain).",
    ),
    access_log: bool = typer.Option(
        True,
        "--access-log/--no-access-log",
        help="One JSON line per request (query values redacted); also NODE_ACCESS_LOG.",
    ),
) -> None:
    """Run the HTTP API (NODE_LISTEN_HOST:NODE_LISTEN_PORT). Logs are JSON lines with request ids."""
    import uvicorn

    from node.api.app import create_app
    from node.api.observability import logging_config

    logging.config.dictConfig(logging_config())  # before the app is built: its start-up checks log too
    if not access_log:
        os.environ["NODE_ACCESS_LOG"] = "false"  # also for the worker processes, which read the settings
    c = open_container()
    c.signer.public_key_hex  # noqa: B018 - fail at start, not at first request, if the key cannot be loaded
    host, port = c.settings.listen_host, c.settings.listen_port
    logs = {"log_config": logging_config(), "access_log": False}  # the app writes its own access log
    if workers == 1:
        uvicorn.run(create_app(c), host=host, port=port, **logs)  # type: ignore[arg-type]
        return
    c.close()
    uvicorn.run("node.api.app:app_from_settings", factory=True, workers=workers, host=host, port=port, **logs)  # type: ignore[arg-type]


def worker(
    once: bool = typer.Option(False, "--once", help="Run one cycle and exit."),
    interval: float = typer.Option(5.0, "--interval", help="Seconds between cycles."),
) -> None:
    """Background duties: expire ended contracts, deliver queued anchors to the chain (with retries),
    seal the audit log in signed batches."""
    c = open_container()
    while True:
        for contract in c.monitor.run_once():
            typer.echo(f"contract {contract.id} expired")
        report = c.anchoring.deliver()
        for r in report.delivered:
            typer.echo(f"anchored {r.kind} {r.ref} in block {r.block_number}")
        for item_id, error in report.failed:
            typer.echo(f"anchor {item_id} not delivered ({error}); will retry", err=True)
        _submit_training_jobs(c)
        seals = c.audit.seal()
        if seals:
            typer.echo(f"sealed audit entries through #{seals[-1].last_seq}")
        if once:
            return
        time.sleep(interval)


def _submit_training_jobs(c: Any) -> None:
    """On a coordinator, hand partners' new training jobs to its SuperLink (retried while it is down)."""
    from node.errors import NodeError
    from node.federated.flower.runtime import has_superlink, submit_to_superlink

    if not has_superlink(c):
        return
    for job in c.fl_jobs.waiting():
        try:
            typer.echo(f"training job {job.id} submitted as Flower run {submit_to_superlink(c, job.id)}")
        except NodeError as exc:
            typer.echo(f"training job {job.id} not submitted ({exc.code}); will retry", err=True)


def demo(
    data_dir: str = typer.Option("var/demo", "--data-dir", help="Fresh node directory (wiped first)."),
) -> None:
    """Run the node's main job end to end on embedded defaults and print what happened."""
    from node.demo import run

    run(data_dir)
