"""Held pulls (node/federated/flower/held_pulls.py): the SuperLink answers an empty pull when a message
is stored (or after the hold), and a found message once its objects are stored; the SuperNode and the
ServerApp's grid then pull again at once instead of sleeping their poll interval."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from node.federated.flower import held_pulls
from node.federated.flower.held_pulls import Signals, held


class _Store:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, object_id: str, content: bytes) -> None:
        self.objects[object_id] = content

    def get(self, object_id: str) -> bytes | None:
        return self.objects.get(object_id, b"")  # preregistered, not yet pushed


def _tree(object_id: str, *children: Any) -> Any:
    return SimpleNamespace(object_id=object_id, children=list(children))


class _Mailbox:
    """A Flower pull handler's shape: (request, state) -> an answer with messages and their trees."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.calls = 0

    def pull(self, request: Any, state: Any, *rest: Any, **kwargs: Any) -> Any:
        self.calls += 1
        found, self.messages = self.messages, []
        trees = [_tree(m, _tree(m + "/content")) for m in found]
        return SimpleNamespace(messages_list=found, message_object_trees=trees)


def _later(seconds: float, action: Any) -> None:
    threading.Timer(seconds, action).start()


def test_an_empty_pull_is_answered_when_a_message_is_stored_not_at_the_next_poll() -> None:
    signals, box = Signals(), _Mailbox()
    state = SimpleNamespace(object_store=_Store())
    state.object_store.objects.update({"m1": b"x", "m1/content": b"y"})
    pull = held(box.pull, signals, hold_s=5.0)

    def store() -> None:
        box.messages.append("m1")
        signals.messages.stored()

    _later(0.1, store)
    start = time.monotonic()
    answer = pull("request", state)
    assert answer.messages_list == ["m1"]
    assert 0.08 <= time.monotonic() - start < 1.0
    assert box.calls == 2  # answered by the handler again, once


def test_a_pull_still_empty_after_the_hold_is_answered_empty() -> None:
    signals, box = Signals(), _Mailbox()
    pull = held(box.pull, signals, hold_s=0.15)
    start = time.monotonic()
    assert pull("request", SimpleNamespace(object_store=_Store())).messages_list == []
    assert 0.14 <= time.monotonic() - start < 1.0


def test_a_message_stored_between_the_read_and_the_wait_is_not_missed() -> None:
    signals, box = Signals(), _Mailbox()
    state = SimpleNamespace(object_store=_Store())
    state.object_store.objects.update({"m2": b"x", "m2/content": b"y"})
    first = box.pull

    def racing_pull(request: Any, st: Any) -> Any:
        answer = first(request, st)
        if box.calls == 1:  # stored after this read, before the handler waits
            box.messages.append("m2")
            signals.messages.stored()
        return answer

    start = time.monotonic()
    assert held(racing_pull, signals, hold_s=5.0)("request", state).messages_list == ["m2"]
    assert time.monotonic() - start < 1.0


def test_a_found_message_is_answered_once_its_objects_are_stored() -> None:
    signals, box = Signals(), _Mailbox()
    store = _Store()
    state = SimpleNamespace(object_store=store)
    box.messages.append("m3")
    store.objects["m3"] = b"message"  # its content object not pushed yet

    def push() -> None:
        store.put("m3/content", b"content")
        signals.objects.stored()

    _later(0.1, push)
    start = time.monotonic()
    assert held(box.pull, signals, hold_s=5.0)("request", state).messages_list == ["m3"]
    assert 0.08 <= time.monotonic() - start < 1.0
    # a sender that never pushes: the message is answered after the objects' wait, not held forever
    box.messages.append("m4")
    start = time.monotonic()
    answer = held(box.pull, signals, hold_s=5.0, objects_wait_s=0.1)("request", state)
    assert answer.messages_list == ["m4"] and time.monotonic() - start < 1.0


def test_beyond_the_most_held_pulls_a_pull_is_answered_at_once() -> None:
    signals, box = Signals(max_held=1), _Mailbox()
    state = SimpleNamespace(object_store=_Store())
    pull = held(box.pull, signals, hold_s=0.5)
    holder = threading.Thread(target=pull, args=("request", state))
    holder.start()
    time.sleep(0.05)
    start = time.monotonic()
    assert pull("request", state).messages_list == []
    assert time.monotonic() - start < 0.2
    holder.join()


