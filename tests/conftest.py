"""Shared fixtures: fresh databases on SQLite and on the PostgreSQL at 127.0.0.1:5432, and a wired node."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from node.adapters.db.migrate import upgrade
from node.adapters.node_key import create_node_key
from node.bootstrap import Container, build_container
from node.config import load_settings

PG_ADMIN_DSN = os.environ.get("HNODE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSPHRASE = SecretStr("test-passphrase-not-secret")


def node_env(data_dir: Path | str, url: str, **settings: str) -> dict[str, str]:
    """The NODE_* environment of an `hnode` process run by a test against this node."""
    env = {"NODE_DATA_DIR": str(data_dir), "NODE_DATABASE_URL": url}
    env |= {f"NODE_{k.upper()}": v for k, v in settings.items()}
    return env | {"NODE_KEY_PASSPHRASE": PASSPHRASE.get_secret_value()}


def _pg_admin() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # fail loudly: these tests are part of the suite, not optional
        pytest.fail(f"PostgreSQL at {PG_ADMIN_DSN} is required by the integration tests: {exc}")


def _sqlalchemy_url(dbname: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database; each test clones it (CREATE DATABASE ... TEMPLATE)."""
    name = f"hnode_tmpl_{secrets.token_hex(4)}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    upgrade(_sqlalchemy_url(name))
    yield name
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    name = f"hnode_test_{secrets.token_hex(6)}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _sqlalchemy_url(name)
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on each supported database."""
    return str(request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url"))


def make_container(url: str, data_dir: Path, **overrides: object) -> Container:
    settings = load_settings(
        data_dir=data_dir, database_url=url, key_passphrase=PASSPHRASE, audit_seal_batch=50
    )
    if not settings.node_key_path.exists():
        create_node_key(settings.node_key_path, PASSPHRASE)
    return build_container(settings, **overrides)


@pytest.fixture
def container(db_url: str, tmp_path: Path) -> Iterator[Container]:
    c = make_container(db_url, tmp_path / "node")
    yield c
    c.close()


class FakeClock:
    def __init__(self, start_us: int = 1_800_000_000_000_000) -> None:
        self.t = start_us

    def now_us(self) -> int:
        return self.t

    def advance_hours(self, hours: float) -> None:
        self.t += int(hours * 3_600_000_000)


@pytest.fixture(scope="session")
def hardhat_url() -> Iterator[str]:
    """A real Hardhat Network node on loopback, shared by the session's chain tests."""
    from tests.chain_support import run_hardhat

    yield from run_hardhat()
