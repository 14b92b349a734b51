"""Output helpers of the demo."""

from __future__ import annotations


def step(n: int, title: str) -> None:
    print(f"\n== {n}. {title}")
