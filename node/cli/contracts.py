"""``hnode contracts`` (the hospital's side, on the node host) and ``hnode partner`` (a partner's side,
over the API with the partner's own key), and ``hnode chain``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer

from node.cli.common import EXIT_INVALID, acting, fail, open_container, print_json, token_env_option
from node.config import load_settings

contracts_app = typer.Typer(
    help="Usage contracts: review, decide, verify (数据使用合约).", no_args_is_help=True
)
partner_app = typer.Typer(
    help="A partner's side of contracts, over a node's API (NODE_API_URL, NODE_API_TOKEN).",
    no_args_is_help=True,
)
chain_app = typer.Typer(help="The chain the node anchors to (区块链存证).", no_args_is_help=True)


def _staff(c: Any, token_env: str, role: str) -> Any:
    from node.errors import InvalidInput, PolicyDenied
    from node.identity.model import Role

    try:
        wanted = Role(role)
    except ValueError:
        raise InvalidInput("--role must be data_officer or ethics_reviewer", code="role_unknown") from None
    principal = acting(c, token_env, frozenset({wanted}), f"contract.{role}")
    if principal.kind != "staff":
        raise PolicyDenied("only hospital staff decide contracts", code="role_forbidden")
    return principal


def _show(contract: Any, as_json: bool) -> None:
    from node.contracts.model import contract_view

    view = contract_view(contract)
    if as_json:
        print_json(view)
        return
    t = view["terms"]
    typer.echo(
        f"{view['id']}  {view['state']} ({view['state_zh']})  v{view['version']}  "
        f"product {view['product_id']}  partner {view['partner_id']}  L{view['level']}"
    )
    typer.echo(
        f"  {t['access_mode']} for {t['purpose']}; uses {view['uses']}/{t['max_uses']}; "
        f"ε {view['epsilon_spent']:g}/{t['epsilon']:g}; min cohort {t['min_cohort']}; k {t['k']}"
    )
    if view["reason"]:
        typer.echo(f"  reason: {view['reason']}")
    if view["digest"]:
        typer.echo(f"  digest (SM3): {view['digest']}")


@contracts_app.command("ls")
def ls(
    state: list[str] = typer.Option([], "--state", help="e.g. PENDING_APPROVAL (repeatable)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List contracts (all partners)."""
    from node.contracts.model import State, contract_view

    c = open_container()
    try:
        states = {State[s.upper()] for s in state}
    except KeyError:
        raise fail(f"unknown state; known: {', '.join(s.name for s in State)}") from None
    staff_view = _system_viewer()
    contracts = c.contracts.list_for(staff_view, states or None)
    if as_json:
        print_json([contract_view(x) for x in contracts])
        return
    for x in contracts:
        _show(x, False)


def _system_viewer() -> Any:
    from node.identity.model import Principal, Role

    return Principal("system", "system", "staff", frozenset({Role.ADMIN}), "", None, 0)


