"""Relabels the tuned corpus (``data/tuned.jsonl``) for the entity types issue 17 added.

The tuned corpus was generated before insurance policy numbers and organizations were entity types. Two
rules bring its labels to the current specification; neither looks at what the recognizers predict:

1. A bank named after 开户行 (up to its 分行/支行) is an ORGANIZATION; a LOCATION labelled inside it
   (重庆 in 中国工商银行重庆分行) goes, since the place is part of the bank's name, not an address.
2. The identifier after 保单号 (letters and digits) is a CN_INSURANCE_POLICY.

The rules are idempotent: ``python -m benchmarks.deid.relabel_tuned`` rewrites ``data/tuned.jsonl`` and a
second run changes nothing. Imports nothing from ``node``.
"""

from __future__ import annotations

import re

from benchmarks.deid.corpus import Document, load, write

BANK = re.compile(r"开户行[：:]\s*(\S+?(?:分行|支行))")
POLICY = re.compile(r"保单号[：:]?\s*([A-Z0-9]{8,})")


def relabel(doc: Document) -> Document:
    entities = list(doc.entities)
    for m in BANK.finditer(doc.text):
        s, e = m.span(1)
        entities = [x for x in entities if not (s <= x[1] and x[2] <= e)]
        entities.append(("ORGANIZATION", s, e))
    for m in POLICY.finditer(doc.text):
        s, e = m.span(1)
        if not any(x[1] < e and s < x[2] for x in entities):
            entities.append(("CN_INSURANCE_POLICY", s, e))
    return Document(doc.kind, doc.text, sorted(entities, key=lambda x: (x[1], x[2])))


if __name__ == "__main__":
    print(write("tuned", [relabel(d) for d in load("tuned")]))
