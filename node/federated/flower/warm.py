"""Warm ClientApps: Flower's own ``flwr-clientapp``, forked from a process that has it loaded.

Flower 1.41's SuperNode has its SuperExec start one ``flwr-clientapp`` process per message (two per
round, five under SecAgg+), and each spends seconds importing Flower and the node before it handles a
message that takes milliseconds. Flower's warm executors exist only for Kubernetes and only for
other task types (``flwr.supercore.superexec.executor.warm_executor_pool``: agent, model and
connector apps), and ``flwr-clientapp`` runs one task and exits; so ``hnode fl supernode`` keeps the
work warm itself:

- it becomes a fork server: Flower's ClientApp entry point, the node's ClientApp and (behind a
  hospital) the node's container are loaded once, in this process;
- the SuperNode runs as its child with a directory first on its PATH holding a tiny ``flwr-clientapp``
  (Python without site packages, tens of milliseconds) which hands its arguments and its standard
  streams to this process over a private Unix socket;
- this process forks a child that runs Flower's own ``flwr-clientapp`` entry with those arguments
  (the task token, Runtime API address, certificates: unchanged), and the tiny client exits with the
  child's status, forwarding signals to it meanwhile;
- the same directory holds a ``flower-superexec`` that runs Flower's SuperExec woken by the SuperNode
  when a message is stored (``superexec_main``) instead of asking for a task 20 times a second, and
  handing each task to this process itself as the tiny client would (the client stays for a
  SuperExec that cannot reach this process);
- the loaded objects are frozen out of the garbage collector (``gc.freeze``) before the first fork, so
  a task's collections neither scan them nor copy their pages.

Flower's code runs unchanged and as Flower starts it; only its import and the node's set-up are
shared. ``check_layout`` refuses to start if the names this relies on move (its test fails then).
"""

from __future__ import annotations

import gc
import importlib
import os
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from node.federated.flower.deployment import POLL_ENV
from node.federated.flower.superexec_main import FORK_SERVER_ENV, WAKE_ENV

COMMAND = "flwr-clientapp"  # what Flower's SubprocessExecutor runs, found on PATH
SUPEREXEC = "flower-superexec"  # what Flower's SuperNode starts, found on PATH
SOCKET = "clientapp.sock"
WAKE_SOCKET = "tasks.sock"  # the SuperNode wakes its SuperExec here (superexec_main)
FALLBACK_POLL_S = "1"  # the SuperExec's own poll, for a wake-up lost (Flower's default)
STOP_GRACE_S = 8
PRELOAD = (
    "httpcore",  # Flower's Runtime API client imports it when a task connects
    "node.federated.flower.client_app",  # the FAB's reference then finds it in sys.modules
)
PRELOAD_NODE = ("node.federated.assets", "node.federated.features")  # pandas, the product's tables

THIN_CLIENT = """#!{python} -IS
# hnode: hands this ClientApp task to the SuperNode's fork server (node/federated/flower/warm.py)
import os, signal, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect({socket_path!r})
socket.send_fds(s, [b"\\0".join(os.fsencode(a) for a in sys.argv)], [0, 1, 2])
pid = int(s.recv(32) or b"0")
if pid > 0:
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda n, f: os.kill(pid, n))
status = s.recv(32)
sys.exit(int(status) if status else 1)
"""

SUPEREXEC_SCRIPT = """#!/bin/sh
# hnode: Flower's SuperExec, woken by its SuperNode (node/federated/flower/superexec_main.py)
exec {python} -m node.federated.flower.superexec_main "$@"
"""


