"""Moves titles out of PERSON spans in a hand-written set, the labelling convention of v16-v22.

The hand-written sets label a name without the title or form of address that follows it: in 罗医生 only
罗 is a PERSON. One writer (v23) put the title inside the span. This rule brings such spans to the
convention; it reads only the marked-up source, never what the recognizers predict:

    {P|罗医生} -> {P|罗}医生

A title is one of ``TITLES``, and only a trailing title that leaves a non-empty name is moved. The rule is
idempotent: ``python -m benchmarks.deid.relabel_titles held_out_v23`` rewrites ``data/held_out_v23.txt``
and ``.jsonl``, and a second run changes nothing. Imports nothing from ``node``.
"""

from __future__ import annotations

import re
import sys

from benchmarks.deid.corpus import DATA, write
from benchmarks.deid.markup import convert

TITLES = ("医生", "大夫", "护士", "主任", "老师", "先生", "女士", "小姐", "教授", "院长", "经理", "律师")
TITLED = re.compile(r"\{P\|([^{}|]+?)(" + "|".join(TITLES) + r")\}")


def relabel(source: str) -> str:
    return TITLED.sub(lambda m: "{P|" + m.group(1) + "}" + m.group(2), source)


if __name__ == "__main__":
    for set_name in sys.argv[1:]:
        path = DATA / f"{set_name}.txt"
        path.write_text(relabel(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(write(set_name, convert(set_name)))
