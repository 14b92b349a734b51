"""Which import sources a remote caller may name: the guard against server-side request forgery.

Over the API an officer's request makes the *node* read a source, so the node only reads what its
operator configured: files below the import root, databases and FHIR servers listed in
``NODE_IMPORT_SOURCES``. The node's own database is never a source, even when listed by mistake.
(The CLI runs with the operator's own rights and is not limited.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from node.errors import InvalidInput, PolicyDenied

_DEFAULT_PORTS = {"http": 80, "https": 443, "postgresql": 5432, "mysql": 3306, "mariadb": 3306}


@dataclass(frozen=True)
class _Endpoint:
    scheme: str  # the dialect without its driver: postgresql+psycopg -> postgresql
    user: str
    host: str
    port: int | None
    path: str  # the database name, the SQLite file, or the FHIR base path


def _endpoint(url: str) -> _Endpoint:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput("the source is not a valid URL", code="source_malformed") from None
    scheme = parts.scheme.lower().split("+", 1)[0]
    if not scheme:
        raise InvalidInput("the source is not a valid URL", code="source_malformed")
    path = unquote(parts.path)
    if scheme == "sqlite":
        path = (
            str(Path(path[1:] if path.startswith("/") else path).resolve()) if path not in ("", "/") else ""
        )
    else:
        path = path.rstrip("/")
    return _Endpoint(
        scheme,
        unquote(parts.username or ""),
        (parts.hostname or "").lower(),
        port or _DEFAULT_PORTS.get(scheme),
        path,
    )


def _same_database(a: _Endpoint, b: _Endpoint) -> bool:
    return (a.scheme, a.host, a.port, a.path) == (b.scheme, b.host, b.port, b.path)


def _under(url: _Endpoint, base: _Endpoint) -> bool:
    same_origin = (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)
    return same_origin and (url.path == base.path or url.path.startswith(base.path + "/"))


def allowed_list(setting: str) -> list[str]:
    return [s.strip() for s in setting.split(",") if s.strip()]


def check_import_source(
    connector: str, source: str, *, import_root: Path, allowed: list[str], node_database_url: str
) -> None:
    """Raise PolicyDenied unless the configuration allows reading ``source`` with ``connector``."""
    refused = PolicyDenied(
        "this source is not allowed: list it in NODE_IMPORT_SOURCES, or put files under the import root",
        code="source_not_allowed",
    )
    if connector == "sql":
        target = _endpoint(source)
        if _same_database(target, _endpoint(node_database_url)):
            raise PolicyDenied(
                "the node's own database is never an import source", code="source_is_node_database"
            )
        if target.scheme == "sqlite" and Path(target.path).is_relative_to(import_root.resolve()):
            return
        if any(
            _same_database(target, e) and (not e.user or e.user == target.user)
            for e in map(_endpoint, allowed)
        ):
            return
        raise refused
    if source.lower().startswith(("http://", "https://")):
        if connector != "fhir":
            raise refused
        target = _endpoint(source)
        if any(_under(target, e) for e in map(_endpoint, allowed) if e.scheme in ("http", "https")):
            return
        raise refused
    root = import_root.resolve()
    if not Path(source).resolve().is_relative_to(root):
        raise PolicyDenied(
            f"file sources must be under the import root {root}", code="source_outside_import_root"
        )
