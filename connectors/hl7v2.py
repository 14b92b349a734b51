"""HL7 v2.x files, parsed with python-hl7 (the ``hl7`` package), as Chinese HIS and LIS systems send them.

Each message is decoded by the character set its MSH-18 declares (UTF-8, GB 18030/GBK, ISO 8859-1,
ASCII; UTF-8 when absent) and split by its own separators (MSH-1, MSH-2). Tables:
- ADT A01-A08, A11, A13: ``patients`` (PID) and ``encounters`` (PV1) with the event; A40 also
  ``patient_merges`` (MRG);
- ORM^O01 and OML^O21: ``orders`` (ORC/OBR), NTE notes in ``comments``, de-identified as below;
- ORU^R01: ``observations``, every OBX value type (NM, SN such as ``<20``, ST, TX, FT, CE/CWE, DT/TS)
  with a number where there is one and the original text; free text (TX, FT, ST longer than a short
  code) in ``text`` and NTE comments in ``comments``, both de-identified by the registry before they are
  stored (``FREE_TEXT``); short values in ``value_text`` by its cheap recognizers (``SHORT_TEXT_COLUMNS``);
- DFT^P03: ``charges``, one row per FT1 (itemized charges for insurer settlement).
Every table carries ``patient_id``, the patient's key as the rest of the node reads it (HE cohorts,
federated features, extracts, consent): the medical record number of PID-3, as FHIR tables carry the
Patient's id; ``mrn`` stays beside it. Other message types are counted in ``unmapped``. A bad message
is rejected (the whole import fails) or quarantined, as ``on_error`` says; errors name the file, line
and message control id, never a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import hl7
import pandas as pd
from hl7 import parser as hl7_parser

from connectors.base import DigestingReader, RecordErrors, Rejected, TableBuffers, malformed, source_files
from node.asset_registry import codes
from node.asset_registry.model import SourceSystem
from node.asset_registry.ports import SourceInfo
from node.errors import InvalidInput

ADT_EVENTS = {f"A{n:02d}" for n in range(1, 9)} | {"A11", "A13", "A40"}
ORDER_KINDS = {("ORM", "O01"), ("OML", "O21")}
# MSH-18 values (HL7 table 0211, and what Chinese systems write) -> Python codecs
CHARSETS = {
    "": "utf-8",
    "UNICODE UTF-8": "utf-8",
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
    "ASCII": "ascii",
    "8859/1": "latin-1",
    "ISO-8859-1": "latin-1",
    "ISO IR100": "latin-1",
    "GB 18030-2000": "gb18030",
    "GB18030": "gb18030",
    "GB 18030": "gb18030",
    "GBK": "gb18030",  # GBK is a subset of GB 18030
    "GB2312": "gb18030",
    "CHINESE": "gb18030",
}
_COMPARATOR = re.compile(r"^\s*(<=|>=|<>|<|>|=)\s*([-+]?\d+(?:\.\d+)?)\s*$")
_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{2}$")
_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$")
SHORT_TEXT = 20  # an ST value up to this many characters is a short result ("阴性", "淡黄色"), not a note
# free text that goes through de-identification before it is stored (as FHIR report and document text)
FREE_TEXT = {"observations": ("text", "comments"), "orders": ("comments",)}
# short values de-identified by the cheap recognizers (a phone, ID number or name typed into an ST result)
SHORT_TEXT_COLUMNS = {"observations": ("value_text",)}

COLUMNS = {
    "patients": [
        *(
            "patient_id",
            "mrn",
            "id_card",
            "name",
            "birth_date",
            "sex",
            "address",
            "city",
            "district_code",
            "phone",
        ),
        *("event", "message_time"),
    ],
    "encounters": [
        *("visit_number", "patient_id", "mrn", "class", "department", "event", "admitted", "discharged"),
        "message_time",
    ],
    "patient_merges": ["patient_id", "mrn", "prior_mrn", "message_time"],
    "orders": [
        *(
            "patient_id",
            "mrn",
            "visit_number",
            "order_control",
            "placer_order",
            "filler_order",
            "code",
            "code_system",
        ),
        *("display", "status", "ordered_at", "message_time", "comments"),
    ],
    "observations": [
        *(
            "patient_id",
            "mrn",
            "visit_number",
            "order_id",
            "code",
            "code_system",
            "loinc",
            "display",
            "value_type",
        ),
        *("value", "comparator", "value_text", "value_code", "value_system", "unit", "reference_range"),
        *("abnormal_flag", "status", "time", "text", "comments"),
    ],
    "charges": [
        *(
            "patient_id",
            "mrn",
            "visit_number",
            "transaction_id",
            "transaction_type",
            "transaction_date",
            "posting_date",
        ),
        *("code", "code_system", "display", "quantity", "amount", "unit_price", "currency", "department"),
        *("insurance_plan", "diagnosis_code", "message_time"),
    ],
}


def charset_of(data: bytes, where: str) -> str:
    """The Python codec for the MSH-18 of a message's raw bytes (MSH itself is ASCII)."""
    end = len(data)
    for sep in (b"\r", b"\n"):
        i = data.find(sep)
        if i >= 0:
            end = min(end, i)
    header = data[:end]
    if len(header) < 4 or not header.startswith(b"MSH"):
        raise malformed(where, "message does not start with an MSH segment")
    fields = header.split(header[3:4])
    repetition = fields[1][1:2].decode("ascii", "replace") if len(fields) > 1 else "~"
    declared = fields[17].decode("ascii", "replace") if len(fields) > 17 else ""
    name = declared.split(repetition or "~")[0].strip().upper()  # the first repetition is the default
    if name in CHARSETS:
        return CHARSETS[name]
    raise malformed(where, f"unsupported character set in MSH-18: {name[:20]}")


