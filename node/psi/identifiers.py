"""The keys the hospital's side of a PSI run hashes: patient identifiers normalized as the partner's side
(``hnode_partner.psi``, the light client) normalizes its members; a test keeps both equal.

- Resident ID number (居民身份证号, GB 11643): 18 characters, spaces removed, full-width characters
  folded (NFKC), ``x`` upper-cased, birth date plausible and check digit verified. Key ``id:<number>``.
- Documented fallback for members without an ID number: ``name,YYYY-MM-DD`` (name with spaces removed,
  birth date also accepted as ``YYYYMMDD`` or ``YYYY/MM/DD``). Key ``nb:<name>|<date>``. It matches
  only patients whose name and birth date the hospital holds exactly so; homonyms born the same day
  collide, which is why the ID number is the key of choice.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from node.anonymization.checksums import valid_id_card

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


def patient_keys(resident: object, name: object, born: object) -> list[str]:
    """A patient's keys in the hospital's set: the ID number's and the name-and-birth-date fallback's."""
    keys = []
    if isinstance(resident, str | int) and (rid := resident_id(str(resident))):
        keys.append(f"id:{rid}")
    if isinstance(name, str) and born is not None and (nb := name_key(name, born)):
        keys.append(nb)
    return keys
