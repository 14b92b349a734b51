"""The Rego policies' own tests (policies/tests/*_test.rego), run with rego-cpp.

The same files run unchanged under `opa test policies/` where OPA is installed. rego-cpp 1.x
(regopy 1.5.2) crashes on ``with input as``, so the tests call the policies' ``decide`` functions
directly, except where a policy reads ``input`` itself (the usage scope, the enforcement hot path):
its test file holds a table ``cases`` of inputs and expected reasons, which this module runs through
the embedded engine case by case (``policies/tests/opa/`` runs the same table under OPA).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from regopy import Interpreter

from node.adapters.policy.bundle import SCOPES, PolicyBundle
from node.adapters.policy.regopy_engine import RegopyEngine

BUNDLE = PolicyBundle.load()
TEST_RULE = re.compile(r"^(test_\w+)\b", re.MULTILINE)
CASES = [
    (BUNDLE.package(source), rule) for source in BUNDLE.tests.values() for rule in TEST_RULE.findall(source)
]
TABLE_SCOPES = [s for s in SCOPES if "\ncases := {" in BUNDLE.tests[f"{s}_test.rego"]]


def _interpreter() -> Interpreter:
    r = Interpreter()
    for name, source in {**BUNDLE.modules, **{f"tests/{k}": v for k, v in BUNDLE.tests.items()}}.items():
        r.add_module(name, source)
    r.add_data_json(json.dumps(BUNDLE.data))
    return r


def _value(r: Interpreter, ref: str) -> Any:
    return json.loads(str(r.query(f"x = {ref}")))["bindings"]["x"]


_TABLE = _interpreter()
TABLE_CASES = [
    (scope, name, case)
    for scope in TABLE_SCOPES
    for name, case in sorted(_value(_TABLE, f"data.hnode.{scope}_test.cases").items())
]


@pytest.fixture(scope="module")
def rego() -> Interpreter:
    return _interpreter()


@pytest.fixture(scope="module")
def engine() -> RegopyEngine:
    return RegopyEngine(BUNDLE)


def test_there_are_rego_tests_for_every_scope() -> None:
    packages = {pkg for pkg, _ in CASES} | {f"hnode.{s}_test" for s in TABLE_SCOPES}
    assert packages == {f"hnode.{s}_test" for s in SCOPES}
    assert len(CASES) >= 25 and TABLE_SCOPES == ["usage"] and len(TABLE_CASES) >= 15


@pytest.mark.parametrize(("package", "rule"), CASES, ids=[f"{p}.{r}" for p, r in CASES])
def test_rego_rule(rego: Interpreter, package: str, rule: str) -> None:
    out = str(rego.query(f"x = data.{package}.{rule}"))
    assert out == '{"expressions":[true], "bindings":{"x":true}}', out


@pytest.mark.parametrize(("scope", "name", "case"), TABLE_CASES, ids=[f"{s}.{n}" for s, n, _ in TABLE_CASES])
def test_rego_case(
    rego: Interpreter, engine: RegopyEngine, scope: str, name: str, case: dict[str, Any]
) -> None:
    decision = engine.decide(scope, case["input"])
    assert (decision.allow, decision.reasons) == (case["reasons"] == [], case["reasons"])
    # `allow` counts the passed checks, so every name a rule adds must be one of check_names
    rego.set_input(case["input"])
    passed = _value(rego, f"data.hnode.{scope}.passes")
    assert set(passed) <= set(_value(rego, f"data.hnode.{scope}.check_names"))


@pytest.mark.parametrize("scope", SCOPES)
def test_every_check_of_a_scope_is_exercised_by_a_test(scope: str) -> None:
    source = BUNDLE.modules[f"{scope}.rego"]
    names = re.findall(r'"(\w+)"', source.split("check_names := [", 1)[1].split("]", 1)[0])
    assert names, scope
    tests = BUNDLE.tests[f"{scope}_test.rego"]
    untested = [n for n in names if f'"{n}"' not in tests]
    assert not untested, f"checks without a Rego test naming them: {untested}"