def decode(data: bytes, where: str) -> str:
    codec = charset_of(data, where)
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        label = "UTF-8" if codec == "utf-8" else codec
        raise malformed(where, f"not {label} text (MSH-18 names the character set)") from None


def split_messages(data: bytes, origin: str) -> Iterator[tuple[str, bytes]]:
    """(where, message bytes with \\r segment separators) for each MSH-started message of a file."""
    current: list[bytes] = []
    start = 0
    for n, line in enumerate(re.split(rb"\r\n|\r|\n", data), 1):
        if not line.strip():
            continue
        if line.startswith(b"MSH"):
            if current:
                yield f"{origin}:{start}", b"\r".join(current)
            current, start = [line], n
        elif not current:
            raise malformed(f"{origin}:{n}", "segment outside a message (no MSH before it)")
        else:
            current.append(line)
    if current:
        yield f"{origin}:{start}", b"\r".join(current)


MAX_SPLIT_FIELDS = 8192  # distinct split fields remembered (bounded memory)
_SPLIT_FIELDS: dict[tuple[str, str, str], Any] = {}
_CODED: dict[tuple[str, str, str], tuple[str | None, str | None, str | None]] = {}  # see Hl7Message.coded
_PLANS: dict[str, tuple[Any, hl7.Message]] = {}  # MSH-1 and MSH-2 -> field-level plan, unescaper
_item = list.__getitem__  # python-hl7's containers are lists; their __getitem__ adds only slicing rules


def _plan_for(text: str) -> tuple[Any, hl7.Message]:
    """python-hl7's parse plan at field level for a message's separators (MSH-1, MSH-2), and an empty
    python-hl7 message with the same separators that unescapes values. Feeds keep one set of separators:
    both are made once per set."""
    key = text[3 : text.find(text[3], 4)] if text.find(text[3], 4) > 0 else text[3:8]
    found = _PLANS.get(key)
    if found is None:
        plan = hl7_parser.create_parse_plan(text)
        unescaper = hl7.Message(plan.separator, [], esc=plan.esc, separators=plan.separators)
        found = _PLANS[key] = (plan.next().next(), unescaper)
    return found


