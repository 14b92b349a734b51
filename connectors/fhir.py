"""FHIR R4/R4B: Bundle JSON files, NDJSON bulk exports, and FHIR servers over REST.

Every resource is validated against its R4B model (fhir.resources) before it is flattened into a
table keyed by patient (see ``fhir_map``). Types without a table are counted in ``unmapped``; a bad
resource is rejected (the whole import fails) or quarantined, as ``on_error`` says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from fhir.resources.R4B.immunization import Immunization
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure
from pydantic import ValidationError

from connectors.base import DigestingReader, RecordErrors, Rejected, TableBuffers, malformed, source_files
from connectors.fhir_map import COLUMNS, FREE_TEXT, TABLES, References, rows
from node.asset_registry.model import SourceSystem
from node.asset_registry.ports import SourceInfo
from node.crypto.canonical import canonical_json
from node.errors import DependencyUnavailable, InvalidInput

MODELS: dict[str, Any] = {
    "Patient": Patient,
    "Encounter": Encounter,
    "Condition": Condition,
    "Observation": Observation,
    "MedicationRequest": MedicationRequest,
    "DiagnosticReport": DiagnosticReport,
    "DocumentReference": DocumentReference,
    "Procedure": Procedure,
    "Immunization": Immunization,
    "AllergyIntolerance": AllergyIntolerance,
    "Claim": Claim,
    "ExplanationOfBenefit": ExplanationOfBenefit,
    "Coverage": Coverage,
}
assert set(MODELS) == set(TABLES)


def validate(res: Any, where: str) -> str | None:
    """The resource type if it has a table and is valid; None if it has no table. Raises a precise error
    (place, type/id and the failing element, never a value) otherwise."""
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


class _Flattener:
    """Validates resources and turns them into table rows; counts the types without a table."""

    def __init__(self, errors: RecordErrors) -> None:
        self.errors = errors
        self.unmapped: dict[str, int] = {}
        self.records = 0

    def __call__(
        self, where: str, res: Any, refs: References, buffers: TableBuffers
    ) -> Iterator[tuple[str, pd.DataFrame]]:
        try:
            kind = validate(res, where)
        except InvalidInput as exc:
            self.errors.caught(exc, canonical_json(res) if isinstance(res, dict) else b"")
            return
        if kind is None:
            t = res["resourceType"]
            self.unmapped[t] = self.unmapped.get(t, 0) + 1
            return
        self.records += 1
        for table, row in rows(res, refs):
            yield from buffers.add(table, row)


class FhirFileSource:
    """Bundle JSON files (``*.json``) and NDJSON bulk exports (``*.ndjson``), a file or a folder."""

    def __init__(self, path: Path, on_error: str = "reject") -> None:
        self._path = path
        self._reader = DigestingReader()
        self._flat = _Flattener(RecordErrors(on_error))
        self.free_text = FREE_TEXT  # de-identified by the registry before it is stored
        self.info = SourceInfo("fhir", str(path), SourceSystem.EMR)

    @property
    def digest(self) -> str:
        return self._reader.digest

    @property
    def unmapped(self) -> dict[str, int]:
        return self._flat.unmapped

    @property
    def rejected(self) -> list[Rejected]:
        return self._flat.errors.rejected

    @property
    def records(self) -> int:
        return self._flat.records

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        buffers = TableBuffers(COLUMNS)
        for f in source_files(self._path, (".json", ".ndjson")):
            data = self._reader.read_bytes(f)
            refs = References()
            if f.name.lower().endswith(".ndjson"):  # streamed: references are relative or contained
                for where, full_url, res in self._resources(f, data):
                    if isinstance(res, dict):
                        refs.add(full_url, res)
                    yield from self._flat(where, res, refs, buffers)
                continue
            try:  # a bundle is read whole first: its entries refer to each other by fullUrl
                resources = list(self._resources(f, data))
            except InvalidInput as exc:  # the file as a whole is unreadable
                self._flat.errors.caught(exc, data)
                continue
            for _, full_url, res in resources:
                if isinstance(res, dict):
                    refs.add(full_url, res)
            for where, _, res in resources:
                yield from self._flat(where, res, refs, buffers)
        yield from buffers.flush()

    def _resources(self, f: Path, data: bytes) -> Iterator[tuple[str, str | None, Any]]:
        if f.name.lower().endswith(".ndjson"):
            for n, line in enumerate(data.splitlines(), 1):
                if line.strip():
                    try:
                        yield f"{f.name}:{n}", None, _json(line, f"{f.name}:{n}")
                    except InvalidInput as exc:
                        self._flat.errors.caught(exc, line)
            return
        doc = _json(data, f.name)
        if isinstance(doc, dict) and doc.get("resourceType") == "Bundle":
            entries = doc.get("entry", [])
            if not isinstance(entries, list):
                raise malformed(f.name, "Bundle.entry is not a list")
            for i, entry in enumerate(entries):
                where = f"{f.name} entry {i}"
                if isinstance(entry, dict) and "resource" not in entry:
                    if (entry.get("request") or {}).get("method") == "DELETE":
                        continue  # a transaction's delete carries no resource
                if not isinstance(entry, dict) or "resource" not in entry:
                    self._flat.errors.bad(where, "entry has no resource", canonical_json(entry))
                    continue
                full_url = entry.get("fullUrl")
                yield where, full_url if isinstance(full_url, str) else None, entry["resource"]
        else:
            yield f.name, None, doc


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
        on_error: str = "reject",
    ) -> None:
        self._base = base_url.rstrip("/")
        self._types = resource_types or list(MODELS)
        self._page_size = page_size
        self._client = client or httpx.Client(timeout=30, headers={"Accept": "application/fhir+json"})
        self._max_pages = max_pages
        self._reader = DigestingReader()
        self._flat = _Flattener(RecordErrors(on_error))
        self.unmapped = self._flat.unmapped
        self.rejected = self._flat.errors.rejected
        self.free_text = FREE_TEXT
        self.info = SourceInfo("fhir", self._base, SourceSystem.EMR)

    @property
    def records(self) -> int:
        return self._flat.records

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
                refs = References()
                entries = [e for e in bundle.get("entry", []) if isinstance(e, dict)]
                for entry in entries:
                    if isinstance(entry.get("resource"), dict):
                        refs.add(entry.get("fullUrl"), entry["resource"])
                for i, entry in enumerate(entries):
                    res = entry.get("resource")
                    self._reader.update(canonical_json(res) if isinstance(res, dict) else b"")
                    yield from self._flat(f"{self._base}/{kind} page {page} entry {i}", res, refs, buffers)
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
