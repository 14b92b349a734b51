"""Progress of long work on stderr: a rich progress bar on a terminal, nothing otherwise (scripts, CI,
``--json`` output stays clean on stdout in both cases)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def progress(description: str, total: int) -> Iterator[Callable[[str], None]]:
    """Yields ``step(label)``: one unit of the ``total`` is done (``label`` names it, never data)."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda label: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)

        def step(label: str) -> None:
            bar.update(task, advance=1, description=f"{description}: {label}")

        yield step
