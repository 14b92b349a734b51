"""The engine's direct C-API evaluation gives the same results as regopy's own calls."""

from __future__ import annotations

import json
from typing import Any

import pytest
from regopy import Interpreter

from node.adapters.policy.rego_capi import RegoCallError, evaluate

DOCUMENTS: list[Any] = [
    {},
    {"a": 1, "b": -(2**62), "c": 1.5, "d": 0.25, "e": True, "f": False, "g": None},
    {"s": "", "u": "患者张三 住院号ZY123456", "emoji": "\u2603"},
    {"list": [1, "x", None, [2, [3]], {"k": "v"}], "tuple": (1, 2), "empty": [], "obj": {}},
    {"principal": {"id": "pr_1", "roles": ["insurer"]}, "contract": {"uses": 3, "epsilon": 1.0}},
]


@pytest.fixture(scope="module")
def echo() -> tuple[Interpreter, Any]:
    r = Interpreter()
    r.add_module("echo.rego", "package echo\nimport rego.v1\ndocument := input\n")
    return r, r.build(None, ["echo/document"])


@pytest.mark.parametrize("document", DOCUMENTS)
def test_same_input_as_regopy(echo: tuple[Interpreter, Any], document: Any) -> None:
    r, bundle = echo
    r.set_input(document)
    expected = str(r.query_bundle_entrypoint(bundle, "echo/document"))
    r.set_input({"stale": True})
    got = evaluate(r, bundle, b"echo/document", document)
    assert got == expected
    assert json.loads(got)["expressions"][0] == json.loads(json.dumps(document))


@pytest.mark.parametrize("bad", [{"x": {1, 2}}, {"x": object()}, {1: "non-string key"}])
def test_values_json_cannot_hold_are_refused(echo: tuple[Interpreter, Any], bad: Any) -> None:
    with pytest.raises(TypeError):
        evaluate(echo[0], echo[1], b"echo/document", bad)


def test_undefined_results_and_unknown_entrypoints() -> None:
    r = Interpreter()
    r.add_module("p.rego", "package p\nimport rego.v1\nallow if input.x == 1\n")
    bundle = r.build(None, ["p/allow"])
    undefined = evaluate(r, bundle, b"p/allow", {"x": 2})
    r.set_input({"x": 2})
    assert undefined == "undefined" == str(r.query_bundle_entrypoint(bundle, "p/allow"))
    assert evaluate(r, bundle, b"p/allow", {"x": 1}) == '{"expressions":[true]}'
    with pytest.raises(RegoCallError):
        evaluate(r, bundle, b"p/nothing", {"x": 1})
