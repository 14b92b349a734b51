"""Train the statistical PERSON model (node/anonymization/recognizers/person_crf.py) and measure it.

Trains a character-level CRF (CRFsuite, L-BFGS, deterministic) with BIO tags for PERSON on evaluation
sets, folds its weights into the tables the node reads, chooses the marginal threshold on validation sets
(the rules and the model joined, as the detector runs them: the threshold with the best PERSON F1 among
those keeping PERSON precision at --min-precision, else the best F1), and prints the validation numbers.
Sealed sets (corpus.SEALED) are refused.

    # model selection: train on all unsealed sets but the validation ones, validate on v24 and v25
    python benchmarks/train_person_crf.py --validate held_out_v24 held_out_v25 --out /tmp/crf.npz
    # the shipped model: every unsealed set, the threshold chosen in the run above
    python benchmarks/train_person_crf.py --threshold T \\
        --out node/anonymization/data/person_crf.npz

The generated sets (v1-v15, tuned, development) come from the recognizers' own priors: at most
--generated-docs documents of each are used, and the hand-written ones (v16 on) are repeated --hand-weight
times.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pycrfsuite

from benchmarks.deid.corpus import HAND_WRITTEN, HELD_OUT, SEALED, Document, evaluate, load
from node.anonymization.analyzer import TextAnalyzer
from node.anonymization.recognizers.names import ChineseNameRecognizer
from node.anonymization.recognizers.person_crf import PersonCrf, features

TRAINABLE = tuple(n for n in ("tuned", "development", *HELD_OUT) if n not in SEALED)
GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)


def labels(doc: Document) -> list[str]:
    tags = ["O"] * len(doc.text)
    for t, s, e in doc.entities:
        if t == "PERSON" and e > s:
            tags[s] = "B"
            for i in range(s + 1, e):
                tags[i] = "I"
    return tags


def training_docs(names: list[str], generated_docs: int, hand_weight: int) -> list[Document]:
    docs: list[Document] = []
    for name in names:
        if name in SEALED:
            raise SystemExit(f"{name} is sealed (corpus.SEALED): never trained on")
        if name in HAND_WRITTEN:
            docs += load(name) * hand_weight
        else:
            docs += load(name, generated_docs)
    return docs


def train(docs: list[Document], c1: float, c2: float, iterations: int) -> tuple[dict, dict]:  # type: ignore[type-arg]
    trainer = pycrfsuite.Trainer(verbose=False)
    for d in docs:
        trainer.append(features(d.text), labels(d))
    trainer.set_params(
        {"c1": c1, "c2": c2, "max_iterations": iterations, "feature.possible_transitions": True}
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "person.crfsuite")
        trainer.train(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        info = tagger.info()
        state, trans = dict(info.state_features), dict(info.transitions)
        tagger.close()
    return state, trans


def analyzer_with(model: PersonCrf) -> TextAnalyzer:
    analyzer = TextAnalyzer()
    for r in analyzer._chinese:
        if isinstance(r, ChineseNameRecognizer):
            r._crf = model
    return analyzer


def person(report: dict[str, dict[str, float]]) -> dict[str, float]:
    return report.get("PERSON", {"recall": 1.0, "precision": 1.0})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validate", nargs="*", default=[], help="validation sets (left out of training)")
    parser.add_argument(
        "--train", nargs="*", help="training sets (default: every unsealed set not validated)"
    )
    parser.add_argument("--generated-docs", type=int, default=300, help="documents of each generated set")
    parser.add_argument("--hand-weight", type=int, default=2, help="repetitions of each hand-written set")
    parser.add_argument("--c1", type=float, default=0.05, help="L1 penalty (sparsity: the model's size)")
    parser.add_argument("--c2", type=float, default=0.01, help="L2 penalty")
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--threshold", type=float, help="marginal threshold (default: chosen on --validate)")
    parser.add_argument("--min-precision", type=float, default=0.97, help="PERSON precision to keep")
    parser.add_argument("--out", type=Path, required=True, help="the model file (.npz) to write")
    args = parser.parse_args()
    for name in [*args.validate, *(args.train or [])]:
        if name in SEALED:
            parser.error(f"{name} is sealed (corpus.SEALED)")
    names = args.train or [n for n in TRAINABLE if n not in args.validate]
    started = time.time()
    docs = training_docs(names, args.generated_docs, args.hand_weight)
    state, trans = train(docs, args.c1, args.c2, args.iterations)
    result: dict[str, object] = {
        "train_sets": names,
        "train_documents": len(docs),
        "train_seconds": round(time.time() - started),
        "state_features": len(state),
        "params": {k: getattr(args, k) for k in ("generated_docs", "hand_weight", "c1", "c2", "iterations")},
    }
    threshold = args.threshold if args.threshold is not None else 0.5
    _save(args.out, PersonCrf.fold(state, trans, threshold))  # kept should the validation fail
    model = PersonCrf(PersonCrf.fold(state, trans, threshold))
    if args.validate:
        val = {name: load(name) for name in args.validate}
        rules = analyzer_with(_Nothing())
        before = {n: evaluate(d, rules.analyze) for n, d in val.items()}
        analyzer = analyzer_with(model)
        grid = {}
        for t in [args.threshold] if args.threshold is not None else GRID:
            model.threshold = t
            grid[t] = {n: evaluate(d, analyzer.analyze) for n, d in val.items()}
        pooled = {t: _pooled(r) for t, r in grid.items()}
        ok = [t for t, p in pooled.items() if p["precision"] >= args.min_precision]
        chosen = max(ok or list(pooled), key=lambda t: (pooled[t]["f1"], -t))
        threshold = chosen
        result["threshold"] = chosen
        result["grid_person_pooled"] = pooled
        result["validation"] = {
            n: {
                "before_person": person(before[n]),
                "after_person": person(grid[chosen][n]),
                "before_overall": before[n]["_overall"],
                "after_overall": grid[chosen][n]["_overall"],
            }
            for n in val
        }
    _save(args.out, PersonCrf.fold(state, trans, threshold))
    result["model_bytes"] = args.out.stat().st_size
    result["threshold"] = threshold
    print(json.dumps(result, ensure_ascii=False, indent=1))


def _save(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez_compressed(fh, **data)


class _Nothing(PersonCrf):
    """No statistical names: the rules alone."""

    def __init__(self) -> None:  # nothing to load
        self.threshold = 1.0

    def emissions(self, text: str) -> np.ndarray:
        return np.zeros((len(text), 3))

    def find(
        self, text: str, emissions: np.ndarray | None = None, scaled: np.ndarray | None = None
    ) -> list[tuple[int, int, float]]:
        return []

    def name_share(self, text: str, start: int, end: int, scaled: np.ndarray | None = None) -> float:
        return 1.0


def _pooled(reports: dict[str, dict[str, dict[str, float]]]) -> dict[str, float]:
    gold = sum(person(r).get("gold", 0) for r in reports.values())
    pred = sum(person(r).get("predicted", 0) for r in reports.values())
    found = sum(person(r)["recall"] * person(r).get("gold", 0) for r in reports.values())
    correct = sum(person(r)["precision"] * person(r).get("predicted", 0) for r in reports.values())
    recall = found / gold if gold else 1.0
    precision = correct / pred if pred else 1.0
    f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    return {"recall": round(recall, 4), "precision": round(precision, 4), "f1": round(f1, 4)}


if __name__ == "__main__":
    main()
