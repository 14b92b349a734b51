"""``hnode partner psi`` and ``hnode partner query``: the insurer's side over a node's API
(NODE_API_URL, NODE_API_TOKEN), registered on the ``partner`` command group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from node.cli.common import fail, print_json
from node.cli.contracts import _client


def _insurer() -> Any:
    from node.sdk.insurer import InsurerClient

    return InsurerClient(_client(timeout_s=300))


def psi(
    contract_id: str,
    members: Path = typer.Option(
        ...,
        "--members",
        exists=True,
        dir_okay=False,
        help="One resident ID number (or 'name,YYYY-MM-DD') a line.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Which of your members are the hospital's patients (or how many, under a count-only contract),
    by private set intersection: the node learns only how many members you sent."""
    try:
        lines = members.read_text("utf-8").splitlines()
    except (UnicodeDecodeError, OSError):
        raise fail(f"{members}: not a readable UTF-8 text file") from None
    result = _insurer().psi(contract_id, lines)
    if as_json:
        print_json(result)
        return
    if "matched" in result:
        typer.echo(f"{len(result['matched'])} of {result['members']} members are patients:")
        for m in result["matched"]:
            typer.echo(f"  {m}")
    else:
        typer.echo(f"{result['matched_count']} of {result['members']} members are patients")


def query(
    contract_id: str,
    measure: list[str] = typer.Option(
        ..., "--measure", help="count, sum:COL, mean:COL, quantile:COL:Q or histogram:COL (repeatable)."
    ),
    by: list[str] = typer.Option(
        [], "--by", help="A dimension to group by (repeatable, or comma-separated)."
    ),
    where: list[str] = typer.Option([], "--where", help="COLUMN=VALUE filter on a dimension (repeatable)."),
    epsilon: float = typer.Option(0.5, "--epsilon", help="Privacy budget this query spends."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """An aggregate query with differential privacy: noisy cells (small ones suppressed), each result
    with its noise mechanism, scale and epsilon."""
    dims = [d.strip() for item in by for d in item.split(",") if d.strip()]
    result = _insurer().query(contract_id, measure, dims, where, epsilon)
    if as_json:
        print_json(result)
        return
    typer.echo(
        f"ε {result['epsilon']:g} spent; min cohort {result['min_cohort']}; "
        f"{result['suppressed']} cell(s) suppressed"
    )
    for cell in result["cells"]:
        group = ", ".join(f"{k}={v}" for k, v in cell["group"].items()) or "all"
        values = "  ".join(f"{k} {v}" for k, v in cell.items() if k != "group" and not isinstance(v, list))
        typer.echo(f"  {group:<30} {values}")
    for name, n in result["noise"].items():
        typer.echo(f"  noise {name}: {n['mechanism']}, scale {n['scale']:.3g}, ε {n['epsilon']:.3g}")
