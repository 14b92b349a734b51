"""One embedded chain for every process of a node: ``hnode serve``, ``hnode worker`` and the CLI run at
once as the README says, on PostgreSQL, as real processes."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx

from tests.chain_support import free_port
from tests.conftest import make_container, node_env
from tests.contract_world import build_world
from tests.integration.test_cli import run
from tests.processes import hnode_process


def _wait(predicate: object, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def test_serve_worker_and_cli_share_the_embedded_chain(pg_url: str, tmp_path: Path) -> None:
    """Issue 15: with serve and worker running, `contracts verify` said "no chain configured" (the
    hidden cause: chain_busy), and `audit anchor` and `chain status` exited 3."""
    port = free_port()
    data = tmp_path / "node"
    env = node_env(data, pg_url, listen_port=str(port), chain_timeout_s="3")
    c = make_container(pg_url, data)
    w = build_world(c, tmp_path / "samples")
    ct = c.contracts.request(
        w.insurer, w.products["aggregate"], w.terms("aggregate_query", "actuarial_statistics")
    )
    c.contracts.approve(w.officer, ct.id)
    w.sign_as(w.insurer_key, w.insurer, c.contracts.get(w.officer, ct.id))
    token = c.identity.issue_token("cli:t", w.insurer.id).secret
    c.close()
    api = f"http://127.0.0.1:{port}"

    def state() -> str:
        r = httpx.get(f"{api}/v1/contracts/{ct.id}", headers={"Authorization": f"Bearer {token}"})
        return str(r.json()["state"])

    with (
        hnode_process("serve", "--no-access-log", env=env, health_port=port),
        hnode_process("worker", "--interval", "0.5", env=env) as worker,
    ):
        _wait(lambda: state() == "ACTIVE")  # the worker anchored the contract on the embedded chain
        verified = run("contracts", "verify", ct.id, env=env)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        anchored = run("audit", "anchor", "--json", env=env)
        assert anchored.returncode == 0, anchored.stdout + anchored.stderr
        assert json.loads(anchored.stdout)["delivered"], anchored.stdout
        status = run("chain", "status", env=env)
        assert status.returncode == 0, status.stderr
        registry = json.loads(status.stdout)["registry"]
        over_http = httpx.get(
            f"{api}/v1/contracts/{ct.id}/verification", headers={"Authorization": f"Bearer {token}"}
        )
        assert over_http.status_code == 200 and over_http.json()["ok"] is True, over_http.text

        # an owner that stops answering is named, not hidden behind "no chain configured"
        os.kill(worker.pid, signal.SIGSTOP)
        try:
            stuck = run("contracts", "verify", ct.id, env=env)
            stuck_status = run("chain", "status", env=env)
        finally:
            os.kill(worker.pid, signal.SIGCONT)
        assert stuck.returncode == 1 and "no chain configured" not in stuck.stdout
        assert f"process {worker.pid}" in stuck.stdout, stuck.stdout
        assert stuck_status.returncode == 3 and f"process {worker.pid}" in stuck_status.stderr

        # the owner exits: the next process to need the chain takes it over, with the same registry
        worker.send_signal(signal.SIGINT)
        worker.wait(20)
        again = httpx.get(
            f"{api}/v1/contracts/{ct.id}/verification", headers={"Authorization": f"Bearer {token}"}
        )
        assert again.status_code == 200 and again.json()["ok"] is True, again.text
        later = run("chain", "status", env=env)
        assert later.returncode == 0 and json.loads(later.stdout)["registry"] == registry
