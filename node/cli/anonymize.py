"""``hnode anonymize``: detect and anonymize personal information in Chinese clinical text."""

from __future__ import annotations

import json
import secrets
import sys
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
) -> None:
    """Read JSON Lines {"text": ...} on stdin; write {"text": "<anonymized>"} per line."""
    from node.anonymization.analyzer import TextAnalyzer
    from node.anonymization.operators import Pseudonymizer, TextAnonymizer
    from node.config import load_settings

    texts = _read_lines()
    key = load_settings().anonymization_key
    if key is None:
        typer.echo(
            "warning: NODE_ANONYMIZATION_KEY is not set; pseudonyms are consistent within this run only",
            err=True,
        )
        raw = secrets.token_bytes(32)
    else:
        raw = key.get_secret_value().encode()
    analyzer, anonymizer = TextAnalyzer(), TextAnonymizer(Pseudonymizer(raw))
    _write([{"text": anonymizer.anonymize(t, analyzer.analyze(t), date_shift_days)} for t in texts])
