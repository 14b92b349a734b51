"""Imports of hand-written real-format files through the registry, on SQLite and PostgreSQL: grading by
code systems, free text de-identified, per-record quarantine (sealed, listed, fixed, discarded),
re-imports as versions, quality rules and alerts."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from connectors.registry import open_source
from node.adapters.db import tables as t
from node.bootstrap import Container
from node.errors import Conflict, InvalidInput, NodeError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _by_table(result) -> dict:  # type: ignore[no-untyped-def]
    return {a.table: a for a in result.assets}


def test_fhir_bundle_graded_by_code_systems_and_notes_deidentified(container: Container) -> None:
    src = open_source("fhir", str(FIXTURES / "fhir" / "synthea_transaction.json"))
    result = container.assets.import_source("cli:t", src)
    got = _by_table(result)
    assert result.unmapped == {"Organization": 1, "CarePlan": 1, "Provenance": 1} and result.records == 22
    # the HIV condition is coded in SNOMED CT only, the drugs in RxNorm and ATC, the viral load in LOINC
    for table in ("conditions", "medications", "observations"):
        assert got[table].grade.level >= 4, table
        assert any("HIV" in r for r in got[table].grade.reasons), table
    assert got["claims"].grade.category.value == "medical_payment"
    report = pd.concat(list(container.store.read(got["diagnostic_reports"].storage_ref)))
    note = report.iloc[0]["text"]
    assert "张建国" not in note and "13812345678" not in note and "胸部CT" in note
    audit = container.audit.recent(1)[0]
    assert (
        audit.action == "asset.import" and audit.details["records"] == 22 and audit.details["rejected"] == 0
    )


HL7_PEOPLE = ("王秀英", "刘建华", "13912345678", "李小红", "023-68881234", "王建军")


def test_hl7_free_text_results_and_comments_deidentified(container: Container, tmp_path: Path) -> None:
    """issue 16: OBX TX/FT values and NTE comments go through the same de-identification as FHIR report
    text; short ST results and numbers are kept as written."""
    from node.asset_registry.services import ImportOptions

    path = str(FIXTURES / "hl7" / "oru_free_text.hl7")
    result = container.assets.import_source("cli:t", open_source("hl7", path))
    (asset,) = result.assets
    stored = pd.concat(list(container.store.read(asset.storage_ref)))
    dump = stored.to_csv()
    assert not [p for p in HL7_PEOPLE if p in dump], "names or phone numbers stored"
    obs = stored.set_index("code")
    assert "胃窦黏膜慢性炎，未见异型增生。" in obs.loc["22634-0", "text"]  # the clinical content stays
    assert obs.loc["18782-3", "text"] == "胃窦黏膜充血\n未见溃疡"
    assert obs.loc["22634-0", "comments"].count("\n") == 1  # the order's note and the result's own
    assert obs.loc["718-7", "comments"] == obs.loc["18782-3", "comments"]  # the order's note, each result
    assert "联系电话" in obs.loc["718-7", "comments"]
    assert obs.loc["5778-6", "value_text"] == "淡黄色" and obs.loc["718-7", "value"] == 128.0
    (complete,) = [r for r in asset.quality["rules"] if (r["rule"], r["column"]) == ("completeness", "value")]
    assert complete["violations"] == 0  # a free-text result has a value

    copy = tmp_path / "raw.hl7"  # another source: the same one again would be "nothing new"
    copy.write_bytes(Path(path).read_bytes())
    raw = container.assets.import_source(
        "cli:t", open_source("hl7", str(copy)), ImportOptions(keep_raw_text=True)
    )
    kept = pd.concat(list(container.store.read(raw.assets[0].storage_ref))).to_csv()
    assert all(p in kept for p in HL7_PEOPLE) and raw.assets[0].grade.level >= 4


def test_hl7_short_st_results_deidentified(container: Container) -> None:
    """issue 16 (b): ST values of 20 characters or fewer (kept in ``value_text``) go through
    de-identification too: a phone or ID number, a bare name and a name after a cue are not stored;
    short results and numbers are kept as written."""
    path = FIXTURES / "hl7" / "short_st_identifiers.hl7"
    (asset,) = container.assets.import_source("cli:t", open_source("hl7", str(path))).assets
    stored = pd.concat(list(container.store.read(asset.storage_ref)))
    secrets = ("13912345678", "11010519491231002X", "王建国", "李秀兰")
    assert not [p for p in secrets if p in stored.to_csv()], "a short ST value stored as written"
    got = stored.set_index("code")["value_text"]
    assert got["5778-6"] == "淡黄色" and got["5802-4"] == "阴性" and got["718-7"] == "128"
    assert got["CONTACT"] == "139****5678" and got["IDNO"].startswith("110105")
    assert got["COLLECTOR"].startswith("PERSON_") and got["NOTIFIED"].startswith("已通知家属PERSON_")


FHIR_PEOPLE = (
    "张建国",
    "13812345678",
    "11010519491231002X",
    "李小红",
    "13912345678",
    "王建军",
    "023-68881234",
)


def test_fhir_free_text_values_deidentified(container: Container) -> None:
    """issue 16: an Observation's (or component's) valueString, and a valueCodeableConcept that is only
    text, go through the same de-identification as report text; dates and codes are kept as written."""
    path = FIXTURES / "fhir" / "free_text_values.json"
    result = container.assets.import_source("cli:t", open_source("fhir", str(path)))
    obs = _by_table(result)["observations"]
    stored = pd.concat(list(container.store.read(obs.storage_ref)))
    dump = stored.drop(columns=["patient_id"]).to_csv()
    assert not [p for p in FHIR_PEOPLE if p in dump], "names, phone or ID numbers stored"
    by_display = stored.set_index("display")
    assert "标本轻度溶血" in by_display.loc["Service comment", "text"]  # the clinical content stays
    assert "电话随访" in by_display.loc["随访情况", "text"]
    assert by_display.loc["尿液外观", "text"] == "淡黄色 清亮"
    assert by_display.loc["下次随访", "value_text"] == "2025-04-12T08:00:00+08:00"
    assert stored["value_text"].dropna().map(lambda v: not any(p in v for p in FHIR_PEOPLE)).all()
    (complete,) = [r for r in obs.quality["rules"] if (r["rule"], r["column"]) == ("completeness", "value")]
    assert complete["violations"] == 0  # a free-text result has a value


def test_hl7_order_notes_deidentified(container: Container) -> None:
    path = FIXTURES / "hl7" / "orders_with_notes.hl7"
    result = container.assets.import_source("cli:t", open_source("hl7", str(path)))
    stored = pd.concat(list(container.store.read(_by_table(result)["orders"].storage_ref)))
    notes = "\n".join(stored["comments"])
    people = ("赵志刚", "13712345678", "孙丽华", "钱玉兰", "13698765432")
    assert not [p for p in people if p in notes], "names or phone numbers stored"
    assert "青霉素过敏" in notes and "空腹采血" in notes and "加急" in notes


def test_note_pseudonyms_are_per_import(container: Container, tmp_path: Path) -> None:
    """issue 16 (e): the same name gets one pseudonym within an import and another in the next import,
    as the de-identifier's key is drawn for each import (stored notes link no person across imports)."""
    pseudonyms = []
    for n in (1, 2):
        copy = tmp_path / f"notes{n}.hl7"  # another source each time: the same one would be "nothing new"
        copy.write_bytes((FIXTURES / "hl7" / "same_name_two_notes.hl7").read_bytes())
        result = container.assets.import_source("cli:t", open_source("hl7", str(copy)))
        stored = pd.concat(list(container.store.read(_by_table(result)["orders"].storage_ref)))
        notes = list(stored["comments"])
        assert len(notes) == 2 and not any("周海涛" in x for x in notes)
        found = [re.findall(r"PERSON_[A-Z0-9]+", x) for x in notes]
        assert all(len(f) == 1 for f in found), notes
        assert found[0] == found[1]  # the same within one import
        pseudonyms.append(found[0][0])
    assert pseudonyms[0] != pseudonyms[1]  # not linkable across imports


