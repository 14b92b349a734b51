"""``hnode settlement``: the billing desk's one-stop settlement (商保一站式结算) on the node host, under
the acting person's own token (NODE_STAFF_TOKEN); and ``hnode partner claims pull|respond``: the
insurer's side over the node's API (NODE_API_URL, NODE_API_TOKEN), its SM2 key staying with it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer

from node.cli.common import acting, fail, open_container, print_json, token_env_option

settlement_app = typer.Typer(help="One-stop insurance settlement (商保一站式结算).", no_args_is_help=True)
claims_app = typer.Typer(help="Claims to settle: pull, verify, decrypt and answer.", no_args_is_help=True)
_STAFF = ("admin", "data_officer")


def _desk(c: Any, token_env: str, action: str) -> Any:
    from node.identity.model import Role

    return acting(c, token_env, frozenset(Role(r) for r in _STAFF), action)


@settlement_app.command("submit")
def submit(
    encounter_id: str,
    contract: str = typer.Option(..., "--contract", help="The insurer's settlement contract id."),
    field: list[str] = typer.Option(
        [], "--field", help="A claim field to send (repeatable); default: all the contract allows."
    ),
    version: int = typer.Option(1, "--version", help="A corrected claim carries a new version."),
    token_env: str = token_env_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Build the encounter's claim, sign it, seal it for the insurer and queue it (once per version)."""
    c = open_container()
    try:
        me = _desk(c, token_env, "settlement.submit")
        view = c.settlement.submit(me, contract, encounter_id, field or None, version).view()
    finally:
        c.close()
    if as_json:
        print_json(view)
    else:
        typer.echo(f"{view['claim_id']}  {view['status']}  total {view['total']:.2f} {view['currency']}")


@settlement_app.command("ls")
def ls(
    contract: str = typer.Option(None, "--contract"),
    date: str = typer.Option(None, "--date", help="Claims submitted on this day (YYYY-MM-DD, China time)."),
    token_env: str = token_env_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Claims and their settlements: payable by the insurer and the patient's own share."""
    c = open_container()
    try:
        views = [
            r.view() for r in c.settlement.settlements(_desk(c, token_env, "settlement.list"), contract, date)
        ]
    finally:
        c.close()
    if as_json:
        print_json(views)
        return
    for v in views:
        paid = (
            f"payable {v['payable']:.2f}  patient {v['patient_share']:.2f}"
            if v["status"] == "settled"
            else ""
        )
        typer.echo(
            f"{v['claim_id']}  {v['encounter_id']:<16} v{v['version']}  {v['status']:<8} "
            f"{v['total']:>10.2f}  {paid}"
        )


@settlement_app.command("reconcile")
def reconcile(
    date: str = typer.Option(..., "--date", help="The day (YYYY-MM-DD, China time)."),
    token_env: str = token_env_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Daily reconciliation per insurer: claims, totals, payable, patients' share, pending."""
    c = open_container()
    try:
        rows = c.settlement.reconcile(_desk(c, token_env, "settlement.reconcile"), date)
    finally:
        c.close()
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['partner_id']}  claims {r['claims']} (settled {r['settled']}, pending {r['pending']})  "
            f"total {r['total']:.2f}  payable {r['payable']:.2f}  patients {r['patient_share']:.2f}"
        )


# -- the insurer's side --------------------------------------------------------------------------
def _insurer() -> Any:
    from node.cli.contracts import _client
    from node.sdk.insurer import InsurerClient

    return InsurerClient(_client())


def _key(path: Path) -> Any:
    from node.crypto.keyfile import read_key

    passphrase = os.environ.get("PARTNER_KEY_PASSPHRASE")
    return read_key(path, passphrase.encode() if passphrase else None)


KEY = typer.Option(..., "--key", exists=True, dir_okay=False, help="Your encrypted SM2 key (PEM).")


@claims_app.command("pull")
def pull(
    key: Path = KEY,
    out: Path = typer.Option(
        ..., "--out", file_okay=False, help="Folder for the decrypted claims (CLAIM_ID.json)."
    ),
    contract: str = typer.Option(None, "--contract"),
    node_key: str = typer.Option(None, "--node-key", help="The node's SM2 public key to pin (hex)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Pull the unsettled claims, check the node's signature, decrypt them with your key into --out."""
    claims = _insurer().pull_claims(_key(key), contract, node_key)
    out.mkdir(parents=True, exist_ok=True)
    for claim in claims:
        (out / f"{claim['id']}.json").write_text(json.dumps(claim, ensure_ascii=False, indent=2), "utf-8")
    summary = [
        {"claim_id": c["id"], "total": c["total"]["value"], "currency": c["total"]["currency"]}
        for c in claims
    ]
    if as_json:
        print_json(summary)
        return
    for s in summary:
        typer.echo(f"{s['claim_id']}  total {s['total']:.2f} {s['currency']}")


@claims_app.command("respond")
def respond(
    claim_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A claim written by `pull`."),
    payable: float = typer.Option(..., "--payable", help="The amount the insurer pays."),
    key: Path = KEY,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Answer a claim with a ClaimResponse paying --payable, signed with your key."""
    try:
        claim = json.loads(claim_file.read_text("utf-8"))
        if not isinstance(claim, dict) or "id" not in claim or "value" not in claim["total"]:
            raise ValueError
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise fail(f"{claim_file}: not a claim written by `hnode partner claims pull`") from None
    view = _insurer().respond_claim(_key(key), claim, payable)
    if as_json:
        print_json(view)
    else:
        typer.echo(
            f"{view['claim_id']}  settled: payable {view['payable']:.2f}, patient {view['patient_share']:.2f}"
        )
