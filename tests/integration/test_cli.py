"""The ``hnode`` command as a user runs it: real processes, exit codes, stable output formats."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from gmssl import sm2 as gm_sm2

HNODE = str(Path(sys.executable).parent / "hnode")


def run(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NODE_")}
    full_env.update(env or {})
    r = subprocess.run([HNODE, *args], capture_output=True, env=full_env, timeout=timeout, input=stdin)
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode(), r.stderr.decode())


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "doc.txt").write_bytes("知情同意书 v1\n".encode())
    return tmp_path


def test_sm3_matches_the_standard(files: Path) -> None:
    (files / "abc").write_bytes(b"abc")
    r = run("crypto", "sm3", str(files / "abc"))
    assert (
        r.returncode == 0
        and r.stdout.strip() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert run("crypto", "sm3", str(files / "missing")).returncode == 2


def test_keygen_pubkey_sign_verify(files: Path) -> None:
    env = {"KEY_PW": "p@ss"}
    key = files / "k.pem"
    gen = run("crypto", "keygen", "--out", str(key), "--passphrase-env", "KEY_PW", env=env)
    assert gen.returncode == 0
    assert b"ENCRYPTED PRIVATE KEY" in key.read_bytes() and oct(key.stat().st_mode)[-3:] == "600"
    pub = run("crypto", "pubkey", str(key), "--passphrase-env", "KEY_PW", env=env).stdout.strip()
    assert len(pub) == 130 and pub.startswith("04") and pub == gen.stdout.strip()
    sig = run(
        "crypto", "sign", str(key), str(files / "doc.txt"), "--passphrase-env", "KEY_PW", env=env
    ).stdout.strip()
    doc = str(files / "doc.txt")
    assert run("crypto", "verify", "--pubkey", pub, "--sig", sig, doc).returncode == 0
    (files / "other.txt").write_text("altered")
    bad = run("crypto", "verify", "--pubkey", pub, "--sig", sig, str(files / "other.txt"))
    assert bad.returncode == 1 and bad.stderr.strip()
    # gmssl, an independent implementation, verifies what the CLI signed
    r, s = decode_dss_signature(bytes.fromhex(sig))
    gm = gm_sm2.CryptSM2(private_key="", public_key="")
    gm.public_key = pub[
        2:
    ]  # set after construction: gmssl's constructor lstrip("04")s keys whose X starts "04"
    assert gm.verify_with_sm3(format(r, "064x") + format(s, "064x"), (files / "doc.txt").read_bytes())


def test_keygen_refuses_an_unencrypted_key_unless_told(files: Path) -> None:
    key = files / "plain.pem"
    refused = run("crypto", "keygen", "--out", str(key))
    assert refused.returncode == 2 and "--no-passphrase" in refused.stderr and not key.exists()
    both = run(
        "crypto", "keygen", "--out", str(key), "--no-passphrase", "--passphrase-env", "X", env={"X": "p"}
    )
    assert both.returncode == 2 and not key.exists()
    told = run("crypto", "keygen", "--out", str(key), "--no-passphrase")
    assert told.returncode == 0 and b"-----BEGIN PRIVATE KEY-----" in key.read_bytes()
    assert "unencrypted" in told.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--pubkey", "04" + "11" * 64, "--sig", "3006020101020101"], "not a point on the SM2 curve"),
        (["--pubkey", "04abc", "--sig", "3006020101020101"], "130 hex"),
        (["--pubkey", "PUB", "--sig", "00" * 64], "raw r||s"),
        (["--pubkey", "PUB", "--sig", "3045"], "impossible for DER"),
        (["--pubkey", "PUB", "--sig", "xyz"], "not hexadecimal"),
    ],
)
def test_verify_bad_input_exits_2_with_one_line_reason(files: Path, args: list[str], fragment: str) -> None:
    pub = run("crypto", "keygen", "--out", str(files / "k.pem"), "--no-passphrase").stdout.strip()
    args = [pub if a == "PUB" else a for a in args]
    r = run("crypto", "verify", *args, str(files / "doc.txt"))
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_key_file_errors(files: Path) -> None:
    env = {"KEY_PW": "right"}
    run("crypto", "keygen", "--out", str(files / "k.pem"), "--passphrase-env", "KEY_PW", env=env)
    wrong = run(
        "crypto", "pubkey", str(files / "k.pem"), "--passphrase-env", "KEY_PW", env={"KEY_PW": "wrong"}
    )
    assert wrong.returncode == 2 and "wrong passphrase" in wrong.stderr and "wrong" not in wrong.stdout
    (files / "t.pem").write_text(
        (files / "k.pem").read_text()[:120] + "\n-----END ENCRYPTED PRIVATE KEY-----\n"
    )
    trunc = run("crypto", "pubkey", str(files / "t.pem"), "--passphrase-env", "KEY_PW", env=env)
    assert trunc.returncode == 2 and "truncated" in trunc.stderr
    again = run("crypto", "keygen", "--out", str(files / "k.pem"), "--no-passphrase")
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr


def bootstrap_admin(env: dict[str, str]) -> str:
    """The node's first administrator, added by the host; their token."""
    added = run("staff", "add", "admin", "--role", "admin", "--bootstrap", env=env)
    assert added.returncode == 0, added.stderr
    token: str = json.loads(added.stdout)["token"]["token"]
    return token


