"""The Rego policies' own tests (policies/tests/*_test.rego), run rule by rule with rego-cpp.

The same files run unchanged under `opa test policies/` where OPA is installed. They call the
policies' ``decide`` functions directly rather than using ``with input as``, which rego-cpp 1.x
(regopy 1.5.2) crashes on.
"""

from __future__ import annotations

import json
import re

import pytest
from regopy import Interpreter

from node.adapters.policy.bundle import SCOPES, PolicyBundle

BUNDLE = PolicyBundle.load()
TEST_RULE = re.compile(r"^(test_\w+)\b", re.MULTILINE)
CASES = [
    (BUNDLE.package(source), rule) for source in BUNDLE.tests.values() for rule in TEST_RULE.findall(source)
]


@pytest.fixture(scope="module")
def rego() -> Interpreter:
    r = Interpreter()
    for name, source in {**BUNDLE.modules, **{f"tests/{k}": v for k, v in BUNDLE.tests.items()}}.items():
        r.add_module(name, source)
    r.add_data_json(json.dumps(BUNDLE.data))
    return r


def test_there_are_rego_tests_for_every_scope() -> None:
    packages = {pkg for pkg, _ in CASES}
    assert packages == {f"hnode.{s}_test" for s in SCOPES}
    assert len(CASES) >= 40


@pytest.mark.parametrize(("package", "rule"), CASES, ids=[f"{p}.{r}" for p, r in CASES])
def test_rego_rule(rego: Interpreter, package: str, rule: str) -> None:
    out = str(rego.query(f"x = data.{package}.{rule}"))
    assert out == '{"expressions":[true], "bindings":{"x":true}}', out


@pytest.mark.parametrize("scope", SCOPES)
def test_every_check_of_a_scope_is_exercised_by_a_test(scope: str) -> None:
    source = BUNDLE.modules[f"{scope}.rego"]
    names = re.findall(r'"(\w+)"', source.split("check_names := [", 1)[1].split("]", 1)[0])
    assert names, scope
    tests = BUNDLE.tests[f"{scope}_test.rego"]
    untested = [n for n in names if f'"{n}"' not in tests]
    assert not untested, f"checks without a Rego test naming them: {untested}"