def test_quarantine_keeps_bad_records_sealed_until_fixed_or_discarded(container: Container) -> None:
    path = FIXTURES / "fhir" / "one_bad_resource.ndjson"
    with pytest.raises(InvalidInput):
        container.assets.import_source("cli:t", open_source("fhir", str(path)))
    assert container.assets.search() == []  # reject: nothing partial
    result = container.assets.import_source("cli:t", open_source("fhir", str(path), on_error="quarantine"))
    assert result.records == 2 and [r["where"] for r in result.rejected] == [
        "one_bad_resource.ndjson:2 (Patient/p-bad)",
        "one_bad_resource.ndjson:4 (Observation/o2)",
        "one_bad_resource.ndjson:5",
    ]
    assert all("陈" not in r["reason"] and "一百二" not in r["reason"] for r in result.rejected)
    audit = container.audit.recent(1)[0]
    assert (audit.details["records"], audit.details["rejected"]) == (2, 3)
    with container.engine.connect() as conn:
        sealed = conn.execute(select(t.quarantined_records.c.payload)).scalars().all()
    assert len(sealed) == 3 and all(b"p-bad" not in s and "陈".encode() not in s for s in sealed)
    held = container.quarantine.list()
    assert [r.location for r in held] == [r["where"] for r in result.rejected] and held[0].payload is None
    bad_patient = json.loads(container.quarantine.read("off", held[0].id))
    assert bad_patient["id"] == "p-bad"
    still_bad = json.dumps(bad_patient).encode()
    with pytest.raises(InvalidInput):
        container.quarantine.fix("off", held[0].id, still_bad)
    bad_patient["birthDate"] = "1985-12-25"
    fixed = container.quarantine.fix("off", held[0].id, json.dumps(bad_patient).encode())
    patients = _by_table(fixed)["patients"]
    assert patients.id == _by_table(result)["patients"].id and patients.version == 2 and patients.rows == 2
    assert patients.derived_from == [f"{patients.id}@v1"]
    stored = pd.concat(list(container.store.read(patients.storage_ref)))
    assert sorted(stored["patient_id"]) == ["p-bad", "p-good"]
    container.quarantine.discard("off", held[2].id, "不是FHIR资源，无法修复")
    with pytest.raises(Conflict):
        container.quarantine.discard("off", held[2].id, "再次丢弃")
    assert [r.id for r in container.quarantine.list()] == [held[1].id]
    assert {r.status.value for r in container.quarantine.list(None)} == {"held", "fixed", "discarded"}
    actions = [e.action for e in container.audit.recent(6)]
    assert {"quarantine.read", "quarantine.fix", "quarantine.discard", "asset.version"} <= set(actions)