@contracts_app.command("show")
def show(contract_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one contract."""
    _show(open_container().contracts.get(_system_viewer(), contract_id), as_json)


@contracts_app.command("approve")
def approve(contract_id: str, token_env: str = token_env_option()) -> None:
    """Approve as data officer (level 4+ then waits for ethics review)."""
    c = open_container()
    _show(c.contracts.approve(_staff(c, token_env, "data_officer"), contract_id), False)


@contracts_app.command("ethics-approve")
def ethics_approve(contract_id: str, token_env: str = token_env_option()) -> None:
    """Approve as ethics reviewer."""
    c = open_container()
    _show(c.contracts.approve_ethics(_staff(c, token_env, "ethics_reviewer"), contract_id), False)


@contracts_app.command("reject")
def reject(
    contract_id: str,
    reason: str = typer.Option(..., "--reason"),
    token_env: str = token_env_option(),
    role: str = typer.Option("data_officer", "--role", help="data_officer or ethics_reviewer"),
) -> None:
    """Reject a pending request, with a reason the partner sees."""
    c = open_container()
    _show(c.contracts.reject(_staff(c, token_env, role), contract_id, reason), False)


@contracts_app.command("counter")
def counter(
    contract_id: str,
    terms_file: Path = typer.Option(..., "--terms", exists=True, dir_okay=False, help="JSON terms."),
    token_env: str = token_env_option(),
) -> None:
    """Counter-offer changed terms; the partner must accept them."""
    c = open_container()
    try:
        terms = json.loads(terms_file.read_text("utf-8"))
    except ValueError:
        raise fail(f"{terms_file}: not JSON") from None
    _show(c.contracts.counter_offer(_staff(c, token_env, "data_officer"), contract_id, terms), False)


@contracts_app.command("revoke")
def revoke(
    contract_id: str,
    reason: str = typer.Option(..., "--reason"),
    token_env: str = token_env_option(),
) -> None:
    """Revoke a contract: every further use is denied."""
    c = open_container()
    _show(c.contracts.revoke(_staff(c, token_env, "data_officer"), contract_id, reason), False)


@contracts_app.command("export")
def export(contract_id: str) -> None:
    """Print the self-contained signed copy (document, signatures, anchor) as JSON."""
    print_json(open_container().verifier.export(contract_id))


@contracts_app.command("verify")
def verify(
    contract_id: str | None = typer.Argument(None, help="Contract id (or use --file)."),
    file: Path | None = typer.Option(None, "--file", exists=True, dir_okay=False, help="An exported copy."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Recompute the SM3 digest, verify both SM2 signatures against the registered keys and find the
    anchor on the chain. Exit 0 only if everything matches."""
    c = open_container()
    if file is not None:
        try:
            copy = json.loads(file.read_text("utf-8"))
        except ValueError:
            raise fail(f"{file}: not JSON") from None
        report = c.verifier.verify_copy(copy)
    elif contract_id:
        report = c.verifier.verify(contract_id)
    else:
        raise fail("give a contract id or --file")
    if as_json:
        print_json(report.as_dict())
    else:
        for check in report.checks:
            typer.echo(f"  {'✓' if check.ok else '✗'} {check.name:<18} {check.detail}")
        typer.echo(f"contract {report.contract_id}: {'verified' if report.ok else 'VERIFICATION FAILED'}")
    if not report.ok:
        raise typer.Exit(EXIT_INVALID)


@contracts_app.command("expire")
def expire() -> None:
    """Run the policy monitor once: expire contracts whose validity has ended."""
    for contract in open_container().monitor.run_once():
        typer.echo(f"expired {contract.id}")


@contracts_app.command("deliver")
def deliver(as_json: bool = typer.Option(False, "--json")) -> None:
    """Deliver queued anchors to the chain now (the worker does this continuously)."""
    from node.cli.common import EXIT_UNAVAILABLE

    report = open_container().anchoring.deliver()
    if as_json:
        print_json(report.as_dict())
    else:
        for r in report.delivered:
            typer.echo(f"anchored {r.kind} {r.ref}: block {r.block_number}, tx {r.tx_hash}")
        for item_id, error in report.failed:
            typer.echo(
                f"not delivered {item_id}: [{error}] {report.reasons.get(error, '')} (queued for retry)"
            )
        typer.echo(f"{report.pending} still queued")
    if report.failed:
        raise typer.Exit(EXIT_UNAVAILABLE)


# -- the partner's side ------------------------------------------------------------------------------
def _client(timeout_s: float = 30) -> Any:
    """The light client's ``hnode_partner.node_api.PartnerClient`` (raising the node's errors) for the
    node at NODE_API_URL with the token NODE_API_TOKEN; every ``hnode partner`` command uses it."""
    from node.sdk.partner import PartnerClient

    url, token = os.environ.get("NODE_API_URL"), os.environ.get("NODE_API_TOKEN")
    if not url or not token:
        raise fail("set NODE_API_URL and NODE_API_TOKEN (a token the node issued to you)")
    return PartnerClient(url, token, timeout_s=timeout_s)


@partner_app.command("request")
def partner_request(
    product_id: str,
    terms_file: Path = typer.Option(..., "--terms", exists=True, dir_okay=False, help="JSON terms."),
) -> None:
    """Request a product under the terms in a JSON file."""
    try:
        terms = json.loads(terms_file.read_text("utf-8"))
    except ValueError:
        raise fail(f"{terms_file}: not JSON") from None
    print_json(_client().request(product_id, terms))


@partner_app.command("ls")
def partner_ls() -> None:
    """Your contracts with the node, with remaining uses and budget."""
    print_json(_client().contracts())


@partner_app.command("accept")
def partner_accept(contract_id: str) -> None:
    """Accept the officer's counter-offer."""
    print_json(_client().accept(contract_id))


@partner_app.command("sign")
def partner_sign(
    contract_id: str,
    key: Path = typer.Option(..., "--key", exists=True, dir_okay=False, help="Your encrypted SM2 key (PEM)."),
) -> None:
    """Fetch the canonical contract, check it, sign it with your key (which stays here) and submit."""
    from node.crypto.keyfile import read_key

    passphrase = os.environ.get("PARTNER_KEY_PASSPHRASE")
    private = read_key(key, passphrase.encode() if passphrase else None)
    print_json(_client().sign(contract_id, private))


@partner_app.command("usage")
def partner_usage(contract_id: str) -> None:
    """Uses and privacy budget left, and every metered use."""
    print_json(_client().usage(contract_id))


@partner_app.command("verify")
def partner_verify(contract_id: str) -> None:
    """Ask the node to verify the contract now; exit 1 unless every check passes."""
    report = _client().verification(contract_id)
    print_json({k: v for k, v in report.items() if k != "copy"})
    if not report["ok"]:
        raise typer.Exit(EXIT_INVALID)


# -- the chain -------------------------------------------------------------------------------------
@chain_app.command("status")
def chain_status() -> None:
    """Which chain, which registry, which account; deploys the registry on first use."""
    c = open_container()
    chain = c.chain()
    print_json(
        {
            "chain_id": chain.chain_id,
            "registry": chain.contract_address,
            "endpoint": getattr(c.chain, "describe", lambda: c.settings.chain_rpc_url or "embedded")(),
            "queued_anchors": len(c.anchoring.pending()),
        }
    )


@chain_app.command("account")
def chain_account_address() -> None:
    """The node's chain account (derived from its SM2 key): fund or whitelist it on the chain."""
    from node.adapters.chain import chain_account
    from node.adapters.node_key import FileSigner

    s = load_settings()
    signer = FileSigner(s.node_key_path, s.key_passphrase)
    typer.echo(chain_account(signer.derive_key).address)
