"""``hnode partner cohort`` and ``hnode partner dataset``: a research partner's side of the research
dataset service (新药研发数据集服务), over the node's API."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import typer

from node.cli.common import fail, print_json
from node.cli.contracts import _client

DEFINITION = typer.Option(..., "--definition", exists=True, dir_okay=False, help="Cohort definition (JSON).")


def _definition(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except ValueError:
        raise fail(f"{path}: not JSON") from None
    if not isinstance(raw, dict):
        raise fail(f"{path}: a cohort definition is a JSON object")
    return raw


def cohort(
    contract_id: str,
    definition: Path = DEFINITION,
    as_json: bool = typer.Option(False, "--json", help="Print the attrition as JSON."),
) -> None:
    """A cohort's attrition at the node: patients left after each criterion (one metered use)."""
    out = _client().cohort_attrition(contract_id, _definition(definition))
    if as_json:
        print_json(out)
        return
    typer.echo(f"{out['cohort']} v{out['version']} (minimum cohort {out['min_cohort']})")
    for step in out["steps"]:
        n = "<" + str(out["min_cohort"]) if step["suppressed"] else str(step["remaining"])
        typer.echo(f"  {'+' if step['include'] else '-'} {step['criterion']:<24} {n:>8}")


def dataset(
    contract_id: str,
    definition: Path = DEFINITION,
    out: Path = typer.Option(..., "--out", file_okay=False, help="Directory to unpack into (created)."),
) -> None:
    """Receive the cohort's multi-table anonymized dataset (Parquet, dictionary, DCAT, Croissant)."""
    dataset_id, blob = _client().research_dataset(contract_id, _definition(definition))
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        for name in z.namelist():
            target = (out / Path(name).name).resolve()
            if target.parent != out.resolve():
                raise fail("the archive holds a path outside the dataset")
            target.write_bytes(z.read(name))
    report = json.loads((out / "report.json").read_text("utf-8"))
    typer.echo(
        f"{dataset_id}: {report['persons_released']} persons, k={report['achieved_k']}, "
        f"tables {', '.join(f'{k} {v}' for k, v in report['rows'].items())} -> {out}"
    )
