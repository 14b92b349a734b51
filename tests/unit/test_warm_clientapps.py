"""Warm ClientApps (node/federated/flower/warm.py): what it relies on in Flower 1.41, and the fork
server with its thin ``flwr-clientapp`` run as Flower's SuperExec runs it."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from node.federated.flower import warm
from node.federated.flower.hospital import process_node, serve_node


def test_flower_starts_each_clientapp_as_the_flwr_clientapp_found_on_path(monkeypatch: Any) -> None:
    """If Flower renames the command, runs it by absolute path, or moves its entry point, the thin
    client would no longer be called (or call nothing): this fails first."""
    from flwr.supercore.constant import TaskType
    from flwr.supercore.superexec.executor import subprocess_executor
    from flwr.supercore.superexec.executor.types import ExecutionSpec
    from flwr.supernode.cli.flwr_clientapp import flwr_clientapp

    assert warm.check_layout() is flwr_clientapp
    started: list[list[str]] = []
    monkeypatch.setattr(subprocess_executor.subprocess, "Popen", lambda args, **kw: started.append(args))
    spec = ExecutionSpec(
        task_type=TaskType.CLIENT_APP,
        runtime_api_address="127.0.0.1:9094",
        token="t0ken",
        insecure=False,
        root_certificates_path="/ca.crt",
        runtime_dependency_install=False,
        parent_pid=1,
        suppress_output=False,
        task_id=7,
    )
    subprocess_executor.SubprocessExecutor().launch(spec)
    assert started[0][0] == warm.COMMAND and "--token" in started[0] and "/ca.crt" in started[0]


def test_flower_loads_the_fabs_clientapp_from_the_already_imported_module(tmp_path: Path) -> None:
    """The warm child must use the ClientApp (and the node) the server loaded, not import afresh."""
    from flwr.supercore.object_ref import load_app

    from node.federated.flower import client_app

    assert load_app("node.federated.flower.client_app:client", ValueError, tmp_path) is client_app.client


class _Node:
    pass


def _serve(tmp_path: Path, script: str, entry: Any, after_fork: Any = None) -> tuple[int, int, str]:
    directory = tmp_path / "w"
    directory.mkdir()
    bin_dir = warm.write_thin_client(directory)
    out = tmp_path / "out.txt"
    server = warm.ForkServer(directory, entry, after_fork)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    status = server.run(["/bin/sh", "-c", f"{{ {script}; }} > {out} 2>&1"], env, None)
    return status, server.served, out.read_text()


def test_tasks_run_forked_with_their_arguments_streams_status_and_the_servers_node(tmp_path: Path) -> None:
    node = _Node()
    serve_node(node)  # type: ignore[arg-type]
    forked: list[int] = []

    def entry() -> None:  # stands for Flower's flwr_clientapp: reads sys.argv, ends with sys.exit
        print("args", sys.argv[1:], "node", process_node(None) is node, "fresh", forked == [os.getpid()])
        print("to stderr", file=sys.stderr)
        raise SystemExit(int(sys.argv[1]))

    try:
        status, served, out = _serve(
            tmp_path,
            "flwr-clientapp 3 --token x; echo status $?; flwr-clientapp 0; echo status $?; exit 5",
            entry,
            lambda: forked.append(os.getpid()),
        )
    finally:
        serve_node(None)
    assert (status, served) == (5, 2)
    assert out.count("node True fresh True") == 2 and out.count("to stderr") == 2
    assert "args ['3', '--token', 'x']" in out and "status 3" in out and "status 0" in out
    assert forked == []  # the after-fork hook ran in the children only


def test_a_task_ended_by_a_signal_or_a_crash_reports_failure(tmp_path: Path) -> None:
    def entry() -> None:
        if sys.argv[1] == "kill":
            os.kill(os.getpid(), 9)
        raise ZeroDivisionError

    status, served, out = _serve(
        tmp_path, "flwr-clientapp kill; echo status $?; flwr-clientapp crash; echo status $?", entry
    )
    assert (status, served) == (0, 2)
    assert "status 137" in out and "status 1" in out and "ZeroDivisionError" in out


def test_flowers_object_pulls_are_retried_from_milliseconds_not_seconds() -> None:
    """Flower retries a pull of an object not yet there after 1 s; prompt_pulls makes it 10 ms,
    doubling to 0.25 s. If Flower renames these defaults, this fails (and prompt_pulls refuses)."""
    from flwr.supercore.constant import PULL_BACKOFF_CAP, PULL_INITIAL_BACKOFF
    from flwr.supercore.inflatable import inflatable_utils

    from node.federated.flower.pulls import FIRST_RETRY_S, LONGEST_RETRY_S, prompt_pulls

    assert (PULL_INITIAL_BACKOFF, PULL_BACKOFF_CAP) == (1, 10)  # what Flower 1.41 waits
    prompt_pulls()
    for fn in (inflatable_utils.pull_objects, inflatable_utils.pull_and_inflate_object_from_tree):
        assert fn.__kwdefaults__ is not None
        defaults = fn.__kwdefaults__
        assert (defaults["initial_backoff"], defaults["backoff_cap"]) == (FIRST_RETRY_S, LONGEST_RETRY_S)
        assert defaults["max_tries_per_object"] * LONGEST_RETRY_S >= 500 * 10  # as patient as Flower
    tries: list[float] = []

    def not_yet(object_id: str) -> bytes:  # there on the third try
        tries.append(time.monotonic())
        if len(tries) < 3:
            raise inflatable_utils.ObjectUnavailableError(object_id)
        return b"content"

    assert inflatable_utils.pull_objects(["a"], not_yet) == {"a": b"content"}
    assert tries[-1] - tries[0] < 0.2  # 10 ms + 20 ms (±20 %), not 1 s + 2 s


def test_the_thin_directory_also_holds_a_superexec_started_by_name(tmp_path: Path) -> None:
    """Flower's SuperNode starts ``flower-superexec`` found on PATH; the warm server's bin directory
    puts the woken SuperExec (``superexec_main``) there. ``check_layout`` refuses if Flower changes
    how its SuperNode starts it."""
    bin_dir = warm.write_thin_client(tmp_path)
    script = (bin_dir / warm.SUPEREXEC).read_text(encoding="utf-8")
    assert os.access(bin_dir / warm.SUPEREXEC, os.X_OK)
    assert "-m node.federated.flower.superexec_main" in script and sys.executable in script
    warm.check_layout()  # passes on the pinned Flower (it raises if the SuperNode's command moved)


def test_the_supernode_forwards_replies_promptly_and_wakes_its_superexec(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Flower's SuperNode waits 0.5 s between checks of its own state for a reply and 3 s after an
    empty pull: the first become 5 ms, the second start at 50 ms after a message and double up to
    0.25 s; a stored message wakes the SuperExec through its socket."""
    import socket

    import flwr.supernode.start_client_internal as supernode_loop

    from node.federated.flower import supernode_main as sm

    runs = iter([None, 7, None])
    monkeypatch.setattr(supernode_loop, "time", time)  # restored after the test
    monkeypatch.setattr(supernode_loop, "_pull_and_store_message", lambda **kw: next(runs))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(tmp_path / "tasks.sock"))
    listener.settimeout(1)
    clock = sm.prompt(str(tmp_path / "tasks.sock"))
    assert supernode_loop.time is clock and clock.monotonic is time.monotonic

    def waited(seconds: float) -> float:
        start = time.monotonic()
        supernode_loop.time.sleep(seconds)
        return time.monotonic() - start

    assert waited(0.5) < 0.05  # a local check for the reply
    idle = [waited(3) for _ in range(4)]
    assert 0.04 <= idle[0] < 0.09 and 0.2 <= idle[3] < 0.35 and idle == sorted(idle)
    assert supernode_loop._pull_and_store_message() is None
    assert supernode_loop._pull_and_store_message() == 7  # a message: the SuperExec is woken
    assert listener.recv(16) == b"t"
    assert waited(3) < 0.09  # and the next pull comes soon
    assert supernode_loop._pull_and_store_message() is None
    listener.settimeout(0.05)
    try:
        extra = listener.recv(16)
    except TimeoutError:
        extra = b""
    assert extra == b""  # an empty pull wakes nothing
    listener.close()


