"""What a federated model reads and predicts, named by the job and bounded by the product.

A job names its features: LOINC codes (each becomes the patient's mean value of that lab), diagnosis
flags (the patient has a diagnosis whose code, in a code system, starts with a prefix) and medication
flags (a medication whose code starts with a prefix); and its outcome: a diagnosis group (code
prefixes in one system) or a lab threshold (the patient's mean value within ``min``..``max``). Flags
and diagnosis groups name their code system as HE cohorts do (``node.asset_registry.codes.named_system``):
ICD-10 or SNOMED CT for diagnoses, ATC or RxNorm for medications, by short name or FHIR URI, or a
hospital's local system as its tables write it in ``code_system``.

A product offers what may be asked in its policy template, in the same shape::

    "features": {"loinc": [...], "diagnosis_flags": {"icd10": [...]}, "medication_flags": {"atc": [...]}},
    "outcomes": {"diagnosis": {"icd10": ["E11"]}, "lab": ["4548-4"]},
    "scales": {"718-7": [140.0, 15.0]}

A job's code prefix is offered when it starts with an offered prefix (``E11.9`` under ``E11``). A
product that says nothing offers what federated training read before jobs could choose: the six labs
of the clinical risk model and ICD-10 E11. ``scales`` are published reference means and standard
deviations; labs without one are standardized by each hospital from its own training rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from node.asset_registry.codes import CODE_COLUMNS, named_system
from node.errors import InvalidInput

# the six labs of node.asset_registry.clinical.RISK_FEATURES (not imported: that module loads pandas,
# and every ClientApp process reads job specs)
DEFAULT_LOINC: tuple[str, ...] = ("2345-7", "4548-4", "2093-3", "2160-0", "8480-6", "39156-5")
DEFAULT_OUTCOME_PREFIX = "E11"
DIAGNOSIS_SYSTEMS = ("icd10", "snomed_ct")
MEDICATION_SYSTEMS = ("atc", "rxnorm")
MAX_FEATURES = 200

_LOINC = re.compile(r"^\d{1,7}-\d$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,31}$")


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, code="fl_features_invalid")


def normalized(code: str) -> str:
    """Codes compare upper-case without dots (``e11.9`` and ``E119`` are one code)."""
    return code.upper().replace(".", "")


@dataclass(frozen=True)
class Flag:
    """A 0/1 feature: the patient has a code of ``system`` starting with ``prefix``."""

    system: str
    prefix: str

    @property
    def name(self) -> str:
        return f"{self.system}:{self.prefix}"


@dataclass(frozen=True)
class Outcome:
    """A diagnosis group (``system`` codes starting with one of ``prefixes``), or, when ``loinc`` is
    set, a lab threshold: positive when the patient's mean value lies within ``min``..``max``."""

    system: str = "icd10"
    prefixes: tuple[str, ...] = (DEFAULT_OUTCOME_PREFIX,)
    loinc: str = ""
    min: float | None = None
    max: float | None = None

    @property
    def name(self) -> str:
        if self.loinc:
            lo = "" if self.min is None else f"{self.min:g}"
            hi = "" if self.max is None else f"{self.max:g}"
            return f"loinc:{self.loinc} in [{lo}, {hi}]"
        return f"{self.system}:{'|'.join(self.prefixes)}"

    def to_request(self) -> dict[str, Any]:
        if self.loinc:
            return {"lab": {"loinc": self.loinc, "min": self.min, "max": self.max}}
        return {"diagnosis": {self.system: list(self.prefixes)}}


