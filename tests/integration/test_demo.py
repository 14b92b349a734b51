"""`make demo` keeps working: the demo runs end to end and shows what it claims."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HNODE = str(Path(sys.executable).parent / "hnode")


@pytest.mark.timeout(900)  # 34 steps, three hospitals, a region, Flower, TenSEAL, a browser-free console step
def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    r = subprocess.run(
        [HNODE, "demo", "--data-dir", str(tmp_path / "demo")], capture_output=True, text=True, timeout=840
    )
    assert r.returncode == 0, r.stderr[-2000:]
    # shutdown leaves nothing behind: no pending asyncio task, no exception swallowed at exit
    assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr, r.stderr[-2000:]
    out = r.stdout
    for expected in (
        "-> 403 role_forbidden",
        "-> 401 token_revoked",
        "verify original: True; verify altered text: False",
        "rejected (AE)",
        "ragged row",
        "transaction bundles refer by urn:uuid",
        "GB 18030 LIS feed (MSH-18)",
        "quarantine (隔离区) qr_",
        "quality alert (质量告警) on v2",
        "mode anonymized_extract is not allowed",
        "a insurer sees:",
        "hnode audit verify: intact",
        "after:  出院小结 患者PERSON_",
        "被保险人：PERSON_",  # the minority name whole (阿依古丽·买买提)
        "保单号CN_INSURANCE_POLICY_",
        "医保卡号：CN_MEDICAL_INSURANCE_CARD_",
        "就诊医院：重庆市江北区人民医院",  # an organization is kept whole, never cut into another hospital
        "SR text after:  患者PERSON_",
        "skipped: {'readme.txt': 'not a DICOM file",
        "independent verification (rows): passed",
        "name=ANON^",
        "verify: ok=False, first broken entry #",
        "row-level visit extract             -> REJECTED: policy:",
        "-> AGREED (已同意，待签署)",
        "insurer use 4: DENIED usage_denied: contract_active, uses_left",
        "verified (✓digest ✓partner_signature ✓node_signature ✓anchor)",
        "raised to 300: FAILED (digest, partner_signature, node_signature, anchor)",
        "path ok: True, root on chain: True",
        "encrypted score  plaintext model",
        "so every score lies in [0, 1]",
        "approvals by ",
        "hospitals: hospital-node, hospital-h2, hospital-h3",
        "mean HbA1c of the diabetic cohort from the encrypted totals",
        "SecAgg+ True, DP budget ε 3.0",
        "   round   5: AUC",
        "completed; ε spent per hospital 3.000 of 3.0",
        "digest anchored: block",
        "hospital-h3 sees: job job_",
        "(718-7) -> 422 fl_feature_not_offered: the product does not offer loinc:718-7",
        "+ hba1c_measured",
        "(Parquet, DCAT, Croissant)",
        "console address:      http://127.0.0.1:8080/console/",
        "one-time login (officer-li, valid 1 h, revoked once used): hnt_",
        "again -> 409 fl_job_started, job state completed; hnode fl run: refused (completed)",
        "5/5 uses ε 3.000/3.000, 5/5 uses ε 3.000/3.000, 5/5 uses ε 3.000/3.000  (nothing charged)",
        "registered with the region: 3 hospitals",
        "hnode-partner search --text 糖尿病 --mode federated_training: 3 products at 3 hospitals",
        # the institute's own gradient-boosted model, trained under the contracts negotiated over DSP
        ": xgboost (Flower bagging), 3 rounds of 5 trees per hospital, SecAgg+ False",
        "features chosen: loinc:4548-4, loinc:2345-7, loinc:39156-5, icd10:I10; outcome icd10:E11",
        "after anchoring: hospital-node FINALIZED, hospital-h2 FINALIZED, hospital-h3 FINALIZED",
        "(noisy counts are clamped at 0)",
        "count noise scale 4",
        "200 members, 139 matched",
        "gives 139: the same members",
        "refused, nothing sent (line 6:",
        "noise count                discrete Laplace (OpenDP), clamped at 0, scale 4, ε 0.25",
        "150 consents, 149 in force",
        "(the same claim; no second metered use)",
        "node signature verified, decrypted with its own key",
        "an answer signed with another key: refused (claim_response_signature_invalid)",
        "claims 2 (settled 2, pending 0)",
        "settlement uses 2/100 (one per claim)",
    ):
        assert expected in out, expected
    assert out.count(" -> ACTIVE") == 2
    diffs = [
        float(line.split()[-1])
        for line in out.splitlines()
        if line.startswith("   #") and "e-" in line.split()[-1]
    ]
    assert len(diffs) == 6 and max(diffs) < 1e-3  # encrypted scores match the plaintext model
    _research_story(out)
    for connector in ("fhir", "hl7", "csv", "dicom", "parquet", "sql"):
        assert f"   {connector} " in out
    assert (tmp_path / "demo" / "catalog.jsonld").is_file()


HOSPITALS = ("hospital-node", "hospital-h2", "hospital-h3")


def _research_story(out: str) -> None:
    """Steps 28-30: DSP AGREED at three hospitals, the cohort's attrition at each, and the tree model
    trained under exactly those DSP contracts, with each hospital's own AUC."""
    lines = out.splitlines()
    for h in HOSPITALS:
        assert f"   {h:<15} DSP AGREED" in lines, h
        signed = next(line for line in lines if line.startswith(f"   {h:<15} node signature checked"))
        contract = signed.split("signed ")[1].split()[0]
        assert f"{h} (DSP contract {contract})" in out, (h, contract)  # the training's contracts
        assert f"   {h:<15} contract {contract}: 4 uses of 20 metered" in lines  # 1 count + 3 rounds
    header = next(line for line in lines if line.lstrip().startswith("criterion "))
    assert header.split() == ["criterion", *HOSPITALS]
    assert "   + all_patients                 400             400             400" in lines
    for criterion in ("index_diagnosis", "hba1c_measured", "on_metformin"):
        row = next(line.split() for line in lines if line.startswith(f"   + {criterion} "))
        assert len(row) == 5 and all(c.isdigit() or c == "<10" for c in row[2:]), row
    for h in HOSPITALS:
        auc = next(line.split() for line in lines if line.startswith(f"   {h:<15} AUC "))
        assert 0.7 < float(auc[2]) <= 1.0 and auc[-3].isdigit(), auc  # "... on N held-out patients"
