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


@app.command()
def anchor(as_json: bool = typer.Option(False, "--json")) -> None:
    """Anchor the Merkle root of the entries not yet anchored (one transaction for the whole batch)."""
    from node.cli.common import EXIT_UNAVAILABLE

    batch, report = open_container().anchoring.anchor_audit()
    if as_json:
        print_json({"batch": batch.__dict__ if batch else None, **report.as_dict()})
    else:
        if batch is None:
            typer.echo("no new audit entries to anchor")
        else:
            typer.echo(f"batch #{batch.first_seq}-#{batch.last_seq}: Merkle root {batch.merkle_root}")
        for r in report.delivered:
            typer.echo(f"anchored {r.kind} {r.ref}: block {r.block_number}, tx {r.tx_hash}")
        for item_id, error in report.failed:
            typer.echo(
                f"not anchored yet {item_id}: [{error}] {report.reasons.get(error, '')} (queued for retry)"
            )
    if report.failed:
        raise typer.Exit(EXIT_UNAVAILABLE)


@app.command()
def prove(
    entry_id: int = typer.Argument(..., help="Sequence number of the entry."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Print the entry's inclusion proof and check it against the chain; exit 0 only if it holds."""
    c = open_container()
    proof = c.anchoring.prove(entry_id)
    checks = c.anchoring.check_proof(proof)
    if as_json:
        print_json({**proof.as_dict(), "checks": checks})
    else:
        typer.echo(f"entry #{proof.seq} hash {proof.entry_hash}")
        typer.echo(
            f"batch #{proof.batch_first_seq}-#{proof.batch_last_seq}, "
            f"leaf {proof.index}, {len(proof.path)} steps:"
        )
        for side, h in proof.path:
            typer.echo(f"  {side} {h}")
        typer.echo(f"root {proof.merkle_root}")
        if proof.anchor:
            typer.echo(
                f"anchored in block {proof.anchor.block_number} of chain {proof.anchor.chain_id}, "
                f"tx {proof.anchor.tx_hash}"
            )
        for name, ok in checks.items():
            typer.echo(f"  {'✓' if ok else '✗'} {name}")
    if not all(checks.values()):
        raise typer.Exit(EXIT_INVALID)
