"""Text anonymization operators and the default policy, applied through Presidio's AnonymizerEngine."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date, timedelta

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from node.anonymization.analyzer import Entity
from node.crypto.sm import hmac_sm3


def mask(value: str, keep_start: int = 0, keep_end: int = 0, char: str = "*") -> str:
    n = len(value)
    if keep_start + keep_end >= n:
        return char * n
    return value[:keep_start] + char * (n - keep_start - keep_end) + value[n - keep_end :]


def tag(entity_type: str) -> str:
    return f"<{entity_type}>"


class Pseudonymizer:
    """Keyed pseudonyms: HMAC-SM3 over type and normalized value. The same key gives the same pseudonym
    in every run and, shared between hospitals, across hospitals; without the key it cannot be reversed."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("pseudonymization key must be at least 16 bytes")
        self._key = key

    def __call__(self, entity_type: str, value: str) -> str:
        normalized = re.sub(r"[\s-]", "", value).upper()
        digest = hmac_sm3(self._key, f"{entity_type}:{normalized}".encode())
        return f"{entity_type}_{base64.b32encode(digest[:10]).decode().rstrip('=')[:12]}"

    def date_offset_days(self, patient_key: str, max_days: int = 180) -> int:
        """A per-patient shift in [-max_days, max_days] \\ {0}: intervals within one patient are kept."""
        raw = int.from_bytes(hmac_sm3(self._key, f"date-shift:{patient_key}".encode())[:4], "big")
        offset = raw % (2 * max_days) - max_days
        return offset if offset != 0 else max_days


_CN = re.compile(r"((?:19|20)\d{2})[ ]?年[ ]?(\d{1,2})[ ]?月(?:[ ]?(\d{1,2})[ ]?[日号])?(.*)$", re.S)
_ISO = re.compile(r"((?:19|20)\d{2})([-/.])(\d{1,2})\2(\d{1,2})(.*)$", re.S)
_COMPACT = re.compile(r"((?:19|20)\d{2})(\d{2})(\d{2})$")


def shift_date(value: str, days: int) -> str | None:
    """The same date moved by ``days``, written in the same style; None if it is not a full date."""
    for pattern, style in ((_CN, "cn"), (_ISO, "iso"), (_COMPACT, "compact")):
        m = pattern.match(value.strip())
        if not m:
            continue
        try:
            if style == "cn":
                if m.group(3) is None:
                    return None
                d = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) + timedelta(days=days)
                return f"{d.year}年{d.month}月{d.day}日{m.group(4)}"
            if style == "iso":
                d = date(int(m.group(1)), int(m.group(3)), int(m.group(4))) + timedelta(days=days)
                sep = m.group(2)
                return f"{d.year}{sep}{d.month:02d}{sep}{d.day:02d}{m.group(5)}"
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) + timedelta(days=days)
            return f"{d:%Y%m%d}"
        except ValueError:
            return None
    return None


def year_of(value: str) -> str:
    m = re.search(r"(?:19|20)\d{2}", value)
    return f"{m.group()}年" if m else tag("DATE_TIME")


def city_of(value: str) -> str:
    """Generalize an address to its city (or province when no city is named)."""
    m = re.match(r"^(.*?(?:市|自治州|州|地区|盟))", value)
    if m:
        return m.group(1)
    m = re.match(r"^(.*?(?:省|自治区))", value)
    return m.group(1) if m else tag("LOCATION")


ORGANIZATION_POLICIES = ("keep", "tag")


class TextAnonymizer:
    """Applies one operator per entity type. ``date_shift_days`` shifts dates (one patient's document);
    otherwise dates are generalized to their year. Organizations (hospitals, insurers) are kept whole by
    default, or tagged (``organizations="tag"``); they are never cut."""

    def __init__(self, pseudonymizer: Pseudonymizer, organizations: str = "keep") -> None:
        if organizations not in ORGANIZATION_POLICIES:
            raise ValueError("organizations must be 'keep' or 'tag'")
        self._pseudo = pseudonymizer
        self._organizations = organizations
        self._engine = AnonymizerEngine()  # type: ignore[no-untyped-call]

    def operators(self, date_shift_days: int | None = None) -> dict[str, Callable[[str], str]]:
        p = self._pseudo

        def dates(v: str) -> str:
            if date_shift_days is not None:
                shifted = shift_date(v, date_shift_days)
                if shifted is not None:
                    return shifted
            return year_of(v)

        return {
            "PERSON": lambda v: p("PERSON", v),
            "MEDICAL_RECORD_NUMBER": lambda v: p("MEDICAL_RECORD_NUMBER", v),
            "CN_INSURANCE_POLICY": lambda v: p("CN_INSURANCE_POLICY", v),
            "CN_MEDICAL_INSURANCE_CARD": lambda v: p("CN_MEDICAL_INSURANCE_CARD", v),
            "ORGANIZATION": (lambda v: v)
            if self._organizations == "keep"
            else (lambda v: tag("ORGANIZATION")),
            "CN_ID_CARD": lambda v: mask(v, 6, 0) if len(v) >= 15 else mask(v),
            "CN_PHONE": lambda v: mask(v, 3, 4),
            "BANK_CARD": lambda v: mask(v, 0, 4),
            "CN_PASSPORT": lambda v: mask(v, 1, 0),
            "LICENSE_PLATE": lambda v: mask(v, 2, 0),
            "EMAIL_ADDRESS": lambda v: tag("EMAIL_ADDRESS"),
            "IP_ADDRESS": lambda v: tag("IP_ADDRESS"),
            "PHONE_NUMBER": lambda v: mask(v, 0, 2),
            "US_SSN": lambda v: p("US_SSN", v),
            "US_PASSPORT": lambda v: p("US_PASSPORT", v),
            "US_DRIVER_LICENSE": lambda v: p("US_DRIVER_LICENSE", v),
            "LOCATION": city_of,
            "DATE_TIME": dates,
        }

    def anonymize(self, text: str, entities: list[Entity], date_shift_days: int | None = None) -> str:
        ops = self.operators(date_shift_days)
        results = [RecognizerResult(e.type, e.start, e.end, e.score) for e in entities]
        configs = {t: OperatorConfig("custom", {"lambda": fn}) for t, fn in ops.items()}
        configs["DEFAULT"] = OperatorConfig("replace", {"new_value": "<PII>"})
        return str(self._engine.anonymize(text=text, analyzer_results=results, operators=configs).text)
