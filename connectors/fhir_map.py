"""FHIR R4/R4B resources as rows of the registry's clinical tables.

References are resolved as servers and generators write them: through the bundle's ``fullUrl``
(``urn:uuid:``, ``urn:oid:`` or absolute), relative (``Patient/1``), absolute
(``http://host/fhir/Patient/1``), conditional (``Patient?identifier=system|value``) and contained
(``#m1``). Every code keeps its system: named columns (``icd10``, ``snomed_ct``, ``loinc``, ``atc``,
``rxnorm``) hold only codes of that system, ``code``/``code_system`` the first coding whatever it is.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any

from node.asset_registry import codes

ID_CARD_SYSTEM = "urn:oid:2.16.156.10011.1.1"
# HL7 v2 table 0203 identifier types (Identifier.type.coding) -> our columns
ID_TYPES = {"MR": "mrn", "SS": "ssn", "SB": "ssn", "PPN": "passport", "NNCHN": "id_card", "NI": "id_card"}
ID_TEXTS = {"病案号": "mrn", "MR": "mrn", "身份证": "id_card", "居民身份证": "id_card", "护照": "passport"}
_CJK = re.compile(r"[\u3400-\u9fff]")

COLUMNS: dict[str, list[str]] = {
    "patients": [
        *("patient_id", "id_card", "mrn", "ssn", "passport", "name", "family", "given", "gender"),
        *("birth_date", "deceased", "phone", "address", "city", "district_code", "marital_status"),
    ],
    "encounters": [
        *("encounter_id", "patient_id", "class", "type_code", "type_system", "department"),
        *("reason_code", "reason_system", "start", "end"),
    ],
    "conditions": [
        *("condition_id", "patient_id", "encounter_id", "code", "code_system", "icd10", "snomed_ct"),
        *("display", "clinical_status", "onset", "abatement"),
    ],
    "observations": [
        *("observation_id", "patient_id", "encounter_id", "category", "code", "code_system", "loinc"),
        *("display", "panel", "value", "comparator", "value_text", "value_code", "value_system", "unit"),
        *("text", "status", "time"),
    ],
    "medications": [
        *("medication_id", "patient_id", "encounter_id", "code", "code_system", "atc", "rxnorm", "drug"),
        *("reason_code", "reason_system", "status", "authored"),
    ],
    "diagnostic_reports": [
        *("report_id", "patient_id", "encounter_id", "code", "code_system", "display", "status"),
        *("issued", "conclusion", "text"),
    ],
    "documents": [
        *("document_id", "patient_id", "encounter_id", "type_code", "type_system", "display"),
        *("status", "date", "content_type", "text"),
    ],
    "procedures": [
        *("procedure_id", "patient_id", "encounter_id", "code", "code_system", "snomed_ct", "display"),
        *("status", "performed", "reason_code", "reason_system"),
    ],
    "immunizations": [
        *("immunization_id", "patient_id", "encounter_id", "vaccine_code", "vaccine_system"),
        *("display", "status", "occurrence"),
    ],
    "allergies": [
        *("allergy_id", "patient_id", "code", "code_system", "snomed_ct", "display", "category"),
        *("criticality", "clinical_status", "recorded"),
    ],
    "claims": [
        *("claim_id", "resource_type", "patient_id", "encounter_id", "status", "type_code", "use"),
        *("insurer", "provider", "coverage_id", "claim_ref", "created", "billable_start", "billable_end"),
        *("total", "payment", "currency", "outcome"),
    ],
    "claim_items": [
        *("claim_id", "resource_type", "sequence", "code", "code_system", "display", "encounter_id"),
        *("service_date", "quantity", "unit_price", "net", "currency"),
    ],
    "coverages": [
        *("coverage_id", "patient_id", "status", "type_code", "type_display", "payor", "subscriber_id"),
        *("start", "end"),
    ],
}
TABLES = {
    "Patient": "patients",
    "Encounter": "encounters",
    "Condition": "conditions",
    "Observation": "observations",
    "MedicationRequest": "medications",
    "DiagnosticReport": "diagnostic_reports",
    "DocumentReference": "documents",
    "Procedure": "procedures",
    "Immunization": "immunizations",
    "AllergyIntolerance": "allergies",
    "Claim": "claims",
    "ExplanationOfBenefit": "claims",
    "Coverage": "coverages",
}
# free text that goes through de-identification before it is stored: report and document text, and
# observation values written as text (valueString, a CodeableConcept that is only text)
FREE_TEXT = {
    "diagnostic_reports": ("conclusion", "text"),
    "documents": ("text",),
    "observations": ("text",),
}

Row = tuple[str, dict[str, Any]]


class References:
    """What references in one bundle (or one NDJSON file) point at."""

    def __init__(self) -> None:
        self.by_url: dict[str, tuple[str, str]] = {}
        self.by_identifier: dict[str, tuple[str, str]] = {}
        self.resources: dict[tuple[str, str], dict[str, Any]] = {}

    def add(self, full_url: str | None, res: dict[str, Any]) -> None:
        kind = res.get("resourceType")
        if not isinstance(kind, str):
            return
        rid = res.get("id")
        if not isinstance(rid, str) or not rid:
            if not full_url:
                return
            rid = full_url.rsplit(":", 1)[-1].rsplit("/", 1)[-1]  # urn:uuid:<id>, urn:oid:<id>, .../<id>
            res["id"] = rid
        key = (kind, rid)
        if full_url:
            self.by_url[full_url] = key
        if kind in ("Medication", "Patient", "Encounter", "Coverage", "Claim"):
            self.resources[key] = res
        if kind == "Patient":
            for ident in res.get("identifier") or []:
                if isinstance(ident, dict) and ident.get("value"):
                    self.by_identifier[f"{ident.get('system', '')}|{ident['value']}"] = key

    def resolve(self, ref: Any, contained: dict[str, dict[str, Any]] | None = None) -> tuple[str, str] | None:
        """(type, id) of a Reference, or None."""
        if not isinstance(ref, dict):
            return None
        target = ref.get("reference")
        if not isinstance(target, str) or not target:
            return None
        if target.startswith("#"):
            res = (contained or {}).get(target[1:])
            return (res["resourceType"], target[1:]) if res else None
        if target in self.by_url:
            return self.by_url[target]
        if target.startswith(("urn:uuid:", "urn:oid:")):
            kind = ref.get("type")
            return (kind, target.rsplit(":", 1)[-1]) if isinstance(kind, str) else None
        if "?" in target:  # conditional: Patient?identifier=system|value
            kind, _, query = target.partition("?")
            for part in query.split("&"):
                name, _, value = part.partition("=")
                if name == "identifier" and value in self.by_identifier:
                    return self.by_identifier[value]
            return None
        parts = target.rstrip("/").split("/")
        if len(parts) >= 4 and parts[-2] == "_history":  # .../Patient/1/_history/2
            parts = parts[:-2]
        if len(parts) >= 2:
            return parts[-2], parts[-1]
        return None

    def id_of(self, ref: Any, kind: str, contained: dict[str, dict[str, Any]] | None = None) -> str | None:
        found = self.resolve(ref, contained)
        return found[1] if found and found[0] == kind else None


def codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def primary(concept: Any) -> tuple[str | None, str | None, str | None]:
    """(code, system short name, display) of a CodeableConcept's first coding, or its text."""
    for c in codings(concept):
        display = c.get("display") or (concept.get("text") if isinstance(concept, dict) else None)
        return c.get("code"), codes.fhir_system(c.get("system")), display
    return None, None, concept.get("text") if isinstance(concept, dict) else None


