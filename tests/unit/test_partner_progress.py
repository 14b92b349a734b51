"""The light client's progress bar: drawn in place on a terminal only, never on a pipe (so `--json`
output and logs stay clean), and with no dependency beyond the standard library."""

from __future__ import annotations

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "partner_client"))

from hnode_partner.progress import bar_line, progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_counts_steps_on_a_terminal_and_clears_itself() -> None:
    tty = _Terminal()
    with progress("HE", 3, tty) as step:
        step("h1")
        step("h2")
    drawn = tty.getvalue()
    assert "HE: h1 [########----------------] 1/3" in drawn
    assert "HE: h2 [################--------] 2/3" in drawn
    assert drawn.endswith("\r\x1b[2K")


def test_nothing_is_written_to_a_pipe() -> None:
    pipe = io.StringIO()
    with progress("PSI", 2, pipe) as step:
        step("h1")
    assert pipe.getvalue() == ""


def test_a_full_bar_and_an_empty_total() -> None:
    assert bar_line("x", 4, 4, 0.0).startswith("x [" + "#" * 24 + "] 4/4")
    assert bar_line("x", 0, 0, 1.25) == "x [" + "#" * 24 + "] 0/0 1.2 s"