def test_a_woken_superexec_asks_for_its_task_as_soon_as_the_supernode_says(
    tmp_path: Path, monkeypatch: Any
) -> None:
    import socket
    import threading

    from flwr.supercore.superexec import run_superexec

    from node.federated.flower import superexec_main

    monkeypatch.setattr(run_superexec, "time", time)
    path = str(tmp_path / "tasks.sock")
    superexec_main.woken(path)
    clock = run_superexec.time
    start = time.monotonic()
    clock.sleep(0.1)  # nothing said: the poll interval
    assert 0.09 <= time.monotonic() - start < 0.5
    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    threading.Timer(0.05, lambda: sender.sendto(b"t", path)).start()
    start = time.monotonic()
    clock.sleep(10)  # woken after 50 ms, not 10 s
    assert time.monotonic() - start < 1
    superexec_main.listen(path).close()  # a restarted SuperExec takes over the socket's path
    sender.close()


def test_the_superexec_hands_its_clientapp_tasks_to_the_fork_server_itself(tmp_path: Path) -> None:
    """No thin client on PATH: the task can only run if the SuperExec (here a script calling
    Flower's SubprocessExecutor module the way its ``launch`` does) hands it over; Flower's own
    launch then returns at once while the task runs, with the SuperExec's streams."""
    directory = tmp_path / "w"
    directory.mkdir()
    out = tmp_path / "out.txt"

    def entry() -> None:
        print("args", sys.argv[1:])
        raise SystemExit(0)

    superexec = (
        "import sys, time\n"
        "from node.federated.flower import superexec_main\n"
        "from flwr.supercore.superexec.executor import subprocess_executor as e\n"
        f"superexec_main.handing_over({str(directory / warm.SOCKET)!r})\n"
        "print('launched', e.subprocess.Popen(['flwr-clientapp', '--token', 'x']), flush=True)\n"
        "time.sleep(1)\n"  # a SuperExec lives on; its end stops the tasks it handed over
    )
    server = warm.ForkServer(directory, entry)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    status = server.run(["/bin/sh", "-c", f'{sys.executable} -c "{superexec}" > {out} 2>&1'], env, None)
    text = out.read_text()
    assert (status, server.served) == (0, 1), text
    assert "launched None" in text and "args ['--token', 'x']" in text


def test_a_superexec_that_cannot_reach_the_fork_server_starts_the_command_as_before(tmp_path: Path) -> None:
    import subprocess

    from node.federated.flower.superexec_main import _HandingOver

    launcher = _HandingOver(str(tmp_path / "no-server.sock"), "true")
    started = launcher.Popen(["true"], stdout=subprocess.DEVNULL)
    assert started.wait(timeout=10) == 0
    assert launcher.DEVNULL is subprocess.DEVNULL  # the rest of subprocess, unchanged
