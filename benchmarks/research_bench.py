"""A multi-table research dataset of 100,000 patients, built and verified.

Target (issue 20): < 60 s. Baseline in the same run: joining the same cohort's tables to its patients
with plain pandas merges (no pseudonyms, no date shifts, no k-anonymity, no verification).
`HNODE_BENCH_PATIENTS` sets the size. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from connectors.samples import write_sample_files
from node.anonymization.operators import Pseudonymizer
from node.research.cohort import evaluate, parse_definition
from node.research.dataset import DatasetOptions, build
from node.research.tables import by_role

N = int(os.environ.get("HNODE_BENCH_PATIENTS", "100000"))
DEFINITION = {
    "name": "adults with an HbA1c",
    "as_of": "2026-06-30",
    "criteria": [{"id": "hba1c", "lab": {"loinc": "4548-4"}}, {"id": "adult", "age": {"min": 18}}],
}
IDENTIFIERS = {"patients": ["name", "id_card", "phone", "address", "mrn"]}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="research-bench-") as tmp:  # 2-2.6 GB at 100,000 patients
        run(Path(tmp))


def run(out: Path) -> None:
    start = time.perf_counter()
    write_sample_files(out, N, seed=3)
    generate_s = time.perf_counter() - start
    tables = by_role({p.stem: pd.read_csv(p, dtype=str) for p in (out / "csv").glob("*.csv")})
    rows_in = {k: len(v) for k, v in tables.items()}

    start = time.perf_counter()
    cohort = evaluate(parse_definition(DEFINITION), tables)
    members = set(cohort.patients)
    base = tables["patients"][tables["patients"]["patient_id"].isin(members)]
    joined = {r: base.merge(t, on="patient_id") for r, t in tables.items() if r != "patients"}
    baseline_s = time.perf_counter() - start

    start = time.perf_counter()
    cohort = evaluate(parse_definition(DEFINITION), tables)
    cohort_s = time.perf_counter() - start
    start = time.perf_counter()
    ds = build(
        cohort, tables, Pseudonymizer(b"research-bench-key"), DatasetOptions("bench", k=5, drop=IDENTIFIERS)
    )
    build_s = time.perf_counter() - start  # build() runs the independent check before it returns
    total = cohort_s + build_s
    print(
        json.dumps(
            {
                "benchmark": "research_dataset",
                "patients": N,
                "rows_in": rows_in,
                "cohort": cohort.size,
                "persons_released": ds.report["persons_released"],
                "achieved_k": ds.report["achieved_k"],
                "rows_out": ds.report["rows"],
                "generate_seconds": round(generate_s, 1),
                "baseline_plain_join_seconds": round(baseline_s, 2),
                "baseline_rows": sum(len(j) for j in joined.values()),
                "cohort_seconds": round(cohort_s, 2),
                "build_and_verify_seconds": round(build_s, 2),
                "total_seconds": round(total, 2),
                "target_seconds": 60,
                "pass": total < 60,
            }
        )
    )


if __name__ == "__main__":
    main()