@dataclass(frozen=True)
class ModelInputs:
    loinc: tuple[str, ...] = DEFAULT_LOINC
    diagnosis_flags: tuple[Flag, ...] = ()
    medication_flags: tuple[Flag, ...] = ()
    outcome: Outcome = field(default_factory=Outcome)

    @property
    def names(self) -> list[str]:
        """The model's columns in order: labs, then diagnosis flags, then medication flags."""
        return [f"loinc:{c}" for c in self.loinc] + [
            f.name for f in self.diagnosis_flags + self.medication_flags
        ]

    @property
    def width(self) -> int:
        return len(self.names)

    def to_request(self) -> dict[str, Any]:
        """The job request's ``features`` and ``outcome``, as ``parse`` reads them."""

        def flags(fs: tuple[Flag, ...]) -> dict[str, list[str]]:
            out: dict[str, list[str]] = {}
            for f in fs:
                out.setdefault(f.system, []).append(f.prefix)
            return out

        features: dict[str, Any] = {"loinc": list(self.loinc)}
        if self.diagnosis_flags:
            features["diagnosis_flags"] = flags(self.diagnosis_flags)
        if self.medication_flags:
            features["medication_flags"] = flags(self.medication_flags)
        return {"features": features, "outcome": self.outcome.to_request()}

    @classmethod
    def parse(cls, features: Any = None, outcome: Any = None, target: Any = None) -> ModelInputs:
        """A job's features and outcome from its request; absent ones are today's defaults (the six
        labs; ICD-10 ``target``, E11 unless named). Malformed ones raise ``fl_features_invalid``."""
        if features is None:
            features = {"loinc": list(DEFAULT_LOINC)}
        if not isinstance(features, dict) or set(features) - {"loinc", "diagnosis_flags", "medication_flags"}:
            raise _bad("features: give loinc, diagnosis_flags and/or medication_flags")
        loinc = tuple(_codes(features.get("loinc", []), "features.loinc", _LOINC))
        dx = _flags(features.get("diagnosis_flags", {}), DIAGNOSIS_SYSTEMS, "diagnosis_flags")
        rx = _flags(features.get("medication_flags", {}), MEDICATION_SYSTEMS, "medication_flags")
        inputs = cls(loinc, dx, rx, _outcome(outcome, target))
        if not 1 <= inputs.width <= MAX_FEATURES:
            raise _bad(f"a model needs 1 to {MAX_FEATURES} features")
        if len(set(inputs.names)) != inputs.width:
            raise _bad("a feature is named twice")
        if inputs.outcome.loinc and inputs.outcome.loinc in inputs.loinc:
            raise _bad(f"the outcome lab {inputs.outcome.loinc} cannot also be a feature")
        return inputs


def _codes(value: Any, where: str, pattern: re.Pattern[str]) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_FEATURES:
        raise _bad(f"{where} must be a list of at most {MAX_FEATURES} codes")
    for v in value:
        if not isinstance(v, str) or not pattern.match(v):
            raise _bad(f"{where}: {str(v)[:40]!r} is not a valid code")
    return list(value)


def kind_system(name: Any, systems: tuple[str, ...]) -> str | None:
    """``name`` as the tables hold it, if it can code this kind of record: one of ``systems`` (by short
    name or FHIR URI) or a local system; None for a malformed name or another kind's standard system."""
    system = named_system(name) if isinstance(name, str) else None
    if system is None or (system in CODE_COLUMNS and system not in systems):
        return None
    return system


def _system(name: Any, systems: tuple[str, ...], where: str) -> str:
    system = kind_system(name, systems)
    if system is None:
        raise _bad(f"{where} maps a code system ({', '.join(systems)} or a local system) to code prefixes")
    return system


def _flags(value: Any, systems: tuple[str, ...], where: str) -> tuple[Flag, ...]:
    if not isinstance(value, dict):
        raise _bad(f"{where} maps a code system ({', '.join(systems)} or a local system) to code prefixes")
    return tuple(
        Flag(_system(s, systems, where), c)
        for s, codes in value.items()
        for c in _codes(codes, f"{where}.{s}", _CODE)
    )


