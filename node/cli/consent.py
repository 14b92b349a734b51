"""``hnode consent``: the patient consent registry (患者授权), on the node host."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import typer

from node.cli.common import acting, fail, open_container, print_json, token_env_option

if TYPE_CHECKING:
    from node.bootstrap import Container

consent_app = typer.Typer(help="Patient consents for partners (患者授权).", no_args_is_help=True)


def _officer(c: Container, token_env: str) -> str:
    """The data officer recording it, from their own token (the audit names them)."""
    from node.errors import PolicyDenied
    from node.identity.model import Role

    principal = acting(c, token_env, frozenset({Role.DATA_OFFICER}), "consent.record")
    if principal.kind != "staff":
        raise PolicyDenied("only hospital staff record consents", code="role_forbidden")
    return str(principal.id)


def _us(day: str, name: str) -> int:
    try:
        return int(datetime.fromisoformat(day).timestamp() * 1_000_000)
    except ValueError:
        raise fail(f"{name}: a date such as 2026-01-31 or 2026-01-31T08:00:00+08:00") from None


@consent_app.command("grant")
def grant(
    patient_id: str,
    partner: str = typer.Option(..., "--partner", help="Partner name or id."),
    purpose: str = typer.Option(..., "--purpose", help="Purpose code, e.g. claims_verification."),
    channel: str = typer.Option(..., "--channel", help="signed_form, app, kiosk or counter."),
    evidence: str = typer.Option(..., "--evidence", help="Form number, app or kiosk record id."),
    valid_from: str = typer.Option("", "--from", help="Start (ISO date; default now)."),
    valid_to: str = typer.Option("", "--to", help="End (ISO date; default one year later)."),
    token_env: str = token_env_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record a patient's consent for one partner, purpose and period."""
    c = open_container()
    try:
        start = _us(valid_from, "--from") if valid_from else c.clock.now_us()
        end = _us(valid_to, "--to") if valid_to else start + int(timedelta(days=365).total_seconds() * 1e6)
        consent = c.consents.grant(
            _officer(c, token_env), patient_id, partner, purpose, start, end, channel, evidence
        )
        view = consent.view(c.clock.now_us())
    finally:
        c.close()
    if as_json:
        print_json(view)
    else:
        typer.echo(f"{view['id']}  patient {patient_id} -> {view['partner_id']} for {purpose} (in force)")


@consent_app.command("withdraw")
def withdraw(consent_id: str, token_env: str = token_env_option()) -> None:
    """Withdraw a consent: every later use is decided without it."""
    c = open_container()
    try:
        c.consents.withdraw(_officer(c, token_env), consent_id)
    finally:
        c.close()
    typer.echo(f"{consent_id} withdrawn")


@consent_app.command("ls")
def ls(
    patient_id: str = typer.Option(None, "--patient"),
    partner: str = typer.Option(None, "--partner"),
    purpose: str = typer.Option(None, "--purpose"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Consents, optionally of one patient, partner or purpose."""
    c = open_container()
    try:
        now = c.clock.now_us()
        views = [x.view(now) for x in c.consents.list(patient_id, partner, purpose)]
    finally:
        c.close()
    if as_json:
        print_json(views)
        return
    for v in views:
        state = "in force" if v["in_force"] else ("withdrawn" if v["withdrawn_at_us"] else "not in force")
        typer.echo(
            f"{v['id']}  {v['patient_id']:<14} {v['partner_id']:<22} {v['purpose']:<22} "
            f"{v['channel']:<11} {state}"
        )
