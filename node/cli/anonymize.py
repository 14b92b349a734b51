"""``hnode anonymize``: detect and anonymize personal information in Chinese clinical text."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import Any

import typer

from node.cli.common import EXIT_BAD_INPUT

anonymize_app = typer.Typer(
    help="De-identification of clinical text (临床文本去标识化).", no_args_is_help=True
)


def _read_lines() -> list[str]:
    """Every input line's text; a precise error and no output at all if any line is bad."""
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _bad(f"line {line}: input is not UTF-8") from None
    texts = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            raise _bad(f"line {n}: empty line (expected a JSON object)")
        try:
            obj: Any = json.loads(line)
        except json.JSONDecodeError:
            raise _bad(f"line {n}: not JSON") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise _bad(f'line {n}: expected an object with a string field "text"')
        texts.append(obj["text"])
    return texts


def _bad(message: str) -> typer.Exit:
    typer.echo(f"error [input_invalid]: {message}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _write(rows: list[dict[str, Any]]) -> None:
    out = sys.stdout
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()


@anonymize_app.command()
def detect() -> None:
    """Read JSON Lines {"text": ...} on stdin; write {"entities": [...]} per line (Python string offsets)."""
    from node.anonymization.analyzer import TextAnalyzer

    texts = _read_lines()
    analyzer = TextAnalyzer()
    _write([{"entities": [e.as_dict() for e in analyzer.analyze(t)]} for t in texts])


@anonymize_app.command()
def text(
    date_shift_days: int | None = typer.Option(
        None, "--date-shift-days", help="Shift full dates by this many days instead of keeping only the year."
    ),
    organizations: str = typer.Option(
        "keep", "--organizations", help="Hospitals and companies: 'keep' them whole or 'tag' them."
    ),
) -> None:
    """Read JSON Lines {"text": ...} on stdin; write {"text": "<anonymized>"} per line."""
    from node.anonymization.analyzer import TextAnalyzer
    from node.anonymization.operators import ORGANIZATION_POLICIES, Pseudonymizer, TextAnonymizer

    if organizations not in ORGANIZATION_POLICIES:
        raise _bad("--organizations must be 'keep' or 'tag'")
    texts = _read_lines()
    analyzer = TextAnalyzer()
    anonymizer = TextAnonymizer(Pseudonymizer(_key()), organizations=organizations)
    _write([{"text": anonymizer.anonymize(t, analyzer.analyze(t), date_shift_days)} for t in texts])


def _split(value: str | None) -> list[str]:
    return [c.strip() for c in (value or "").split(",") if c.strip()]


@anonymize_app.command()
def table(
    source: Path = typer.Argument(..., help="Input CSV (UTF-8, header row)."),
    target: Path = typer.Argument(..., help="Output CSV; written only if the target is met."),
    quasi: str = typer.Option(..., "--quasi", help="Quasi-identifier columns, comma-separated."),
    k: int = typer.Option(..., "--k", help="Smallest allowed equivalence class."),
    sensitive: str | None = typer.Option(None, "--sensitive", help="Sensitive column for l-diversity."),
    l_div: int | None = typer.Option(None, "--l", help="Distinct sensitive values required per class."),
    max_suppression: float = typer.Option(
        0.1, "--max-suppression", help="Largest fraction of rows suppressed."
    ),
    drop: str | None = typer.Option(
        None, "--drop", help="Columns to remove; default: every other column detected as a direct identifier."
    ),
    person: str | None = typer.Option(
        None,
        "--person",
        help="Column identifying the individual (k counts persons); default: a patient id column.",
    ),
    method: str = typer.Option(
        "auto", "--method", help="auto (the less lossy of both), full_domain (lattice) or mondrian (local)."
    ),
) -> None:
    """Generalize quasi-identifiers and suppress rows until k-anonymity (and l-diversity) hold; print the
    report (method, loss per column, both methods' loss) as JSON. Exit 1, writing nothing, if the target
    needs more suppression than allowed."""
    import pandas as pd

    from connectors.tabular import CsvSource
    from node.anonymization.tabular import KAnonymizer
    from node.asset_registry.pii import DIRECT_IDENTIFIERS, LINK_KEY, PERSON_KEY, PatternPiiDetector
    from node.errors import NodeError

    try:
        frames = [batch for _, batch in CsvSource(source).batches()]
    except NodeError as exc:
        raise _bad(exc.message) from None
    data = pd.concat(frames, ignore_index=True)
    q, sens = _split(quasi), sensitive
    if drop is None:
        detector = PatternPiiDetector()
        keep = {*q, *([sens] if sens else [])}
        drops = [
            c
            for c in data.columns
            if c not in keep
            and (
                LINK_KEY.search(c.lower())
                or set(detector.detect_column(c, data[c].dropna().astype(str).head(200).tolist()))
                & DIRECT_IDENTIFIERS
            )
        ]
    else:
        drops = _split(drop)
    if person is None:
        person = next((c for c in data.columns if PERSON_KEY.match(c)), None)
    try:
        anonymizer = KAnonymizer(q, k, sens, l_div, max_suppression, person=person, method=method)
        out, report = anonymizer.anonymize(data, drops)
    except NodeError as exc:
        raise _bad(exc.message) from None
    typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    if not report.met:
        typer.echo(
            f"error [target_not_met]: k={k} needs more than {max_suppression:.0%} of rows suppressed",
            err=True,
        )
        raise typer.Exit(1)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        out.to_csv(tmp, index=False, encoding="utf-8")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _key() -> bytes:
    from node.config import load_settings

    key = load_settings().anonymization_key
    if key is None:
        typer.echo(
            "warning: NODE_ANONYMIZATION_KEY is not set; pseudonyms are consistent within this run only",
            err=True,
        )
        return secrets.token_bytes(32)
    return key.get_secret_value().encode()


@anonymize_app.command()
def dicom(
    source: Path = typer.Argument(..., help="Folder of DICOM files."),
    target: Path = typer.Argument(..., help="New folder for the de-identified files (must not exist)."),
    dates: str | None = typer.Option(
        None, "--dates", help="Retain dates: 'full' or 'shifted' (per patient)."
    ),
    clean_descriptors: bool = typer.Option(False, "--clean-descriptors", help="Keep descriptions, cleaned."),
    sr: str = typer.Option(
        "remove", "--sr", help="SR content: 'remove' (basic profile) or 'clean' (text cleaned)."
    ),
    mask_burned_in: bool = typer.Option(
        False, "--mask-burned-in", help="Fill the modality template's text regions (US, SC) with zero."
    ),
    on_error: str = typer.Option(
        "skip", "--on-error", help="A bad file: 'skip' and report it (exit 1), or 'reject' the run (exit 2)."
    ),
) -> None:
    """De-identify DICOM files (PS3.15 Basic Profile); print a JSON report with burned-in text warnings
    and skipped files. The target folder appears only when the run finishes; with --on-error reject,
    nothing is written unless every file succeeds."""
    from node.anonymization.analyzer import TextAnalyzer
    from node.anonymization.dicom import SR_MODES, DicomDeidentifier
    from node.anonymization.dicom_files import ON_ERROR, RejectedFile, deidentify_folder
    from node.anonymization.operators import Pseudonymizer, TextAnonymizer

    if target.exists():
        raise _bad(f"{target} exists; choose a new folder")
    if not source.is_dir():
        raise _bad(f"{source} is not a folder")
    if sr not in SR_MODES:
        raise _bad("--sr must be 'remove' or 'clean'")
    if on_error not in ON_ERROR:
        raise _bad("--on-error must be 'skip' or 'reject'")
    key = _key()
    analyzer, anonymizer = TextAnalyzer(), TextAnonymizer(Pseudonymizer(key))
    cleaner = lambda t: anonymizer.anonymize(t, analyzer.analyze(t))  # noqa: E731
    deid = DicomDeidentifier(key, dates, clean_descriptors, cleaner, sr=sr, mask_burned_in=mask_burned_in)
    try:
        report = deidentify_folder(source, target, deid, on_error)
    except RejectedFile as exc:
        raise _bad(str(exc)) from None
    typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    if report.skipped:
        typer.echo(f"error [files_skipped]: {len(report.skipped)} file(s) skipped, see the report", err=True)
        raise typer.Exit(1)