_SEGMENT_HEADS: set[str] = set()  # well-formed segment starts seen, with the message's field separator


def _segment_head(head: str) -> bool:
    """``head`` (a segment's first 4 characters, then the message's field separator) starts a
    well-formed segment: a 3-character id, then the field separator or nothing."""
    sep = head[-1]
    if not _SEGMENT_ID.match(head[:3]) or (len(head) > 4 and head[3] != sep):
        return False
    if len(_SEGMENT_HEADS) < MAX_SPLIT_FIELDS:
        _SEGMENT_HEADS.add(head)
    return True


class Hl7Message:
    """A parsed message: ``where`` ("file:line"), MSH-10 ``control_id``, ``kind`` (MSH-9 code, event).

    python-hl7 builds every repetition, component and subcomponent of every field of every message, about
    ten times the work of the fields a table reads. Here a segment is the list of its fields' texts, split
    by the field separator exactly as python-hl7's parser splits it (MSH-1 and MSH-2 kept whole as python-hl7
    keeps them); a field with a repetition, component or subcomponent separator is split by python-hl7's own
    parse plan when it is first read, and values are unescaped by python-hl7. Every field equals python-hl7's
    full parse (tests/unit/test_hl7_lazy_parse.py)."""

    def __init__(self, where: str, text: str) -> None:
        self.where = where
        self.control_id = "?"
        self.kind = ("", "")
        self._plan, self._unescaper = _plan_for(text)
        seps = self._plan.separators  # "\r", field, repetition, component, subcomponent
        self._rep, self._comp, self._sub, self._esc = seps[2], seps[3], seps[4], self._plan.esc
        sep = seps[1]
        self.parsed: list[list[Any]] = []  # the segments, each its fields by the standard's numbering
        self._by_name: dict[str, list[list[Any]]] = {}
        for i, line in enumerate(text.split("\r")):
            head = line[:4] + sep
            if head not in _SEGMENT_HEADS and not _segment_head(head):
                raise malformed(
                    f"{where} segment {i + 1}",
                    "broken segment (expected a 3-character segment id and a separator)",
                )
            if i == 0:  # MSH-1 is the separator, MSH-2 the encoding characters, neither split
                end = line.find(sep, 4)
                encoding = line[4:end] if end > 0 else line[4:]
                seg: list[Any] = ["MSH", sep, hl7.Field(seps[2], [encoding], self._esc, seps)]
                if end > 0:
                    seg += line[end + 1 :].split(sep)
            else:
                seg = line.split(sep)
            self.parsed.append(seg)
            found = self._by_name.get(seg[0])
            if found is None:
                self._by_name[seg[0]] = [seg]
            else:
                found.append(seg)

    def segments(self, name: str) -> list[list[Any]]:
        return self._by_name.get(name, [])

    def first(self, name: str) -> list[Any] | None:
        found = self._by_name.get(name)
        return found[0] if found else None

    def field(self, seg: list[Any], field: int) -> Any:
        """Field ``field`` of ``seg`` by the standard's numbering (MSH-1 is the separator): text when it
        has no repetitions or components, else split by python-hl7 into its containers. Feeds repeat the
        same coded fields (OBX-3, PID-3, MSH-9) message after message: a field's containers are shared
        by the messages with the same text and separators (read-only)."""
        node = seg[field]
        if node.__class__ is str and (self._rep in node or self._comp in node or self._sub in node):
            key = (node, self._plan.separators, self._esc)
            split = _SPLIT_FIELDS.get(key)
            if split is None:
                if len(_SPLIT_FIELDS) >= MAX_SPLIT_FIELDS:
                    _SPLIT_FIELDS.clear()
                split = _SPLIT_FIELDS[key] = hl7_parser._split(node, self._plan)
            node = seg[field] = split
        return node

    def get(self, seg: list[Any] | None, field: int, rep: int = 1, comp: int = 1, sub: int = 1) -> str | None:
        """One value by the standard's numbering, unescaped; None if absent. Where the message has fewer
        levels than asked (a plain field asked for its first component), the value at hand is the
        answer, as python-hl7's ``extract_field`` rules say. (A table reads about a hundred values a
        message: a plain field is answered without a further call.)"""
        if seg is None or field >= len(seg):
            return None
        node = seg[field]
        if node.__class__ is str and not (self._rep in node or self._comp in node or self._sub in node):
            if rep != 1 or comp != 1 or sub != 1:
                return None
        else:
            node = self.field(seg, field)
            for index in (rep, comp, sub):
                if isinstance(node, str):
                    if index != 1:
                        return None
                    continue
                try:
                    node = _item(node, index - 1)
                except IndexError:
                    return None
            node = node if isinstance(node, str) else str(node)
            if field == 2 and seg[0] == "MSH":  # the encoding characters, never unescaped
                return node
        if self._esc in node:
            node = self._unescaper.unescape(node)
        return node or None

    def coded(self, seg: list[Any] | None, field: int) -> tuple[str | None, str | None, str | None]:
        """A coded field (CE/CWE): (code, display, our name of its system). Feeds repeat the same
        codes: the answer is remembered by the field's text."""
        if seg is None or field >= len(seg):
            return None, None, None
        node = seg[field]
        key = (node, self._plan.separators, self._esc) if node.__class__ is str else None
        found = _CODED.get(key) if key else None
        if found is None:
            found = (
                self.get(seg, field, comp=1),
                self.get(seg, field, comp=2),
                codes.hl7_system(self.get(seg, field, comp=3)),
            )
            if key:
                if len(_CODED) >= MAX_SPLIT_FIELDS:
                    _CODED.clear()
                _CODED[key] = found
        return found

    def repetitions(self, seg: list[Any] | None, field: int) -> list[str]:
        """Each repetition of a field as text (components joined by the message's separator), unescaped."""
        if seg is None or field >= len(seg):
            return []
        value = self.field(seg, field)
        if not isinstance(value, hl7.Field):
            texts = [str(value)] if value else []
        else:
            reps = list(value) if value and isinstance(value[0], hl7.Repetition) else [value]
            texts = [str(r) for r in reps]
        return [self._unescaper.unescape(t) if self._esc in t else t for t in texts]


