"""Progress of long work on stderr: a one-line bar redrawn in place on a terminal, nothing otherwise
(scripts, CI; ``--json`` output stays clean on stdout in both cases). No dependency: the client installs
with httpx and the SM crypto only."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

WIDTH = 24


def bar_line(description: str, done: int, total: int, elapsed_s: float) -> str:
    """``description [#####-----] done/total 3.2 s``."""
    filled = WIDTH * done // total if total > 0 else WIDTH
    return f"{description} [{'#' * filled}{'-' * (WIDTH - filled)}] {done}/{total} {elapsed_s:.1f} s"


@contextmanager
def progress(description: str, total: int, stream: TextIO | None = None) -> Iterator[Callable[[str], None]]:
    """Yields ``step(label)``: one unit of the ``total`` is done (``label`` names it, never data)."""
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        yield lambda label: None
        return
    start, done = time.monotonic(), 0

    def step(label: str) -> None:
        nonlocal done
        done += 1
        line = bar_line(f"{description}: {label}", done, total, time.monotonic() - start)
        out.write("\r\x1b[2K" + line)
        out.flush()

    try:
        yield step
    finally:
        out.write("\r\x1b[2K")  # the bar is transient: the command's own output follows on a clean line
        out.flush()
