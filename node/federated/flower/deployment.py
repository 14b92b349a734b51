"""The deployment runtime: a SuperLink at the coordinator and one SuperNode per hospital, separate
processes started by ``hnode fl superlink`` / ``hnode fl supernode``, talking over TLS; the
SuperLink admits only SuperNodes whose public keys the coordinator registered.

Transport TLS uses ECDSA P-256 certificates (gRPC/HTTP stacks here speak no SM2 TLS); SuperNode
authentication uses the NIST-curve keys Flower requires. Contracts, signatures and digests of the
data space stay SM2/SM3.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from node.crypto.keyfile import write_private
from node.errors import DependencyUnavailable, InvalidInput
from node.federated.spec import JobSpec

FAB_DIR = Path(__file__).parent / "fab"
CONNECTION = "hnode"
POLL_ENV = (
    "FLWR_SUPEREXEC_TASK_POLL_INTERVAL"  # how often a SuperExec asks for a task (Flower's default: 1 s)
)
POLL_INTERVAL_S = "0.05"  # a SuperNode's SuperExec: each message is a task (warm.py wakes it instead)
SUPERLINK_POLL_INTERVAL_S = "0.5"  # the SuperLink's SuperExec: one ServerApp task per job


@dataclass(frozen=True)
class Tls:
    ca: Path
    cert: Path
    key: Path


def write_tls(directory: Path, hosts: list[str], days: int = 365) -> Tls:
    """A private CA and the SuperLink's certificate for ``hosts`` (names or IP addresses); files that
    exist are kept, so that SuperNodes holding the CA keep trusting it."""
    tls = Tls(directory / "ca.crt", directory / "superlink.crt", directory / "superlink.key")
    if tls.ca.exists() and tls.cert.exists() and tls.key.exists():
        return tls
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hnode federated CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hnode superlink")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    write_private(
        tls.key,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    tls.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tls.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return tls


def write_supernode_key(path: Path) -> Path:
    """A SuperNode's authentication key pair (P-384, OpenSSH format); returns the public key file,
    which the coordinator registers. An existing key is kept."""
    public = path.with_suffix(".pub")
    if not path.exists():
        key = ec.generate_private_key(ec.SECP384R1())
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(
            path,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
            ),
        )
        public.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        )
    return public


def flower_env(
    home: Path, base: Mapping[str, str] | None = None, task_poll_s: str = POLL_INTERVAL_S
) -> dict[str, str]:
    """The environment of Flower's processes: this Python's scripts first on PATH (the SuperLink
    starts ``flower-superexec``, which starts ``flwr-serverapp``), Flower's own home for its CLI
    config and installed bundles, the SuperExec's task poll (``SUPERLINK_POLL_INTERVAL_S`` for the
    SuperLink's)."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["FLWR_HOME"] = str(home)
    env[POLL_ENV] = task_poll_s
    env.setdefault("FLWR_TELEMETRY_ENABLED", "0")
    return env


def superlink_command(state: Path, port: int, tls: Tls | None, host: str = "127.0.0.1") -> list[str]:
    cmd = [
        sys.executable, "-m", "node.federated.flower.superlink_main",  # Flower's SuperLink, cheaper state
        "--host", host,
        "--port", str(port),
        "--node-registry", str(state / "supernodes.db"),
        "--disable-runtime-dependency-installation",
    ]  # fmt: skip
    if tls is None:
        return [*cmd, "--insecure"]
    return [
        *cmd,
        "--ssl-ca-certfile", str(tls.ca),
        "--ssl-certfile", str(tls.cert),
        "--ssl-keyfile", str(tls.key),
        "--enable-supernode-auth",
    ]  # fmt: skip


def supernode_command(
    superlink: str,
    ca: Path | None,
    key: Path | None,
    port: int,
    partition: int | None = None,
    partitions: int = 0,
) -> list[str]:
    """A hospital's SuperNode. Its ClientApps use the node of the process that forks them (``hnode
    fl supernode``, see ``warm.py``); with ``partition`` they train on that part of the benchmark
    split and have no node behind them."""
    cmd = [
        sys.executable, "-m", "node.federated.flower.supernode_main",  # Flower's SuperNode, prompter
        "--superlink", superlink,
        "--port", str(port),
        "--max-wait-time", "600",
    ]  # fmt: skip
    if partition is not None:
        cmd += ["--node-config", f"partition-id={partition} num-partitions={partitions}"]
    if ca is None:
        return [*cmd, "--insecure"]
    cmd += ["--root-certificates", str(ca)]
    return [*cmd, "--auth-supernode-private-key", str(key)] if key is not None else cmd