def parse_message(text: str, where: str) -> Hl7Message:
    """A checked message: MSH first, well-formed segment ids, a message type, PID where one is needed."""
    text = text.replace("\r\n", "\r").replace("\n", "\r").strip("\r")
    if not text.startswith("MSH") or len(text) < 8:
        raise malformed(where, "message does not start with an MSH segment")
    try:
        m = Hl7Message(where, text)
    except (hl7.ParseException, IndexError, ValueError):
        raise malformed(where, "not an HL7 v2 message") from None
    msh = m.first("MSH")
    control = m.control_id = m.get(msh, 10) or "?"
    code, event = m.get(msh, 9, comp=1), m.get(msh, 9, comp=2)
    if not code or not event:
        raise malformed(f"{where} ({control})", "MSH-9 message type is missing")
    m.kind = (code, event)
    if supported(m.kind) and m.first("PID") is None:
        raise malformed(f"{where} ({control})", f"{code}^{event} without a PID segment")
    return m


def supported(kind: tuple[str, str]) -> bool:
    return (
        (kind[0] == "ADT" and kind[1] in ADT_EVENTS)
        or kind in ORDER_KINDS
        or kind == ("ORU", "R01")
        or kind == ("DFT", "P03")
    )


@lru_cache(maxsize=4096)  # message, result and charge times repeat within a feed
def hl7_time(value: str | None) -> str | None:
    if not value or len(value) < 8 or not value[:8].isdigit():
        return None
    if len(value) == 8:
        return f"{value[0:4]}-{value[4:6]}-{value[6:8]}"
    v = value[:14].ljust(14, "0")
    return f"{v[0:4]}-{v[4:6]}-{v[6:8]}T{v[8:10]}:{v[10:12]}:{v[12:14]}"


