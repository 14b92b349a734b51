"""``hnode assets``, ``hnode products``, ``hnode samples``: the registry from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from node.asset_registry.catalog import asset_record, plain
from node.asset_registry.model import CATEGORY_ZH, Product, ProductStatus
from node.cli.common import acting, open_container, print_json, progress_bar, token_env_option
from node.identity.model import Role

assets_app = typer.Typer(
    help="Data assets: import, profile, grade (数据资产登记与分级).", no_args_is_help=True
)
products_app = typer.Typer(help="Data products offered to partners (数据产品).", no_args_is_help=True)
samples_app = typer.Typer(help="Synthetic hospital data for demos and tests.", no_args_is_help=True)


IMPORTERS = frozenset({Role.DATA_OFFICER, Role.ADMIN})  # as ``POST /v1/assets/import``
OFFICER_ONLY = frozenset({Role.DATA_OFFICER})  # as the quarantine routes


@assets_app.command("import")
def import_(
    source: str = typer.Argument(..., help="File, folder, FHIR base URL or SQLAlchemy URL."),
    connector: str = typer.Option(..., "--connector", help="fhir, hl7, dicom, csv, parquet or sql."),
    table: list[str] = typer.Option([], "--table", help="Tables to read (sql connector)."),
    department: str = typer.Option("信息中心", "--department", help="Owner department."),
    frequency: str = typer.Option("daily", "--frequency", help="Update frequency."),
    scenario: list[str] = typer.Option([], "--scenario", help="Application scenario (repeatable)."),
    on_error: str = typer.Option(
        "reject", "--on-error", help="reject: a bad record fails the import; quarantine: it is kept aside."
    ),
    keep_raw_text: bool = typer.Option(
        False, "--keep-raw-text", help="Store clinical notes as written (the asset becomes level 4 or 5)."
    ),
    as_json: bool = typer.Option(False, "--json"),
    token_env: str = token_env_option(),
) -> None:
    """Import a source: every table it holds becomes a graded asset (or a new version of its asset).
    Taken as a data officer or administrator, under your own token."""
    from connectors.registry import open_source
    from node.asset_registry.services import ImportOptions

    c = open_container()
    me = acting(c, token_env, IMPORTERS, "asset.import")
    src = open_source(connector, source, table, on_error=on_error)
    options = ImportOptions(department, frequency, list(scenario), keep_raw_text=keep_raw_text)
    with progress_bar(f"importing {connector}") as advance:
        result = c.assets.import_source(me.id, src, options, progress=lambda rows: advance(rows, None))
    if as_json:
        print_json(
            {
                "import_id": result.import_id,
                "assets": [a.id for a in result.assets],
                "records": result.records,
                "rows": result.rows,
                "rejected": [
                    {"where": r["where"], "reason": r["reason"], "quarantine_id": r["id"]}
                    for r in result.rejected
                ],
                "unmapped": result.unmapped,
                "unchanged": result.unchanged,
                "alerts": result.alerts,
            }
        )
        return
    typer.echo(
        f"import {result.import_id}: {result.records:,} records, {result.rows:,} rows into "
        f"{len(result.assets)} asset(s)"
    )
    for a in result.assets:
        state = "unchanged" if a.id in result.unchanged else f"v{a.version}"
        category = CATEGORY_ZH[a.grade.category]
        typer.echo(f"  {a.id}  {a.name:<28} {a.rows:>9,} rows  L{a.grade.level}  {category}  {state}")
        for alert in result.alerts.get(a.id, []):
            typer.echo(
                f"    质量告警 quality alert: {alert['rule']} {alert['column']} "
                f"({alert['violations']:,}/{alert['checked']:,})"
            )
    if result.rejected:
        typer.echo(f"quarantined {len(result.rejected)} record(s) (hnode assets quarantine ls):")
        for r in result.rejected:
            typer.echo(f"  {r['id']}  {r['where']}: {r['reason']}")
    if result.unmapped:
        typer.echo(
            "not mapped to a table: " + ", ".join(f"{k} {v:,}" for k, v in sorted(result.unmapped.items()))
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
    typer.echo(
        f"version {a.version}" + (f", derived from {', '.join(a.derived_from)}" if a.derived_from else "")
    )
    q = a.quality
    if q.get("rules"):
        failed = [r for r in q["rules"] if not r["passed"]]
        typer.echo(
            f"quality score {q['score']:.0%} ({len(q['rules']) - len(failed)}/{len(q['rules'])} rules hold)"
        )
        for r in failed:
            typer.echo(f"   x {r['rule']} {r['column']}: {r['violations']:,} of {r['checked']:,}")
        for r in q.get("alerts", []):
            typer.echo(f"   ! 质量告警 quality alert: {r['rule']} {r['column']} held in the previous version")
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
    token_env: str = token_env_option(),
) -> None:
    """Confirm or override an asset's grade (audited under the officer's own token)."""
    c = open_container()
    officer = _officer(c, token_env, "asset.grade")
    a = c.assets.grade(officer.id, asset_id, level, reason, category, dsl_class)
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


def _officer(c: Any, token_env: str, action: str) -> Any:
    from node.identity.model import Role

    return acting(c, token_env, frozenset({Role.DATA_OFFICER, Role.ADMIN}), action)


def product_line(p: Product) -> str:
    return f"{p.id}  {p.name:<24} {p.access_mode.value:<20} {p.status.value:<10} -> {', '.join(p.visible_to)}"


@products_app.command("create")
def products_create(
    name: str,
    asset: list[str] = typer.Option(..., "--asset", help="Asset id (repeatable)."),
    mode: str = typer.Option(
        ...,
        "--mode",
        help="anonymized_extract, aggregate_query, he_query, federated_training, psi, research_dataset.",
    ),
    visible_to: list[str] = typer.Option(..., "--visible-to", help="Partner role (repeatable)."),
    policy: str = typer.Option("{}", "--policy", help="Policy template as JSON."),
    description: str = typer.Option("", "--description"),
    token_env: str = token_env_option(),
) -> None:
    """Create a draft product on graded assets."""
    try:
        template = json.loads(policy)
    except json.JSONDecodeError:
        raise typer.BadParameter("--policy must be a JSON object") from None
    c = open_container()
    officer = _officer(c, token_env, "product.create")
    p = c.products.create(officer.id, name, list(asset), mode, list(visible_to), template, description)
    typer.echo(product_line(p))


@products_app.command("publish")
def products_publish(product_id: str, token_env: str = token_env_option()) -> None:
    """Publish a draft product to the partners it names."""
    c = open_container()
    officer = _officer(c, token_env, "product.publish")
    typer.echo(product_line(c.products.set_status(officer.id, product_id, ProductStatus.PUBLISHED)))


@products_app.command("retire")
def products_retire(product_id: str, token_env: str = token_env_option()) -> None:
    """Withdraw a product."""
    c = open_container()
    officer = _officer(c, token_env, "product.retire")
    typer.echo(product_line(c.products.set_status(officer.id, product_id, ProductStatus.RETIRED)))


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


quarantine_app = typer.Typer(
    help="Records imports kept out (隔离区): list, read, fix, discard.", no_args_is_help=True
)
assets_app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("ls")
def quarantine_ls(
    status: str = typer.Option("held", "--status", help="held, fixed, discarded or all."),
    import_id: str | None = typer.Option(None, "--import"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Where and why each record was kept out (never the record itself)."""
    found = open_container().quarantine.list(None if status == "all" else status, import_id)
    if as_json:
        print_json([plain(r) for r in found])
        return
    for r in found:
        typer.echo(f"{r.id}  {r.status.value:<9} {r.import_id}  {r.location}: {r.reason}")


