"""The HL7 connector parses with python-hl7 down to fields and splits a field when it is read: every
field must come out exactly as python-hl7's full parse gives it (a guard for python-hl7 upgrades)."""

from __future__ import annotations

from pathlib import Path

import hl7
import pytest

from connectors.hl7v2 import decode, parse_message, split_messages
from node.errors import InvalidInput

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hl7"


def _messages() -> list[tuple[str, str]]:
    out = []
    for f in sorted(FIXTURES.glob("*.hl7")):
        for where, raw in split_messages(f.read_bytes(), f.name):
            try:
                out.append((where, decode(raw, where)))
            except InvalidInput:  # the bad fixtures' undecodable messages
                continue
    return out


@pytest.mark.parametrize(("where", "text"), _messages())
def test_every_field_as_python_hl7_parses_it(where: str, text: str) -> None:
    try:
        lazy = parse_message(text, where)
    except InvalidInput:  # the bad fixtures' broken messages are refused before parsing
        return
    full = hl7.parse(text.strip("\r"))
    assert len(lazy.parsed) == len(full)
    for seg, whole in zip(lazy.parsed, full, strict=True):
        assert len(seg) == len(whole)
        for n in range(len(whole)):
            got = lazy.field(seg, n)
            assert got == whole[n] or (isinstance(got, str) and [got] == whole[n]), (where, str(whole[0]), n)
            assert str(got) == str(whole[n])
