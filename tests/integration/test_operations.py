"""What a hospital's IT runs the node with: its version, one-line errors, readiness, metrics, TLS."""

from __future__ import annotations

import datetime as dt
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient

from node.adapters.db.migrate import downgrade
from node.api.app import create_app
from node.bootstrap import Container
from node.config import load_settings
from node.errors import ConfigError
from tests.conftest import PASSPHRASE, make_container, node_env

HNODE = str(Path(sys.executable).parent / "hnode")


def _hnode(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NODE_")}
    return subprocess.run([HNODE, *args], env=base | (env or {}), capture_output=True, text=True, timeout=120)


def test_version_comes_from_the_package_metadata() -> None:
    r = _hnode("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"hnode {version('hospital-node')}"


def test_migrate_against_an_unreachable_database_prints_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = node_env(tmp_path, f"postgresql+psycopg://nobody@127.0.0.1:{port}/none")
    r = _hnode("migrate", env=env)
    assert r.returncode == 3
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error [database_unavailable]:"), r.stderr
    assert "Traceback" not in r.stderr


def _tokens(c: Container) -> dict[str, str]:
    out = {}
    for role in ("admin", "data_officer"):
        p = c.identity.register("cli:test", f"u-{role}", [role], "org", None)
        out[role] = c.identity.issue_token("cli:test", p.id).secret
    return out


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_ready_names_what_is_not_ready(container: Container, db_url: str) -> None:
    client = TestClient(create_app(container))
    r = client.get("/ready")  # no token: orchestrators probe it
    assert r.status_code == 200, r.text
    assert r.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "policy": "ok", "node_key": "ok", "chain": "ok"},
    }
    downgrade(db_url, "0003")  # the code is newer than the schema
    r = client.get("/ready")
    assert r.status_code == 503
    assert r.json()["checks"]["migrations"].startswith("not at head")


def test_ready_reports_an_unreachable_chain(db_url: str, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = make_container(db_url, tmp_path / "node")
    c.settings.chain_rpc_url = f"http://127.0.0.1:{port}"
    try:
        r = TestClient(create_app(c)).get("/ready")
        assert r.status_code == 503
        assert r.json()["checks"]["chain"].startswith("unreachable")
        assert r.json()["checks"]["database"] == "ok"
    finally:
        c.close()


def test_metrics_need_an_admin_and_never_carry_identifiers(container: Container) -> None:
    tokens = _tokens(container)
    client = TestClient(create_app(container))
    assert client.get("/metrics").status_code == 401
    officer = {"Authorization": f"Bearer {tokens['data_officer']}"}
    assert client.get("/metrics", headers=officer).status_code == 403
    # a request whose path holds something that could be an identifier
    assert client.get("/v1/contracts/ct_110101199003077777", headers=officer).status_code == 404
    r = client.get("/metrics", headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert (
        'hnode_http_requests_total{method="GET",route="/v1/contracts/{contract_id}",status="404"} 1.0' in text
    )
    assert "110101199003077777" not in text
    for family in (
        "hnode_http_request_seconds_bucket",
        "hnode_epsilon_spent",
        "hnode_anchor_queue_depth",
        "hnode_anchor_queue_oldest_seconds",
    ):
        assert family in text, family
    # the 403 above was audited as a denied action, not a usage decision: no decision counted yet
    assert "hnode_usage_decisions_total{" not in text


def _cert(path: Path, name: str, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None = None):  # type: ignore[no-untyped-def]
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = issuer or (subject, key)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    cert = builder.sign(issuer_key, hashes.SHA256())
    (path / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (path / f"{name}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return subject, key


@pytest.fixture
def pki(tmp_path: Path) -> Path:
    d = tmp_path / "pki"
    d.mkdir()
    ca = _cert(d, "ca")
    _cert(d, "server", ca)
    _cert(d, "client", ca)
    return d


def _serve(tmp_path: Path, **settings: str) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = node_env(tmp_path / "data", url, listen_port=str(port), **settings)
    for cmd in (["migrate"], ["keys", "init"]):
        r = _hnode(*cmd, env=env)
        assert r.returncode == 0, r.stderr
    base = {k: v for k, v in os.environ.items() if not k.startswith("NODE_")}
    server = subprocess.Popen(
        [HNODE, "serve"], env=base | env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("node did not start: " + (server.stdout.read() if server.stdout else ""))
            time.sleep(0.2)
        yield f"https://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.communicate(timeout=20)


def test_serve_speaks_https_with_the_configured_certificate(tmp_path: Path, pki: Path) -> None:
    for url in _serve(tmp_path, tls_cert_file=str(pki / "server.crt"), tls_key_file=str(pki / "server.key")):
        r = httpx.get(
            f"{url}/health", verify=ssl.create_default_context(cafile=str(pki / "ca.crt")), timeout=5
        )
        assert r.status_code == 200 and r.url.scheme == "https"
        with pytest.raises(httpx.ConnectError):  # an untrusted certificate is refused by a careful client
            httpx.get(f"{url}/health", timeout=5)
        with pytest.raises(httpx.RemoteProtocolError):  # plain HTTP is not answered
            httpx.get(url.replace("https", "http") + "/health", timeout=5)


def test_client_certificates_are_required_when_a_client_ca_is_set(tmp_path: Path, pki: Path) -> None:
    settings = {
        "tls_cert_file": str(pki / "server.crt"),
        "tls_key_file": str(pki / "server.key"),
        "tls_client_ca_file": str(pki / "ca.crt"),
    }
    for url in _serve(tmp_path, **settings):
        ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        with pytest.raises((httpx.ReadError, httpx.ConnectError, httpx.RemoteProtocolError)):
            httpx.get(f"{url}/health", verify=ctx, timeout=5)
        ctx.load_cert_chain(str(pki / "client.crt"), str(pki / "client.key"))
        assert httpx.get(f"{url}/health", verify=ctx, timeout=5).status_code == 200


def test_tls_settings_are_checked_at_start(tmp_path: Path, pki: Path) -> None:
    with pytest.raises(ConfigError, match="NODE_TLS_CERT_FILE and NODE_TLS_KEY_FILE go together"):
        load_settings(data_dir=tmp_path, tls_cert_file=pki / "server.crt")
    r = _hnode(
        "serve",
        env=node_env(
            tmp_path,
            f"sqlite:///{tmp_path / 'n.db'}",
            tls_cert_file=str(tmp_path / "missing.crt"),
            tls_key_file=str(pki / "server.key"),
        ),
    )
    assert r.returncode == 2 and "NODE_TLS_CERT_FILE" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert PASSPHRASE.get_secret_value() not in r.stderr