def test_reimport_appends_a_version_and_alerts_on_a_broken_rule(container: Container, tmp_path: Path) -> None:
    feed = tmp_path / "lis.hl7"
    feed.write_bytes((FIXTURES / "hl7" / "lis_gb18030.hl7").read_bytes())
    first = container.assets.import_source("cli:t", open_source("hl7", str(feed)))
    obs = _by_table(first)["observations"]
    rules = {(r["rule"], r["column"]): r for r in obs.quality["rules"]}
    assert (
        rules[("plausibility", "value[2345-7]")]["passed"] and rules[("validity", "unit[2345-7]")]["passed"]
    )
    assert rules[("referential", "mrn->patients.mrn")]["passed"]
    container.assets.grade("off", obs.id, obs.suggested.level, "确认")
    again = container.assets.import_source("cli:t", open_source("hl7", str(feed)))
    assert [a.id for a in again.assets] == [a.id for a in first.assets] and set(again.unchanged) == {
        a.id for a in first.assets
    }
    assert len(container.assets.search()) == len(first.assets)  # no duplicates
    # the LIS now sends glucose in mg/dL: 112 mg/dL breaks the unit rule and the plausible range
    text = (FIXTURES / "hl7" / "lis_gb18030.hl7").read_bytes().decode("gb18030")
    feed.write_bytes(text.replace("||6.2|mmol/L|", "||112|mg/dL|").encode("gb18030"))
    second = container.assets.import_source("cli:t", open_source("hl7", str(feed)))
    v2 = _by_table(second)["observations"]
    assert v2.id == obs.id and v2.version == 2 and v2.derived_from == [f"{obs.id}@v1"]
    assert v2.confirmed is not None  # the officer's grade stays: the level did not rise
    broken = {(a["rule"], a["column"]) for a in second.alerts[obs.id]}
    assert broken == {("plausibility", "value[2345-7]"), ("validity", "unit[2345-7]")}
    assert v2.quality["alerts"] and len(container.assets.versions(obs.id)) == 2
    assert "asset.quality_alert" in [e.action for e in container.audit.recent(10)]
    assert len(container.assets.search()) == len(first.assets)