def write_connection(home: Path, address: str, ca: Path | None) -> None:
    """The Flower CLI's connection to the coordinator's SuperLink."""
    home.mkdir(parents=True, exist_ok=True)
    lines = [
        "[superlink]",
        f'default = "{CONNECTION}"',
        "",
        f"[superlink.{CONNECTION}]",
        f'address = "{address}"',
    ]
    lines.append(f"root-certificates = {json.dumps(str(ca))}" if ca is not None else "insecure = true")
    (home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _flwr(home: Path, *args: str, timeout: float = 120) -> dict[str, object]:
    cmd = [str(Path(sys.executable).parent / "flwr"), *args, "--format", "json"]
    try:
        done = subprocess.run(  # noqa: S603 - our own flwr executable, arguments we built
            cmd, env=flower_env(home), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise DependencyUnavailable(
            "the SuperLink did not answer in time", code="fl_superlink_unavailable"
        ) from None
    try:
        out: dict[str, object] = json.loads(done.stdout[done.stdout.find("{") :])
    except ValueError:
        out = {}
    if done.returncode != 0 or not out.get("success", False):
        detail = str(out.get("error-message", "")) or done.stderr.strip().splitlines()[-1:] or ["no answer"]
        raise DependencyUnavailable(f"flwr {args[0]} failed: {detail}", code="fl_superlink_unavailable")
    return out


def register_supernode(home: Path, public_key: Path) -> int:
    """Admit a hospital's SuperNode (its public key) to the coordinator's SuperLink."""
    if not public_key.is_file():
        raise InvalidInput(f"{public_key} is not a file", code="fl_key_missing")
    out = _flwr(home, "supernode", "register", str(public_key), CONNECTION)
    return int(str(out["node-id"]))


def submit(home: Path, spec: JobSpec, run_config: Mapping[str, str], work: Path) -> int:
    """Submit ``spec`` to the coordinator's SuperLink; returns Flower's run id."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / f"{spec.job_id}.toml"
    lines = [f"job = {json.dumps(spec.to_json())}"] + [
        f"{k} = {json.dumps(v)}" for k, v in run_config.items()
    ]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _flwr(home, "run", str(FAB_DIR), CONNECTION, "--run-config", str(config))
    return int(str(out["run-id"]))


def serve_superlink(home: Path, host: str, port: int, internal_port: int, tls: Tls) -> int:
    """Run Flower's SuperLink on loopback (``internal_port``; Control and Runtime APIs stay there) and
    the Fleet gateway on ``host:port`` with the same certificate; returns when either stops."""
    import threading

    import uvicorn

    from node.federated.flower.gateway import fleet_gateway

    child = subprocess.Popen(  # noqa: S603 - Flower's own executable, arguments we built
        superlink_command(home, internal_port, tls, "127.0.0.1"),
        env=flower_env(home / "home", task_poll_s=SUPERLINK_POLL_INTERVAL_S),
        start_new_session=True,
        preexec_fn=die_with_parent,  # called in the main thread: the death signal follows the process
    )
    app = fleet_gateway(f"https://localhost:{internal_port}", tls.ca)
    config = uvicorn.Config(
        app, host=host, port=port, ssl_certfile=str(tls.cert), ssl_keyfile=str(tls.key), log_level="warning"
    )
    server = uvicorn.Server(config)

    def watch() -> None:
        child.wait()
        server.should_exit = True

    threading.Thread(target=watch, daemon=True).start()
    try:
        server.run()
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
    return child.returncode or 0


STOP_GRACE_S = 8  # what the SuperLink gets to stop after SIGTERM, inside a supervisor's usual 10 s


def die_with_parent() -> None:
    """In the SuperLink's (or SuperNode's) process, before Flower starts: the kernel sends it SIGTERM
    when `hnode fl superlink` (`supernode`) dies, even by SIGKILL, so none outlives the command that owns it
    (seen: SuperLinks left running after a test's supervisor gave up waiting). Linux only."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
