"""Hand-written evaluation sets in a marked-up text form, converted to the JSON-lines sets of ``data/``.

A marked-up file holds documents separated by a line ``===``; the lines of a document are joined by
newlines and the document ends with one. An entity is written ``{CODE|text}`` (codes in ``TYPES``);
lines starting with ``%%`` are comments. Identifiers that carry a check digit (18-digit resident ID
numbers, bank card numbers) are checked on conversion, so a typing slip cannot turn a real-looking
identifier into a negative. Imports nothing from ``node``.

``python -m benchmarks.deid.markup held_out_v16`` rewrites ``data/held_out_v16.jsonl`` from
``data/held_out_v16.txt``.
"""

from __future__ import annotations

import re
import sys

from benchmarks.deid.corpus import DATA, Document, write

TYPES = {
    "P": "PERSON",
    "ID": "CN_ID_CARD",
    "TEL": "CN_PHONE",
    "PH": "PHONE_NUMBER",
    "LOC": "LOCATION",
    "ORG": "ORGANIZATION",
    "DT": "DATE_TIME",
    "POL": "CN_INSURANCE_POLICY",
    "MIC": "CN_MEDICAL_INSURANCE_CARD",
    "MRN": "MEDICAL_RECORD_NUMBER",
    "EM": "EMAIL_ADDRESS",
    "BANK": "BANK_CARD",
    "PLATE": "LICENSE_PLATE",
    "CNPP": "CN_PASSPORT",
    "SSN": "US_SSN",
    "USPP": "US_PASSPORT",
    "DL": "US_DRIVER_LICENSE",
    "IP": "IP_ADDRESS",
}
ENTITY = re.compile(r"\{([A-Z]+)\|([^{}|]+)\}")
# an entity opened but not closed as one (a typing slip): left alone it would become unlabelled text
BROKEN = re.compile(r"\{[A-Z]+\||\{(?:" + "|".join(TYPES) + r")[\s:：]|[A-Z]\|[^{}|\n]+\}")


def id_check_digit(first17: str) -> str:
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def check(entity_type: str, value: str) -> str | None:
    """A problem with an identifier's check digit, or None."""
    bare = re.sub(r"[\s-]", "", value)
    if entity_type == "CN_ID_CARD" and len(bare) == 18:
        want = id_check_digit(bare[:17])
        if bare[17].upper() != want:
            return f"ID {value}: check digit should be {want}"
    if entity_type == "BANK_CARD" and not luhn_ok(bare):
        return f"bank card {value}: fails Luhn"
    return None


def parse(block: str, kind: str) -> Document:
    d = Document(kind)
    pos = 0
    for m in ENTITY.finditer(block):
        _plain(block[pos : m.start()], block)
        d.add(block[pos : m.start()])
        if m.group(1) not in TYPES:
            raise ValueError(f"unknown entity code {m.group(1)} in {block[:40]!r}")
        d.ent(TYPES[m.group(1)], m.group(2))
        pos = m.end()
    rest = block[pos:]
    _plain(rest, block)
    d.add(rest + "\n")
    return d


def _plain(text: str, block: str) -> None:
    """Text between entities may hold literal braces (a JSON sample), never a broken entity."""
    if BROKEN.search(text):
        raise ValueError(f"broken entity markup in {block[:40]!r}")


def convert(name: str) -> list[Document]:
    source = (DATA / f"{name}.txt").read_text(encoding="utf-8")
    lines = [ln for ln in source.splitlines() if not ln.startswith("%%")]
    blocks = [b.strip("\n") for b in "\n".join(lines).split("\n===\n")]
    docs = [parse(b, name) for b in blocks if b.strip()]
    problems = [p for d in docs for t, s, e in d.entities if (p := check(t, d.text[s:e]))]
    if problems:
        raise ValueError("; ".join(problems))
    return docs


if __name__ == "__main__":
    for set_name in sys.argv[1:]:
        print(write(set_name, convert(set_name)))