def test_the_state_announces_stored_messages_and_objects() -> None:
    signals = Signals()

    class Base:
        def __init__(self, federation_manager: Any, object_store: Any) -> None:
            self.object_store = object_store

        def store_message_ins(self, message: Any) -> str | None:
            return None if message == "refused" else "id"

        def store_message_res(self, message: Any) -> str | None:
            return "id"

    state = held_pulls.announcing(Base, signals)(None, _Store())
    before = signals.messages.mark()
    state.store_message_ins("refused")
    assert signals.messages.mark() == before  # not stored: no wake-up
    state.store_message_ins("instruction")
    state.store_message_res("reply")
    assert signals.messages.mark() == before + 2
    objects = signals.objects.mark()
    state.object_store.put("o", b"content")
    assert signals.objects.mark() == objects + 1 and state.object_store.get("o") == b"content"


def test_the_superlinks_fleet_and_runtime_pulls_are_held(monkeypatch: Any) -> None:
    from flwr.superlink.servicer.fleet import fleet_handlers
    from flwr.superlink.servicer.runtime import runtime_handlers

    originals = (fleet_handlers.pull_messages, runtime_handlers.pull_messages)
    monkeypatch.setattr(fleet_handlers, "pull_messages", originals[0])
    monkeypatch.setattr(runtime_handlers, "pull_messages", originals[1])
    held_pulls.install(Signals())
    held_pulls.install(Signals())  # once only
    assert fleet_handlers.pull_messages.__wrapped__ is originals[0]  # type: ignore[attr-defined]
    assert runtime_handlers.pull_messages.__wrapped__ is originals[1]  # type: ignore[attr-defined]


def test_a_supernode_pulls_again_at_once_after_a_pull_the_superlink_held(monkeypatch: Any) -> None:
    import flwr.supernode.start_client_internal as supernode_loop

    from node.federated.flower import supernode_main as sm

    pull_takes = iter([0.3, 0.0])  # held longer than the longest idle wait (0.25 s), then at once
    monkeypatch.setattr(supernode_loop, "time", time)  # restored after the test
    monkeypatch.setattr(supernode_loop, "_pull_and_store_message", lambda **kw: time.sleep(next(pull_takes)))
    clock = sm.prompt()
    clock.idle = sm.IDLE_POLL_S

    def waited() -> float:
        start = time.monotonic()
        supernode_loop.time.sleep(3)  # Flower's wait after an empty pull
        return time.monotonic() - start

    assert supernode_loop._pull_and_store_message() is None
    assert waited() < 0.02
    assert supernode_loop._pull_and_store_message() is None
    assert waited() >= 0.2  # an empty answer at once (a SuperLink that does not hold): as before


@pytest.mark.parametrize("held_s", [0.0, 0.3])
def test_the_grid_pulls_again_at_once_after_a_held_pull(held_s: float, monkeypatch: Any) -> None:
    from node.federated.flower import grid
    from node.federated.flower.grid import FIRST_WAIT_S, GROWTH, PromptGrid

    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(grid, "time", SimpleNamespace(monotonic=lambda: now[0], sleep=sleep))

    class Inner:
        pulls = 0

        def push_messages(self, messages: Any) -> list[str]:
            return ["a"]

        def pull_messages(self, ids: Any) -> list[Any]:
            self.pulls += 1
            now[0] += held_s  # the SuperLink held the pull this long
            if self.pulls < 4:
                return []
            return [SimpleNamespace(metadata=SimpleNamespace(reply_to_message_id="a"))]

    assert len(PromptGrid(Inner()).send_and_receive([object()])) == 1  # type: ignore[arg-type, list-item]
    if held_s:
        assert sleeps == []  # each held pull has waited already
    else:
        assert sleeps == pytest.approx([FIRST_WAIT_S, FIRST_WAIT_S * GROWTH, FIRST_WAIT_S * GROWTH**2])
