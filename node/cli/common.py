"""Shared CLI plumbing: settings, the container, error-to-exit-code mapping, output."""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from node.config import load_settings
from node.errors import DependencyUnavailable, NodeError

if TYPE_CHECKING:
    from node.bootstrap import Container
    from node.identity.model import Principal, Role

EXIT_INVALID = 1  # a check ran and failed (bad signature, broken audit chain)
EXIT_BAD_INPUT = 2  # the command could not run on what it was given
EXIT_UNAVAILABLE = 3


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def exit_on_error() -> Iterator[None]:
    """Map NodeError to a one-line message on stderr and an exit code."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except NodeError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        sys.exit(EXIT_UNAVAILABLE if isinstance(exc, DependencyUnavailable) else EXIT_BAD_INPUT)
    except DBAPIError as exc:
        # the driver's first line names the host and port it tried, never a password or a parameter
        if exc.connection_invalidated or "connect" in str(exc.orig).lower():
            detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
            typer.echo(f"error [database_unavailable]: cannot reach the database: {detail}", err=True)
            sys.exit(EXIT_UNAVAILABLE)
        typer.echo(
            f"error [database_error]: the database refused the operation ({type(exc.orig).__name__})",
            err=True,
        )
        sys.exit(EXIT_UNAVAILABLE)


STAFF_TOKEN_ENV = "NODE_STAFF_TOKEN"  # noqa: S105 - the name of a variable, not its value
ACTING_HELP = (
    "Environment variable holding YOUR OWN bearer token (from `hnode tokens issue YOUR-NAME`): staff "
    "actions are taken, checked and audited under the credential of the person acting."
)


def token_env_option() -> Any:
    return typer.Option(STAFF_TOKEN_ENV, "--token-env", help=ACTING_HELP)


def actor() -> str:
    """The host operator (imports, identity set-up): not a staff decision, which needs ``acting``."""
    return f"cli:{getpass.getuser()}"


def acting(c: Container, token_env: str, roles: frozenset[Role] | None, action: str) -> Principal:
    """The person acting, from their own bearer token in ``token_env`` (checked like the API's: unknown,
    expired or revoked tokens are refused), holding one of ``roles``."""
    secret = os.environ.get(token_env, "").strip()
    if not secret:
        raise fail(
            f"set {token_env} to your own token (issued by `hnode tokens issue YOUR-NAME`): staff actions "
            "are taken under the acting person's credential, not a name"
        )
    principal = c.identity.authenticate(secret)
    if roles is not None:
        c.identity.authorize(principal, roles, action)
    return principal


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
        (state,) = bar.tasks

        def advance(done: int, total: int | None) -> None:
            # a total of 0 or below the rows done (a source that cannot count ahead) is shown as unknown
            state.total = total if total and total >= done else None
            bar.update(task, completed=done)

        yield advance
