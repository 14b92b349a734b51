"""Hostile input over HTTP on PostgreSQL: characters the database cannot store, oversized bodies,
import sources outside the configuration, missing settings, and what the logs keep of all that."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from node.api.app import create_app
from node.bootstrap import Container, build_container
from node.config import load_settings
from tests.conftest import PASSPHRASE, make_container
from tests.integration.test_api import PUB

PATIENT = "张三丰"
ID_CARD = "11010519491231002X"


class Env:
    def __init__(self, c: Container) -> None:
        self.c = c
        self.client = TestClient(create_app(c))
        self.ids: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        for role, key in (("admin", None), ("data_officer", None), ("insurer", PUB)):
            p = c.identity.register("cli:test", f"u-{role}", [role], "org", key)
            self.ids[role] = p.id
            self.tokens[role] = c.identity.issue_token("cli:test", p.id).secret

    def call(self, method: str, path: str, role: str | None = None, **kw: object):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        headers |= kw.pop("headers", None) or {}  # type: ignore[operator]
        return self.client.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]

    def last_audit(self) -> tuple[str, str, str, dict[str, object]]:
        e = self.c.audit.recent(1)[0]
        return e.actor, e.action, e.outcome, e.details


def _container(pg_url: str, data_dir: Path, **settings: object) -> Container:
    if not settings:
        return make_container(pg_url, data_dir)
    make_container(pg_url, data_dir).close()  # creates the node key
    s = load_settings(
        data_dir=data_dir, database_url=pg_url, key_passphrase=PASSPHRASE, audit_seal_batch=50, **settings
    )
    return build_container(s)


@pytest.fixture
def env(pg_url: str, tmp_path: Path) -> Iterator[Env]:
    c = _container(pg_url, tmp_path / "node")
    yield Env(c)
    c.close()


def _is_problem(r, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == code and body["status"] == status
    return body  # type: ignore[no-any-return]


# --- characters PostgreSQL cannot store -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "role", "action"),
    [
        ("GET", "/v1/audit/entries?actor=a%00b", "data_officer", "audit.read"),
        ("GET", "/v1/contracts/ct_%00x", "insurer", "contract.show"),
        ("GET", "/v1/assets?text=%ED%A0%80x", "data_officer", "asset.list"),  # a lone surrogate, as UTF-8
    ],
)
def test_unstorable_characters_in_path_and_query_are_422_and_audited(
    env: Env, method: str, url: str, role: str, action: str
) -> None:
    body = _is_problem(env.call(method, url, role), 422, "input_unstorable")
    assert "\x00" not in json.dumps(body)
    actor, audited_action, outcome, details = env.last_audit()
    assert (actor, audited_action, outcome, details["code"]) == (
        env.ids[role],
        action,
        "failed",
        body["code"],
    )


@pytest.mark.parametrize("bad", ["a\u0000b", "\ud800x"])
def test_unstorable_characters_in_json_bodies_are_422_and_write_nothing(env: Env, bad: str) -> None:
    before = {p.id for p in env.c.identity.list_principals()}
    raw = json.dumps({"name": bad, "roles": ["researcher"], "public_key": PUB})  # \u escapes, as JSON allows
    r = env.call("POST", "/v1/principals", "admin", content=raw, headers={"content-type": "application/json"})
    _is_problem(r, 422, "input_unstorable")
    assert {p.id for p in env.c.identity.list_principals()} == before
    assert env.last_audit()[:3] == (env.ids["admin"], "principal.register", "failed")


def test_unstorable_input_from_an_unknown_caller_is_401(env: Env) -> None:
    _is_problem(env.call("GET", "/v1/contracts/ct_%00x"), 401, "token_missing")


# --- size limits ---------------------------------------------------------------------------------


def test_bodies_over_the_limit_are_413_before_parsing(pg_url: str, tmp_path: Path) -> None:
    c = _container(pg_url, tmp_path / "node", max_body_bytes=2048, max_text_chars=100)
    try:
        env = Env(c)
        big = {"texts": ["患者" * 2000]}
        r = env.call("POST", "/v1/anonymize/detect", "data_officer", json=big)
        _is_problem(r, 413, "body_too_large")
        assert env.last_audit()[:3] == (env.ids["data_officer"], "anonymize.detect", "failed")
        r = env.call("POST", "/v1/anonymize/detect", "data_officer", json={"texts": ["患者" * 60]})
        detail = _is_problem(r, 413, "text_too_long")["detail"]
        assert "NODE_MAX_TEXT_CHARS" in detail and "患者" not in detail
        chunked = env.call(
            "POST",
            "/v1/anonymize/detect",
            "data_officer",
            content=iter([json.dumps(big).encode()]),  # no Content-Length: counted while it streams
            headers={"content-type": "application/json"},
        )
        _is_problem(chunked, 413, "body_too_large")
        ok = env.call("POST", "/v1/anonymize/detect", "data_officer", json={"texts": ["患者张三"]})
        assert ok.status_code == 200
    finally:
        c.close()


# --- missing settings ----------------------------------------------------------------------------


def test_a_missing_setting_is_503_naming_it(env: Env) -> None:
    r = env.call("POST", "/v1/anonymize/text", "data_officer", json={"texts": ["x"]})
    body = _is_problem(r, 503, "setting_missing")
    assert "NODE_ANONYMIZATION_KEY" in body["detail"]
    assert env.last_audit()[:3] == (env.ids["data_officer"], "anonymize.text", "failed")


def test_the_app_names_the_settings_its_routes_miss_at_start(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="node.api")
    app = create_app(env.c)
    assert app.state.missing_settings == {"NODE_ANONYMIZATION_KEY": ["POST /v1/anonymize/text"]}
    assert "NODE_ANONYMIZATION_KEY" in caplog.text


# --- import sources (SSRF) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("connector", "source"),
    [
        ("sql", "sqlite:////another/node.db"),
        ("sql", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        ("fhir", "http://127.0.0.1:9/fhir"),
        ("fhir", "http://169.254.169.254/latest/meta-data"),
    ],
)
def test_import_sources_outside_the_configuration_are_403_and_audited(
    env: Env, connector: str, source: str
) -> None:
    body = {"connector": connector, "source": source, "tables": ["tokens"]}
    r = env.call("POST", "/v1/assets/import", "data_officer", json=body)
    problem = _is_problem(r, 403, "source_not_allowed")
    assert "NODE_IMPORT_SOURCES" in problem["detail"]
    assert env.last_audit() == (
        env.ids["data_officer"],
        "asset.import",
        "failed",
        {"code": "source_not_allowed"},
    )
    assert env.c.assets.search() == []


def test_configured_sources_are_imported_and_the_node_database_never(pg_url: str, tmp_path: Path) -> None:
    import sqlite3

    his = tmp_path / "his.db"
    with sqlite3.connect(his) as db:
        db.execute("CREATE TABLE visits (id INTEGER, dept TEXT)")
        db.executemany("INSERT INTO visits VALUES (?, ?)", [(i, "内科") for i in range(5)])
    allowed = f"sqlite:///{his},http://127.0.0.1:9/fhir,{pg_url}"
    c = _container(pg_url, tmp_path / "node", import_sources=allowed)
    try:
        env = Env(c)
        r = env.call(
            "POST",
            "/v1/assets/import",
            "data_officer",
            json={"connector": "sql", "source": f"sqlite:///{his}", "tables": ["visits"]},
        )
        assert r.status_code == 201, r.text
        assert r.json()["rows"] == 5
        # an allowed FHIR base: the request goes out (nothing listens there: 503), a sibling path does not
        r = env.call(
            "POST",
            "/v1/assets/import",
            "data_officer",
            json={"connector": "fhir", "source": "http://127.0.0.1:9/fhir"},
        )
        _is_problem(r, 503, "fhir_server_unreachable")
        r = env.call(
            "POST",
            "/v1/assets/import",
            "data_officer",
            json={"connector": "fhir", "source": "http://127.0.0.1:9/fhirx"},
        )
        _is_problem(r, 403, "source_not_allowed")
        # the node's own database stays out of reach even when configured by mistake
        r = env.call(
            "POST",
            "/v1/assets/import",
            "data_officer",
            json={"connector": "sql", "source": pg_url, "tables": ["tokens"]},
        )
        _is_problem(r, 403, "source_is_node_database")
    finally:
        c.close()


# --- logs ----------------------------------------------------------------------------------------


def test_request_ids_are_echoed_and_generated(env: Env) -> None:
    r = env.call("GET", "/v1/whoami", "insurer", headers={"X-Request-ID": "req-abc.123"})
    assert r.headers["x-request-id"] == "req-abc.123"
    generated = env.call("GET", "/v1/whoami", "insurer").headers["x-request-id"]
    assert len(generated) == 32 and generated != "req-abc.123"
    forged = env.call("GET", "/v1/whoami", "insurer", headers={"X-Request-ID": "x y" * 30})
    assert forged.headers["x-request-id"].isalnum() and len(forged.headers["x-request-id"]) == 32


def test_access_log_is_json_with_request_id_and_no_query_values(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    from node.api.observability import JsonFormatter

    caplog.set_level(logging.INFO, logger="node.access")
    env.call(
        "GET",
        f"/v1/audit/entries?actor={PATIENT}&action={ID_CARD}",
        "data_officer",
        headers={"X-Request-ID": "r1"},
    )
    records = [r for r in caplog.records if r.name == "node.access"]
    assert records
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["request_id"] == "r1" and line["status"] == 200 and line["method"] == "GET"
    assert line["path"] == "/v1/audit/entries"
    assert line["query"] == {"actor": "[REDACTED]", "action": "[REDACTED]"}
    assert PATIENT not in caplog.text and ID_CARD not in caplog.text


def test_an_unexpected_error_logs_no_sql_parameters_and_answers_problem_json(
    env: Env, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text

    caplog.set_level(logging.DEBUG)

    def failing(*_a: object, **_k: object) -> list[object]:
        with env.c.engine.connect() as conn:  # a real driver error carrying a parameter
            conn.execute(text("SELECT CAST(:v AS integer)"), {"v": PATIENT})
        return []

    monkeypatch.setattr(env.c.audit, "recent", failing)
    r = env.call("GET", "/v1/audit/entries", "data_officer", headers={"X-Request-ID": "boom-1"})
    body = _is_problem(r, 500, "internal_error")
    assert r.headers["x-request-id"] == "boom-1" and body.get("request_id") == "boom-1"
    assert PATIENT not in caplog.text
    assert any(getattr(rec, "request_id", None) == "boom-1" for rec in caplog.records if rec.levelno >= 40)


def test_a_served_node_logs_json_lines_without_query_values_or_tracebacks(
    pg_url: str, tmp_path: Path
) -> None:
    import os
    import subprocess
    import time

    import httpx

    from tests.chain_support import free_port
    from tests.conftest import node_env
    from tests.integration.test_cli import HNODE

    c = make_container(pg_url, tmp_path / "node")
    officer = c.identity.register("cli:test", "officer", ["data_officer"], "org", None)
    token = c.identity.issue_token("cli:test", officer.id).secret
    c.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NODE_")}
    env |= node_env(tmp_path / "node", pg_url, listen_port=str(port))
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([HNODE, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, log.read_text()
            time.sleep(0.2)
        auth = {"Authorization": f"Bearer {token}"}
        ok = httpx.get(
            f"{base}/v1/audit/entries", params={"actor": PATIENT}, headers=auth | {"X-Request-ID": "q-1"}
        )
        assert ok.status_code == 200 and ok.headers["x-request-id"] == "q-1"
        nul = httpx.get(f"{base}/v1/contracts/ct_%00{ID_CARD}", headers=auth | {"X-Request-ID": "q-2"})
        assert nul.status_code == 422 and nul.json()["request_id"] == "q-2"
    finally:
        server.terminate()
        server.wait(timeout=10)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    access = {line["request_id"]: line for line in lines if line["logger"] == "node.access"}
    assert access["q-1"]["query"] == {"actor": "[REDACTED]"} and access["q-1"]["status"] == 200
    assert access["q-2"]["status"] == 422 and access["q-2"]["path"] == "/v1/contracts/{contract_id}"
    text = log.read_text()
    assert PATIENT not in text and ID_CARD not in text and "Traceback" not in text


def test_integers_beyond_what_the_database_holds_are_422(env: Env) -> None:
    """Found by the fuzzer: a sequence number past bigint was a DataError (500) on PostgreSQL."""
    _is_problem(env.call("GET", f"/v1/audit/proofs/{2**70}", "insurer"), 422, "request_invalid")
    body = {"purpose": "actuarial_statistics", "cohort_size": 2**70}
    _is_problem(env.call("POST", "/v1/contracts/ct_x/uses", "insurer", json=body), 422, "request_invalid")
