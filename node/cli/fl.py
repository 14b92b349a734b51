"""``hnode fl``: federated learning across hospitals (联邦学习)."""

from __future__ import annotations

import json

import typer

from node.cli.common import fail, print_json

fl_app = typer.Typer(help="Federated training with Flower.", no_args_is_help=True)


@fl_app.command("bench")
def bench(
    hospitals: int = typer.Option(3, "--hospitals", min=2, max=8),
    rounds: int = typer.Option(20, "--rounds", min=1, max=200),
    model: str = typer.Option("logreg", "--model", help="logreg or mlp"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """FedAvg on the Wisconsin breast-cancer data split non-IID across hospitals (Flower simulation),
    against centralized training on the same split."""
    from node.federated.flower.benchmark import run

    if model not in ("logreg", "mlp"):
        raise fail("--model must be logreg or mlp")
    result = run(hospitals, rounds, model)
    if as_json:
        typer.echo(json.dumps(result))
    else:
        print_json(result)
