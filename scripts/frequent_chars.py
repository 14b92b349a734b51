"""Regenerate node/anonymization/data/frequent_chars.txt from jieba's word-frequency dictionary.

A character's frequency is the sum of the frequencies of the words it appears in. The 2,500 most
frequent Chinese characters are written out; the name recognizer treats a character outside this list
as a possible (rare) given-name character. Run: .venv/bin/python scripts/frequent_chars.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import jieba

TOP = 2500
OUT = Path(__file__).resolve().parents[1] / "node" / "anonymization" / "data" / "frequent_chars.txt"


def frequent_chars() -> str:
    counts: Counter[str] = Counter()
    with (Path(jieba.__file__).parent / "dict.txt").open(encoding="utf-8") as f:
        for line in f:
            word, freq, *_ = line.split()
            for ch in word:
                if "\u4e00" <= ch <= "\u9fff":
                    counts[ch] += int(freq)
    return "".join(sorted(ch for ch, _ in counts.most_common(TOP)))


if __name__ == "__main__":
    text = frequent_chars()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.read_text(encoding="utf-8").strip() == text else 1)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {len(text)} characters to {OUT}")
