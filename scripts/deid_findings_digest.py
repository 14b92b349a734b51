"""One digest over everything the text de-identification detector finds: a speed change that keeps it
keeps the detector's output.

The texts: every evaluation document of the non-sealed sets (benchmarks/deid/corpus.py: tuned,
development and the held-out sets minus SEALED, which are never loaded), the two phrase lists, and the
benchmark's 300,000-character text (the tuned notes joined). The digest is sha256 over one line per
finding: text index, entity type, start, end, score rounded to 6 places. Prints one JSON object.
Run: PYTHONPATH=. .venv/bin/python scripts/deid_findings_digest.py
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter

from benchmarks.deid.corpus import HELD_OUT, SEALED, load, phrases
from node.anonymization.analyzer import TextAnalyzer

SETS = tuple(n for n in ("tuned", "development", *HELD_OUT) if n not in SEALED)


def texts() -> list[str]:
    assert not set(SEALED) & set(SETS)
    out = [d.text for name in SETS for d in load(name)]
    out += phrases("cue_negatives") + phrases("nameless_notes")
    out.append("\n".join(d.text for d in load("tuned"))[:300_000])  # deid_bench's long text
    return out


def main() -> None:
    corpus = texts()
    analyzer = TextAnalyzer()
    digest = hashlib.sha256()
    by_type: Counter[str] = Counter()
    start, cpu = time.perf_counter(), time.process_time()
    for i, text in enumerate(corpus):
        for e in analyzer.analyze(text):
            digest.update(f"{i}\t{e.type}\t{e.start}\t{e.end}\t{round(e.score, 6)}\n".encode())
            by_type[e.type] += 1
    result = {
        "digest": digest.hexdigest(),
        "texts": len(corpus),
        "characters": sum(map(len, corpus)),
        "findings": sum(by_type.values()),
        "by_type": dict(sorted(by_type.items())),
        "seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