def test_cli_import_json_and_quarantine_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In process (CliRunner): the same commands a user runs, without a Python start per command."""
    from typer.testing import CliRunner

    from node.cli import app

    for k in [k for k in os.environ if k.startswith("NODE_")]:
        monkeypatch.delenv(k)
    env = {"NODE_DATA_DIR": str(tmp_path / "node"), "NODE_KEY_PASSPHRASE": "pw"}
    runner = CliRunner()

    def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        r = runner.invoke(app, list(args), env=env)
        if isinstance(r.exception, NodeError):  # what main() maps to exit code 2 and a line on stderr
            return subprocess.CompletedProcess(args, 2, r.stdout, r.exception.message)
        return subprocess.CompletedProcess(args, r.exit_code, r.stdout, r.stderr)

    assert run("migrate", env=env).returncode == 0 and run("keys", "init", env=env).returncode == 0
    # the officer imports and corrects under her own token (the first admin bootstrapped by the host)
    admin = json.loads(run("staff", "add", "admin", "--role", "admin", "--bootstrap", env=env).stdout)
    admin_env = env | {"NODE_STAFF_TOKEN": admin["token"]["token"]}
    assert run("staff", "add", "officer-li", "--role", "data_officer", env=admin_env).returncode == 0
    officer = json.loads(run("tokens", "issue", "officer-li", env=admin_env).stdout)["token"]
    env = env | {"NODE_STAFF_TOKEN": officer}
    path = str(FIXTURES / "fhir" / "one_bad_resource.ndjson")
    refused = run("assets", "import", "--connector", "fhir", path, env=env)
    assert refused.returncode == 2 and "one_bad_resource.ndjson:2 (Patient/p-bad)" in refused.stderr
    imp = run("assets", "import", "--connector", "fhir", path, "--on-error", "quarantine", "--json", env=env)
    assert imp.returncode == 0, imp.stderr
    out = json.loads(imp.stdout)
    assert out["records"] == 2 and len(out["assets"]) == 2 and out["unmapped"] == {}
    assert [(r["where"], r["reason"][:16]) for r in out["rejected"]] == [
        ("one_bad_resource.ndjson:2 (Patient/p-bad)", "invalid at birth"),
        ("one_bad_resource.ndjson:4 (Observation/o2)", "invalid at value"),
        ("one_bad_resource.ndjson:5", "invalid JSON at "),
    ]
    assert "陈" not in imp.stdout and "一百二" not in imp.stdout
    listed = json.loads(run("assets", "quarantine", "ls", "--json", env=env).stdout)
    assert [r["location"] for r in listed] == [r["where"] for r in out["rejected"]]
    assert all(r["payload"] is None for r in listed)
    first = listed[0]["id"]
    shown = run("assets", "quarantine", "show", first, env=env)
    record = json.loads(shown.stdout)
    record["birthDate"] = "1985-12-25"
    (tmp_path / "fixed.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    fixed = run("assets", "quarantine", "fix", first, "--file", str(tmp_path / "fixed.json"), env=env)
    assert fixed.returncode == 0 and "now v2, 2 rows" in fixed.stdout, fixed.stderr
    gone = run("assets", "quarantine", "discard", listed[2]["id"], "--reason", "无法解析", env=env)
    assert gone.returncode == 0
    assert [r["id"] for r in json.loads(run("assets", "quarantine", "ls", "--json", env=env).stdout)] == [
        listed[1]["id"]
    ]
    patients = next(
        a for a in json.loads(run("assets", "ls", "--json", env=env).stdout) if a["table"] == "patients"
    )
    versions = run("assets", "versions", patients["id"], env=env).stdout.splitlines()
    assert [v.split()[0] for v in versions] == ["v1", "v2"]
    assert "version 2, derived from" in run("assets", "show", patients["id"], env=env).stdout


def test_csv_ragged_rows_quarantined_and_fixed(container: Container, tmp_path: Path) -> None:
    lab = tmp_path / "lab_results.csv"
    lab.write_text("patient_id,loinc,value\np1,2345-7,5.1\np2,2345-7\np3,718-7,130\n", encoding="utf-8")
    result = container.assets.import_source("cli:t", open_source("csv", str(lab), on_error="quarantine"))
    assert result.rows == 2 and result.rejected[0]["where"] == "lab_results.csv:3"
    held = container.quarantine.list()[0]
    row = container.quarantine.read("off", held.id).decode()
    assert row.splitlines() == ["patient_id,loinc,value", "p2,2345-7"]
    fixed = container.quarantine.fix("off", held.id, (row.strip() + ",5.6\r\n").encode())
    table = fixed.assets[0]
    assert table.table == "lab_results" and table.version == 2 and table.rows == 3


def test_import_progress_counts_rows_against_an_unknown_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 16: the bar showed ``25120/0``. Through `hnode assets import` on a terminal, every update of
    the bar has an unknown total (rendered ``?``) or one at least the rows done, never 0."""
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress
    from typer.testing import CliRunner

    from node.cli import app

    for k in [k for k in os.environ if k.startswith("NODE_")]:
        monkeypatch.delenv(k)
    env = {"NODE_DATA_DIR": str(tmp_path / "node"), "NODE_KEY_PASSPHRASE": "pw"}
    folder = tmp_path / "his"
    folder.mkdir()
    (folder / "lab_a.csv").write_text("mrn,value\n" + "".join(f"ZY{i:04d},{i}\n" for i in range(120)))
    (folder / "lab_b.csv").write_text("mrn,value\n" + "".join(f"ZY{i:04d},{i}\n" for i in range(80)))
    seen: list[tuple[float, float | None, str]] = []
    update = Progress.update

    def spy(self: Progress, task_id, **kw):  # type: ignore[no-untyped-def]
        update(self, task_id, **kw)
        task = self._tasks[task_id]
        seen.append((task.completed, task.total, MofNCompleteColumn().render(task).plain))

    monkeypatch.setattr(Progress, "update", spy)
    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"], env=env).exit_code == 0
    assert runner.invoke(app, ["keys", "init"], env=env).exit_code == 0
    admin = runner.invoke(app, ["staff", "add", "admin", "--role", "admin", "--bootstrap"], env=env)
    env = env | {"NODE_STAFF_TOKEN": json.loads(admin.stdout)["token"]["token"]}
    imp = runner.invoke(app, ["assets", "import", "--connector", "csv", str(folder), "--json"], env=env)
    assert imp.exit_code == 0, imp.output
    assert [done for done, _, _ in seen] == [120, 200]
    assert all(total is None or total >= done for done, total, _ in seen), seen
    assert [shown for _, _, shown in seen] == ["120/?", "200/?"]


def test_progress_bar_never_shows_a_total_below_the_rows_done(monkeypatch: pytest.MonkeyPatch) -> None:
    """A caller that reports 0 (or too few) as the total gets an unknown total, not ``25120/0``."""
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress

    from node.cli.common import progress_bar

    shown: list[str] = []
    update = Progress.update

    def spy(self: Progress, task_id, **kw):  # type: ignore[no-untyped-def]
        update(self, task_id, **kw)
        shown.append(MofNCompleteColumn().render(self._tasks[task_id]).plain)

    monkeypatch.setattr(Progress, "update", spy)
    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    with progress_bar("importing") as advance:
        for done, total in ((25120, 0), (30000, 25000), (30000, 40000), (40000, None)):
            advance(done, total)
    assert shown == ["25120/?", "30000/?", "30000/40000", "40000/?"]
