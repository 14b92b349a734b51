"""The public API description: typed bodies everywhere, problem+json answers documented, roles named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from node.api.app import create_app
from tests.conftest import make_container

PROBLEMS = {"401", "403", "404", "409", "422"}


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


def test_every_operation_documents_its_problem_answers_and_roles(spec: dict[str, Any]) -> None:
    for method, path, op in _operations(spec):
        if path == "/health":
            continue
        responses = op["responses"]
        assert PROBLEMS <= set(responses), (method, path)
        for status in PROBLEMS:
            content = responses[status]["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
        assert op["x-roles"] and set(op["x-roles"]) <= {
            "admin",
            "data_officer",
            "ethics_reviewer",
            "insurer",
            "researcher",
            "hospital",
            "coordinator",
        }
        assert op.get("security"), (method, path)
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


def test_every_json_answer_has_a_typed_schema(spec: dict[str, Any]) -> None:
    for method, path, op in _operations(spec):
        ok = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert ok, (method, path)
        for status, response in ok.items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if path == "/v1/fl/models/{model_id}":
                continue  # the model's canonical bytes, checked against its digest header
            assert schema, (method, path, status)
            resolved = _resolve(spec, schema.get("items", schema))
            assert resolved.get("properties") or resolved.get("description"), (method, path, status)
