"""``hnode audit``: read, seal and verify the tamper-evident log."""

from __future__ import annotations

import typer

from node.cli.common import EXIT_INVALID, open_container, print_json, progress_bar
from node.crypto.sm import PublicKey

app = typer.Typer(
    help="Tamper-evident audit log (SM3 hash chain, SM2-signed Merkle seals).", no_args_is_help=True
)


@app.command()
def verify(
    as_json: bool = typer.Option(False, "--json"),
    pubkey: list[str] = typer.Option(
        [], "--pubkey", help="Trust seals by this SM2 public key (repeatable); default: the node's own key."
    ),
) -> None:
    """Check the whole chain and every seal; exit 1 and name the first broken entry if any."""
    c = open_container()
    trusted = {PublicKey.from_hex(k).to_hex() for k in pubkey} or c.trusted_audit_keys()
    with progress_bar("verifying audit log") as advance:
        report = c.audit.verify(trusted, advance)
    if as_json:
        print_json(report.as_dict())
    elif report.ok:
        typer.echo(
            f"audit log intact: {report.entries} entries, {report.seals} seals, "
            f"sealed through #{report.sealed_through}"
        )
    else:
        typer.echo(f"audit log BROKEN at entry #{report.first_broken_seq}: {report.reason}")
    if not report.ok:
        raise typer.Exit(EXIT_INVALID)


@app.command()
def seal() -> None:
    """Sign all unsealed entries with the node key."""
    seals = open_container().audit.seal()
    last = seals[-1].last_seq if seals else None
    typer.echo(f"sealed {len(seals)} batch(es)" + (f" through #{last}" if last else ""))


@app.command("ls")
def ls(
    limit: int = typer.Option(20, "--limit"),
    actor: str | None = typer.Option(None, "--actor"),
    action: str | None = typer.Option(None, "--action"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show the most recent entries."""
    entries = open_container().audit.recent(limit, actor=actor, action=action)
    if as_json:
        print_json([e.__dict__ for e in entries])
        return
    for e in entries:
        typer.echo(f"#{e.seq:<6} {e.actor:<22} {e.action:<22} {e.object_type}:{e.object_id} {e.outcome}")
