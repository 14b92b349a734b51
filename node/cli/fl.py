"""``hnode fl``: federated learning across hospitals (联邦学习).

Coordinator: ``certs``, ``superlink``, ``register``, ``run``, ``jobs``, ``show``, ``stop``, ``models``,
``download``. Each hospital: ``keygen``, ``supernode``, ``trained``. Partners start jobs and
download models over the API (``/v1/fl``) or here with their own token (``--token-env``).
"""

from __future__ import annotations

import functools
import json
import os
import time
from pathlib import Path
from typing import Any

import typer

from node.cli.common import (
    acting,
    actor,
    exit_on_error,
    fail,
    open_container,
    print_json,
    progress_bar,
    token_env_option,
)
from node.config import load_settings

fl_app = typer.Typer(help="Federated training with Flower (联邦学习).", no_args_is_help=True)


def _home() -> Path:
    return load_settings().data_dir / "fl"


def _exec(cmd: list[str], home: Path) -> None:
    """Become the Flower process (compose and systemd then supervise it directly)."""
    from node.federated.flower.deployment import SUPERLINK_POLL_INTERVAL_S, flower_env

    env = flower_env(home / "home", task_poll_s=SUPERLINK_POLL_INTERVAL_S)
    os.execve(cmd[0], cmd, env)  # noqa: S606 - Flower's own executable


@fl_app.command("certs")
def certs(
    directory: Path = typer.Argument(..., help="Where to write ca.crt, superlink.crt, superlink.key."),
    host: list[str] = typer.Option(
        ["127.0.0.1", "localhost"], "--host", help="Names the SuperLink answers to."
    ),
) -> None:
    """Create the federation's CA and the SuperLink's TLS certificate (kept if present)."""
    from node.federated.flower.deployment import write_tls

    tls = write_tls(directory, host)
    typer.echo(f"CA {tls.ca}\nSuperLink certificate {tls.cert} (key {tls.key}, mode 600)")