def code_in(concept: Any, system: str) -> str | None:
    """The code of the first coding of ``system`` (a short name: every URI of that system counts)."""
    for c in codings(concept):
        if codes.COLUMN_OF.get(codes.fhir_system(c.get("system")) or "") == system:
            return c.get("code")
    return None


def _first(items: Any) -> Any:
    return items[0] if isinstance(items, list) and items else None


def _period(res: dict[str, Any], key: str) -> tuple[Any, Any]:
    p = res.get(key) or {}
    return p.get("start"), p.get("end")


def human_name(names: Any) -> tuple[str | None, str | None, str | None]:
    """(name, family, given) of the official (else first) name: Chinese names family first without a
    separator (王小明), Western names given first with spaces (Bob Keeling)."""
    if not isinstance(names, list) or not names:
        return None, None, None
    n = next((x for x in names if isinstance(x, dict) and x.get("use") == "official"), names[0])
    if not isinstance(n, dict):
        return None, None, None
    family = n.get("family") or None
    given = " ".join(g for g in n.get("given") or [] if g) or None
    text = n.get("text")
    if not text:
        parts = [p for p in (family, given) if p]
        if parts and all(_CJK.search(p) for p in parts):
            text = "".join(p.replace(" ", "") for p in parts)
        else:
            text = " ".join([*(n.get("prefix") or []), *(reversed(parts)), *(n.get("suffix") or [])]) or None
    return text, family, given


