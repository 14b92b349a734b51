"""HL7 v2.x files: ADT^A01/A04/A08 and ORU^R01 messages into patients, encounters and observations.

Messages are split on MSH segments, whatever the line endings. Each message is checked before it is
used (segment names, MSH header, required PID); errors name the file, line and message control id.
Other message types are skipped and counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from connectors.base import DigestingReader, TableBuffers, malformed, source_files
from node.asset_registry.model import SourceSystem
from node.asset_registry.ports import SourceInfo

_SEGMENT = re.compile(r"^[A-Z][A-Z0-9]{2}(\|.*)?$")
SUPPORTED = {("ADT", "A01"), ("ADT", "A04"), ("ADT", "A08"), ("ORU", "R01")}
COLUMNS = {
    "patients": [
        "mrn",
        "id_card",
        "name",
        "birth_date",
        "sex",
        "address",
        "district_code",
        "phone",
        "event",
        "message_time",
    ],
    "encounters": ["visit_number", "mrn", "class", "department", "message_time"],
    "observations": [
        "mrn",
        "visit_number",
        "order_id",
        "loinc",
        "display",
        "value",
        "unit",
        "status",
        "time",
    ],
}


_ESCAPES = {"F": "|", "S": "^", "T": "&", "R": "~", "E": "\\"}
_ESCAPE_RE = re.compile(r"\\([FSTRE])\\")


class Segment:
    """One segment split on the standard separators (| ~ ^). Field numbers follow the standard:
    MSH-1 is the field separator itself, so MSH-n is at index n-1 after the split."""

    def __init__(self, line: str) -> None:
        self.name = line[:3]
        parts = line.split("|")
        self._fields = [parts[0], "|", *parts[1:]] if self.name == "MSH" else parts

    def get(self, field: int, rep: int = 0, comp: int = 0) -> str | None:
        try:
            value = self._fields[field].split("~")[rep].split("^")[comp]
        except IndexError:
            return None
        if "\\" in value:
            value = _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(1)], value)
        return value or None


@dataclass(frozen=True)
class Hl7Message:
    where: str  # "file:line"
    control_id: str
    kind: tuple[str, str]
    segments: list[Segment]

    def first(self, name: str) -> Segment | None:
        return next((s for s in self.segments if s.name == name), None)

    def all(self, name: str) -> list[Segment]:
        return [s for s in self.segments if s.name == name]


def split_messages(data: str, origin: str) -> Iterator[tuple[str, str]]:
    """(where, message text with \\r segment separators) for each MSH-started message."""
    current: list[str] = []
    start = 0
    for n, line in enumerate(re.split(r"\r\n|\r|\n", data), 1):
        if not line.strip():
            continue
        if line.startswith("MSH"):
            if current:
                yield f"{origin}:{start}", "\r".join(current)
            current, start = [line], n
        elif not current:
            raise malformed(f"{origin}:{n}", "segment outside a message (no MSH before it)")
        else:
            current.append(line)
    if current:
        yield f"{origin}:{start}", "\r".join(current)


def parse_message(text: str, where: str) -> Hl7Message:
    lines = text.split("\r")
    if not lines[0].startswith("MSH|^~\\&"):
        raise malformed(
            where, "message does not start with an MSH segment using the standard separators |^~\\&"
        )
    for i, line in enumerate(lines):
        if not _SEGMENT.match(line):
            raise malformed(
                f"{where} segment {i + 1}", "broken segment (expected a 3-character segment id and '|')"
            )
    segments = [Segment(line) for line in lines]
    msh = segments[0]
    control = msh.get(10) or "?"
    code, event = msh.get(9, comp=0), msh.get(9, comp=1)
    if not code or not event:
        raise malformed(f"{where} ({control})", "MSH-9 message type is missing")
    m = Hl7Message(where, control, (code, event), segments)
    if m.kind in SUPPORTED and m.first("PID") is None:
        raise malformed(f"{where} ({control})", f"{code}^{event} without a PID segment")
    return m


def _hl7_time(value: str | None) -> str | None:
    if not value or len(value) < 8 or not value[:8].isdigit():
        return None
    if len(value) == 8:
        return f"{value[0:4]}-{value[4:6]}-{value[6:8]}"
    v = value.ljust(14, "0")[:14]
    return f"{v[0:4]}-{v[4:6]}-{v[6:8]}T{v[8:10]}:{v[10:12]}:{v[12:14]}"


def rows_of(m: Hl7Message) -> Iterator[tuple[str, tuple[Any, ...]]]:
    msh, pid = m.segments[0], m.first("PID")
    assert pid is not None
    when = _hl7_time(msh.get(7))
    mrn = pid.get(3, 0, 0)
    if m.kind[0] == "ADT":
        yield (
            "patients",
            (
                mrn,
                pid.get(3, 1, 0),
                pid.get(5),
                _hl7_time(pid.get(7)),
                pid.get(8),
                pid.get(11, 0, 0),
                pid.get(11, 0, 4),
                pid.get(13),
                m.kind[1],
                when,
            ),
        )
    pv1 = m.first("PV1")
    visit = pv1.get(19) if pv1 else None
    if pv1 and m.kind[0] == "ADT":
        yield "encounters", (visit, mrn, pv1.get(2), pv1.get(3), when)
    if m.kind == ("ORU", "R01"):
        obr = m.first("OBR")
        order = obr.get(2) if obr else None
        for obx in m.all("OBX"):
            raw = obx.get(5)
            try:
                value: Any = float(raw) if raw is not None and obx.get(2) == "NM" else raw
            except ValueError:
                raise malformed(
                    f"{m.where} ({m.control_id}) OBX", "numeric result (NM) is not a number"
                ) from None
            yield (
                "observations",
                (
                    mrn,
                    visit,
                    order,
                    obx.get(3, 0, 0),
                    obx.get(3, 0, 1),
                    value,
                    obx.get(6),
                    obx.get(11),
                    _hl7_time(obx.get(14)),
                ),
            )


class Hl7FileSource:
    """Files of HL7 v2 messages (``*.hl7``, ``*.txt``), one file or a folder."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._reader = DigestingReader()
        self.skipped: dict[str, int] = {}
        self.info = SourceInfo("hl7", str(path), SourceSystem.HIS)

    @property
    def digest(self) -> str:
        return self._reader.digest

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        buffers = TableBuffers(COLUMNS)
        for f in source_files(self._path, (".hl7", ".txt")):
            try:
                text = self._reader.read_bytes(f).decode("utf-8")
            except UnicodeDecodeError:
                raise malformed(f.name, "not UTF-8 text") from None
            for where, raw in split_messages(text, f.name):
                m = parse_message(raw, where)
                if m.kind not in SUPPORTED:
                    key = "^".join(m.kind)
                    self.skipped[key] = self.skipped.get(key, 0) + 1
                    continue
                for table, row in rows_of(m):
                    yield from buffers.add(table, row)
        yield from buffers.flush()
