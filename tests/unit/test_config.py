"""Settings: defaults, environment, and errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.config import load_settings
from node.errors import ConfigError


def test_default_database_is_sqlite_under_data_dir(tmp_path: Path) -> None:
    s = load_settings(data_dir=tmp_path)
    assert s.database_url == f"sqlite:///{(tmp_path / 'node.db').resolve()}"
    assert s.node_key_path == tmp_path / "keys" / "node.pem"


def test_environment_is_read_with_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NODE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NODE_LISTEN_PORT", "9443")
    monkeypatch.setenv("NODE_DATABASE_URL", "postgresql+psycopg://u@db/hnode")
    s = load_settings()
    assert (s.data_dir, s.listen_port, s.database_url) == (tmp_path, 9443, "postgresql+psycopg://u@db/hnode")


@pytest.mark.parametrize(
    ("env", "value", "fragment"),
    [
        ("NODE_LISTEN_PORT", "70000", "NODE_LISTEN_PORT"),
        ("NODE_LISTEN_PORT", "eighty", "NODE_LISTEN_PORT"),
        ("NODE_DATABASE_URL", "mysql://x", "NODE_DATABASE_URL"),
        ("NODE_NAME", "Bad Name!", "NODE_NAME"),
        ("NODE_TOKEN_TTL_HOURS", "0", "NODE_TOKEN_TTL_HOURS"),
        ("NODE_TOKEN_CACHE_SECONDS", "-1", "NODE_TOKEN_CACHE_SECONDS"),
        ("NODE_TOKEN_CACHE_SECONDS", "3600", "NODE_TOKEN_CACHE_SECONDS"),
    ],
)
def test_invalid_settings_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert fragment in err.value.message


def test_secrets_dir_supplies_the_key_passphrase(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "node_key_passphrase").write_text("from-a-compose-secret")
    monkeypatch.setenv("NODE_SECRETS_DIR", str(tmp_path))
    s = load_settings()
    assert s.key_passphrase is not None
    assert s.key_passphrase.get_secret_value() == "from-a-compose-secret"
    assert "from-a-compose-secret" not in repr(s)
    monkeypatch.setenv("NODE_SECRETS_DIR", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="NODE_SECRETS_DIR"):
        load_settings()


def test_import_root_defaults_under_the_data_dir(tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path).import_root == tmp_path / "inbox"
    assert load_settings(data_dir=tmp_path, import_root=tmp_path / "x").import_root == tmp_path / "x"
    with pytest.raises(ConfigError, match="NODE_ANONYMIZATION_KEY"):
        load_settings(anonymization_key="short")


def test_database_password_is_kept_out_of_the_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "node_database_password").write_text("p@ss/word:1")
    monkeypatch.setenv("NODE_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("NODE_DATABASE_URL", "postgresql+psycopg://hnode@postgres:5432/hnode")
    s = load_settings()
    assert s.database_url == "postgresql+psycopg://hnode@postgres:5432/hnode"
    assert s.connect_url == "postgresql+psycopg://hnode:p%40ss%2Fword%3A1@postgres:5432/hnode"
    assert "p@ss/word" not in repr(s) and "p%40ss" not in repr(s)
    monkeypatch.setenv("NODE_DATABASE_URL", "postgresql+psycopg://hnode:other@postgres/hnode")
    with pytest.raises(ConfigError, match="holds a password already"):
        load_settings()


def test_tls_settings_go_together(tmp_path: Path) -> None:
    cert = tmp_path / "server.crt"
    cert.write_text("x")
    with pytest.raises(ConfigError, match="go together"):
        load_settings(data_dir=tmp_path, tls_cert_file=cert)
    with pytest.raises(ConfigError, match=r"NODE_TLS_KEY_FILE: .* is not a file"):
        load_settings(data_dir=tmp_path, tls_cert_file=cert, tls_key_file=tmp_path / "none.key")
    with pytest.raises(ConfigError, match="NODE_TLS_CLIENT_CA_FILE needs"):
        load_settings(data_dir=tmp_path, tls_client_ca_file=cert)
