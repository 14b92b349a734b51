"""``hnode partners``, ``hnode staff``, ``hnode tokens``."""

from __future__ import annotations

import getpass

import typer

from node.cli.common import acting, fail, open_container, print_json, token_env_option
from node.identity.model import PARTNER_ROLES, STAFF_ROLES, Principal, Role
from node.identity.services import IssuedToken

partners_app = typer.Typer(
    help="Partners: insurers, researchers, other hospitals, FL coordinators.", no_args_is_help=True
)
staff_app = typer.Typer(
    help="Hospital staff: data officers, ethics reviewers, administrators.", no_args_is_help=True
)
tokens_app = typer.Typer(help="API bearer tokens (stored only as SM3 hashes).", no_args_is_help=True)


def _show(p: Principal) -> dict[str, object]:
    return {**p.__dict__, "roles": sorted(p.roles)}


ADMIN_ONLY = frozenset({Role.ADMIN})


def _add(
    name: str,
    roles: list[str],
    org: str,
    pubkey: str | None,
    allowed: frozenset[str],
    kind: str,
    token_env: str,
) -> None:
    bad = [r for r in roles if r not in allowed]
    if bad:
        raise typer.BadParameter(
            f"{', '.join(bad)} is not a {kind} role; choose from {', '.join(sorted(allowed))}"
        )
    c = open_container()
    admin = acting(c, token_env, ADMIN_ONLY, "principal.register")
    print_json(_show(c.identity.register(admin.id, name, roles, org, pubkey)))


@partners_app.command("add")
def partners_add(
    name: str,
    role: list[str] = typer.Option(..., "--role", help="insurer, researcher, hospital or coordinator."),
    pubkey: str = typer.Option(..., "--pubkey", help="The partner's SM2 public key (130 hex)."),
    org: str = typer.Option("", "--org", help="Organisation name."),
    token_env: str = token_env_option(),
) -> None:
    """Register a partner with its SM2 public key (as an administrator, under your own token)."""
    _add(name, role, org, pubkey, frozenset(PARTNER_ROLES), "partner", token_env)


@staff_app.command("add")
def staff_add(
    name: str,
    role: list[str] = typer.Option(..., "--role", help="data_officer, ethics_reviewer or admin."),
    org: str = typer.Option("", "--org", help="Department."),
    pubkey: str | None = typer.Option(
        None, "--pubkey", help="Optional SM2 public key for signing approvals."
    ),
    bootstrap: bool = typer.Option(
        False,
        "--bootstrap",
        help="The node's FIRST administrator, added by the host without a token (audited as "
        "host-bootstrap:<your login>) and given a first token; refused once any administrator exists.",
    ),
    token_env: str = token_env_option(),
) -> None:
    """Register a member of the hospital's staff (as an administrator, under your own token)."""
    if not bootstrap:
        _add(name, role, org, pubkey, frozenset(STAFF_ROLES), "staff", token_env)
        return
    if role != [Role.ADMIN.value]:
        raise fail("--bootstrap adds the node's first administrator: give exactly --role admin")
    principal, issued = open_container().identity.bootstrap_admin(getpass.getuser(), name, org, pubkey)
    print_json({**_show(principal), "token": issued_json(issued)})


def _list(kind: str, as_json: bool) -> None:
    rows = [p for p in open_container().identity.list_principals() if p.kind == kind]
    if as_json:
        print_json([_show(p) for p in rows])
        return
    for p in rows:
        typer.echo(f"{p.id}  {p.name:<20} {','.join(sorted(p.roles)):<24} {p.organization}")


@partners_app.command("ls")
def partners_ls(as_json: bool = typer.Option(False, "--json")) -> None:
    """List partners."""
    _list("partner", as_json)


@staff_app.command("ls")
def staff_ls(as_json: bool = typer.Option(False, "--json")) -> None:
    """List staff."""
    _list("staff", as_json)


@partners_app.command("show")
def partners_show(ref: str = typer.Argument(..., help="Principal id or name.")) -> None:
    """Show one principal."""
    print_json(_show(open_container().identity.resolve(ref)))


def issued_json(issued: IssuedToken) -> dict[str, object]:
    t = issued.token
    return {
        "id": t.id,
        "principal_id": t.principal_id,
        "expires_at_us": t.expires_at_us,
        "token": issued.secret,
    }


@tokens_app.command("issue")
def tokens_issue(
    principal: str = typer.Argument(..., help="Principal id or name."),
    ttl_hours: int | None = typer.Option(None, "--ttl-hours", help="Lifetime; default NODE_TOKEN_TTL_HOURS."),
    label: str = typer.Option("", "--label"),
    token_env: str = token_env_option(),
) -> None:
    """Issue a bearer token (as an administrator, under your own token). The secret is printed once and
    never stored."""
    c = open_container()
    admin = acting(c, token_env, ADMIN_ONLY, "token.issue")
    p = c.identity.resolve(principal)
    print_json(issued_json(c.identity.issue_token(admin.id, p.id, ttl_hours, label)))


@tokens_app.command("revoke")
def tokens_revoke(token_id: str, token_env: str = token_env_option()) -> None:
    """Revoke a token by id (as an administrator, under your own token)."""
    c = open_container()
    admin = acting(c, token_env, ADMIN_ONLY, "token.revoke")
    t = c.identity.revoke_token(admin.id, token_id)
    typer.echo(f"revoked {t.id}")


@tokens_app.command("ls")
def tokens_ls(principal: str) -> None:
    """List a principal's tokens (ids and expiry, never secrets)."""
    c = open_container()
    for t in c.identity.tokens_of(c.identity.resolve(principal).id):
        state = "revoked" if t.revoked_at_us else "active"
        typer.echo(f"{t.id}  {state:<8} expires_at_us={t.expires_at_us} {t.label}")