def address(addresses: Any) -> tuple[str | None, str | None, str | None]:
    """(full address, city, postal/district code): Chinese addresses from the largest part to the smallest
    without separators, Western ones from the street out with commas."""
    if not isinstance(addresses, list) or not addresses:
        return None, None, None
    a = next((x for x in addresses if isinstance(x, dict) and x.get("use") == "home"), addresses[0])
    if not isinstance(a, dict):
        return None, None, None
    lines = [str(x) for x in a.get("line") or [] if x]
    city, district, state = a.get("city"), a.get("district"), a.get("state")
    text = a.get("text")
    if not text:
        big_to_small = [p for p in (state, city, district, *lines) if p]
        if big_to_small and _CJK.search("".join(big_to_small)):
            text = "".join(dict.fromkeys(big_to_small))  # 重庆市 as state and city is written once
        else:
            tail = " ".join(p for p in (state, a.get("postalCode")) if p)
            text = ", ".join(p for p in (*lines, district, city, tail, a.get("country")) if p) or None
    return text, city, a.get("postalCode")


def identifiers(res: dict[str, Any]) -> dict[str, str | None]:
    out: dict[str, str | None] = {"id_card": None, "mrn": None, "ssn": None, "passport": None}
    for ident in res.get("identifier") or []:
        if not isinstance(ident, dict) or not ident.get("value"):
            continue
        column = "id_card" if ident.get("system") == ID_CARD_SYSTEM else None
        for c in codings(ident.get("type")):
            column = column or ID_TYPES.get(str(c.get("code")))
        column = column or ID_TEXTS.get(str((ident.get("type") or {}).get("text")))
        if column and out[column] is None:
            out[column] = str(ident["value"])
    return out


