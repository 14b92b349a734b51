"""``hnode he`` as partners and operators run it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import run


def test_bench_prints_the_interface_figures() -> None:
    r = run("he", "bench", "--json", "--patients", "300", "--baseline", "8")
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    for key in (
        "scores_per_second",
        "baseline_scores_per_second",
        "max_abs_error",
        "aggregate_hospitals",
        "aggregate_max_abs_error",
    ):
        assert key in out, key
    assert out["max_abs_error"] < 1e-3 and out["aggregate_hospitals"] == 3
    assert out["aggregate_counts_exact"] is True and out["aggregate_max_abs_error"] < 1e-3


def test_keygen_keeps_the_secret_local(tmp_path: Path) -> None:
    r = run("he", "keygen", "--scheme", "ckks-sums", "--out", str(tmp_path / "sums.key"))
    assert r.returncode == 0, r.stderr
    assert oct((tmp_path / "sums.key").stat().st_mode)[-3:] == "600"
    pub = (tmp_path / "sums.key.pub").read_bytes()
    assert 0 < len(pub) < (tmp_path / "sums.key").stat().st_size * 10
    assert run("he", "keygen", "--scheme", "paillier", "--out", str(tmp_path / "x")).returncode == 2
    args = ["he", "score", "--contract", "ct_x", "--keys", str(tmp_path / "sums.key")]
    no_api = run(*args, "--input", str(tmp_path / "sums.key.pub"))
    assert no_api.returncode == 2 and "NODE_API_URL" in no_api.stderr
    api = {"NODE_API_URL": "http://127.0.0.1:9", "NODE_API_TOKEN": "hnt_x"}
    binary = run(*args, "--input", str(tmp_path / "sums.key.pub"), env=api)
    assert binary.returncode == 2 and "not a UTF-8 CSV" in binary.stderr and "Traceback" not in binary.stderr
    (tmp_path / "a.csv").write_text("glucose,hba1c\n5.1,abc\n")
    words = run(*args, "--input", str(tmp_path / "a.csv"), env=api)
    assert words.returncode == 2 and "must be a number" in words.stderr
