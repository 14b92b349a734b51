"""`hnode he bench`: encrypted risk scoring against the per-applicant baseline, and a three-hospital
encrypted aggregate, on synthetic hospitals generated for the run. Prints the figures the issue asks
for; every ciphertext path is the one the node serves (``TenSealBackend``) and partners run
(``ClientKeys``)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from connectors.samples import write_sample_files
from node.asset_registry.clinical import CohortCode, feature_table
from node.he_query.aggregates import COUNT_NAMES, SUM_NAMES, add_noise, cohort_statistics
from node.he_query.model import train_risk_model
from node.he_query.params import PARAMETERS, Scheme
from node.he_query.tenseal_backend import ClientKeys, PerApplicantBaseline, TenSealBackend

HOSPITALS = ("h1", "h2", "h3")
E11 = CohortCode("icd10", "E11")  # the cohort of the benchmark: type 2 diabetes


def _hospital(root: Path, name: str, patients: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    write_sample_files(root / name, patients, seed=11 + HOSPITALS.index(name), hospital=name)
    csv = root / name / "csv"
    return pd.read_csv(csv / "observations.csv"), pd.read_csv(csv / "conditions.csv")


def run(
    patients: int = 1500, applicants: int | None = None, baseline_n: int = 48, epsilon: float = 1.0
) -> dict[str, Any]:
    applicants = applicants or PARAMETERS[Scheme.CKKS_SCORING].slots
    backend = TenSealBackend()
    with tempfile.TemporaryDirectory() as tmp:
        data = {h: _hospital(Path(tmp), h, patients) for h in HOSPITALS}

    # -- encrypted risk scoring (insurer) ---------------------------------------------------------
    obs, cond = data["h1"]
    model = train_risk_model("pd_bench", obs, [cond], E11)
    pool = feature_table(data["h2"][0]).to_numpy(dtype=float)
    rng = np.random.default_rng(7)
    rows = model.clip(
        pool[rng.integers(0, len(pool), applicants)] * rng.normal(1.0, 0.02, (applicants, pool.shape[1]))
    )
    insurer = ClientKeys(Scheme.CKKS_SCORING)
    session = backend.load_context(insurer.public_context(), Scheme.CKKS_SCORING)
    t = time.perf_counter()
    columns = insurer.encrypt_columns(rows.tolist())
    encrypt_s = time.perf_counter() - t
    t = time.perf_counter()
    result = backend.score(session, columns, model.weights, model.bias, model.poly)
    score_s = time.perf_counter() - t
    scores = np.array(insurer.decrypt(result)[:applicants])
    plain = model.predict(rows)

    naive = PerApplicantBaseline(insurer)
    sample = rows[:baseline_n]
    vectors = naive.encrypt(sample.tolist())
    t = time.perf_counter()
    outputs = naive.evaluate(vectors, model.weights, model.bias, model.poly)
    baseline_s = time.perf_counter() - t
    baseline_err = float(np.max(np.abs(np.array(naive.decrypt(outputs)) - plain[:baseline_n])))

    # -- three-hospital encrypted aggregate (researcher) ------------------------------------------
    researcher_counts, researcher_sums = ClientKeys(Scheme.BFV_COUNTS), ClientKeys(Scheme.CKKS_SUMS)
    counts_pub, sums_pub = researcher_counts.public_context(), researcher_sums.public_context()
    t = time.perf_counter()
    contributions, truth_counts, truth_sums = [], np.zeros(len(COUNT_NAMES)), np.zeros(len(SUM_NAMES))
    for h in HOSPITALS:  # each hospital: its own statistics, its own noise, the requester's keys
        counts_ctx = backend.load_context(counts_pub, Scheme.BFV_COUNTS)
        sums_ctx = backend.load_context(sums_pub, Scheme.CKKS_SUMS)
        noisy, _ = add_noise(cohort_statistics(data[h][0], [data[h][1]], E11), epsilon)
        truth_counts += noisy.counts
        truth_sums += noisy.sums
        contributions.append(
            (backend.encrypt_counts(counts_ctx, noisy.counts), backend.encrypt_sums(sums_ctx, noisy.sums))
        )
    coordinator_counts = backend.load_context(counts_pub, Scheme.BFV_COUNTS)
    coordinator_sums = backend.load_context(sums_pub, Scheme.CKKS_SUMS)
    total_counts = backend.add(coordinator_counts, [c for c, _ in contributions])
    total_sums = backend.add(coordinator_sums, [s for _, s in contributions])
    got_counts = np.array(researcher_counts.decrypt_counts(total_counts)[: len(COUNT_NAMES)])
    got_sums = np.array(researcher_sums.decrypt(total_sums)[: len(SUM_NAMES)])
    aggregate_s = time.perf_counter() - t

    return {
        "applicants": applicants,
        "features": len(model.weights),
        "scores_per_second": round(applicants / score_s, 1),
        "scores_per_second_with_client_encryption": round(applicants / (score_s + encrypt_s), 1),
        "baseline_scores_per_second": round(baseline_n / baseline_s, 1),
        "baseline_applicants": baseline_n,
        "speedup": round((applicants / score_s) / (baseline_n / baseline_s), 1),
        "max_abs_error": float(np.max(np.abs(scores - plain))),
        "baseline_max_abs_error": baseline_err,
        "model_auc_training": model.training["auc"],
        "polynomial_vs_true_sigmoid_max_abs": float(np.max(np.abs(plain - 1 / (1 + np.exp(-model.z(rows)))))),
        "parameters": {
            "scoring": "CKKS N=16384, [60,40,40,40,60], scale 2^40",
            "counts": "BFV N=8192, t=33832961",
            "sums": "CKKS N=8192, [60,40,40,60], scale 2^40",
        },
        "aggregate_hospitals": len(HOSPITALS),
        "aggregate_statistics": len(COUNT_NAMES) + len(SUM_NAMES),
        "aggregate_seconds": round(aggregate_s, 3),
        "aggregate_counts_exact": bool(np.array_equal(got_counts, truth_counts.astype(int))),
        "aggregate_max_abs_error": float(
            max(np.max(np.abs(got_counts - truth_counts)), np.max(np.abs(got_sums - truth_sums)))
        ),
        "aggregate_epsilon_per_hospital": epsilon,
    }
