"""Table definitions (SQLAlchemy Core). Migrations in ``migrations/`` create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

principals = Table(
    "principals",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("organization", String(200), nullable=False),
    Column("public_key", String(130)),
    Column("created_at_us", BigInteger, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("principal_id", String(32), ForeignKey("principals.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(100), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("expires_at_us", BigInteger, nullable=False),
    Column("revoked_at_us", BigInteger),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts_us", BigInteger, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(128), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False, unique=True),
    Index("ix_audit_entries_actor", "actor"),
    Index("ix_audit_entries_action", "action"),
    Index("ix_audit_entries_object_id", "object_id"),
)

audit_seals = Table(
    "audit_seals",
    metadata,
    Column("first_seq", BigInteger, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False, unique=True),
    Column("merkle_root", String(64), nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("signer_public_key", String(130), nullable=False),
    Column("signed_at_us", BigInteger, nullable=False),
    Column("signature", String(160), nullable=False),
)

assets = Table(
    "assets",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("table_name", String(100), nullable=False),
    Column("connector", String(16), nullable=False),
    Column("source_uri", String(500), nullable=False),
    Column("source_system", String(16), nullable=False),
    Column("owner_department", String(100), nullable=False),
    Column("update_frequency", String(32), nullable=False),
    Column("scenarios", JSON, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("columns", JSON, nullable=False),
    Column("suggested", JSON, nullable=False),
    Column("confirmed", JSON),
    Column("level", Integer, nullable=False),  # the level in force, for filtering
    Column("category", String(32), nullable=False),
    Column("import_id", String(32), nullable=False, index=True),
    Column("source_digest", String(64), nullable=False),
    Column("storage_ref", String(64), nullable=False),
    Column("derived_from", JSON, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("quality", JSON, nullable=False, server_default="{}"),
    # name, table, department, scenarios and column names, lower-cased: the catalog's text search
    Column("search_text", Text, nullable=False, server_default=""),
    Index("ix_assets_created_at_us", "created_at_us"),
)

# every version of an asset: a re-import of the same source appends one (issue 16)
asset_versions = Table(
    "asset_versions",
    metadata,
    Column("asset_id", String(32), ForeignKey("assets.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("import_id", String(32), nullable=False),
    Column("source_digest", String(64), nullable=False),
    Column("storage_ref", String(64), nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("quality", JSON, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Index("ix_asset_versions_import_id", "import_id"),
)

# records an import kept out, encrypted, until the officer fixes or discards them
quarantined_records = Table(
    "quarantined_records",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("import_id", String(32), nullable=False, index=True),
    Column("connector", String(16), nullable=False),
    Column("source_uri", String(500), nullable=False),
    Column("location", String(500), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("payload", LargeBinary),
    Column("status", String(16), nullable=False, index=True),
    Column("created_at_us", BigInteger, nullable=False),
    Column("resolved_by", String(64)),
    Column("resolved_at_us", BigInteger),
    Column("resolution", String(500)),
)

products = Table(
    "products",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("description", Text, nullable=False),
    Column("asset_ids", JSON, nullable=False),
    Column("access_mode", String(32), nullable=False),
    Column("policy_template", JSON, nullable=False),
    Column("visible_to", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("product_id", String(32), ForeignKey("products.id"), nullable=False, index=True),
    Column("partner_id", String(32), ForeignKey("principals.id"), nullable=False, index=True),
    Column("node_id", String(64), nullable=False),
    Column("node_public_key", String(130), nullable=False),
    Column("asset_ids", JSON, nullable=False),
    Column("level", Integer, nullable=False),
    Column("terms", JSON, nullable=False),
    Column("state", Integer, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("uses", BigInteger, nullable=False),
    Column("epsilon_spent", Float, nullable=False),
    Column("needs_ethics", Boolean, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("approvals", JSON, nullable=False),
    Column("partner_signature", JSON),
    Column("node_signature", JSON),
    Column("digest", String(64), nullable=False),
    Column("requested_at_us", BigInteger, nullable=False, index=True),
    Column("updated_at_us", BigInteger, nullable=False),
)

usage_records = Table(
    "usage_records",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("contract_id", String(32), ForeignKey("contracts.id"), nullable=False, index=True),
    Column("principal_id", String(32), nullable=False),
    Column("access_mode", String(32), nullable=False),
    Column("purpose", String(64), nullable=False),
    Column("epsilon", Float, nullable=False),
    Column("cohort_size", BigInteger),
    Column("ref", String(128), nullable=False),
    Column("at_us", BigInteger, nullable=False),
    # a retry of a use (the same FL round, claim version...) finds the first record instead of charging
    Column("idempotency_key", String(160)),
    Index("uq_usage_records_contract_key", "contract_id", "idempotency_key", unique=True),
    Index("ix_usage_records_mode_at", "access_mode", "at_us"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("ref", String(128), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("created_at_us", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_us", BigInteger, nullable=False),
    Column("delivered_at_us", BigInteger),
    Column("last_error", String(300), nullable=False),
    Index("ix_outbox_pending", "delivered_at_us", "next_attempt_us"),
)

anchors = Table(
    "anchors",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("ref", String(128), nullable=False, index=True),
    Column("tx_hash", String(66), nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("block_time", BigInteger, nullable=False),
    Column("contract_address", String(42), nullable=False),
    Column("chain_id", BigInteger, nullable=False),
    Column("submitter", String(42), nullable=False),
)

audit_batches = Table(
    "audit_batches",
    metadata,
    Column("first_seq", BigInteger, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False, unique=True),
    Column("merkle_root", String(64), nullable=False, unique=True),
    Column("created_at_us", BigInteger, nullable=False),
)

fl_jobs = Table(
    "fl_jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("principals.id"), nullable=False, index=True),
    Column("spec", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("rounds_done", Integer, nullable=False),
    Column("epsilon_spent", Float, nullable=False),
    Column("code", String(64), nullable=False),
    Column("reason", String(1000), nullable=False),
    Column("stop_reason", String(500), nullable=False),
    Column("model_id", String(32)),
    Column("created_at_us", BigInteger, nullable=False),
    Column("updated_at_us", BigInteger, nullable=False),
)

fl_rounds = Table(
    "fl_rounds",
    metadata,
    Column("job_id", String(32), ForeignKey("fl_jobs.id"), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("metrics", JSON, nullable=False),
    Column("refused", JSON, nullable=False),
    Column("at_us", BigInteger, nullable=False),
)

fl_models = Table(
    "fl_models",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("job_id", String(32), ForeignKey("fl_jobs.id"), nullable=False, unique=True),
    Column("partner_id", String(32), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("participants", JSON, nullable=False),
    Column("epsilon", Float, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
)

# -- Dataspace Protocol (node/dataspace) ------------------------------------------------------------
dsp_negotiations = Table(
    "dsp_negotiations",
    metadata,
    Column("provider_pid", String(64), primary_key=True),
    Column("consumer_pid", String(512), nullable=False),
    Column("partner_id", String(32), ForeignKey("principals.id"), nullable=False),
    Column("contract_id", String(32), ForeignKey("contracts.id"), nullable=False, index=True),
    Column("callback_address", String(500), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("created_at_us", BigInteger, nullable=False),
    Column("updated_at_us", BigInteger, nullable=False),
    Index("ux_dsp_negotiations_consumer", "partner_id", "consumer_pid", unique=True),
)

dsp_transfers = Table(
    "dsp_transfers",
    metadata,
    Column("provider_pid", String(64), primary_key=True),
    Column("consumer_pid", String(512), nullable=False),
    Column("partner_id", String(32), ForeignKey("principals.id"), nullable=False),
    Column("contract_id", String(32), ForeignKey("contracts.id"), nullable=False, index=True),
    Column("callback_address", String(500), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False),
    Column("token_expires_at_us", BigInteger, nullable=False),
    Column("endpoint", String(500), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("updated_at_us", BigInteger, nullable=False),
    Index("ux_dsp_transfers_consumer", "partner_id", "consumer_pid", unique=True),
)

dsp_callbacks = Table(
    "dsp_callbacks",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("process", String(64), nullable=False, index=True),
    Column("url", String(700), nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_us", BigInteger, nullable=False),
    Column("delivered_at_us", BigInteger),
    Column("last_error", String(300), nullable=False),
    Index("ix_dsp_callbacks_pending", "delivered_at_us", "next_attempt_us"),
)

consents = Table(
    "consents",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("patient_id", String(64), nullable=False),
    Column("partner_id", String(32), ForeignKey("principals.id"), nullable=False),
    Column("purpose", String(64), nullable=False),
    Column("valid_from_us", BigInteger, nullable=False),
    Column("valid_to_us", BigInteger, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("evidence", String(200), nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at_us", BigInteger, nullable=False),
    Column("withdrawn_at_us", BigInteger),
    Column("withdrawn_by", String(64), nullable=False),
    Index("ix_consents_partner_purpose", "partner_id", "purpose"),
    Index("ix_consents_patient_id", "patient_id"),
)

# one-stop settlement: one claim per contract, encounter and version; amounts in fen (0.01 CNY)
settlement_claims = Table(
    "settlement_claims",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("contract_id", String(32), ForeignKey("contracts.id"), nullable=False),
    Column("partner_id", String(32), ForeignKey("principals.id"), nullable=False),
    Column("encounter_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_fen", BigInteger, nullable=False),
    Column("currency", String(8), nullable=False),
    Column("package", JSON, nullable=False),
    Column("usage_id", String(32), nullable=False),
    Column("submitted_by", String(64), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("pulled_at_us", BigInteger),
    Column("payable_fen", BigInteger),
    Column("patient_share_fen", BigInteger),
    Column("response", JSON),
    Column("response_signature", String(160)),
    Column("settled_at_us", BigInteger),
    Index("ux_settlement_claims_encounter", "contract_id", "encounter_id", "version", unique=True),
    Index("ix_settlement_claims_partner_status", "partner_id", "status"),
    Index("ix_settlement_claims_created", "created_at_us"),
)
