"""Typed bodies of the registry routes: imports, assets, grades, products, extracts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from node.api.schemas import Out

Connector = Literal["fhir", "hl7", "dicom", "csv", "parquet", "sql"]


class ImportIn(BaseModel):
    connector: Connector
    source: str = Field(
        min_length=1,
        max_length=2000,
        description="A path under NODE_IMPORT_ROOT, or a FHIR base URL / SQLAlchemy URL listed in "
        "NODE_IMPORT_SOURCES",
    )
    tables: list[str] = Field(default_factory=list, max_length=200, description="SQL tables to import")
    department: str = Field(default="信息中心", max_length=100)
    frequency: str = Field(default="daily", max_length=40)
    scenarios: list[str] = Field(default_factory=list, max_length=50)
    on_error: Literal["reject", "quarantine"] = Field(
        default="reject", description="reject: all or nothing; quarantine: bad records kept aside, encrypted"
    )
    keep_raw_text: bool = Field(
        default=False, description="store report text undeidentified (grade permitting)"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"connector": "csv", "source": "/var/lib/hnode/inbox/lab/observations.csv"}]
        }
    )


class FixIn(BaseModel):
    record_base64: str = Field(min_length=4, max_length=14_000_000, description="The corrected record")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"record_base64": "cGF0aWVudF9pZCxsb2luYyx2YWx1ZQpQMDAxLDQ1NDgtNCw2LjEK"}]
        }
    )


class DiscardIn(BaseModel):
    reason: str = Field(min_length=2, max_length=500)

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "重复记录，源系统已更正"}]})


class GradeIn(BaseModel):
    level: int = Field(ge=1, le=5)
    reason: str = Field(min_length=2, max_length=500)
    category: str | None = Field(default=None, max_length=40)
    dsl_class: str | None = Field(default=None, max_length=40)

    model_config = ConfigDict(json_schema_extra={"examples": [{"level": 4, "reason": "含病案号与诊断"}]})


class PolicyTemplate(BaseModel):
    """Limits a product offers (contracts may ask for less) and how its extracts are made. The fields
    below are typed and checked; a mode's own settings (a query product's dimensions and measures, a PSI
    product's member limits, consent_required) pass through to the registry, which checks them."""

    model_config = ConfigDict(extra="allow")

    purposes: list[str] | None = Field(default=None, max_length=50)
    max_uses: int | None = Field(default=None, ge=0)
    valid_days: int | None = Field(default=None, ge=0)
    min_cohort: int | None = Field(default=None, ge=0)
    k: int | None = Field(default=None, ge=0)
    epsilon: float | None = Field(default=None, ge=0)
    prohibitions: list[str] | None = Field(default=None, max_length=20)
    duties: dict[str, int] | None = None
    quasi: list[str] | None = Field(default=None, max_length=100, description="quasi-identifier columns")
    sensitive: str | None = None
    l: int | None = Field(default=None, ge=1)  # noqa: E741 - l-diversity's name
    max_suppression: float | None = Field(default=None, ge=0, le=1)
    cohorts: list[str] | None = Field(default=None, max_length=100, description="ICD-10 prefixes")


class ProductIn(BaseModel):
    name: str = Field(min_length=2, max_length=200)
    asset_ids: list[str] = Field(min_length=1, max_length=100)
    access_mode: str = Field(
        description="aggregate_query, anonymized_extract, he_query, federated_training, ..."
    )
    visible_to: list[str] = Field(min_length=1, description="partner roles")
    policy_template: PolicyTemplate = Field(default_factory=PolicyTemplate)
    description: str = Field(default="", max_length=2000)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "血糖统计",
                    "asset_ids": ["as_0123456789abcdef"],
                    "access_mode": "aggregate_query",
                    "visible_to": ["insurer"],
                    "policy_template": {"min_cohort": 20, "max_uses": 100},
                }
            ]
        }
    )


class GradeOut(Out):
    level: int
    category: str
    dsl_class: str
    reasons: list[str]
    by: str
    at_us: int


class ColumnOut(Out):
    name: str
    dtype: str
    nulls: int
    distinct: int
    pii: list[str]


class AssetOut(Out):
    id: str
    name: str
    table: str
    connector: str
    source_uri: str
    source_system: str
    owner_department: str
    rows: int
    columns: list[ColumnOut]
    suggested: GradeOut
    confirmed: GradeOut | None
    grade_in_force: GradeOut
    pii_columns: dict[str, list[str]] = Field(description="column -> kinds of personal data found in it")
    created_at_us: int


class ImportOut(Out):
    import_id: str
    rows: int
    assets: list[AssetOut]


class ProductOut(Out):
    id: str
    name: str
    description: str
    asset_ids: list[str]
    access_mode: str
    policy_template: dict[str, Any]
    visible_to: list[str]
    status: str
    created_by: str
    created_at_us: int


class TableReportOut(Out):
    k_target: int
    achieved_k: int
    rows_in: int
    rows_out: int
    suppressed_rows: int
    information_loss: float
    met: bool


class ExtractOut(Out):
    report: TableReportOut
    columns: list[str]
    rows: list[list[str]]


class CatalogOut(Out):
    """DCAT JSON-LD (``dcat:Catalog``): datasets and the data services (products) offering them."""


class AssetVersionOut(Out):
    """One version of an asset: the import that wrote it, its source digest and quality."""

    asset_id: str
    version: int
    import_id: str
    source_digest: str
    storage_ref: str
    rows: int
    quality: dict[str, Any]
    created_at_us: int


class QuarantinedOut(Out):
    """A record an import kept out: where it was and why (no patient data); the record stays sealed."""

    id: str
    import_id: str
    connector: str
    source_uri: str
    location: str
    reason: str
    status: Literal["held", "fixed", "discarded"]
    created_at_us: int
    resolved_by: str | None = None
    resolved_at_us: int | None = None
    resolution: str | None = None


class FixedOut(Out):
    """The import of a corrected record and the assets it wrote."""

    import_id: str
    assets: list[AssetOut]
