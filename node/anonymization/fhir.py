"""FHIR resources de-identified with the same rules as text and tables.

Ids and references become keyed pseudonyms (so resources of one patient stay linked), names and
identifiers are pseudonymized, telecoms removed, addresses generalized to the city, birth dates to
the year, other dates shifted by the patient's keyed offset, and free text (narrative, notes,
conclusions) goes through the text recognizers.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from node.anonymization.analyzer import TextAnalyzer
from node.anonymization.operators import Pseudonymizer, TextAnonymizer, city_of, shift_date

_DATE_KEYS = re.compile(r"(?:date|Date|DateTime|Instant|start|end|issued|authoredOn|recorded|lastUpdated)$")
_TEXT_KEYS = {"div", "conclusion", "text", "comment", "description"}


class FhirDeidentifier:
    def __init__(self, pseudonymizer: Pseudonymizer, analyzer: TextAnalyzer | None = None) -> None:
        self._p = pseudonymizer
        self._analyzer = analyzer or TextAnalyzer()
        self._text = TextAnonymizer(pseudonymizer)

    def deidentify(self, resource: dict[str, Any]) -> dict[str, Any]:
        res = copy.deepcopy(resource)
        kind = str(res.get("resourceType", ""))
        patient = res.get("id") if kind == "Patient" else _patient_of(res)
        offset = self._p.date_offset_days(str(patient or ""))
        if "id" in res:
            res["id"] = self._fhir_id(kind, str(res["id"]))
        if kind == "Patient":
            res["name"] = [
                {
                    "text": self._p(
                        "PERSON", n.get("text") or "".join([n.get("family", ""), *n.get("given", [])])
                    )
                }
                for n in res.get("name", [])
            ]
            res["identifier"] = [
                {
                    **({"system": i["system"]} if "system" in i else {}),
                    "value": self._p("IDENTIFIER", str(i.get("value", ""))),
                }
                for i in res.get("identifier", [])
            ]
            res.pop("telecom", None)
            res.pop("photo", None)
            res.pop("contact", None)
            res["address"] = [
                {"city": city_of(a.get("text") or a.get("city") or "")} for a in res.get("address", [])
            ]
            if "birthDate" in res:
                res["birthDate"] = str(res["birthDate"])[:4]
        return self._walk(res, offset)  # type: ignore[no-any-return]

    def _fhir_id(self, kind: str, rid: str) -> str:
        """A pseudonym that is a valid FHIR id ([A-Za-z0-9-.]{1,64})."""
        return self._p(kind.upper(), rid).replace("_", "-")

    def _walk(self, value: Any, offset: int, key: str = "") -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k == "reference" and isinstance(v, str) and "/" in v:
                    kind, _, rid = v.partition("/")
                    out[k] = f"{kind}/{self._fhir_id(kind, rid)}"
                elif k == "display" and "reference" in value:
                    continue  # display text of a reference may name the person
                else:
                    out[k] = self._walk(v, offset, k)
            return out
        if isinstance(value, list):
            return [self._walk(v, offset, key) for v in value]
        if isinstance(value, str):
            if _DATE_KEYS.search(key) and key != "birthDate":
                return shift_date(value, offset) or value[:4]
            if key in _TEXT_KEYS:
                return self._text.anonymize(value, self._analyzer.analyze(value))
        return value


def _patient_of(res: dict[str, Any]) -> str | None:
    for field in ("subject", "patient", "beneficiary"):
        ref = (res.get(field) or {}).get("reference", "")
        if ref.startswith("Patient/"):
            return str(ref.split("/", 1)[1])
    return None