@fl_app.command("superlink")
def superlink(
    port: int = typer.Option(9092, "--port", help="Port of the Fleet API that hospitals' SuperNodes reach."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    internal_port: int = typer.Option(
        0, "--internal-port", help="Loopback port of the SuperLink (default: port+1)."
    ),
    tls_name: list[str] = typer.Option(
        ["localhost", "127.0.0.1"], "--tls-name", help="Names SuperNodes use to reach it (certificate SANs)."
    ),
    tls_dir: Path | None = typer.Option(
        None, "--tls-dir", help="Output of `hnode fl certs` (default: DATA_DIR/fl/tls)."
    ),
    insecure: bool = typer.Option(
        False, "--insecure", help="No TLS, no SuperNode authentication (development only)."
    ),
) -> None:
    """Run the coordinator's SuperLink: Flower's SuperLink on loopback (TLS, SuperNode
    authentication) behind a gateway that publishes only the Fleet API. Its ServerApps record jobs
    into this node, whose settings this process's environment holds."""
    from node.federated.flower.deployment import (
        serve_superlink,
        superlink_command,
        write_connection,
        write_tls,
    )

    home = _home()
    internal = internal_port or port + 1
    if insecure:  # development: Flower's SuperLink as is, every API on one port
        write_connection(home / "home", f"localhost:{port}", None)
        _exec(superlink_command(home, port, None, host), home)
    tls = write_tls(tls_dir or home / "tls", tls_name)
    write_connection(home / "home", f"localhost:{internal}", tls.ca)
    raise typer.Exit(serve_superlink(home, host, port, internal, tls))


@fl_app.command("register")
def register(
    public_key: Path = typer.Argument(..., help="A hospital SuperNode's public key (`hnode fl keygen`)."),
) -> None:
    """Admit a hospital's SuperNode to this coordinator's SuperLink."""
    from node.federated.flower.deployment import register_supernode

    with exit_on_error():
        node_id = register_supernode(_home() / "home", public_key)
    typer.echo(f"registered SuperNode {node_id}")


@fl_app.command("keygen")
def keygen(
    path: Path = typer.Argument(..., help="Private key file to create (the .pub goes to the coordinator)."),
) -> None:
    """Create this hospital SuperNode's authentication key pair (kept if present)."""
    from node.federated.flower.deployment import write_supernode_key

    typer.echo(f"public key: {write_supernode_key(path)}")


@fl_app.command("supernode")
def supernode(
    superlink_address: str = typer.Option(
        ..., "--superlink", help="host:port of the coordinator's SuperLink."
    ),
    ca: Path | None = typer.Option(None, "--ca", help="The federation's CA certificate."),
    key: Path | None = typer.Option(None, "--key", help="This SuperNode's private key (`hnode fl keygen`)."),
    port: int = typer.Option(9094, "--port", help="Local port of the SuperNode's runtime API."),
    partition: int | None = typer.Option(
        None, "--benchmark-partition", help="Train on the benchmark split, no node."
    ),
    partitions: int = typer.Option(3, "--benchmark-partitions"),
    insecure: bool = typer.Option(False, "--insecure"),
) -> None:
    """Run this hospital's SuperNode; its ClientApps meter every round on this node's contracts.
    This process opens the node once and forks every ClientApp task from it (Flower's own
    `flwr-clientapp`, warm); the SuperNode is its child."""
    from node.federated.flower import warm
    from node.federated.flower.deployment import die_with_parent, flower_env, supernode_command
    from node.federated.flower.hospital import serve_node

    if not insecure and (ca is None or key is None):
        raise fail("--ca and --key are required (or --insecure for development)")
    cmd = supernode_command(
        superlink_address, None if insecure else ca, None if insecure else key, port, partition, partitions
    )
    after_fork = None
    if partition is None:
        with exit_on_error():
            node = open_container()
        serve_node(node)
        after_fork = functools.partial(node.engine.dispose, close=False)  # a fresh pool in each task
    code = warm.serve(cmd, flower_env(_home()), partition is None, after_fork, die_with_parent)
    raise typer.Exit(code)


def _who(c: Any, token_env: str, action: str, *, partners: bool = True, staff: bool = True) -> Any:
    """The person acting, by their own token, with the roles the API's /v1/fl routes allow."""
    from node.identity.model import PARTNER_ROLES, Role

    roles = (set(PARTNER_ROLES) if partners else set()) | (
        {Role.DATA_OFFICER, Role.ADMIN} if staff else set()
    )
    return acting(c, token_env, frozenset(roles), action)


def _partner(c: Any, token_env: str) -> Any:
    from node.errors import PolicyDenied

    principal = _who(c, token_env, "fl.job.create", staff=False)
    if principal.kind != "partner":
        raise PolicyDenied("training jobs are started by partners", code="fl_job_partner_only")
    return principal


@fl_app.command("create")
def create(
    request: Path = typer.Argument(
        ...,
        help='JSON: {"hospitals": {NODE: {"contract_id"}}, "rounds", ...} (each contract names its product)',
    ),
    token_env: str = token_env_option(),
) -> None:
    """Create a training job as a partner, with the partner's own token (as POST /v1/fl/jobs does)."""
    with exit_on_error():
        try:
            body = json.loads(request.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise fail(f"{request}: not a readable JSON file ({type(exc).__name__})") from None
        c = open_container()
        job = c.fl_jobs.create(_partner(c, token_env), body)
        print_json(job.view())


@fl_app.command("run")
def run(
    job_id: str = typer.Argument(...),
    runtime: str = typer.Option(
        "deployment", "--runtime", help="deployment (this node's SuperLink) or simulation"
    ),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Follow the job until it ends."),
    hospitals: Path | None = typer.Option(
        None,
        "--hospitals",
        help='simulation: JSON {"NAME": {"data_dir", "database_url"}} of the job\'s other hospital nodes',
    ),
) -> None:
    """Run a created job: submit it to this coordinator's SuperLink, or simulate it here with the
    hospital nodes of --hospitals. A job runs once: one the worker (or another `run`) already started
    is refused, nothing submitted or charged."""
    from node.federated.coordinator import JobAlreadyStarted

    if runtime not in ("deployment", "simulation"):
        raise fail("--runtime must be deployment or simulation")
    with exit_on_error():
        c = open_container()
        job = c.fl_coordinator.load(job_id)
        try:
            if runtime == "simulation":
                from node.cli.fl_hospitals import simulated_hospitals
                from node.federated.flower.runtime import run_in_simulation

                job = run_in_simulation(
                    c, job_id, actor(), hospitals=lambda claimed: simulated_hospitals(c, claimed, hospitals)
                )
            else:
                from node.federated.flower.runtime import submit_to_superlink

                typer.echo(f"submitted as {submit_to_superlink(c, job_id, actor())}", err=True)
                if wait:
                    job = _follow(c, job_id, job.spec.rounds)
        except JobAlreadyStarted as started:
            raise fail(
                f"训练任务 {job_id} 已启动（状态 {started.state}），不会再次提交，也不计费。"
                f" job {job_id} was already started ({started.state}): not submitted again, nothing"
                f" charged; follow it with `hnode fl show {job_id}`"
            ) from None
        _print_job(c, job)
    if job.state.value in ("failed", "stopped"):
        raise typer.Exit(1)


def _follow(c: Any, job_id: str, rounds: int) -> Any:
    with progress_bar(f"训练 {job_id}") as tick:
        while True:
            job = c.fl_coordinator.load(job_id)
            tick(job.rounds_done, rounds)
            if job.state.value in ("completed", "failed", "stopped"):
                return job
            time.sleep(1)


def _print_job(c: Any, job: Any) -> None:
    view = job.view()
    typer.echo(f"{view['id']}  {view['state']}  rounds {view['rounds_done']}/{view['rounds']}")
    with c.uow() as uow:
        for r in uow.fl.rounds(job.id):
            typer.echo(f"  {r.line()}")
    if view["reason"]:
        typer.echo(f"  {view['code']}: {view['reason']}")
    if job.model_id:
        typer.echo(f"  model {job.model_id}")


@fl_app.command("jobs")
def jobs(as_json: bool = typer.Option(False, "--json")) -> None:
    """Training jobs this node coordinates."""
    with exit_on_error():
        c = open_container()
        with c.uow() as uow:
            views = [j.view() for j in uow.fl.query()]
    if as_json:
        print_json(views)
        return
    for v in views:
        rounds = f"{v['rounds_done']}/{v['rounds']}"
        typer.echo(f"{v['id']}  {v['state']:<9}  {v['model']}  rounds {rounds}  partner {v['partner_id']}")


@fl_app.command("show")
def show(job_id: str) -> None:
    """A job and its rounds."""
    with exit_on_error():
        c = open_container()
        _print_job(c, c.fl_coordinator.load(job_id))


@fl_app.command("stop")
def stop(
    job_id: str,
    token_env: str = token_env_option(),
    reason: str = typer.Option("", "--reason"),
) -> None:
    """Ask a job to stop before its next round."""
    with exit_on_error():
        c = open_container()
        job = c.fl_jobs.request_stop(_who(c, token_env, "fl.job.stop"), job_id, reason)
    typer.echo(f"{job.id}: stop requested")


@fl_app.command("models")
def models(token_env: str = token_env_option()) -> None:
    """Registered models (a partner sees its own)."""
    with exit_on_error():
        c = open_container()
        print_json([m.view() for m in c.fl_jobs.models(_who(c, token_env, "fl.model.list"))])


@fl_app.command("download")
def download(model_id: str, out: Path = typer.Argument(...), token_env: str = token_env_option()) -> None:
    """Write a registered model to OUT after checking it against its digest."""
    with exit_on_error():
        c = open_container()
        model, blob = c.fl_jobs.model(_who(c, token_env, "fl.model.download"), model_id)
    out.write_bytes(blob)
    typer.echo(f"{out}: {model.name} v{model.version}, SM3 {model.digest}")


@fl_app.command("trained")
def trained(token_env: str = token_env_option(), as_json: bool = typer.Option(False, "--json")) -> None:
    """What federated training used this hospital's data (from this node's metering)."""
    with exit_on_error():
        c = open_container()
        rows = c.fl_jobs.trained_here(_who(c, token_env, "fl.trained", partners=False))
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['job']}  contract {r['contract_id']}  partner {r['partner_id']}  {r['purpose']}  "
            f"rounds {r['rounds']}  ε {r['epsilon']:g}"
        )