@quarantine_app.command("show")
def quarantine_show(
    record_id: str,
    out: Path | None = typer.Option(None, "--out", help="Write the record to this file."),
    token_env: str = token_env_option(),
) -> None:
    """The record as it arrived (decrypted for the officer; audited), to correct it."""
    c = open_container()
    data = c.quarantine.read(acting(c, token_env, OFFICER_ONLY, "quarantine.read").id, record_id)
    if out is None:
        sys.stdout.buffer.write(data + (b"" if data.endswith(b"\n") else b"\n"))
        return
    out.write_bytes(data)
    typer.echo(f"written to {out}", err=True)


@quarantine_app.command("fix")
def quarantine_fix(
    record_id: str,
    corrected: Path = typer.Option(..., "--file", help="The corrected record."),
    token_env: str = token_env_option(),
) -> None:
    """Read the corrected record with its connector and append it to its asset as a new version."""
    c = open_container()
    officer = acting(c, token_env, OFFICER_ONLY, "quarantine.fix")
    result = c.quarantine.fix(officer.id, record_id, corrected.read_bytes())
    for a in result.assets:
        typer.echo(f"{record_id} fixed: {a.id} {a.name} now v{a.version}, {a.rows:,} rows")


@quarantine_app.command("discard")
def quarantine_discard(
    record_id: str, reason: str = typer.Option(..., "--reason"), token_env: str = token_env_option()
) -> None:
    """Give up the record: its sealed copy is erased, the entry stays with who and why."""
    c = open_container()
    r = c.quarantine.discard(acting(c, token_env, OFFICER_ONLY, "quarantine.discard").id, record_id, reason)
    typer.echo(f"{r.id} discarded")


@assets_app.command("versions")
def versions(asset_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Every version of an asset: import, rows, source digest, quality score."""
    found = open_container().assets.versions(asset_id)
    if as_json:
        print_json([plain(v) for v in found])
        return
    for v in found:
        typer.echo(
            f"v{v.version}  {v.import_id}  {v.rows:>9,} rows  sm3 {v.source_digest[:16]}  "
            f"quality {v.quality.get('score', 1.0):.0%}  alerts {len(v.quality.get('alerts', []))}"
        )
