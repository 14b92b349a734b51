"""The HL7 connector splits segments into fields and a field with python-hl7's plan when it is read:
every field, and every value read by position, must come out exactly as python-hl7's full parse gives
it (a guard for python-hl7 upgrades and for the connector's shortcuts)."""

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


@pytest.mark.parametrize(("where", "text"), _messages())
def test_every_value_as_python_hl7_extracts_it(where: str, text: str) -> None:
    try:
        lazy = parse_message(text, where)
    except InvalidInput:
        return
    full = hl7.parse(text.strip("\r"))
    seen: dict[str, int] = {}
    for seg, whole in zip(lazy.parsed, full, strict=True):
        name = str(whole[0])
        seen[name] = seen.get(name, 0) + 1
        for n in range(1, len(whole)):
            for rep in (1, 2, 3):
                for comp in (1, 2, 3, 4, 5):
                    for sub in (1, 2):
                        try:
                            want = full.extract_field(name, seen[name], n, rep, comp, sub) or None
                        except IndexError:  # python-hl7 raises where the connector answers None
                            want = None
                        assert lazy.get(seg, n, rep, comp, sub) == want, (where, name, n, rep, comp, sub)
            code, display, _ = lazy.coded(seg, n)
            assert (code, display) == (lazy.get(seg, n, comp=1), lazy.get(seg, n, comp=2))