@fl_app.command("bench")
def bench(
    hospitals: int = typer.Option(3, "--hospitals", min=2, max=8),
    rounds: int = typer.Option(20, "--rounds", min=1, max=200),
    model: str = typer.Option("logreg", "--model", help="logreg, mlp, xgboost or dp_trees"),
    local_epochs: int | None = typer.Option(
        None, "--local-epochs", min=1, max=1000, help="Local epochs per round (default: the workload's)."
    ),
    lr: float | None = typer.Option(
        None, "--lr", min=1e-4, max=10, help="Learning rate (default: the workload's)."
    ),
    workload: str = typer.Option(
        "wisconsin",
        "--workload",
        help="wisconsin, or realistic: generated patients with a nonlinear outcome.",
    ),
    patients: int = typer.Option(
        20_000, "--patients", min=100, max=1_000_000, help="Generated patients per hospital (realistic)."
    ),
    table: bool = typer.Option(
        False,
        "--table",
        help="The AUC table instead: every model type, federated and DP gaps to centralized.",
    ),
    deployed: bool = typer.Option(
        False,
        "--deployed",
        help="Also run FedAvg and SecAgg+ on a real SuperLink and SuperNodes (TLS, auth).",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """FedAvg, SecAgg+ and DP-FedAvg (XGBoost: DP trees) on the Wisconsin breast-cancer data split
    non-IID across hospitals, or on generated patients (--workload realistic), in Flower's simulation, against
    centralized training on the same split; with --deployed also on one SuperLink and a SuperNode
    per hospital on loopback (`hnode fl supernode`); with --table the AUC table of every model type."""
    from node.federated.data import WORKLOADS
    from node.federated.flower.benchmark import quality
    from node.federated.flower.benchmark import run as run_bench
    from node.federated.spec import MODELS

    if model not in MODELS:
        raise fail(f"--model must be one of {', '.join(MODELS)}")
    if workload not in WORKLOADS:
        raise fail(f"--workload must be one of {', '.join(WORKLOADS)}")
    if table:
        if deployed:
            raise fail("--table runs in simulation; run --deployed without it")
        result = quality(workload, hospitals, rounds, patients=patients)
    else:
        result = run_bench(
            hospitals,
            rounds,
            model,
            local_epochs,
            lr,
            deployed=deployed,
            workload=workload,
            patients=patients,
        )
    if as_json:
        typer.echo(json.dumps(result))
    else:
        print_json(result)