def test_host_setup_commands_act_under_the_persons_own_token(tmp_path: Path) -> None:
    """issue 15: `staff add`, `tokens issue` and `assets import` recorded the shell user (``cli:root``):
    anyone on the host added staff and issued tokens. They now take the acting person's own token, and
    the audit names that person; only the very first administrator is added without one, recorded as
    the host's bootstrap, and never again once an administrator exists."""
    env = {"NODE_DATA_DIR": str(tmp_path / "node"), "NODE_KEY_PASSPHRASE": "pw"}
    assert run("migrate", env=env).returncode == 0 and run("keys", "init", env=env).returncode == 0
    for cmd in (
        ("staff", "add", "officer-li", "--role", "data_officer"),
        ("tokens", "issue", "officer-li"),
        ("assets", "import", "--connector", "csv", str(tmp_path)),
    ):
        refused = run(*cmd, env=env)
        assert refused.returncode == 2 and "NODE_STAFF_TOKEN" in refused.stderr, (cmd, refused.stderr)
    not_admin = run("staff", "add", "x1", "--role", "data_officer", "--bootstrap", env=env)
    assert not_admin.returncode == 2 and "--role admin" in not_admin.stderr
    admin_token = bootstrap_admin(env)
    again = run("staff", "add", "admin2", "--role", "admin", "--bootstrap", env=env)
    assert again.returncode == 2 and "admin_exists" in again.stderr
    admin = env | {"NODE_STAFF_TOKEN": admin_token}
    assert run("staff", "add", "officer-li", "--role", "data_officer", env=admin).returncode == 0
    officer = env | {
        "NODE_STAFF_TOKEN": json.loads(run("tokens", "issue", "officer-li", env=admin).stdout)["token"]
    }
    # an officer may import, but not add staff or issue tokens
    gen = run("samples", "generate", "--out", str(tmp_path / "s"), "--patients", "10", env=env)
    assert gen.returncode == 0, gen.stderr
    imported = run("assets", "import", "--connector", "csv", str(tmp_path / "s" / "csv"), env=officer)
    assert imported.returncode == 0, imported.stderr
    forbidden = run("tokens", "issue", "officer-li", env=officer)
    assert forbidden.returncode == 2 and "role_forbidden" in forbidden.stderr
    ids = {p["name"]: p["id"] for p in json.loads(run("staff", "ls", "--json", env=env).stdout)}
    entries = json.loads(run("audit", "ls", "--json", "--limit", "100", env=env).stdout)
    by_action: dict[str, list[tuple[str, str]]] = {}
    for e in entries:
        by_action.setdefault(e["action"], []).append((e["actor"], e["outcome"]))
    host = next(a for a, _ in by_action["principal.register"] if a.startswith("host-bootstrap:"))
    assert sorted(by_action["principal.register"]) == sorted([(host, "success"), (ids["admin"], "success")])
    assert sorted(by_action["token.issue"]) == sorted(
        [(host, "success"), (ids["admin"], "success"), (ids["officer-li"], "denied")]
    )
    assert by_action["principal.bootstrap"] == [(host, "denied")]
    assert {a for a, _ in by_action["asset.import"]} == {ids["officer-li"]}
    assert not any(a.startswith("cli:") for a, _ in (x for v in by_action.values() for x in v))


