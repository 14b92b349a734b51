"""``make demo``: a fresh node does its main job end to end on embedded defaults.

Each later capability adds its step here. Output is meant for people: what happened, and the proof.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from pydantic import SecretStr
from sqlalchemy import text

from node.adapters.db.engine import make_engine
from node.adapters.db.migrate import upgrade
from node.adapters.node_key import create_node_key
from node.api.app import create_app
from node.bootstrap import Container, build_container
from node.config import load_settings
from node.crypto.canonical import canonical_json
from node.crypto.keyfile import write_key
from node.crypto.sm import PrivateKey, PublicKey
from node.demo.anonymization import anonymization_steps
from node.demo.common import step
from node.demo.console import console_step
from node.demo.contracts import contract_steps
from node.demo.dataspace import data_space
from node.demo.federated import fl_steps
from node.demo.he import he_steps
from node.demo.insurer import insurer_steps
from node.demo.registry import registry_steps
from node.demo.research import cohort_step, dataset_step, tree_step
from node.demo.settlement import settlement_steps

ACTOR = "cli:demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server:
    """The real API, served by uvicorn on a loopback port for the duration of the demo."""

    def __init__(self, c: Container) -> None:
        self.port = _free_port()
        config = uvicorn.Config(create_app(c), host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("API did not start within 10 s")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def _call(
    http: httpx.Client, who: str, method: str, path: str, token: str | None, **kw: object
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = http.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]
    body = r.json()
    if isinstance(body, list):
        summary = f"{len(body)} item(s)"
    else:
        summary = body.get("code") or body.get("name") or body.get("status")
    print(f"   {who:<11} {method:<6} {path:<22} -> {r.status_code} {summary}")
    return r


def run(data_dir: str) -> None:
    root = Path(data_dir)
    shutil.rmtree(root, ignore_errors=True)
    passphrase = SecretStr(secrets.token_urlsafe(24))  # demo only: generated, kept in memory, never printed
    settings = load_settings(data_dir=root, key_passphrase=passphrase, database_url="")

    step(1, "Create a fresh node: database schema and SM2 identity")
    upgrade(settings.database_url)
    node_pub = create_node_key(settings.node_key_path, passphrase)
    print(f"   node {settings.name} ({settings.display_name})")
    print(f"   database   {settings.database_url}")
    print(f"   public key {node_pub[:24]}...{node_pub[-8:]} (SM2, key file encrypted with a passphrase)")
    c = build_container(settings)

    step(2, "Register staff and partners; partners bring their own SM2 keys")
    admin = c.identity.register(ACTOR, "admin", ["admin"], "信息中心")
    c.identity.register(ACTOR, "officer-li", ["data_officer"], "数据管理办公室")
    c.identity.register(ACTOR, "ethics-wang", ["ethics_reviewer"], "医学伦理委员会")
    partner_keys = {}
    for name, role, org in [
        ("pingan-insurance", "insurer", "某保险公司"),
        ("cq-research", "researcher", "某医学研究院"),
    ]:
        key = PrivateKey.generate()
        write_key(root / "partners" / f"{name}.pem", key, passphrase.get_secret_value().encode())
        partner_keys[name] = key
        c.identity.register(ACTOR, name, [role], org, key.public_key().to_hex())
    for p in c.identity.list_principals():
        print(f"   {p.id}  {p.name:<17} {','.join(sorted(p.roles)):<13} {p.organization}")

    step(3, "Issue bearer tokens (the node keeps only their SM3 hashes)")
    tokens = {
        name: c.identity.issue_token(ACTOR, c.identity.resolve(name).id, label="demo").secret
        for name in ("admin", "officer-li", "ethics-wang", "pingan-insurance", "cq-research")
    }
    researcher = c.identity.resolve("cq-research").id
    researcher_token_id = c.identity.tokens_of(researcher)[0].id
    print(f"   issued {len(tokens)} tokens; secrets are shown once to their holders and never logged")

    step(4, "Call the API over HTTP: authentication and roles on every endpoint but /health")
    with _Server(c) as base, httpx.Client(base_url=base, timeout=10) as http:
        _call(http, "anyone", "GET", "/health", None)
        _call(http, "insurer", "GET", "/v1/whoami", tokens["pingan-insurance"])
        _call(http, "officer", "GET", "/v1/principals", tokens["officer-li"])
        _call(http, "insurer", "GET", "/v1/audit/entries", tokens["pingan-insurance"])
        _call(http, "stranger", "GET", "/v1/whoami", "hnt_" + secrets.token_urlsafe(32))
        c.identity.revoke_token(admin.id, researcher_token_id)
        _call(http, "researcher", "GET", "/v1/whoami", tokens["cq-research"])
        _call(
            http,
            "admin",
            "POST",
            "/v1/principals",
            tokens["admin"],
            json={"name": "bad-key", "roles": ["insurer"], "public_key": "04" + "11" * 64},
        )

    step(5, "A partner signs a document with its own key; the node verifies it with the registered key")
    doc = {"type": "demo/statement", "partner": "pingan-insurance", "text": "我方同意遵守数据使用条款"}
    sig = partner_keys["pingan-insurance"].sign(canonical_json(doc))
    registered = PublicKey.from_hex(str(c.identity.resolve("pingan-insurance").public_key))
    tampered = {**doc, "text": "我方不同意"}
    print(f"   SM2 signature ({len(sig)} bytes DER) over RFC 8785 canonical JSON")
    print(
        f"   verify original: {registered.verify(sig, canonical_json(doc))}; "
        f"verify altered text: {registered.verify(sig, canonical_json(tampered))}"
    )

    registry_steps(c, root / "samples", first_step=6, officer=c.identity.resolve("officer-li").id)
    anonymization_steps(root / "samples", first_step=11)
    tokens["cq-research"] = c.identity.issue_token(ACTOR, researcher, label="demo, reissued").secret
    with _Server(c) as base:
        contract_steps(c, base, tokens, partner_keys, first_step=14)
    he_steps(c, _Server, tokens, partner_keys, root / "samples", root, first_step=19)
    fl_steps(c, _Server, tokens, partner_keys, root / "samples", root, first_step=21)
    insurer_steps(c, _Server, tokens, partner_keys, root / "samples", first_step=22)
    settlement_steps(c, _Server, tokens, partner_keys, first_step=25)
    # one research institute's story: region, catalog, DSP contracts with three hospitals, then its work
    with data_space(c, _Server, partner_keys, root / "samples", root, passphrase, first_step=27) as space:
        cohort_step(space, 29)
        tree_step(space, 30)
    dataset_step(
        c,
        _Server,
        tokens["cq-research"],
        partner_keys["cq-research"],
        root / "samples",
        root / "datasets",
        31,
    )

    step(32, "Seal the audit log (SM2 over Merkle roots) and verify it")
    seals = c.audit.seal()
    for e in reversed(c.audit.recent(limit=8)):
        print(f"   #{e.seq:<3} {e.actor:<22} {e.action:<19} {e.object_type}:{e.object_id:<20} {e.outcome}")
    report = c.audit.verify(c.trusted_audit_keys())
    print(
        f"   sealed {len(seals)} batch(es); hnode audit verify: "
        f"{'intact' if report.ok else 'BROKEN'} ({report.entries} entries, {report.seals} seal(s))"
    )
    assert report.ok, report

    step(33, "Tamper with a copy of the database: verification names the first broken entry")
    _tamper_demo(c, root)
    console_step(c, root, passphrase, c.identity.resolve("officer-li").id, n=34)
    c.close()
    print("\nDemo finished. The node's files are in", root)


def _tamper_demo(c: Container, root: Path) -> None:
    copy = root / "tampered.db"
    with (
        sqlite3.connect(c.settings.database_url.removeprefix("sqlite:///")) as src,
        sqlite3.connect(copy) as dst,
    ):
        src.backup(dst)  # a consistent copy, WAL included
    engine = make_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET outcome = 'success' WHERE outcome = 'denied'"))
    twin = build_container(c.settings, engine=engine, signer=c.signer)
    report = twin.audit.verify(c.trusted_audit_keys())
    print(
        f"   rewrote denied entries as successes -> verify: ok={report.ok}, "
        f"first broken entry #{report.first_broken_seq}: {report.reason}"
    )
    twin.close()
    copy.unlink()
