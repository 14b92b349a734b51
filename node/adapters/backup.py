"""Backups a hospital can restore: the database as rows, the data directory, one encrypted file.

A backup is a tar archive sealed in an SM4-GCM envelope whose key comes from a passphrase (scrypt):
``manifest.json`` (node version, schema revision, row counts, the SM3 digest of every member),
``db/<table>.jsonl`` (every row, dumped in one read transaction so the tables agree with each other),
``files/...`` (the data directory: the node key file, which stays encrypted under its own passphrase,
stored tables, models, the embedded chain; SQLite files copied through SQLite's backup API). The node's
own SQLite database is not copied as a file: its rows are in ``db/``, so a backup restores into SQLite
or PostgreSQL alike.

``restore`` checks the whole file (passphrase, digests, schema revision) before it writes anything,
then writes into a fresh node only (an empty database at the same schema head, no node key yet).
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from node import node_version
from node.adapters.db import tables as t
from node.adapters.db.health import schema_heads, schema_revisions
from node.crypto.envelope import open_with_passphrase, seal_with_passphrase
from node.crypto.sm import sm3_hex
from node.errors import Conflict, InvalidInput

FORMAT = "hnode-backup/1"
_INSERT_CHUNK = 1000
_SEEDED = ("audit_head",)  # tables whose rows a migration writes (the empty chain's head)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BackupReport:
    path: str
    bytes: int
    rows: dict[str, int]
    files: int
    schema: list[str]
    version: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    return value


def _restored(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$b64"}:
        return base64.b64decode(value["$b64"])
    return value


def _database_file(database_url: str) -> Path | None:
    return (
        Path(database_url.removeprefix("sqlite:///")).resolve()
        if database_url.startswith("sqlite:///")
        else None
    )


def _data_files(data_dir: Path, skip: Path | None) -> Iterator[Path]:
    skipped = (
        {skip, *(skip.with_name(skip.name + s) for s in ("-wal", "-shm", "-journal"))} if skip else set()
    )
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.resolve() not in skipped:
            yield path


def _file_bytes(path: Path) -> bytes:
    """A file's content; a SQLite database through its backup API, so a writer cannot tear it."""
    if path.suffix in {".sqlite", ".db"} and path.read_bytes()[:16] == b"SQLite format 3\x00":
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "copy.sqlite"
            src, dst = sqlite3.connect(path), sqlite3.connect(copy)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
            return copy.read_bytes()
    return path.read_bytes()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def create_backup(
    engine: Engine, data_dir: Path, database_url: str, out: Path, passphrase: bytes, progress: Progress
) -> BackupReport:
    if out.exists():
        raise Conflict(f"{out.name} exists; refusing to overwrite a backup", code="backup_exists")
    members: dict[str, bytes] = {}
    rows: dict[str, int] = {}
    tables = t.metadata.sorted_tables
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":  # one snapshot for every table
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        revision = sorted(schema_revisions(engine))
        for i, table in enumerate(tables):
            order = list(table.primary_key.columns) or list(table.columns)
            lines = [
                json.dumps(
                    {k: _plain(v) for k, v in row._mapping.items()}, ensure_ascii=False, sort_keys=True
                )
                for row in conn.execute(select(table).order_by(*order))
            ]
            members[f"db/{table.name}.jsonl"] = ("\n".join(lines) + "\n" if lines else "").encode()
            rows[table.name] = len(lines)
            progress(i + 1, len(tables))
    skip = _database_file(database_url)
    for path in _data_files(data_dir, skip):
        members["files/" + path.relative_to(data_dir).as_posix()] = _file_bytes(path)
    manifest = {
        "format": FORMAT,
        "version": node_version(),
        "schema": revision,
        "rows": rows,
        "digests": {name: sm3_hex(data) for name, data in members.items()},
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        _add(tar, "manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
        for name, data in members.items():
            _add(tar, name, data)
    sealed = seal_with_passphrase(buf.getvalue(), passphrase, {"format": FORMAT})
    tmp = out.with_name(out.name + ".partial")
    tmp.write_bytes(sealed)
    tmp.replace(out)
    files = sum(1 for n in members if n.startswith("files/"))
    return BackupReport(str(out), len(sealed), rows, files, revision, node_version())


def _read(blob: bytes, passphrase: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    plain = open_with_passphrase(blob, passphrase)
    members: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r") as tar:
        for info in tar.getmembers():
            if not info.isfile():
                raise InvalidInput("backup holds an entry that is not a file", code="backup_malformed")
            f = tar.extractfile(info)
            members[info.name] = f.read() if f else b""
    try:
        manifest = json.loads(members.pop("manifest.json"))
    except (KeyError, ValueError):
        raise InvalidInput("backup has no readable manifest", code="backup_malformed") from None
    if manifest.get("format") != FORMAT:
        raise InvalidInput(f"not a {FORMAT} file", code="backup_malformed")
    if set(manifest["digests"]) != set(members):
        raise InvalidInput("backup members differ from its manifest", code="backup_malformed")
    for name, data in members.items():
        if sm3_hex(data) != manifest["digests"][name]:
            raise InvalidInput(f"backup member {name} does not match its digest", code="backup_malformed")
        if name.startswith("files/"):
            rel = PurePosixPath(name.removeprefix("files/"))
            if rel.is_absolute() or ".." in rel.parts or not rel.parts:
                raise InvalidInput("backup holds a path outside the data directory", code="backup_malformed")
    return manifest, members


def restore_backup(
    engine: Engine, data_dir: Path, node_key: Path, source: Path, passphrase: bytes, progress: Progress
) -> BackupReport:
    manifest, members = _read(source.read_bytes(), passphrase)
    heads = sorted(schema_heads())
    current = sorted(schema_revisions(engine))
    if manifest["schema"] != current or current != heads:
        raise Conflict(
            f"backup schema {manifest['schema']} differs from this node's {current} (code expects {heads}): "
            "restore with the node version that made the backup, then migrate",
            code="backup_schema_mismatch",
        )
    if node_key.exists():
        raise Conflict("this node already has a key: restore only into a fresh node", code="node_not_fresh")
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))  # same file system: renames
    try:
        files = _stage_files(members, staging)
        _insert_rows(engine, members, progress)
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                target = data_dir / path.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                path.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupReport(
        str(source), source.stat().st_size, manifest["rows"], files, current, manifest["version"]
    )


def _stage_files(members: dict[str, bytes], staging: Path) -> int:
    files = 0
    for name, content in members.items():
        if name.startswith("files/"):
            target = staging / name.removeprefix("files/")
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(content)
            files += 1
    return files


def _insert_rows(engine: Engine, members: dict[str, bytes], progress: Progress) -> None:
    """Every row in one transaction, parents before children; nothing if any table is not empty."""
    tables = t.metadata.sorted_tables
    with engine.begin() as conn:
        for table in tables:
            if table.name in _SEEDED:  # rows the migrations write: the backup's replace them
                continue
            if conn.execute(select(func.count()).select_from(table)).scalar_one():
                raise Conflict(
                    f"table {table.name} is not empty: restore only into a fresh node", code="node_not_fresh"
                )
        for name in _SEEDED:
            conn.execute(delete(t.metadata.tables[name]))
        for i, table in enumerate(tables):
            batch: list[dict[str, Any]] = []
            for line in members.get(f"db/{table.name}.jsonl", b"").decode().splitlines():
                batch.append({k: _restored(v) for k, v in json.loads(line).items()})
                if len(batch) == _INSERT_CHUNK:
                    conn.execute(insert(table), batch)
                    batch = []
            if batch:
                conn.execute(insert(table), batch)
            progress(i + 1, len(tables))
