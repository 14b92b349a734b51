"""The ``hnode`` command line: the same services as the API, no logic of its own."""

from __future__ import annotations

import sys

import typer

from node import node_version
from node.cli import (
    admin,
    anonymize,
    assets,
    audit,
    backup,
    consent,
    contracts,
    crypto,
    fl,
    he,
    hl7,
    identity,
    insurer,
    region,
    research,
    settlement,
)
from node.cli.common import exit_on_error

app = typer.Typer(
    name="hnode",
    help="Hospital data-space node (医院可信数据空间节点).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(crypto.app, name="crypto")
app.add_typer(admin.keys_app, name="keys")
app.add_typer(identity.partners_app, name="partners")
app.add_typer(identity.staff_app, name="staff")
app.add_typer(identity.tokens_app, name="tokens")
app.add_typer(audit.app, name="audit")
app.add_typer(assets.assets_app, name="assets")
app.add_typer(assets.products_app, name="products")
app.add_typer(assets.samples_app, name="samples")
app.add_typer(hl7.hl7_app, name="hl7")
app.add_typer(anonymize.anonymize_app, name="anonymize")
app.add_typer(contracts.contracts_app, name="contracts")
contracts.partner_app.command("cohort")(research.cohort)
contracts.partner_app.command("dataset")(research.dataset)
app.add_typer(contracts.partner_app, name="partner")
contracts.partner_app.command("psi")(insurer.psi)
contracts.partner_app.command("query")(insurer.query)
contracts.partner_app.add_typer(settlement.claims_app, name="claims")
app.add_typer(settlement.settlement_app, name="settlement")
app.add_typer(consent.consent_app, name="consent")
app.add_typer(contracts.chain_app, name="chain")
app.add_typer(he.he_app, name="he")
app.add_typer(fl.fl_app, name="fl")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hnode {node_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the node's version and exit."
    ),
) -> None:
    """Hospital data-space node (医院可信数据空间节点)."""


app.add_typer(region.region_app, name="region")
app.command("serve")(admin.serve)
app.command("migrate")(admin.migrate)
app.command("worker")(admin.worker)
app.command("demo")(admin.demo)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)


def main() -> None:
    with exit_on_error():
        app()
    sys.exit(0)
