"""Schemathesis against the node's own OpenAPI, on PostgreSQL, as a data officer, a partner and nobody.

Every operation gets generated requests (valid and invalid) with each identity. Three properties hold for
all of them: no server error, every answer within the documented schema (status code, content type,
body), and no role escalation (a 2xx only for a role in the operation's ``x-roles``; nothing but the
public routes for an anonymous caller). Bounded: a few examples per operation and role, derandomized.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from node.api.app import create_app
from node.bootstrap import Container, build_container
from node.config import load_settings
from tests.conftest import make_container
from tests.contract_world import World, build_world

EXAMPLES = 25  # per operation and identity, valid and invalid: ~1,450 requests per identity, ~15 s here
BUDGET_S = 150  # per identity: a bound on CI time whatever the machine
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
IDENTITIES = {"anonymous": None, "partner": "insurer", "officer": "data_officer"}
REAL_IDS: dict[str, list[Any]] = {}  # every other example names things that exist (filled by the fixture)


@pytest.fixture(scope="module")
def world(pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Container, World]]:
    """One node for all three identities, with products, an active contract and a pending one."""
    import psycopg

    from tests.conftest import PASSPHRASE, PG_ADMIN_DSN, _sqlalchemy_url

    name = f"hnode_fuzz_{int(time.time() * 1000)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    tmp = tmp_path_factory.mktemp("fuzz")
    make_container(_sqlalchemy_url(name), tmp / "node").close()  # creates the node key
    settings = load_settings(
        data_dir=tmp / "node",
        database_url=_sqlalchemy_url(name),
        key_passphrase=PASSPHRASE,
        anonymization_key=SecretStr("fuzz-anonymization-key"),  # else /v1/anonymize/text is 503 by design
    )
    c = build_container(settings)
    w = build_world(c, tmp / "samples")
    active = w.active(
        w.insurer, w.insurer_key, "aggregate", w.terms("aggregate_query", "actuarial_statistics")
    )
    pending = c.contracts.request(
        w.insurer, w.products["aggregate"], w.terms("aggregate_query", "actuarial_statistics")
    )
    c.audit.seal()
    c.anchoring.anchor_audit()
    REAL_IDS.update(
        contract_id=[active.id, pending.id],
        product_id=list(w.products.values()),
        asset_id=[a.id for a in c.assets.search()],
        principal_id=[w.insurer.id, w.officer.id],
        seq=[1, 2],
    )
    yield c, w
    c.close()
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _escalation(role: str | None, case: Any, response: Any) -> str | None:
    if not 200 <= response.status_code < 300:
        return None
    roles = case.operation.definition.raw.get("x-roles")
    if roles is None:  # public by design (x-public; test_api_docs keeps the list)
        return None
    if role is None:
        return f"anonymous caller got {response.status_code}"
    if role not in roles:
        return f"{role} got {response.status_code}; allowed: {roles}"
    return None


@pytest.mark.parametrize("identity", sorted(IDENTITIES))
def test_fuzz_the_openapi(world: tuple[Container, World], identity: str) -> None:
    c, w = world
    app = create_app(c, access_log=False)
    role = IDENTITIES[identity]
    headers: dict[str, str] = {}
    if role is not None:
        principal = {"insurer": w.insurer, "data_officer": w.officer}[role]
        headers["Authorization"] = "Bearer " + c.identity.issue_token("cli:fuzz", principal.id).secret
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    started = time.monotonic()
    operations = 0
    counter = itertools.count()
    statuses: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if time.monotonic() - started > BUDGET_S:
            break
        operations += 1

        @given(
            case=st.one_of(  # valid requests and invalid ones (wrong types, missing fields, bad values)
                operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
            )
        )
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            n = next(counter)
            for name in case.path_parameters or {}:
                if n % 2 and REAL_IDS.get(name):
                    case.path_parameters[name] = REAL_IDS[name][n // 2 % len(REAL_IDS[name])]
            response = case.call(headers={**(case.headers or {}), **headers})
            statuses.append(response.status_code)
            problem = _escalation(role, case, response)
            if problem:
                failures.append(f"{case.operation.label}: {problem}")
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:  # collect every failure, report them together
                for exc in group.exceptions:
                    what = " ".join(str(exc).split())[:300]
                    failures.append(
                        f"{case.operation.label} [{response.status_code}] {type(exc).__name__}: {what}"
                    )

        run()
    assert operations >= 50
    succeeded = sum(200 <= s < 300 for s in statuses)
    # the fuzzer reaches real objects, not only 401s and 404s (anonymous: the public routes only)
    assert succeeded >= (40 if role else 1), (succeeded, len(statuses))
    assert not failures, "\n".join(sorted(set(failures))[:40])
    print(f"{identity}: {len(statuses)} requests, {succeeded} succeeded")