def _text_of(attachment: Any) -> str | None:
    """Plain text of an Attachment (inline base64 ``data`` of a text type); None for binaries or URLs."""
    if not isinstance(attachment, dict) or not attachment.get("data"):
        return None
    ctype = str(attachment.get("contentType") or "text/plain")
    if not ctype.startswith("text/"):
        return None
    try:
        return base64.b64decode(attachment["data"], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _money(m: Any) -> tuple[Any, Any]:
    return (m.get("value"), m.get("currency")) if isinstance(m, dict) else (None, None)


def value_columns(holder: dict[str, Any]) -> dict[str, Any]:
    """An Observation's (or component's) value[x]: a number where there is one, plus its text. Text a
    person wrote (``valueString``, a ``valueCodeableConcept`` without a coding) goes to ``text``, which
    is de-identified before it is stored (``FREE_TEXT``); ``value_text`` holds only what the value's
    type renders (numbers, codes' displays, dates)."""
    out: dict[str, Any] = {
        "value": None,
        "comparator": None,
        "value_text": None,
        "value_code": None,
        "value_system": None,
        "unit": None,
        "text": None,
    }
    if "valueQuantity" in holder:
        q = holder["valueQuantity"] or {}
        out.update(value=q.get("value"), comparator=q.get("comparator"), unit=q.get("unit") or q.get("code"))
        if q.get("value") is not None:
            out["value_text"] = f"{q.get('comparator', '')}{q['value']}"
    elif "valueCodeableConcept" in holder:
        concept = holder["valueCodeableConcept"]
        if codings(concept):
            code, system, display = primary(concept)
            out.update(value_code=code, value_system=system, value_text=display or code)
        else:
            out["text"] = (concept or {}).get("text")
    elif "valueString" in holder:
        out["text"] = holder["valueString"]
    elif "valueBoolean" in holder:
        b = bool(holder["valueBoolean"])
        out.update(value=1.0 if b else 0.0, value_text=str(b).lower())
    elif "valueInteger" in holder:
        out.update(value=holder["valueInteger"], value_text=str(holder["valueInteger"]))
    elif "valueRange" in holder:
        r = holder["valueRange"] or {}
        lo, hi = (r.get("low") or {}).get("value"), (r.get("high") or {}).get("value")
        out.update(value_text=f"{lo if lo is not None else ''}-{hi if hi is not None else ''}")
        out["unit"] = (r.get("low") or r.get("high") or {}).get("unit")
    elif "valueRatio" in holder:
        r = holder["valueRatio"] or {}
        num, den = (r.get("numerator") or {}).get("value"), (r.get("denominator") or {}).get("value")
        out["value_text"] = f"{num}:{den}"
        if num is not None and den:
            out["value"] = num / den
    elif "valuePeriod" in holder:
        start, end = _period(holder, "valuePeriod")
        out["value_text"] = f"{start or ''}/{end or ''}"
    else:
        for key in ("valueDateTime", "valueTime", "valueSampledData"):
            if key in holder:
                v = holder[key]
                out["value_text"] = v if isinstance(v, str) else (v or {}).get("data")
    if out["value"] is not None:
        out["value"] = float(out["value"])
    return out


def rows(res: dict[str, Any], refs: References) -> Iterator[Row]:
    """The rows of one resource whose type has a table."""
    kind = res["resourceType"]
    contained = {c["id"]: c for c in res.get("contained") or [] if isinstance(c, dict) and c.get("id")}
    rid = res.get("id")
    pid = refs.id_of(res.get("subject") or res.get("patient") or res.get("beneficiary"), "Patient")
    enc_ref = res.get("encounter") or res.get("context")
    if isinstance(enc_ref, list):  # DocumentReference.context.encounter is a list
        enc_ref = _first(enc_ref)
    enc = refs.id_of(enc_ref, "Encounter")
    if kind == "Patient":
        name, family, given = human_name(res.get("name"))
        addr, city, postal = address(res.get("address"))
        phone = next(
            (
                t.get("value")
                for t in res.get("telecom") or []
                if isinstance(t, dict) and t.get("system") == "phone"
            ),
            None,
        )
        deceased = res.get("deceasedDateTime") or res.get("deceasedBoolean")
        yield (
            "patients",
            {
                "patient_id": rid,
                **identifiers(res),
                **{"name": name, "family": family, "given": given, "gender": res.get("gender")},
                **{
                    "birth_date": res.get("birthDate"),
                    "deceased": None if deceased is None else str(deceased),
                },
                **{"phone": phone, "address": addr, "city": city, "district_code": postal},
                "marital_status": primary(res.get("maritalStatus"))[0],
            },
        )
    elif kind == "Encounter":
        tcode, tsys, tdisplay = primary(_first(res.get("type")))
        rcode, rsys, _ = primary(_first(res.get("reasonCode")))
        start, end = _period(res, "period")
        dept = primary(res.get("serviceType"))[2] or tdisplay
        yield (
            "encounters",
            {
                **{"encounter_id": rid, "patient_id": pid, "class": (res.get("class") or {}).get("code")},
                **{"type_code": tcode, "type_system": tsys, "department": dept},
                **{"reason_code": rcode, "reason_system": rsys, "start": start, "end": end},
            },
        )
    elif kind == "Condition":
        code, system, display = primary(res.get("code"))
        yield (
            "conditions",
            {
                **{
                    "condition_id": rid,
                    "patient_id": pid,
                    "encounter_id": enc,
                    "code": code,
                    "code_system": system,
                },
                **{
                    "icd10": code_in(res.get("code"), codes.ICD10),
                    "snomed_ct": code_in(res.get("code"), codes.SNOMED_CT),
                },
                **{"display": display, "clinical_status": primary(res.get("clinicalStatus"))[0]},
                **{"onset": res.get("onsetDateTime") or _period(res, "onsetPeriod")[0]},
                "abatement": res.get("abatementDateTime"),
            },
        )
    elif kind == "Observation":
        yield from _observation(res, rid, pid, enc)
    elif kind == "MedicationRequest":
        concept = res.get("medicationCodeableConcept")
        if concept is None:
            target = refs.resolve(res.get("medicationReference"), contained)
            med = contained.get(target[1]) if target and target[1] in contained else None
            med = med or (refs.resources.get(target) if target else None)
            concept = (med or {}).get("code")
        code, system, drug = primary(concept)
        rcode, rsys, _ = primary(_first(res.get("reasonCode")))
        yield (
            "medications",
            {
                **{
                    "medication_id": rid,
                    "patient_id": pid,
                    "encounter_id": enc,
                    "code": code,
                    "code_system": system,
                },
                **{
                    "atc": code_in(concept, codes.ATC),
                    "rxnorm": code_in(concept, codes.RXNORM),
                    "drug": drug,
                },
                **{"reason_code": rcode, "reason_system": rsys, "status": res.get("status")},
                "authored": res.get("authoredOn"),
            },
        )
    elif kind == "DiagnosticReport":
        code, system, display = primary(res.get("code"))
        texts = [t for t in (_text_of(a) for a in res.get("presentedForm") or []) if t]
        yield (
            "diagnostic_reports",
            {
                **{
                    "report_id": rid,
                    "patient_id": pid,
                    "encounter_id": enc,
                    "code": code,
                    "code_system": system,
                },
                **{"display": display, "status": res.get("status"), "issued": res.get("issued")},
                **{"conclusion": res.get("conclusion"), "text": "\n".join(texts) or None},
            },
        )
    elif kind == "DocumentReference":
        code, system, display = primary(res.get("type"))
        attachments = [c.get("attachment") for c in res.get("content") or [] if isinstance(c, dict)]
        texts = [t for t in (_text_of(a) for a in attachments) if t]
        ctype = next((a.get("contentType") for a in attachments if isinstance(a, dict)), None)
        yield (
            "documents",
            {
                **{"document_id": rid, "patient_id": pid, "encounter_id": enc, "type_code": code},
                **{"type_system": system, "display": display, "status": res.get("status")},
                **{"date": res.get("date"), "content_type": ctype, "text": "\n".join(texts) or None},
            },
        )
    elif kind == "Procedure":
        code, system, display = primary(res.get("code"))
        rcode, rsys, _ = primary(_first(res.get("reasonCode")))
        yield (
            "procedures",
            {
                **{
                    "procedure_id": rid,
                    "patient_id": pid,
                    "encounter_id": enc,
                    "code": code,
                    "code_system": system,
                },
                **{"snomed_ct": code_in(res.get("code"), codes.SNOMED_CT), "display": display},
                **{
                    "status": res.get("status"),
                    "performed": res.get("performedDateTime") or _period(res, "performedPeriod")[0],
                },
                **{"reason_code": rcode, "reason_system": rsys},
            },
        )
    elif kind == "Immunization":
        code, system, display = primary(res.get("vaccineCode"))
        yield (
            "immunizations",
            {
                **{"immunization_id": rid, "patient_id": pid, "encounter_id": enc, "vaccine_code": code},
                **{"vaccine_system": system, "display": display, "status": res.get("status")},
                "occurrence": res.get("occurrenceDateTime") or res.get("occurrenceString"),
            },
        )
    elif kind == "AllergyIntolerance":
        code, system, display = primary(res.get("code"))
        yield (
            "allergies",
            {
                **{"allergy_id": rid, "patient_id": pid, "code": code, "code_system": system},
                **{"snomed_ct": code_in(res.get("code"), codes.SNOMED_CT), "display": display},
                **{"category": _first(res.get("category")), "criticality": res.get("criticality")},
                **{
                    "clinical_status": primary(res.get("clinicalStatus"))[0],
                    "recorded": res.get("recordedDate"),
                },
            },
        )
    elif kind in ("Claim", "ExplanationOfBenefit"):
        yield from _claim(res, kind, rid, pid, refs, contained)
    elif kind == "Coverage":
        code, _, display = primary(res.get("type"))
        start, end = _period(res, "period")
        payor = _first(res.get("payor"))
        yield (
            "coverages",
            {
                **{"coverage_id": rid, "patient_id": pid, "status": res.get("status"), "type_code": code},
                **{
                    "type_display": display,
                    "payor": (payor or {}).get("display") or (refs.resolve(payor) or (None, None))[1],
                },
                **{"subscriber_id": res.get("subscriberId"), "start": start, "end": end},
            },
        )


def _observation(res: dict[str, Any], rid: Any, pid: Any, enc: Any) -> Iterator[Row]:
    code, system, display = primary(res.get("code"))
    base = {
        "observation_id": rid,
        "patient_id": pid,
        "encounter_id": enc,
        "category": primary(_first(res.get("category")))[0],
        "status": res.get("status"),
        "time": res.get("effectiveDateTime") or _period(res, "effectivePeriod")[0] or res.get("issued"),
    }
    components = [c for c in res.get("component") or [] if isinstance(c, dict)]
    if not components or any(k.startswith("value") for k in res):
        loinc = code_in(res.get("code"), codes.LOINC)
        yield (
            "observations",
            {
                **base,
                **{"code": code, "code_system": system, "loinc": loinc, "display": display, "panel": None},
                **value_columns(res),
            },
        )
    for c in components:  # blood pressure: one row per systolic and diastolic, the panel's code kept
        ccode, csys, cdisplay = primary(c.get("code"))
        yield (
            "observations",
            {
                **base,
                **{"code": ccode, "code_system": csys, "loinc": code_in(c.get("code"), codes.LOINC)},
                **{"display": cdisplay, "panel": code},
                **value_columns(c),
            },
        )


def _claim(
    res: dict[str, Any], kind: str, rid: Any, pid: Any, refs: References, contained: dict[str, dict[str, Any]]
) -> Iterator[Row]:
    total, currency = _money(res.get("total"))
    if kind == "ExplanationOfBenefit":
        totals = [t for t in res.get("total") or [] if isinstance(t, dict)]
        submitted = next((t for t in totals if primary(t.get("category"))[0] == "submitted"), _first(totals))
        total, currency = _money((submitted or {}).get("amount"))
    payment, _ = _money((res.get("payment") or {}).get("amount"))
    start, end = _period(res, "billablePeriod")
    item_encounter = None
    items = [i for i in res.get("item") or [] if isinstance(i, dict)]
    for i in items:
        item_encounter = item_encounter or refs.id_of(_first(i.get("encounter")), "Encounter")
    ins = _first(res.get("insurance")) or {}
    insurer = res.get("insurer") or {}
    yield (
        "claims",
        {
            **{"claim_id": rid, "resource_type": kind, "patient_id": pid, "encounter_id": item_encounter},
            **{"status": res.get("status"), "type_code": primary(res.get("type"))[0], "use": res.get("use")},
            **{"insurer": insurer.get("display") or (refs.resolve(insurer) or (None, None))[1]},
            **{
                "provider": (res.get("provider") or {}).get("display")
                or (refs.resolve(res.get("provider")) or (None, None))[1]
            },
            **{"coverage_id": refs.id_of(ins.get("coverage"), "Coverage", contained)},
            **{"claim_ref": refs.id_of(res.get("claim"), "Claim"), "created": res.get("created")},
            **{"billable_start": start, "billable_end": end, "total": total, "payment": payment},
            **{"currency": currency, "outcome": res.get("outcome")},
        },
    )
    for n, i in enumerate(items, 1):
        code, system, display = primary(i.get("productOrService"))
        net, cur = _money(i.get("net"))
        unit_price, _ = _money(i.get("unitPrice"))
        yield (
            "claim_items",
            {
                **{"claim_id": rid, "resource_type": kind, "sequence": i.get("sequence", n)},
                **{"code": code, "code_system": system, "display": display},
                **{"encounter_id": refs.id_of(_first(i.get("encounter")), "Encounter")},
                **{"service_date": i.get("servicedDate") or _period(i, "servicedPeriod")[0]},
                **{"quantity": (i.get("quantity") or {}).get("value"), "unit_price": unit_price, "net": net},
                "currency": cur or currency,
            },
        )
