"""The keys both sides of a PSI run hash: patient identifiers normalized the same way on both sides.

- Resident ID number (居民身份证号, GB 11643): 18 characters, spaces removed, full-width characters
  folded (NFKC), ``x`` upper-cased, birth date plausible and check digit verified. Key ``id:<number>``.
- Documented fallback for members without an ID number: ``name,YYYY-MM-DD`` (name with spaces removed,
  birth date also accepted as ``YYYYMMDD`` or ``YYYY/MM/DD``). Key ``nb:<name>|<date>``. It matches
  only patients whose name and birth date the hospital holds exactly so; homonyms born the same day
  collide, which is why the ID number is the key of choice.

Error messages name the line, never its content.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from node.anonymization.checksums import valid_id_card
from node.errors import InvalidInput

_DATE = re.compile(r"^(\d{4})[-/]?(\d{1,2})[-/]?(\d{1,2})$")
_NAME = re.compile(r"^[^\d\s,，|]{2,30}$")


def resident_id(raw: str) -> str | None:
    """The normalized resident ID number, or None if it is not a valid one."""
    v = unicodedata.normalize("NFKC", raw).replace(" ", "").strip().upper()
    return v if valid_id_card(v) else None


def birth_date(raw: object) -> str | None:
    """``YYYY-MM-DD`` of a date written as a string, date or timestamp; None if it is none."""
    if isinstance(raw, date):
        return raw.strftime("%Y-%m-%d")
    m = _DATE.match(unicodedata.normalize("NFKC", str(raw)).strip()[:10])
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def name_key(name: str, born: object) -> str | None:
    n = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    d = birth_date(born)
    return f"nb:{n}|{d}" if d and _NAME.match(n) else None


def member_key(line: str) -> str | None:
    """One member line -> its key; None if it is neither a valid ID number nor ``name,birth date``."""
    s = unicodedata.normalize("NFKC", line).strip()
    if "," in s:
        name, _, born = s.partition(",")
        return name_key(name, born)
    rid = resident_id(s)
    return f"id:{rid}" if rid else None


def parse_members(lines: Iterable[str]) -> list[str]:
    """Every non-empty line as a key; the first invalid line is named (by number) and nothing is kept."""
    keys = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        key = member_key(line)
        if key is None:
            raise InvalidInput(
                f"line {number}: not a valid resident ID number (GB 11643 check digit) nor 'name,YYYY-MM-DD'",
                code="psi_member_invalid",
            )
        keys.append(key)
    if not keys:
        raise InvalidInput("the member list is empty", code="psi_member_invalid")
    return keys


def display(key: str) -> str:
    """A key as the member file writes it (normalized)."""
    kind, _, value = key.partition(":")
    return value.replace("|", ",") if kind == "nb" else value


def patient_keys(resident: object, name: object, born: object) -> list[str]:
    """A patient's keys in the hospital's set: the ID number's and the name-and-birth-date fallback's."""
    keys = []
    if isinstance(resident, str | int) and (rid := resident_id(str(resident))):
        keys.append(f"id:{rid}")
    if isinstance(name, str) and born is not None and (nb := name_key(name, born)):
        keys.append(nb)
    return keys
