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


def test_score_reads_columns_by_name_and_refuses_misnamed_ones(tmp_path: Path) -> None:
    """Issue 15: a CSV with swapped columns was scored silently, and scores fell outside [0, 1]."""
    import numpy as np

    from tests.chain_support import free_port
    from tests.conftest import make_container, node_env
    from tests.contract_world import build_world
    from tests.processes import hnode_process

    url = f"sqlite:///{tmp_path / 'node' / 'node.db'}"
    port = free_port()
    env = node_env(tmp_path / "node", url, listen_port=str(port))
    assert run("migrate", env=env).returncode == 0
    c = make_container(url, tmp_path / "node")
    w = build_world(c, tmp_path / "samples")
    model = c.he.train(w.officer, w.products["he"])
    ct = w.active(
        w.insurer, w.insurer_key, "he", w.terms("he_query", "underwriting_risk_model", max_uses=5)
    ).id
    token = c.identity.issue_token("cli:t", w.insurer.id).secret
    c.close()
    assert run("he", "keygen", "--scheme", "ckks-scoring", "--out", str(tmp_path / "ins.key")).returncode == 0
    codes = [f["loinc"] for f in model.features]
    rng = np.random.default_rng(4)
    rows = rng.normal([9, 8, 5, 90, 140, 27], [6, 3, 2, 60, 30, 6], (40, 6))
    order = [4, 1, 0, 2, 5, 3]  # any column order, as long as the header names each feature
    (tmp_path / "swapped.csv").write_text(
        ",".join(codes[i] for i in order) + "\n" + "\n".join(",".join(str(r[i]) for i in order) for r in rows)
    )
    (tmp_path / "misnamed.csv").write_text(
        "glucose," + ",".join(codes[1:]) + "\n" + "\n".join(",".join(map(str, r)) for r in rows)
    )
    args = ["he", "score", "--contract", ct, "--keys", str(tmp_path / "ins.key"), "--input"]
    partner = {"NODE_API_URL": f"http://127.0.0.1:{port}", "NODE_API_TOKEN": token}
    with hnode_process("serve", "--no-access-log", env=env, health_port=port):
        refused = run(*args, str(tmp_path / "misnamed.csv"), env=partner)
        scored = run(*args, str(tmp_path / "swapped.csv"), env=partner)
    assert refused.returncode == 2, refused.stderr
    assert "he_columns_mismatch" in refused.stderr and "glucose" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert scored.returncode == 0, scored.stderr
    risks = np.array([x["risk"] for x in json.loads(scored.stdout)])
    expected = model.risk(rows)
    assert len(risks) == 40 and np.all((risks >= 0) & (risks <= 1))
    assert float(np.max(np.abs(risks - expected))) < 1e-3
    assert "clipped" in scored.stderr
    c = make_container(url, tmp_path / "node")
    assert c.contracts.get(w.insurer, ct).uses == 1  # the refused file cost nothing
    c.close()
