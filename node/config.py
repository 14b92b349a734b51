"""Node settings, read from the environment (prefix ``NODE_``). No side effects at import time."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from node.errors import ConfigError

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_DB_SCHEMES = ("sqlite", "postgresql+psycopg")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NODE_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the node keeps its files and keys.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means a SQLite file under the data directory.",
    )
    database_password: SecretStr | None = Field(
        default=None,
        description="PostgreSQL password, kept out of NODE_DATABASE_URL (e.g. the Compose secret file "
        "node_database_password); put into the URL's user part when the node connects.",
    )
    name: str = Field(default="hospital-node", description="Node identity: a DNS-label style name.")
    display_name: str = Field(default="示例医院数据节点", description="Human name shown to partners.")
    listen_host: str = Field(default="127.0.0.1")
    listen_port: int = Field(default=8080)
    key_passphrase: SecretStr | None = Field(
        default=None, description="Passphrase protecting the node's SM2 key file."
    )
    token_ttl_hours: int = Field(default=24 * 30, description="Default lifetime of API tokens.")
    token_cache_seconds: float = Field(
        default=5.0,
        description="How long a verified API token is trusted without asking the database again: the "
        "longest a revocation made by another process (CLI, another worker) takes to apply. 0: off.",
    )
    audit_seal_batch: int = Field(default=1000, description="Most audit entries sealed per signature.")
    anonymization_key: SecretStr | None = Field(
        default=None,
        description="HMAC-SM3 key for pseudonyms (>= 16 bytes); share it to link across hospitals.",
    )
    import_root: Path | None = Field(
        default=None, description="Files imported through the API must lie below it; default DATA_DIR/inbox."
    )
    import_sources: str = Field(
        default="",
        description="Comma-separated sources the API may import from besides files under the import root: "
        "SQLAlchemy URLs (a database, matched without its password) and FHIR base URLs (and what lies "
        "below them). Everything else is refused (403).",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, description="Largest request body the API reads (HE routes have their own)."
    )
    access_log: bool = Field(default=True, description="One JSON line per request (query values redacted).")
    max_text_chars: int = Field(default=100_000, description="Longest single text the API de-identifies.")
    chain_rpc_url: str | None = Field(
        default=None,
        description="EVM JSON-RPC endpoint of the regional chain; unset: the embedded in-process chain.",
    )
    chain_contract_address: str | None = Field(
        default=None, description="Anchor registry address on that chain; unset: deploy it and remember it."
    )
    chain_timeout_s: float = Field(default=30.0, description="How long to wait for a transaction receipt.")
    region_url: str | None = Field(
        default=None,
        description="Base URL of the regional registry (`hnode region serve`); the console's data map shows "
        "the region's hospitals and products from it. Unset: the console says the node has no region.",
    )
    region_token: SecretStr | None = Field(
        default=None, description="A reader token of the regional registry (`hnode region token`)."
    )
    opa_url: str | None = Field(
        default=None, description="Remote OPA server (http://host:port); unset: the embedded Rego engine."
    )
    tls_cert_file: Path | None = Field(
        default=None, description="PEM certificate chain for HTTPS on `hnode serve`; unset: plain HTTP."
    )
    tls_key_file: Path | None = Field(default=None, description="PEM private key of that certificate.")
    tls_client_ca_file: Path | None = Field(
        default=None,
        description="PEM CA bundle: when set, callers must present a client certificate it signed "
        "(node-to-node and partner traffic).",
    )
    metrics_port: int | None = Field(
        default=None,
        description="Serve /metrics without a token on this port of 127.0.0.1 (or NODE_METRICS_HOST); "
        "unset: /metrics on the API port with an admin token.",
    )
    metrics_host: str = Field(default="127.0.0.1", description="Interface of the metrics port.")

    @field_validator("name")
    @classmethod
    def _name_is_label(cls, v: str) -> str:
        if not _NAME_RE.match(v):
            raise ValueError("must be 2-63 characters of a-z, 0-9 and '-', starting with a letter or digit")
        return v

    @field_validator("anonymization_key")
    @classmethod
    def _key_length(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and len(v.get_secret_value().encode()) < 16:
            raise ValueError("must be at least 16 bytes")
        return v

    @field_validator("import_sources")
    @classmethod
    def _source_urls(cls, v: str) -> str:
        from urllib.parse import urlsplit

        for entry in (e.strip() for e in v.split(",")):
            if entry and not (
                urlsplit(entry).scheme and (urlsplit(entry).netloc or entry.startswith("sqlite:"))
            ):
                raise ValueError("each entry must be a URL with a scheme and a host (or a sqlite: URL)")
        return v

    @field_validator("region_url")
    @classmethod
    def _region_is_http(cls, v: str | None) -> str | None:
        if v is not None and (urlsplit(v).scheme not in ("http", "https") or not urlsplit(v).netloc):
            raise ValueError("must be an http(s) URL with a host")
        return v.rstrip("/") if v else v

    @field_validator("listen_port", "metrics_port")
    @classmethod
    def _port_range(cls, v: int | None) -> int | None:
        if v is not None and not 1 <= v <= 65535:
            raise ValueError("must be between 1 and 65535")
        return v

    @field_validator("token_ttl_hours", "audit_seal_batch", "max_body_bytes", "max_text_chars")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v <= 0:
            raise ValueError("must be positive")
        return v

    @field_validator("token_cache_seconds")
    @classmethod
    def _cache_window(cls, v: float) -> float:
        if not 0 <= v <= 60:
            raise ValueError("must be between 0 and 60 seconds")
        return v

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, v: str) -> str:
        if v and not v.startswith(tuple(s + ":" for s in _DB_SCHEMES)):
            raise ValueError(f"must start with one of {', '.join(s + '://' for s in _DB_SCHEMES)}")
        return v

    @model_validator(mode="after")
    def _tls_files(self) -> Settings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("NODE_TLS_CERT_FILE and NODE_TLS_KEY_FILE go together")
        if self.tls_client_ca_file is not None and self.tls_cert_file is None:
            raise ValueError("NODE_TLS_CLIENT_CA_FILE needs NODE_TLS_CERT_FILE and NODE_TLS_KEY_FILE")
        for name in ("tls_cert_file", "tls_key_file", "tls_client_ca_file"):
            path = getattr(self, name)
            if path is not None and not Path(path).is_file():
                raise ValueError(f"NODE_{name.upper()}: {path} is not a file")
        return self

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'node.db').resolve()}"
        if self.database_password is not None:
            _with_password(self.database_url, "checked")  # fail at start if it cannot be used
        if self.import_root is None:
            self.import_root = self.data_dir / "inbox"
        return self

    @property
    def connect_url(self) -> str:
        """The database URL the node connects with: NODE_DATABASE_URL plus NODE_DATABASE_PASSWORD (kept
        apart so that printing the settings never shows the password)."""
        if self.database_password is None:
            return self.database_url
        return _with_password(self.database_url, self.database_password.get_secret_value())

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def node_key_path(self) -> Path:
        return self.keys_dir / "node.pem"


def _with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    if not url.startswith("postgresql") or "@" not in parts.netloc:
        raise ValueError(
            "NODE_DATABASE_PASSWORD needs a PostgreSQL NODE_DATABASE_URL with a user (user@host)"
        )
    user, host = parts.netloc.rsplit("@", 1)
    if ":" in user:
        raise ValueError("NODE_DATABASE_URL holds a password already: set it in one place")
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


def load_settings(secrets_dir: str | None = None, **overrides: object) -> Settings:
    """Read settings from the environment (and files in ``secrets_dir`` or NODE_SECRETS_DIR, e.g.
    Compose secrets named ``node_key_passphrase``); raise ConfigError naming the first invalid setting."""
    secrets_dir = secrets_dir or os.environ.get("NODE_SECRETS_DIR")
    if secrets_dir and not Path(secrets_dir).is_dir():
        raise ConfigError(f"invalid setting NODE_SECRETS_DIR: {secrets_dir} is not a directory")
    try:
        return Settings(_secrets_dir=secrets_dir, **overrides)  # type: ignore[arg-type,call-arg]
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        if not err["loc"]:  # a check across settings: its message names them
            raise ConfigError(f"invalid settings: {msg}") from None
        raise ConfigError(f"invalid setting NODE_{str(err['loc'][0]).upper()}: {msg}") from None
