"""The public API description: typed bodies everywhere, problem+json answers documented, roles named;
the routes without a node token are exactly the listed ones; the Dataspace Protocol binding documents
its own messages and error objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from node.api.app import create_app
from tests.conftest import make_container

PROBLEMS = {"401", "403", "404", "409", "422"}
ROLES = {"admin", "data_officer", "ethics_reviewer", "insurer", "researcher", "hospital", "coordinator"}
# Every route that takes no node token, by design. A new one must be added here (and say why in its
# ``deps.public(...)``) to pass: an unauthenticated route cannot slip in unnoticed.
PUBLIC = {
    ("GET", "/health"),  # liveness
    ("GET", "/ready"),  # readiness, for orchestrators
    ("POST", "/v1/sign-in"),  # the partner's SM2 signature is the credential
    ("POST", "/v1/console/challenge"),  # SM2 sign-in, step 1
    ("POST", "/v1/console/session/sm2"),  # SM2 sign-in, step 2: the signed challenge is the credential
    ("GET", "/dsp/2025-1/transfers/{provider_pid}/data"),  # the transfer's single-use token
}
DSP_ERROR = {"$ref": "#/components/schemas/DspErrorObject"}
PROBLEM = {"$ref": "#/components/schemas/Problem"}
NOT_JSON = {"text/plain", "application/zip", "application/octet-stream"}  # metrics, datasets, records


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from node.adapters.db.migrate import upgrade

    tmp = tmp_path_factory.mktemp("docs")
    url = f"sqlite:///{tmp / 'node.db'}"
    upgrade(url)
    c = make_container(url, Path(tmp) / "node")
    try:
        r = TestClient(create_app(c)).get("/openapi.json")  # no token
        assert r.status_code == 200
        return r.json()  # type: ignore[no-any-return]
    finally:
        c.close()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _dsp(path: str) -> bool:
    return path.startswith("/dsp/") or path == "/.well-known/dspace-version"


def _node_token(op: dict[str, Any]) -> bool:
    return any("HTTPBearer" in s for s in op.get("security", []))


def test_only_the_listed_routes_are_public(spec: dict[str, Any]) -> None:
    public = {(m, p) for m, p, op in _operations(spec) if "x-roles" not in op}
    assert public == PUBLIC
    for method, path, op in _operations(spec):
        if (method, path) not in PUBLIC:
            assert _node_token(op) and "x-public" not in op, (method, path)
            continue
        assert op["x-public"] and not _node_token(op), (method, path)
        failures = {s: r for s, r in op["responses"].items() if not s.startswith("2")}
        if "requestBody" in op:
            assert {"400", "413", "422"} <= set(failures), (method, path)
        for status, response in failures.items():
            if path == "/ready":  # the orchestrator reads which check failed
                assert status == "503" and response["content"]["application/json"]["schema"]
                continue
            assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}, (path, status)
    # the SM2 sign-ins refuse a bad signature with 401; the data address without its token likewise
    assert all("401" in op["responses"] for m, p, op in _operations(spec) if "sign" in p or "sm2" in p)
    data = spec["paths"]["/dsp/2025-1/transfers/{provider_pid}/data"]["get"]
    assert "401" in data["responses"] and data["security"] == [{"TransferToken": []}]


def test_every_operation_documents_its_problem_answers_and_roles(spec: dict[str, Any]) -> None:
    checked = 0
    for method, path, op in _operations(spec):
        if (method, path) in PUBLIC or _dsp(path):
            continue  # the tests above and below
        checked += 1
        responses = op["responses"]
        assert PROBLEMS <= set(responses), (method, path)
        for status in PROBLEMS:
            content = responses[status]["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
            assert content["application/problem+json"]["schema"] == PROBLEM
        assert op["x-roles"] and set(op["x-roles"]) <= ROLES
        assert op.get("security"), (method, path)
    assert checked >= 60
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])
    assert problem.get("examples")


def test_every_request_body_is_a_named_typed_model_with_an_example(spec: dict[str, Any]) -> None:
    bodies = 0
    for method, path, op in _operations(spec):
        if "requestBody" not in op:
            continue
        content = op["requestBody"]["content"]
        if "application/json" not in content:
            continue  # the HE context upload is raw bytes
        bodies += 1
        ref = content["application/json"]["schema"]
        assert "$ref" in ref, (method, path)
        model = _resolve(spec, ref)
        assert model["properties"], (method, path)
        assert model.get("examples"), (method, path, ref)
        for name, prop in model["properties"].items():
            prop = _resolve(spec, prop)
            # no untyped objects: an object property has properties or typed values
            if prop.get("type") == "object":
                extra = prop.get("additionalProperties")
                assert prop.get("properties") or (isinstance(extra, dict) and extra), (method, path, name)
    assert bodies >= 20


def test_the_dataspace_protocol_binding_documents_its_messages_and_error_objects(
    spec: dict[str, Any],
) -> None:
    """DSP 2025-1 HTTPS binding: answers are the protocol's JSON messages, failures its error objects
    (400 invalid or out of order, 401 without a valid token, 404 unknown, foreign, or not allowed)."""
    error = spec["components"]["schemas"]["DspErrorObject"]
    assert {"@context", "@type", "code", "reason"} <= set(error["required"]) and error.get("examples")
    operations = [(m, p, op) for m, p, op in _operations(spec) if _dsp(p) and (m, p) not in PUBLIC]
    assert len(operations) >= 15
    for method, path, op in operations:
        responses = op["responses"]
        assert op["x-roles"] and set(op["x-roles"]) <= ROLES and _node_token(op), (method, path)
        for status in ("400", "401", "404"):
            assert responses[status]["content"]["application/json"]["schema"] == DSP_ERROR, (path, status)
        assert "422" not in responses and "403" not in responses, (method, path)
        if method == "POST":  # an unreadable or oversized body is refused by the node, before the protocol
            assert responses["413"]["content"] == {"application/problem+json": {"schema": PROBLEM}}
            if not path.endswith("{step}"):  # the message it reads, documented (checked as a body above)
                body = op["requestBody"]["content"]["application/json"]["schema"]
                assert _resolve(spec, body)["title"].endswith("Message"), (method, path)
        (status, ok), *more = [(s, r) for s, r in responses.items() if s.startswith("2")]
        assert not more and status in {"200", "201"}, (method, path)
        message = _resolve(spec, ok["content"]["application/json"]["schema"])
        assert message["description"] and ok["description"], (method, path)
        assert {"@type", "@context"} <= set(message["properties"]) or path.startswith("/.well-known"), path


def test_every_json_answer_has_a_typed_schema(spec: dict[str, Any]) -> None:
    for method, path, op in _operations(spec):
        ok = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert ok, (method, path)
        for status, response in ok.items():
            content = response.get("content", {})
            if status == "204":
                assert not content, (method, path)
                continue
            if path == "/v1/fl/models/{model_id}":
                continue  # the model's canonical bytes, checked against its digest header
            if "application/json" not in content:  # metrics text, a zip, a quarantined record
                (media, body), *more = content.items()
                assert not more and media in NOT_JSON, (method, path, media)
                assert body["schema"]["type"] == "string" and response["description"], (method, path)
                continue
            schema = content["application/json"].get("schema")
            assert schema, (method, path, status)
            resolved = _resolve(spec, schema.get("items", schema))
            assert resolved.get("properties") or resolved.get("description"), (method, path, status)
