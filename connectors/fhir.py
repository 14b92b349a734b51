"""FHIR R4/R4B: Bundle JSON files, NDJSON bulk exports, and FHIR servers over REST.

Every resource is validated against its R4B model (fhir.resources) before it is flattened into a
table keyed by patient. Unsupported resource types are skipped and counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure
from pydantic import ValidationError

from connectors.base import DigestingReader, TableBuffers, malformed, source_files
from node.asset_registry.model import SourceSystem
from node.asset_registry.ports import SourceInfo
from node.crypto.canonical import canonical_json
from node.errors import DependencyUnavailable

ID_CARD_SYSTEM = "urn:oid:2.16.156.10011.1.1"
MODELS: dict[str, Any] = {
    "Patient": Patient,
    "Encounter": Encounter,
    "Condition": Condition,
    "Observation": Observation,
    "MedicationRequest": MedicationRequest,
    "DiagnosticReport": DiagnosticReport,
    "Procedure": Procedure,
}
TABLES = {
    "Patient": "patients",
    "Encounter": "encounters",
    "Condition": "conditions",
    "Observation": "observations",
    "MedicationRequest": "medications",
    "DiagnosticReport": "diagnostic_reports",
    "Procedure": "procedures",
}
COLUMNS = {
    "patients": [
        "patient_id",
        "id_card",
        "mrn",
        "name",
        "gender",
        "birth_date",
        "phone",
        "address",
        "district_code",
    ],
    "encounters": ["encounter_id", "patient_id", "class", "department", "start", "end"],
    "conditions": ["condition_id", "patient_id", "icd10", "display", "onset"],
    "observations": [
        "observation_id",
        "patient_id",
        "encounter_id",
        "loinc",
        "display",
        "value",
        "unit",
        "time",
    ],
    "medications": ["medication_id", "patient_id", "code", "drug", "reason_code", "authored"],
    "diagnostic_reports": ["report_id", "patient_id", "code", "display", "status", "issued", "conclusion"],
    "procedures": ["procedure_id", "patient_id", "code", "display", "performed"],
}


def _patient_ref(res: dict[str, Any]) -> str | None:
    ref = (res.get("subject") or {}).get("reference", "")
    return ref.split("/", 1)[1] if ref.startswith("Patient/") else None


def _coding(concept: dict[str, Any] | None) -> tuple[str | None, str | None]:
    for c in (concept or {}).get("coding", []):
        return c.get("code"), c.get("display")
    return None, (concept or {}).get("text")


def flatten(res: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    kind = res["resourceType"]
    rid, pid = res.get("id"), _patient_ref(res)
    if kind == "Patient":
        ids = res.get("identifier", [])
        id_card = next((i.get("value") for i in ids if i.get("system") == ID_CARD_SYSTEM), None)
        mrn = next(
            (i.get("value") for i in ids if (i.get("type") or {}).get("text") in ("病案号", "MR")), None
        )
        name = next(
            (
                n.get("text") or "".join([n.get("family", ""), *n.get("given", [])])
                for n in res.get("name", [])
            ),
            None,
        )
        phone = next((t.get("value") for t in res.get("telecom", []) if t.get("system") == "phone"), None)
        addr: dict[str, Any] = next(iter(res.get("address", [])), {})
        row: tuple[Any, ...] = (
            rid,
            id_card,
            mrn,
            name,
            res.get("gender"),
            res.get("birthDate"),
            phone,
            addr.get("text"),
            addr.get("postalCode"),
        )
    elif kind == "Encounter":
        period = res.get("period", {})
        row = (
            rid,
            pid,
            (res.get("class") or {}).get("code"),
            (res.get("serviceType") or {}).get("text"),
            period.get("start"),
            period.get("end"),
        )
    elif kind == "Condition":
        code, display = _coding(res.get("code"))
        row = (rid, pid, code, display, res.get("onsetDateTime"))
    elif kind == "Observation":
        code, display = _coding(res.get("code"))
        q = res.get("valueQuantity") or {}
        enc = (res.get("encounter") or {}).get("reference", "").removeprefix("Encounter/") or None
        row = (rid, pid, enc, code, display, q.get("value"), q.get("unit"), res.get("effectiveDateTime"))
    elif kind == "MedicationRequest":
        code, drug = _coding(res.get("medicationCodeableConcept"))
        reason, _ = _coding(next(iter(res.get("reasonCode", [])), None))
        row = (rid, pid, code, drug, reason, res.get("authoredOn"))
    elif kind == "DiagnosticReport":
        code, display = _coding(res.get("code"))
        row = (rid, pid, code, display, res.get("status"), res.get("issued"), res.get("conclusion"))
    else:  # Procedure
        code, display = _coding(res.get("code"))
        row = (rid, pid, code, display, res.get("performedDateTime"))
    return TABLES[kind], row


def validate(res: Any, where: str) -> str | None:
    """The resource type if supported and valid; None if unsupported. Raises a precise error otherwise."""
    if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
        raise malformed(where, "not a FHIR resource (no resourceType)")
    kind = res["resourceType"]
    model = MODELS.get(kind)
    if model is None:
        return None
    try:
        model.model_validate(res)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise malformed(f"{where} ({kind}/{res.get('id', '?')})", f"invalid at {loc}: {err['msg']}") from None
    return str(kind)


class FhirFileSource:
    """Bundle JSON files (``*.json``) and NDJSON bulk exports (``*.ndjson``), a file or a folder."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._reader = DigestingReader()
        self.skipped: dict[str, int] = {}
        self.info = SourceInfo("fhir", str(path), SourceSystem.EMR)

    @property
    def digest(self) -> str:
        return self._reader.digest

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        buffers = TableBuffers(COLUMNS)
        for f in source_files(self._path, (".json", ".ndjson")):
            for where, res in self._resources(f):
                kind = validate(res, where)
                if kind is None:
                    self.skipped[res["resourceType"]] = self.skipped.get(res["resourceType"], 0) + 1
                    continue
                yield from buffers.add(*flatten(res))
        yield from buffers.flush()

    def _resources(self, f: Path) -> Iterator[tuple[str, Any]]:
        data = self._reader.read_bytes(f)
        if f.name.lower().endswith(".ndjson"):
            for n, line in enumerate(data.splitlines(), 1):
                if line.strip():
                    yield f"{f.name}:{n}", _json(line, f"{f.name}:{n}")
            return
        doc = _json(data, f.name)
        if isinstance(doc, dict) and doc.get("resourceType") == "Bundle":
            entries = doc.get("entry", [])
            if not isinstance(entries, list):
                raise malformed(f.name, "Bundle.entry is not a list")
            for i, entry in enumerate(entries):
                if not isinstance(entry, dict) or "resource" not in entry:
                    raise malformed(f"{f.name} entry {i}", "entry has no resource")
                yield f"{f.name} entry {i}", entry["resource"]
        else:
            yield f.name, doc