def check_layout() -> Callable[[], None]:
    """Flower's ClientApp entry point, after checking that its SuperExec still starts ClientApps as
    the ``flwr-clientapp`` command found on PATH, and its SuperNode its SuperExec as
    ``flower-superexec``."""
    import inspect

    from flwr.supercore.constant import TASK_TYPE_TO_COMMAND, TaskType
    from flwr.supercore.superexec.executor.subprocess_executor import SubprocessExecutor
    from flwr.supernode import start_client_internal as supernode_loop
    from flwr.supernode.cli.flwr_clientapp import flwr_clientapp

    if TASK_TYPE_TO_COMMAND.get(TaskType.CLIENT_APP) != COMMAND:
        raise RuntimeError(f"flwr's SuperExec no longer starts ClientApps as {COMMAND}")
    if "TASK_TYPE_TO_COMMAND[spec.task_type]" not in inspect.getsource(SubprocessExecutor.launch):
        raise RuntimeError("flwr's SubprocessExecutor no longer runs the task's command by name")
    if f'command = ["{SUPEREXEC}"]' not in inspect.getsource(supernode_loop.start_client_internal):
        raise RuntimeError(f"flwr's SuperNode no longer starts its SuperExec as {SUPEREXEC}")
    return flwr_clientapp


def preload(with_node: bool) -> Callable[[], None]:
    """Import what every ClientApp task imports (Flower's entry point and HTTP client, the node's
    ClientApp, and behind a hospital the table readers), and have its object pulls retried promptly;
    returns Flower's entry point."""
    entry = check_layout()
    from node.federated.flower.pulls import prompt_pulls

    prompt_pulls()  # a warm task asks for the message's objects before its SuperNode has them
    for module in PRELOAD + (PRELOAD_NODE if with_node else ()):
        importlib.import_module(module)
    return entry


def write_thin_client(directory: Path) -> Path:
    """``directory/bin/flwr-clientapp``, talking to ``directory/clientapp.sock``, and
    ``directory/bin/flower-superexec``; returns the bin dir."""
    bin_dir = directory / "bin"
    bin_dir.mkdir(mode=0o700, exist_ok=True)
    scripts = {
        COMMAND: THIN_CLIENT.format(python=sys.executable, socket_path=str(directory / SOCKET)),
        SUPEREXEC: SUPEREXEC_SCRIPT.format(python=shlex.quote(sys.executable)),
    }
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o700)
    return bin_dir


