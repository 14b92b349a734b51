"""Which import sources an API caller may name (the SSRF guard), as pure rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.asset_registry.source_policy import allowed_list, check_import_source
from node.errors import InvalidInput, PolicyDenied

ROOT = Path("/srv/inbox")
NODE_DB = "postgresql+psycopg://hnode@db:5432/hnode"
ALLOWED = allowed_list(
    " postgresql+psycopg://his@his-db/his , https://fhir.hospital.cn/fhir/R4/,sqlite:////data/lis.db,,"
)


def _check(connector: str, source: str) -> None:
    check_import_source(connector, source, import_root=ROOT, allowed=ALLOWED, node_database_url=NODE_DB)


@pytest.mark.parametrize(
    ("connector", "source"),
    [
        ("sql", "postgresql+psycopg://his:secret@his-db:5432/his"),  # password and default port ignored
        ("sql", "postgresql://his@HIS-DB/his"),  # another driver of the same database
        ("sql", "sqlite:////data/lis.db"),
        ("sql", "sqlite:////srv/inbox/exports/his.db"),  # a file under the import root
        ("fhir", "https://fhir.hospital.cn/fhir/R4"),
        ("fhir", "https://fhir.hospital.cn:443/fhir/R4/Patient"),
        ("csv", "/srv/inbox/lab/observations.csv"),
    ],
)
def test_configured_sources_pass(connector: str, source: str) -> None:
    _check(connector, source)


@pytest.mark.parametrize(
    ("connector", "source", "code"),
    [
        ("sql", "postgresql+psycopg://postgres@his-db/his", "source_not_allowed"),  # another user
        ("sql", "postgresql+psycopg://his@his-db/postgres", "source_not_allowed"),  # another database
        ("sql", "postgresql+psycopg://his@his-db:6432/his", "source_not_allowed"),  # another port
        ("sql", "sqlite:////another/node.db", "source_not_allowed"),
        ("sql", "sqlite:////srv/inbox/../etc/x.db", "source_not_allowed"),
        ("sql", "postgresql+psycopg://x:y@db/hnode", "source_is_node_database"),
        ("fhir", "https://fhir.hospital.cn/fhir/R4x", "source_not_allowed"),  # not below the base
        ("fhir", "http://fhir.hospital.cn/fhir/R4", "source_not_allowed"),  # another scheme
        ("fhir", "https://fhir.hospital.cn@169.254.169.254/fhir/R4", "source_not_allowed"),
        ("fhir", "https://fhir.hospital.cn.evil.example/fhir/R4", "source_not_allowed"),
        ("csv", "https://fhir.hospital.cn/fhir/R4", "source_not_allowed"),  # URLs only for FHIR
        ("csv", "/etc/passwd", "source_outside_import_root"),
    ],
)
def test_everything_else_is_refused(connector: str, source: str, code: str) -> None:
    with pytest.raises(PolicyDenied) as err:
        _check(connector, source)
    assert err.value.code == code


def test_a_malformed_url_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        _check("sql", "postgresql://his@his-db:99999999/his")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NODE_IMPORT_SOURCES": "his-db:5432"}, "NODE_IMPORT_SOURCES"),
        ({"NODE_MAX_BODY_BYTES": "0"}, "NODE_MAX_BODY_BYTES"),
        ({"NODE_MAX_TEXT_CHARS": "-1"}, "NODE_MAX_TEXT_CHARS"),
    ],
)
def test_bad_settings_stop_the_node_naming_them(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from node.config import load_settings
    from node.errors import ConfigError

    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert message in err.value.message
