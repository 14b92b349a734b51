"""Shared CLI plumbing: settings, the container, error-to-exit-code mapping, output."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from node.config import load_settings
from node.errors import DependencyUnavailable, NodeError

if TYPE_CHECKING:
    from node.bootstrap import Container

EXIT_INVALID = 1  # a check ran and failed (bad signature, broken audit chain)
EXIT_BAD_INPUT = 2  # the command could not run on what it was given
EXIT_UNAVAILABLE = 3


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def exit_on_error() -> Iterator[None]:
    """Map NodeError to a one-line message on stderr and an exit code."""
    try:
        yield
    except NodeError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        sys.exit(EXIT_UNAVAILABLE if isinstance(exc, DependencyUnavailable) else EXIT_BAD_INPUT)


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def open_container() -> Container:
    from node.bootstrap import build_container  # imported here: crypto commands start fast without it

    return build_container(load_settings())


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int | None], None]]:
    """A transient progress bar on stderr when it is a terminal; silent otherwise (scripts, CI)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda done, total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)
