"""The HTTP API: authentication and roles on every route, problem+json errors, no secrets in logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from node.api.app import create_app
from node.bootstrap import Container
from node.crypto.sm import PrivateKey

PUB = PrivateKey.generate().public_key().to_hex()

# Every route and the roles allowed to call it. A new route must be added here to pass.
ROUTES: dict[tuple[str, str], set[str] | None] = {
    ("GET", "/health"): None,
    ("GET", "/ready"): None,
    ("GET", "/metrics"): {"admin"},
    ("POST", "/v1/sign-in"): None,  # the partner's SM2 signature is the credential
    ("GET", "/v1/whoami"): {"admin", "data_officer", "insurer"},
    ("GET", "/v1/node"): {"admin", "data_officer", "insurer"},
    ("POST", "/v1/principals"): {"admin"},
    ("GET", "/v1/principals"): {"admin", "data_officer"},
    ("GET", "/v1/principals/{principal_id}"): {"admin", "data_officer"},
    ("POST", "/v1/principals/{principal_id}/tokens"): {"admin"},
    ("GET", "/v1/principals/{principal_id}/tokens"): {"admin"},
    ("DELETE", "/v1/tokens/{token_id}"): {"admin"},
    ("GET", "/v1/audit/entries"): {"admin", "data_officer"},
    ("GET", "/v1/audit/verify"): {"admin", "data_officer"},
    ("POST", "/v1/audit/seal"): {"admin"},
    ("POST", "/v1/assets/import"): {"admin", "data_officer"},
    ("GET", "/v1/assets"): {"admin", "data_officer"},
    ("GET", "/v1/assets/{asset_id}"): {"admin", "data_officer"},
    ("POST", "/v1/assets/{asset_id}/grade"): {"data_officer"},
    ("GET", "/v1/assets/{asset_id}/versions"): {"admin", "data_officer"},
    ("GET", "/v1/quarantine"): {"admin", "data_officer"},
    ("GET", "/v1/quarantine/{record_id}/record"): {"data_officer"},
    ("POST", "/v1/quarantine/{record_id}/fix"): {"data_officer"},
    ("POST", "/v1/quarantine/{record_id}/discard"): {"data_officer"},
    ("GET", "/v1/products"): {"admin", "data_officer", "insurer"},
    ("GET", "/v1/products/{product_id}"): {"admin", "data_officer", "insurer"},
    ("POST", "/v1/products"): {"data_officer"},
    ("POST", "/v1/products/{product_id}/publish"): {"data_officer"},
    ("POST", "/v1/products/{product_id}/retire"): {"data_officer"},
    ("GET", "/v1/catalog.jsonld"): {"admin", "data_officer", "insurer"},
    ("POST", "/v1/products/{product_id}/extract"): {"data_officer"},
    ("POST", "/v1/audit/anchor"): {"admin"},
    ("GET", "/v1/audit/proofs/{seq}"): {"admin", "data_officer", "insurer"},
    ("POST", "/v1/contracts"): {"insurer"},
    ("GET", "/v1/contracts"): {"admin", "data_officer", "insurer"},
    ("GET", "/v1/contracts/{contract_id}"): {"admin", "data_officer", "insurer"},
    ("GET", "/v1/contracts/{contract_id}/document"): {"admin", "data_officer", "insurer"},
    ("POST", "/v1/contracts/{contract_id}/sign"): {"insurer"},
    ("POST", "/v1/contracts/{contract_id}/accept"): {"insurer"},
    ("POST", "/v1/contracts/{contract_id}/decline"): {"insurer"},
    ("POST", "/v1/contracts/{contract_id}/terminate"): {"insurer"},
    ("POST", "/v1/contracts/{contract_id}/approve"): {"data_officer"},
    ("POST", "/v1/contracts/{contract_id}/ethics-approve"): set(),
    ("POST", "/v1/contracts/{contract_id}/reject"): {"data_officer"},
    ("POST", "/v1/contracts/{contract_id}/counter-offer"): {"data_officer"},
    ("POST", "/v1/contracts/{contract_id}/revoke"): {"data_officer"},
    ("POST", "/v1/contracts/{contract_id}/uses"): {"insurer"},
    ("GET", "/v1/contracts/{contract_id}/usage"): {"admin", "data_officer", "insurer"},
    ("POST", "/v1/contracts/{contract_id}/extract"): {"insurer"},
    ("GET", "/v1/contracts/{contract_id}/verification"): {"admin", "data_officer", "insurer"},
    ("POST", "/v1/fl/jobs"): {"insurer"},
    ("GET", "/v1/fl/jobs"): {"admin", "data_officer", "insurer"},
    ("GET", "/v1/fl/jobs/{job_id}"): {"admin", "data_officer", "insurer"},
    ("POST", "/v1/fl/jobs/{job_id}/stop"): {"data_officer", "insurer"},
    ("POST", "/v1/fl/jobs/{job_id}/start"): {"data_officer", "insurer"},
    ("GET", "/v1/fl/models"): {"admin", "data_officer", "insurer"},
    ("GET", "/v1/fl/models/{model_id}"): {"data_officer", "insurer"},
    ("GET", "/v1/fl/trained"): {"admin", "data_officer"},
    ("POST", "/v1/console/session"): {"admin", "data_officer"},
    ("POST", "/v1/console/challenge"): None,  # SM2 sign-in: the signature is the credential
    ("POST", "/v1/console/session/sm2"): None,
    ("DELETE", "/v1/console/session"): {"admin", "data_officer"},
    ("GET", "/v1/console/pending"): {"admin", "data_officer"},
    ("GET", "/v1/console/contracts"): {"admin", "data_officer"},
    ("GET", "/v1/console/assets"): {"admin", "data_officer"},
    ("GET", "/v1/console/imports"): {"admin", "data_officer"},
    ("GET", "/v1/console/he-queries"): {"admin", "data_officer"},
    ("GET", "/v1/console/fl-jobs"): {"admin", "data_officer"},
    ("GET", "/v1/console/audit"): {"admin", "data_officer"},
    ("GET", "/v1/console/map"): {"admin", "data_officer"},
    ("GET", "/v1/console/claims"): {"admin", "data_officer"},
    ("GET", "/v1/console/consents"): {"data_officer"},
    ("GET", "/v1/console/region-map"): {"admin", "data_officer"},
    ("POST", "/v1/he/sessions"): {"insurer"},
    ("POST", "/v1/he/score"): {"insurer"},
    ("POST", "/v1/he/aggregate"): {"insurer"},
    ("POST", "/v1/he/jobs/score"): {"insurer"},
    ("GET", "/v1/he/jobs/{job_id}"): {"insurer"},
    ("POST", "/v1/he/combine"): set(),
    ("GET", "/v1/he/models/{product_id}"): {"admin", "data_officer", "insurer"},
    ("POST", "/v1/he/models/{product_id}/train"): {"data_officer"},
    ("POST", "/v1/anonymize/detect"): {"admin", "data_officer"},
    ("POST", "/v1/anonymize/text"): {"admin", "data_officer"},
    # Dataspace Protocol: errors are the protocol's objects; a caller without the role gets 404
    ("GET", "/.well-known/dspace-version"): {"admin", "data_officer", "insurer"},
    ("POST", "/dsp/2025-1/catalog/request"): {"admin", "data_officer", "insurer"},
    ("GET", "/dsp/2025-1/catalog/datasets/{dataset_id}"): {"admin", "data_officer", "insurer"},
    ("POST", "/dsp/2025-1/negotiations/request"): {"insurer"},
    ("GET", "/dsp/2025-1/negotiations/{provider_pid}"): {"admin", "data_officer", "insurer"},
    ("GET", "/dsp/2025-1/negotiations/{provider_pid}/agreement"): {"insurer"},
    ("POST", "/dsp/2025-1/negotiations/{provider_pid}/request"): {"insurer"},
    ("POST", "/dsp/2025-1/negotiations/{provider_pid}/events"): {"insurer"},
    ("POST", "/dsp/2025-1/negotiations/{provider_pid}/agreement/verification"): {"insurer"},
    ("POST", "/dsp/2025-1/negotiations/{provider_pid}/termination"): {"insurer"},
    ("POST", "/dsp/2025-1/transfers/request"): {"insurer"},
    ("GET", "/dsp/2025-1/transfers/{provider_pid}"): {"admin", "data_officer", "insurer"},
    ("POST", "/dsp/2025-1/transfers/{provider_pid}/completion"): {"insurer"},
    ("POST", "/dsp/2025-1/transfers/{provider_pid}/termination"): {"insurer"},
    ("POST", "/dsp/2025-1/transfers/{provider_pid}/{step}"): {"insurer"},
    ("GET", "/dsp/2025-1/transfers/{provider_pid}/data"): set(),  # the data address's own token only
    ("POST", "/v1/research/cohorts/attrition"): {"insurer"},
    ("POST", "/v1/consents"): {"data_officer"},
    ("GET", "/v1/consents"): {"data_officer"},
    ("POST", "/v1/consents/{consent_id}/withdraw"): {"data_officer"},
    ("GET", "/v1/psi/{contract_id}"): {"insurer"},
    ("POST", "/v1/psi/{contract_id}"): {"insurer"},
    ("GET", "/v1/queries/{contract_id}"): {"insurer"},
    ("POST", "/v1/queries/{contract_id}"): {"insurer"},
    ("POST", "/v1/research/datasets"): {"insurer"},
    ("POST", "/v1/settlement/claims"): {"admin", "data_officer"},
    ("GET", "/v1/settlement/claims"): {"admin", "data_officer", "insurer"},
    ("GET", "/v1/settlement/reconciliation"): {"admin", "data_officer", "insurer"},
    ("POST", "/v1/settlement/claims/pull"): {"insurer"},
    ("POST", "/v1/settlement/claims/{claim_id}/response"): {"insurer"},
}
DSP = ("/dsp/", "/.well-known/")


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
        return self.client.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]


@pytest.fixture
def env(container: Container) -> Iterator[Env]:
    yield Env(container)


def _concrete(env: Env, path: str) -> str:
    token_id = env.c.identity.tokens_of(env.ids["insurer"])[0].id
    path = path.replace("{asset_id}", "as_x").replace("{product_id}", "pd_x")
    path = path.replace("{contract_id}", "ct_x").replace("{seq}", "1").replace("{job_id}", "job_x")
    path = (
        path.replace("{model_id}", "mdl_x")
        .replace("{consent_id}", "cs_x")
        .replace("{claim_id}", "cl_x")
        .replace("{provider_pid}", "urn:uuid:x")
    )
    path = path.replace("{dataset_id}", "urn:hnode:x:product:pd_x").replace("{step}", "suspension")
    path = path.replace("{consent_id}", "cs_x").replace("{claim_id}", "cl_x")
    return path.replace("{principal_id}", env.ids["insurer"]).replace("{token_id}", token_id)


def test_route_table_is_complete(env: Env) -> None:
    spec = env.client.app.openapi()  # type: ignore[attr-defined]
    assert {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops} == set(ROUTES)


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
def test_every_route_but_health_requires_a_token_and_a_role(env: Env, method: str, path: str) -> None:
    allowed = ROUTES[(method, path)]
    url = _concrete(env, path)
    anon = env.call(method, url, json={})
    if allowed is None:
        # the SM2 sign-in steps take a body: without one they refuse it, and never issue anything
        assert anon.status_code == (422 if "/console/" in path or path == "/v1/sign-in" else 200)
        return
    assert anon.status_code == 401
    dsp = path.startswith(DSP) and path.endswith("/data") is False
    assert anon.headers["content-type"] == ("application/json" if dsp else "application/problem+json")
    assert anon.json()["code"] == "token_missing"
    for role in ("insurer", "data_officer"):
        if role not in allowed:
            r = env.call(method, url, role, json={})
            if path.endswith("/data"):  # a node token is no transfer token
                assert r.status_code == 401 and r.json()["code"] == "transfer_token_invalid", r.text
            elif dsp:
                assert r.status_code == 404 and r.json()["code"] == "role_forbidden", (role, r.text)
            else:
                assert r.status_code == 403 and r.json()["code"] == "role_forbidden", (role, r.text)


def test_admin_registers_partner_and_issues_token(env: Env) -> None:
    r = env.call(
        "POST",
        "/v1/principals",
        "admin",
        json={"name": "cq-research", "roles": ["researcher"], "public_key": PUB},
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = env.call("POST", f"/v1/principals/{pid}/tokens", "admin", json={"ttl_hours": 1, "label": "t"})
    assert r.status_code == 201
    secret = r.json()["token"]
    me = env.client.get("/v1/whoami", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["name"] == "cq-research"
    listed = env.call("GET", f"/v1/principals/{pid}/tokens", "admin").json()
    assert listed and all("token" not in t and "token_hash" not in t for t in listed)
    r = env.call("DELETE", f"/v1/tokens/{listed[0]['id']}", "admin")
    assert r.status_code == 200 and r.json()["revoked_at_us"]
    again = env.client.get("/v1/whoami", headers={"Authorization": f"Bearer {secret}"})
    assert again.status_code == 401 and again.json()["code"] == "token_revoked"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"name": "x1", "roles": ["insurer"], "public_key": "04" + "11" * 64},
            422,
            "public_key_not_on_curve",
        ),
        ({"name": "x1", "roles": ["insurer"]}, 422, "public_key_required"),
        ({"name": "x1", "roles": "insurer"}, 422, "request_invalid"),
        ({"name": "u-admin", "roles": ["admin"]}, 409, "principal_exists"),
    ],
)
def test_bad_input_is_problem_json_audited_and_writes_nothing(
    env: Env, body: dict, status: int, code: str
) -> None:
    before = {p.id for p in env.c.identity.list_principals()}
    r = env.call("POST", "/v1/principals", "admin", json=body)
    assert r.status_code == status and r.json()["code"] == code
    problem = r.json()
    assert set(problem) >= {"type", "title", "status", "detail", "instance"}
    assert problem["title"] in ("输入无效", "与当前状态冲突")  # Chinese first
    assert {p.id for p in env.c.identity.list_principals()} == before
    last = env.c.audit.recent(1)[0]
    assert (last.actor, last.action, last.outcome, last.details) == (
        env.ids["admin"],
        "principal.register",
        "failed",
        {"code": code},
    )


def test_english_titles_on_request(env: Env) -> None:
    r = env.client.get("/v1/whoami", headers={"Accept-Language": "en-US"})
    assert r.json()["title"] == "Unauthorized" and r.headers["www-authenticate"].startswith("Bearer")


def test_audit_routes(env: Env) -> None:
    assert env.call("POST", "/v1/audit/seal", "admin").json()["sealed"] >= 1
    assert env.call("GET", "/v1/audit/verify", "data_officer").json()["ok"] is True
    entries = env.call("GET", "/v1/audit/entries?limit=2&action=token.issue", "data_officer").json()
    assert len(entries) == 2 and {e["action"] for e in entries} == {"token.issue"}
    assert env.call("GET", "/v1/audit/entries?limit=0", "admin").status_code == 422


def test_openapi_and_docs_are_public_and_the_routes_are_not(env: Env) -> None:
    spec = env.client.get("/openapi.json").json()
    assert "/v1/principals" in spec["paths"] and spec["info"]["title"]
    assert env.client.get("/v1/principals").status_code == 401
    docs = env.client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    assert "http://" not in docs.text and "https://" not in docs.text  # no CDN: assets come from the node
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/docs/assets/{asset}" in docs.text
        assert env.client.get(f"/docs/assets/{asset}").status_code == 200


def test_tokens_never_reach_the_logs(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for role in env.tokens:
        env.call("GET", "/v1/audit/entries", role)
    env.client.get("/v1/whoami", headers={"Authorization": "Bearer hnt_forged"})
    text = caplog.text + "".join(str(e.details) for e in env.c.audit.recent(100))
    assert all(secret not in text for secret in env.tokens.values())


def test_registry_over_http(env: Env) -> None:
    from connectors.samples import write_sample_files

    inbox = env.c.settings.import_root
    assert inbox is not None
    write_sample_files(inbox / "h1", 20, seed=2)
    outside = env.call(
        "POST", "/v1/assets/import", "data_officer", json={"connector": "csv", "source": "/etc"}
    )
    assert outside.status_code == 403 and outside.json()["code"] == "source_outside_import_root"
    r = env.call(
        "POST",
        "/v1/assets/import",
        "data_officer",
        json={"connector": "csv", "source": str(inbox / "h1" / "csv" / "observations.csv")},
    )
    assert r.status_code == 201, r.text
    asset = r.json()["assets"][0]
    assert asset["grade_in_force"]["level"] == 3
    body = {
        "name": "检验统计",
        "asset_ids": [asset["id"]],
        "access_mode": "aggregate_query",
        "visible_to": ["insurer"],
    }
    product = env.call("POST", "/v1/products", "data_officer", json=body).json()
    assert env.call("GET", "/v1/products", "insurer").json() == []  # draft: invisible to partners
    assert env.call("GET", f"/v1/products/{product['id']}", "insurer").status_code == 404
    assert (
        env.call("POST", f"/v1/products/{product['id']}/publish", "data_officer").json()["status"]
        == "published"
    )
    assert [p["id"] for p in env.call("GET", "/v1/products", "insurer").json()] == [product["id"]]
    cat = env.call("GET", "/v1/catalog.jsonld", "insurer").json()
    assert [d["dct:identifier"] for d in cat["dcat:dataset"]] == [asset["id"]]
    graded = env.call(
        "POST", f"/v1/assets/{asset['id']}/grade", "data_officer", json={"level": 4, "reason": "复核"}
    )
    assert graded.json()["confirmed"]["level"] == 4
    again = env.call("POST", f"/v1/products/{product['id']}/publish", "data_officer")
    assert again.status_code == 409 and again.json()["code"] == "product_state_invalid"


def test_quarantine_over_http(env: Env) -> None:
    import base64
    import json
    import shutil

    inbox = env.c.settings.import_root
    assert inbox is not None
    inbox.mkdir(parents=True, exist_ok=True)
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "one_bad_resource.ndjson"
    shutil.copy(fixture, inbox / "feed.ndjson")
    body = {"connector": "fhir", "source": str(inbox / "feed.ndjson"), "on_error": "quarantine"}
    r = env.call("POST", "/v1/assets/import", "data_officer", json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["records"] == 2 and out["rejected"][0]["where"] == "feed.ndjson:2 (Patient/p-bad)"
    held = env.call("GET", "/v1/quarantine", "admin").json()
    assert len(held) == 3 and all(h["payload"] is None for h in held)
    assert env.call("GET", f"/v1/quarantine/{held[0]['id']}/record", "admin").status_code == 403
    record = json.loads(env.call("GET", f"/v1/quarantine/{held[0]['id']}/record", "data_officer").content)
    record["birthDate"] = "1985-12-25"
    fix = {"record_base64": base64.b64encode(json.dumps(record).encode()).decode()}
    fixed = env.call("POST", f"/v1/quarantine/{held[0]['id']}/fix", "data_officer", json=fix)
    assert fixed.status_code == 200, fixed.text
    patients = fixed.json()["assets"][0]
    assert patients["version"] == 2 and patients["rows"] == 2
    versions = env.call("GET", f"/v1/assets/{patients['id']}/versions", "admin").json()
    assert [v["version"] for v in versions] == [1, 2]
    bad = env.call(
        "POST", f"/v1/quarantine/{held[1]['id']}/fix", "data_officer", json={"record_base64": "!!!!"}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "record_malformed"
    gone = env.call(
        "POST", f"/v1/quarantine/{held[2]['id']}/discard", "data_officer", json={"reason": "无法解析"}
    )
    assert gone.json()["status"] == "discarded"
    twice = env.call(
        "POST", f"/v1/quarantine/{held[2]['id']}/discard", "data_officer", json={"reason": "再丢"}
    )
    assert twice.status_code == 409
    assert [h["id"] for h in env.call("GET", "/v1/quarantine", "data_officer").json()] == [held[1]["id"]]


def test_extract_and_anonymize_over_http(env: Env) -> None:
    from connectors.samples import write_sample_files

    inbox = env.c.settings.import_root
    assert inbox is not None
    write_sample_files(inbox / "h2", 300, seed=4)
    r = env.call(
        "POST",
        "/v1/assets/import",
        "data_officer",
        json={"connector": "csv", "source": str(inbox / "h2" / "csv" / "patients.csv")},
    )
    asset = r.json()["assets"][0]
    assert asset["grade_in_force"]["level"] == 4
    env.call(
        "POST", f"/v1/assets/{asset['id']}/grade", "data_officer", json={"level": 3, "reason": "仅供脱敏提取"}
    )
    body = {
        "name": "人口学脱敏提取",
        "asset_ids": [asset["id"]],
        "access_mode": "anonymized_extract",
        "visible_to": ["researcher"],
        "policy_template": {"k": 5},
    }
    product = env.call("POST", "/v1/products", "data_officer", json=body).json()
    env.call("POST", f"/v1/products/{product['id']}/publish", "data_officer")
    ex = env.call("POST", f"/v1/products/{product['id']}/extract", "data_officer")
    assert ex.status_code == 200, ex.text
    data = ex.json()
    assert (
        data["report"]["achieved_k"] >= 5
        and "id_card" not in data["columns"]
        and "name" not in data["columns"]
    )
    assert {"sex", "birth_date", "district_code"} <= set(data["columns"])
    assert env.c.audit.recent(1)[0].action == "product.extract"
    det = env.call(
        "POST", "/v1/anonymize/detect", "data_officer", json={"texts": ["患者张三，电话13812345678"]}
    )
    assert [e["type"] for e in det.json()[0]["entities"]] == ["PERSON", "CN_PHONE"]
    long_text = env.call("POST", "/v1/anonymize/detect", "data_officer", json={"texts": ["a" * 100_001]})
    assert long_text.status_code == 413 and long_text.json()["code"] == "text_too_long"
    assert long_text.headers["content-type"].startswith("application/problem+json")
    big = env.call("POST", "/v1/anonymize/detect", "data_officer", json={"texts": ["a" * 2_000_000]})
    assert big.status_code == 413 and big.json()["code"] == "body_too_large"
    assert env.call("POST", "/v1/anonymize/text", "data_officer", json={"texts": ["x"]}).status_code == 503