def test_node_lifecycle_and_audit_verify_names_broken_entry(tmp_path: Path) -> None:
    env = {"NODE_DATA_DIR": str(tmp_path / "node"), "NODE_KEY_PASSPHRASE": "node-pw"}
    assert run("migrate", env=env).returncode == 0
    assert run("keys", "init", env=env).returncode == 0
    assert run("keys", "init", "--if-missing", env=env).returncode == 0
    assert run("keys", "init", env=env).returncode == 2
    pub = run("crypto", "keygen", "--out", str(tmp_path / "partner.pem"), "--no-passphrase").stdout.strip()
    env = env | {"NODE_STAFF_TOKEN": bootstrap_admin(env)}
    assert run("partners", "add", "pingan", "--role", "insurer", "--pubkey", pub, env=env).returncode == 0
    assert run("partners", "add", "bad", "--role", "admin", "--pubkey", pub, env=env).returncode == 2
    assert run("staff", "add", "officer", "--role", "data_officer", env=env).returncode == 0
    tok = run("tokens", "issue", "pingan", "--ttl-hours", "2", env=env)
    assert tok.returncode == 0 and '"token": "hnt_' in tok.stdout
    assert "pingan" in run("partners", "ls", env=env).stdout
    assert run("audit", "seal", env=env).returncode == 0
    ok = run("audit", "verify", env=env)
    # the bootstrap (admin and token), the partner, the officer, the partner's token
    assert ok.returncode == 0 and "intact: 5 entries" in ok.stdout, ok.stdout
    # a third party holding only the public key verifies without the node's passphrase
    node_pub = json.loads(run("keys", "show", env=env).stdout)["public_key"]
    public_env = {"NODE_DATA_DIR": env["NODE_DATA_DIR"]}
    assert run("audit", "verify", "--pubkey", node_pub, env=public_env).returncode == 0
    untrusted = run("audit", "verify", "--pubkey", pub, env=public_env)
    assert untrusted.returncode == 1 and "not trusted" in untrusted.stdout
    with sqlite3.connect(tmp_path / "node" / "node.db") as db:
        db.execute("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2")
    broken = run("audit", "verify", env=env)
    assert broken.returncode == 1 and "entry #2" in broken.stdout
    secret = tok.stdout.split('"token": "')[1].split('"')[0]
    assert secret not in run("audit", "ls", "--json", env=env).stdout


def test_every_command_has_help() -> None:
    from typer.testing import CliRunner

    from node.cli import app

    groups = {
        "": ["serve", "migrate", "worker", "demo"],
        "crypto": ["sm3", "keygen", "pubkey", "sign", "verify"],
        "keys": ["init", "show"],
        "partners": ["add", "ls", "show"],
        "staff": ["add", "ls"],
        "tokens": ["issue", "revoke", "ls"],
        "audit": ["verify", "seal", "ls"],
        "assets": ["import", "ls", "show", "grade", "catalog", "versions"],
        "assets quarantine": ["ls", "show", "fix", "discard"],
        "products": ["create", "publish", "retire", "ls"],
        "samples": ["generate"],
        "hl7": ["listen"],
    }
    runner = CliRunner()
    for group, cmds in groups.items():
        for cmd in cmds:
            r = runner.invoke(app, [*group.split(), cmd, "--help"])
            assert r.exit_code == 0 and "Usage" in r.output, (group, cmd)