def _number(text: str | None) -> float | None:
    return float(text) if text is not None and _NUMBER.match(text) else None


def obx_value(m: Hl7Message, obx: Any, where: str) -> dict[str, Any]:
    """OBX-5 by its type (OBX-2): a number where there is one, and the original text. ``where`` names
    the message; an error names the OBX too."""
    vtype = (m.get(obx, 2) or "ST").upper()
    out: dict[str, Any] = {
        "value_type": vtype,
        "value": None,
        "comparator": None,
        "value_text": None,
        "value_code": None,
        "value_system": None,
        "text": None,
    }
    if vtype == "NM":
        raw = m.get(obx, 5)
        out["value_text"] = raw
        if raw is not None:
            censored = _COMPARATOR.match(raw)
            if censored:  # LIS systems write censored results such as <20 into NM
                out.update(comparator=censored.group(1), value=float(censored.group(2)))
            elif (n := _number(raw)) is not None:
                out["value"] = n
            else:
                raise malformed(_obx_at(m, obx, where), "numeric result (NM) is not a number")
    elif vtype == "SN":  # comparator ^ num1 ^ separator/suffix ^ num2
        comp, n1, sep, n2 = (m.get(obx, 5, comp=i) for i in (1, 2, 3, 4))
        if (n1 is not None and _number(n1) is None) or (n2 is not None and _number(n2) is None):
            raise malformed(_obx_at(m, obx, where), "structured numeric (SN) is not a number")
        out["value_text"] = "".join(p for p in (comp, n1, sep, n2) if p)
        out["comparator"] = comp
        if sep in (None, "") and n1 is not None:
            out["value"] = float(n1)
    elif vtype in ("CE", "CWE", "CNE", "CF"):
        code, display, system = m.coded(obx, 5)
        out.update(value_code=code, value_text=display or m.get(obx, 5), value_system=system)
    elif vtype in ("DT", "TS", "DTM"):
        raw = m.get(obx, 5)
        out["value_text"] = hl7_time(raw) or raw
    else:  # ST, TX, FT and anything textual: every repetition, whole
        joined = free_text(m, obx, 5)
        short = vtype == "ST" and joined is not None and len(joined) <= SHORT_TEXT and "\n" not in joined
        out["value_text" if short else "text"] = joined
    return out


def _obx_at(m: Hl7Message, obx: Any, where: str) -> str:
    return f"{where} OBX {m.get(obx, 1) or '?'}"


def free_text(m: Hl7Message, seg: Any, field: int) -> str | None:
    """Every repetition of a text field, one per line (FT line breaks ``\\.br\\`` unescape to CR)."""
    joined = "\n".join(t for t in m.repetitions(seg, field) if t)
    return joined.replace("\r", "\n") or None


def _name(m: Hl7Message, pid: Any) -> str | None:
    family, given = m.get(pid, 5, comp=1), m.get(pid, 5, comp=2)
    if family and given and re.search(r"[\u3400-\u9fff]", family + given):
        return family + given
    return " ".join(p for p in (given, family) if p) or None


def _identifiers(m: Hl7Message, pid: Any) -> tuple[str | None, str | None]:
    """(medical record number, resident ID) from PID-3 repetitions by their type (CX-5)."""
    mrn = id_card = None
    for r in range(1, len(m.repetitions(pid, 3)) + 1):
        value, kind = m.get(pid, 3, r, 1), (m.get(pid, 3, r, 5) or "").upper()
        if kind in ("NNCHN", "NI", "SFZ") and id_card is None:
            id_card = value
        elif kind in ("MR", "PI", "") and mrn is None:
            mrn = value
    return mrn, id_card