def _outcome(value: Any, target: Any) -> Outcome:
    if value is None:
        prefix = DEFAULT_OUTCOME_PREFIX if target is None else target
        return Outcome(prefixes=tuple(_codes([prefix], "target", _CODE)))
    if not isinstance(value, dict) or len(value) != 1 or not set(value) <= {"diagnosis", "lab"}:
        raise _bad('outcome is {"diagnosis": {SYSTEM: [PREFIX, ...]}} or {"lab": {"loinc", "min", "max"}}')
    if "diagnosis" in value:
        d = value["diagnosis"]
        if not isinstance(d, dict) or len(d) != 1:
            raise _bad(f"outcome.diagnosis maps one code system ({', '.join(DIAGNOSIS_SYSTEMS)}) to prefixes")
        name, codes = next(iter(d.items()))
        system = _system(name, DIAGNOSIS_SYSTEMS, "outcome.diagnosis")
        prefixes = tuple(_codes(codes, f"outcome.diagnosis.{name}", _CODE))
        if not prefixes:
            raise _bad("outcome.diagnosis names no code")
        return Outcome(system, prefixes)
    lab = value["lab"]
    if not isinstance(lab, dict) or set(lab) - {"loinc", "min", "max"}:
        raise _bad("outcome.lab has loinc, min and max")
    (code,) = _codes([lab.get("loinc")], "outcome.lab.loinc", _LOINC)
    lo, hi = lab.get("min"), lab.get("max")
    for bound in (lo, hi):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float)):
            raise _bad("outcome.lab min and max are numbers")
    if (lo is None and hi is None) or (lo is not None and hi is not None and lo >= hi):
        raise _bad("outcome.lab needs min, max or both, with min below max")
    return Outcome("", (), code, None if lo is None else float(lo), None if hi is None else float(hi))


# -- what a product offers ------------------------------------------------------------------------------
def _under(prefix: str, offered: list[str]) -> bool:
    return any(normalized(prefix).startswith(normalized(o)) for o in offered)


def _by_system(raw: Any, systems: tuple[str, ...]) -> dict[str, list[str]]:
    """A product's offered prefixes by code system, the systems named as a job's are (malformed ones
    offer nothing)."""
    out: dict[str, list[str]] = {}
    for k, v in raw.items() if isinstance(raw, dict) else ():
        system = kind_system(k, systems)
        if system is not None and isinstance(v, list):
            out.setdefault(system, []).extend(str(c) for c in v)
    return out


def _offered_flags(template: dict[str, Any], kind: str) -> dict[str, list[str]]:
    systems = DIAGNOSIS_SYSTEMS if kind == "diagnosis_flags" else MEDICATION_SYSTEMS
    return _by_system((template.get("features") or {}).get(kind), systems)


def not_offered(inputs: ModelInputs, template: dict[str, Any]) -> list[str]:
    """The features and outcome of ``inputs`` that the product with ``template`` does not offer (names
    of codes, never data); empty when all are offered."""
    features = template.get("features")
    outcomes = template.get("outcomes")
    says_nothing = features is None and outcomes is None
    if says_nothing:
        features, outcomes = (
            {"loinc": list(DEFAULT_LOINC)},
            {"diagnosis": {"icd10": [DEFAULT_OUTCOME_PREFIX]}},
        )
    features = features if isinstance(features, dict) else {}
    outcomes = outcomes if isinstance(outcomes, dict) else {}
    labs = [str(c) for c in features.get("loinc") or []]
    missing = [f"loinc:{c}" for c in inputs.loinc if c not in labs]
    for kind, flags in (
        ("diagnosis_flags", inputs.diagnosis_flags),
        ("medication_flags", inputs.medication_flags),
    ):
        offered = {} if says_nothing else _offered_flags(template, kind)
        missing += [f.name for f in flags if not _under(f.prefix, offered.get(f.system, []))]
    out = inputs.outcome
    if out.loinc:
        if out.loinc not in [str(c) for c in outcomes.get("lab") or []]:
            missing.append(f"outcome loinc:{out.loinc}")
    else:
        offered_dx = _by_system(outcomes.get("diagnosis"), DIAGNOSIS_SYSTEMS).get(out.system, [])
        missing += [f"outcome {out.system}:{p}" for p in out.prefixes if not _under(p, offered_dx)]
    return missing


def check_offered(inputs: ModelInputs, template: dict[str, Any], where: str) -> None:
    """Refuse (``fl_feature_not_offered``) a job that asks ``where``'s product for more than it offers."""
    missing = not_offered(inputs, template)
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise InvalidInput(
            f"产品未提供所请求的特征或结局 / {where}: the product does not offer {shown}",
            code="fl_feature_not_offered",
        )


def published_scales(template: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The product's published (mean, sd) per LOINC code; malformed entries are ignored."""
    raw = template.get("scales") or {}
    out: dict[str, tuple[float, float]] = {}
    if isinstance(raw, dict):
        for code, pair in raw.items():
            if isinstance(pair, list | tuple) and len(pair) == 2:
                mean, sd = pair
                if all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair) and sd > 0:
                    out[str(code)] = (float(mean), float(sd))
    return out
