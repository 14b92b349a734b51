"""Principals and tokens: registration rules, expiry, revocation, and what gets audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.crypto.sm import PrivateKey
from node.errors import Conflict, InvalidInput, PolicyDenied, Unauthorized
from node.identity.model import Role
from node.identity.services import token_hash
from tests.conftest import FakeClock, make_container

PUB = PrivateKey.generate().public_key().to_hex()


def test_registration_rules(container) -> None:  # type: ignore[no-untyped-def]
    ident = container.identity
    p = ident.register("cli:t", "insurer-a", ["insurer"], "某保险", PUB.upper())
    assert p.kind == "partner" and p.public_key == PUB and p.roles == {Role.INSURER}
    assert ident.register("cli:t", "officer", ["data_officer"], "数据办").kind == "staff"
    cases = [
        (("dup", ["insurer"], "x", None), "public_key_required"),
        (("dup", ["insurer", "admin"], "x", PUB), "roles_mixed"),
        (("dup", ["janitor"], "x", None), "role_unknown"),
        (("dup", [], "x", None), "role_missing"),
        (("bad name!", ["admin"], "x", None), "name_invalid"),
        (("dup", ["researcher"], "x", "04" + "11" * 64), "public_key_not_on_curve"),
    ]
    for args, code in cases:
        with pytest.raises(InvalidInput) as err:
            ident.register("cli:t", *args)
        assert err.value.code == code
    with pytest.raises(Conflict):
        ident.register("cli:t", "insurer-a", ["insurer"], "x", PUB)
    assert [e.action for e in container.audit.recent(10)] == [
        "principal.register"
    ] * 2  # failures wrote nothing


def test_tokens_expire_and_revoke_with_audit(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    c = make_container(db_url, tmp_path / "n", clock=clock)
    p = c.identity.register("cli:t", "res", ["researcher"], "院", PUB)
    issued = c.identity.issue_token("cli:t", p.id, ttl_hours=2)
    assert issued.token.token_hash == token_hash(issued.secret)
    assert c.identity.authenticate(issued.secret) == p
    with c.uow() as uow:  # only the hash is stored
        assert uow.tokens.by_hash(issued.secret) is None
    clock.advance_hours(2)
    with pytest.raises(Unauthorized) as err:
        c.identity.authenticate(issued.secret)
    assert err.value.code == "token_expired"
    second = c.identity.issue_token("cli:t", p.id)
    c.identity.revoke_token("cli:t", second.token.id)
    with pytest.raises(Unauthorized) as err:
        c.identity.authenticate(second.secret)
    assert err.value.code == "token_revoked"
    with pytest.raises(Conflict):
        c.identity.revoke_token("cli:t", second.token.id)
    n_before = len(c.audit.recent(100))
    for junk in ("hnt_" + "A" * 43, "not-a-token", ""):
        with pytest.raises(Unauthorized):
            c.identity.authenticate(junk)
    assert len(c.audit.recent(100)) == n_before  # unknown tokens: no identity, no entry
    denied = [e for e in c.audit.recent(100) if e.outcome == "denied"]
    assert [e.details["reason"] for e in reversed(denied)] == ["token_expired", "token_revoked"]
    assert all(issued.secret not in str(e.details) for e in c.audit.recent(100))
    c.close()


def test_verified_tokens_are_cached_no_longer_than_the_window(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    api = make_container(db_url, tmp_path / "n", clock=clock)  # the API server's process
    cli = make_container(db_url, tmp_path / "n", clock=clock)  # `hnode tokens revoke`, another process
    p = api.identity.register("cli:t", "res", ["researcher"], "院", PUB)
    issued = api.identity.issue_token("cli:t", p.id)
    assert api.identity.authenticate(issued.secret) == p
    cli.identity.revoke_token("cli:t", issued.token.id)
    clock.t += 4_000_000  # inside the 5 s window: still trusted by the API process
    assert api.identity.authenticate(issued.secret) == p
    clock.t += 1_000_000
    with pytest.raises(Unauthorized) as err:
        api.identity.authenticate(issued.secret)
    assert err.value.code == "token_revoked"
    other = api.identity.issue_token("cli:t", p.id)
    assert api.identity.authenticate(other.secret) == p
    api.identity.revoke_token("cli:t", other.token.id)  # revoked through this process: at once
    with pytest.raises(Unauthorized) as err:
        api.identity.authenticate(other.secret)
    assert err.value.code == "token_revoked"
    api.close()
    cli.close()


def test_authorize_denies_and_audits(container) -> None:  # type: ignore[no-untyped-def]
    p = container.identity.register("cli:t", "ins", ["insurer"], "x", PUB)
    container.identity.authorize(p, frozenset({Role.INSURER}), "ok.action")
    with pytest.raises(PolicyDenied) as err:
        container.identity.authorize(p, frozenset({Role.ADMIN}), "audit.read")
    assert err.value.code == "role_forbidden"
    last = container.audit.recent(1)[0]
    assert (last.actor, last.action, last.outcome) == (p.id, "audit.read", "denied")


def test_the_first_admin_is_bootstrapped_once_with_a_working_token(container) -> None:  # type: ignore[no-untyped-def]
    """issue 15: the node's first administrator is added without a token, as the host's bootstrap: the
    admin and their first token in one transaction, audited as ``host-bootstrap:<login>``; once any
    administrator exists the bootstrap is refused (audited) and nothing is written."""
    ident = container.identity
    ident.register("cli:t", "officer", ["data_officer"], "数据办")  # staff that is not an admin
    admin, issued = ident.bootstrap_admin("ops", "admin", "信息中心")
    assert admin.roles == {Role.ADMIN} and ident.authenticate(issued.secret).id == admin.id
    entries = container.audit.recent(2)
    assert {(e.actor, e.action, e.outcome) for e in entries} == {
        ("host-bootstrap:ops", "principal.register", "success"),
        ("host-bootstrap:ops", "token.issue", "success"),
    }
    with pytest.raises(Conflict) as err:
        ident.bootstrap_admin("ops", "admin2", "信息中心")
    assert err.value.code == "admin_exists"
    last = container.audit.recent(1)[0]
    assert (last.actor, last.action, last.outcome) == ("host-bootstrap:ops", "principal.bootstrap", "denied")
    assert [p.name for p in ident.list_principals() if Role.ADMIN in p.roles] == ["admin"]
