"""``hnode assets``, ``hnode products``, ``hnode samples``: the registry from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from node.asset_registry.catalog import asset_record, plain
from node.asset_registry.model import CATEGORY_ZH, Product, ProductStatus
from node.cli.common import actor, open_container, print_json, progress_bar

assets_app = typer.Typer(
    help="Data assets: import, profile, grade (数据资产登记与分级).", no_args_is_help=True
)
products_app = typer.Typer(help="Data products offered to partners (数据产品).", no_args_is_help=True)
samples_app = typer.Typer(help="Synthetic hospital data for demos and tests.", no_args_is_help=True)


@assets_app.command("import")
def import_(
    source: str = typer.Argument(..., help="File, folder, FHIR base URL or SQLAlchemy URL."),
    connector: str = typer.Option(..., "--connector", help="fhir, hl7, dicom, csv, parquet or sql."),
    table: list[str] = typer.Option([], "--table", help="Tables to read (sql connector)."),
    department: str = typer.Option("信息中心", "--department", help="Owner department."),
    frequency: str = typer.Option("daily", "--frequency", help="Update frequency."),
    scenario: list[str] = typer.Option([], "--scenario", help="Application scenario (repeatable)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import a source: every table it holds becomes a graded asset, or nothing does."""
    from connectors.registry import open_source
    from node.asset_registry.services import ImportOptions

    c = open_container()
    src = open_source(connector, source, table)
    options = ImportOptions(department, frequency, list(scenario))
    with progress_bar(f"importing {connector}") as advance:
        result = c.assets.import_source(actor(), src, options, progress=lambda rows: advance(rows, 0))
    if as_json:
        print_json(
            {"import_id": result.import_id, "rows": result.rows, "assets": [a.id for a in result.assets]}
        )
        return
    typer.echo(f"import {result.import_id}: {result.rows:,} rows into {len(result.assets)} asset(s)")
    for a in result.assets:
        typer.echo(
            f"  {a.id}  {a.name:<28} {a.rows:>9,} rows  L{a.grade.level}  {CATEGORY_ZH[a.grade.category]}"
        )


@assets_app.command("ls")
def ls(
    text: str | None = typer.Option(None, "--text", help="Search names, tables, columns, departments."),
    level: int | None = typer.Option(None, "--level"),
    category: str | None = typer.Option(None, "--category"),
    source_system: str | None = typer.Option(None, "--source", help="HIS, EMR, LIS, PACS, RIS, OTHER."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List the catalog's assets."""
    found = open_container().assets.search(text, level, category, source_system)
    if as_json:
        print_json([asset_record(a) for a in found])
        return
    for a in found:
        mark = "confirmed" if a.confirmed else "suggested"
        typer.echo(
            f"{a.id}  {a.name:<28} {a.source_system.value:<5} {a.rows:>9,} rows  L{a.grade.level} ({mark})"
        )


@assets_app.command("show")
def show(asset_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Schema, rows, PII columns, suggested and confirmed grade with reasons."""
    a = open_container().assets.get(asset_id)
    if as_json:
        print_json(asset_record(a))
        return
    typer.echo(
        f"{a.name}  [{a.id}]  {a.rows:,} rows  from {a.connector}:{a.source_uri} ({a.source_system.value})"
    )
    typer.echo(f"owner {a.owner_department}, updated {a.update_frequency}, import {a.import_id}")
    for col in a.columns:
        pii = f"  PII: {', '.join(col.pii)}" if col.pii else ""
        typer.echo(
            f"  {col.name:<22} {col.dtype:<9} nulls {col.null_rate(a.rows):6.1%}  distinct "
            f"{'' if col.distinct_exact else '~'}{col.distinct:,}{pii}"
        )
    for label, g in (("suggested", a.suggested), ("confirmed", a.confirmed)):
        if g:
            typer.echo(
                f"{label}: level {g.level}, {CATEGORY_ZH[g.category]}, {g.dsl_class.value}"
                + (f" (by {g.by})" if label == "confirmed" else "")
            )
            for r in g.reasons:
                typer.echo(f"   - {r}")


@assets_app.command("grade")
def grade(
    asset_id: str,
    level: int = typer.Option(..., "--level", min=1, max=5),
    reason: str = typer.Option(..., "--reason"),
    category: str | None = typer.Option(None, "--category"),
    dsl_class: str | None = typer.Option(None, "--dsl-class", help="core, important or general."),
) -> None:
    """Confirm or override an asset's grade (audited)."""
    a = open_container().assets.grade(actor(), asset_id, level, reason, category, dsl_class)
    typer.echo(f"{a.id}: level {a.grade.level} confirmed")


@assets_app.command("catalog")
def catalog(
    out: Path | None = typer.Option(None, "--out", help="Write to a file instead of stdout."),
) -> None:
    """Export the catalog as DCAT-style JSON-LD."""
    from node.asset_registry.catalog import dcat_catalog

    c = open_container()
    doc = dcat_catalog(c.settings.name, c.settings.display_name, c.assets.search(), c.products.visible(None))
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        typer.echo(text)


def product_line(p: Product) -> str:
    return f"{p.id}  {p.name:<24} {p.access_mode.value:<20} {p.status.value:<10} -> {', '.join(p.visible_to)}"


@products_app.command("create")
def products_create(
    name: str,
    asset: list[str] = typer.Option(..., "--asset", help="Asset id (repeatable)."),
    mode: str = typer.Option(
        ..., "--mode", help="anonymized_extract, aggregate_query, he_query, federated_training, psi."
    ),
    visible_to: list[str] = typer.Option(..., "--visible-to", help="Partner role (repeatable)."),
    policy: str = typer.Option("{}", "--policy", help="Policy template as JSON."),
    description: str = typer.Option("", "--description"),
) -> None:
    """Create a draft product on graded assets."""
    try:
        template = json.loads(policy)
    except json.JSONDecodeError:
        raise typer.BadParameter("--policy must be a JSON object") from None
    p = open_container().products.create(
        actor(), name, list(asset), mode, list(visible_to), template, description
    )
    typer.echo(product_line(p))


@products_app.command("publish")
def products_publish(product_id: str) -> None:
    """Publish a draft product to the partners it names."""
    typer.echo(
        product_line(open_container().products.set_status(actor(), product_id, ProductStatus.PUBLISHED))
    )


@products_app.command("retire")
def products_retire(product_id: str) -> None:
    """Withdraw a product."""
    typer.echo(product_line(open_container().products.set_status(actor(), product_id, ProductStatus.RETIRED)))


@products_app.command("ls")
def products_ls(as_json: bool = typer.Option(False, "--json")) -> None:
    """List all products."""
    found = open_container().products.visible(None)
    if as_json:
        print_json([plain(p) for p in found])
        return
    for p in found:
        typer.echo(product_line(p))


@samples_app.command("generate")
def samples_generate(
    out: Path = typer.Option(..., "--out"),
    patients: int = typer.Option(200, "--patients", min=10, max=100_000),
    seed: int = typer.Option(7, "--seed"),
    hospital: str = typer.Option("h1", "--hospital"),
    ndjson: bool = typer.Option(False, "--ndjson", help="Also write FHIR NDJSON bulk files."),
) -> None:
    """Write synthetic FHIR bundles, HL7 v2 messages, CSV tables and pydicom's DICOM files."""
    from connectors.samples import copy_sample_dicom, write_sample_files

    counts = write_sample_files(out, patients, seed, hospital, ndjson=ndjson)
    counts["dicom_files"] = copy_sample_dicom(out / "dicom")
    print_json(counts)
