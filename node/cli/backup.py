"""``hnode backup`` and ``hnode restore``: one encrypted file holds the database and the data directory."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from node.cli.common import fail, print_json, progress_bar
from node.config import load_settings

PASSPHRASE_ENV = typer.Option(
    "NODE_BACKUP_PASSPHRASE",
    "--passphrase-env",
    help="Environment variable holding the backup passphrase (>= 12 bytes; keep it apart from the file).",
)


def _passphrase(env: str) -> bytes:
    value = os.environ.get(env)
    if not value:
        raise fail(f"set {env} to the backup passphrase: backups are always encrypted")
    return value.encode()


def backup(
    out: Path = typer.Argument(..., help="File to write (must not exist)."),
    passphrase_env: str = PASSPHRASE_ENV,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Back up the database (every row, one consistent snapshot) and the data directory, encrypted
    (SM4-GCM, key from the passphrase by scrypt)."""
    from node.adapters.backup import create_backup
    from node.adapters.db.engine import make_engine

    secret = _passphrase(passphrase_env)
    s = load_settings()
    engine = make_engine(s.connect_url)
    try:
        with progress_bar("backing up tables") as progress:
            report = create_backup(engine, s.data_dir, s.database_url, out, secret, progress)
    finally:
        engine.dispose()
    if as_json:
        print_json(report.as_dict())
        return
    typer.echo(
        f"backup written: {out} ({report.bytes} bytes, "
        f"{sum(report.rows.values())} rows, {report.files} files)"
    )


def restore(
    source: Path = typer.Argument(..., exists=True, dir_okay=False, help="A file made by `hnode backup`."),
    passphrase_env: str = PASSPHRASE_ENV,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Restore a backup into a fresh node (database migrated and empty, no node key yet). The whole file
    is checked (passphrase, digests, schema revision) before anything is written."""
    from node.adapters.backup import restore_backup
    from node.adapters.db.engine import make_engine

    secret = _passphrase(passphrase_env)
    s = load_settings()
    s.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(s.connect_url)
    try:
        with progress_bar("restoring tables") as progress:
            report = restore_backup(engine, s.data_dir, s.node_key_path, source, secret, progress)
    finally:
        engine.dispose()
    if as_json:
        print_json(report.as_dict())
        return
    typer.echo(
        f"restored {sum(report.rows.values())} rows and {report.files} files from a backup of version "
        f"{report.version}; check it with `hnode audit verify` and `hnode contracts verify`"
    )
