"""``hnode crypto``: SM2/SM3 on local files, with no node state."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import BinaryIO

import typer

from node.cli.common import EXIT_INVALID, fail
from node.crypto.keyfile import read_key, write_key
from node.crypto.sm import PrivateKey, PublicKey, SM3Stream
from node.errors import InvalidInput

app = typer.Typer(help="SM2 keys and signatures, SM3 digests (国密算法).", no_args_is_help=True)

_CHUNK = 1 << 20


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}") from None


def _passphrase(env: str | None) -> bytes | None:
    if env is None:
        return None
    value = os.environ.get(env)
    if value is None:
        raise fail(f"environment variable {env} is not set")
    return value.encode()


@app.command()
def sm3(file: Path = typer.Argument(..., help="File to hash; '-' for standard input.")) -> None:
    """Print the SM3 digest of FILE as lowercase hex."""
    h = SM3Stream()
    try:
        stream: BinaryIO = sys.stdin.buffer if str(file) == "-" else file.open("rb")
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}") from None
    with stream:
        while chunk := stream.read(_CHUNK):
            h.update(chunk)
    typer.echo(h.hexdigest())


@app.command()
def keygen(
    out: Path = typer.Option(..., "--out", help="Where to write the PKCS#8 PEM key (never overwritten)."),
    passphrase_env: str | None = typer.Option(
        None, "--passphrase-env", help="Name of the environment variable holding the passphrase."
    ),
    no_passphrase: bool = typer.Option(
        False, "--no-passphrase", help="Write the private key unencrypted (only for keys kept in a vault)."
    ),
) -> None:
    """Generate an SM2 key pair; print the public key."""
    if no_passphrase == (passphrase_env is not None):
        raise fail(
            "give --passphrase-env VAR to encrypt the private key, or --no-passphrase to write it unencrypted"
            if not no_passphrase
            else "--passphrase-env and --no-passphrase exclude each other"
        )
    key = PrivateKey.generate()
    write_key(out, key, _passphrase(passphrase_env))
    if no_passphrase:
        typer.echo(f"warning: {out} holds an unencrypted private key", err=True)
    typer.echo(key.public_key().to_hex())


@app.command()
def pubkey(
    key: Path,
    passphrase_env: str | None = typer.Option(None, "--passphrase-env"),
) -> None:
    """Print the public key of KEY as 130 hex characters (04||X||Y)."""
    typer.echo(read_key(key, _passphrase(passphrase_env)).public_key().to_hex())


@app.command()
def sign(
    key: Path,
    file: Path,
    passphrase_env: str | None = typer.Option(None, "--passphrase-env"),
) -> None:
    """Sign FILE with KEY (SM2 over SM3, ID 1234567812345678); print the DER signature in hex."""
    private = read_key(key, _passphrase(passphrase_env))
    typer.echo(private.sign(_read(file)).hex())


@app.command()
def verify(
    file: Path,
    pubkey: str = typer.Option(..., "--pubkey", help="SM2 public key, 130 hex characters."),
    sig: str = typer.Option(..., "--sig", help="DER signature in hex."),
) -> None:
    """Exit 0 if SIG is a valid signature of FILE by PUBKEY, 1 if not, 2 on malformed input."""
    public = PublicKey.from_hex(pubkey)
    try:
        signature = bytes.fromhex(sig.strip())
    except ValueError:
        raise InvalidInput("signature is not hexadecimal", code="signature_malformed") from None
    if not public.verify(signature, _read(file)):
        typer.echo("invalid: signature does not match the file and public key", err=True)
        raise typer.Exit(EXIT_INVALID)
    typer.echo("valid")
