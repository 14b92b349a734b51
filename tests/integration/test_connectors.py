"""Connectors on real files, a real HTTP FHIR server, SQLite and PostgreSQL; precise errors on bad input."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
from sqlalchemy import create_engine

from connectors.dicom import DicomFolderSource
from connectors.fhir import FhirFileSource, FhirServerSource
from connectors.hl7v2 import Hl7FileSource
from connectors.samples import copy_sample_dicom, fhir_resources, generate, write_sample_files
from connectors.sql import SqlTableSource
from connectors.tabular import CsvSource, ParquetSource
from node.errors import DependencyUnavailable, InvalidInput, NodeError


def tables(source) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    out: dict[str, list[pd.DataFrame]] = {}
    for name, batch in source.batches():
        out.setdefault(name, []).append(batch)
    return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    write_sample_files(out, 60, seed=11, ndjson=True, bundle_size=25)
    copy_sample_dicom(out / "dicom")
    return out


def _error(source) -> NodeError:  # type: ignore[no-untyped-def]
    with pytest.raises(NodeError) as err:
        tables(source)
    return err.value


def test_fhir_bundles_and_ndjson_agree(samples: Path) -> None:
    bundles = tables(FhirFileSource(samples / "fhir" / "bundle-00001.json").__class__(samples / "fhir"))
    patients = bundles["patients"]
    assert len(patients) == 120  # 60 in bundles + 60 in NDJSON
    ndjson_only = tables(FhirFileSource(samples / "fhir" / "Patient.ndjson"))["patients"]
    assert len(ndjson_only) == 60 and ndjson_only["id_card"].str.len().eq(18).all()
    assert set(bundles) == {
        *("patients", "encounters", "conditions", "observations", "medications", "claims", "claim_items")
    }
    assert bundles["claims"]["patient_id"].notna().all()  # urn:uuid references resolved
    obs = bundles["observations"]
    assert obs["patient_id"].notna().all() and obs["loinc"].isin(["2345-7", "8480-6", "718-7"]).any()


def test_fhir_errors_name_file_and_resource(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"resourceType": "Bundle", "entry": [', encoding="utf-8")
    e = _error(FhirFileSource(tmp_path / "broken.json"))
    assert isinstance(e, InvalidInput) and "broken.json" in e.message and "invalid JSON" in e.message
    p = next(generate(10, seed=1))
    res = next(fhir_resources(p))
    res["birthDate"] = "1990-13-45"
    (tmp_path / "bad.ndjson").write_text("\n" + json.dumps(res, ensure_ascii=False) + "\n", encoding="utf-8")
    e = _error(FhirFileSource(tmp_path / "bad.ndjson"))
    assert "bad.ndjson:2" in e.message and f"Patient/{p.id}" in e.message and "birthDate" in e.message
    assert p.name not in e.message and p.id_card not in e.message  # no patient data in errors
    (tmp_path / "x.ndjson").write_text('{"hello": 1}\n')
    assert "no resourceType" in _error(FhirFileSource(tmp_path / "x.ndjson")).message


class _FhirServer(BaseHTTPRequestHandler):
    resources: ClassVar[list[dict[str, object]]] = []
    next_base: ClassVar[str | None] = None  # a server that sends the client elsewhere

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        kind = path.rsplit("/", 1)[-1]
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        count, offset = int(params.get("_count", "10")), int(params.get("_offset", "0"))
        matching = [r for r in self.resources if r["resourceType"] == kind]
        page = matching[offset : offset + count]
        bundle: dict[str, object] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in page],
            "link": [],
        }
        if offset + count < len(matching):
            base = self.next_base or f"http://{self.headers['Host']}{path}"
            bundle["link"] = [{"relation": "next", "url": f"{base}?_count={count}&_offset={offset + count}"}]
        body = json.dumps(bundle).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fhir_server() -> Iterator[str]:
    _FhirServer.resources = [r for p in generate(30, seed=5) for r in fhir_resources(p)]
    _FhirServer.next_base = None
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FhirServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/fhir"
    server.shutdown()


def test_fhir_server_paging(fhir_server: str) -> None:
    src = FhirServerSource(fhir_server, ["Patient", "Observation"], page_size=7)
    got = tables(src)
    assert len(got["patients"]) == 30
    expected_obs = sum(1 for r in _FhirServer.resources if r["resourceType"] == "Observation")
    assert len(got["observations"]) == expected_obs and len(src.digest) == 64


def test_next_links_must_stay_under_the_base_url(fhir_server: str) -> None:
    _FhirServer.next_base = "http://169.254.169.254/latest/meta-data"
    e = _error(FhirServerSource(fhir_server, ["Patient"], page_size=7))
    assert isinstance(e, InvalidInput) and "leaves the server's base URL" in e.message


def test_unreachable_fhir_server() -> None:
    e = _error(FhirServerSource("http://127.0.0.1:9", ["Patient"]))
    assert isinstance(e, DependencyUnavailable) and "unreachable" in e.message


def test_hl7_files_and_errors(samples: Path, tmp_path: Path) -> None:
    got = tables(Hl7FileSource(samples / "hl7"))
    assert len(got["patients"]) > 60 and set(got["patients"]["event"]) <= {"A04", "A08"}
    assert got["observations"]["value"].dtype.kind == "f"
    assert (got["observations"]["comparator"] == "<").any() and len(got["charges"]) > 60  # the GB 18030 feed
    good = (samples / "hl7" / "messages.hl7").read_text(encoding="utf-8")
    (tmp_path / "bad.hl7").write_text(good[:2000] + "\rP1D|broken segment\r" + good[2000:], encoding="utf-8")
    e = _error(Hl7FileSource(tmp_path / "bad.hl7"))
    assert "bad.hl7:" in e.message and "broken segment" in e.message
    (tmp_path / "nomsh.hl7").write_text("PID|1||X\r", encoding="utf-8")
    assert "no MSH" in _error(Hl7FileSource(tmp_path / "nomsh.hl7")).message


def test_dicom_metadata_and_non_dicom_file(samples: Path) -> None:
    got = tables(DicomFolderSource(samples / "dicom"))["dicom_instances"]
    assert len(got) == 8 and set(got["modality"]) >= {"CT", "MR"} and got["file"].is_unique
    (samples / "dicom" / "notes.txt").write_text("not an image")
    try:
        e = _error(DicomFolderSource(samples / "dicom"))
        assert "notes.txt" in e.message and "not a DICOM file" in e.message
    finally:
        (samples / "dicom" / "notes.txt").unlink()


def test_csv_types_and_ragged_rows(samples: Path, tmp_path: Path) -> None:
    got = tables(CsvSource(samples / "csv"))
    assert got["observations"]["value"].dtype.kind == "f"
    assert {got["patients"][c].dtype.kind for c in ("id_card", "phone")} == {"O"}  # identifiers stay text
    (tmp_path / "t.csv").write_text("a,b,c\n1,2,3\n4,5\n", encoding="utf-8")
    e = _error(CsvSource(tmp_path / "t.csv"))
    assert "t.csv:3" in e.message and "expected 3 fields, found 2" in e.message


def test_parquet_and_sql(samples: Path, tmp_path: Path, pg_url: str) -> None:
    frame = tables(CsvSource(samples / "csv" / "patients.csv"))["patients"]
    frame.to_parquet(tmp_path / "patients.parquet")
    pd.testing.assert_frame_equal(
        tables(ParquetSource(tmp_path / "patients.parquet"))["patients"], frame, check_dtype=False
    )
    (tmp_path / "fake.parquet").write_text("nope")
    assert "not a Parquet file" in _error(ParquetSource(tmp_path / "fake.parquet")).message
    for url in (f"sqlite:///{tmp_path / 'his.db'}", pg_url):
        engine = create_engine(url)
        frame.to_sql("his_patients", engine, index=False)
        engine.dispose()
        src = SqlTableSource(url, ["his_patients"])
        assert len(tables(src)["his_patients"]) == len(frame)
        assert "missing" in _error(SqlTableSource(url, ["missing"])).message
    secret_url = "postgresql+psycopg://u:hunter2@127.0.0.1:9/x"
    src = SqlTableSource(secret_url, ["t"])
    assert "hunter2" not in src.info.uri
    assert isinstance(_error(src), DependencyUnavailable)


def test_reports_and_procedures_are_tables_keyed_by_patient(tmp_path: Path) -> None:
    resources = [
        {
            "resourceType": "DiagnosticReport",
            "id": "r1",
            "status": "final",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": "http://loinc.org", "code": "24627-2", "display": "胸部CT"}]},
            "issued": "2025-05-01T10:00:00+08:00",
            "conclusion": "未见明显异常",
        },
        {
            "resourceType": "Procedure",
            "id": "x1",
            "status": "completed",
            "subject": {"reference": "Patient/p1"},
            "code": {
                "coding": [
                    {"system": "urn:oid:2.16.156.10011.2.3.4", "code": "47.0100", "display": "阑尾切除术"}
                ]
            },
            "performedDateTime": "2025-05-02T09:00:00+08:00",
        },
        {"resourceType": "Organization", "id": "o1", "name": "示例医院"},
    ]
    (tmp_path / "r.ndjson").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in resources))
    src = FhirFileSource(tmp_path / "r.ndjson")
    got = tables(src)
    assert got["diagnostic_reports"].iloc[0]["patient_id"] == "p1"
    assert got["procedures"].iloc[0]["display"] == "阑尾切除术"
    assert src.unmapped == {"Organization": 1}
