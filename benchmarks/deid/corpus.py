"""The de-identification evaluation sets, read from data files, and their scoring.

Each set is a JSON-lines file in ``data/`` (one document a line: ``kind``, ``text`` and ``entities`` as
``[type, start, end]``); phrase lists are plain text, one phrase a line. The sets are data, written once
and committed before the recognizer changes they judge; nothing here imports the recognizers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

DATA = Path(__file__).parent / "data"
# the held-out sets in the order they were written (v1 ... v33); v16-v33 are hand-written
# (benchmarks/deid/markup.py); FRESH is the set whose targets the benchmark checks separately, SEALED
# the sets written for a later change and left unmeasured until then (deid_bench --unseal NAME):
# v24 judged session 11's first round, v25 both rounds, v26 session 12's rounds, v27 session 13's
# first round, v28 both of session 13's rounds, v29 session 14's rounds (outpatient and day-surgery
# clinics, check-up and occupational health, pharmacy and internet hospital, call centre, 惠民保 lists and
# claims, RWS exports, pharmacovigilance, cross-border), v30 session 15's rounds (inpatient wards and
# their paperwork, referrals, disputes, transfusion, insurer investigations, phase-I units, foreign
# patients), v31 session 15's second round and session 16's first (emergency and ICU, obstetrics and
# paediatrics, psychiatry, long-term care, oncology, dialysis, TCM and dental clinics,
# direct-settlement counters, trial monitoring and SAE reports, family doctors and nursing homes, staff
# chat exports), v32 session 16's second round (county hospitals and township centres, 医联体
# referrals, 医疗救助 and 大病保险, 工伤 and traffic injuries, maternal and child health, village
# doctors' follow-up, staff rosters, device adverse events, biobanks, genetic counselling, IT tickets
# and audit logs, disputes and mediation, foreign residents),
# v33 waits for the next (rehabilitation, hospice, infection control and CDC reports, vaccination, blood
# and organ donation, eye/ENT clinics, medical aesthetics, community mental health, 120 dispatch,
# underwriting and claim audits, ethics committees and data-use requests, resident rotations, courts,
# death and birth certificates, disability assessments, patient chat groups, expatriate clinics)
HELD_OUT = tuple(f"held_out_v{i}" for i in range(1, 34))
HAND_WRITTEN = tuple(f"held_out_v{i}" for i in range(16, 34))
FRESH = "held_out_v32"
SEALED: tuple[str, ...] = ("held_out_v33",)


@dataclass
class Document:
    kind: str
    text: str = ""
    entities: list[tuple[str, int, int]] = field(default_factory=list)

    def add(self, s: str) -> Document:
        self.text += s
        return self

    def ent(self, entity_type: str, s: str) -> Document:
        self.entities.append((entity_type, len(self.text), len(self.text) + len(s)))
        self.text += s
        return self

    def as_json(self) -> str:
        return json.dumps(
            {"kind": self.kind, "text": self.text, "entities": [list(e) for e in self.entities]},
            ensure_ascii=False,
        )


class Span(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


def load(name: str, limit: int | None = None) -> list[Document]:
    docs: list[Document] = []
    with (DATA / f"{name}.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if limit is not None and len(docs) >= limit:
                break
            row = json.loads(line)
            docs.append(Document(row["kind"], row["text"], [(t, s, e) for t, s, e in row["entities"]]))
    return docs


def phrases(name: str) -> list[str]:
    return (DATA / f"{name}.txt").read_text(encoding="utf-8").splitlines()


def write(name: str, docs: Sequence[Document]) -> Path:
    path = DATA / f"{name}.jsonl"
    path.write_text("".join(d.as_json() + "\n" for d in docs), encoding="utf-8")
    return path


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def evaluate(docs: list[Document], predict: Callable[[str], Sequence[Span]]) -> dict[str, dict[str, float]]:
    """Per-type recall and precision; a prediction matches a gold span of its type overlapping it by
    at least half of their union."""
    gold_n: dict[str, int] = {}
    found: dict[str, int] = {}
    pred_n: dict[str, int] = {}
    correct: dict[str, int] = {}
    for d in docs:
        preds = predict(d.text)
        for t, s, e in d.entities:
            gold_n[t] = gold_n.get(t, 0) + 1
            if any(p.type == t and iou((s, e), (p.start, p.end)) >= 0.5 for p in preds):
                found[t] = found.get(t, 0) + 1
        for p in preds:
            pred_n[p.type] = pred_n.get(p.type, 0) + 1
            if any(t == p.type and iou((s, e), (p.start, p.end)) >= 0.5 for t, s, e in d.entities):
                correct[p.type] = correct.get(p.type, 0) + 1
    out: dict[str, dict[str, float]] = {}
    for t in sorted(set(gold_n) | set(pred_n)):
        out[t] = {
            "gold": gold_n.get(t, 0),
            "predicted": pred_n.get(t, 0),
            "recall": round(found.get(t, 0) / gold_n[t], 4) if gold_n.get(t) else 1.0,
            "precision": round(correct.get(t, 0) / pred_n[t], 4) if pred_n.get(t) else 1.0,
        }
    total_pred = sum(pred_n.values())
    out["_overall"] = {
        "gold": sum(gold_n.values()),
        "predicted": total_pred,
        "recall": round(sum(found.values()) / max(1, sum(gold_n.values())), 4),
        "precision": round(sum(correct.values()) / total_pred, 4) if total_pred else 1.0,
    }
    return out