def rows_of(m: Hl7Message) -> Iterator[tuple[str, dict[str, Any]]]:
    """The rows of a supported message, each keyed by the patient (``patient_id``: the PID-3 MRN)."""
    mrn, id_card = _identifiers(m, m.first("PID"))
    for table, row in _rows(m, mrn, id_card):
        row["patient_id"] = mrn
        yield table, row


def _rows(m: Hl7Message, mrn: str | None, id_card: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
    msh, pid, pv1 = m.first("MSH"), m.first("PID"), m.first("PV1")
    when = hl7_time(m.get(msh, 7))
    visit = m.get(pv1, 19)
    code, event = m.kind
    where = f"{m.where} ({m.control_id})"
    if code == "ADT":
        yield (
            "patients",
            {
                "mrn": mrn,
                "id_card": id_card,
                "name": _name(m, pid),
                "birth_date": hl7_time(m.get(pid, 7)),
                "sex": m.get(pid, 8),
                "address": m.get(pid, 11, comp=1),
                "city": m.get(pid, 11, comp=3),
                "district_code": m.get(pid, 11, comp=5),
                "phone": m.get(pid, 13),
                "event": event,
                "message_time": when,
            },
        )
        if pv1 is not None:
            yield (
                "encounters",
                {
                    "visit_number": visit,
                    "mrn": mrn,
                    "class": m.get(pv1, 2),
                    "department": m.get(pv1, 3),
                    "event": event,
                    "admitted": hl7_time(m.get(pv1, 44)),
                    "discharged": hl7_time(m.get(pv1, 45)),
                    "message_time": when,
                },
            )
        for mrg in m.segments("MRG"):
            yield "patient_merges", {"mrn": mrn, "prior_mrn": m.get(mrg, 1), "message_time": when}
    elif m.kind in ORDER_KINDS:
        yield from _orders(m, mrn, visit, when)
    elif m.kind == ("ORU", "R01"):
        yield from _observations(m, mrn, visit, when, where)
    elif m.kind == ("DFT", "P03"):
        for ft1 in m.segments("FT1"):
            numbers: list[float | None] = []
            for i, label in ((10, "FT1-10 quantity"), (11, "FT1-11 amount"), (12, "FT1-12 price")):
                raw = m.get(ft1, i)
                number = _number(raw)
                if raw is not None and number is None:
                    raise malformed(f"{where} FT1 {m.get(ft1, 1) or '?'}", f"{label} is not a number")
                numbers.append(number)
            charge, display, system = m.coded(ft1, 7)
            yield (
                "charges",
                {
                    "mrn": mrn,
                    "visit_number": visit,
                    "transaction_id": m.get(ft1, 2),
                    "transaction_type": m.get(ft1, 6),
                    "transaction_date": hl7_time(m.get(ft1, 4)),
                    "posting_date": hl7_time(m.get(ft1, 5)),
                    "code": charge,
                    "code_system": system,
                    "display": display,
                    "quantity": numbers[0],
                    "amount": numbers[1],
                    "unit_price": numbers[2],
                    "currency": m.get(ft1, 11, sub=2) or m.get(ft1, 12, sub=2) or "CNY",
                    "department": m.get(ft1, 13),
                    "insurance_plan": m.get(ft1, 14),
                    "diagnosis_code": m.get(ft1, 19),
                    "message_time": when,
                },
            )


def _orders(
    m: Hl7Message, mrn: str | None, visit: str | None, when: str | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """One row per order (ORC, with the OBR after it). An NTE after an ORC or OBR comments on that
    order; one before the first ORC (on the message or the patient) goes with every order."""
    shared: list[str] = []
    orders: list[dict[str, Any]] = []  # {"orc", "obr", "notes"}
    for seg in m.parsed:
        name = seg[0]
        if name == "ORC" or (name == "OBR" and (not orders or orders[-1]["obr"] is not None)):
            orders.append({"orc": seg if name == "ORC" else None, "obr": None, "notes": []})
        if name == "OBR":
            orders[-1]["obr"] = seg
        elif name == "NTE" and (note := free_text(m, seg, 3)):
            (orders[-1]["notes"] if orders else shared).append(note)
    for o in orders or [{"orc": None, "obr": None, "notes": []}]:
        orc, obr = o["orc"], o["obr"]
        code, display, system = m.coded(obr, 4)
        yield (
            "orders",
            {
                "mrn": mrn,
                "visit_number": visit,
                "order_control": m.get(orc, 1),
                "placer_order": m.get(orc, 2) or m.get(obr, 2),
                "filler_order": m.get(orc, 3) or m.get(obr, 3),
                "code": code,
                "code_system": system,
                "display": display,
                "status": m.get(orc, 5),
                "ordered_at": hl7_time(m.get(orc, 9) or m.get(obr, 6)),
                "message_time": when,
                "comments": "\n".join([*shared, *o["notes"]]) or None,
            },
        )


def _observations(
    m: Hl7Message, mrn: str | None, visit: str | None, when: str | None, where: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """One row per OBX. An NTE after an OBX comments on that result; an NTE after an OBR (before its
    first OBX) on the whole order, and goes with each of its results."""
    order: str | None = None
    order_notes: list[str] = []
    rows: list[dict[str, Any]] = []
    own: list[dict[str, Any]] = []  # the current order's rows
    for seg in m.parsed:
        name = seg[0]
        if name == "OBR":
            order, order_notes, own = m.get(seg, 3) or m.get(seg, 2), [], []
        elif name == "NTE" and (note := free_text(m, seg, 3)):
            if own:
                own[-1]["comments"] = "\n".join(x for x in (own[-1]["comments"], note) if x)
            else:
                order_notes.append(note)
        elif name == "OBX":
            obs_code, display, system = m.coded(seg, 3)
            row = obx_value(m, seg, where)
            row.update(
                mrn=mrn,
                visit_number=visit,
                order_id=order,
                code=obs_code,
                code_system=system,
                loinc=obs_code if system == codes.LOINC else None,
                display=display,
                unit=m.get(seg, 6, comp=1),
                reference_range=m.get(seg, 7),
                abnormal_flag=m.get(seg, 8),
                status=m.get(seg, 11),
                time=hl7_time(m.get(seg, 14)) or when,
                comments="\n".join(order_notes) or None,
            )
            own.append(row)
            rows.append(row)
    for row in rows:
        yield "observations", row


def read_message(raw: bytes, where: str) -> Hl7Message:
    return parse_message(decode(raw, where), where)


class Hl7FileSource:
    """Files of HL7 v2 messages (``*.hl7``, ``*.txt``), one file or a folder."""

    def __init__(self, path: Path, on_error: str = "reject") -> None:
        self._path = path
        self._reader = DigestingReader()
        self._errors = RecordErrors(on_error)
        self.unmapped: dict[str, int] = {}
        self.records = 0
        self.free_text = FREE_TEXT  # de-identified by the registry before it is stored
        self.short_text = SHORT_TEXT_COLUMNS
        self.info = SourceInfo("hl7", str(path), SourceSystem.HIS)

    @property
    def digest(self) -> str:
        return self._reader.digest

    @property
    def rejected(self) -> list[Rejected]:
        return self._errors.rejected

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        buffers = TableBuffers(COLUMNS)
        for f in source_files(self._path, (".hl7", ".txt")):
            data = self._reader.read_bytes(f)
            try:
                messages = list(split_messages(data, f.name))
            except InvalidInput as exc:
                self._errors.caught(exc, data)
                continue
            for where, raw in messages:
                try:
                    m = read_message(raw, where)
                    if not supported(m.kind):
                        key = "^".join(m.kind)
                        self.unmapped[key] = self.unmapped.get(key, 0) + 1
                        continue
                    rows = list(rows_of(m))  # all of a message's rows or none of them
                except InvalidInput as exc:
                    self._errors.caught(exc, raw)
                    continue
                self.records += 1
                for table, row in rows:
                    yield from buffers.add(table, row)
        yield from buffers.flush()
