"""The deployment runtime with real processes: the coordinator's SuperLink (`hnode fl superlink`,
TLS, SuperNode authentication) and one SuperNode per hospital (`hnode fl supernode`), each started
with its hospital node's environment, as docker-compose.yml starts them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from node.federated.jobs import load_model_bytes
from tests.chain_support import free_port
from tests.conftest import node_env
from tests.integration.test_cli import HNODE
from tests.integration.test_cli import run as hnode
from tests.integration.test_federated_simulation import _hospitals, _node


def _env(spec: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NODE_", "HNODE_", "FLWR_"))}
    return env | node_env(spec["data_dir"], spec["database_url"], name=spec["name"])


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:  # each process leads its own group: the SuperExec and app processes go too
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for p in started:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def _start(cmd: list[str], env: dict[str, str], log: Path, started: list[subprocess.Popen[bytes]]) -> None:
    with log.open("wb") as out:
        started.append(
            subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        )


def test_three_hospital_supernodes_train_a_job_over_tls_with_authenticated_supernodes(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    nodes, hospitals = _hospitals(tmp_path, [3, 3, 3])  # 2 rounds, then 1 after a restart
    coordinator = _env(nodes["0"])
    port, internal = free_port(), free_port()
    superlink = [HNODE, "fl", "superlink", "--port", str(port), "--internal-port", str(internal)]
    _start(superlink, coordinator, tmp_path / "superlink.log", processes)
    tls = Path(nodes["0"]["data_dir"]) / "fl" / "tls"
    deadline = time.monotonic() + 60
    while not (tls / "ca.crt").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # the SuperLink binds after writing its certificate
    for i in range(3):
        env = _env(nodes[str(i)])
        key = tmp_path / f"supernode-{i}.key"
        assert hnode("fl", "keygen", str(key), env=env).returncode == 0
        r = hnode("fl", "register", str(key.with_suffix(".pub")), env=coordinator)
        assert r.returncode == 0 and "registered SuperNode" in r.stdout, r.stderr
        cmd = [HNODE, "fl", "supernode", "--superlink", f"localhost:{port}", "--ca", str(tls / "ca.crt")]
        cmd += ["--key", str(key), "--port", str(free_port())]
        _start(cmd, env, tmp_path / f"supernode-{i}.log", processes)
    assert hnode("fl", "register", str(tmp_path / "nope.pub"), env=coordinator).returncode == 2
    # from the network, only the Fleet API answers: no registering keys or submitting apps there
    with httpx.Client(base_url=f"https://localhost:{port}", verify=str(tls / "ca.crt")) as public:
        for path in ("/v1/control/start-run", "/v1/control/register-node", "/v1/runtime/pull-messages"):
            r = public.post(path, content=b"")
            assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", path
        assert public.get("/health").status_code == 200

    c = _node(nodes["0"]["database_url"], Path(nodes["0"]["data_dir"]), "h0")
    researcher = c.identity.resolve("institute-b")
    job = c.fl_jobs.create(researcher, {"hospitals": hospitals, "rounds": 2, "local_epochs": 5})
    assert job.spec.secagg is not None
    r = subprocess.run(
        [HNODE, "fl", "run", job.id], env=coordinator, capture_output=True, text=True, timeout=600
    )
    logs = "".join(p.read_text(errors="replace")[-1500:] for p in sorted(tmp_path.glob("*.log")))
    assert r.returncode == 0, r.stdout + r.stderr + logs
    assert "round   2: AUC" in r.stdout and f"{job.id}  completed" in r.stdout
    job = c.fl_coordinator.load(job.id)
    assert job.model_id is not None and job.rounds_done == 2
    rounds = c.fl_jobs.rounds(researcher, job.id)
    assert [round_.metrics["hospitals"] for round_ in rounds] == [3, 3]
    assert rounds[-1].metrics["auc"] > 0.75
    model, blob = c.fl_jobs.model(researcher, job.model_id)
    assert load_model_bytes(blob)[0] == "logreg" and model.job_id == job.id
    c.close()
    for i in range(3):  # every hospital metered both rounds under its own contract
        h = _node(nodes[str(i)]["database_url"], Path(nodes[str(i)]["data_dir"]), f"h{i}")
        seen = h.fl_jobs.trained_here(h.identity.resolve("officer"))
        assert [(s["job"], s["rounds"]) for s in seen] == [(job.id, 2)]
        h.close()

    # `hnode fl superlink` killed outright (a supervisor giving up): its SuperLink goes with it
    home = str(Path(nodes["0"]["data_dir"]) / "fl")
    assert _flower_processes_under(home, "superlink_main")
    processes[0].kill()
    processes[0].wait(timeout=10)
    deadline = time.monotonic() + 30
    while _flower_processes_under(home, "superlink_main") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _flower_processes_under(home, "superlink_main")

    # restarted, the coordinator's SuperLink still knows the hospitals' SuperNodes (their ids and keys
    # live in its node registry; the rest of its state is in memory): they reconnect and train
    assert (Path(home) / "supernodes.db").is_file()
    _start(superlink, coordinator, tmp_path / "superlink-2.log", processes)
    deadline = time.monotonic() + 60
    while not (_listening(port) and _listening(internal)) and time.monotonic() < deadline:
        time.sleep(0.2)
    c = _node(nodes["0"]["database_url"], Path(nodes["0"]["data_dir"]), "h0")
    again = c.fl_jobs.create(researcher, {"hospitals": hospitals, "rounds": 1, "local_epochs": 5})
    c.close()
    r = subprocess.run(
        [HNODE, "fl", "run", again.id], env=coordinator, capture_output=True, text=True, timeout=600
    )
    logs = "".join(p.read_text(errors="replace")[-1500:] for p in sorted(tmp_path.glob("*.log")))
    assert r.returncode == 0 and f"{again.id}  completed" in r.stdout, r.stdout + r.stderr + logs
    assert all(p.poll() is None for p in processes[1:4])  # no SuperNode gave up on the restart


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _flower_processes_under(home: str, program: str) -> list[int]:
    """Live processes running ``program`` with an argument inside ``home``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        text = [a.decode(errors="replace") for a in args]
        if state != "Z" and any(a.endswith(program) for a in text) and any(home in a for a in text):
            found.append(int(proc.name))
    return found


def test_a_benchmark_federation_stopped_by_sigterm_stops_its_superlink_and_supernodes() -> None:
    """`timeout` (or a supervisor) ending a deployed benchmark left its SuperLink and SuperNodes
    running under init; SIGTERM now unwinds the federation, which stops them."""
    script = (
        "import sys, time\n"
        "from node.federated.flower.deployed import federation\n"
        "with federation(1) as fed:\n"
        "    print(' '.join(str(p.pid) for p in fed.processes), flush=True)\n"
        "    time.sleep(120)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 2  # the SuperLink and one SuperNode
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) != 0
    deadline = time.monotonic() + 20
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        time.sleep(0.2)
    assert alive == []


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"
