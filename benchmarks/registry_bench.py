"""Asset registry throughput: FHIR, HL7 v2 and DICOM imports, and profiling a 1,000,000-row table.

Every figure is an end-to-end import through AssetService (parse, validate, profile, grade, encrypt,
store, register, audit) on a fresh SQLite node. Baselines measured in the same run: json.loads of the
same FHIR files, splitting the HL7 file into messages, pydicom reading the same DICOM headers, and
pandas reading the whole 1M-row CSV into memory. Memory: peak RSS of a child process per import, for
100k and for 1M rows (bounded means the 1M figure is not ~10x the 100k one). Prints one JSON object.

Targets (issue #16, with the extra work of #16: every resource type and value, quality rules, codes by
system, python-hl7): FHIR >= 3,000 resources/s; HL7 >= 5,000 messages/s; DICOM >= 200 files/s (#3);
profiling, checking and grading of a 1,000,000-row table < 60 s with bounded memory. FHIR counts the
resources read (transaction bundles with urn:uuid references and claims); HL7 the messages read, for the
UTF-8 ADT/ORU feed and for the GB 18030 LIS feed (mixed OBX types, censored values, DFT^P03).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
from pydicom.uid import generate_uid

from connectors.samples import copy_sample_dicom, write_sample_files

HERE = Path(__file__).resolve()


def child(kind: str, source: str, work: str) -> None:
    """Run one import in this (child) process and print its timing and peak memory."""
    from pydantic import SecretStr

    from connectors.registry import open_source
    from node.adapters.db.migrate import upgrade
    from node.adapters.node_key import create_node_key
    from node.bootstrap import build_container
    from node.config import load_settings

    pw = SecretStr("bench")
    s = load_settings(data_dir=Path(work), key_passphrase=pw, database_url="")
    upgrade(s.database_url)
    create_node_key(s.node_key_path, pw)
    c = build_container(s)
    start, cpu = time.perf_counter(), time.process_time()
    result = c.assets.import_source("bench", open_source(kind, source))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": result.rows,
        "records": result.records,
        "peak_rss_mib": round(peak_mib, 1),
    }
    print(json.dumps(out))


def run_child(kind: str, source: Path, work: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, str(HERE), "child", kind, str(source), str(work)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def baseline_pandas(csv: Path) -> dict[str, float]:
    code = (
        "import pandas as pd, resource, time, json, sys; t=time.perf_counter(); f=pd.read_csv(sys.argv[1]); "
        "print(json.dumps({'seconds': time.perf_counter()-t, 'rows': len(f), "
        "'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(csv)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def big_table(path: Path, rows: int) -> None:
    rng = np.random.default_rng(1)
    loinc = np.array(["2345-7", "4548-4", "2093-3", "2160-0", "8480-6", "8462-4", "39156-5", "718-7"])
    icd = np.array(["I10", "E11.9", "E78.5", "K29.7", "J44.9", "F32.9", "B20"])
    with path.open("w", encoding="utf-8") as f:
        for start in range(0, rows, 200_000):
            n = min(200_000, rows - start)
            ids = rng.integers(0, rows // 20, n)
            pd.DataFrame(
                {
                    "patient_id": np.char.add("p", ids.astype(str)),
                    "loinc": rng.choice(loinc, n),
                    "value": np.round(rng.normal(5, 1, n), 2),
                    "unit": "mmol/L",
                    "icd10": rng.choice(icd, n, p=[0.4, 0.2, 0.2, 0.1, 0.07, 0.02, 0.01]),
                    "time": "2025-06-01T08:00:00+08:00",
                }
            ).to_csv(f, header=start == 0, index=False)


def many_dicom(folder: Path, n: int) -> None:
    seeds = folder.parent / "dicom-seeds"
    seeds.mkdir()
    copy_sample_dicom(seeds)
    files = sorted(seeds.iterdir())
    folder.mkdir(parents=True)
    for i in range(n):
        ds = pydicom.dcmread(files[i % len(files)])
        ds.SOPInstanceUID = generate_uid()
        ds.save_as(folder / f"img{i:05d}.dcm")


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="hnode-bench-"))
    try:  # about 135 MB of samples, tables and nodes: removed at the end
        measure(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def measure(root: Path) -> None:
    result: dict[str, object] = {"benchmark": "registry"}
    counts = write_sample_files(root / "s", 2000, seed=1)
    fhir_dir, hl7_file = root / "s" / "fhir", root / "s" / "hl7" / "messages.hl7"

    start = time.perf_counter()
    for f in fhir_dir.glob("*.json"):
        json.loads(f.read_bytes())
    result["baseline_fhir_json_parse_resources_per_s"] = round(
        counts["fhir_resources"] / (time.perf_counter() - start)
    )
    fhir = run_child("fhir", fhir_dir, root / "n1")
    result["fhir_resources_per_s"] = round(fhir["records"] / fhir["seconds"])

    from connectors.hl7v2 import split_messages

    start = time.perf_counter()
    n_split = sum(1 for _ in split_messages(hl7_file.read_bytes(), "x"))
    result["baseline_hl7_split_messages_per_s"] = round(n_split / (time.perf_counter() - start))
    hl7 = run_child("hl7", hl7_file, root / "n2")
    result["hl7_messages_per_s"] = round(hl7["records"] / hl7["seconds"])
    lis = run_child("hl7", root / "s" / "hl7" / "lis-gb18030.hl7", root / "n2b")
    result["hl7_gb18030_lis_messages_per_s"] = round(lis["records"] / lis["seconds"])
    # on a shared machine the wall clock includes waiting for a core: the import's own CPU time as well
    for key, r in (("fhir", fhir), ("hl7", hl7), ("hl7_gb18030_lis", lis)):
        result[f"{key}_per_cpu_s"] = round(r["records"] / r["cpu_seconds"])

    many_dicom(root / "dicom", 1000)
    start = time.perf_counter()
    for f in (root / "dicom").iterdir():
        pydicom.dcmread(f, stop_before_pixels=True)
    result["baseline_pydicom_headers_per_s"] = round(1000 / (time.perf_counter() - start))
    dicom = run_child("dicom", root / "dicom", root / "n3")
    result["dicom_files_per_s"] = round(1000 / dicom["seconds"])

    for rows, key in ((100_000, "100k"), (1_000_000, "1m")):
        csv = root / f"obs_{key}.csv"
        big_table(csv, rows)
        r = run_child("csv", csv, root / f"n_{key}")
        result[f"table_{key}_import_seconds"] = round(r["seconds"], 1)
        result[f"table_{key}_peak_rss_mib"] = r["peak_rss_mib"]
    base = baseline_pandas(root / "obs_1m.csv")
    result["baseline_pandas_read_1m_seconds"] = round(base["seconds"], 1)
    result["baseline_pandas_read_1m_peak_rss_mib"] = round(base["peak_rss_mib"], 1)
    result["pass"] = bool(
        result["fhir_resources_per_s"] >= 3000  # type: ignore[operator]
        and result["hl7_messages_per_s"] >= 5000  # type: ignore[operator]
        and result["hl7_gb18030_lis_messages_per_s"] >= 5000  # type: ignore[operator]
        and result["dicom_files_per_s"] >= 200  # type: ignore[operator]
        and result["table_1m_import_seconds"] < 60  # type: ignore[operator]
        and result["table_1m_peak_rss_mib"] < 3 * result["table_100k_peak_rss_mib"]  # type: ignore[operator]
    )
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(*sys.argv[2:5])
    else:
        main()