def _json(data: bytes, where: str) -> Any:
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise malformed(where, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise malformed(where, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


class FhirServerSource:
    """Searches a FHIR server over REST (``_count`` paging, following ``next`` links)."""

    def __init__(
        self,
        base_url: str,
        resource_types: list[str] | None = None,
        page_size: int = 200,
        client: httpx.Client | None = None,
        max_pages: int = 100_000,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._types = resource_types or list(MODELS)
        self._page_size = page_size
        self._client = client or httpx.Client(timeout=30, headers={"Accept": "application/fhir+json"})
        self._max_pages = max_pages
        self._reader = DigestingReader()
        self.info = SourceInfo("fhir", self._base, SourceSystem.EMR)

    @property
    def digest(self) -> str:
        return self._reader.digest

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        buffers = TableBuffers(COLUMNS)
        for kind in self._types:
            if kind not in MODELS:
                raise malformed(self._base, f"unsupported resource type {kind}")
            url: str | None = f"{self._base}/{kind}?_count={self._page_size}"
            page = 0
            while url and page < self._max_pages:
                page += 1
                bundle = self._get(url, f"{kind} page {page}")
                for i, entry in enumerate(bundle.get("entry", [])):
                    res = entry.get("resource") if isinstance(entry, dict) else None
                    where = f"{self._base}/{kind} page {page} entry {i}"
                    if validate(res, where) is not None:
                        self._reader.update(canonical_json(res))
                        yield from buffers.add(*flatten(res))  # type: ignore[arg-type]
                url = next(
                    (lk.get("url") for lk in bundle.get("link", []) if lk.get("relation") == "next"), None
                )
                if url is not None and not (
                    isinstance(url, str) and url.startswith((self._base + "/", self._base + "?"))
                ):
                    raise malformed(
                        f"{self._base}/{kind} page {page}", "a next link leaves the server's base URL"
                    )
        yield from buffers.flush()

    def _get(self, url: str, what: str) -> dict[str, Any]:
        try:
            r = self._client.get(url)
        except httpx.HTTPError as exc:
            raise DependencyUnavailable(
                f"FHIR server {self._base} unreachable while reading {what}: {type(exc).__name__}",
                code="fhir_server_unreachable",
            ) from None
        if r.status_code != 200:
            raise DependencyUnavailable(
                f"FHIR server {self._base} answered HTTP {r.status_code} for {what}", code="fhir_server_error"
            )
        doc = _json(r.content, f"{self._base} {what}")
        if not isinstance(doc, dict) or doc.get("resourceType") != "Bundle":
            raise malformed(f"{self._base} {what}", "search result is not a Bundle")
        return doc