def test_assets_and_products_commands(tmp_path: Path) -> None:
    env = {"NODE_DATA_DIR": str(tmp_path / "node"), "NODE_KEY_PASSPHRASE": "pw"}
    assert run("migrate", env=env).returncode == 0 and run("keys", "init", env=env).returncode == 0
    gen = run("samples", "generate", "--out", str(tmp_path / "s"), "--patients", "30", env=env)
    assert gen.returncode == 0 and json.loads(gen.stdout)["patients"] == 30
    admin_token = bootstrap_admin(env)
    imp = run(
        "assets",
        "import",
        "--connector",
        "csv",
        str(tmp_path / "s" / "csv"),
        "--json",
        env=env | {"NODE_STAFF_TOKEN": admin_token},
    )
    assert imp.returncode == 0, imp.stderr
    ids = json.loads(imp.stdout)["assets"]
    assert len(ids) == 5
    listing = json.loads(run("assets", "ls", "--json", "--level", "4", env=env).stdout)
    patients = next(a for a in listing if a["table"] == "patients")
    shown = run("assets", "show", patients["id"], env=env).stdout
    assert "PII: CN_ID_CARD" in shown and "suggested: level 4" in shown
    grade = ("assets", "grade", patients["id"], "--level", "5", "--reason", "含特殊人群")
    anonymous = run(*grade, env=env)  # a grade override is an officer's act, under their own token
    assert anonymous.returncode == 2 and "NODE_STAFF_TOKEN" in anonymous.stderr
    officer = env | {"NODE_STAFF_TOKEN": admin_token}
    assert run("staff", "add", "officer-li", "--role", "data_officer", env=officer).returncode == 0
    issued = json.loads(run("tokens", "issue", "officer-li", env=officer).stdout)
    env = env | {"NODE_STAFF_TOKEN": issued["token"]}
    assert run(*grade, env=env).returncode == 0
    assert "confirmed: level 5" in run("assets", "show", patients["id"], env=env).stdout
    listed = run("assets", "ls", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    obs = next(a for a in json.loads(listed.stdout) if a["table"] == "observations")
    made = run(
        "products",
        "create",
        "统计",
        "--asset",
        obs["id"],
        "--mode",
        "aggregate_query",
        "--visible-to",
        "insurer",
        "--policy",
        '{"min_cohort": 10}',
        env=env,
    )
    assert made.returncode == 0, made.stderr
    pid = made.stdout.split()[0]
    assert "published" in run("products", "publish", pid, env=env).stdout
    bad = run(
        "products",
        "create",
        "x2",
        "--asset",
        patients["id"],
        "--mode",
        "anonymized_extract",
        "--visible-to",
        "researcher",
        env=env,
    )
    assert bad.returncode == 2 and "not allowed" in bad.stderr
    catalog = json.loads(run("assets", "catalog", env=env).stdout)
    assert catalog["@type"] == "dcat:Catalog" and len(catalog["dcat:dataset"]) == 5
    (tmp_path / "rag.csv").write_text("a,b\n1,2\n3\n")
    rag = run("assets", "import", "--connector", "csv", str(tmp_path / "rag.csv"), env=env)
    assert rag.returncode == 2 and "rag.csv:3" in rag.stderr
    assert len(json.loads(run("assets", "ls", "--json", env=env).stdout)) == 5


def test_anonymize_detect_and_text_interface() -> None:
    lines = [
        {"text": "患者张三，男，45岁，身份证号11010519491231002X，电话13812345678。"},
        {"text": "无个人信息。白细胞正常。"},
        {"text": "😀家属王芳，电话023-63891234"},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines).encode() + b"\n"
    det = run("anonymize", "detect", stdin=stdin)
    assert det.returncode == 0, det.stderr
    out = [json.loads(x) for x in det.stdout.splitlines()]
    assert len(out) == 3 and out[1] == {"entities": []}
    for line, result in zip(lines, out, strict=True):
        for e in result["entities"]:
            assert set(e) == {"type", "start", "end", "score"} and 0 < e["score"] <= 1
            assert line["text"][e["start"] : e["end"]].strip()
    assert {e["type"] for e in out[0]["entities"]} == {"PERSON", "CN_ID_CARD", "CN_PHONE"}
    env = {"NODE_ANONYMIZATION_KEY": "a-shared-key-0123456789"}
    txt = run("anonymize", "text", env=env, stdin=stdin)
    texts = [json.loads(x)["text"] for x in txt.stdout.splitlines()]
    assert len(texts) == 3 and "11010519491231002X" not in texts[0] and "张三" not in texts[0]
    assert texts == [
        json.loads(x)["text"] for x in run("anonymize", "text", env=env, stdin=stdin).stdout.splitlines()
    ]


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b'{"text": "ok"}\nnot json\n', "line 2: not JSON"),
        (b'{"text": "ok"}\n{"text": "\xff\xfe"}\n', "line 2: input is not UTF-8"),
        (b'{"note": "x"}\n', 'line 1: expected an object with a string field "text"'),
    ],
)
def test_anonymize_bad_input_writes_nothing(payload: bytes, fragment: str) -> None:
    r = run("anonymize", "detect", stdin=payload)
    assert r.returncode == 2 and fragment in r.stderr and r.stdout == ""


