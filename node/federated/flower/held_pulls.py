"""The SuperLink holds a pull that finds no message until one is stored (or ``HOLD_S`` passes).

Flower 1.41's SuperNodes ask the SuperLink for their next message, and the ServerApp for its replies,
by polling: a pull that finds nothing returns at once and the caller sleeps before the next. A round is
a chain of exchanges (two under FedAvg, five under SecAgg+), and each exchange waited for the slowest
of those sleeps: a hospital that had answered first was sleeping its idle wait (up to a quarter
second, ``supernode_main.IDLE_POLL_S``) when the next message was stored, and the ServerApp its grid
wait (up to 0.1 s, ``grid.LONGEST_WAIT_S``) when the last reply came; and every empty poll was a
request through the SuperLink's HTTP stack (three idle SuperNodes: 11.5 a second).

Here an empty pull is held in the handler's thread (after Flower has authenticated the request and
answered it from its state) until a message is stored in the state, then answered again by Flower's
own handler; a pull still empty after ``HOLD_S`` is answered empty, as before. A message is stored
before its objects (the sender pushes them one request each after the message), so a pull that finds
one is answered once the message's objects are all stored (or ``OBJECTS_WAIT_S`` passed): the puller
then fetches them without a miss and its retries. Callers that sleep after an empty pull sleep less by
the time the pull was held (``supernode_main``, ``grid``), so against a SuperLink that does not hold
they poll as before. At most ``MAX_HELD`` pulls are held at once (each holds one of the thread pool's
40 threads); beyond that a pull is answered at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

HOLD_S = 2.0  # below Flower's HTTP client timeout (30 s) and the SuperLink's stop grace (8 s)
OBJECTS_WAIT_S = 1.0  # a sender slower than this: its objects are retried by the puller, as before
MAX_HELD = 16


class Arrivals:
    """Counts what a state stores (``stored``); held pulls wait for the count to change."""

    def __init__(self, max_held: int = MAX_HELD) -> None:
        self._changed = threading.Condition()
        self._count = 0
        self._held = 0
        self._max_held = max_held

    def stored(self) -> None:
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def mark(self) -> int:
        with self._changed:
            return self._count

    def wait(self, since: int, timeout: float) -> bool:
        """Wait until something was stored after ``mark()`` returned ``since`` (True), or ``timeout``
        passes or ``max_held`` pulls are waiting already (False)."""
        with self._changed:
            if self._count != since:
                return True
            if self._held >= self._max_held:
                return False
            self._held += 1
            try:
                return self._changed.wait_for(lambda: self._count != since, timeout)
            finally:
                self._held -= 1


class Signals:
    """The SuperLink's two signals: a message stored, an object stored."""

    def __init__(self, max_held: int = MAX_HELD) -> None:
        self.messages = Arrivals(max_held)
        self.objects = Arrivals(max_held)


def _object_ids(tree: Any) -> Iterator[str]:
    yield tree.object_id
    for child in tree.children:
        yield from _object_ids(child)


def _objects_stored(store: Any, trees: Any) -> bool:
    return all(store.get(i) for tree in trees for i in _object_ids(tree))  # b"": preregistered only


def held(
    pull: Callable[..., Any],
    signals: Signals,
    hold_s: float = HOLD_S,
    objects_wait_s: float = OBJECTS_WAIT_S,
) -> Callable[..., Any]:
    """``pull`` (Flower's ``pull_messages`` handler of the Fleet or the Runtime API: a request and a
    ``LinkState`` first, its answer's ``messages_list`` and ``message_object_trees``) answered again
    each time a message is stored while its answer is empty, until ``hold_s`` passed; a found
    message's answer waits for its objects up to ``objects_wait_s``."""

    def held_pull(request: Any, state: Any, *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + hold_s
        while True:
            since = signals.messages.mark()  # before the state is read: a message stored meanwhile wakes us
            response = pull(request, state, *args, **kwargs)
            if len(response.messages_list):
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not signals.messages.wait(since, remaining):
                return response
        deadline = time.monotonic() + objects_wait_s
        while True:
            since = signals.objects.mark()
            remaining = deadline - time.monotonic()
            if (
                _objects_stored(state.object_store, response.message_object_trees)
                or remaining <= 0
                or not signals.objects.wait(since, remaining)
            ):
                return response

    held_pull.__wrapped__ = pull  # type: ignore[attr-defined]
    return held_pull


def announcing(state_class: type, signals: Signals) -> type:
    """``state_class`` (a Flower ``LinkState``) telling ``signals`` of every message it stores (an
    instruction for a SuperNode or a reply for the ServerApp) and every object its object store
    stores."""

    class AnnouncingLinkState(state_class):  # type: ignore[misc]
        def __init__(self, federation_manager: Any, object_store: Any) -> None:
            super().__init__(federation_manager, object_store)
            put = object_store.put

            def announcing_put(object_id: str, object_content: bytes) -> None:
                put(object_id, object_content)
                signals.objects.stored()

            object_store.put = announcing_put

        def store_message_ins(self, message: Any) -> str | None:
            stored: str | None = super().store_message_ins(message)
            if stored is not None:
                signals.messages.stored()
            return stored

        def store_message_res(self, message: Any) -> str | None:
            stored: str | None = super().store_message_res(message)
            if stored is not None:
                signals.messages.stored()
            return stored

    return AnnouncingLinkState


def install(signals: Signals) -> None:
    """Hold the SuperLink's empty Fleet pulls (a SuperNode's next message) and Runtime pulls (the
    ServerApp's replies); call before Flower's app serves a request."""
    from flwr.superlink.servicer.fleet import fleet_handlers
    from flwr.superlink.servicer.runtime import runtime_handlers

    for module in (fleet_handlers, runtime_handlers):
        pull = getattr(module, "pull_messages", None)
        if not callable(pull):
            raise RuntimeError(f"flwr's {module.__name__} no longer has pull_messages")
        if not hasattr(pull, "__wrapped__"):
            setattr(module, "pull_messages", held(pull, signals))  # noqa: B010 - the module's own binding
