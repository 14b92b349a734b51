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
    upgrade(s.connect_url)
    typer.echo("database at head")


def serve(
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Processes (they share the embedded chain: the first to use it serves it to the others).",
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
    s = c.settings
    options: dict[str, Any] = {
        "host": s.listen_host,
        "port": s.listen_port,
        "log_config": logging_config(),
        "access_log": False,  # the app writes its own access log (JSON, query values redacted)
        **_tls_options(s),
    }
    if s.metrics_port is not None:
        _serve_metrics(c, s.metrics_host, s.metrics_port)
    if workers == 1:
        uvicorn.run(create_app(c), **options)
        return
    c.close()
    uvicorn.run("node.api.app:app_from_settings", factory=True, workers=workers, **options)


def _tls_options(s: Any) -> dict[str, Any]:
    """uvicorn's TLS settings: HTTPS when a certificate is configured; client certificates required
    when a client CA is (node-to-node and partner traffic)."""
    import ssl

    if s.tls_cert_file is None:
        return {}
    options: dict[str, Any] = {"ssl_certfile": str(s.tls_cert_file), "ssl_keyfile": str(s.tls_key_file)}
    if s.tls_client_ca_file is not None:
        options |= {"ssl_ca_certs": str(s.tls_client_ca_file), "ssl_cert_reqs": ssl.CERT_REQUIRED}
    return options


def _serve_metrics(c: Any, host: str, port: int) -> None:
    """/metrics without a token on its own port (for a Prometheus on the hospital's monitoring network)."""
    from prometheus_client import CollectorRegistry, start_http_server

    from node.api.monitoring import NodeCollector

    registry = CollectorRegistry()
    registry.register(NodeCollector(c))
    start_http_server(port, addr=host, registry=registry)


def worker(
    once: bool = typer.Option(False, "--once", help="Run one cycle and exit."),
    interval: float = typer.Option(5.0, "--interval", help="Seconds between cycles."),
    stop_timeout: float = typer.Option(
        30.0,
        "--stop-timeout",
        min=1.0,
        help="Seconds the graceful close may take after SIGINT or SIGTERM before the worker prints its "
        "threads' stacks and exits with code 1.",
    ),
) -> None:
    """Background duties: expire ended contracts, deliver queued anchors to the chain (with retries),
    seal the audit log in signed batches, move Dataspace Protocol negotiations and post their callbacks."""
    from node.cli.stopping import stop_on_signals
    from node.errors import DependencyUnavailable

    stop_on_signals(stop_timeout, "hnode worker")

    c = open_container()
    try:  # the long-running process owns the embedded chain, so CLI commands find it served
        c.chain()
    except DependencyUnavailable as exc:
        typer.echo(f"chain not open yet [{exc.code}]: {exc.message}; will retry", err=True)
    try:
        while True:
            _cycle(c)
            if once:
                return
            time.sleep(interval)
    finally:
        c.close()  # hands the embedded chain over to the node's other processes


def _cycle(c: Any) -> None:
    for contract in c.monitor.run_once():
        typer.echo(f"contract {contract.id} expired")
    report = c.anchoring.deliver()
    for r in report.delivered:
        typer.echo(f"anchored {r.kind} {r.ref} in block {r.block_number}")
    for item_id, error in report.failed:
        reason = report.reasons.get(error, "")
        typer.echo(f"anchor {item_id} not delivered [{error}] {reason}; will retry", err=True)
    _submit_training_jobs(c)
    _dataspace(c)
    seals = c.audit.seal()
    if seals:
        typer.echo(f"sealed audit entries through #{seals[-1].last_seq}")
    _heartbeat(c.settings.data_dir)


def _heartbeat(data_dir: Any) -> None:
    """Touch DATA_DIR/worker.heartbeat after each cycle: the container healthcheck reads its age."""
    path = data_dir / "worker.heartbeat"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{time.time():.0f}\n")


def _dataspace(c: Any) -> None:
    """Dataspace Protocol: negotiations follow their contracts; callbacks go to consumers (retried)."""
    c.dataspace.sync()
    report = c.dataspace.deliver(c.dsp_sender)
    for cb_id, error in report.failed:
        typer.echo(f"DSP callback {cb_id} not delivered ({error}); will retry", err=True)


def _submit_training_jobs(c: Any) -> None:
    """Resume jobs a crash left starting; on a coordinator, hand partners' new training jobs to its
    SuperLink (retried while it is down)."""
    from node.errors import NodeError
    from node.federated.flower.runtime import has_superlink, submit_to_superlink

    for job in c.fl_coordinator.resume_interrupted():
        typer.echo(f"training job {job.id} was left starting by a crash: it waits to be submitted again")
    if not has_superlink(c):
        return
    for job in c.fl_coordinator.waiting():
        try:
            typer.echo(f"training job {job.id} submitted as {submit_to_superlink(c, job.id)}")
        except NodeError as exc:
            typer.echo(f"training job {job.id} not submitted ({exc.code}); will retry", err=True)


def demo(
    data_dir: str = typer.Option("var/demo", "--data-dir", help="Fresh node directory (wiped first)."),
) -> None:
    """Run the node's main job end to end on embedded defaults and print what happened."""
    from node.demo import run

    run(data_dir)