def test_anonymize_table_command(tmp_path: Path) -> None:
    run("samples", "generate", "--out", str(tmp_path / "s"), "--patients", "500")
    src, out = tmp_path / "s" / "csv" / "patients.csv", tmp_path / "out.csv"
    r = run("anonymize", "table", str(src), str(out), "--quasi", "sex,birth_date,district_code", "--k", "5")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["met"] and report["achieved_k"] >= 5 and "id_card" in report["dropped_columns"]
    text = out.read_text(encoding="utf-8")
    assert "id_card" not in text and text.count("\n") == report["rows_out"] + 1
    impossible = run(
        "anonymize",
        "table",
        str(src),
        str(tmp_path / "no.csv"),
        "--quasi",
        "sex,birth_date",
        "--k",
        "5",
        "--sensitive",
        "sex",
        "--l",
        "3",
        "--max-suppression",
        "0",
    )
    assert impossible.returncode == 1 and not (tmp_path / "no.csv").exists()
    missing = run("anonymize", "table", str(src), str(tmp_path / "m.csv"), "--quasi", "sex,nope", "--k", "5")
    assert missing.returncode == 2 and "nope" in missing.stderr and not (tmp_path / "m.csv").exists()
    (tmp_path / "rag.csv").write_text("a,b\n1,2\n3\n")
    ragged = run(
        "anonymize", "table", str(tmp_path / "rag.csv"), str(tmp_path / "r.csv"), "--quasi", "a", "--k", "2"
    )
    assert ragged.returncode == 2 and "rag.csv:3" in ragged.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "rag.csv", "s"]  # no partial files


def test_anonymize_dicom_command(tmp_path: Path) -> None:
    from connectors.samples import copy_sample_dicom

    copy_sample_dicom(tmp_path / "in")
    env = {"NODE_ANONYMIZATION_KEY": "dicom-key-0123456789"}
    r = run("anonymize", "dicom", str(tmp_path / "in"), str(tmp_path / "out"), "--dates", "shifted", env=env)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["files"] == 8 and report["warnings"]
    import pydicom

    ds = pydicom.dcmread(tmp_path / "out" / "CT_small.dcm")
    assert ds.PatientIdentityRemoved == "YES" and str(ds.PatientName).startswith("ANON^")
    (tmp_path / "in" / "broken.dcm").write_bytes(b"DICM but not really")
    whole = (tmp_path / "in" / "MR_small.dcm").read_bytes()
    (tmp_path / "in" / "cut.dcm").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "in" / "notes.txt").write_text("not an image")
    rejected = run(
        "anonymize", "dicom", str(tmp_path / "in"), str(tmp_path / "out2"), "--on-error", "reject", env=env
    )
    assert rejected.returncode == 2 and "broken.dcm" in rejected.stderr
    assert not (tmp_path / "out2").exists() and not list(tmp_path.glob(".out2*"))
    skipped = run("anonymize", "dicom", str(tmp_path / "in"), str(tmp_path / "out3"), env=env)
    assert skipped.returncode == 1 and "3 file(s) skipped" in skipped.stderr
    report = json.loads(skipped.stdout)
    assert report["files"] == 8 and sorted(report["skipped"]) == ["broken.dcm", "cut.dcm", "notes.txt"]
    assert "truncated" in report["skipped"]["cut.dcm"] and "not a DICOM" in report["skipped"]["notes.txt"]
    assert sorted(p.name for p in (tmp_path / "out3").iterdir()) == sorted(
        p.name for p in (tmp_path / "out").iterdir()
    )  # the good files, none of the bad ones, nothing written whole from a cut file
    bad_option = run(
        "anonymize", "dicom", str(tmp_path / "in"), str(tmp_path / "o4"), "--sr", "keep", env=env
    )
    assert bad_option.returncode == 2 and not (tmp_path / "o4").exists()