class ForkServer:
    """Runs ``child`` (a SuperNode) and, until it exits, forks ``entry`` for every thin client."""

    def __init__(
        self, directory: Path, entry: Callable[[], None], after_fork: Callable[[], None] | None = None
    ) -> None:
        self._entry = entry
        self._after_fork = after_fork
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._listener.bind(str(directory / SOCKET))
        self._listener.listen(64)
        self._listener.setblocking(False)
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._tasks: dict[int, socket.socket] = {}  # forked ClientApp -> its thin client
        self.served = 0

    def run(self, child: Sequence[str], env: Mapping[str, str], preexec: Callable[[], None] | None) -> int:
        """Start ``child`` and serve until it exits; SIGTERM/SIGINT are passed on to it. Returns its
        exit status (128 + signal if a signal ended it)."""
        stopping: list[float] = []
        signal.set_wakeup_fd(self._wake_w)
        signal.signal(signal.SIGCHLD, lambda n, f: None)
        proc = subprocess.Popen(list(child), env=dict(env), preexec_fn=preexec)  # noqa: S603 - our command

        def stop(signum: int, frame: object) -> None:
            if not stopping:
                stopping.append(time.monotonic())
            os.kill(proc.pid, signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        status: int | None = None
        try:
            while status is None:
                for key, _ in self._selector.select(timeout=1.0):
                    if key.fileobj is self._listener:
                        self._accept()
                    elif key.fileobj == self._wake_r:
                        while True:
                            try:
                                if not os.read(self._wake_r, 512):
                                    break
                            except BlockingIOError:
                                break
                    else:
                        self._abandoned(key.fileobj)  # type: ignore[arg-type]
                status = self._reap(proc.pid)
                if status is None and stopping and time.monotonic() - stopping[0] > STOP_GRACE_S:
                    os.kill(proc.pid, signal.SIGKILL)
        finally:
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
                signal.signal(sig, signal.SIG_DFL)
            if status is None:  # an error here: the SuperNode does not outlive its server
                proc.kill()
                proc.wait()
            self.close()
        proc.returncode = status
        return status

    def _accept(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except BlockingIOError:
            return
        try:
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
            if int.from_bytes(creds[4:8], sys.byteorder) != os.getuid():  # struct ucred: pid, uid, gid
                raise PermissionError("a ClientApp task from another user")
            conn.settimeout(5)
            data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
            if len(fds) != 3 or not data:
                raise ConnectionError("a malformed ClientApp task")
        except OSError:
            conn.close()
            return
        argv = [os.fsdecode(a) for a in data.split(b"\0")]
        for stream in (sys.stdout, sys.stderr):  # nothing buffered here is written twice
            stream.flush()
        pid = os.fork()
        if pid == 0:
            self._child(argv, fds)  # never returns
        for fd in fds:
            os.close(fd)
        self.served += 1
        try:
            conn.send(str(pid).encode())
        except OSError:
            pass  # the thin client is gone; the task still runs and is reaped
        self._tasks[pid] = conn
        self._selector.register(conn, selectors.EVENT_READ)

    def _child(self, argv: list[str], fds: list[int]) -> None:
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            self._selector.close()
            self._listener.close()
            for conn in self._tasks.values():
                conn.close()
            os.close(self._wake_r)
            os.close(self._wake_w)
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            sys.stdin = open(0, closefd=False)  # the task's own streams, for its life
            sys.stdout = open(1, "w", buffering=1, closefd=False)
            sys.stderr = open(2, "w", buffering=1, closefd=False)
            if self._after_fork is not None:
                self._after_fork()
            sys.argv = argv
            self._entry()
            code = 0
        except SystemExit as done:  # Flower's flwr_exit ends with sys.exit
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        except BaseException:  # noqa: BLE001 - whatever ends the task is its failure, reported
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            os._exit(code)  # never the server's exit handlers

    def _abandoned(self, conn: socket.socket) -> None:
        """A thin client hung up before its task ended: the task is stopped."""
        for pid, c in list(self._tasks.items()):
            if c is conn:
                self._selector.unregister(conn)
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass

    def _reap(self, main: int) -> int | None:
        """Collect ended children; tell each task's thin client its status. Returns ``main``'s
        status once it ended."""
        found: int | None = None
        while True:
            try:
                pid, raw = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return found
            if pid == 0:
                return found
            code = os.waitstatus_to_exitcode(raw)
            code = 128 - code if code < 0 else code
            if pid == main:
                found = code
                continue
            conn = self._tasks.pop(pid, None)
            if conn is None:
                continue
            try:
                self._selector.unregister(conn)
            except (KeyError, ValueError):
                pass
            try:
                conn.send(str(code).encode())
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self._selector.close()
        self._listener.close()
        for conn in self._tasks.values():
            conn.close()
        os.close(self._wake_r)
        os.close(self._wake_w)


def serve(
    supernode: Sequence[str],
    env: Mapping[str, str],
    with_node: bool,
    after_fork: Callable[[], None] | None = None,
    preexec: Callable[[], None] | None = None,
) -> int:
    """Run Flower's SuperNode (``supernode``, with ``env``) whose ClientApps are forked from this
    process; returns the SuperNode's exit status. ``after_fork`` runs in each ClientApp first (the
    node's database pool starts afresh there)."""
    entry = preload(with_node)
    directory = Path(tempfile.mkdtemp(prefix="hnode-clientapps-"))  # mode 700: this user's only
    try:
        bin_dir = write_thin_client(directory)
        os.environ.update(env)  # the ClientApps see the environment the SuperNode's processes see
        child_env = {
            **env,
            "PATH": str(bin_dir) + os.pathsep + env.get("PATH", ""),
            WAKE_ENV: str(directory / WAKE_SOCKET),
            FORK_SERVER_ENV: str(directory / SOCKET),  # the SuperExec hands tasks over itself
            POLL_ENV: FALLBACK_POLL_S,
        }
        server = ForkServer(directory, entry, after_fork)
        gc.freeze()  # what is loaded now lives as long as the server: no task's collections scan it
        return server.run(supernode, child_env, preexec)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
