"""Data assets, their profiles and grades, and the data products built on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any


class SourceSystem(StrEnum):
    HIS = "HIS"
    EMR = "EMR"
    LIS = "LIS"
    PACS = "PACS"
    RIS = "RIS"
    OTHER = "OTHER"


class Category(StrEnum):
    """GB/T 39725-2020 health-data categories."""

    PERSONAL_ATTRIBUTES = "personal_attributes"  # 个人属性数据
    HEALTH_STATUS = "health_status"  # 健康状况数据
    MEDICAL_APPLICATION = "medical_application"  # 医疗应用数据
    MEDICAL_PAYMENT = "medical_payment"  # 医疗支付数据
    HEALTH_RESOURCES = "health_resources"  # 卫生资源数据
    PUBLIC_HEALTH = "public_health"  # 公共卫生数据


CATEGORY_ZH = {
    Category.PERSONAL_ATTRIBUTES: "个人属性数据",
    Category.HEALTH_STATUS: "健康状况数据",
    Category.MEDICAL_APPLICATION: "医疗应用数据",
    Category.MEDICAL_PAYMENT: "医疗支付数据",
    Category.HEALTH_RESOURCES: "卫生资源数据",
    Category.PUBLIC_HEALTH: "公共卫生数据",
}


class Level(IntEnum):
    """GB/T 39725-2020 levels: who may use the data, from fully public (1) to very restricted (5)."""

    PUBLIC = 1
    WIDE = 2
    BROAD_AFTER_DEIDENTIFICATION = 3
    SMALL_SCOPE = 4
    VERY_RESTRICTED = 5


class DslClass(StrEnum):
    """Data Security Law classes."""

    CORE = "core"
    IMPORTANT = "important"
    GENERAL = "general"


class AccessMode(StrEnum):
    ANONYMIZED_EXTRACT = "anonymized_extract"
    AGGREGATE_QUERY = "aggregate_query"
    HE_QUERY = "he_query"
    FEDERATED_TRAINING = "federated_training"
    PSI = "psi"  # private set intersection over patient identifiers: membership, never rows
    # a cohort's multi-table dataset, de-identified together (k per person, keyed pseudonyms, shifted
    # dates): rows that leave, so level 4 needs ethics review and only researchers receive it
    RESEARCH_DATASET = "research_dataset"
    # one consenting patient's claim, built from the encounter and its charges, sealed for the insurer
    SETTLEMENT = "settlement"


# level 4-5 data never leaves the hospital: only computations whose results are not rows. PSI tells
# a partner which of its own members are in the table: allowed up to level 4 (a patient index), not at
# level 5, where membership itself would disclose a sensitive condition.
MODES_BY_LEVEL: dict[int, frozenset[AccessMode]] = {
    1: frozenset(AccessMode),
    2: frozenset(AccessMode),
    3: frozenset(AccessMode),
    4: frozenset(
        {
            AccessMode.AGGREGATE_QUERY,
            AccessMode.HE_QUERY,
            AccessMode.FEDERATED_TRAINING,
            AccessMode.PSI,
            AccessMode.RESEARCH_DATASET,
            AccessMode.SETTLEMENT,
        }
    ),
    5: frozenset({AccessMode.AGGREGATE_QUERY, AccessMode.HE_QUERY, AccessMode.FEDERATED_TRAINING}),
}


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    dtype: str
    nulls: int
    distinct: int
    distinct_exact: bool
    pii: list[str] = field(default_factory=list)
    min: Any = None
    max: Any = None

    def null_rate(self, rows: int) -> float:
        return self.nulls / rows if rows else 0.0


@dataclass(frozen=True)
class Grade:
    level: int
    category: Category
    dsl_class: DslClass
    reasons: list[str]
    by: str = ""  # "suggested" for the node's suggestion, else the officer's principal id
    at_us: int = 0


@dataclass(frozen=True)
class Asset:
    id: str
    name: str
    table: str
    connector: str
    source_uri: str
    source_system: SourceSystem
    owner_department: str
    update_frequency: str
    scenarios: list[str]
    rows: int
    columns: list[ColumnProfile]
    suggested: Grade
    confirmed: Grade | None
    import_id: str
    source_digest: str
    storage_ref: str
    created_at_us: int
    derived_from: list[str] = field(default_factory=list)
    version: int = 1  # a re-import of the same source and table appends a version
    quality: dict[str, Any] = field(default_factory=dict)  # {"rules": [...], "alerts": [...]}

    @property
    def grade(self) -> Grade:
        """The grade in force: the officer's if confirmed, else the suggestion."""
        return self.confirmed or self.suggested

    @property
    def pii_columns(self) -> dict[str, list[str]]:
        return {c.name: c.pii for c in self.columns if c.pii}


class ProductStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    description: str
    asset_ids: list[str]
    access_mode: AccessMode
    policy_template: dict[str, Any]
    visible_to: list[str]  # partner roles
    status: ProductStatus
    created_by: str
    created_at_us: int


@dataclass(frozen=True)
class AssetVersion:
    asset_id: str
    version: int
    import_id: str
    source_digest: str
    storage_ref: str
    rows: int
    quality: dict[str, Any]
    created_at_us: int


class QuarantineStatus(StrEnum):
    HELD = "held"
    FIXED = "fixed"
    DISCARDED = "discarded"


@dataclass(frozen=True)
class QuarantinedRecord:
    """A record an import kept out: where it was and why (no patient data), the record itself sealed."""

    id: str
    import_id: str
    connector: str
    source_uri: str
    location: str
    reason: str
    status: QuarantineStatus
    created_at_us: int
    payload: bytes | None = None  # SM4-GCM envelope; None once discarded
    resolved_by: str | None = None
    resolved_at_us: int | None = None
    resolution: str | None = None
